//! Vietnamese text folding: diacritics removed and `đ` turned into `d`, so "Nước mắm Cửa Tùng"
//! and "nuoc mam cua tung" compare equal. Used for slugs and for search. And Unicode
//! normalisation: the same word typed composed (`ư` as one character) or decomposed (`u` then
//! a combining horn, as some input methods and macOS send it) is one text after [`nfc`].

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// `input` in Unicode normalisation form C (composed), borrowed when it already is (the common
/// case, told by a quick check without allocating).
pub fn nfc(input: &str) -> Cow<'_, str> {
    match is_nfc_quick(input.chars()) {
        IsNormalized::Yes => Cow::Borrowed(input),
        IsNormalized::No | IsNormalized::Maybe => {
            let composed: String = input.nfc().collect();
            if composed == input {
                Cow::Borrowed(input)
            } else {
                Cow::Owned(composed)
            }
        }
    }
}

/// Lower-cases `input` and strips Vietnamese diacritics, precomposed (NFC) or combining (NFD).
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars().flat_map(char::to_lowercase) {
        if ('\u{0300}'..='\u{036f}').contains(&c) {
            continue; // a combining mark of decomposed text
        }
        out.push(base_letter(c));
    }
    out
}

fn base_letter(c: char) -> char {
    const GROUPS: [(char, &str); 7] = [
        ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
        ('e', "èéẻẽẹêềếểễệ"),
        ('i', "ìíỉĩị"),
        ('o', "òóỏõọôồốổỗộơờớởỡợ"),
        ('u', "ùúủũụưừứửữự"),
        ('y', "ỳýỷỹỵ"),
        ('d', "đ"),
    ];
    if c.is_ascii() {
        return c;
    }
    GROUPS
        .iter()
        .find(|(_, accented)| accented.contains(c))
        .map_or(c, |(base, _)| *base)
}

/// A URL slug: folded, ASCII letters and digits joined by single hyphens, at most `max` bytes,
/// cut at a word boundary where possible. Empty when nothing sluggable is left.
pub fn slugify(input: &str, max: usize) -> String {
    let folded = fold(input);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() > max {
        let cut = slug[..max]
            .rfind('-')
            .filter(|&i| i > max / 2)
            .unwrap_or(max);
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_diacritics_and_d() {
        assert_eq!(fold("Nước mắm Cửa Tùng"), "nuoc mam cua tung");
        assert_eq!(fold("Đậu xanh ĐÀ NẴNG"), "dau xanh da nang");
        assert_eq!(fold("Cà phê Khe Sanh"), "ca phe khe sanh");
        assert_eq!(fold("Dầu tràm Huế"), "dau tram hue");
        assert_eq!(fold("Mật ong rừng U Minh"), "mat ong rung u minh");
        assert_eq!(fold("Ỷ Lan, Ỵ, Ữ"), "y lan, y, u");
        // Decomposed input (NFD): base letters followed by combining marks.
        assert_eq!(fold("Nu\u{031b}o\u{031b}\u{0301}c"), "nuoc");
    }

    #[test]
    fn decomposed_text_is_composed_and_composed_text_is_borrowed() {
        let composed = "Nước mắm Cửa Tùng";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(decomposed, composed, "the test needs a decomposed form");
        assert_eq!(nfc(&decomposed), composed);
        assert!(matches!(nfc(composed), Cow::Borrowed(_)));
        assert!(matches!(nfc("nuoc mam"), Cow::Borrowed(_)));
    }

    #[test]
    fn slugs_follow_the_folded_words() {
        assert_eq!(
            slugify("HTX Nước mắm Cửa Tùng", 100),
            "htx-nuoc-mam-cua-tung"
        );
        assert_eq!(
            slugify("  Tiêu Vĩnh Linh (500g) !! ", 100),
            "tieu-vinh-linh-500g"
        );
        assert_eq!(slugify("Trà — thảo mộc", 100), "tra-thao-moc");
        assert_eq!(slugify("!!!", 100), "");
        assert_eq!(slugify("Bánh ít lá gai Quảng Trị", 12), "banh-it-la");
        assert_eq!(slugify("abcdefghijklmnop", 5), "abcde");
    }
}
