//! Errors of the compliance crate, each with a kind and a stable code.

use common::{Error, ErrorKind, Stored};

use crate::policies::PendingPolicy;

/// What can go wrong with the floor's compliance duties.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    /// The user has not accepted the versions in effect of the policies a buyer must accept;
    /// they may not order until they do.
    #[error(
        "Accept the versions in effect of these policies before ordering: {}.",
        .0.iter().map(|p| p.kind.as_str()).collect::<Vec<_>>().join(", ")
    )]
    PolicyNotAccepted(Vec<PendingPolicy>),
    /// A report or takedown does not exist.
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// The report was already taken down or dismissed.
    #[error("This report was already taken down or dismissed.")]
    ReportClosed,
    /// The listing is not under a takedown that a review could lift.
    #[error("This listing is not taken down.")]
    NotTakenDown,
    /// A review of the takedown was already asked for and is not decided yet.
    #[error("A review of this takedown was already asked for; the administrators will decide.")]
    ReviewPending,
    /// The takedown has no review waiting for a decision.
    #[error("This takedown has no review waiting for a decision.")]
    NoReviewPending,
    /// A rule was broken, a thing is not found, or the caller lacks rights (from common).
    #[error(transparent)]
    Common(#[from] Error),
    /// The accounts service failed.
    #[error(transparent)]
    Accounts(#[from] accounts::AccountsError),
    /// The catalogue refused or failed.
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl ComplianceError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ComplianceError::PolicyNotAccepted(_) => ErrorKind::Conflict,
            ComplianceError::NotFound(_) => ErrorKind::NotFound,
            ComplianceError::ReportClosed
            | ComplianceError::NotTakenDown
            | ComplianceError::ReviewPending
            | ComplianceError::NoReviewPending => ErrorKind::Conflict,
            ComplianceError::Common(e) => e.kind,
            ComplianceError::Accounts(e) => e.kind(),
            ComplianceError::Catalog(e) => e.kind(),
            ComplianceError::Db(_) => ErrorKind::Internal,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            ComplianceError::PolicyNotAccepted(_) => "policy_not_accepted",
            ComplianceError::NotFound(_) => "not_found",
            ComplianceError::ReportClosed => "report_closed",
            ComplianceError::NotTakenDown => "not_taken_down",
            ComplianceError::ReviewPending => "review_pending",
            ComplianceError::NoReviewPending => "no_review_pending",
            ComplianceError::Common(e) => e.code,
            ComplianceError::Accounts(e) => e.code(),
            ComplianceError::Catalog(e) => e.code(),
            ComplianceError::Db(_) => "internal",
        }
    }
}

impl From<ComplianceError> for Error {
    fn from(e: ComplianceError) -> Self {
        match e {
            ComplianceError::Common(inner) => inner,
            ComplianceError::Accounts(inner) => inner.into(),
            ComplianceError::Catalog(inner) => inner.into(),
            ComplianceError::Db(db) => Error::from(db),
            ComplianceError::PolicyNotAccepted(ref pending) => {
                let kinds: Vec<&str> = pending.iter().map(|p| p.kind.as_str()).collect();
                let details = serde_json::json!({ "kinds": kinds.join(", "), "pending": pending });
                let mut err = Error::conflict("policy_not_accepted", e.to_string());
                err.details = Some(details);
                err
            }
            other => Error::new(other.kind(), other.code(), other.to_string()),
        }
    }
}
