//! Seller identity: the E-commerce Law has the floor identify a seller electronically before
//! the seller trades (VNeID or the chip citizen identity card for Vietnamese sellers, legal
//! documents for foreign ones).
//!
//! A stall's owner submits the seller's identity; it waits `pending` until a check answers:
//! an [`IdentityVerifier`] (in production the [`ManualVerifier`]: every identity waits for an
//! administrator, who compares the documents and verifies or rejects it with a reason). A
//! resubmission replaces a pending or rejected identity; a verified one stays. Verifying tells
//! the catalogue (`Catalog::set_seller_verified`), which approves a stall only with it.
//! Approved stalls that sold before the rule have a grace period ([`grace`]), after which they
//! are suspended until their seller is verified.
//!
//! The id number is personal data: the owner and administrators read it whole; everywhere
//! else (lists, the verifier's `Debug`, logs, audit entries) it is masked or absent.
//!
//! Layers: the types here; [`rules`] (what a submission must be, pure and unit-tested);
//! [`entity`] (the tables); [`verifier`] (the check behind a trait); [`service`] (the use
//! cases, with their authorization and transactions); [`grace`] (the grace period, a job).

pub mod entity;
pub mod grace;
pub mod rules;
pub mod service;
pub mod verifier;

use chrono::{DateTime, NaiveDate, Utc};
use common::Stored;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use grace::{Grace, IdentityGrace};
pub use service::Identities;
pub use verifier::{IdentityVerifier, ManualVerifier, Submission, Verdict};

/// How the seller is identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdentityMethod {
    /// The national electronic identity (VNeID), by the 12-digit personal identification
    /// number.
    Vneid,
    /// The chip citizen identity card (căn cước công dân / thẻ căn cước), by the same number.
    CitizenIdCard,
    /// A foreign seller's legal documents (a passport, say), by the document's number.
    ForeignDocuments,
}

impl Stored for IdentityMethod {
    const WHAT: &'static str = "identity method";
    const ALL: &'static [Self] = &[
        IdentityMethod::Vneid,
        IdentityMethod::CitizenIdCard,
        IdentityMethod::ForeignDocuments,
    ];
    fn as_str(self) -> &'static str {
        match self {
            IdentityMethod::Vneid => "vneid",
            IdentityMethod::CitizenIdCard => "citizen_id_card",
            IdentityMethod::ForeignDocuments => "foreign_documents",
        }
    }
}

impl IdentityMethod {
    /// Whether the number is Vietnam's 12-digit personal identification number (else a
    /// foreign document's number).
    pub fn personal_number(self) -> bool {
        !matches!(self, IdentityMethod::ForeignDocuments)
    }
}

/// Where a seller identity is in its check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// Waiting for the check (an administrator, in production).
    Pending,
    /// Checked: the seller may trade.
    Verified,
    /// Refused, with a reason the owner reads; the owner may submit again.
    Rejected,
}

impl Stored for IdentityStatus {
    const WHAT: &'static str = "identity status";
    const ALL: &'static [Self] = &[
        IdentityStatus::Pending,
        IdentityStatus::Verified,
        IdentityStatus::Rejected,
    ];
    fn as_str(self) -> &'static str {
        match self {
            IdentityStatus::Pending => "pending",
            IdentityStatus::Verified => "verified",
            IdentityStatus::Rejected => "rejected",
        }
    }
}

/// A seller's identity as the stall's owner sends it.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewIdentity {
    /// How the seller is identified.
    pub method: IdentityMethod,
    /// The seller's full name as on the document, 2 to 100 letters, spaces, hyphens or
    /// apostrophes.
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 100))]
    pub full_name: String,
    /// `vneid` and `citizen_id_card`: the 12-digit personal identification number (its first
    /// three digits the province of birth registration, 001 to 096); `foreign_documents`: the
    /// document's number, 5 to 20 letters or digits.
    #[cfg_attr(feature = "openapi", schema(min_length = 5, max_length = 20))]
    pub id_number: String,
    /// The seller's date of birth: at least 15 years ago for an individual's stall, 18 for a
    /// household business, cooperative or enterprise.
    pub date_of_birth: NaiveDate,
    /// Pictures of the documents, as https URLs (until uploads exist), at most 10 with the
    /// media ids.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub document_urls: Vec<String>,
    /// Pictures of the documents, as uploaded media ids, at most 10 with the URLs.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub document_media_ids: Vec<Uuid>,
}

impl std::fmt::Debug for NewIdentity {
    /// Never the whole number: a submission may end up in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewIdentity")
            .field("method", &self.method)
            .field("id_number", &rules::mask(&self.id_number))
            .field(
                "documents",
                &(self.document_urls.len() + self.document_media_ids.len()),
            )
            .finish_non_exhaustive()
    }
}

/// A seller's identity as its reader may see it: `id_number` whole for the stall's owner and
/// administrators reading one identity, masked (all but its last three characters) in lists.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerIdentity {
    /// The stall whose seller it is.
    pub stall_id: Uuid,
    /// How the seller is identified.
    pub method: IdentityMethod,
    /// The seller's full name.
    pub full_name: String,
    /// The number, whole or masked (`*********234`).
    pub id_number: String,
    /// The seller's date of birth.
    pub date_of_birth: NaiveDate,
    /// Pictures of the documents, as https URLs.
    pub document_urls: Vec<String>,
    /// Pictures of the documents, as media ids.
    pub document_media_ids: Vec<Uuid>,
    /// Where it is in its check.
    pub status: IdentityStatus,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it was verified or rejected.
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SellerIdentity {
    /// Never the whole number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SellerIdentity")
            .field("stall_id", &self.stall_id)
            .field("method", &self.method)
            .field("id_number", &rules::mask(&self.id_number))
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip_and_are_the_json_forms() {
        for m in IdentityMethod::ALL {
            assert_eq!(common::stored::<IdentityMethod>(m.as_str()).unwrap(), *m);
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
        for s in IdentityStatus::ALL {
            assert_eq!(common::stored::<IdentityStatus>(s.as_str()).unwrap(), *s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for bad in ["", "Pending", "approved", "cccd"] {
            assert!(common::stored::<IdentityStatus>(bad).is_err(), "{bad:?}");
            assert!(common::stored::<IdentityMethod>(bad).is_err(), "{bad:?}");
        }
        assert!(IdentityMethod::Vneid.personal_number());
        assert!(IdentityMethod::CitizenIdCard.personal_number());
        assert!(!IdentityMethod::ForeignDocuments.personal_number());
    }

    #[test]
    fn debug_forms_never_show_the_whole_number() {
        let input: NewIdentity = serde_json::from_value(serde_json::json!({
            "method": "citizen_id_card",
            "full_name": "Lê Văn Tùng",
            "id_number": "045080001234",
            "date_of_birth": "1980-05-12",
        }))
        .unwrap();
        let shown = format!("{input:?}");
        assert!(!shown.contains("045080001234"), "{shown}");
        assert!(shown.contains("*********234"), "{shown}");
    }
}
