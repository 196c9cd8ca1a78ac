//! `[carriers]`: the parcel carriers the marketplace books (GHN), the key that seals stalls'
//! carrier tokens, and how quotes from carriers are bounded and cached.

use std::{path::PathBuf, sync::Arc, time::Duration};

use carriers::{
    Carriers, Sealer, StallCarriers, Token,
    ghn::{CommuneMap, Ghn, GhnConfig},
};
use serde::Deserialize;

use super::{ConfigError, sections::blank_is_unset};

/// `[carriers]`
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct CarriersConfig {
    /// The key sealing stalls' carrier tokens at rest: 32 bytes as 64 hex digits or base64
    /// (environment only). Unset: stalls may connect a carrier with its shop id only, under the
    /// platform's token.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub secret_key: Option<String>,
    /// How long a carrier's quote is reused for the same parcel and route, seconds (0: never).
    pub quote_ttl_secs: u64,
    /// How long a cart or checkout waits for a carrier's quote before the stall's rate table
    /// answers, milliseconds.
    pub quote_timeout_ms: u64,
    /// A parcel on its way the carrier has not told of for this long is asked after by the
    /// poll, minutes.
    pub poll_after_minutes: u64,
    /// `[carriers.ghn]`
    pub ghn: GhnSettings,
}

/// `[carriers.ghn]`
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct GhnSettings {
    /// GHN's API base URL; empty: GHN is off.
    pub url: String,
    /// The platform's GHN token, serving stalls that give only their shop id (environment
    /// only).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub token: Option<String>,
    /// The secret GHN's callback URL carries (`?secret=`), letters and digits, at least 16
    /// (environment only). Unset: every callback is refused and the poll follows parcels.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub webhook_secret: Option<String>,
    /// How long one call to GHN may take, milliseconds.
    pub timeout_ms: u64,
    /// The commune mapping (CSV, `marketplace carriers map-ghn` writes it); empty: the shipped
    /// `config/carriers/ghn-communes.csv`.
    pub communes_file: PathBuf,
}

impl std::fmt::Debug for CarriersConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarriersConfig")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("quote_ttl_secs", &self.quote_ttl_secs)
            .field("quote_timeout_ms", &self.quote_timeout_ms)
            .field("poll_after_minutes", &self.poll_after_minutes)
            .field("ghn", &self.ghn)
            .finish()
    }
}

impl std::fmt::Debug for GhnSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GhnSettings")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("timeout_ms", &self.timeout_ms)
            .field("communes_file", &self.communes_file)
            .finish()
    }
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

impl CarriersConfig {
    /// Checks the values.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(key) = &self.secret_key {
            Sealer::from_setting(key).map_err(|e| invalid("carriers.secret_key", e.to_string()))?;
        }
        if self.quote_ttl_secs > 86_400 {
            return Err(invalid(
                "carriers.quote_ttl_secs",
                "must be from 0 to 86400",
            ));
        }
        if !(100..=30_000).contains(&self.quote_timeout_ms) {
            return Err(invalid(
                "carriers.quote_timeout_ms",
                "must be from 100 to 30000",
            ));
        }
        if !(5..=1440).contains(&self.poll_after_minutes) {
            return Err(invalid(
                "carriers.poll_after_minutes",
                "must be from 5 to 1440",
            ));
        }
        let ghn = &self.ghn;
        if !ghn.url.is_empty()
            && !ghn.url.starts_with("https://")
            && !ghn.url.starts_with("http://")
        {
            return Err(invalid(
                "carriers.ghn.url",
                "must be an http(s) URL, or empty",
            ));
        }
        if !(500..=60_000).contains(&ghn.timeout_ms) {
            return Err(invalid(
                "carriers.ghn.timeout_ms",
                "must be from 500 to 60000",
            ));
        }
        if let Some(secret) = &ghn.webhook_secret
            && (secret.len() < 16 || !secret.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(invalid(
                "carriers.ghn.webhook_secret",
                "must be at least 16 letters and digits (it is part of the callback URL)",
            ));
        }
        Ok(())
    }

    /// The key sealing stall tokens, when set.
    pub fn sealer(&self) -> Result<Option<Sealer>, ConfigError> {
        self.secret_key
            .as_deref()
            .map(Sealer::from_setting)
            .transpose()
            .map_err(|e| invalid("carriers.secret_key", e.to_string()))
    }

    /// The commune mapping GHN is addressed through.
    pub fn ghn_communes(&self) -> Result<CommuneMap, ConfigError> {
        let path = &self.ghn.communes_file;
        if path.as_os_str().is_empty() {
            return CommuneMap::from_csv(carriers::ghn::communes::BUILTIN)
                .map_err(|e| invalid("carriers.ghn.communes_file", e));
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            invalid(
                "carriers.ghn.communes_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        CommuneMap::from_csv(&text).map_err(|e| {
            invalid(
                "carriers.ghn.communes_file",
                format!("{}: {e}", path.display()),
            )
        })
    }

    /// The carriers set up: GHN when its URL is set.
    pub fn carriers(&self) -> Result<Carriers, ConfigError> {
        let mut set = Carriers::none();
        if !self.ghn.url.is_empty() {
            let ghn = Ghn::new(GhnConfig {
                base_url: self.ghn.url.trim_end_matches('/').to_owned(),
                timeout: Duration::from_millis(self.ghn.timeout_ms),
                webhook_secret: self.ghn.webhook_secret.clone(),
                communes: Arc::new(self.ghn_communes()?),
            })
            .map_err(|e| invalid("carriers.ghn.url", e.to_string()))?;
            set = set.with(Arc::new(ghn));
        }
        Ok(set)
    }

    /// The stalls' carrier settings over `catalog`, with the `carriers` and `sealer` built
    /// from this section ([`Self::carriers`], [`Self::sealer`]).
    pub fn stall_carriers(
        &self,
        catalog: catalog::Catalog,
        set: Carriers,
        sealer: Option<Sealer>,
    ) -> StallCarriers {
        let mut stalls = StallCarriers::new(catalog, set).with_sealer(sealer);
        if let Some(token) = &self.ghn.token {
            stalls = stalls.with_platform_token(carriers::ghn::ID, Token::new(token.clone()));
        }
        stalls
    }

    /// How long a quote is reused.
    pub fn quote_ttl(&self) -> Duration {
        Duration::from_secs(self.quote_ttl_secs)
    }

    /// How long a parcel may go unheard of before the poll asks after it.
    pub fn poll_after(&self) -> Duration {
        Duration::from_secs(self.poll_after_minutes.saturating_mul(60))
    }

    /// How long a quote is waited for.
    pub fn quote_timeout(&self) -> Duration {
        Duration::from_millis(self.quote_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn carrier_settings_come_from_the_environment() {
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_CARRIERS__QUOTE_TTL_SECS", "120"),
                ("MARKETPLACE_CARRIERS__QUOTE_TIMEOUT_MS", "900"),
                (
                    "MARKETPLACE_CARRIERS__SECRET_KEY",
                    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                ),
                (
                    "MARKETPLACE_CARRIERS__GHN__URL",
                    "http://127.0.0.1:9/shiip/public-api",
                ),
                ("MARKETPLACE_CARRIERS__GHN__TOKEN", "platform-token-1"),
                (
                    "MARKETPLACE_CARRIERS__GHN__WEBHOOK_SECRET",
                    "abcdef0123456789abcd",
                ),
                ("MARKETPLACE_CARRIERS__GHN__TIMEOUT_MS", "2500"),
                ("MARKETPLACE_CARRIERS__GHN__COMMUNES_FILE", ""),
            ],
        )
        .unwrap();
        let k = &c.carriers;
        assert_eq!(k.quote_ttl_secs, 120);
        assert_eq!(k.quote_timeout_ms, 900);
        assert!(k.sealer().unwrap().is_some());
        assert_eq!(k.ghn.url, "http://127.0.0.1:9/shiip/public-api");
        assert_eq!(k.ghn.token.as_deref(), Some("platform-token-1"));
        assert_eq!(k.ghn.timeout_ms, 2500);
        assert_eq!(k.carriers().unwrap().ids(), ["ghn"]);
        assert!(!format!("{k:?}").contains("platform-token-1"));
    }

    #[test]
    fn the_sealing_key_in_base64_and_the_communes_file_come_from_the_environment() {
        // The same 32 bytes as hex, as `openssl rand -base64 32` writes them, and URL-safe
        // without padding: one key, whatever the encoding.
        let sealer = |key: &str| {
            Config::load_with_env(None, [("MARKETPLACE_CARRIERS__SECRET_KEY", key)])
                .unwrap_or_else(|e| panic!("{key}: {e}"))
                .carriers
                .sealer()
                .unwrap()
                .unwrap()
        };
        let hex = sealer("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        let sealed = hex.seal("ghn-token-1", "stall-1").unwrap();
        let padded = sealer("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assert_eq!(padded.open(&sealed, "stall-1").unwrap(), "ghn-token-1");
        let url_safe = sealer("yMnKy8zNzs_Q0dLT1NXW19jZ2tvc3d7f4OHi4-Tl5uc");
        let other = sealer("c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7");
        let sealed = other.seal("ghn-token-2", "stall-2").unwrap();
        assert_eq!(url_safe.open(&sealed, "stall-2").unwrap(), "ghn-token-2");
        // 31 bytes, 33 bytes: refused, naming the setting.
        for short in [
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
        ] {
            let e = Config::load_with_env(None, [("MARKETPLACE_CARRIERS__SECRET_KEY", short)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("carriers.secret_key"), "{e}");
        }

        let file = std::env::temp_dir().join(format!("ghn-{}.csv", uuid::Uuid::now_v7()));
        std::fs::write(
            &file,
            "commune_code,province_id,district_id,ward_code\n19414,212,1701,0480201\n",
        )
        .unwrap();
        let path = file.to_string_lossy().into_owned();
        let c = Config::load_with_env(None, [("MARKETPLACE_CARRIERS__GHN__COMMUNES_FILE", &path)])
            .unwrap();
        let map = c.carriers.ghn_communes().unwrap();
        let ward = map.get("19414").expect("the file's row");
        assert_eq!((ward.province_id, ward.district_id), (212, 1701));
        assert_eq!(
            ward.ward_code, "0480201",
            "a ward code keeps its leading zero"
        );
        std::fs::remove_file(&file).unwrap();
        let e = Config::load_with_env(None, [("MARKETPLACE_CARRIERS__GHN__COMMUNES_FILE", &path)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("carriers.ghn.communes_file"), "{e}");
    }

    #[test]
    fn the_poll_interval_comes_from_the_environment_and_is_bounded() {
        let c = Config::load_with_env(None, [("MARKETPLACE_CARRIERS__POLL_AFTER_MINUTES", "15")])
            .unwrap();
        assert_eq!(c.carriers.poll_after_minutes, 15);
        assert_eq!(c.carriers.poll_after(), std::time::Duration::from_secs(900));
        let default =
            Config::load_with_env(None, [("MARKETPLACE_HTTP__LISTEN", "127.0.0.1:8080")]).unwrap();
        assert_eq!(default.carriers.poll_after_minutes, 60);
        for bad in ["0", "4", "1441"] {
            let e =
                Config::load_with_env(None, [("MARKETPLACE_CARRIERS__POLL_AFTER_MINUTES", bad)])
                    .unwrap_err()
                    .to_string();
            assert!(e.contains("carriers.poll_after_minutes"), "{bad}: {e}");
        }
    }

    #[test]
    fn carrier_secrets_are_refused_from_files_and_bad_values_named() {
        let e = Config::load_with_env(None, [("MARKETPLACE_CARRIERS__SECRET_KEY", "short")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("carriers.secret_key"), "{e}");
        let e = Config::load_with_env(
            None,
            [("MARKETPLACE_CARRIERS__GHN__WEBHOOK_SECRET", "short")],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("carriers.ghn.webhook_secret"), "{e}");
        for key in [
            "secret_key = \"x\"",
            "ghn.token = \"x\"",
            "ghn.webhook_secret = \"x\"",
        ] {
            let e = Config::with_overrides(&format!("[carriers]\n{key}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("is a secret"), "{e}");
        }
        let e = Config::load_with_env(None, [("MARKETPLACE_CARRIERS__GHN__URL", "")])
            .map(|c| c.carriers.carriers().unwrap().ids().len());
        assert_eq!(e.unwrap(), 0);
    }
}
