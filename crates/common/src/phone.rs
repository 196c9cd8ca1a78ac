//! Vietnamese phone numbers, normalised to the domestic form (`0912345678`).

/// Normalises a Vietnamese phone number: spaces, dots, dashes and brackets are dropped and a
/// `+84`/`84` prefix becomes `0`. Mobile numbers have 10 digits (`03`, `05`, `07`, `08`, `09`),
/// landlines 11 (`02` + area code). Anything else is `None`.
pub fn normalize_vn_phone(input: &str) -> Option<String> {
    let mut digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    if let Some(rest) = digits.strip_prefix("+84") {
        digits = format!("0{rest}");
    } else if digits.len() > 10
        && let Some(rest) = digits.strip_prefix("84")
    {
        digits = format!("0{rest}");
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let b = digits.as_bytes();
    let ok = matches!(
        (b.len(), b.first(), b.get(1)),
        (10, Some(b'0'), Some(b'3' | b'5' | b'7' | b'8' | b'9')) | (11, Some(b'0'), Some(b'2'))
    );
    ok.then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::normalize_vn_phone as n;

    #[test]
    fn accepts_the_usual_ways_of_writing_a_number() {
        assert_eq!(n("0912345678").as_deref(), Some("0912345678"));
        assert_eq!(n("0912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(n("091.234.5678").as_deref(), Some("0912345678"));
        assert_eq!(n("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(n("84912345678").as_deref(), Some("0912345678"));
        assert_eq!(n("(0233) 3852 123").as_deref(), Some("02333852123"));
    }

    #[test]
    fn rejects_what_cannot_be_dialled() {
        for bad in [
            "",
            "12345",
            "0112345678",
            "091234567",
            "09123456789",
            "09123x5678",
            "+1 415 555 0100",
        ] {
            assert_eq!(n(bad), None, "{bad:?} should be rejected");
        }
    }
}
