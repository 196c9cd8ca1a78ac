//! What every handler can reach: the database pool, the domain services and the configuration.

use std::sync::Arc;

use accounts::Accounts;
use catalog::Catalog;
use sea_orm::DatabaseConnection;

use crate::{
    config::Config,
    metrics::Metrics,
    rate_limit::{Limits, RateLimiter},
};

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Accounts service.
    pub accounts: Accounts,
    /// Catalogue service.
    pub catalog: Catalog,
    /// Search service.
    pub search: search::Search,
    /// Carts.
    pub carts: order::Carts,
    /// Buyers' address books.
    pub addresses: order::Addresses,
    /// Checkout.
    pub checkouts: order::Checkouts,
    /// Orders.
    pub orders: order::Orders,
    /// The vendors' money.
    pub ledger: ledger::Ledger,
    /// Webhooks, expiry of unpaid checkouts, refunds.
    pub payments: order::Payments,
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// State over an open database pool and a search engine.
    pub fn new(
        config: Config,
        db: DatabaseConnection,
        engine: std::sync::Arc<dyn search::SearchEngine>,
    ) -> Self {
        let ttl =
            chrono::Duration::hours(i64::try_from(config.auth.session_ttl_hours).unwrap_or(720));
        let r = &config.rate_limit;
        let metrics = Metrics::new();
        // Validated when the configuration was loaded.
        let shared = config.redis.url.as_deref().and_then(|url| {
            crate::rate_limit::SharedStore::connect(url, &config.redis, metrics.rate_limits())
                .map_err(|e| tracing::error!(error = %e, "redis.url is unusable; rate limits are this instance's"))
                .ok()
        });
        let limits = Limits {
            login_ip: RateLimiter::named("login_ip", r.login_per_ip_per_minute, shared.clone()),
            login_failures: RateLimiter::named(
                "login_failures",
                r.login_per_email_per_minute,
                shared.clone(),
            ),
            register_ip: RateLimiter::named(
                "register_ip",
                r.register_per_ip_per_minute,
                shared.clone(),
            ),
            reset_ip: RateLimiter::named(
                "reset_ip",
                config.notify.reset_per_ip_per_minute,
                shared.clone(),
            ),
            reset_email: RateLimiter::named(
                "reset_email",
                config.notify.reset_per_email_per_minute,
                shared,
            ),
        };
        // Validated when the configuration was loaded.
        let regions = config
            .regions()
            .unwrap_or_else(|_| catalog::Regions::builtin());
        let notifier = notify::Notifier::default();
        let catalog = Catalog::new(regions).with_notifier(notifier.clone());
        // Validated when the configuration was loaded, like the regions.
        let card = config.card_provider().unwrap_or_else(|e| {
            tracing::error!(error = %e, "card payments are off");
            None
        });
        // Validated when the configuration was loaded, like the regions.
        let rates = std::sync::Arc::new(
            config
                .shipping_rates()
                .unwrap_or_else(|_| order::shipping::ShippingRates::builtin()),
        );
        let mut checkouts = order::Checkouts::new(catalog.clone()).with_rates(rates.clone());
        if let Some(card) = &card {
            let minutes = i64::try_from(config.payments.checkout_ttl_minutes).unwrap_or(30);
            checkouts = checkouts.with_card(card.clone(), chrono::Duration::minutes(minutes));
        }
        // Validated when the configuration was loaded, like the regions.
        if let Ok(Some(bank)) = config.bank_provider() {
            let minutes = i64::try_from(config.bank_transfer.checkout_ttl_minutes).unwrap_or(60);
            checkouts = checkouts.with_bank_transfer(bank, chrono::Duration::minutes(minutes));
        }
        let ledger = ledger::Ledger::new(config.ledger.settings());
        let payments = order::Payments::new(card, config.stripe.webhook_secrets())
            .with_bank_secrets(config.bank_transfer.webhook_secrets())
            .with_bank_max_age(chrono::Duration::hours(
                i64::try_from(config.bank_transfer.max_age_hours).unwrap_or(72),
            ));
        Self {
            db,
            accounts: Accounts::new(ttl).with_notifications(notifier, config.notify.links()),
            carts: order::Carts::new(catalog.clone()).with_rates(rates),
            addresses: order::Addresses::new(),
            checkouts,
            payments,
            orders: order::Orders::new(catalog.clone()).with_ledger(ledger.clone()),
            ledger,
            catalog,
            search: search::Search::new(engine),
            config: Arc::new(config),
            limits: Arc::new(limits),
            metrics: Arc::new(metrics),
        }
    }
}
