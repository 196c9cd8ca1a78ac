//! Vietnamese syllables, folded: an initial consonant (or none) and a rhyme, as the language's
//! spelling allows. Used to split syllables a buyer ran together (`tieuvinhlinh`) where the
//! engine itself cannot: Meilisearch splits a word in two at most.

/// Initial consonants, longest first so `ngh` is tried before `ng` and `n`.
const INITIALS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h",
    "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];

/// Rhymes without tone marks or vowel marks (`ươn` is `uon`).
const RHYMES: [&str; 106] = [
    "a", "ai", "ao", "au", "ay", "an", "ang", "anh", "at", "ac", "ach", "am", "ap", "e", "eo",
    "en", "em", "ep", "et", "ec", "eu", "enh", "ech", "i", "ia", "iu", "in", "inh", "im", "ip",
    "it", "ich", "ieu", "ien", "ieng", "iem", "iep", "iet", "iec", "o", "oi", "oa", "oai", "oan",
    "oang", "oanh", "oat", "oac", "oach", "oam", "oap", "oay", "oe", "oen", "oet", "oeo", "on",
    "ong", "om", "op", "ot", "oc", "oo", "ooc", "oong", "u", "ui", "ua", "uan", "uang", "uat",
    "uac", "uay", "ue", "uen", "uech", "uenh", "uy", "uya", "uyu", "uyen", "uyet", "uynh", "uych",
    "uyt", "uyn", "un", "ung", "um", "up", "ut", "uc", "uoi", "uon", "uong", "uom", "uot", "uoc",
    "uu", "uou", "uop", "y", "yeu", "yen", "yem", "yet",
];

/// Whether `s` (folded, lower-case ASCII) can be one Vietnamese syllable.
pub(crate) fn is_syllable(s: &str) -> bool {
    INITIALS.iter().any(|i| {
        s.strip_prefix(i).is_some_and(|rhyme| {
            // `gi` and `qu` carry their vowel: `gi`, `gia`, `qua`.
            (matches!(*i, "gi") && rhyme.is_empty()) || RHYMES.contains(&rhyme)
        })
    })
}

/// The ways to read `word` as the fewest syllables (two at least), at most `limit` of them,
/// the ones with longer first syllables first. None for a word that is one syllable itself.
pub(crate) fn splits(word: &str, limit: usize) -> Vec<Vec<String>> {
    let n = word.len();
    if !word.is_ascii() || !(4..=40).contains(&n) || is_syllable(word) {
        return Vec::new();
    }
    // fewest[i]: the fewest syllables covering word[i..].
    let mut fewest = vec![usize::MAX; n + 1];
    fewest[n] = 0;
    for start in (0..n).rev() {
        for end in (start + 1..=n.min(start + 7)).rev() {
            if fewest[end] != usize::MAX && is_syllable(&word[start..end]) {
                fewest[start] = fewest[start].min(fewest[end] + 1);
            }
        }
    }
    if fewest[0] == usize::MAX || fewest[0] < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut parts = Vec::new();
    walk(word, 0, &fewest, &mut parts, &mut out, limit);
    out
}

fn walk(
    word: &str,
    start: usize,
    fewest: &[usize],
    parts: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
    limit: usize,
) {
    if out.len() >= limit {
        return;
    }
    if start == word.len() {
        out.push(parts.clone());
        return;
    }
    for end in (start + 1..=word.len().min(start + 7)).rev() {
        if fewest[end] != usize::MAX
            && fewest[end] + 1 == fewest[start]
            && is_syllable(&word[start..end])
        {
            parts.push(word[start..end].to_owned());
            walk(word, end, fewest, parts, out, limit);
            parts.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_follow_the_spelling() {
        for s in [
            "nuoc", "mam", "nghieng", "khuya", "gi", "gia", "qua", "tieu", "vinh", "ong",
        ] {
            assert!(is_syllable(s), "{s}");
        }
        for s in ["nuocm", "xyz", "tk", "vinhl"] {
            assert!(!is_syllable(s), "{s}");
        }
    }

    #[test]
    fn run_together_syllables_split_the_fewest_ways() {
        assert_eq!(splits("tieuvinhlinh", 3)[0], ["tieu", "vinh", "linh"]);
        assert_eq!(splits("nuocmam", 3)[0], ["nuoc", "mam"]);
        assert_eq!(splits("khesanh", 3)[0], ["khe", "sanh"]);
        // Two readings of three syllables: both are offered, the longer first syllable first.
        let mat_ong = splits("matongrung", 3);
        assert!(mat_ong.contains(&vec!["mat".into(), "ong".into(), "rung".into()]));
        assert!(splits("tieu", 3).is_empty(), "one syllable");
        assert!(splits("qwrtzx", 3).is_empty(), "not Vietnamese");
    }
}
