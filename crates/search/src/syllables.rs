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
    if !word.is_ascii() {
        return Vec::new();
    }
    fewest_parts(word, 1, limit, &is_syllable)
}

/// Longest part of a split, in letters: the longest folded Vietnamese syllable (`nghieng`).
const PART_MAX: usize = 7;
/// Longest word that is split, in letters.
const SPLIT_MAX: usize = 40;

/// The ways to read `word` as the fewest parts (two at least) that `known` accepts, each
/// `min_part` to seven letters, at most `limit` of them, longer first parts first. None when
/// `word` is itself known, or shorter than four letters or longer than forty.
pub(crate) fn fewest_parts(
    word: &str,
    min_part: usize,
    limit: usize,
    known: &dyn Fn(&str) -> bool,
) -> Vec<Vec<String>> {
    let letters: Vec<char> = word.chars().collect();
    let n = letters.len();
    if !(4..=SPLIT_MAX).contains(&n) || known(word) {
        return Vec::new();
    }
    let part = |start: usize, end: usize| letters[start..end].iter().collect::<String>();
    // fewest[i]: the fewest parts covering the letters from i on.
    let mut fewest = vec![usize::MAX; n + 1];
    fewest[n] = 0;
    for start in (0..n).rev() {
        for end in (start + min_part..=n.min(start + PART_MAX)).rev() {
            if fewest[end] != usize::MAX && known(&part(start, end)) {
                fewest[start] = fewest[start].min(fewest[end] + 1);
            }
        }
    }
    if fewest[0] == usize::MAX || fewest[0] < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let mut walk = Walk {
        fewest: &fewest,
        min_part,
        limit,
        known,
        part: &part,
    };
    walk.from(0, n, &mut parts, &mut out);
    out
}

/// The readings of a word, walked through its table of fewest parts.
struct Walk<'a> {
    fewest: &'a [usize],
    min_part: usize,
    limit: usize,
    known: &'a dyn Fn(&str) -> bool,
    part: &'a dyn Fn(usize, usize) -> String,
}

impl Walk<'_> {
    fn from(
        &mut self,
        start: usize,
        n: usize,
        parts: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        if out.len() >= self.limit {
            return;
        }
        if start == n {
            out.push(parts.clone());
            return;
        }
        for end in (start + self.min_part..=n.min(start + PART_MAX)).rev() {
            if self.fewest[end] != usize::MAX && self.fewest[end] + 1 == self.fewest[start] {
                let p = (self.part)(start, end);
                if (self.known)(&p) {
                    parts.push(p);
                    self.from(end, n, parts, out);
                    parts.pop();
                }
            }
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
