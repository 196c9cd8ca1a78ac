//! Typed configuration: `config/default.toml` (built in), then a file, then `MARKETPLACE_*`
//! environment variables; validated at start-up so a bad value stops the process with the key
//! named, instead of failing later at the first request that needs it.
//!
//! `sections` holds the types, one per section; `load` reads the layers; `validate` checks
//! each section's ranges; `build` makes the pieces the settings name (regions, rates,
//! providers, the mail server) into a [`Built`], the one place they are made.

mod build;
mod carriers;
mod env;
mod load;
mod sections;
mod tax;
mod uploads;
mod url;
mod validate;

pub use build::Built;
pub use carriers::CarriersConfig;
pub use sections::*;
pub use tax::TaxConfig;
pub use uploads::MediaConfig;
pub use url::redact;
use url::with_password;

use std::path::PathBuf;

use serde::Deserialize;

/// The built-in defaults, every key commented.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Keys whose values are secrets: they must come from the environment, never from a file that
/// may end up in version control.
pub const SECRET_KEYS: [&str; 11] = [
    "database.password",
    "notify.smtp_password",
    "search.meili_key",
    "stripe.secret_key",
    "stripe.webhook_secret",
    "bank_transfer.webhook_secret",
    "media.s3_access_key",
    "media.s3_secret_key",
    "carriers.secret_key",
    "carriers.ghn.token",
    "carriers.ghn.webhook_secret",
];

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "MARKETPLACE_";

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value has the wrong type or a key is unknown.
    #[error("{0}")]
    Load(String),
    /// The named file does not exist.
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    /// A value is out of range.
    #[error("configuration key `{key}`: {message}")]
    Invalid {
        /// Dotted key, such as `http.listen`.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The HTTP listener.
    pub http: HttpConfig,
    /// Where embedded data lives.
    pub data: DataConfig,
    /// The database.
    pub database: DatabaseConfig,
    /// The search engine.
    pub search: SearchConfig,
    /// The catalogue.
    pub catalog: CatalogConfig,
    /// `[shipping]`
    pub shipping: ShippingConfig,
    /// Demo data.
    pub demo: DemoConfig,
    /// Sessions.
    pub auth: AuthConfig,
    /// Abuse limits.
    pub rate_limit: RateLimitConfig,
    /// Carts: how long a guest cart lives.
    pub cart: CartConfig,
    /// Logging.
    pub log: LogConfig,
    /// Card payments through Stripe (off unless keys are set).
    #[serde(default)]
    pub stripe: StripeConfig,
    /// Bank transfers by VietQR.
    pub bank_transfer: BankTransferConfig,
    /// Unpaid checkouts and refunds.
    pub payments: PaymentsConfig,
    /// The vendors' money.
    pub ledger: LedgerConfig,
    /// What the E-commerce Law asks of the floor: seller identity.
    pub compliance: ComplianceConfig,
    /// Complaints, returns and refunds: the window to open a case, the stall's time to answer.
    pub cases: CasesConfig,
    /// How long personal data kept only as a log is kept.
    pub retention: RetentionConfig,
    /// Redis, for rate limits shared by every instance.
    #[serde(default)]
    pub redis: RedisConfig,
    /// Notifications: email, webhooks, account links.
    #[serde(default)]
    pub notify: NotifyConfig,
    /// Uploaded photos.
    pub media: MediaConfig,
    /// Promotions: what a stall may set on a sale price.
    pub promotions: PromotionsConfig,
    /// Buyers' reviews: how long their authors may edit them.
    pub reviews: ReviewsConfig,
    /// Parcel carriers (GHN), the key sealing stalls' carrier tokens, carrier quotes.
    pub carriers: CarriersConfig,
    /// Decree 117's readings and the platform's identity on withholding certificates.
    pub tax: TaxConfig,
}

impl Config {
    /// The database URL, defaulting to an SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => match &self.database.password {
                Some(password) => with_password(url, password),
                None => url.clone(),
            },
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data.dir.join("marketplace.db").display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use figment::{
        Figment,
        providers::{Format, Toml},
    };

    use super::*;

    #[test]
    fn defaults_are_valid_and_embedded() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(c.http.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.http.body_limit_bytes, 1024 * 1024);
        assert_eq!(c.log.format, LogFormat::Text);
        assert_eq!(c.database_url(), "sqlite://data/marketplace.db?mode=rwc");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let e = Config::with_overrides("[http]\nlisten = \"not an address\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("http.listen"), "{e}");

        let e = Config::with_overrides("[http]\nrequest_timeout_secs = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("http.request_timeout_secs"), "{e}");

        let e = Config::with_overrides("[database]\nurl = \"mysql://x\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("database.url"), "{e}");

        let e = Config::with_overrides("[log]\nformat = \"xml\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("log.format"), "{e}");

        let e = Config::with_overrides("[http]\ncors_origins = [\"cho.vn\"]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("http.cors_origins"), "{e}");

        // A rate-limited request must never wait on Redis for seconds.
        let e = Config::with_overrides("[redis]\ntimeout_ms = 10000")
            .unwrap_err()
            .to_string();
        assert!(e.contains("redis.timeout_ms"), "{e}");
    }

    #[test]
    fn secrets_are_refused_from_files() {
        let e = Config::with_overrides("[search]\nmeili_key = \"masterKey\"")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("search.meili_key") && e.contains("MARKETPLACE_SEARCH__MEILI_KEY"),
            "{e}"
        );
        let e = Config::with_overrides("[notify]\nsmtp_password = \"mat-khau\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("MARKETPLACE_NOTIFY__SMTP_PASSWORD"), "{e}");
        // An empty value (an unset variable in docker compose) is no mail server.
        let c = Config::with_overrides("[notify]\nsmtp_url = \"\"").unwrap();
        assert!(c.notify.email_channel().unwrap().is_none());
        let e = Config::with_overrides("[notify]\nsmtp_url = \"http://mail.example.vn\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("notify.smtp_url"), "{e}");
        let e = Config::with_overrides("[search]\nindex_prefix = \"Tinh Quang Tri\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("search.index_prefix"), "{e}");
    }

    #[test]
    fn stripe_keys_come_from_the_environment_and_go_together() {
        for key in ["secret_key", "webhook_secret"] {
            let e = Config::with_overrides(&format!("[stripe]\n{key} = \"sk_live_x\""))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("stripe.{key}"))
                    && e.contains(&format!("MARKETPLACE_STRIPE__{}", key.to_uppercase())),
                "{e}"
            );
        }
        let mut c = Config::with_overrides("").unwrap();
        assert!(c.card_provider().unwrap().is_none(), "off by default");
        c.stripe.secret_key = Some("sk_test_x".into());
        c.stripe.webhook_secret = Some(" whsec_new , whsec_old ,".into());
        assert_eq!(c.stripe.webhook_secrets(), ["whsec_new", "whsec_old"]);
        assert!(c.build().is_ok());
        assert!(c.card_provider().unwrap().is_some());
        assert!(
            !format!("{c:?}").contains("sk_test_x"),
            "secrets never print"
        );
        c.stripe.webhook_secret = None;
        let e = c.build().unwrap_err().to_string();
        assert!(e.contains("stripe.webhook_secret"), "{e}");
        let e = Config::with_overrides("[stripe]\napi_base = \"localhost:12111\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("stripe.api_base"), "{e}");
        let e = Config::with_overrides("[payments]\ncheckout_ttl_minutes = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("payments.checkout_ttl_minutes"), "{e}");
    }

    #[test]
    fn the_identity_grace_period_is_a_setting_of_the_environment() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(c.compliance.identity_grace_days, 30);
        assert!(c.compliance.worker);
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_COMPLIANCE__IDENTITY_GRACE_DAYS", "45"),
                ("MARKETPLACE_COMPLIANCE__WORKER", "false"),
            ],
        )
        .unwrap();
        assert_eq!(c.compliance.identity_grace_days, 45);
        assert!(!c.compliance.worker);
        for bad in ["0", "366", "a month"] {
            let e =
                Config::load_with_env(None, [("MARKETPLACE_COMPLIANCE__IDENTITY_GRACE_DAYS", bad)])
                    .unwrap_err()
                    .to_string();
            assert!(e.contains("compliance.identity_grace_days"), "{bad}: {e}");
        }
    }

    #[test]
    fn retention_periods_are_settings_of_the_environment_and_respect_the_law() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(
            (c.retention.sessions_days, c.retention.client_addresses_days),
            (365, 365)
        );
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_RETENTION__SESSIONS_DAYS", "90"),
                ("MARKETPLACE_RETENTION__CLIENT_ADDRESSES_DAYS", "730"),
            ],
        )
        .unwrap();
        assert_eq!(c.retention.sessions_days, 90);
        assert_eq!(c.retention.client_addresses_days, 730);
        assert_eq!(c.retention.periods().sessions, chrono::Duration::days(90));
        for bad in ["364", "0", "3651", "a year"] {
            let e = Config::load_with_env(
                None,
                [("MARKETPLACE_RETENTION__CLIENT_ADDRESSES_DAYS", bad)],
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("retention.client_addresses_days"), "{bad}: {e}");
        }
        let e = Config::load_with_env(
            None,
            [("MARKETPLACE_RETENTION__CLIENT_ADDRESSES_DAYS", "30")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("Decree 53/2022") && e.contains("12 months"),
            "{e}"
        );
        let e = Config::with_overrides("[retention]\nsessions_days = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("retention.sessions_days"), "{e}");
    }

    #[test]
    fn the_cases_deadlines_are_settings_of_the_environment() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(
            (
                c.cases.window_days,
                c.cases.stall_response_hours,
                c.cases.worker
            ),
            (7, 48, true)
        );
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_CASES__WINDOW_DAYS", "14"),
                ("MARKETPLACE_CASES__STALL_RESPONSE_HOURS", "72"),
                ("MARKETPLACE_CASES__WORKER", "false"),
            ],
        )
        .unwrap();
        assert_eq!(c.cases.settings().window, chrono::Duration::days(14));
        assert_eq!(
            c.cases.settings().stall_response,
            chrono::Duration::hours(72)
        );
        assert!(!c.cases.worker);
        for (key, bad) in [
            ("MARKETPLACE_CASES__WINDOW_DAYS", "0"),
            ("MARKETPLACE_CASES__WINDOW_DAYS", "91"),
            ("MARKETPLACE_CASES__WINDOW_DAYS", "a week"),
            ("MARKETPLACE_CASES__STALL_RESPONSE_HOURS", "0"),
            ("MARKETPLACE_CASES__STALL_RESPONSE_HOURS", "721"),
            ("MARKETPLACE_CASES__STALL_RESPONSE_HOURS", "-1"),
        ] {
            let e = Config::load_with_env(None, [(key, bad)])
                .unwrap_err()
                .to_string();
            let named = key.trim_start_matches("MARKETPLACE_CASES__").to_lowercase();
            assert!(e.contains(&format!("cases.{named}")), "{key}={bad}: {e}");
        }
    }

    #[test]
    fn the_longest_sale_is_a_setting_of_the_environment() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(c.promotions.max_sale_days, 120);
        let c =
            Config::load_with_env(None, [("MARKETPLACE_PROMOTIONS__MAX_SALE_DAYS", "30")]).unwrap();
        assert_eq!(c.promotions.sale_rules().max_days, 30);
        for bad in ["0", "367", "a month"] {
            let e = Config::load_with_env(None, [("MARKETPLACE_PROMOTIONS__MAX_SALE_DAYS", bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("promotions.max_sale_days"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_review_edit_window_is_a_setting_of_the_environment() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(c.reviews.settings().edit_window_days, 30);
        let c =
            Config::load_with_env(None, [("MARKETPLACE_REVIEWS__EDIT_WINDOW_DAYS", "0")]).unwrap();
        assert_eq!(c.reviews.settings().edit_window_days, 0);
        for bad in ["366", "-1", "a month"] {
            let e = Config::load_with_env(None, [("MARKETPLACE_REVIEWS__EDIT_WINDOW_DAYS", bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("reviews.edit_window_days"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_guest_cart_lifetime_is_a_setting_of_the_environment() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(c.cart.guest_ttl_days, 30);
        assert_eq!(c.rate_limit.guest_carts_per_ip_per_day, 100);
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_CART__GUEST_TTL_DAYS", "7"),
                ("MARKETPLACE_RATE_LIMIT__GUEST_CARTS_PER_IP_PER_DAY", "5"),
            ],
        )
        .unwrap();
        assert_eq!(c.cart.guest_ttl_days, 7);
        assert_eq!(c.rate_limit.guest_carts_per_ip_per_day, 5);
        for bad in ["0", "366", "a month"] {
            let e = Config::load_with_env(None, [("MARKETPLACE_CART__GUEST_TTL_DAYS", bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("cart.guest_ttl_days"), "{bad}: {e}");
        }
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let e = Config::with_overrides("[http]\nlisten_port = 80")
            .unwrap_err()
            .to_string();
        assert!(e.contains("listen_port"), "{e}");
    }

    #[test]
    fn later_layers_override_earlier_ones() {
        let figment = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string("[http]\nlisten = \"0.0.0.0:9000\""))
            .merge(figment::providers::Serialized::default(
                "http.listen",
                "127.0.0.1:9100",
            ));
        let c = Config::from_figment(figment).unwrap();
        assert_eq!(c.http.listen.port(), 9100);
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let e = Config::load(Some(Path::new("/nonexistent/marketplace.toml"))).unwrap_err();
        assert!(matches!(e, ConfigError::MissingFile(_)), "{e}");
    }
}
