//! Takedowns: a listing taken down on a report stays down until an administrator lifts it,
//! usually after the stall fixed it and asked for a review (a state machine, with its unit
//! tests), and what stalls and administrators see of one.

use catalog::audit::Action;
use chrono::{DateTime, Utc};
use common::Stored;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::report::ReportedListing;
use crate::ComplianceError;

/// Where a takedown stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TakedownStatus {
    /// The listing is down.
    InForce,
    /// The stall says it fixed the listing and asks for a review.
    ReviewRequested,
    /// An administrator put the listing back.
    Lifted,
}

impl Stored for TakedownStatus {
    const WHAT: &'static str = "takedown status";
    const ALL: &'static [Self] = &[
        TakedownStatus::InForce,
        TakedownStatus::ReviewRequested,
        TakedownStatus::Lifted,
    ];
    fn as_str(self) -> &'static str {
        match self {
            TakedownStatus::InForce => "in_force",
            TakedownStatus::ReviewRequested => "review_requested",
            TakedownStatus::Lifted => "lifted",
        }
    }
}

/// Something that moves a takedown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakedownAction {
    /// A member of the stall asks for a review.
    RequestReview,
    /// An administrator refuses the review: the takedown stays.
    Uphold,
    /// An administrator puts the listing back (after a review, or on second thoughts).
    Lift,
}

impl TakedownAction {
    /// The audit-log name of the act.
    pub fn audit_name(self) -> Action {
        match self {
            TakedownAction::RequestReview => Action::TakedownRequestReview,
            TakedownAction::Uphold => Action::TakedownUphold,
            TakedownAction::Lift => Action::TakedownLift,
        }
    }
}

impl TakedownStatus {
    /// Whether the listing is still down.
    pub fn in_force(self) -> bool {
        !matches!(self, TakedownStatus::Lifted)
    }

    /// The status after `action`, or why it is not allowed.
    pub fn apply(self, action: TakedownAction) -> Result<TakedownStatus, ComplianceError> {
        use TakedownAction as A;
        use TakedownStatus as S;
        match (self, action) {
            (S::InForce, A::RequestReview) => Ok(S::ReviewRequested),
            (S::ReviewRequested, A::Uphold) => Ok(S::InForce),
            (S::InForce | S::ReviewRequested, A::Lift) => Ok(S::Lifted),
            (S::ReviewRequested, A::RequestReview) => Err(ComplianceError::ReviewPending),
            (S::InForce, A::Uphold) => Err(ComplianceError::NoReviewPending),
            (S::Lifted, _) => Err(ComplianceError::NotTakenDown),
        }
    }
}

/// A takedown, as the stall and administrators see it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Takedown {
    /// Id.
    pub id: Uuid,
    /// The listing taken down.
    pub subject: ReportedListing,
    /// Why, as the stall was told.
    pub reason: String,
    /// The report it was decided on.
    pub report_id: Uuid,
    /// In force, review requested, or lifted.
    pub status: TakedownStatus,
    /// When.
    pub created_at: DateTime<Utc>,
    /// What the stall says it fixed, when it asked for a review.
    pub review_message: Option<String>,
    /// When the stall asked for a review.
    pub review_requested_at: Option<DateTime<Utc>>,
    /// When an administrator last decided on a review or lifted it.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why (a refused review's reason; a lift's, if given).
    pub decision_reason: Option<String>,
    /// How many times the stall has been taken down in all (administrators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_takedowns: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use TakedownAction as A;
    use TakedownStatus as S;
    use common::ErrorKind;

    #[test]
    fn a_takedown_is_reviewed_then_upheld_or_lifted() {
        assert_eq!(
            S::InForce.apply(A::RequestReview).unwrap(),
            S::ReviewRequested
        );
        assert_eq!(S::ReviewRequested.apply(A::Uphold).unwrap(), S::InForce);
        assert_eq!(S::ReviewRequested.apply(A::Lift).unwrap(), S::Lifted);
        assert_eq!(S::InForce.apply(A::Lift).unwrap(), S::Lifted);
        assert!(S::InForce.in_force() && S::ReviewRequested.in_force());
        assert!(!S::Lifted.in_force());
    }

    #[test]
    fn moves_out_of_turn_are_conflicts_with_their_own_codes() {
        for (from, action, code) in [
            (S::ReviewRequested, A::RequestReview, "review_pending"),
            (S::InForce, A::Uphold, "no_review_pending"),
            (S::Lifted, A::RequestReview, "not_taken_down"),
            (S::Lifted, A::Uphold, "not_taken_down"),
            (S::Lifted, A::Lift, "not_taken_down"),
        ] {
            let e = from.apply(action).unwrap_err();
            assert_eq!(
                (e.kind(), e.code()),
                (ErrorKind::Conflict, code),
                "{from:?} {action:?}"
            );
        }
    }

    #[test]
    fn statuses_read_back_from_their_stored_form() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(S::parse("in-force"), None);
    }
}
