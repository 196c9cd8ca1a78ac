//! Errors of the reviews crate, each with a kind and a stable code.

use common::{Error, ErrorKind};

/// What can go wrong with reviews.
#[derive(Debug, thiserror::Error)]
pub enum ReviewsError {
    /// The caller received no line of this product in that order (someone else's order, an
    /// order not delivered, or another product).
    #[error(
        "You can review only a product you received: this order has no delivered line of it for you."
    )]
    NotPurchased,
    /// Every line of this product in the order already has its review.
    #[error("This order line already has your review; edit it instead.")]
    AlreadyReviewed,
    /// The review is older than the edit window.
    #[error("A review can be edited for {days} days after it was written; this one no longer.")]
    EditWindowClosed {
        /// The window, in days.
        days: u32,
    },
    /// The stall already replied to the review.
    #[error("The stall has already replied to this review.")]
    AlreadyReplied,
    /// The review is hidden already.
    #[error("This review is hidden already.")]
    AlreadyHidden,
    /// The review is not hidden.
    #[error("This review is not hidden.")]
    NotHidden,
    /// A review or a report does not exist, or the caller may not see it.
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// A rule was broken, a thing is not found, or the caller lacks rights (from common).
    #[error(transparent)]
    Common(#[from] Error),
    /// The accounts service failed.
    #[error(transparent)]
    Accounts(#[from] accounts::AccountsError),
    /// The catalogue refused or failed.
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    /// The orders failed.
    #[error(transparent)]
    Order(#[from] order::OrderError),
    /// The photos failed.
    #[error(transparent)]
    Media(#[from] media::MediaError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl ReviewsError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ReviewsError::NotPurchased
            | ReviewsError::AlreadyReviewed
            | ReviewsError::EditWindowClosed { .. }
            | ReviewsError::AlreadyReplied
            | ReviewsError::AlreadyHidden
            | ReviewsError::NotHidden => ErrorKind::Conflict,
            ReviewsError::NotFound(_) => ErrorKind::NotFound,
            ReviewsError::Common(e) => e.kind,
            ReviewsError::Accounts(e) => e.kind(),
            ReviewsError::Catalog(e) => e.kind(),
            ReviewsError::Order(e) => e.kind(),
            ReviewsError::Media(e) => e.kind(),
            ReviewsError::Db(_) => ErrorKind::Internal,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewsError::NotPurchased => "not_purchased",
            ReviewsError::AlreadyReviewed => "already_reviewed",
            ReviewsError::EditWindowClosed { .. } => "edit_window_closed",
            ReviewsError::AlreadyReplied => "already_replied",
            ReviewsError::AlreadyHidden => "already_hidden",
            ReviewsError::NotHidden => "not_hidden",
            ReviewsError::NotFound(_) => "not_found",
            ReviewsError::Common(e) => e.code,
            ReviewsError::Accounts(e) => e.code(),
            ReviewsError::Catalog(e) => e.code(),
            ReviewsError::Order(e) => e.code(),
            ReviewsError::Media(e) => e.code(),
            ReviewsError::Db(_) => "internal",
        }
    }
}

impl From<ReviewsError> for Error {
    fn from(e: ReviewsError) -> Self {
        match e {
            ReviewsError::Common(inner) => inner,
            ReviewsError::Accounts(inner) => inner.into(),
            ReviewsError::Catalog(inner) => inner.into(),
            ReviewsError::Order(inner) => inner.into(),
            ReviewsError::Media(inner) => inner.into(),
            ReviewsError::Db(db) => Error::from(db),
            ReviewsError::EditWindowClosed { days } => {
                let mut err = Error::new(ErrorKind::Conflict, "edit_window_closed", e.to_string());
                err.details = Some(serde_json::json!({ "days": days.to_string() }));
                err
            }
            other => Error::new(other.kind(), other.code(), other.to_string()),
        }
    }
}
