//! The sections of the configuration, one type each, as `config/default.toml` lays them out;
//! secrets never print.

use std::{net::SocketAddr, path::PathBuf};

use serde::{Deserialize, Deserializer};

use super::{ConfigError, redact};

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
            .field("smtp_url", &self.smtp_url.as_deref().map(redact))
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
            tax: ledger::tax::TaxSettings::default(),
        }
    }
}

/// `[compliance]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ComplianceConfig {
    /// Days an approved stall whose seller identity is not verified may still sell, counted
    /// from when the sweep first finds it; then it is suspended until the identity is verified.
    pub identity_grace_days: u32,
    /// Whether this instance runs the hourly sweep of those grace periods.
    pub worker: bool,
}

/// `[retention]`: how long the personal data kept only as a log is kept.
#[derive(Clone, Copy, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days a session that ended (expired or signed out) is kept before it is deleted.
    pub sessions_days: u32,
    /// Days a client address is kept before it is cleared (at least 365: Decree 53/2022).
    pub client_addresses_days: u32,
}

impl RetentionConfig {
    /// The periods as the retention job takes them.
    pub fn periods(&self) -> crate::personal::retention::Periods {
        crate::personal::retention::Periods {
            sessions: chrono::Duration::days(i64::from(self.sessions_days)),
            client_addresses: chrono::Duration::days(i64::from(self.client_addresses_days)),
        }
    }
}

/// `[cases]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct CasesConfig {
    /// Days after delivery a buyer may open a case on an order (the returns policy's window).
    pub window_days: u32,
    /// Hours a stall has to answer a case before it goes to the administrators by itself.
    pub stall_response_hours: u32,
    /// Whether this instance runs the escalation of the cases whose stall did not answer.
    pub worker: bool,
}

impl CasesConfig {
    /// The cases' settings.
    pub fn settings(&self) -> order::cases::CaseSettings {
        order::cases::CaseSettings {
            window: chrono::Duration::days(i64::from(self.window_days)),
            stall_response: chrono::Duration::hours(i64::from(self.stall_response_hours)),
        }
    }
}

/// `[reviews]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ReviewsConfig {
    /// Days after writing it that the author may edit a review (0: never).
    pub edit_window_days: u32,
}

impl ReviewsConfig {
    /// The reviews' settings.
    pub fn settings(&self) -> reviews::ReviewSettings {
        reviews::ReviewSettings {
            edit_window_days: self.edit_window_days,
        }
    }
}

/// `[promotions]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct PromotionsConfig {
    /// The longest window of one sale price, in days.
    pub max_sale_days: u32,
}

impl PromotionsConfig {
    /// What a stall may set on a sale.
    pub fn sale_rules(&self) -> catalog::sale::SaleRules {
        catalog::sale::SaleRules {
            max_days: self.max_sale_days,
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
    /// Milliseconds between a checkout event stream's re-reads of the database (how soon a
    /// change another instance made reaches it).
    pub events_poll_millis: u64,
    /// Seconds between the keep-alive comments of an idle event stream.
    pub events_keep_alive_secs: u64,
    /// Event streams one user may hold open at once; one more is refused with 429.
    pub events_max_streams: usize,
    /// Minutes an event stream lives at most (it ends sooner when the checkout is settled or
    /// its payment deadline has passed).
    pub events_max_minutes: u64,
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
            .field("url", &self.url.as_deref().map(redact))
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
    /// Reports of listings per client address per hour.
    pub reports_per_ip_per_hour: u32,
    /// Reports of listings per signed-in user per hour, whatever the address.
    pub reports_per_user_per_hour: u32,
    /// Guest carts one client address may start per day.
    pub guest_carts_per_ip_per_day: u32,
}

/// `[cart]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct CartConfig {
    /// Days a guest cart lives after its last change.
    pub guest_ttl_days: u32,
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
pub(super) fn blank_is_unset<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
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
