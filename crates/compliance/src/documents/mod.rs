//! Business documents of a stall (business registration, food-safety certificate, alcohol
//! licence, ...): their kinds and which categories require which, as data
//! (config/compliance/documents.toml), what a submission must be, the documents themselves,
//! and the watch on their expiry.
//!
//! A stall's owner submits a document (kind, number, issuer, dates, evidence); it waits
//! `submitted` until an administrator verifies or rejects it with a reason. Every submission
//! is a row of its own, so the history stays: a new submission of a kind supersedes the one
//! of that kind still waiting, and a verified one supersedes the verified one it renews (which
//! stays in force until then, so a renewal sent before the old certificate lapses hides
//! nothing). Each verification tells the catalogue the kinds the stall now holds
//! (`Catalog::set_documents_held`), which shows a product only while its stall holds every
//! document its category requires, verified and unexpired ([`catalog::visibility`]).
//!
//! Layers: the types here; [`rules`] (the kinds and requirements as data, and what a
//! submission must be: pure); [`entity`] (the table); [`service`] (the use cases with their
//! authorization and transactions); [`expiry`] (the notices before expiry and the lapse, a
//! job).

pub mod entity;
pub mod expiry;
pub mod rules;
pub mod service;

use chrono::{DateTime, NaiveDate, Utc};
use common::Stored;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use expiry::{DocumentExpiry, Expiry};
pub use rules::{DocumentKind, DocumentRules, Held};
pub use service::Documents;

/// Where a document is in its check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Waiting for an administrator.
    Submitted,
    /// Checked: it counts from now until its last valid day.
    Verified,
    /// Refused, with a reason the owner reads; the owner may submit again.
    Rejected,
    /// Replaced by a newer submission of its kind (kept as history).
    Superseded,
}

impl Stored for DocumentStatus {
    const WHAT: &'static str = "document status";
    const ALL: &'static [Self] = &[
        DocumentStatus::Submitted,
        DocumentStatus::Verified,
        DocumentStatus::Rejected,
        DocumentStatus::Superseded,
    ];
    fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Submitted => "submitted",
            DocumentStatus::Verified => "verified",
            DocumentStatus::Rejected => "rejected",
            DocumentStatus::Superseded => "superseded",
        }
    }
}

/// The notices a verified document's owner gets as its last valid day nears, in the order
/// they come; each is sent once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExpiryNotice {
    /// 30 days before its last valid day.
    Days30,
    /// 7 days before its last valid day.
    Days7,
    /// The day after its last valid day: it has expired, and its products hide.
    Expired,
}

impl Stored for ExpiryNotice {
    const WHAT: &'static str = "document expiry notice";
    const ALL: &'static [Self] = &[
        ExpiryNotice::Days30,
        ExpiryNotice::Days7,
        ExpiryNotice::Expired,
    ];
    fn as_str(self) -> &'static str {
        match self {
            ExpiryNotice::Days30 => "days_30",
            ExpiryNotice::Days7 => "days_7",
            ExpiryNotice::Expired => "expired",
        }
    }
}

impl ExpiryNotice {
    /// The notice due on `today` for a document valid through `last_day`, if any: the latest
    /// whose day has come (a document verified a week before its end gets the 7-day notice,
    /// not both).
    pub fn due(last_day: NaiveDate, today: NaiveDate) -> Option<Self> {
        let left = (last_day - today).num_days();
        match left {
            ..0 => Some(ExpiryNotice::Expired),
            0..=7 => Some(ExpiryNotice::Days7),
            8..=30 => Some(ExpiryNotice::Days30),
            _ => None,
        }
    }
}

/// A business document as the stall's owner sends it.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "kind": "food_safety",
    "number": "123/2026/ATTP-CNĐK",
    "issued_by": "Sở Y tế tỉnh Quảng Trị",
    "issued_on": "2026-03-02",
    "expires_on": "2029-03-01",
    "evidence_urls": ["https://anh.example.vn/giay-chung-nhan-attp.jpg"]
})))]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    /// Its kind's key (`business_registration`, `food_safety`, `alcohol_licence`,
    /// `product_declaration`: see config/compliance/documents.toml).
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub kind: String,
    /// Its number as printed, 1 to 64 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub number: String,
    /// The authority that issued it, 2 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 200))]
    pub issued_by: String,
    /// The day it was issued: not in the future.
    pub issued_on: NaiveDate,
    /// Its last valid day: required for a kind that expires; after `issued_on`, and not past
    /// already.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    /// Pictures or scans of it, as https URLs (until uploads exist), at most 10 with the
    /// media ids.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub evidence_urls: Vec<String>,
    /// Pictures or scans of it, as uploaded media ids, at most 10 with the URLs.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub media_ids: Vec<Uuid>,
}

/// A business document of a stall, as its owner and administrators read it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StallDocument {
    /// Id.
    pub id: Uuid,
    /// The stall that holds it.
    pub stall_id: Uuid,
    /// Its kind's key.
    pub kind: String,
    /// Its kind's name.
    pub kind_name: String,
    /// Its number.
    pub number: String,
    /// Who issued it.
    pub issued_by: String,
    /// When it was issued.
    pub issued_on: NaiveDate,
    /// Its last valid day, if it has one.
    pub expires_on: Option<NaiveDate>,
    /// Its pictures, as https URLs.
    pub evidence_urls: Vec<String>,
    /// Its pictures, as media ids.
    pub media_ids: Vec<Uuid>,
    /// Where it is in its check.
    pub status: DocumentStatus,
    /// Whether it counts today: verified and not past its last valid day.
    pub valid: bool,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it was verified or rejected.
    pub reviewed_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn stored_forms_round_trip_and_are_the_json_forms() {
        for s in DocumentStatus::ALL {
            assert_eq!(common::stored::<DocumentStatus>(s.as_str()).unwrap(), *s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for n in ExpiryNotice::ALL {
            assert_eq!(common::stored::<ExpiryNotice>(n.as_str()).unwrap(), *n);
        }
        for bad in ["", "pending", "Verified", "days_0"] {
            assert!(common::stored::<DocumentStatus>(bad).is_err(), "{bad:?}");
            assert!(common::stored::<ExpiryNotice>(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn notices_fall_30_and_7_days_before_the_last_day_and_the_day_after_it() {
        let last = d("2027-01-31");
        for (today, due) in [
            ("2026-12-31", None),
            ("2027-01-01", Some(ExpiryNotice::Days30)),
            ("2027-01-23", Some(ExpiryNotice::Days30)),
            ("2027-01-24", Some(ExpiryNotice::Days7)),
            ("2027-01-31", Some(ExpiryNotice::Days7)),
            ("2027-02-01", Some(ExpiryNotice::Expired)),
            ("2028-01-01", Some(ExpiryNotice::Expired)),
        ] {
            assert_eq!(ExpiryNotice::due(last, d(today)), due, "{today}");
        }
        assert!(ExpiryNotice::Days30 < ExpiryNotice::Days7);
        assert!(ExpiryNotice::Days7 < ExpiryNotice::Expired);
    }
}
