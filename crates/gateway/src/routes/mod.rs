//! HTTP handlers, one module per resource.

pub mod account;
pub mod addresses;
pub mod admin;
pub mod auth;
pub mod cases;
pub mod catalog;
pub mod documents;
pub mod identity;
pub mod me;
pub mod money;
pub mod notices;
pub mod ops;
pub mod orders;
pub mod payments;
pub mod personal;
pub mod policies;
pub mod regions;
pub mod reports;
pub mod search;

/// A UUID in the path; a malformed one names nothing there, so it is 404 like an unknown one.
pub(crate) fn path_id(id: &str) -> crate::error::ApiResult<uuid::Uuid> {
    uuid::Uuid::parse_str(id)
        .map_err(|_| crate::error::ApiError::from_status(axum::http::StatusCode::NOT_FOUND))
}
