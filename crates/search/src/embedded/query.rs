//! The buyer's words as a tantivy query: every word must match, folded or with its typed
//! diacritics, the last as a prefix, long words with a typo, syllables run together as the words
//! they join or split into, and regional synonyms as alternatives.

use common::text::{fold, nfc};
use tantivy::{
    Searcher, Term,
    query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery},
    schema::{Field, IndexRecordOption},
};

use super::schema::TextFields;
use crate::{exact::words, synonyms::Synonyms};

/// The words of a query as clauses over folded and exact fields: every word must match; the
/// last may be a prefix (the buyer is still typing); words of four letters or more forgive one
/// typo; exact diacritics and name matches score higher. A word may also be syllables run
/// together (`nuocmam`), found among the joined runs of the names. A phrase with regional
/// synonyms (`lạc`) matches as itself or as any of them (`đậu phộng`).
pub(super) fn text_query(
    text: &str,
    fields: TextFields,
    synonyms: &Synonyms,
    searcher: &Searcher,
) -> Box<dyn Query> {
    let text = nfc(text);
    let folded = words(&fold(&text));
    let exact = words(&text);
    if folded.is_empty() {
        return Box::new(AllQuery);
    }
    let last = folded.len() - 1;
    let expansions = synonyms.expansions(&exact, &folded);
    let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        let original = |i: usize| {
            exact
                .get(i)
                .filter(|o| **o != folded[i])
                .map(String::as_str)
        };
        match expansions.iter().find(|e| e.start == i) {
            Some(e) => {
                let end = i + e.len;
                let own: Vec<(Occur, Box<dyn Query>)> = (i..end)
                    .map(|k| {
                        let q = word_query(&folded[k], original(k), k == last, fields);
                        (Occur::Must, q)
                    })
                    .collect();
                let mut any: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Should, Box::new(BooleanQuery::new(own)))];
                for alternative in &e.alternatives {
                    let alt: Vec<(Occur, Box<dyn Query>)> = alternative
                        .iter()
                        .map(|w| (Occur::Must, word_query(w, None, false, fields)))
                        .collect();
                    any.push((Occur::Should, Box::new(BooleanQuery::new(alt))));
                }
                musts.push((Occur::Must, Box::new(BooleanQuery::new(any))));
                i = end;
            }
            None => {
                let q = word_query(&folded[i], original(i), i == last, fields);
                // Syllables run together that no name joins as typed (`tieuvinhlinh` for
                // "Hồ tiêu đỏ Vĩnh Linh"): also as the known words they split into.
                let q = match split_known(&folded[i], |w| known(searcher, fields, w)) {
                    Some(parts) => {
                        let parts: Vec<(Occur, Box<dyn Query>)> = parts
                            .iter()
                            .map(|p| (Occur::Must, word_query(p, None, false, fields)))
                            .collect();
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Should, q),
                            (Occur::Should, Box::new(BooleanQuery::new(parts))),
                        ])) as Box<dyn Query>
                    }
                    None => q,
                };
                musts.push((Occur::Must, q));
                i += 1;
            }
        }
    }
    Box::new(BooleanQuery::new(musts))
}

/// Whether `word` is a word of some name or text of the index.
fn known(searcher: &Searcher, f: TextFields, word: &str) -> bool {
    searcher.segment_readers().iter().any(|segment| {
        [f.name_f, f.body_f].iter().any(|&field| {
            segment
                .inverted_index(field)
                .ok()
                .and_then(|ii| ii.terms().get(word.as_bytes()).ok().flatten())
                .is_some()
        })
    })
}

/// `word` as the fewest known words it is made of (two at least), when it is not itself known
/// and is made of them: Vietnamese syllables are two to seven letters once folded.
fn split_known(word: &str, known: impl Fn(&str) -> bool) -> Option<Vec<String>> {
    crate::syllables::fewest_parts(word, 2, 1, &known)
        .into_iter()
        .next()
}

/// One folded query word: in the name (best), with its typed diacritics, in the rest of the
/// text, as a prefix when it is the last word, with a typo when long, or as joined syllables.
fn word_query(word: &str, original: Option<&str>, last: bool, f: TextFields) -> Box<dyn Query> {
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let term = |field: Field| Term::from_field_text(field, word);
    let boosted = |q: Box<dyn Query>, boost: f32| -> (Occur, Box<dyn Query>) {
        (Occur::Should, Box::new(BoostQuery::new(q, boost)))
    };
    let exact = |field: Field| -> Box<dyn Query> {
        Box::new(TermQuery::new(term(field), IndexRecordOption::WithFreqs))
    };
    any.push(boosted(exact(f.name_f), 3.0));
    any.push(boosted(exact(f.body_f), 1.0));
    if let Some(original) = original {
        let t = Term::from_field_text(f.name_x, original);
        any.push(boosted(
            Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)),
            2.0,
        ));
    }
    let letters = word.chars().count();
    if letters >= 5 {
        // Two syllables or more typed as one word.
        any.push(boosted(exact(f.joined), 2.5));
        if letters >= 8 {
            any.push(boosted(
                Box::new(FuzzyTermQuery::new(term(f.joined), 1, true)),
                1.0,
            ));
        }
    }
    if last {
        any.push(boosted(
            Box::new(FuzzyTermQuery::new_prefix(term(f.name_f), 0, true)),
            1.5,
        ));
        any.push(boosted(
            Box::new(FuzzyTermQuery::new_prefix(term(f.body_f), 0, true)),
            0.5,
        ));
        if letters >= 5 {
            any.push(boosted(
                Box::new(FuzzyTermQuery::new_prefix(term(f.joined), 0, true)),
                1.0,
            ));
        }
    }
    if letters >= 4 {
        any.push(boosted(
            Box::new(FuzzyTermQuery::new(term(f.name_f), 1, true)),
            1.0,
        ));
        any.push(boosted(
            Box::new(FuzzyTermQuery::new(term(f.body_f), 1, true)),
            0.3,
        ));
    }
    Box::new(BooleanQuery::new(any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_syllables_split_into_the_fewest_known_words() {
        let vocabulary = [
            "ho", "tieu", "do", "vinh", "linh", "mat", "ong", "rung", "nuoc", "mam",
        ];
        let known = |w: &str| vocabulary.contains(&w);
        let split = |w: &str| split_known(w, known);
        assert_eq!(split("tieuvinhlinh").unwrap(), ["tieu", "vinh", "linh"]);
        assert_eq!(split("matongrung").unwrap(), ["mat", "ong", "rung"]);
        assert_eq!(split("nuocmam").unwrap(), ["nuoc", "mam"]);
        assert_eq!(split("tieu"), None, "a known word stays whole");
        assert_eq!(split("tieuxyz"), None, "every part must be known");
        assert_eq!(split("abc"), None);
    }
}
