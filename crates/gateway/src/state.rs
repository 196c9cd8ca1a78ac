//! What every handler can reach: the database pool, the domain services and the configuration,
//! made from the pieces the configuration built ([`crate::config::Built`]).

use std::sync::Arc;

use accounts::Accounts;
use catalog::Catalog;
use sea_orm::DatabaseConnection;

use crate::{
    config::{Built, Config},
    metrics::Metrics,
    rate_limit::{Limits, RateLimiter, SharedStore},
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
    /// Complaints, returns and refunds of delivered orders.
    pub cases: order::Cases,
    /// The vendors' money.
    pub ledger: ledger::Ledger,
    /// Sellers' identities and their check (by administrators).
    pub identities: compliance::Identities,
    /// Stalls' business documents and their check (by administrators).
    pub documents: compliance::Documents,
    /// Vouchers of the platform and of stalls.
    pub vouchers: promotions::Vouchers,
    /// The published policies and what users accepted of them.
    pub policies: compliance::Policies,
    /// Reports of listings, authority requests and takedowns.
    pub reports: compliance::reports::Reports,
    /// Uploaded photos.
    pub media: media::Media,
    /// Buyers' reviews, replies, reports of reviews.
    pub reviews: reviews::Reviews,
    /// Webhooks, expiry of unpaid checkouts, refunds.
    pub payments: order::Payments,
    /// The mail server, when one is configured (for the delivery worker).
    pub email: Option<Arc<dyn notify::channel::Channel>>,
    /// The figures of the background jobs this process runs (none until its runner starts).
    pub jobs: jobs::Monitor,
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Checkouts' live payment streams on this instance.
    pub live: Arc<crate::live::Live>,
    /// The stalls' parcel carriers and their accounts there.
    pub stall_carriers: carriers::StallCarriers,
}

/// `checkouts` taking cards and bank transfers where configured, each with its time to pay.
fn checkouts(catalog: &Catalog, built: &Built, quoting: order::CarrierQuoting) -> order::Checkouts {
    let mut checkouts = order::Checkouts::new(catalog.clone())
        .with_rates(built.rates.clone())
        .with_carriers(quoting);
    if let Some(card) = &built.card {
        checkouts = checkouts.with_card(card.clone(), built.card_checkout_ttl);
    }
    if let Some(bank) = &built.bank {
        checkouts = checkouts.with_bank_transfer(bank.clone(), built.bank_checkout_ttl);
    }
    checkouts
}

/// The stalls' carriers and the quoting of their parcels, from `[carriers]`.
fn carrier_services(
    config: &Config,
    built: &Built,
    catalog: &Catalog,
) -> (carriers::StallCarriers, order::CarrierQuoting) {
    let stall_carriers = config.carriers.stall_carriers(
        catalog.clone(),
        built.carriers.clone(),
        built.carrier_sealer.clone(),
    );
    let quoting = order::CarrierQuoting::new(
        stall_carriers.clone(),
        config.carriers.quote_ttl(),
        config.carriers.quote_timeout(),
    );
    (stall_carriers, quoting)
}

impl AppState {
    /// State over the configuration, the pieces built from it ([`Config::build`]), an open
    /// database pool and a search engine.
    pub fn new(
        config: Config,
        built: Built,
        db: DatabaseConnection,
        engine: Arc<dyn search::SearchEngine>,
    ) -> Self {
        let metrics = Metrics::new();
        let limits = limits(&config, &metrics);
        let notifier = notify::Notifier::default();
        let document_rules = compliance::documents::DocumentRules::builtin();
        let media = media::Media::new(built.media_store.clone(), config.media.settings());
        let photos = Arc::new(StallPhotos {
            media: media.clone(),
            db: db.clone(),
        });
        let catalog = Catalog::new(built.regions.clone())
            .with_photos(photos)
            .with_notifier(notifier.clone())
            .with_document_requirements(document_rules.requirements())
            .with_sale_rules(config.promotions.sale_rules());
        let (stall_carriers, quoting) = carrier_services(&config, &built, &catalog);
        let checkouts = checkouts(&catalog, &built, quoting.clone());
        let ledger = ledger_of(&config, &catalog);
        let mut orders = order::Orders::new(catalog.clone())
            .with_ledger(ledger.clone())
            .with_shipments(order::shipments::Desk::new(
                stall_carriers.clone(),
                config.carriers.poll_after(),
            ));
        let mut cases = order::Cases::new(catalog.clone(), ledger.clone(), config.cases.settings());
        if let Some(card) = &built.card {
            orders = orders.with_card(card.clone());
            cases = cases.with_card(card.clone());
        }
        let payments = order::Payments::new(built.card, config.stripe.webhook_secrets())
            .with_bank_secrets(config.bank_transfer.webhook_secrets())
            .with_bank_max_age(built.bank_max_age);
        let accounts =
            Accounts::new(built.session_ttl).with_notifications(notifier, config.notify.links());
        let reviews = reviews::Reviews::new(
            catalog.clone(),
            accounts.clone(),
            media.clone(),
            config.reviews.settings(),
        );
        Self {
            db,
            policies: compliance::Policies::new(accounts.clone()),
            reports: compliance::reports::Reports::new(catalog.clone(), accounts.clone()),
            accounts,
            carts: order::Carts::new(catalog.clone())
                .with_rates(built.rates)
                .with_carriers(quoting)
                .with_guest_ttl_days(config.cart.guest_ttl_days),
            addresses: order::Addresses::new(),
            checkouts,
            payments,
            orders,
            cases,
            ledger,
            identities: compliance::Identities::new(catalog.clone()),
            documents: compliance::Documents::new(catalog.clone(), document_rules),
            vouchers: promotions::Vouchers::new(catalog.clone()),
            reviews,
            catalog,
            search: search::Search::new(engine),
            media,
            email: built.email,
            jobs: jobs::Monitor::new(),
            config: Arc::new(config),
            limits: Arc::new(limits),
            metrics: Arc::new(metrics),
            live: Arc::default(),
            stall_carriers,
        }
    }
}

/// The photos stalls hold, as the catalogue asks for those products name by id.
#[derive(Debug)]
struct StallPhotos {
    media: media::Media,
    db: DatabaseConnection,
}

#[async_trait::async_trait]
impl catalog::photos::Photos for StallPhotos {
    async fn held_by(
        &self,
        stall_id: uuid::Uuid,
        ids: &[uuid::Uuid],
    ) -> common::Result<std::collections::HashSet<uuid::Uuid>> {
        Ok(self.media.held_by(&self.db, stall_id, ids).await?)
    }
}

/// The rate limiters, shared through Redis when `redis.url` is set.
fn limits(config: &Config, metrics: &Metrics) -> Limits {
    let r = &config.rate_limit;
    // Redis is asked at each attempt, not here: a client that cannot be made leaves the limits
    // to this instance, as an outage would.
    let shared = config.redis.url.as_deref().and_then(|url| {
        SharedStore::connect(url, &config.redis, metrics.rate_limits())
            .map_err(|e| {
                tracing::error!(error = %e, "redis.url is unusable; rate limits are this instance's")
            })
            .ok()
    });
    let limiter = |name, per_minute| RateLimiter::named(name, per_minute, shared.clone());
    Limits {
        login_ip: limiter("login_ip", r.login_per_ip_per_minute),
        login_failures: limiter("login_failures", r.login_per_email_per_minute),
        register_ip: limiter("register_ip", r.register_per_ip_per_minute),
        reset_ip: limiter("reset_ip", config.notify.reset_per_ip_per_minute),
        reset_email: limiter("reset_email", config.notify.reset_per_email_per_minute),
        report_ip: RateLimiter::hourly("report_ip", r.reports_per_ip_per_hour, shared.clone()),
        report_user: RateLimiter::hourly(
            "report_user",
            r.reports_per_user_per_hour,
            shared.clone(),
        ),
        guest_cart_ip: RateLimiter::daily("guest_cart_ip", r.guest_carts_per_ip_per_day, shared),
    }
}

/// The ledger with its settings and Decree 117's.
fn ledger_of(config: &Config, catalog: &catalog::Catalog) -> ledger::Ledger {
    let settings = ledger::Settings {
        tax: config.tax.settings(),
        ..config.ledger.settings()
    };
    ledger::Ledger::new(settings, catalog.clone())
}
