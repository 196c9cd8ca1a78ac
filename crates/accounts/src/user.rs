//! The user as the rest of the system sees it, and the rules for emails and passwords.

use chrono::{DateTime, Utc};
use common::FieldCode;
use serde::Serialize;
use uuid::Uuid;

use crate::entity::user;

/// A user account, without its password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// The user's id.
    pub id: Uuid,
    /// Normalised email (trimmed, lower-case).
    pub email: String,
    /// Name as the user gave it.
    pub full_name: String,
    /// Vietnamese phone number in domestic form, if given.
    pub phone: Option<String>,
    /// Whether the user administers the marketplace.
    pub is_admin: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// When the user proved the email is theirs.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// When an administrator disabled the account (or its owner erased it).
    pub disabled_at: Option<DateTime<Utc>>,
    /// When its owner erased the account: what is left is the anonymous buyer of the orders it
    /// made, which nobody can sign in to or enable again.
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            full_name: m.full_name,
            phone: m.phone,
            is_admin: m.is_admin,
            created_at: m.created_at,
            email_verified_at: m.email_verified_at,
            disabled_at: m.disabled_at,
            erased_at: m.erased_at,
        }
    }
}

impl User {
    /// The user as an actor for authorization checks.
    pub fn actor(&self) -> common::Actor {
        common::Actor::User {
            id: self.id,
            is_admin: self.is_admin,
        }
    }
}

/// Minimum password length (NIST SP 800-63B).
pub const PASSWORD_MIN: usize = 8;
/// Maximum password length, which bounds the work one login can cost.
pub const PASSWORD_MAX: usize = 128;

/// Trims and lower-cases an email and checks its shape. Returns `None` when it cannot be an
/// address: the only sure test is a message, which is for a later verification step.
pub fn normalize_email(input: &str) -> Option<String> {
    // Lengths in characters, counted as given, as the document's pattern and maximum count them.
    let given = input.trim();
    if given.chars().count() > 254 || given.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, _) = given.split_once('@')?;
    let local_chars = local.chars().count();
    let email = lowercase_same_length(given);
    let (local, domain) = email.split_once('@')?;
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    (!local.is_empty() && local_chars <= 64 && domain_ok).then_some(email)
}

/// The domains reserved never to receive mail (RFC 6761): `.invalid` and `.localhost`. An
/// address there reaches nobody, and `erased.invalid` holds the addresses of erased accounts,
/// so no account may take one.
pub const RESERVED_EMAIL_DOMAINS: [&str; 2] = ["invalid", "localhost"];

/// Whether a normalised `email` is on a domain reserved never to receive mail
/// ([`RESERVED_EMAIL_DOMAINS`]).
#[must_use]
pub fn is_reserved_email(email: &str) -> bool {
    let domain = email.rsplit_once('@').map_or(email, |(_, d)| d);
    let top = domain.rsplit('.').next().unwrap_or(domain);
    RESERVED_EMAIL_DOMAINS.contains(&top) || RESERVED_EMAIL_DOMAINS.contains(&domain)
}

/// Lower case, one character for one: a character whose lower case is longer (`İ`) stays as
/// it is, so the address keeps the length that was checked (the column holds 254 characters).
fn lowercase_same_length(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

/// A Vietnamese phone number as given (trimmed), normalised; an empty one is none, a bad one
/// is reported on `v` as `phone`.
pub(crate) fn checked_phone(v: &mut common::validate::Validator, input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() {
        return None;
    }
    let normalized = common::phone::normalize_vn_phone(input);
    v.check(
        normalized.is_some(),
        "phone",
        FieldCode::InvalidPhone,
        "must be a Vietnamese phone number such as 0912 345 678",
    );
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_lengths_are_counted_in_characters_as_the_document_counts_them() {
        let local = "ấ".repeat(64);
        assert!(normalize_email(&format!("{local}@htx.vn")).is_some());
        assert!(normalize_email(&format!("{local}a@htx.vn")).is_none());
        let long = format!("a@{}.vn", "đ".repeat(249));
        assert_eq!(long.chars().count(), 254);
        assert_eq!(normalize_email(&long).map(|e| e.chars().count()), Some(254));
        assert!(normalize_email(&format!("a@{}.vn", "đ".repeat(250))).is_none());
        let dotted_i = format!("İ@{}.vn", "a".repeat(249));
        assert_eq!(
            normalize_email(&dotted_i).map(|e| e.chars().count()),
            Some(254)
        );
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("  Chi.Lan@HTX-CuaTung.VN ").as_deref(),
            Some("chi.lan@htx-cuatung.vn")
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "lan",
            "lan@",
            "@vn.vn",
            "lan@vn",
            "lan@@vn.vn",
            "la n@vn.vn",
            "lan@.vn",
            "lan@vn.",
            "lan@vn..vn",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn addresses_on_domains_reserved_for_no_mail_are_known() {
        for reserved in [
            "erased-0190@erased.invalid",
            "lan@x.invalid",
            "lan@localhost.localhost",
            "lan@app.localhost",
        ] {
            assert!(is_reserved_email(reserved), "{reserved}");
        }
        for open in [
            "lan@example.vn",
            "lan@htx.test",
            "lan@invalid.vn",
            "lan@localhost.com.vn",
        ] {
            assert!(!is_reserved_email(open), "{open}");
        }
    }
}
