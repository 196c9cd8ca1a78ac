//! Carrier credentials sealed at rest: XChaCha20-Poly1305 under the deployment's key
//! (`carriers.secret_key`, 32 bytes in hex or base64), a fresh random nonce per seal, and the
//! row's owner (a stall id) bound in as associated data so a sealed token copied onto another
//! stall's row does not open.

use base64::Engine as _;
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};

/// The prefix of a sealed value: the scheme's version, so a later key or cipher can be told.
const PREFIX: &str = "xc1:";
const NONCE_LEN: usize = 24;

/// Why a key or a sealed value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The key is not 32 bytes in hex (64 digits) or base64.
    #[error("carriers.secret_key must be 32 bytes, written as 64 hex digits or in base64")]
    BadKey,
    /// The value was not sealed by this scheme, or was altered.
    #[error("a sealed carrier credential is malformed")]
    Malformed,
    /// The value does not open with this key for this owner (another key, or another row's).
    #[error("a sealed carrier credential does not open with this key")]
    WrongKey,
    /// The random source failed.
    #[error("no randomness for a nonce")]
    NoRandomness,
}

/// Seals and opens credentials with the deployment's key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    /// A sealer from the setting's text: 64 hex digits, or base64 of 32 bytes.
    pub fn from_setting(text: &str) -> Result<Self, SealError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| SealError::BadKey)?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
                .map_err(|_| SealError::BadKey)?
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        })
    }

    /// Seals `secret` for `owner` (the stall id): `xc1:` and base64 of nonce and ciphertext.
    pub fn seal(&self, secret: &str, owner: &str) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError::NoRandomness)?;
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| SealError::Malformed)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(out)
        ))
    }

    /// Opens a value sealed for `owner`.
    pub fn open(&self, sealed: &str, owner: &str) -> Result<String, SealError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(SealError::Malformed)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| SealError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| SealError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_sealed_token_opens_for_its_owner_only_and_never_shows_in_clear() {
        let s = Sealer::from_setting(KEY).unwrap();
        let sealed = s.seal("ghn-token-123", "stall-a").unwrap();
        assert!(sealed.starts_with("xc1:"));
        assert!(!sealed.contains("ghn-token-123"));
        assert_ne!(sealed, s.seal("ghn-token-123", "stall-a").unwrap());
        assert_eq!(s.open(&sealed, "stall-a").unwrap(), "ghn-token-123");
        assert_eq!(s.open(&sealed, "stall-b"), Err(SealError::WrongKey));
        let other = Sealer::from_setting(&"ab".repeat(32)).unwrap();
        assert_eq!(other.open(&sealed, "stall-a"), Err(SealError::WrongKey));
        assert_eq!(
            s.open("ghn-token-123", "stall-a"),
            Err(SealError::Malformed)
        );
    }

    #[test]
    fn keys_are_32_bytes_in_hex_or_base64() {
        assert!(Sealer::from_setting(KEY).is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert!(Sealer::from_setting(&b64).is_ok());
        assert_eq!(
            Sealer::from_setting("short").map(|_| ()),
            Err(SealError::BadKey)
        );
        let b64_16 = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        assert_eq!(
            Sealer::from_setting(&b64_16).map(|_| ()),
            Err(SealError::BadKey)
        );
    }
}
