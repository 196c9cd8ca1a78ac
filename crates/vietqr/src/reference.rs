//! Short references that a person can read aloud and type into a banking app, and that banks
//! carry in a transfer's description: a prefix and eight characters of an alphabet without
//! look-alikes (no `0`/`O`, `1`/`I`/`L`, `2`/`Z`, `5`/`S`, `8`/`B`).

/// The characters a reference is made of.
pub const REFERENCE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
/// Characters after the prefix.
pub const REFERENCE_LEN: usize = 8;

/// `prefix` and [`REFERENCE_LEN`] characters drawn from `random`.
pub fn short_reference(prefix: &str, random: u64) -> String {
    let mut r = random;
    let mut out = String::from(prefix);
    let n = REFERENCE_ALPHABET.len() as u64;
    for _ in 0..REFERENCE_LEN {
        out.push(char::from(REFERENCE_ALPHABET[(r % n) as usize]));
        r /= n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_use_the_alphabet_only() {
        let r = short_reference("PO", u64::MAX);
        assert_eq!(r.len(), 10);
        assert!(
            r[2..].bytes().all(|b| REFERENCE_ALPHABET.contains(&b)),
            "{r}"
        );
        assert_ne!(short_reference("PO", 1), short_reference("PO", 2));
    }
}
