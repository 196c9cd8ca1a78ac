//! Renditions in an S3-compatible bucket (AWS, MinIO, Ceph, Cloudflare R2, Garage...), through
//! the `object_store` crate, under a prefix.

use async_trait::async_trait;
use object_store::{ObjectStore, PutPayload, aws::AmazonS3Builder, path::Path};

use super::{MediaStore, StoreError, bad_key, valid_key};

/// Where and how to reach the bucket.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// The bucket.
    pub bucket: String,
    /// The prefix of every key (no leading or trailing `/`; empty for none).
    pub prefix: String,
    /// The endpoint (`https://s3.example.vn`); `None` for AWS itself.
    pub endpoint: Option<String>,
    /// The region (`us-east-1` where the server ignores it).
    pub region: String,
    /// The access key id.
    pub access_key: String,
    /// The secret key.
    pub secret_key: String,
}

impl S3Settings {
    /// The bucket and prefix of `s3://bucket/prefix`; `None` for another URL.
    pub fn parse_location(location: &str) -> Option<(String, String)> {
        let rest = location.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/');
        let ok = !bucket.is_empty()
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && (prefix.is_empty() || super::valid_key(prefix));
        ok.then(|| (bucket.to_owned(), prefix.to_owned()))
    }
}

/// A bucket of objects under a prefix.
#[derive(Debug)]
pub struct S3Store {
    inner: Box<dyn ObjectStore>,
    bucket: String,
    prefix: String,
}

impl S3Store {
    /// The store `settings` describe (no request is made until the first use).
    pub fn new(settings: &S3Settings) -> Result<Self, StoreError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key)
            .with_secret_access_key(&settings.secret_key);
        if let Some(endpoint) = &settings.endpoint {
            // A self-hosted server answers at its own address, buckets in the path.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let inner = builder
            .build()
            .map_err(|e| StoreError(format!("S3 store: {e}")))?;
        Ok(Self {
            inner: Box::new(inner),
            bucket: settings.bucket.clone(),
            prefix: settings.prefix.clone(),
        })
    }

    fn path(&self, key: &str) -> Result<Path, StoreError> {
        if !valid_key(key) {
            return Err(bad_key(key));
        }
        Ok(if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        })
    }
}

fn failed(what: &str, key: &str, e: object_store::Error) -> StoreError {
    StoreError(format!("cannot {what} {key}: {e}"))
}

#[async_trait]
impl MediaStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.inner
            .put(&self.path(key)?, PutPayload::from(bytes))
            .await
            .map_err(|e| failed("write", key, e))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let got = match self.inner.get(&self.path(key)?).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(failed("read", key, e)),
        };
        let bytes = got.bytes().await.map_err(|e| failed("read", key, e))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed("delete", key, e)),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        match self.inner.head(&self.path(key)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(failed("look for", key, e)),
        }
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_name_a_bucket_and_a_prefix() {
        assert_eq!(
            S3Settings::parse_location("s3://cho-anh/media/v1"),
            Some(("cho-anh".into(), "media/v1".into()))
        );
        assert_eq!(
            S3Settings::parse_location("s3://cho-anh"),
            Some(("cho-anh".into(), String::new()))
        );
        assert_eq!(S3Settings::parse_location("https://cho-anh"), None);
        assert_eq!(S3Settings::parse_location("s3://"), None);
        assert_eq!(S3Settings::parse_location("s3://Cho Anh/x"), None);
        assert_eq!(S3Settings::parse_location("s3://b/../x"), None);
    }
}
