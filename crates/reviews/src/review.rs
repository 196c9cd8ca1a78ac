//! Reviews as buyers write them and everyone reads them: what is sent (checked whole), what is
//! shown (the author's name shortened), the orders of a list, and reports of a review with
//! their reasons and states.

use chrono::{DateTime, Duration, Utc};
use common::{Error, FieldCode, Stored, validate::Validator};
use media::MediaView;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most photos a review carries.
pub const MAX_IMAGES: usize = 6;
/// The longest review, in characters.
pub const MAX_TEXT: usize = 2000;
/// The longest reply, in characters.
pub const MAX_REPLY: usize = 2000;
/// The longest report detail, in characters.
pub const MAX_DETAIL: usize = 1000;
/// The fewest stars.
pub const MIN_STARS: i64 = 1;
/// The most stars.
pub const MAX_STARS: i64 = 5;

/// A review of a product the caller received.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    /// The delivered order the product came in.
    pub order_id: Uuid,
    /// The order line reviewed; absent: the first line of this product in the order that has
    /// no review yet.
    pub order_item_id: Option<Uuid>,
    /// Stars, 1 to 5.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub rating: i64,
    /// What the buyer says, up to 2000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub text: Option<String>,
    /// Photos, as ids of media the author uploaded (at most 6).
    #[cfg_attr(feature = "openapi", schema(max_items = 6))]
    pub images: Option<Vec<Uuid>>,
}

/// A change to one's review: only the fields given change.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewPatch {
    /// Stars, 1 to 5.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub rating: Option<i64>,
    /// What the buyer says, up to 2000 characters (empty removes it).
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub text: Option<String>,
    /// Photos, as ids of media the author uploaded (at most 6; empty removes them).
    #[cfg_attr(feature = "openapi", schema(max_items = 6))]
    pub images: Option<Vec<Uuid>>,
}

/// A review's fields, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Stars, when given.
    pub rating: Option<u8>,
    /// Trimmed text, when given.
    pub text: Option<String>,
    /// Photos without repeats, in the order given, when given.
    pub images: Option<Vec<Uuid>>,
}

impl NewReview {
    /// Checks every field at once.
    pub fn check(&self) -> Result<Checked, Error> {
        let patch = ReviewPatch {
            rating: Some(self.rating),
            text: Some(self.text.clone().unwrap_or_default()),
            images: Some(self.images.clone().unwrap_or_default()),
        };
        patch.check()
    }
}

impl ReviewPatch {
    /// Checks every field given at once.
    pub fn check(&self) -> Result<Checked, Error> {
        let mut v = Validator::new();
        let rating = self.rating.and_then(|r| {
            let (min, max) = (MIN_STARS, MAX_STARS);
            v.check(
                (min..=max).contains(&r),
                "rating",
                FieldCode::OutOfRange,
                format!("must be a whole number from {min} to {max}"),
            );
            u8::try_from(r).ok()
        });
        let text = self.text.as_deref().map(|t| v.text("text", t, 0, MAX_TEXT));
        let images = self.images.as_ref().map(|ids| {
            let max = MAX_IMAGES;
            let mut seen = std::collections::HashSet::new();
            let unique: Vec<Uuid> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
            v.check(
                ids.len() <= max,
                "images",
                FieldCode::TooMany,
                format!("at most {max} images"),
            );
            unique
        });
        v.finish()?;
        Ok(Checked {
            rating,
            text,
            images,
        })
    }
}

/// The 422 naming each of `images` (at its place in the list) that is not in `owned`.
pub fn check_owned(images: &[Uuid], owned: &std::collections::HashSet<Uuid>) -> Result<(), Error> {
    let mut v = Validator::new();
    for (i, id) in images.iter().enumerate() {
        v.check(
            owned.contains(id),
            &format!("images[{i}]"),
            FieldCode::Invalid,
            "is not a photo you uploaded",
        );
    }
    v.finish()
}

/// Whether a review written at `created_at` may still be edited at `now`, with a window of
/// `days` days (0: never).
pub fn editable(created_at: DateTime<Utc>, now: DateTime<Utc>, days: u32) -> bool {
    now < created_at + Duration::days(i64::from(days))
}

/// The stall's reply.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// What the stall says, publicly, 1 to 2000 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub text: String,
}

impl NewReply {
    /// The trimmed text, checked.
    pub fn check(&self) -> Result<String, Error> {
        let mut v = Validator::new();
        let text = v.text("text", &self.text, 1, MAX_REPLY);
        v.finish()?;
        Ok(text)
    }
}

/// How a list of reviews is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReviewSort))]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// Most stars first, newest first among equals.
    RatingDesc,
    /// Fewest stars first, newest first among equals.
    RatingAsc,
}

/// What a list of reviews shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListFilter {
    /// Its order.
    pub sort: Sort,
    /// Only the reviews of this many stars (1 to 5).
    pub rating: Option<u8>,
}

impl ListFilter {
    /// The filter, checked: `rating` is 1 to 5.
    pub fn new(sort: Option<Sort>, rating: Option<i64>) -> Result<Self, Error> {
        let mut v = Validator::new();
        let (min, max) = (MIN_STARS, MAX_STARS);
        if let Some(r) = rating {
            v.check(
                (min..=max).contains(&r),
                "rating",
                FieldCode::OutOfRange,
                format!("must be a whole number from {min} to {max}"),
            );
        }
        v.finish()?;
        Ok(Self {
            sort: sort.unwrap_or_default(),
            rating: rating.and_then(|r| u8::try_from(r).ok()),
        })
    }
}

/// Who wrote a review, as the public sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReviewAuthor))]
pub struct Author {
    /// The family name and the initials of the other names ("Nguyễn V. A." for Nguyễn Văn
    /// An), so a buyer is not named in full to everyone; "Người mua" for an erased account.
    pub name: String,
}

/// How the public sees `full_name`: its first word (the family name) in full, the initials of
/// the others each with a dot; "Người mua" (a buyer) when there is no name.
pub fn short_name(full_name: &str) -> String {
    let mut words = full_name.split_whitespace();
    let Some(first) = words.next() else {
        return ANONYMOUS.to_owned();
    };
    let mut out = first.to_owned();
    for w in words {
        if let Some(c) = w.chars().next() {
            out.push(' ');
            out.extend(c.to_uppercase());
            out.push('.');
        }
    }
    out
}

/// The name shown for an author whose account was erased or has no name.
pub const ANONYMOUS: &str = "Người mua";

/// The stall's reply to a review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReviewReply))]
pub struct Reply {
    /// What the stall said.
    pub text: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Why a review is hidden (administrators and its author see it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReviewHidden))]
pub struct Hidden {
    /// When an administrator hid it.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// A review.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    /// Id.
    pub id: Uuid,
    /// The product reviewed.
    pub product_id: Uuid,
    /// Its stall.
    pub stall_id: Uuid,
    /// The variant bought, as the order names it.
    pub variant_name: Option<String>,
    /// Stars, 1 to 5.
    pub rating: u8,
    /// What the buyer says (may be empty).
    pub text: String,
    /// The photos.
    pub images: Vec<MediaView>,
    /// Who wrote it.
    pub author: Author,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When its author last changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    /// The stall's reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    /// Hidden by an administrator, with why (shown to administrators and the author only;
    /// hidden reviews are in no public list and count in no rating).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<Hidden>,
}

/// Why a review is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReviewReportReason))]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    /// Advertising or text unrelated to the product.
    Spam,
    /// Insults, threats or obscenity.
    Offensive,
    /// Someone's personal data (a phone number, an address).
    PersonalData,
    /// Not a real buyer's experience.
    Fake,
    /// Anything else, said in `detail`.
    Other,
}

impl Stored for ReportReason {
    const WHAT: &'static str = "review report reason";
    const ALL: &'static [Self] = &[
        ReportReason::Spam,
        ReportReason::Offensive,
        ReportReason::PersonalData,
        ReportReason::Fake,
        ReportReason::Other,
    ];
    fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Offensive => "offensive",
            ReportReason::PersonalData => "personal_data",
            ReportReason::Fake => "fake",
            ReportReason::Other => "other",
        }
    }
}

/// Where a report of a review stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReviewReportStatus))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Waiting for an administrator.
    Open,
    /// An administrator hid the review (on this report or another).
    Hidden,
}

impl Stored for ReportStatus {
    const WHAT: &'static str = "review report status";
    const ALL: &'static [Self] = &[ReportStatus::Open, ReportStatus::Hidden];
    fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Open => "open",
            ReportStatus::Hidden => "hidden",
        }
    }
}

/// A report of a review.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReviewReport {
    /// Why.
    pub reason: ReportReason,
    /// What is wrong, up to 1000 characters; required when the reason is `other`.
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub detail: Option<String>,
}

impl NewReviewReport {
    /// The trimmed detail, checked.
    pub fn check(&self) -> Result<String, Error> {
        let mut v = Validator::new();
        let detail = v.text(
            "detail",
            self.detail.as_deref().unwrap_or(""),
            0,
            MAX_DETAIL,
        );
        if self.reason == ReportReason::Other && detail.is_empty() {
            v.add(
                "detail",
                FieldCode::Required,
                "is required when the reason is other",
            );
        }
        v.finish()?;
        Ok(detail)
    }
}

/// A report of a review, with the review as it is now.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewReport {
    /// Id.
    pub id: Uuid,
    /// Why.
    pub reason: ReportReason,
    /// What the reporter says.
    pub detail: String,
    /// Open, or closed by the review's hiding.
    pub status: ReportStatus,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
    /// When the review's hiding closed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// The review reported.
    pub review: Review,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &Error) -> Vec<(&str, FieldCode)> {
        e.fields
            .iter()
            .map(|f| (f.field.as_str(), f.code))
            .collect()
    }

    #[test]
    fn names_are_shortened_to_the_family_name_and_initials() {
        assert_eq!(short_name("Nguyễn Văn An"), "Nguyễn V. A.");
        assert_eq!(short_name("  trần   thị mai "), "trần T. M.");
        assert_eq!(short_name("Đặng đức"), "Đặng Đ.");
        assert_eq!(short_name("Mai"), "Mai");
        assert_eq!(short_name("   "), ANONYMOUS);
    }

    #[test]
    fn a_review_is_checked_whole() {
        let id = Uuid::now_v7();
        let ok = NewReview {
            order_id: id,
            order_item_id: None,
            rating: 5,
            text: Some("  Ngon  ".into()),
            images: Some(vec![id, id]),
        }
        .check()
        .unwrap();
        assert_eq!(ok.rating, Some(5));
        assert_eq!(ok.text.as_deref(), Some("Ngon"));
        assert_eq!(ok.images, Some(vec![id]));
        let e = NewReview {
            order_id: id,
            order_item_id: None,
            rating: 6,
            text: Some("a".repeat(MAX_TEXT + 1)),
            images: Some((0..7).map(|_| Uuid::now_v7()).collect()),
        }
        .check()
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("rating", FieldCode::OutOfRange),
                ("text", FieldCode::TooLong),
                ("images", FieldCode::TooMany),
            ]
        );
        let e = ReviewPatch {
            rating: Some(0),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(fields(&e), [("rating", FieldCode::OutOfRange)]);
        assert_eq!(ReviewPatch::default().check().unwrap(), Checked::default());
    }

    #[test]
    fn photos_must_be_the_authors() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let owned = [a].into_iter().collect();
        assert!(check_owned(&[a], &owned).is_ok());
        let e = check_owned(&[a, b], &owned).unwrap_err();
        assert_eq!(fields(&e), [("images[1]", FieldCode::Invalid)]);
    }

    #[test]
    fn the_edit_window_counts_days_from_writing() {
        let at: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        assert!(editable(at, at + Duration::days(29), 30));
        assert!(!editable(at, at + Duration::days(30), 30));
        assert!(!editable(at, at, 0));
    }

    #[test]
    fn a_report_of_other_says_what() {
        let r = |reason, detail: &str| NewReviewReport {
            reason,
            detail: Some(detail.into()),
        };
        assert_eq!(
            r(ReportReason::Spam, " quảng cáo ").check().unwrap(),
            "quảng cáo"
        );
        assert!(r(ReportReason::Fake, "").check().is_ok());
        let e = r(ReportReason::Other, " ").check().unwrap_err();
        assert_eq!(fields(&e), [("detail", FieldCode::Required)]);
    }

    #[test]
    fn every_closed_set_reads_back_from_its_stored_form() {
        for v in ReportReason::ALL {
            assert_eq!(ReportReason::parse(v.as_str()), Some(*v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        for v in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(v.as_str()), Some(*v));
        }
    }

    #[test]
    fn a_list_filter_takes_one_to_five_stars() {
        assert_eq!(ListFilter::new(None, Some(4)).unwrap().rating, Some(4));
        let e = ListFilter::new(Some(Sort::RatingAsc), Some(9)).unwrap_err();
        assert_eq!(fields(&e), [("rating", FieldCode::OutOfRange)]);
    }
}
