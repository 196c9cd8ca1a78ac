//! Renditions as files under a directory (`data.dir/media` by default).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use uuid::Uuid;

use super::{MediaStore, StoreError, bad_key, valid_key};

/// A directory of objects, one file per key (its `/` make subdirectories).
#[derive(Clone, Debug)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// The store under `root` (made at the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Its directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        if !valid_key(key) {
            return Err(bad_key(key));
        }
        Ok(self.root.join(key))
    }
}

fn io(what: &str, key: &str, e: std::io::Error) -> StoreError {
    StoreError(format!("{what} {key}: {e}"))
}

#[async_trait]
impl MediaStore for FileStore {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| io("cannot make the directory of", key, e))?;
        }
        // Written beside it and renamed: a reader never sees half a file.
        let partial = path.with_extension(format!("partial-{}", Uuid::now_v7().simple()));
        tokio::fs::write(&partial, bytes)
            .await
            .map_err(|e| io("cannot write", key, e))?;
        if let Err(e) = tokio::fs::rename(&partial, &path).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(io("cannot write", key, e));
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("cannot read", key, e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io("cannot delete", key, e)),
        }
        // The content's directory goes with its last rendition (an error: others remain).
        if let Some(dir) = path.parent() {
            let _ = tokio::fs::remove_dir(dir).await;
        }
        Ok(())
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        tokio::fs::try_exists(self.path(key)?)
            .await
            .map_err(|e| io("cannot look for", key, e))
    }

    fn describe(&self) -> String {
        format!("files under {}", self.root.display())
    }
}
