//! Typed configuration: `config/default.toml` (built in), then a file, then `MARKETPLACE_*`
//! environment variables; validated at start-up so a bad value stops the process with the key
//! named, instead of failing later at the first request that needs it.

mod env;

use std::{
    ffi::OsStr,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Format, Toml},
};
use serde::{Deserialize, Deserializer};

/// The built-in defaults, every key commented.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Keys whose values are secrets: they must come from the environment, never from a file that
/// may end up in version control.
pub const SECRET_KEYS: [&str; 6] = [
    "database.password",
    "notify.smtp_password",
    "search.meili_key",
    "stripe.secret_key",
    "stripe.webhook_secret",
    "bank_transfer.webhook_secret",
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
    /// Redis, for rate limits shared by every instance.
    #[serde(default)]
    pub redis: RedisConfig,
    /// Notifications: email, webhooks, account links.
    #[serde(default)]
    pub notify: NotifyConfig,
}

/// `[notify]`
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// `smtp://host:port` (plain; `?tls=required` for STARTTLS) or `smtps://host:465`; unset:
    /// no email, notifications reach the inbox and the stalls' webhooks only.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub smtp_url: Option<String>,
    /// The SMTP user name, if the server wants one.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub smtp_username: Option<String>,
    /// The SMTP password: set it in the environment (`MARKETPLACE_NOTIFY__SMTP_PASSWORD`).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub smtp_password: Option<String>,
    /// The sender, `Name <address>`.
    pub from: String,
    /// The shop's address, for the links of account emails.
    pub app_url: String,
    /// How long a password reset link works, in minutes.
    pub reset_minutes: u32,
    /// How long an email verification link works, in hours.
    pub verify_hours: u32,
    /// Whether this instance runs the delivery worker.
    pub worker: bool,
    /// How often the worker looks for deliveries, in milliseconds.
    pub poll_ms: u64,
    /// The first wait after a failed delivery, in milliseconds; each further failure doubles it
    /// (up to an hour).
    pub retry_base_ms: u64,
    /// Tries before a webhook delivery is given up (email is retried until it goes).
    pub max_webhook_attempts: u32,
    /// How long a webhook's receiver has to answer, in seconds.
    pub webhook_timeout_secs: u64,
    /// Allows `http://` webhooks and webhooks to loopback and private addresses (development
    /// and tests only: in production a stall must not reach the marketplace's own network).
    pub webhooks_allow_private: bool,
    /// Password reset requests per client address per minute.
    pub reset_per_ip_per_minute: u32,
    /// Password reset requests per email per minute (counted whether or not it has an
    /// account).
    pub reset_per_email_per_minute: u32,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_username: None,
            smtp_password: None,
            from: "Chợ OCOP <no-reply@localhost>".into(),
            app_url: "http://127.0.0.1:8080".into(),
            reset_minutes: 30,
            verify_hours: 48,
            worker: true,
            poll_ms: 1000,
            retry_base_ms: 30_000,
            max_webhook_attempts: 15,
            webhook_timeout_secs: 10,
            webhooks_allow_private: false,
            reset_per_ip_per_minute: 10,
            reset_per_email_per_minute: 3,
        }
    }
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(crate::serve::redact),
            )
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "<redacted>"),
            )
            .field("from", &self.from)
            .field("app_url", &self.app_url)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl NotifyConfig {
    /// The email channel, when a mail server is configured.
    pub fn email_channel(&self) -> Result<Option<notify::channel::Smtp>, ConfigError> {
        // An empty value (an unset variable in docker compose) is no value.
        let set = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        let Some(url) = set(&self.smtp_url) else {
            return Ok(None);
        };
        let credentials =
            set(&self.smtp_username).map(|u| (u, set(&self.smtp_password).unwrap_or_default()));
        notify::channel::Smtp::new(&url, credentials, &self.from)
            .map(Some)
            .map_err(|message| ConfigError::Invalid {
                key: "notify.smtp_url",
                message,
            })
    }

    /// How the worker retries.
    pub fn retry(&self) -> notify::worker::Retry {
        notify::worker::Retry {
            base: std::time::Duration::from_millis(self.retry_base_ms),
            max_wait: std::time::Duration::from_secs(3600),
            max_webhook_attempts: i32::try_from(self.max_webhook_attempts).unwrap_or(15),
        }
    }

    /// Where account links lead and how long they work.
    pub fn links(&self) -> accounts::Links {
        accounts::Links {
            app_url: self.app_url.clone(),
            reset_ttl: chrono::Duration::minutes(i64::from(self.reset_minutes)),
            verify_ttl: chrono::Duration::hours(i64::from(self.verify_hours)),
        }
    }
}

/// `[redis]`
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://host:port/db`; unset: rate limits in each instance's memory.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub url: Option<String>,
    /// What the keys start with, so deployments can share one Redis.
    pub key_prefix: String,
    /// How long an attempt waits for Redis before deciding on this instance's own limits.
    pub timeout_ms: u64,
    /// After Redis fails, how long each instance keeps its own limits before trying Redis again.
    pub cool_down_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: None,
            key_prefix: "marketplace".into(),
            timeout_ms: 100,
            cool_down_ms: 5000,
        }
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A password may sit between `redis://` and `@`.
        let url = self
            .url
            .as_deref()
            .map(|u| match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if at > s => format!("{}<redacted>{}", &u[..s + 3], &u[at..]),
                _ => u.to_owned(),
            });
        f.debug_struct("RedisConfig")
            .field("url", &url)
            .field("key_prefix", &self.key_prefix)
            .field("timeout_ms", &self.timeout_ms)
            .field("cool_down_ms", &self.cool_down_ms)
            .finish()
    }
}

/// `[ledger]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct LedgerConfig {
    /// Days after delivery before an earning is payable.
    pub holding_days: u32,
    /// Hours after a change of bank account before a payout uses it.
    pub cooling_off_hours: u32,
    /// The least payable balance a payout batch pays, in đồng.
    pub payout_minimum: i64,
    /// Statements sent at once.
    pub max_concurrent_exports: usize,
    /// Seconds a statement waits for its turn before it is refused.
    pub export_wait_secs: u64,
}

impl LedgerConfig {
    /// The ledger's settings.
    pub fn settings(&self) -> ledger::Settings {
        ledger::Settings {
            holding: chrono::Duration::days(i64::from(self.holding_days)),
            cooling_off: chrono::Duration::hours(i64::from(self.cooling_off_hours)),
            payout_minimum: self.payout_minimum,
            max_concurrent_exports: self.max_concurrent_exports,
            export_wait: std::time::Duration::from_secs(self.export_wait_secs),
        }
    }
}

/// `[stripe]`
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct StripeConfig {
    /// Secret API key (environment only); set: card payments are on.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub secret_key: Option<String>,
    /// Webhook signing secrets, comma-separated during a rotation (environment only).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub webhook_secret: Option<String>,
    /// Stripe's API base URL; `None` for Stripe itself.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub api_base: Option<String>,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// Secrets given as `new,old` during a rotation, in order, blanks dropped.
fn secret_list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl StripeConfig {
    /// The webhook secrets, in order.
    pub fn webhook_secrets(&self) -> Vec<String> {
        secret_list(self.webhook_secret.as_deref())
    }
}

/// `[bank_transfer]`
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct BankTransferConfig {
    /// The receiving bank's BIN (6 digits).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub bank_bin: Option<String>,
    /// The receiving account number.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub account_no: Option<String>,
    /// The account holder, as the bank shows it.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub account_name: Option<String>,
    /// Secrets the bank-notification service signs with, comma-separated during a rotation
    /// (environment only).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub webhook_secret: Option<String>,
    /// Minutes a bank-transfer checkout may stay unpaid.
    pub checkout_ttl_minutes: u64,
    /// Hours back a notification's `transacted_at` may lie: an older one is refused as stale
    /// (a replay of a genuine notification under a new id); a late one is confirmed by hand.
    pub max_age_hours: u64,
}

impl std::fmt::Debug for BankTransferConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankTransferConfig")
            .field("bank_bin", &self.bank_bin)
            .field("account_no", &self.account_no)
            .field("account_name", &self.account_name)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("checkout_ttl_minutes", &self.checkout_ttl_minutes)
            .field("max_age_hours", &self.max_age_hours)
            .finish()
    }
}

impl BankTransferConfig {
    /// The notification secrets, in order.
    pub fn webhook_secrets(&self) -> Vec<String> {
        secret_list(self.webhook_secret.as_deref())
    }
}

/// `[payments]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct PaymentsConfig {
    /// Minutes a card checkout may stay unpaid.
    pub checkout_ttl_minutes: u64,
    /// Seconds between sweeps (expiry, refund retries).
    pub sweep_interval_secs: u64,
    /// Run the sweep inside `serve`.
    pub worker: bool,
}

/// `[http]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Longest a request may take, in seconds.
    pub request_timeout_secs: u64,
    /// Largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// Origins allowed by CORS; `*` for any.
    #[serde(deserialize_with = "text_list")]
    pub cors_origins: Vec<String>,
    /// Whether to take the client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Seconds in-flight requests get at shutdown.
    pub shutdown_grace_secs: u64,
    /// How long browsers and shared caches may keep a public read, in seconds
    /// (`Cache-Control: public, max-age=N`); 0 to 86400.
    pub public_max_age_secs: u32,
    /// Seconds a client has to send a request's headers.
    pub header_read_timeout_secs: u64,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Connections the kernel queues before they are accepted.
    pub listen_backlog: u32,
    /// A second address for `/metrics`, `/healthz` and `/readyz`; `/metrics` then leaves the
    /// main listener.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub ops_listen: Option<SocketAddr>,
}

/// `[data]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Directory of the embedded database and index.
    pub dir: PathBuf,
}

/// `[database]`
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Database URL; `None` means an SQLite file in `data.dir`.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub url: Option<String>,
    /// PostgreSQL password (environment only), put into `url` percent-encoded, so any
    /// character works; the URL then names no password.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub password: Option<String>,
    /// Pool size.
    pub max_connections: u32,
    /// Whether `serve` migrates at start.
    pub migrate_on_start: bool,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &self.url.as_deref().map(crate::serve::redact))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("max_connections", &self.max_connections)
            .field("migrate_on_start", &self.migrate_on_start)
            .finish()
    }
}

/// `[search]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Meilisearch URL; `None` means the embedded engine.
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub meili_url: Option<String>,
    /// Meilisearch API key (environment only).
    #[serde(default, deserialize_with = "blank_is_unset")]
    pub meili_key: Option<String>,
    /// Prefix of index names.
    pub index_prefix: String,
    /// Run the indexer inside `serve`.
    pub worker: bool,
    /// Synonym table file; empty for the built-in one.
    pub synonyms_file: PathBuf,
}

/// `[catalog]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    /// Region file; empty for the built-in one.
    pub regions_file: PathBuf,
}

/// `[shipping]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ShippingConfig {
    /// Rate table file; empty for the built-in one.
    pub rates_file: PathBuf,
}

/// `[demo]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// Seed an empty database on `serve`.
    pub seed: bool,
}

/// `[auth]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Token lifetime in hours.
    pub session_ttl_hours: u64,
}

/// `[rate_limit]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Login attempts per client address per minute.
    pub login_per_ip_per_minute: u32,
    /// Login attempts per email per minute.
    pub login_per_email_per_minute: u32,
    /// Registrations per client address per minute.
    pub register_per_ip_per_minute: u32,
}

/// `[log]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Output format.
    pub format: LogFormat,
    /// tracing `EnvFilter` directives.
    pub filter: String,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// An optional setting: a blank value (what compose passes for an unset variable,
/// `${VAR:-}`) leaves it unset; any other is read as the setting's type.
fn blank_is_unset<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match Option::<String>::deserialize(deserializer)? {
        Some(text) if !text.trim().is_empty() => text
            .parse()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("{text:?}: {e}"))),
        _ => Ok(None),
    }
}

/// A list of texts: an array in a file, or one text in the environment, written `["a", "b"]`,
/// `[a, b]` or `a,b`; blank items are dropped, so an empty value is an empty list.
fn text_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    struct Items;
    impl<'de> serde::de::Visitor<'de> for Items {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of texts")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            let text = text.trim();
            let inner = text
                .strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .unwrap_or(text);
            Ok(inner
                .split(',')
                .map(|item| {
                    let item = item.trim();
                    item.strip_prefix('"')
                        .and_then(|i| i.strip_suffix('"'))
                        .unwrap_or(item)
                })
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect())
        }
    }
    deserializer.deserialize_any(Items)
}

impl Config {
    /// Loads defaults, then `file` (if any), then the environment, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, std::env::vars_os())
    }

    /// [`Config::load`] with the environment given as variables.
    fn load_with_env<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError> {
        Self::from_figment(Self::layers(file, vars)?)
    }

    /// The layers, each over the one before: the built-in defaults, `file`, the environment.
    fn layers<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        Ok(figment.merge(env::EnvVars::new(vars)))
    }

    /// Extracts and validates a configuration from any figment (tests build their own).
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config = Self::read(&figment)?;
        config.validate()?;
        Ok(config)
    }

    /// The typed settings of `figment`, secrets checked for where they came from, but values
    /// not yet checked against their ranges.
    fn read(figment: &Figment) -> Result<Self, ConfigError> {
        for key in SECRET_KEYS {
            if let Some(meta) = figment.find_metadata(key)
                && !meta.name.contains("environment")
            {
                return Err(ConfigError::Invalid {
                    key,
                    message: format!(
                        "is a secret: set it in the environment ({ENV_PREFIX}{}), not in {}",
                        key.to_uppercase().replace('.', "__"),
                        meta.source
                            .as_ref()
                            .map_or_else(|| meta.name.to_string(), |s| s.to_string())
                    ),
                });
            }
        }
        // The environment gives every value as text: a number or a boolean is read from the
        // text where the setting is one (`extract` would refuse "20" for a pool size), and a
        // text setting takes the text as it is.
        figment.extract_lossy().map_err(describe)
    }

    /// The built-in defaults with `toml` merged over them, validated.
    pub fn with_overrides(toml: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::from(Toml::string(DEFAULT_TOML)).merge(Toml::string(toml)))
    }

    /// The province's communes: the configured file, or the built-in list.
    pub fn regions(&self) -> Result<catalog::Regions, ConfigError> {
        if self.catalog.regions_file.as_os_str().is_empty() {
            return Ok(catalog::Regions::builtin());
        }
        let path = &self.catalog.regions_file;
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
            key: "catalog.regions_file",
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        catalog::Regions::from_toml(&text).map_err(|e| ConfigError::Invalid {
            key: "catalog.regions_file",
            message: format!("{}: {e}", path.display()),
        })
    }

    /// The regional synonyms search applies: the configured file, or the built-in one.
    pub fn synonyms(&self) -> Result<search::synonyms::Synonyms, ConfigError> {
        if self.search.synonyms_file.as_os_str().is_empty() {
            return Ok(search::synonyms::Synonyms::builtin());
        }
        let path = &self.search.synonyms_file;
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
            key: "search.synonyms_file",
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        search::synonyms::Synonyms::from_toml(&text).map_err(|e| ConfigError::Invalid {
            key: "search.synonyms_file",
            message: format!("{}: {e}", path.display()),
        })
    }

    /// The delivery rate table: the configured file, or the built-in one.
    pub fn shipping_rates(&self) -> Result<order::shipping::ShippingRates, ConfigError> {
        if self.shipping.rates_file.as_os_str().is_empty() {
            return Ok(order::shipping::ShippingRates::builtin());
        }
        let path = &self.shipping.rates_file;
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
            key: "shipping.rates_file",
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        order::shipping::ShippingRates::from_toml(&text).map_err(|e| ConfigError::Invalid {
            key: "shipping.rates_file",
            message: format!("{}: {e}", path.display()),
        })
    }

    /// The search engine this configuration names: Meilisearch when `search.meili_url` is set,
    /// otherwise the embedded index under `data.dir/search`.
    pub fn search_engine(
        &self,
    ) -> Result<std::sync::Arc<dyn search::SearchEngine>, search::EngineError> {
        let synonyms = self
            .synonyms()
            .map_err(|e| search::EngineError::Internal(e.to_string()))?;
        Ok(match &self.search.meili_url {
            Some(url) => std::sync::Arc::new(
                search::meili::Meili::new(
                    url,
                    self.search.meili_key.as_deref(),
                    &self.search.index_prefix,
                )?
                .with_synonyms(synonyms),
            ),
            None => std::sync::Arc::new(
                search::embedded::Embedded::open(self.data.dir.join("search"))?
                    .with_synonyms(synonyms),
            ),
        })
    }

    /// The card payment provider, when Stripe keys are configured.
    pub fn card_provider(
        &self,
    ) -> Result<Option<std::sync::Arc<dyn order::provider::PaymentProvider>>, ConfigError> {
        let Some(key) = &self.stripe.secret_key else {
            return Ok(None);
        };
        let stripe = order::provider::stripe::Stripe::new(key, self.stripe.api_base.as_deref())
            .map_err(|e| ConfigError::Invalid {
                key: "stripe.api_base",
                message: e.to_string(),
            })?;
        Ok(Some(std::sync::Arc::new(stripe)))
    }

    /// The bank-transfer provider when the receiving account is configured (all of bank BIN,
    /// a bank the list knows, account number and holder, and a notification secret).
    pub fn bank_provider(
        &self,
    ) -> Result<Option<std::sync::Arc<dyn order::provider::PaymentProvider>>, ConfigError> {
        let b = &self.bank_transfer;
        let (Some(bin), Some(account_no), Some(account_name)) =
            (&b.bank_bin, &b.account_no, &b.account_name)
        else {
            if b.bank_bin.is_some() || b.account_no.is_some() || b.account_name.is_some() {
                return Err(ConfigError::Invalid {
                    key: "bank_transfer.bank_bin",
                    message: "bank_bin, account_no and account_name go together".into(),
                });
            }
            return Ok(None);
        };
        let bank =
            vietqr::Banks::builtin()
                .get(bin)
                .cloned()
                .ok_or_else(|| ConfigError::Invalid {
                    key: "bank_transfer.bank_bin",
                    message: format!("{bin} is not a bank BIN of config/banks.toml"),
                })?;
        if b.webhook_secrets().is_empty() {
            return Err(ConfigError::Invalid {
                key: "bank_transfer.webhook_secret",
                message:
                    "is required with a receiving account, or transfers could never be matched"
                        .into(),
            });
        }
        // The payload checks the account number's form.
        vietqr::encode(&vietqr::Transfer {
            bank_bin: bin,
            account_no,
            amount: None,
            purpose: None,
            service: vietqr::Service::Account,
        })
        .map_err(|e| ConfigError::Invalid {
            key: "bank_transfer.account_no",
            message: e.to_string(),
        })?;
        Ok(Some(std::sync::Arc::new(
            order::provider::vietqr::BankTransfer {
                bank_bin: bin.clone(),
                bank_name: bank.short_name,
                account_no: account_no.clone(),
                account_name: account_name.clone(),
            },
        )))
    }

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

    fn validate(&self) -> Result<(), ConfigError> {
        fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
            ConfigError::Invalid {
                key,
                message: message.into(),
            }
        }
        let h = &self.http;
        if !(1..=600).contains(&h.request_timeout_secs) {
            return Err(invalid("http.request_timeout_secs", "must be 1 to 600"));
        }
        if !(1024..=64 * 1024 * 1024).contains(&h.body_limit_bytes) {
            return Err(invalid(
                "http.body_limit_bytes",
                "must be 1024 to 67108864 (64 MiB)",
            ));
        }
        if h.public_max_age_secs > 86_400 {
            return Err(invalid("http.public_max_age_secs", "must be 0 to 86400"));
        }
        if h.shutdown_grace_secs > 600 {
            return Err(invalid("http.shutdown_grace_secs", "must be 0 to 600"));
        }
        if !(1..=300).contains(&h.header_read_timeout_secs) {
            return Err(invalid("http.header_read_timeout_secs", "must be 1 to 300"));
        }
        if !(1..=1_000_000).contains(&h.max_connections) {
            return Err(invalid("http.max_connections", "must be 1 to 1000000"));
        }
        if !(16..=65_535).contains(&h.listen_backlog) {
            return Err(invalid("http.listen_backlog", "must be 16 to 65535"));
        }
        if h.ops_listen == Some(h.listen) {
            return Err(invalid(
                "http.ops_listen",
                "must differ from http.listen (leave it unset to serve /metrics there)",
            ));
        }
        for origin in &h.cors_origins {
            let ok = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.trim_end_matches('/').contains(|c: char| {
                        c.is_whitespace() || c.is_control() || c == '?' || c == '#'
                    }));
            if !ok {
                return Err(invalid(
                    "http.cors_origins",
                    format!("{origin:?} is not an origin such as https://cho.example.vn"),
                ));
            }
        }
        let st = &self.stripe;
        if st.secret_key.is_some() && st.webhook_secrets().is_empty() {
            return Err(invalid(
                "stripe.webhook_secret",
                "is required when stripe.secret_key is set (payments would never be confirmed)",
            ));
        }
        if let Some(base) = &st.api_base
            && !(base.starts_with("https://") || base.starts_with("http://"))
        {
            return Err(invalid(
                "stripe.api_base",
                format!("{base:?} is not an http(s) URL"),
            ));
        }
        let p = &self.payments;
        if !(1..=1440).contains(&p.checkout_ttl_minutes) {
            return Err(invalid(
                "payments.checkout_ttl_minutes",
                "must be 1 to 1440",
            ));
        }
        if !(1..=720).contains(&self.bank_transfer.max_age_hours) {
            return Err(invalid("bank_transfer.max_age_hours", "must be 1 to 720"));
        }
        if let Some(url) = &self.redis.url
            && !url.starts_with("redis://")
        {
            return Err(invalid("redis.url", "must be a redis:// URL"));
        }
        let prefix = &self.redis.key_prefix;
        if prefix.is_empty()
            || prefix.len() > 64
            || !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(invalid(
                "redis.key_prefix",
                "must be 1 to 64 letters, digits, '-', '_' or '.'",
            ));
        }
        if !(10..=5000).contains(&self.redis.timeout_ms) {
            return Err(invalid("redis.timeout_ms", "must be 10 to 5000"));
        }
        if !(100..=600_000).contains(&self.redis.cool_down_ms) {
            return Err(invalid("redis.cool_down_ms", "must be 100 to 600000"));
        }
        let n = &self.notify;
        if !(n.app_url.starts_with("https://") || n.app_url.starts_with("http://")) {
            return Err(invalid("notify.app_url", "must be an http(s) URL"));
        }
        if !(1..=1440).contains(&n.reset_minutes) {
            return Err(invalid("notify.reset_minutes", "must be 1 to 1440"));
        }
        if !(1..=720).contains(&n.verify_hours) {
            return Err(invalid("notify.verify_hours", "must be 1 to 720"));
        }
        if !(10..=60_000).contains(&n.poll_ms) {
            return Err(invalid("notify.poll_ms", "must be 10 to 60000"));
        }
        if !(10..=3_600_000).contains(&n.retry_base_ms) {
            return Err(invalid("notify.retry_base_ms", "must be 10 to 3600000"));
        }
        if !(1..=100).contains(&n.max_webhook_attempts) {
            return Err(invalid("notify.max_webhook_attempts", "must be 1 to 100"));
        }
        if !(1..=120).contains(&n.webhook_timeout_secs) {
            return Err(invalid("notify.webhook_timeout_secs", "must be 1 to 120"));
        }
        if n.reset_per_ip_per_minute == 0 || n.reset_per_email_per_minute == 0 {
            return Err(invalid(
                "notify.reset_per_ip_per_minute",
                "reset limits must be at least 1",
            ));
        }
        n.email_channel()?;
        let l = &self.ledger;
        if l.holding_days > 90 {
            return Err(invalid("ledger.holding_days", "must be 0 to 90"));
        }
        if l.cooling_off_hours > 720 {
            return Err(invalid("ledger.cooling_off_hours", "must be 0 to 720"));
        }
        if !(1..=1_000_000_000).contains(&l.payout_minimum) {
            return Err(invalid(
                "ledger.payout_minimum",
                "must be 1 to 1000000000 đồng",
            ));
        }
        if !(1..=1000).contains(&l.max_concurrent_exports) {
            return Err(invalid(
                "ledger.max_concurrent_exports",
                "must be 1 to 1000",
            ));
        }
        if l.export_wait_secs > 60 {
            return Err(invalid("ledger.export_wait_secs", "must be 0 to 60"));
        }
        if !(1..=3600).contains(&p.sweep_interval_secs) {
            return Err(invalid("payments.sweep_interval_secs", "must be 1 to 3600"));
        }
        if let Some(url) = &self.database.url {
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|p| url.starts_with(p)) {
                return Err(invalid(
                    "database.url",
                    "must start with sqlite:, postgres:// or postgresql://",
                ));
            }
        }
        if let Some(url) = &self.search.meili_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(invalid(
                "search.meili_url",
                "must be an http:// or https:// URL",
            ));
        }
        if !self
            .search
            .index_prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            || self.search.index_prefix.len() > 64
        {
            return Err(invalid(
                "search.index_prefix",
                "may hold only lower-case letters, digits, - and _ (at most 64)",
            ));
        }
        self.synonyms()?;
        if !(1..=1000).contains(&self.database.max_connections) {
            return Err(invalid("database.max_connections", "must be 1 to 1000"));
        }
        if !(1..=8760).contains(&self.auth.session_ttl_hours) {
            return Err(invalid("auth.session_ttl_hours", "must be 1 to 8760"));
        }
        let r = &self.rate_limit;
        for (key, value) in [
            (
                "rate_limit.login_per_ip_per_minute",
                r.login_per_ip_per_minute,
            ),
            (
                "rate_limit.login_per_email_per_minute",
                r.login_per_email_per_minute,
            ),
            (
                "rate_limit.register_per_ip_per_minute",
                r.register_per_ip_per_minute,
            ),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        self.regions()?;
        self.bank_provider()?;
        self.shipping_rates()?;
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.filter) {
            return Err(invalid("log.filter", e.to_string()));
        }
        Ok(())
    }
}

/// One line per problem, each naming the dotted key and where the value came from.
/// `url` (`postgres://user@host/db`) with `password` percent-encoded into it.
fn with_password(url: &str, password: &str) -> String {
    let encoded =
        percent_encoding::utf8_percent_encode(password, percent_encoding::NON_ALPHANUMERIC);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            // The user ends at the first '@' before the host (an existing password is replaced).
            let (authority, tail) = rest
                .split_once('/')
                .map_or((rest, None), |(a, t)| (a, Some(t)));
            let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            let tail = tail.map(|t| format!("/{t}")).unwrap_or_default();
            format!("{scheme}://{user}:{encoded}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// The environment variable an error at `key` came from, named whole: for an unknown field,
/// the variable(s) that spell it (`MARKETPLACE_FOO__BAR` for an unknown section `foo`).
fn env_variable(key: &str, kind: &figment::error::Kind) -> String {
    let name = format!("{ENV_PREFIX}{}", key.to_uppercase().replace('.', "__"));
    if matches!(kind, figment::error::Kind::UnknownField(..)) {
        let nested = format!("{name}__");
        let set: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| {
                let k = k.to_uppercase();
                k == name || k.starts_with(&nested)
            })
            .collect();
        if !set.is_empty() {
            return set.join(", ");
        }
    }
    name
}

fn describe(errors: figment::Error) -> ConfigError {
    let lines: Vec<String> = errors
        .into_iter()
        .map(|e| {
            let key = e.path.join(".").to_lowercase();
            let source = match &e.metadata {
                Some(m) if m.name.contains("environment") => {
                    format!(" (from {})", env_variable(&key, &e.kind))
                }
                Some(m) => format!(
                    " (from {})",
                    m.source
                        .as_ref()
                        .map_or_else(|| m.name.to_string(), |s| s.to_string())
                ),
                None => String::new(),
            };
            if key.is_empty() {
                format!("configuration: {}{source}", e.kind)
            } else {
                format!("configuration key `{key}`: {}{source}", e.kind)
            }
        })
        .collect();
    ConfigError::Load(lines.join("\n"))
}

#[cfg(test)]
mod tests {
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
        assert!(c.validate().is_ok());
        assert!(c.card_provider().unwrap().is_some());
        assert!(
            !format!("{c:?}").contains("sk_test_x"),
            "secrets never print"
        );
        c.stripe.webhook_secret = None;
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("stripe.webhook_secret"), "{e}");
        let e = Config::with_overrides("[stripe]\napi_base = \"localhost:12111\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("stripe.api_base"), "{e}");
        assert_eq!(
            with_password("postgres://marketplace@db:5432/marketplace", "p@ss:w/rd#1"),
            "postgres://marketplace:p%40ss%3Aw%2Frd%231@db:5432/marketplace"
        );
        assert_eq!(
            with_password("postgres://u:old@db/m?sslmode=disable", "n"),
            "postgres://u:n@db/m?sslmode=disable"
        );
        let e = Config::with_overrides("[payments]\ncheckout_ttl_minutes = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("payments.checkout_ttl_minutes"), "{e}");
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
