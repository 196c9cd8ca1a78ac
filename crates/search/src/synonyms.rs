//! Regional words: groups of words or phrases that name the same thing in the North and the
//! South (`lạc`/`đậu phộng`). Kept as data (`config/search/synonyms.toml`), applied by both
//! engines: the embedded one expands the query, Meilisearch gets them as its `synonyms`
//! setting. Phrases are compared folded (without diacritics), as search compares words.
//!
//! Beside them, spellings (`config/search/spellings.toml`, built in): loanwords, shorthand and
//! English names buyers type (`cafe`, `cf` for `cà phê`), applied one way: a spelling finds
//! products named with the word it means, not the reverse.

use std::collections::HashMap;

use common::text::{fold, nfc};
use serde::Deserialize;

use crate::exact::words;

/// The built-in table.
pub const BUILTIN: &str = include_str!("../../../config/search/synonyms.toml");

/// The built-in spellings.
pub const SPELLINGS: &str = include_str!("../../../config/search/spellings.toml");

/// Most words in one phrase of a group.
const MAX_PHRASE_WORDS: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    groups: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpellingFile {
    spelling: Vec<Spelling>,
}

/// Other ways buyers write one word or phrase.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spelling {
    /// The word as the catalogue writes it.
    means: String,
    /// How buyers also write it.
    written: Vec<String>,
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
    /// The spellings, each with what it means as folded phrases (the word and its synonyms).
    spellings: Vec<(Spelling, Vec<Vec<String>>)>,
    /// A spelling's folded words (joined by one space), and as written → its entry.
    spelled: HashMap<String, usize>,
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

    /// Reads a table (each group has at least two phrases, each of one to four words, and no
    /// phrase is in two groups) and adds the built-in spellings, none of which may be a
    /// phrase of a group.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut table = Self::groups_from_toml(text)?;
        table.add_spellings(SPELLINGS)?;
        Ok(table)
    }

    /// Adds spellings (`[[spelling]] means, written`).
    fn add_spellings(&mut self, text: &str) -> Result<(), String> {
        let file: SpellingFile = toml::from_str(text).map_err(|e| format!("spellings: {e}"))?;
        for mut spelling in file.spelling {
            spelling.means = nfc(spelling.means.trim()).into_owned();
            let means = words(&fold(&spelling.means));
            if means.is_empty() || means.len() > MAX_PHRASE_WORDS || spelling.written.is_empty() {
                return Err(format!(
                    "spelling of {:?}: a word or phrase of one to {MAX_PHRASE_WORDS} words, written at least one other way",
                    spelling.means
                ));
            }
            // What the spelling finds: the word and its regional synonyms.
            let mut targets = vec![means.clone()];
            if let Some(&g) = self.by_phrase.get(&means.join(" ")) {
                targets.extend(
                    self.groups[g]
                        .iter()
                        .map(|p| words(&fold(p)))
                        .filter(|w| *w != means),
                );
            }
            let entry = self.spellings.len();
            for w in &mut spelling.written {
                *w = nfc(w.trim()).into_owned();
                let folded = words(&fold(w));
                if folded.is_empty() || folded.len() > MAX_PHRASE_WORDS || folded == means {
                    return Err(format!(
                        "{w:?}: a spelling has one to {MAX_PHRASE_WORDS} words and differs from what it means"
                    ));
                }
                if self.by_phrase.contains_key(&folded.join(" "))
                    || self
                        .spelled
                        .insert(folded.join(" "), entry)
                        .is_some_and(|other| other != entry)
                {
                    return Err(format!("{w:?} is a spelling twice, or a synonym too"));
                }
                self.spelled.insert(words(w).join(" "), entry);
            }
            self.spellings.push((spelling, targets));
        }
        Ok(())
    }

    /// The folded words of every spelling, which "did you mean" keeps as they are.
    pub fn spelled_words(&self) -> impl Iterator<Item = &str> {
        self.spelled.keys().flat_map(|k| k.split(' '))
    }

    fn groups_from_toml(text: &str) -> Result<Self, String> {
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
            spellings: Vec::new(),
            spelled: HashMap::new(),
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
                    let as_written = written.get(i..i + len).map(|w| w.join(" "));
                    let group = if accented {
                        as_written.as_ref().and_then(|w| self.by_written.get(w))
                    } else {
                        self.by_phrase.get(&phrase)
                    };
                    if let Some(&g) = group {
                        let alternatives: Vec<Vec<String>> = self.groups[g]
                            .iter()
                            .map(|p| words(&fold(p)))
                            .filter(|w| w.join(" ") != phrase)
                            .collect();
                        return Some((len, alternatives));
                    }
                    // A spelling typed with diacritics is matched as written (`cà fê`), or
                    // folded when the table writes it without (`cafe` among accented words).
                    let spelled = match as_written.filter(|_| accented) {
                        Some(w) => self.spelled.get(&w),
                        None => self.spelled.get(&phrase),
                    };
                    spelled.map(|&e| (len, self.spellings[e].1.clone()))
                });
            match longest {
                Some((len, alternatives)) => {
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
        // Spellings one way: each form of a spelling to every form of what it means.
        for (spelling, _) in &self.spellings {
            let mut means: Vec<String> = Vec::new();
            let add = |p: &str, to: &mut Vec<String>| {
                for f in [p.to_lowercase(), fold(p)] {
                    if !to.contains(&f) {
                        to.push(f);
                    }
                }
            };
            add(&spelling.means, &mut means);
            if let Some(g) = self.by_phrase.get(&words(&fold(&spelling.means)).join(" ")) {
                for p in &self.groups[*g] {
                    add(p, &mut means);
                }
            }
            let mut written = Vec::new();
            for w in &spelling.written {
                add(w, &mut written);
            }
            for w in written {
                out.insert(w, means.clone());
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
    fn spellings_find_what_they_mean_one_way() {
        let s = Synonyms::builtin();
        let ca_phe = vec![vec!["ca".to_owned(), "phe".to_owned()]];
        for typed in [
            "cafe khe sanh",
            "Café Khe Sanh",
            "cf Khe Sanh",
            "cafe khe sành",
        ] {
            let e = expand(&s, typed);
            assert_eq!((e[0].start, e[0].len), (0, 1), "{typed}");
            assert_eq!(e[0].alternatives, ca_phe, "{typed}");
        }
        assert_eq!(expand(&s, "cà fê")[0].alternatives, ca_phe);
        assert!(expand(&s, "cà phê").is_empty(), "one way only");
        assert!(expand(&s, "ca phe").is_empty());
        // A spelling of a word with regional synonyms finds them too.
        let e = expand(&s, "keo peanut");
        assert_eq!(
            e[0].alternatives,
            [
                vec!["lac".to_owned()],
                vec!["dau".to_owned(), "phong".to_owned()]
            ]
        );
        assert_eq!(expand(&s, "fish sauce")[0].len, 2);
        let words: Vec<&str> = s.spelled_words().collect();
        assert!(words.contains(&"cafe") && words.contains(&"cf"));
        let m = s.meili_setting();
        assert!(m["cafe"].contains(&"cà phê".to_owned()));
        assert!(m["cafe"].contains(&"ca phe".to_owned()));
        assert!(!m.contains_key("cà phê"), "one way only");
        assert!(m["peanut"].contains(&"đậu phộng".to_owned()));
    }

    #[test]
    fn a_bad_spelling_is_refused_saying_why() {
        let mut s = Synonyms::groups_from_toml("groups = [[\"mè\", \"vừng\"]]").unwrap();
        let twice = "[[spelling]]\nmeans = \"cà phê\"\nwritten = [\"mè\"]";
        assert!(s.add_spellings(twice).unwrap_err().contains("synonym"));
        let same = "[[spelling]]\nmeans = \"cà phê\"\nwritten = [\"ca phe\"]";
        assert!(s.add_spellings(same).unwrap_err().contains("differs"));
        assert!(
            s.add_spellings("[[spelling]]\nmeans = \"x\"\nwritten = []")
                .is_err()
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
