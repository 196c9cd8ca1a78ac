//! Where renditions live, behind one trait: files under a directory (the one-binary
//! deployment, [`files::FileStore`]) or an S3-compatible bucket for many instances
//! ([`s3::S3Store`]). Keys are the content's ([`crate::rendition::key`]): writing a key again
//! writes the same bytes, so a put may be repeated safely.

pub mod files;
pub mod s3;

use async_trait::async_trait;

/// A store's failure, for logs (clients see `unavailable`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

impl From<StoreError> for crate::MediaError {
    fn from(e: StoreError) -> Self {
        crate::MediaError::Store(e.0)
    }
}

/// Objects by key.
#[async_trait]
pub trait MediaStore: Send + Sync + 'static {
    /// Writes `bytes` at `key`, replacing what was there.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError>;

    /// The bytes at `key`; `None` when there are none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Removes `key`; removing a missing key is no error.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Whether `key` holds an object.
    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.get(key).await?.is_some())
    }

    /// What the store is, for logs (`files under data/media`, `s3://bucket/prefix`).
    fn describe(&self) -> String;
}

/// Whether `key` is one the stores take: the shape [`crate::rendition::key`] makes, so no key
/// can climb out of the store's directory or prefix.
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        })
}

/// The refusal of a key of another shape.
pub(crate) fn bad_key(key: &str) -> StoreError {
    StoreError(format!("refused key {key:?}"))
}
