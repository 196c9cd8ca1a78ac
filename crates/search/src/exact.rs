//! Ranking exact diacritics first on an engine that folds them away. Meilisearch normalises
//! "đậu", "dâu" and "dau" to the same word on both sides, so it cannot prefer the spelling the
//! buyer typed; the embedded engine scores it directly. For Meilisearch the top of a relevance
//! search is fetched in one window and re-ordered, stably, by how many typed words (with their
//! diacritics) appear as written in the name; beyond the window the engine's order stands.

use common::text::fold;

/// How many hits at the top of a relevance search are re-ordered.
pub(crate) const WINDOW: usize = 100;

/// A text's words, lower-cased.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Syllables run together, as buyers type them on phones (`nuocmam`, `matongrung`,
/// `tieuvinhlinh`): every run of two and three adjacent folded words of each phrase, joined,
/// once each. Indexed beside the words, so a joined query word finds the name it joins.
pub(crate) fn joined(phrases: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    for phrase in phrases {
        let w = words(&fold(phrase));
        for n in 2..=3 {
            for run in w.windows(n) {
                let j = run.concat();
                if !out.contains(&j) {
                    out.push(j);
                }
            }
        }
    }
    out.join(" ")
}

/// The typed words that carry diacritics (or `đ`): the ones whose spelling can rank. Empty when
/// the buyer typed without them, and then nothing is re-ordered.
pub(crate) fn marked_words(text: &str) -> Vec<String> {
    words(text).into_iter().filter(|w| fold(w) != *w).collect()
}

/// Re-ordering planned for one search: present when the buyer typed diacritics, the order is
/// by relevance and the page asked for lies inside the window.
pub(crate) struct Rerank {
    marked: Vec<String>,
    offset: usize,
    limit: usize,
}

impl Rerank {
    /// The plan for a search of `text`, page `offset..offset+limit`.
    pub(crate) fn plan(
        text: &str,
        by_relevance: bool,
        offset: usize,
        limit: usize,
    ) -> Option<Self> {
        let marked = marked_words(text);
        (by_relevance && !marked.is_empty() && offset + limit <= WINDOW).then_some(Self {
            marked,
            offset,
            limit,
        })
    }

    /// The page (1-based) and page size to ask the engine for: the whole window when
    /// re-ordering, else the page itself.
    pub(crate) fn request(plan: Option<&Self>, offset: usize, limit: usize) -> (usize, usize) {
        match plan {
            Some(_) => (1, WINDOW),
            None => (offset / limit.max(1) + 1, limit),
        }
    }

    /// The asked-for page of `hits` (the window from the top), names holding more of the
    /// typed words as written first, the engine's order kept otherwise.
    pub(crate) fn apply<T>(&self, hits: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
        rerank(hits, name, &self.marked, self.offset, self.limit)
    }
}

/// Re-orders `hits` (the window from the top) so that names holding more of `marked` as
/// written come first, keeping the engine's order otherwise, and returns `offset..offset+limit`.
fn rerank<T>(
    hits: Vec<T>,
    name: impl Fn(&T) -> &str,
    marked: &[String],
    offset: usize,
    limit: usize,
) -> Vec<T> {
    let mut scored: Vec<(usize, T)> = hits
        .into_iter()
        .map(|h| {
            let in_name = words(name(&h));
            let score = marked.iter().filter(|w| in_name.contains(w)).count();
            (score, h)
        })
        .collect();
    // Stable: equal scores keep the engine's relevance order.
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, h)| h)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_words_are_the_ones_with_diacritics() {
        assert_eq!(marked_words("Đậu xanh"), ["đậu"]);
        assert!(marked_words("dau xanh").is_empty());
        assert_eq!(marked_words("nước mắm"), ["nước", "mắm"]);
    }

    #[test]
    fn exact_spelling_moves_up_and_ties_keep_their_order() {
        let hits = vec![
            "Dầu tràm Huế",
            "Dâu tây Hướng Hóa",
            "Đậu xanh Cam Lộ",
            "Đậu đen",
        ];
        let marked = marked_words("đậu");
        assert_eq!(
            rerank(hits.clone(), |h| h, &marked, 0, 10),
            [
                "Đậu xanh Cam Lộ",
                "Đậu đen",
                "Dầu tràm Huế",
                "Dâu tây Hướng Hóa"
            ]
        );
        assert_eq!(
            rerank(hits, |h| h, &marked, 1, 2),
            ["Đậu đen", "Dầu tràm Huế"]
        );
    }

    #[test]
    fn a_plan_only_for_typed_diacritics_by_relevance_inside_the_window() {
        assert!(Rerank::plan("đậu", true, 0, 20).is_some());
        assert!(Rerank::plan("dau", true, 0, 20).is_none());
        assert!(Rerank::plan("đậu", false, 0, 20).is_none());
        assert!(Rerank::plan("đậu", true, 90, 20).is_none());
        let plan = Rerank::plan("đậu", true, 20, 20);
        assert_eq!(Rerank::request(plan.as_ref(), 20, 20), (1, WINDOW));
        assert_eq!(Rerank::request(None, 40, 20), (3, 20));
    }
}
