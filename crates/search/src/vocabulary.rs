//! The words of the public catalogue, for "did you mean": when a search finds nothing, each
//! word the catalogue does not know is replaced by the nearest one it does (at most two edits
//! away), and the corrected query is offered if it finds products. Built from the database,
//! so both engines offer the same corrections.

use std::collections::HashMap;

use common::text::fold;

use crate::exact::words;

/// Most edits between a typed word and its correction.
const MAX_EDITS: usize = 2;

/// Folded words with how often they occur.
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    counts: HashMap<String, u32>,
}

impl Vocabulary {
    /// The words of `texts` (names), folded.
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for text in texts {
            for w in words(&fold(text)) {
                *counts.entry(w).or_default() += 1;
            }
        }
        Self { counts }
    }

    /// Whether `word` (folded) is a word of the catalogue.
    pub fn contains(&self, word: &str) -> bool {
        self.counts.contains_key(word)
    }

    /// How many distinct words it holds.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The known word nearest to `word` (fewest edits, then the most frequent, then the first
    /// alphabetically), if one is at most two edits away; a word of three letters or fewer
    /// only gets a correction one edit away.
    pub fn nearest(&self, word: &str) -> Option<&str> {
        let limit = if word.chars().count() <= 3 {
            1
        } else {
            MAX_EDITS
        };
        self.counts
            .iter()
            .filter_map(|(known, n)| edits(word, known, limit).map(|d| (d, *n, known)))
            .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)))
            .map(|(_, _, w)| w.as_str())
    }

    /// `text` with every word the catalogue does not know replaced by its nearest known word;
    /// `None` when no word changes.
    pub fn correct(&self, text: &str) -> Option<String> {
        let typed = words(&fold(text));
        let mut changed = false;
        let corrected: Vec<&str> = typed
            .iter()
            .map(|w| {
                if self.counts.contains_key(w) {
                    return w.as_str();
                }
                match self.nearest(w) {
                    Some(n) => {
                        changed = true;
                        n
                    }
                    None => w.as_str(),
                }
            })
            .collect();
        changed.then(|| corrected.join(" "))
    }
}

/// The edit distance between `a` and `b` (insertions, deletions, substitutions), if at most
/// `limit`.
pub(crate) fn edits(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        if row.iter().min().is_some_and(|&m| m > limit) {
            return None;
        }
        prev = row;
    }
    prev.last().copied().filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_words_are_corrected_to_the_nearest_known_one() {
        let v = Vocabulary::from_texts([
            "Nước mắm Cửa Tùng",
            "Nước mắm nhĩ",
            "Mật ong rừng",
            "Cà phê Khe Sanh",
        ]);
        assert_eq!(v.correct("nuoc mamm").as_deref(), Some("nuoc mam"));
        assert_eq!(v.correct("mat onh rungg").as_deref(), Some("mat ong rung"));
        assert_eq!(
            v.correct("ca phe khe sahn").as_deref(),
            Some("ca phe khe sanh")
        );
        assert_eq!(v.correct("nuoc mam"), None, "nothing to correct");
        assert_eq!(v.correct("xyzxyzxyz"), None, "nothing near enough");
        assert_eq!(edits("kitten", "sitting", 3), Some(3));
        assert_eq!(edits("kitten", "sitting", 2), None);
    }
}
