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
    /// A rule was broken, a thing is not found, or the caller lacks rights (from common).
    #[error(transparent)]
    Common(#[from] Error),
    /// The accounts service failed.
    #[error(transparent)]
    Accounts(#[from] accounts::AccountsError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl ComplianceError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ComplianceError::PolicyNotAccepted(_) => ErrorKind::Conflict,
            ComplianceError::Common(e) => e.kind,
            ComplianceError::Accounts(e) => e.kind(),
            ComplianceError::Db(_) => ErrorKind::Internal,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            ComplianceError::PolicyNotAccepted(_) => "policy_not_accepted",
            ComplianceError::Common(e) => e.code,
            ComplianceError::Accounts(e) => e.code(),
            ComplianceError::Db(_) => "internal",
        }
    }
}

impl From<ComplianceError> for Error {
    fn from(e: ComplianceError) -> Self {
        match e {
            ComplianceError::Common(inner) => inner,
            ComplianceError::Accounts(inner) => inner.into(),
            ComplianceError::Db(db) => Error::from(db),
            ComplianceError::PolicyNotAccepted(ref pending) => {
                let kinds: Vec<&str> = pending.iter().map(|p| p.kind.as_str()).collect();
                let details = serde_json::json!({ "kinds": kinds.join(", "), "pending": pending });
                let mut err = Error::conflict("policy_not_accepted", e.to_string());
                err.details = Some(details);
                err
            }
        }
    }
}
