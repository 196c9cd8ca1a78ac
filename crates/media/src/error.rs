//! Errors of the media crate, each with a kind and a stable code.

use common::{Error, ErrorKind};

/// What can go wrong with an upload or a stored photo.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The content is no JPEG, PNG or WebP, whatever its name.
    #[error("The file is not an image the marketplace takes: send a JPEG, PNG or WebP photo.")]
    Unsupported,
    /// The file has more bytes than `media.max_bytes`.
    #[error("The file is larger than {max_bytes} bytes.")]
    FileTooLarge {
        /// The limit.
        max_bytes: u64,
    },
    /// The image has more pixels than `media.max_pixels` (read from its header, before any
    /// pixel is decoded).
    #[error("The image is {width} × {height} pixels; at most {max_pixels} pixels are taken.")]
    TooManyPixels {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The limit.
        max_pixels: u64,
    },
    /// The image cannot be read: cut short or damaged.
    #[error("The image cannot be read ({0}); it may be cut short or damaged. Send it again.")]
    Unreadable(String),
    /// The stall holds as many photos, or as many bytes of them, as it may.
    #[error(
        "The stall already holds {held} of the {max} {what} it may; remove unused photos first."
    )]
    QuotaExceeded {
        /// `photos` or `bytes`.
        what: &'static str,
        /// What it holds.
        held: u64,
        /// Its limit.
        max: u64,
    },
    /// No such photo (or rendition).
    #[error("Photo not found.")]
    NotFound,
    /// The store failed.
    #[error("media store: {0}")]
    Store(String),
    /// A stored value is not one its type knows.
    #[error("Corrupt media data: {0}.")]
    Corrupt(String),
    /// A rule was broken, or the caller lacks rights (from common).
    #[error(transparent)]
    Common(#[from] Error),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// The media types an upload may have, as problems name them.
pub const ACCEPTED: &str = "image/jpeg, image/png, image/webp";

impl MediaError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            MediaError::Unsupported => ErrorKind::UnsupportedType,
            MediaError::FileTooLarge { .. } | MediaError::TooManyPixels { .. } => {
                ErrorKind::TooLarge
            }
            MediaError::Unreadable(_) => ErrorKind::Invalid,
            MediaError::QuotaExceeded { .. } => ErrorKind::Conflict,
            MediaError::NotFound => ErrorKind::NotFound,
            MediaError::Store(_) => ErrorKind::Unavailable,
            MediaError::Common(e) => e.kind,
            MediaError::Db(_) | MediaError::Corrupt(_) => ErrorKind::Internal,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Unsupported => "unsupported_media_type",
            MediaError::FileTooLarge { .. } => "file_too_large",
            MediaError::TooManyPixels { .. } => "image_too_large",
            MediaError::Unreadable(_) => "image_unreadable",
            MediaError::QuotaExceeded { .. } => "media_quota_exceeded",
            MediaError::NotFound => "not_found",
            MediaError::Store(_) => "unavailable",
            MediaError::Common(e) => e.code,
            MediaError::Db(_) | MediaError::Corrupt(_) => "internal",
        }
    }

    /// What a client needs to act on it (the limit passed), as the problem's `details`.
    fn details(&self) -> Option<serde_json::Value> {
        let text = |n: u64| serde_json::Value::String(n.to_string());
        match self {
            MediaError::Unsupported => Some(serde_json::json!({ "accepted": ACCEPTED })),
            MediaError::FileTooLarge { max_bytes } => Some(serde_json::json!({
                "max_bytes": text(*max_bytes),
                "max_megabytes": text(max_bytes / (1024 * 1024)),
            })),
            MediaError::TooManyPixels {
                width,
                height,
                max_pixels,
            } => Some(serde_json::json!({
                "width": width.to_string(),
                "height": height.to_string(),
                "max_megapixels": text(max_pixels / 1_000_000),
            })),
            MediaError::QuotaExceeded { what, held, max } => Some(serde_json::json!({
                "what": what,
                "held": text(*held),
                "max": text(*max),
            })),
            _ => None,
        }
    }
}

impl From<MediaError> for Error {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Common(inner) => inner,
            MediaError::Db(db) => Error::from(db),
            MediaError::Corrupt(what) => Error::internal(what),
            MediaError::Store(what) => Error::unavailable(what),
            MediaError::NotFound => Error::not_found("Photo"),
            other => {
                let mut err = Error::new(other.kind(), other.code(), other.to_string());
                err.details = other.details();
                err
            }
        }
    }
}

/// The result of the media crate's operations.
pub type Result<T, E = MediaError> = std::result::Result<T, E>;
