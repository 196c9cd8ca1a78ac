//! One suite for every media store: files on disk, and an S3-compatible server (the `moto`
//! server, started by `.ci/run` and `scripts/check.sh`, named by `TEST_S3_URL`; without it the
//! S3 runs say they skipped, and in CI, where `CI` is set, they fail instead).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use std::sync::Arc;

use media::{
    MediaStore,
    store::{
        files::FileStore,
        s3::{S3Settings, S3Store},
    },
};
use uuid::Uuid;

/// The variable naming the S3-compatible server the tests use (`http://127.0.0.1:5055`).
const S3_URL_VAR: &str = "TEST_S3_URL";

/// What every store does.
async fn suite(store: Arc<dyn MediaStore>) {
    let hash = "ab".repeat(32);
    let thumb = format!("ab/{hash}/thumb.webp");
    let large = format!("ab/{hash}/large.jpeg");
    assert_eq!(store.get(&thumb).await.unwrap(), None);
    assert!(!store.exists(&thumb).await.unwrap());

    store.put(&thumb, b"RIFF-thumb".to_vec()).await.unwrap();
    store.put(&large, vec![0xFF; 300_000]).await.unwrap();
    assert_eq!(store.get(&thumb).await.unwrap().unwrap(), b"RIFF-thumb");
    assert_eq!(store.get(&large).await.unwrap().unwrap().len(), 300_000);
    assert!(store.exists(&large).await.unwrap());

    // A put again replaces (the same content, in practice).
    store.put(&thumb, b"RIFF-again".to_vec()).await.unwrap();
    assert_eq!(store.get(&thumb).await.unwrap().unwrap(), b"RIFF-again");

    store.delete(&thumb).await.unwrap();
    assert_eq!(store.get(&thumb).await.unwrap(), None);
    assert!(store.exists(&large).await.unwrap(), "others stay");
    store.delete(&thumb).await.unwrap(); // a missing key is no error
    store.delete(&large).await.unwrap();
    assert!(!store.exists(&large).await.unwrap());

    // No key climbs out of the store.
    for bad in ["../etc/passwd", "/abs", "a//b", "a/./b", "", "a b"] {
        assert!(store.put(bad, vec![1]).await.is_err(), "{bad:?}");
        assert!(store.get(bad).await.is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn the_file_store_keeps_objects_by_key() {
    let root = std::env::temp_dir().join(format!("marketplace-store-{}", Uuid::now_v7()));
    suite(Arc::new(FileStore::new(&root))).await;
    // Nothing is left behind: no partial files, no empty directories of a content.
    let left: Vec<_> = std::fs::read_dir(root.join("ab"))
        .unwrap()
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// A store on a fresh bucket of the server at `TEST_S3_URL`, or `None` (said) when unset.
async fn s3_store(prefix: &str) -> Option<S3Store> {
    let Ok(url) = std::env::var(S3_URL_VAR) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{S3_URL_VAR} must be set in CI: the S3 store tests must run there"
        );
        eprintln!("skipped: {S3_URL_VAR} is unset (start `moto_server -p 5055` and set it)");
        return None;
    };
    let bucket = format!("media-{}", Uuid::now_v7().simple());
    // The server makes buckets on a plain PUT (as S3 does for an authorised one).
    let made = reqwest::Client::new()
        .put(format!("{}/{bucket}", url.trim_end_matches('/')))
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success(), "cannot make bucket: {made:?}");
    let settings = S3Settings {
        bucket,
        prefix: prefix.into(),
        endpoint: Some(url),
        region: "us-east-1".into(),
        access_key: "test".into(),
        secret_key: "test".into(),
    };
    Some(S3Store::new(&settings).unwrap())
}

#[tokio::test]
async fn the_s3_store_keeps_objects_by_key() {
    if let Some(store) = s3_store("media/v1").await {
        assert!(store.describe().ends_with("/media/v1"));
        suite(Arc::new(store)).await;
    }
}

#[tokio::test]
async fn the_s3_store_works_without_a_prefix() {
    if let Some(store) = s3_store("").await {
        suite(Arc::new(store)).await;
    }
}

#[tokio::test]
async fn an_unreachable_s3_server_is_an_error_not_a_missing_object() {
    let settings = S3Settings {
        bucket: "media".into(),
        prefix: String::new(),
        endpoint: Some("http://127.0.0.1:9".into()),
        region: "us-east-1".into(),
        access_key: "test".into(),
        secret_key: "test".into(),
    };
    let store = S3Store::new(&settings).unwrap();
    assert!(
        store
            .get(&format!("ab/{}/thumb.webp", "ab".repeat(32)))
            .await
            .is_err()
    );
}
