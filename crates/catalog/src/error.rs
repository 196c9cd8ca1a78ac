//! Errors of the catalogue, each with a kind and a stable code.

use common::{Error, ErrorKind};

/// What can go wrong in the catalogue.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The stall, product or category does not exist or is not visible to the caller.
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// The caller may see the thing but not change it.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A status change that the state machine does not allow.
    #[error("{0}")]
    InvalidTransition(String),
    /// The product was changed by someone else since the caller read it.
    #[error("The product was changed by someone else (now version {current}); reload and retry.")]
    VersionConflict {
        /// The version now stored.
        current: i32,
    },
    /// The thing is still referenced (a category with products or subcategories).
    #[error("{0}")]
    InUse(String),
    /// The user is already a member.
    #[error("This user already manages the stall.")]
    AlreadyMember,
    /// The stall's seller has no verified identity: it may not be approved (or reinstated
    /// after a suspension for that reason).
    #[error(
        "The stall's seller has no verified identity yet: the owner submits it \
         (POST /api/v1/stalls/{{id}}/identity) and an administrator verifies it first."
    )]
    IdentityUnverified,
    /// Input that breaks a rule, naming each field, or a caller problem from common.
    #[error(transparent)]
    Common(#[from] Error),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl CatalogError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CatalogError::NotFound(_) => ErrorKind::NotFound,
            CatalogError::Forbidden(_) => ErrorKind::Forbidden,
            CatalogError::InvalidTransition(_)
            | CatalogError::VersionConflict { .. }
            | CatalogError::InUse(_)
            | CatalogError::AlreadyMember
            | CatalogError::IdentityUnverified => ErrorKind::Conflict,
            CatalogError::Common(e) => e.kind,
            CatalogError::Db(_) => ErrorKind::Internal,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            CatalogError::NotFound(_) => "not_found",
            CatalogError::Forbidden(_) => "forbidden",
            CatalogError::InvalidTransition(_) => "invalid_transition",
            CatalogError::VersionConflict { .. } => "version_conflict",
            CatalogError::InUse(_) => "in_use",
            CatalogError::AlreadyMember => "already_member",
            CatalogError::IdentityUnverified => "identity_unverified",
            CatalogError::Common(e) => e.code,
            CatalogError::Db(_) => "internal",
        }
    }
}

impl From<CatalogError> for Error {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Common(inner) => inner,
            CatalogError::Db(db) => Error::from(db),
            CatalogError::VersionConflict { current } => {
                let mut err = Error::new(e.kind(), e.code(), e.to_string());
                err.details = Some(serde_json::json!({ "current_version": current }));
                err
            }
            other => Error::new(other.kind(), other.code(), other.to_string()),
        }
    }
}

/// Result of catalogue services.
pub type Result<T, E = CatalogError> = std::result::Result<T, E>;
