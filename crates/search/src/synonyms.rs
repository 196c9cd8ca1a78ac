//! Regional words: groups of words or phrases that name the same thing in the North and the
//! South (`lạc`/`đậu phộng`). Kept as data (`config/search/synonyms.toml`), applied by both
//! engines: the embedded one expands the query, Meilisearch gets them as its `synonyms`
//! setting. Phrases are compared folded (without diacritics), as search compares words.

use std::collections::HashMap;

use common::text::{fold, nfc};
use serde::Deserialize;

use crate::exact::words;

/// The built-in table.
pub const BUILTIN: &str = include_str!("../../../config/search/synonyms.toml");

/// Most words in one phrase of a group.
const MAX_PHRASE_WORDS: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    groups: Vec<Vec<String>>,
}

/// The synonym groups, and each phrase's group by its folded words.
#[derive(Clone, Debug, Default)]
pub struct Synonyms {
    /// Each group's phrases as written.
    groups: Vec<Vec<String>>,
    /// Folded phrase (its words joined by one space) → group.
    by_phrase: HashMap<String, usize>,
    /// Phrase as written, lower-cased → group.
    by_written: HashMap<String, usize>,
}

/// A phrase of the query that has synonyms: `len` words from `start`, and the other phrases of
/// its group as folded words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// The first word of the phrase in the query.
    pub start: usize,
    /// How many words it has.
    pub len: usize,
    /// The group's other phrases, each as its folded words.
    pub alternatives: Vec<Vec<String>>,
}

impl Synonyms {
    /// The built-in table.
    ///
    /// # Panics
    /// Never: a unit test reads the built-in table.
    #[allow(clippy::expect_used)]
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN).expect("the built-in synonym table reads")
    }

    /// Reads a table: each group has at least two phrases, each of one to four words, and no
    /// phrase is in two groups.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_phrase = HashMap::new();
        let mut by_written = HashMap::new();
        let mut groups = Vec::with_capacity(file.groups.len());
        for (g, group) in file.groups.into_iter().enumerate() {
            if group.len() < 2 {
                return Err(format!("group {} names fewer than two phrases", g + 1));
            }
            let mut phrases = Vec::with_capacity(group.len());
            for phrase in group {
                let phrase = nfc(phrase.trim()).into_owned();
                let folded = words(&fold(&phrase));
                if folded.is_empty() || folded.len() > MAX_PHRASE_WORDS {
                    return Err(format!(
                        "{phrase:?}: a phrase has one to {MAX_PHRASE_WORDS} words"
                    ));
                }
                by_written.insert(words(&phrase).join(" "), groups.len());
                if by_phrase.insert(folded.join(" "), groups.len()).is_some() {
                    return Err(format!("{phrase:?} is in two groups"));
                }
                phrases.push(phrase);
            }
            groups.push(phrases);
        }
        Ok(Self {
            groups,
            by_phrase,
            by_written,
        })
    }

    /// The groups as written.
    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    /// The phrases of a query that have synonyms, longest first from the left, not
    /// overlapping. `written` are its words as typed (lower-cased), `folded` the same words
    /// folded. A query typed with diacritics is matched as written (`mè`, sesame, is not `me`,
    /// tamarind); one typed without any is matched folded.
    pub fn expansions(&self, written: &[String], folded: &[String]) -> Vec<Expansion> {
        let mut out = Vec::new();
        let accented = written.len() == folded.len() && written != folded;
        let mut i = 0;
        while i < folded.len() {
            let longest = (1..=MAX_PHRASE_WORDS.min(folded.len() - i))
                .rev()
                .find_map(|len| {
                    let phrase = folded[i..i + len].join(" ");
                    let group = if accented {
                        self.by_written.get(&written[i..i + len].join(" "))
                    } else {
                        self.by_phrase.get(&phrase)
                    };
                    group.map(|&g| (len, g, phrase))
                });
            match longest {
                Some((len, g, phrase)) => {
                    let alternatives = self.groups[g]
                        .iter()
                        .map(|p| words(&fold(p)))
                        .filter(|w| w.join(" ") != phrase)
                        .collect();
                    out.push(Expansion {
                        start: i,
                        len,
                        alternatives,
                    });
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }

    /// Meilisearch's `synonyms` setting: every phrase, as written and folded, maps to the
    /// others of its group (Meilisearch applies them both ways, phrases included).
    pub fn meili_setting(&self) -> HashMap<String, Vec<String>> {
        let mut out = HashMap::new();
        for group in &self.groups {
            let mut forms: Vec<String> = Vec::new();
            for p in group {
                let lower = p.to_lowercase();
                let folded = fold(p);
                for f in [lower, folded] {
                    if !forms.contains(&f) {
                        forms.push(f);
                    }
                }
            }
            for f in &forms {
                let others: Vec<String> = forms.iter().filter(|o| *o != f).cloned().collect();
                out.insert(f.clone(), others);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(s: &Synonyms, q: &str) -> Vec<Expansion> {
        s.expansions(&words(q), &words(&fold(q)))
    }

    #[test]
    fn the_builtin_table_reads_and_expands_each_way() {
        let s = Synonyms::builtin();
        assert!(s.groups().len() >= 8);
        let e = expand(&s, "kẹo lạc Cồn Cỏ");
        assert_eq!(
            e,
            [Expansion {
                start: 1,
                len: 1,
                alternatives: vec![vec!["dau".to_owned(), "phong".to_owned()]],
            }]
        );
        // A phrase is found whole, and expands to a single word.
        let e = expand(&s, "keo dau phong");
        assert_eq!((e[0].start, e[0].len), (1, 2));
        assert_eq!(e[0].alternatives, [vec!["lac".to_owned()]]);
        // Three names of one fruit.
        let e = expand(&s, "mứt thơm");
        assert_eq!(e[0].alternatives.len(), 2);
        assert!(expand(&s, "nước mắm").is_empty());
        // Typed with diacritics, a word must be the table's as written: `mè` (sesame) is
        // not `me` (tamarind), though both fold to `me`.
        assert!(expand(&s, "mứt me").is_empty());
        assert_eq!(
            expand(&s, "mứt mè")[0].alternatives,
            [vec!["vung".to_owned()]]
        );
        assert_eq!(
            expand(&s, "mut me")[0].alternatives,
            [vec!["vung".to_owned()]]
        );
    }

    #[test]
    fn a_bad_table_is_refused_saying_why() {
        assert!(
            Synonyms::from_toml("groups = [[\"mè\"]]")
                .unwrap_err()
                .contains("fewer than two")
        );
        let twice = "groups = [[\"mè\", \"vừng\"], [\"me\", \"x\"]]";
        assert!(
            Synonyms::from_toml(twice)
                .unwrap_err()
                .contains("two groups")
        );
        assert!(Synonyms::from_toml("groups = [[\"a b c d e\", \"x\"]]").is_err());
        assert!(Synonyms::from_toml("nhom = []").is_err());
    }

    #[test]
    fn meilisearch_gets_every_form_both_ways() {
        let m = Synonyms::builtin().meili_setting();
        assert!(m["lạc"].contains(&"đậu phộng".to_owned()));
        assert!(m["dau phong"].contains(&"lac".to_owned()));
        assert!(m["khóm"].contains(&"dứa".to_owned()));
    }
}
