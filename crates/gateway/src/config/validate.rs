//! The ranges and forms of the settings, one function per section, each error naming its key.
//! What must be read or built to be checked (files, providers, the mail server) is checked by
//! building it ([`Config::build`]).

use super::{
    AuthConfig, BankTransferConfig, CartConfig, CasesConfig, ComplianceConfig, Config, ConfigError,
    DatabaseConfig, HttpConfig, LedgerConfig, LogConfig, NotifyConfig, PaymentsConfig,
    RateLimitConfig, RedisConfig, RetentionConfig, SearchConfig, StripeConfig,
};

impl Config {
    /// Checks every section's values against their ranges.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        http(&self.http)?;
        database(&self.database)?;
        search(&self.search)?;
        auth(&self.auth)?;
        rate_limit(&self.rate_limit)?;
        cart(&self.cart)?;
        stripe(&self.stripe)?;
        payments(&self.payments)?;
        bank_transfer(&self.bank_transfer)?;
        notify(&self.notify)?;
        ledger(&self.ledger)?;
        self.tax.validate()?;
        compliance(&self.compliance)?;
        cases(&self.cases)?;
        self.carriers.validate()?;
        within(
            "reviews.edit_window_days",
            self.reviews.edit_window_days,
            0..=365,
            "must be 0 to 365",
        )?;
        within(
            "promotions.max_sale_days",
            self.promotions.max_sale_days,
            1..=366,
            "must be 1 to 366",
        )?;
        retention(&self.retention)?;
        redis(&self.redis)?;
        self.media.validate()?;
        log(&self.log)
    }
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

/// `Err` naming `key` unless `value` lies in `range`; `message` says the range.
fn within<T: PartialOrd>(
    key: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
    message: &str,
) -> Result<(), ConfigError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(invalid(key, message))
    }
}

/// `[http]`
fn http(h: &HttpConfig) -> Result<(), ConfigError> {
    within(
        "http.request_timeout_secs",
        h.request_timeout_secs,
        1..=600,
        "must be 1 to 600",
    )?;
    within(
        "http.body_limit_bytes",
        h.body_limit_bytes,
        1024..=64 * 1024 * 1024,
        "must be 1024 to 67108864 (64 MiB)",
    )?;
    within(
        "http.public_max_age_secs",
        h.public_max_age_secs,
        0..=86_400,
        "must be 0 to 86400",
    )?;
    within(
        "http.shutdown_grace_secs",
        h.shutdown_grace_secs,
        0..=600,
        "must be 0 to 600",
    )?;
    within(
        "http.header_read_timeout_secs",
        h.header_read_timeout_secs,
        1..=300,
        "must be 1 to 300",
    )?;
    within(
        "http.max_connections",
        h.max_connections,
        1..=1_000_000,
        "must be 1 to 1000000",
    )?;
    within(
        "http.listen_backlog",
        h.listen_backlog,
        16..=65_535,
        "must be 16 to 65535",
    )?;
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
    Ok(())
}

/// `[database]`
fn database(d: &DatabaseConfig) -> Result<(), ConfigError> {
    if let Some(url) = &d.url {
        let known = ["sqlite:", "postgres://", "postgresql://"];
        if !known.iter().any(|p| url.starts_with(p)) {
            return Err(invalid(
                "database.url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
    }
    within(
        "database.max_connections",
        d.max_connections,
        1..=1000,
        "must be 1 to 1000",
    )
}

/// `[search]` (the synonym file is read when the configuration is built).
fn search(s: &SearchConfig) -> Result<(), ConfigError> {
    if let Some(url) = &s.meili_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(invalid(
            "search.meili_url",
            "must be an http:// or https:// URL",
        ));
    }
    if !s
        .index_prefix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        || s.index_prefix.len() > 64
    {
        return Err(invalid(
            "search.index_prefix",
            "may hold only lower-case letters, digits, - and _ (at most 64)",
        ));
    }
    Ok(())
}

/// `[auth]`
fn auth(a: &AuthConfig) -> Result<(), ConfigError> {
    within(
        "auth.session_ttl_hours",
        a.session_ttl_hours,
        1..=8760,
        "must be 1 to 8760",
    )
}

/// `[rate_limit]`
fn rate_limit(r: &RateLimitConfig) -> Result<(), ConfigError> {
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
        (
            "rate_limit.reports_per_ip_per_hour",
            r.reports_per_ip_per_hour,
        ),
        (
            "rate_limit.reports_per_user_per_hour",
            r.reports_per_user_per_hour,
        ),
        (
            "rate_limit.guest_carts_per_ip_per_day",
            r.guest_carts_per_ip_per_day,
        ),
    ] {
        if value == 0 {
            return Err(invalid(key, "must be at least 1"));
        }
    }
    Ok(())
}

/// `[stripe]` (the client is made when the configuration is built).
fn stripe(st: &StripeConfig) -> Result<(), ConfigError> {
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
    Ok(())
}

/// `[payments]`
fn payments(p: &PaymentsConfig) -> Result<(), ConfigError> {
    within(
        "payments.checkout_ttl_minutes",
        p.checkout_ttl_minutes,
        1..=1440,
        "must be 1 to 1440",
    )?;
    within(
        "payments.sweep_interval_secs",
        p.sweep_interval_secs,
        1..=3600,
        "must be 1 to 3600",
    )?;
    within(
        "payments.events_poll_millis",
        p.events_poll_millis,
        100..=60_000,
        "must be 100 to 60000",
    )?;
    within(
        "payments.events_keep_alive_secs",
        p.events_keep_alive_secs,
        1..=300,
        "must be 1 to 300",
    )?;
    within(
        "payments.events_max_streams",
        p.events_max_streams,
        1..=100,
        "must be 1 to 100",
    )?;
    within(
        "payments.events_max_minutes",
        p.events_max_minutes,
        1..=1440,
        "must be 1 to 1440",
    )
}

/// `[bank_transfer]` (the receiving account is checked when the configuration is built).
fn bank_transfer(b: &BankTransferConfig) -> Result<(), ConfigError> {
    within(
        "bank_transfer.max_age_hours",
        b.max_age_hours,
        1..=720,
        "must be 1 to 720",
    )
}

/// `[notify]` (the mail server is checked when the configuration is built).
fn notify(n: &NotifyConfig) -> Result<(), ConfigError> {
    if !(n.app_url.starts_with("https://") || n.app_url.starts_with("http://")) {
        return Err(invalid("notify.app_url", "must be an http(s) URL"));
    }
    within(
        "notify.reset_minutes",
        n.reset_minutes,
        1..=1440,
        "must be 1 to 1440",
    )?;
    within(
        "notify.verify_hours",
        n.verify_hours,
        1..=720,
        "must be 1 to 720",
    )?;
    within(
        "notify.poll_ms",
        n.poll_ms,
        10..=60_000,
        "must be 10 to 60000",
    )?;
    within(
        "notify.retry_base_ms",
        n.retry_base_ms,
        10..=3_600_000,
        "must be 10 to 3600000",
    )?;
    within(
        "notify.max_webhook_attempts",
        n.max_webhook_attempts,
        1..=100,
        "must be 1 to 100",
    )?;
    within(
        "notify.webhook_timeout_secs",
        n.webhook_timeout_secs,
        1..=120,
        "must be 1 to 120",
    )?;
    if n.reset_per_ip_per_minute == 0 || n.reset_per_email_per_minute == 0 {
        return Err(invalid(
            "notify.reset_per_ip_per_minute",
            "reset limits must be at least 1",
        ));
    }
    Ok(())
}

/// `[ledger]`
fn ledger(l: &LedgerConfig) -> Result<(), ConfigError> {
    within(
        "ledger.holding_days",
        l.holding_days,
        0..=90,
        "must be 0 to 90",
    )?;
    within(
        "ledger.cooling_off_hours",
        l.cooling_off_hours,
        0..=720,
        "must be 0 to 720",
    )?;
    within(
        "ledger.payout_minimum",
        l.payout_minimum,
        1..=1_000_000_000,
        "must be 1 to 1000000000 đồng",
    )?;
    within(
        "ledger.max_concurrent_exports",
        l.max_concurrent_exports,
        1..=1000,
        "must be 1 to 1000",
    )?;
    within(
        "ledger.export_wait_secs",
        l.export_wait_secs,
        0..=60,
        "must be 0 to 60",
    )
}

/// `[compliance]`
fn compliance(c: &ComplianceConfig) -> Result<(), ConfigError> {
    within(
        "compliance.identity_grace_days",
        c.identity_grace_days,
        1..=365,
        "must be 1 to 365",
    )
}

/// `[retention]`: client addresses are kept at least the 12 months Decree 53/2022 asks of
/// system logs; nothing is kept longer than ten years.
fn retention(r: &RetentionConfig) -> Result<(), ConfigError> {
    within(
        "retention.sessions_days",
        r.sessions_days,
        1..=3650,
        "must be 1 to 3650",
    )?;
    within(
        "retention.client_addresses_days",
        r.client_addresses_days,
        365..=3650,
        "must be 365 to 3650: Decree 53/2022 has logs with client addresses kept at least 12 months",
    )
}

/// `[cart]`
fn cart(c: &CartConfig) -> Result<(), ConfigError> {
    within(
        "cart.guest_ttl_days",
        c.guest_ttl_days,
        1..=365,
        "must be 1 to 365",
    )
}

/// `[cases]`
fn cases(c: &CasesConfig) -> Result<(), ConfigError> {
    within(
        "cases.window_days",
        c.window_days,
        1..=90,
        "must be 1 to 90",
    )?;
    within(
        "cases.stall_response_hours",
        c.stall_response_hours,
        1..=720,
        "must be 1 to 720",
    )
}

/// `[redis]`
fn redis(r: &RedisConfig) -> Result<(), ConfigError> {
    if let Some(url) = &r.url
        && !url.starts_with("redis://")
    {
        return Err(invalid("redis.url", "must be a redis:// URL"));
    }
    let prefix = &r.key_prefix;
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
    within(
        "redis.timeout_ms",
        r.timeout_ms,
        10..=5000,
        "must be 10 to 5000",
    )?;
    within(
        "redis.cool_down_ms",
        r.cool_down_ms,
        100..=600_000,
        "must be 100 to 600000",
    )
}

/// `[log]`
fn log(l: &LogConfig) -> Result<(), ConfigError> {
    tracing_subscriber::EnvFilter::try_new(&l.filter)
        .map(drop)
        .map_err(|e| invalid("log.filter", e.to_string()))
}
