//! Prometheus metrics: request counts and latencies by route template and status, served as
//! text at `/metrics`. Every label value comes from a fixed set: routes by their template
//! (`/api/v1/products/{id}`, else `unmatched`), methods from the standard ones (else `other`),
//! so no client can make the number of series grow.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransferLabels {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    channel: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReportLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    commit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OrderLabels {
    status: &'static str,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

/// What the operators' view shows besides requests: the process, the database pool, today's
/// orders.
struct Runtime {
    cpu: FloatGauge,
    resident: Gauge,
    open_fds: Gauge,
    pool: Family<StateLabels, Gauge>,
    pool_max: Gauge,
    orders_today: Family<OrderLabels, Gauge>,
}

impl Runtime {
    fn register(registry: &mut Registry) -> Self {
        let build = Family::<BuildLabels, Gauge>::default();
        registry.register(
            "build_info",
            "The running build: its version and git commit (always 1)",
            build.clone(),
        );
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                commit: env!("BUILD_GIT_COMMIT"),
            })
            .set(1);
        let r = Self {
            cpu: FloatGauge::default(),
            resident: Gauge::default(),
            open_fds: Gauge::default(),
            pool: Family::default(),
            pool_max: Gauge::default(),
            orders_today: Family::default(),
        };
        registry.register(
            "process_cpu_seconds",
            "CPU time this process has used (user and system)",
            r.cpu.clone(),
        );
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory of this process",
            r.resident.clone(),
        );
        registry.register(
            "process_open_fds",
            "File descriptors this process holds open (sockets included)",
            r.open_fds.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database connections in the pool, by state (in_use, idle)",
            r.pool.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "The pool's size limit (database.max_connections)",
            r.pool_max.clone(),
        );
        registry.register(
            "orders_today",
            "Orders placed since midnight in Vietnam, by their status now",
            r.orders_today.clone(),
        );
        r
    }
}

/// The rate limiters' metrics, held by the Redis store that updates them.
#[derive(Clone, Debug, Default)]
pub struct RateLimitMetrics {
    /// Attempts decided in this instance's memory because Redis failed or was being skipped.
    pub fallbacks: Counter,
    /// 1 while the limits are shared through Redis.
    pub shared: Gauge,
}

impl RateLimitMetrics {
    fn register(registry: &mut Registry) -> Self {
        let r = Self::default();
        registry.register(
            "rate_limit_shared",
            "1 while rate limits are shared through Redis; 0 while this instance keeps its own (redis.url unset, or Redis failing)",
            r.shared.clone(),
        );
        registry.register(
            "rate_limit_redis_fallbacks",
            "Rate-limit attempts decided in this instance's memory because Redis failed or was being skipped after a failure",
            r.fallbacks.clone(),
        );
        r
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// Requests answered and how long they took.
struct Http {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
}

impl Http {
    fn register(registry: &mut Registry) -> Self {
        let h = Self {
            requests: Family::default(),
            latency: Family::new_with_constructor(|| {
                Histogram::new([
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
            }),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            h.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route",
            h.latency.clone(),
        );
        h
    }
}

/// The search outbox: what waits to be indexed.
struct Indexing {
    backlog_rows: Gauge,
    backlog_age: FloatGauge,
}

impl Indexing {
    fn register(registry: &mut Registry) -> Self {
        let i = Self {
            backlog_rows: Gauge::default(),
            backlog_age: FloatGauge::default(),
        };
        registry.register(
            "search_backlog_rows",
            "Search outbox rows waiting to be indexed",
            i.backlog_rows.clone(),
        );
        registry.register(
            "search_backlog_oldest_seconds",
            "Age of the oldest search outbox row waiting to be indexed",
            i.backlog_age.clone(),
        );
        i
    }
}

/// Refunds, checkouts awaiting payment and bank transfers.
struct Payments {
    refunds_queued: Gauge,
    refunds_failed: Gauge,
    refund_oldest: FloatGauge,
    checkouts_awaiting: Gauge,
    transfers: Family<TransferLabels, Gauge>,
    transfer_oldest: FloatGauge,
}

impl Payments {
    fn register(registry: &mut Registry) -> Self {
        let p = Self {
            refunds_queued: Gauge::default(),
            refunds_failed: Gauge::default(),
            refund_oldest: FloatGauge::default(),
            checkouts_awaiting: Gauge::default(),
            transfers: Family::default(),
            transfer_oldest: FloatGauge::default(),
        };
        registry.register(
            "payments_refunds_queued",
            "Refunds owed on cancelled paid orders and not yet accepted by Stripe",
            p.refunds_queued.clone(),
        );
        registry.register(
            "payments_refunds_failed",
            "Refunds Stripe reported failed after accepting them (need a person)",
            p.refunds_failed.clone(),
        );
        registry.register(
            "payments_refund_oldest_queued_seconds",
            "How long the oldest queued refund has waited",
            p.refund_oldest.clone(),
        );
        registry.register(
            "payments_checkouts_awaiting",
            "Card checkouts waiting for their payment",
            p.checkouts_awaiting.clone(),
        );
        registry.register(
            "payments_bank_transfers",
            "Bank transfers reported by the bank, by status (received: all of them)",
            p.transfers.clone(),
        );
        registry.register(
            "payments_bank_transfer_oldest_unmatched_seconds",
            "How long the oldest unmatched bank transfer has waited for an administrator",
            p.transfer_oldest.clone(),
        );
        p
    }
}

/// The vendors' money.
struct Ledger {
    payable_total: Gauge,
    payouts_pending: Gauge,
}

impl Ledger {
    fn register(registry: &mut Registry) -> Self {
        let l = Self {
            payable_total: Gauge::default(),
            payouts_pending: Gauge::default(),
        };
        registry.register(
            "ledger_payable_dong",
            "What stalls can be paid now, in đồng, summed over all stalls (negative balances included)",
            l.payable_total.clone(),
        );
        registry.register(
            "ledger_payouts_pending",
            "Payouts made and not yet confirmed paid or returned",
            l.payouts_pending.clone(),
        );
        l
    }
}

/// Searches that found nothing, and whether the engine answers.
struct Searches {
    zero_results: Counter,
    up: Gauge,
}

impl Searches {
    fn register(registry: &mut Registry) -> Self {
        let s = Self {
            zero_results: Counter::default(),
            up: Gauge::default(),
        };
        registry.register(
            "search_zero_results",
            "Product searches with words that found nothing (GET /api/v1/admin/search/misses lists the words)",
            s.zero_results.clone(),
        );
        registry.register(
            "search_engine_up",
            "1 while the search engine answers, 0 during an outage (searches answer 503, the rest serves)",
            s.up.clone(),
        );
        s
    }
}

/// Reports of listings waiting for administrators, by kind, and the authority requests past
/// their 24 hours: read from the database at each scrape.
struct Reports {
    open: Family<ReportLabels, Gauge>,
    oldest: Family<ReportLabels, FloatGauge>,
    overdue: Gauge,
}

impl Reports {
    fn register(registry: &mut Registry) -> Self {
        let r = Self {
            open: Family::default(),
            oldest: Family::default(),
            overdue: Gauge::default(),
        };
        registry.register(
            "reports_open",
            "Open reports of listings waiting for an administrator, by kind (user_report, authority_request)",
            r.open.clone(),
        );
        registry.register(
            "reports_oldest_open_seconds",
            "How long the oldest open report of each kind has waited (0 when none is open)",
            r.oldest.clone(),
        );
        registry.register(
            "reports_authority_overdue",
            "Open authority requests past their 24 hours for removal (Decree 85/2021): alert on any",
            r.overdue.clone(),
        );
        r
    }

    fn set(&self, g: &compliance::reports::ReportGauges) {
        use common::Stored;
        for (kind, n) in &g.open {
            self.open
                .get_or_create(&ReportLabels {
                    kind: kind.as_str(),
                })
                .set(i64::try_from(*n).unwrap_or(i64::MAX));
        }
        for (kind, secs) in &g.oldest_open_secs {
            self.oldest
                .get_or_create(&ReportLabels {
                    kind: kind.as_str(),
                })
                .set(*secs);
        }
        self.overdue
            .set(i64::try_from(g.authority_overdue).unwrap_or(i64::MAX));
    }
}

/// The background jobs, by kind (the jobs' fixed names): copied from the runner's figures at
/// each scrape.
struct Jobs {
    runs: Family<JobLabels, Counter>,
    failures: Family<JobLabels, Counter>,
    items: Family<JobLabels, Counter>,
    last_run: Family<JobLabels, FloatGauge>,
    consecutive_failures: Family<JobLabels, Gauge>,
}

impl Jobs {
    fn register(registry: &mut Registry) -> Self {
        let j = Self {
            runs: Family::default(),
            failures: Family::default(),
            items: Family::default(),
            last_run: Family::default(),
            consecutive_failures: Family::default(),
        };
        registry.register(
            "job_runs",
            "Runs of background jobs, failed ones included, by kind",
            j.runs.clone(),
        );
        registry.register(
            "job_failures",
            "Runs of background jobs that failed, by kind",
            j.failures.clone(),
        );
        registry.register(
            "job_items",
            "Items background jobs did (rows indexed, deliveries handled, refunds tried), by kind",
            j.items.clone(),
        );
        registry.register(
            "job_last_run_seconds",
            "How long the last run of a background job took, by kind",
            j.last_run.clone(),
        );
        registry.register(
            "job_consecutive_failures",
            "Failed runs of a background job since its last success (0 while all is well), by kind",
            j.consecutive_failures.clone(),
        );
        j
    }

    fn set(&self, stats: &[jobs::JobStats]) {
        // The runner's counts only grow; a counter is moved up to meet them.
        let catch_up = |family: &Family<JobLabels, Counter>, labels: &JobLabels, to: u64| {
            let counter = family.get_or_create(labels);
            counter.inc_by(to.saturating_sub(counter.get()));
        };
        for s in stats {
            let labels = JobLabels { kind: s.kind };
            catch_up(&self.runs, &labels, s.runs);
            catch_up(&self.failures, &labels, s.failures);
            catch_up(&self.items, &labels, s.items);
            self.last_run
                .get_or_create(&labels)
                .set(s.last_run.as_secs_f64());
            self.consecutive_failures
                .get_or_create(&labels)
                .set(i64::from(s.consecutive_failures));
        }
    }
}

/// The gateway's metrics.
pub struct Metrics {
    registry: Registry,
    http: Http,
    indexing: Indexing,
    payments: Payments,
    ledger: Ledger,
    deliveries_pending: Family<ChannelLabels, Gauge>,
    jobs: Jobs,
    runtime: Arc<Runtime>,
    searches: Searches,
    rate_limits: RateLimitMetrics,
    reports: Reports,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric, registered group by group (in this order in the
    /// exposition).
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("marketplace");
        let http = Http::register(&mut registry);
        let indexing = Indexing::register(&mut registry);
        let payments = Payments::register(&mut registry);
        let ledger = Ledger::register(&mut registry);
        let deliveries_pending = Family::<ChannelLabels, Gauge>::default();
        registry.register(
            "notify_deliveries_pending",
            "Emails and webhook calls waiting to be sent or retried, per channel",
            deliveries_pending.clone(),
        );
        let jobs = Jobs::register(&mut registry);
        let runtime = Arc::new(Runtime::register(&mut registry));
        let searches = Searches::register(&mut registry);
        let rate_limits = RateLimitMetrics::register(&mut registry);
        let reports = Reports::register(&mut registry);
        Self {
            registry,
            http,
            indexing,
            payments,
            ledger,
            deliveries_pending,
            jobs,
            runtime,
            searches,
            rate_limits,
            reports,
        }
    }

    /// Records the search backlog (read at each scrape).
    pub fn set_backlog(&self, rows: u64, oldest_secs: f64) {
        self.indexing
            .backlog_rows
            .set(i64::try_from(rows).unwrap_or(i64::MAX));
        self.indexing.backlog_age.set(oldest_secs);
    }

    /// Records the process's figures (read at each scrape).
    pub fn set_process(&self, p: &crate::process::ProcessStats) {
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.runtime.cpu.set(p.cpu_seconds);
        self.runtime.resident.set(int(p.resident_bytes));
        self.runtime.open_fds.set(int(p.open_fds));
    }

    /// Records the database pool: connections in use and idle, and its limit.
    pub fn set_pool(&self, size: u32, idle: usize, max: u32) {
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        let pool = &self.runtime.pool;
        pool.get_or_create(&StateLabels { state: "idle" }).set(idle);
        pool.get_or_create(&StateLabels { state: "in_use" })
            .set((i64::from(size) - idle).max(0));
        self.runtime.pool_max.set(i64::from(max));
    }

    /// Records today's orders by status (every status, zero included, so series never vanish).
    pub fn set_orders_today(&self, counts: &[(order::status::OrderStatus, u64)]) {
        use order::types::Stored;
        for s in <order::status::OrderStatus as Stored>::ALL {
            let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            self.runtime
                .orders_today
                .get_or_create(&OrderLabels { status: s.as_str() })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    /// Counts a product search with words that found nothing.
    pub fn zero_result(&self) {
        self.searches.zero_results.inc();
    }

    /// The rate limiters' metrics, for the Redis store to update.
    pub fn rate_limits(&self) -> RateLimitMetrics {
        self.rate_limits.clone()
    }

    /// Records whether the search engine answers (read at each scrape).
    pub fn set_search_up(&self, up: bool) {
        self.searches.up.set(i64::from(up));
    }

    /// Records the ledger figures (read at each scrape).
    pub fn set_ledger(&self, g: &ledger::reading::LedgerGauges) {
        self.ledger.payable_total.set(g.payable_total);
        self.ledger
            .payouts_pending
            .set(i64::try_from(g.payouts_pending).unwrap_or(i64::MAX));
    }

    /// Records the deliveries waiting per channel (read at each scrape).
    pub fn set_deliveries(&self, pending: &[(String, i64)]) {
        for channel in [notify::channels::EMAIL, notify::channels::WEBHOOK] {
            let n = pending
                .iter()
                .find(|(c, _)| c == channel)
                .map_or(0, |(_, n)| *n);
            self.deliveries_pending
                .get_or_create(&ChannelLabels { channel })
                .set(n);
        }
    }

    /// Records the reports waiting for administrators (read at each scrape).
    pub fn set_reports(&self, g: &compliance::reports::ReportGauges) {
        self.reports.set(g);
    }

    /// Records the background jobs' figures (read at each scrape).
    pub fn set_jobs(&self, stats: &[jobs::JobStats]) {
        self.jobs.set(stats);
    }

    /// Records the payment figures (read at each scrape).
    pub fn set_payments(&self, g: &order::payments::PaymentGauges) {
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let p = &self.payments;
        p.refunds_queued.set(int(g.refunds_queued));
        p.refunds_failed.set(int(g.refunds_failed));
        p.refund_oldest.set(g.oldest_queued_refund_secs);
        p.checkouts_awaiting.set(int(g.checkouts_awaiting_payment));
        let t = &g.transfers;
        for (status, n) in [
            ("received", t.received),
            ("matched", t.matched),
            ("unmatched", t.unmatched),
        ] {
            p.transfers
                .get_or_create(&TransferLabels { status })
                .set(int(n));
        }
        p.transfer_oldest.set(t.oldest_unmatched_secs);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http
            .requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http
            .latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }
}

/// The method as a label: one of the standard methods, else `other`, so a client inventing
/// methods cannot add series.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Middleware recording each request.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method()).to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn job_figures_are_rendered_by_kind_and_follow_the_runner() {
        let metrics = Metrics::new();
        let mut stats = jobs::JobStats {
            kind: "search_index",
            runs: 3,
            failures: 1,
            items: 10,
            last_run: Duration::from_millis(250),
            consecutive_failures: 1,
        };
        metrics.set_jobs(std::slice::from_ref(&stats));
        stats.runs = 5;
        stats.items = 12;
        stats.consecutive_failures = 0;
        metrics.set_jobs(&[stats]);
        let text = metrics.render();
        for line in [
            r#"marketplace_job_runs_total{kind="search_index"} 5"#,
            r#"marketplace_job_failures_total{kind="search_index"} 1"#,
            r#"marketplace_job_items_total{kind="search_index"} 12"#,
            r#"marketplace_job_last_run_seconds{kind="search_index"} 0.25"#,
            r#"marketplace_job_consecutive_failures{kind="search_index"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
