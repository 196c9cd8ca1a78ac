//! `[media]`: uploaded photos: their limits, where their renditions are stored, the URL they
//! are served from, the stalls' quotas and when unused ones are collected.

use std::{path::Path, sync::Arc, time::Duration};

use media::store::{
    MediaStore,
    files::FileStore,
    s3::{S3Settings, S3Store},
};
use serde::Deserialize;

use super::{ConfigError, sections::blank_is_unset};

/// `[media]`
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// The most bytes an upload may have.
    pub max_bytes: u64,
    /// The most pixels an uploaded image may have (its header is read before any pixel).
    pub max_pixels: u64,
    /// How many uploads are decoded and resized at once; 0: one per core.
    pub workers: u32,
    /// Empty: files under `data.dir/media`; `s3://bucket/prefix`: an S3-compatible bucket.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub store: Option<String>,
    /// The S3-compatible server (`https://s3.example.vn`); empty: AWS itself.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region.
    pub s3_region: String,
    /// The access key id (environment only; else `AWS_ACCESS_KEY_ID`).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub s3_access_key: Option<String>,
    /// The secret key (environment only; else `AWS_SECRET_ACCESS_KEY`).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub s3_secret_key: Option<String>,
    /// The base URL the store's objects are read from (a CDN); empty: `/media/...` here.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub public_url: Option<String>,
    /// The most photos a stall may hold.
    pub stall_max_count: u64,
    /// The most bytes a stall's renditions may take.
    pub stall_max_bytes: u64,
    /// Hours a photo nothing refers to is kept before it is collected.
    pub collect_after_hours: u32,
    /// Whether this instance runs the collection of unused photos.
    pub worker: bool,
}

impl std::fmt::Debug for MediaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaConfig")
            .field("max_bytes", &self.max_bytes)
            .field("max_pixels", &self.max_pixels)
            .field("workers", &self.workers)
            .field("store", &self.store)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field(
                "s3_access_key",
                &self.s3_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "s3_secret_key",
                &self.s3_secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("public_url", &self.public_url)
            .field("stall_max_count", &self.stall_max_count)
            .field("stall_max_bytes", &self.stall_max_bytes)
            .field("collect_after_hours", &self.collect_after_hours)
            .field("worker", &self.worker)
            .finish()
    }
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

impl MediaConfig {
    /// Checks the ranges and forms.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(1024..=100 * 1024 * 1024).contains(&self.max_bytes) {
            return Err(invalid(
                "media.max_bytes",
                "must be 1024 to 104857600 (100 MiB)",
            ));
        }
        if !(10_000..=200_000_000).contains(&self.max_pixels) {
            return Err(invalid("media.max_pixels", "must be 10000 to 200000000"));
        }
        if self.workers > 64 {
            return Err(invalid("media.workers", "must be 0 (one per core) to 64"));
        }
        if let Some(store) = &self.store
            && S3Settings::parse_location(store).is_none()
        {
            return Err(invalid(
                "media.store",
                "must be empty (files under data.dir/media) or s3://bucket/prefix",
            ));
        }
        for (key, url) in [
            ("media.s3_endpoint", &self.s3_endpoint),
            ("media.public_url", &self.public_url),
        ] {
            if let Some(url) = url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(invalid(key, "must be an http(s) URL"));
            }
        }
        if self.stall_max_count == 0 || self.stall_max_bytes < 1024 * 1024 {
            return Err(invalid(
                "media.stall_max_count",
                "stall_max_count must be at least 1 and stall_max_bytes at least 1048576",
            ));
        }
        if !(1..=24 * 365).contains(&self.collect_after_hours) {
            return Err(invalid("media.collect_after_hours", "must be 1 to 8760"));
        }
        Ok(())
    }

    /// The media service's settings.
    pub fn settings(&self) -> media::MediaSettings {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        media::MediaSettings {
            max_bytes: self.max_bytes,
            max_pixels: self.max_pixels,
            workers: match self.workers {
                0 => cores,
                n => n as usize,
            },
            stall_max_count: self.stall_max_count,
            stall_max_bytes: self.stall_max_bytes,
            collect_after: chrono::Duration::hours(i64::from(self.collect_after_hours)),
            public_url: self.public_url.clone(),
        }
    }

    /// How often the collection looks for unused photos.
    pub fn collect_every(&self) -> Duration {
        Duration::from_secs(3600)
    }

    /// The store `media.store` names, files under `data_dir/media` by default. The S3 keys
    /// are `media.s3_access_key` and `media.s3_secret_key` (environment only), else the
    /// standard `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    pub fn store(&self, data_dir: &Path) -> Result<Arc<dyn MediaStore>, ConfigError> {
        let Some(location) = &self.store else {
            return Ok(Arc::new(FileStore::new(data_dir.join("media"))));
        };
        let (bucket, prefix) = S3Settings::parse_location(location)
            .ok_or_else(|| invalid("media.store", "must be s3://bucket/prefix"))?;
        let key = |set: &Option<String>, var: &str, name: &'static str| {
            set.clone()
                .or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
                .ok_or_else(|| {
                    invalid(name, format!("is needed for an s3:// store (or set {var})"))
                })
        };
        let settings = S3Settings {
            bucket,
            prefix,
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key: key(
                &self.s3_access_key,
                "AWS_ACCESS_KEY_ID",
                "media.s3_access_key",
            )?,
            secret_key: key(
                &self.s3_secret_key,
                "AWS_SECRET_ACCESS_KEY",
                "media.s3_secret_key",
            )?,
        };
        let store = S3Store::new(&settings).map_err(|e| invalid("media.store", e.0))?;
        Ok(Arc::new(store))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn media_settings_are_read_from_the_environment_as_text() {
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_MEDIA__MAX_BYTES", "2048"),
                ("MARKETPLACE_MEDIA__MAX_PIXELS", "12000000"),
                ("MARKETPLACE_MEDIA__WORKERS", "3"),
                ("MARKETPLACE_MEDIA__STORE", "s3://cho-anh/media"),
                ("MARKETPLACE_MEDIA__S3_ENDPOINT", "http://127.0.0.1:5055"),
                ("MARKETPLACE_MEDIA__S3_ACCESS_KEY", "0071000123456"),
                ("MARKETPLACE_MEDIA__S3_SECRET_KEY", "bi-mat"),
                ("MARKETPLACE_MEDIA__PUBLIC_URL", "https://anh.cho.vn"),
                ("MARKETPLACE_MEDIA__STALL_MAX_COUNT", "50"),
                ("MARKETPLACE_MEDIA__COLLECT_AFTER_HOURS", "48"),
                ("MARKETPLACE_MEDIA__WORKER", "false"),
            ],
        )
        .unwrap();
        let m = &c.media;
        assert_eq!(
            (m.max_bytes, m.max_pixels, m.workers),
            (2048, 12_000_000, 3)
        );
        assert_eq!(m.store.as_deref(), Some("s3://cho-anh/media"));
        assert_eq!(
            m.s3_access_key.as_deref(),
            Some("0071000123456"),
            "text stays text"
        );
        assert!(!m.worker);
        let s = m.settings();
        assert_eq!(s.collect_after, chrono::Duration::hours(48));
        assert_eq!(s.stall_max_count, 50);
        assert_eq!(s.workers, 3);
        assert_eq!(s.public_url.as_deref(), Some("https://anh.cho.vn"));
        let store = m.store(&c.data.dir).unwrap();
        assert_eq!(store.describe(), "s3://cho-anh/media");
        assert!(!format!("{m:?}").contains("bi-mat"), "the keys never print");

        // The defaults: files under data.dir/media, 10 MiB, 40 megapixels, a day's grace.
        let d = Config::with_overrides("").unwrap();
        assert_eq!(
            (d.media.max_bytes, d.media.max_pixels),
            (10_485_760, 40_000_000)
        );
        assert_eq!(d.media.collect_after_hours, 24);
        assert!(d.media.settings().workers >= 1);
        let files = d.media.store(std::path::Path::new("/srv/cho")).unwrap();
        assert_eq!(files.describe(), "files under /srv/cho/media");
    }

    #[test]
    fn bad_media_settings_name_their_key() {
        for (toml, key) in [
            ("[media]\nstore = \"/srv/anh\"", "media.store"),
            ("[media]\nmax_bytes = 10", "media.max_bytes"),
            ("[media]\nmax_pixels = 0", "media.max_pixels"),
            ("[media]\npublic_url = \"anh.cho.vn\"", "media.public_url"),
            (
                "[media]\ncollect_after_hours = 0",
                "media.collect_after_hours",
            ),
            ("[media]\ns3_access_key = \"AKIA\"", "media.s3_access_key"),
        ] {
            let e = Config::with_overrides(toml).unwrap_err().to_string();
            assert!(e.contains(key), "{toml}: {e}");
        }
        // An s3:// store without keys anywhere is refused at start.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            let e = Config::with_overrides("[media]\nstore = \"s3://cho-anh\"")
                .unwrap_err()
                .to_string();
            assert!(e.contains("media.s3_access_key"), "{e}");
        }
    }
}
