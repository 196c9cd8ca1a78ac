//! Reports: who they come from, what they are about, why, and where they stand (a state machine
//! that closes an open report once), what reporters and administrators send, checked whole,
//! and what administrators see.

use catalog::audit::Action;
use chrono::{DateTime, Duration, Utc};
use common::{Error, FieldCode, Stored, validate::Validator};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    ComplianceError,
    links::{Links, Noun},
};

/// How long a competent authority gives for a removal (Decree 85/2021, article 1(36): within
/// 24 hours of the request).
pub const AUTHORITY_DEADLINE: Duration = Duration::hours(24);

/// The most evidence URLs a report carries.
pub const MAX_EVIDENCE: usize = 10;

/// The longest detail, in characters.
pub const MAX_DETAIL: usize = 2000;

/// Who a report comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Anyone, signed in or not (a buyer, a rights holder, a passer-by).
    UserReport,
    /// A competent authority's request for removal, recorded by an administrator: due within
    /// 24 hours of its receipt.
    AuthorityRequest,
}

impl Stored for ReportKind {
    const WHAT: &'static str = "report kind";
    const ALL: &'static [Self] = &[ReportKind::UserReport, ReportKind::AuthorityRequest];
    fn as_str(self) -> &'static str {
        match self {
            ReportKind::UserReport => "user_report",
            ReportKind::AuthorityRequest => "authority_request",
        }
    }
}

/// What a report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListingType {
    /// A product.
    Product,
    /// A stall.
    Stall,
}

impl Stored for ListingType {
    const WHAT: &'static str = "reported listing type";
    const ALL: &'static [Self] = &[ListingType::Product, ListingType::Stall];
    fn as_str(self) -> &'static str {
        match self {
            ListingType::Product => "product",
            ListingType::Stall => "stall",
        }
    }
}

impl ListingType {
    /// How a Vietnamese text names a listing of this type called `name`.
    pub fn named(self, name: &str) -> String {
        match self {
            ListingType::Product => format!("sản phẩm «{name}»"),
            ListingType::Stall => format!("gian hàng «{name}»"),
        }
    }
}

/// Why a listing is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    /// Counterfeit goods, or goods passed off as another's.
    Counterfeit,
    /// Goods or services the law forbids trading.
    Prohibited,
    /// False or misleading information (origin, quality, OCOP stars, price).
    Misleading,
    /// An infringement of the reporter's intellectual property (a trademark, a geographical
    /// indication, a photo): the rights holder's evidence is required.
    IntellectualProperty,
    /// Anything else, said in `detail`.
    Other,
}

impl Stored for ReportReason {
    const WHAT: &'static str = "report reason";
    const ALL: &'static [Self] = &[
        ReportReason::Counterfeit,
        ReportReason::Prohibited,
        ReportReason::Misleading,
        ReportReason::IntellectualProperty,
        ReportReason::Other,
    ];
    fn as_str(self) -> &'static str {
        match self {
            ReportReason::Counterfeit => "counterfeit",
            ReportReason::Prohibited => "prohibited",
            ReportReason::Misleading => "misleading",
            ReportReason::IntellectualProperty => "intellectual_property",
            ReportReason::Other => "other",
        }
    }
}

/// Where a report stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Waiting for an administrator.
    Open,
    /// The listing was taken down (on this report, or on another report of it).
    TakenDown,
    /// An administrator found nothing to take down, with a reason.
    Dismissed,
}

impl Stored for ReportStatus {
    const WHAT: &'static str = "report status";
    const ALL: &'static [Self] = &[
        ReportStatus::Open,
        ReportStatus::TakenDown,
        ReportStatus::Dismissed,
    ];
    fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Open => "open",
            ReportStatus::TakenDown => "taken_down",
            ReportStatus::Dismissed => "dismissed",
        }
    }
}

/// How an administrator closes a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    /// The listing is taken down.
    TakeDown,
    /// Nothing to take down.
    Dismiss,
}

impl Closing {
    /// The audit-log name of the act.
    pub fn audit_name(self) -> Action {
        match self {
            Closing::TakeDown => Action::ReportTakeDown,
            Closing::Dismiss => Action::ReportDismiss,
        }
    }
}

impl ReportStatus {
    /// The status after `closing`: only an open report closes, once.
    pub fn close(self, closing: Closing) -> Result<ReportStatus, ComplianceError> {
        match (self, closing) {
            (ReportStatus::Open, Closing::TakeDown) => Ok(ReportStatus::TakenDown),
            (ReportStatus::Open, Closing::Dismiss) => Ok(ReportStatus::Dismissed),
            _ => Err(ComplianceError::ReportClosed),
        }
    }
}

/// A report of a product or a stall, from anyone.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// Why.
    pub reason: ReportReason,
    /// What is wrong, up to 2000 characters; required when the reason is `other`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub detail: String,
    /// Evidence as https URLs (at most 10): for `intellectual_property`, the rights holder's
    /// proof of the right (a registration certificate, the original work), at least one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub evidence: Vec<String>,
}

/// A report's text, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Trimmed detail.
    pub detail: String,
    /// Trimmed URLs.
    pub evidence: Vec<String>,
}

impl NewReport {
    /// Checks every field at once.
    pub fn check(&self) -> Result<Statement, Error> {
        let mut v = Validator::new();
        let required = self.reason == ReportReason::Other;
        let detail = v.text("detail", &self.detail, 0, MAX_DETAIL);
        if required && detail.is_empty() {
            v.add(
                "detail",
                FieldCode::Required,
                "is required when the reason is other",
            );
        }
        let evidence = EVIDENCE.check(&mut v, &self.evidence, 0);
        if self.reason == ReportReason::IntellectualProperty && evidence.is_empty() {
            v.add(
                "evidence",
                FieldCode::Required,
                "is required for intellectual_property reports: the rights holder's proof",
            );
        }
        v.finish()?;
        Ok(Statement { detail, evidence })
    }
}

/// The listing an authority's request names: exactly one of the two.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListingRef {
    /// A product's id.
    pub product_id: Option<Uuid>,
    /// A stall's id.
    pub stall_id: Option<Uuid>,
}

/// A competent authority's request to remove a listing, as an administrator records it.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAuthorityRequest {
    /// What is to be removed.
    pub subject: ListingRef,
    /// Who asks, 2 to 200 characters, e.g. "Chi cục Quản lý thị trường tỉnh Quảng Trị".
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 200))]
    pub authority: String,
    /// The request's document number, 1 to 100 characters, e.g. "125/QLTT-NV".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub reference: String,
    /// What it says, up to 2000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub detail: String,
    /// The request itself and its attachments as https URLs (at most 10).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub evidence: Vec<String>,
    /// When the request reached the marketplace, which starts its 24 hours (default: now; not
    /// in the future).
    pub received_at: Option<DateTime<Utc>>,
}

/// An authority's request, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedRequest {
    /// The listing named.
    pub subject: (ListingType, Uuid),
    /// Who asks.
    pub authority: String,
    /// Its number.
    pub reference: String,
    /// Its text and evidence.
    pub statement: Statement,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// When the removal is due.
    pub due_at: DateTime<Utc>,
}

impl NewAuthorityRequest {
    /// Checks every field at once, as of `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<CheckedRequest, Error> {
        let mut v = Validator::new();
        let subject = match (self.subject.product_id, self.subject.stall_id) {
            (Some(id), None) => Some((ListingType::Product, id)),
            (None, Some(id)) => Some((ListingType::Stall, id)),
            (Some(_), Some(_)) => {
                v.add(
                    "subject",
                    FieldCode::ConflictingFields,
                    "give either product_id or stall_id, not both",
                );
                None
            }
            (None, None) => {
                v.add(
                    "subject",
                    FieldCode::Required,
                    "give product_id or stall_id",
                );
                None
            }
        };
        let authority = v.text("authority", &self.authority, 2, 200);
        let reference = v.text("reference", &self.reference, 1, 100);
        let detail = v.text("detail", &self.detail, 0, MAX_DETAIL);
        let evidence = EVIDENCE.check(&mut v, &self.evidence, 0);
        let received_at = self.received_at.unwrap_or(now);
        // A minute of leeway for the clocks of the administrator's machine and this one.
        v.check(
            received_at <= now + Duration::minutes(1),
            "received_at",
            FieldCode::InTheFuture,
            "must not be in the future",
        );
        v.finish()?;
        let subject = subject.ok_or_else(|| Error::internal("subject checked above"))?;
        Ok(CheckedRequest {
            subject,
            authority,
            reference,
            statement: Statement { detail, evidence },
            received_at,
            due_at: received_at + AUTHORITY_DEADLINE,
        })
    }
}

/// A report's evidence, as links.
const EVIDENCE: Links = Links::new("evidence", MAX_EVIDENCE, Noun::Urls);

/// The listing a report is about, as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedListing {
    /// A product or a stall.
    #[serde(rename = "type")]
    pub listing_type: ListingType,
    /// Its id.
    pub id: Uuid,
    /// Its name when it was reported.
    pub name: String,
    /// The stall concerned (the product's stall, or the stall itself).
    pub stall_id: Uuid,
}

/// A report. Its reporter gets it back as filed; administrators see who filed it and how many
/// times the stall was taken down before.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// Id.
    pub id: Uuid,
    /// Anyone's report, or an authority's request.
    pub kind: ReportKind,
    /// Open, taken down or dismissed.
    pub status: ReportStatus,
    /// What it is about.
    pub subject: ReportedListing,
    /// Why (a reporter's reason; null for an authority's request).
    pub reason: Option<ReportReason>,
    /// What the reporter or the authority says.
    pub detail: String,
    /// Evidence URLs.
    pub evidence: Vec<String>,
    /// The authority asking (authority requests only).
    pub authority: Option<String>,
    /// The request's document number (authority requests only).
    pub reference: Option<String>,
    /// When the authority's request was received.
    pub received_at: Option<DateTime<Utc>>,
    /// When the removal is due: 24 hours after receipt (authority requests only).
    pub due_at: Option<DateTime<Utc>>,
    /// An open authority request past its due time.
    pub overdue: bool,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
    /// When an administrator closed it.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it was taken down or dismissed.
    pub resolution: Option<String>,
    /// The takedown that closed it.
    pub takedown_id: Option<Uuid>,
    /// Who filed it (administrators only; absent for an anonymous report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter_id: Option<Uuid>,
    /// How many times the stall concerned has been taken down, its products' takedowns
    /// included (administrators only): repeat offenders stand out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_takedowns: Option<u64>,
}

/// How many reports of the queue's status there are of each kind, and how many authority
/// requests are past due.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportCounts {
    /// Reports from anyone.
    pub user_report: u64,
    /// Authority requests.
    pub authority_request: u64,
    /// Open authority requests past their due time.
    pub overdue: u64,
}

/// One page of the administrators' queue: authority requests first (soonest due first), then
/// reports, oldest first.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportQueue {
    /// The reports on this page.
    pub items: Vec<Report>,
    /// How many reports the filtered list has.
    pub total: u64,
    /// This page's number.
    pub page: u64,
    /// The page size asked for.
    pub per_page: u64,
    /// Counts by kind of the status asked for, whatever the `kind` filter.
    pub counts: ReportCounts,
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::ErrorKind;

    fn fields(e: &Error) -> Vec<(&str, FieldCode)> {
        e.fields
            .iter()
            .map(|f| (f.field.as_str(), f.code))
            .collect()
    }

    fn report(reason: ReportReason, detail: &str, evidence: &[&str]) -> NewReport {
        NewReport {
            reason,
            detail: detail.into(),
            evidence: evidence.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn every_closed_set_reads_back_from_its_stored_form() {
        fn round_trip<T: Stored + PartialEq + std::fmt::Debug + Serialize>() {
            for v in T::ALL {
                assert_eq!(T::parse(v.as_str()), Some(*v));
                assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            }
            assert_eq!(T::parse("Open"), None);
        }
        round_trip::<ReportKind>();
        round_trip::<ListingType>();
        round_trip::<ReportReason>();
        round_trip::<ReportStatus>();
    }

    #[test]
    fn an_open_report_closes_once() {
        assert_eq!(
            ReportStatus::Open.close(Closing::TakeDown).unwrap(),
            ReportStatus::TakenDown
        );
        assert_eq!(
            ReportStatus::Open.close(Closing::Dismiss).unwrap(),
            ReportStatus::Dismissed
        );
        for closed in [ReportStatus::TakenDown, ReportStatus::Dismissed] {
            for closing in [Closing::TakeDown, Closing::Dismiss] {
                let e = closed.close(closing).unwrap_err();
                assert_eq!(e.code(), "report_closed");
                assert_eq!(e.kind(), ErrorKind::Conflict);
            }
        }
    }

    #[test]
    fn a_report_is_checked_whole() {
        let ok = report(ReportReason::Counterfeit, "  Hàng nhái nhãn  ", &[]);
        assert_eq!(ok.check().unwrap().detail, "Hàng nhái nhãn");
        // No detail is needed for a reason from the list, but `other` says what.
        assert!(report(ReportReason::Misleading, "", &[]).check().is_ok());
        let e = report(ReportReason::Other, "   ", &[]).check().unwrap_err();
        assert_eq!(fields(&e), [("detail", FieldCode::Required)]);
        let long = "a".repeat(MAX_DETAIL + 1);
        let e = report(
            ReportReason::Prohibited,
            &long,
            &["http://x.vn/a", "https://u:p@x.vn/"],
        )
        .check()
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("detail", FieldCode::TooLong),
                ("evidence[0]", FieldCode::InvalidUrl),
                ("evidence[1]", FieldCode::InvalidUrl),
            ]
        );
        let many: Vec<&str> = vec!["https://x.vn/a"; MAX_EVIDENCE + 1];
        let e = report(ReportReason::Counterfeit, "", &many)
            .check()
            .unwrap_err();
        assert_eq!(fields(&e), [("evidence", FieldCode::TooMany)]);
    }

    #[test]
    fn an_intellectual_property_report_carries_the_rights_holders_evidence() {
        let e = report(
            ReportReason::IntellectualProperty,
            "Nhãn hiệu của chúng tôi",
            &[],
        )
        .check()
        .unwrap_err();
        assert_eq!(fields(&e), [("evidence", FieldCode::Required)]);
        let ok = report(
            ReportReason::IntellectualProperty,
            "",
            &[" https://ipvietnam.gov.vn/vbbh/4-0123456 "],
        )
        .check()
        .unwrap();
        assert_eq!(ok.evidence, ["https://ipvietnam.gov.vn/vbbh/4-0123456"]);
    }

    fn request(product: Option<Uuid>, stall: Option<Uuid>) -> NewAuthorityRequest {
        NewAuthorityRequest {
            subject: ListingRef {
                product_id: product,
                stall_id: stall,
            },
            authority: "Chi cục Quản lý thị trường tỉnh Quảng Trị".into(),
            reference: "125/QLTT-NV".into(),
            detail: String::new(),
            evidence: Vec::new(),
            received_at: None,
        }
    }

    #[test]
    fn an_authority_request_is_due_24_hours_after_it_was_received() {
        let now: DateTime<Utc> = "2026-12-05T03:00:00Z".parse().unwrap();
        let id = Uuid::now_v7();
        let checked = request(Some(id), None).check(now).unwrap();
        assert_eq!(checked.subject, (ListingType::Product, id));
        assert_eq!(checked.received_at, now);
        assert_eq!(checked.due_at, now + Duration::hours(24));
        let mut earlier = request(None, Some(id));
        earlier.received_at = Some(now - Duration::hours(30));
        let checked = earlier.check(now).unwrap();
        assert_eq!(checked.subject, (ListingType::Stall, id));
        assert!(
            checked.due_at < now,
            "received 30 hours ago: already overdue"
        );
    }

    #[test]
    fn an_authority_request_names_one_listing_and_no_future() {
        let now = Utc::now();
        let id = Uuid::now_v7();
        let e = request(Some(id), Some(id)).check(now).unwrap_err();
        assert_eq!(fields(&e), [("subject", FieldCode::ConflictingFields)]);
        let mut r = request(None, None);
        r.authority = " ".into();
        r.reference = String::new();
        r.received_at = Some(now + Duration::hours(2));
        let e = r.check(now).unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("subject", FieldCode::Required),
                ("authority", FieldCode::TooShort),
                ("reference", FieldCode::Required),
                ("received_at", FieldCode::InTheFuture),
            ]
        );
    }

    #[test]
    fn listings_are_named_in_vietnamese() {
        assert_eq!(
            ListingType::Product.named("Mắm ruốc"),
            "sản phẩm «Mắm ruốc»"
        );
        assert_eq!(ListingType::Stall.named("HTX"), "gian hàng «HTX»");
    }
}
