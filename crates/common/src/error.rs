//! The domain error type: a kind (which the gateway maps to an HTTP status in one place), a
//! stable machine-readable code, a human message and, for validation, the bad fields.

use serde::Serialize;

use crate::FieldCode;

/// What went wrong, in the terms a client can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule.
    Invalid,
    /// The request cannot be read as what it says it is (a body that is not the JSON, or not
    /// the signed event, it claims to be): nothing in it can be named as the field at fault.
    Malformed,
    /// No valid credentials were presented.
    Unauthorized,
    /// The caller is known but may not do this.
    Forbidden,
    /// The thing does not exist, or the caller may not know that it does.
    NotFound,
    /// The request conflicts with the current state (a duplicate, a stale version, no stock).
    Conflict,
    /// Too many requests; try again later.
    RateLimited,
    /// The content is larger than allowed (bytes of a file, pixels of an image).
    TooLarge,
    /// The content is of a type not taken (an upload that is no image the marketplace reads).
    UnsupportedType,
    /// A dependency (database, search engine, payment provider) is not answering.
    Unavailable,
    /// A bug or an unexpected failure; details are logged, never shown.
    Internal,
}

/// One invalid field of a request, named by its path in the body (`shipping.phone`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path of the field in the request, dotted for nested fields.
    pub field: String,
    /// What is wrong with it, for a client to branch on; named where the error is raised.
    pub code: FieldCode,
    /// What is wrong with it, in words a user can act on (English; the gateway's message table
    /// has each code's texts in Vietnamese).
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with its `code` and `message`.
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// The error every domain service returns.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    /// The class of failure.
    pub kind: ErrorKind,
    /// Stable, machine-readable code (`validation_failed`, `not_found`, `conflict`, ...).
    pub code: &'static str,
    /// Human-readable explanation, safe to show unless the kind is internal or unavailable.
    pub message: String,
    /// Per-field problems, for validation failures.
    pub fields: Vec<FieldError>,
    /// What the client needs to act on the error (the new totals of a `total_changed`), sent
    /// as the problem's `details` member.
    pub details: Option<serde_json::Value>,
    /// The underlying cause, for logs.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` with a stable `code` and a message.
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            fields: Vec::new(),
            details: None,
            source: None,
        }
    }

    /// A validation failure listing every bad field.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            ErrorKind::Invalid,
            "validation_failed",
            "Some fields are invalid.",
        );
        e.fields = fields;
        e
    }

    /// A validation failure for a single field.
    pub fn invalid_field(
        field: impl Into<String>,
        code: FieldCode,
        message: impl Into<String>,
    ) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    /// `what` does not exist (or the caller may not see it).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "not_found",
            format!("{what} not found."),
        )
    }

    /// A conflict with the current state, with its own stable code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    /// Missing or invalid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, "unauthorized", message)
    }

    /// The caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", message)
    }

    /// An unexpected failure; `source` is logged, not shown.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let mut e = Self::new(
            ErrorKind::Internal,
            "internal",
            "An internal error occurred.",
        );
        e.source = Some(source.into());
        e
    }

    /// A dependency is down; `source` is logged, not shown.
    pub fn unavailable(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let mut e = Self::new(
            ErrorKind::Unavailable,
            "unavailable",
            "A service the marketplace depends on is unavailable; try again shortly.",
        );
        e.source = Some(source.into());
        e
    }
}

impl From<sea_orm::DbErr> for Error {
    /// A database that cannot be reached is `unavailable`; anything else is a bug or a broken
    /// invariant, so `internal`. Unique violations that a client can cause are mapped to
    /// conflicts by the service that knows what they mean, before they get here.
    fn from(e: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Error::unavailable(e),
            other => Error::internal(other),
        }
    }
}
