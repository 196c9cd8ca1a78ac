//! Opening the database and running the HTTP server with graceful shutdown.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::{net::TcpListener, sync::watch};

use crate::{
    app,
    config::{Config, redact},
    state::AppState,
};

/// Opens the configured database, creating the data directory for the default SQLite file.
pub async fn open_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if config.database.url.is_none() {
        std::fs::create_dir_all(&config.data.dir).with_context(|| {
            format!(
                "cannot create data directory {} (data.dir)",
                config.data.dir.display()
            )
        })?;
    }
    let url = config.database_url();
    migrations::connect(&url, config.database.max_connections)
        .await
        .with_context(|| format!("cannot open the database (database.url = {})", redact(&url)))
}

/// The PostgreSQL advisory lock by which the instances sharing a database agree on their
/// search engine: an instance with the embedded index holds it alone, instances with
/// Meilisearch hold it shared.
const SEARCH_ENGINE_LOCK: i64 = 0x6d61_726b_6574_6978; // "marketix"

/// The search engine is the fleet's, not an instance's: every instance on one PostgreSQL
/// drains the same search outbox. An instance with the embedded index (one process's: it
/// would never see another instance's changes) must be the only one; instances with
/// Meilisearch may be many, but none beside an embedded one, whose indexer would otherwise
/// take half of the changes away from Meilisearch. So every serving or working instance takes
/// [`SEARCH_ENGINE_LOCK`] (alone for the embedded engine, shared for Meilisearch) for as long
/// as it runs, on a connection of its own outside the pool, and one that disagrees with the
/// instances already running refuses to start, naming the difference. `None` for SQLite.
pub async fn claim_search_engine(
    config: &Config,
    db: &DatabaseConnection,
) -> anyhow::Result<Option<sea_orm::sqlx::PgConnection>> {
    use sea_orm::sqlx::{self, Connection as _};
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(None);
    }
    let embedded = config.search.meili_url.is_none();
    let url = config.database_url();
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .with_context(|| format!("cannot open the database (database.url = {})", redact(&url)))?;
    let take = if embedded {
        "SELECT pg_try_advisory_lock($1)"
    } else {
        "SELECT pg_try_advisory_lock_shared($1)"
    };
    let (held,): (bool,) = sqlx::query_as(take)
        .bind(SEARCH_ENGINE_LOCK)
        .fetch_one(&mut conn)
        .await
        .context("cannot take the search engine's lock")?;
    if held {
        return Ok(Some(conn));
    }
    // Who holds it says what the others run: shared holders use Meilisearch.
    let (shared,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND mode = 'ShareLock' AND database = (SELECT oid FROM pg_database \
         WHERE datname = current_database()) \
         AND ((classid::bigint << 32) | objid::bigint) = $1",
    )
    .bind(SEARCH_ENGINE_LOCK)
    .fetch_one(&mut conn)
    .await
    .context("cannot read the search engine's lock")?;
    match (embedded, shared > 0) {
        (true, true) => anyhow::bail!(
            "this instance is configured with the embedded search index, but {shared} \
             instance(s) already serve this PostgreSQL database with Meilisearch: set \
             search.meili_url (and search.index_prefix) as they have it"
        ),
        (true, false) => anyhow::bail!(
            "another instance already serves this PostgreSQL database with the embedded search \
             index, which is one process's and would not see this instance's changes: run \
             several instances with Meilisearch (search.meili_url), or only one"
        ),
        (false, _) => anyhow::bail!(
            "this instance is configured with Meilisearch, but an instance with the embedded \
             search index already serves this PostgreSQL database, and its indexer drains the \
             same changes: give every instance the same search settings (search.meili_url), \
             then start them again"
        ),
    }
}

/// Writes a consistent copy of the SQLite database to `to` while the marketplace keeps running
/// (`VACUUM INTO`: one read transaction, so the copy holds exactly what was committed when it
/// began; writers are not blocked). `to` must not exist. PostgreSQL is backed up with
/// `pg_dump`, which this refuses with that advice.
pub async fn backup(db: &DatabaseConnection, to: &std::path::Path) -> anyhow::Result<u64> {
    use sea_orm::{ConnectionTrait, Statement};
    if db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        anyhow::bail!(
            "backup copies the embedded SQLite database; back up PostgreSQL with pg_dump \
             (see the README's \"Back up and restore\")"
        );
    }
    if to.exists() {
        anyhow::bail!("{} exists already; name a new file", to.display());
    }
    let path = to
        .to_str()
        .context("the backup file's name must be valid UTF-8")?;
    db.execute_raw(Statement::from_sql_and_values(
        sea_orm::DbBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await
    .with_context(|| format!("cannot write the backup to {}", to.display()))?;
    Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or(0))
}

/// Refuses to start when stalls' carrier tokens are stored sealed and `carriers.secret_key`
/// is not set: every booking and quote of those stalls would fail, one by one.
pub async fn check_carrier_key(config: &Config, db: &DatabaseConnection) -> anyhow::Result<()> {
    if config.carriers.secret_key.is_some() {
        return Ok(());
    }
    match carriers::stalls::sealed_tokens_exist(db).await {
        Ok(true) => anyhow::bail!(
            "stalls' carrier tokens are stored sealed but carriers.secret_key is not set: set \
             MARKETPLACE_CARRIERS__SECRET_KEY to the key they were sealed with"
        ),
        Ok(false) => Ok(()),
        // Not migrated yet: no token can be stored.
        Err(e) => {
            tracing::debug!(error = %e, "stalls' carrier tokens not checked");
            Ok(())
        }
    }
}

/// Applies pending migrations (under a lock on PostgreSQL, so instances can start together).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    migrations::up_locked(db)
        .await
        .context("database migration failed")?;
    // The trade report's roll-ups, when the facts were written before them (nothing once
    // done); before the backfill below, which keeps them as it writes facts.
    if reporting::rollup::rebuild::rebuild_if_missing(db)
        .await
        .context("rolling up the trade facts failed")?
    {
        tracing::info!("rolled up the trade facts for the trade report");
    }
    // Orders delivered before the trade facts were kept get theirs (nothing once done).
    order::trade_facts::backfill(db)
        .await
        .context("recording the trade facts of past deliveries failed")?;
    Ok(())
}

/// Runs `marketplace serve` until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    // Held until the process ends.
    let _embedded_index = claim_search_engine(&config, &db).await?;
    if config.database.migrate_on_start {
        migrate(&db).await?;
    }
    check_carrier_key(&config, &db).await?;
    let listener = bind(config.http.listen, config.http.listen_backlog)
        .with_context(|| format!("cannot listen on {} (http.listen)", config.http.listen))?;
    let ops = match config.http.ops_listen {
        Some(addr) => Some(
            bind(addr, 128)
                .with_context(|| format!("cannot listen on {addr} (http.ops_listen)"))?,
        ),
        None => None,
    };
    let seed = config.demo.seed;
    let json_logs = config.log.format == crate::config::LogFormat::Json;
    let engine = config
        .search_engine()
        .context("cannot open the search engine (search.*, data.dir)")?;
    let built = config.build()?;
    let state = AppState::new(config, built, db, engine);
    if seed && crate::seed::is_empty(&state.db).await? {
        let mut said = Vec::new();
        let media = Some(&state.media);
        crate::seed::demo(&state.db, &state.accounts, &state.catalog, media, &mut said)
            .await
            .context("seeding the demo catalogue failed")?;
        let mut said = String::from_utf8_lossy(&said).into_owned();
        if json_logs {
            // Collected logs outlive a demo: the password is shown on a terminal only
            // (`marketplace seed --demo` prints it again).
            said = said.replace(
                crate::seed::DEMO_PASSWORD,
                "<not shown with JSON logs: run `marketplace seed --demo`>",
            );
        }
        print!("{said}");
        if state.config.search.meili_url.is_none() {
            // Indexed now, before the workers start: the index is then whole when the first
            // request comes, and the indexer and a rebuild never race over a new index.
            let done = search::indexer::reindex(
                &state.db,
                state.search.engine().as_ref(),
                &state.catalog,
                |_, _| {},
            )
            .await
            .context("indexing the demo catalogue failed")?;
            tracing::info!(
                products = done.products,
                stalls = done.stalls,
                "demo catalogue indexed"
            );
        }
    }
    serve_with_ops(listener, ops, state, shutdown_signal()).await
}

/// Completes once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// A listening socket on `addr` with a queue of `backlog` connections waiting to be accepted
/// (the kernel caps it at `net.core.somaxconn`).
pub fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // A restarted gateway can listen again at once, without waiting out TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// How each listener treats its connections.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// A client must send a request's headers within this time, or the connection is closed.
    pub header_read_timeout: Duration,
    /// Most connections open at once; more wait in the listen queue.
    pub max_connections: usize,
}

/// Accepts connections on `listener` and serves `router` on each until `stop` turns true; then
/// every connection finishes its request in flight and closes. Unlike `axum::serve`, a client
/// that sends its headers slowly is cut off, and open connections are capped.
pub async fn serve_connections(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = stopped(&mut stop) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // pause briefly rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        // Answers leave at once: an answer written in two parts must not wait for the client's
        // acknowledgement of the first (Nagle's algorithm).
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "cannot turn off Nagle's algorithm");
        }
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let router = router.clone();
                async move {
                    use tower::ServiceExt;
                    router.oneshot(req.map(axum::body::Body::new)).await
                }
            });
        let mut stop = stop.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                () = stopped(&mut stop) => {
                    // Finish the request in flight, then close.
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
}

/// Serves `state` on `listener` until `shutdown` completes; then in-flight requests get
/// `http.shutdown_grace_secs` to finish before the remaining connections are dropped.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with_ops(listener, None, state, shutdown).await
}

/// Like [`serve`], with the operators' endpoints (`/metrics`, `/healthz`, `/readyz`) on a
/// listener of their own when `ops` is given (and then `/metrics` is not on the main one).
pub async fn serve_with_ops(
    listener: TcpListener,
    ops: Option<TcpListener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = Duration::from_secs(state.config.http.shutdown_grace_secs);
    let addr = listener.local_addr().context("listener has no address")?;
    tracing::info!(%addr, engine = state.search.engine().name(), "marketplace listening");
    let (stopping_tx, stopping_rx) = watch::channel(false);
    let recovery = spawn_recovery(&state, stopping_rx.clone());
    let runner = runner(&state, Workers::configured(&state.config));
    let jobs = (!runner.is_empty()).then(|| tokio::spawn(runner.run(stopping_rx.clone())));
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(state.config.http.header_read_timeout_secs),
        max_connections: state.config.http.max_connections,
    };
    let mut servers = tokio::task::JoinSet::new();
    if let Some(ops) = ops {
        let ops_addr = ops.local_addr().context("listener has no address")?;
        tracing::info!(addr = %ops_addr, "operators' endpoints listening");
        servers.spawn(serve_connections(
            ops,
            app::ops_router(state.clone()),
            limits,
            stopping_rx.clone(),
        ));
    }
    servers.spawn(serve_connections(
        listener,
        app::router(state),
        limits,
        stopping_rx.clone(),
    ));
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stopping_tx.send(true);
    });
    let mut stopping = stopping_rx.clone();
    let deadline = async move {
        let _ = stopping.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(grace).await;
    };
    let all_closed = async { while servers.join_next().await.is_some() {} };
    tokio::select! {
        () = all_closed => {},
        () = deadline => tracing::warn!("grace period over; dropping remaining connections"),
    }
    for task in [Some(recovery), jobs].into_iter().flatten() {
        // The jobs saw the same stop signal; let them finish their batch.
        let _ = tokio::time::timeout(grace.max(Duration::from_secs(1)), task).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Runs every background job alone (`marketplace worker`: the search indexer, the payment
/// jobs, the notification deliveries) until SIGTERM or Ctrl-C.
pub async fn worker(config: Config) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    check_carrier_key(&config, &db).await?;
    let _embedded_index = claim_search_engine(&config, &db).await?;
    let engine = config
        .search_engine()
        .context("cannot open the search engine")?;
    let built = config.build()?;
    let state = AppState::new(config, built, db, engine);
    let (stop_tx, stop_rx) = watch::channel(false);
    let recovery = spawn_recovery(&state, stop_rx.clone());
    let runner = runner(&state, Workers::ALL);
    tracing::info!(
        engine = state.search.engine().name(),
        jobs = ?runner.kinds(),
        "background jobs running"
    );
    let jobs = tokio::spawn(runner.run(stop_rx));
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    jobs.await.context("the background jobs failed")?;
    recovery.await.context("index recovery failed")?;
    Ok(())
}

/// Which background jobs a process runs.
#[derive(Clone, Copy, Debug)]
struct Workers {
    /// The search indexer, the sweep of lapsed certificates and the pass over sale boundaries
    /// (`search.worker`).
    search: bool,
    /// The expiry of unpaid checkouts, the refund retries and the sweep of expired guest carts
    /// (`payments.worker`).
    payments: bool,
    /// The notification deliveries and the prune of their log (`notify.worker`).
    notify: bool,
    /// The sweep of the seller identity grace periods and of business documents' expiry, and
    /// the daily sweep of the retention periods (`compliance.worker`).
    compliance: bool,
    /// The escalation of cases the stall did not answer in time (`cases.worker`).
    cases: bool,
    /// The collection of photos nothing refers to (`media.worker`).
    media: bool,
}

impl Workers {
    /// Every job (`marketplace worker`).
    const ALL: Self = Self {
        search: true,
        payments: true,
        notify: true,
        compliance: true,
        cases: true,
        media: true,
    };

    /// The jobs the configuration turns on for a serving instance.
    fn configured(config: &Config) -> Self {
        Self {
            search: config.search.worker,
            payments: config.payments.worker,
            notify: config.notify.worker,
            compliance: config.compliance.worker,
            cases: config.cases.worker,
            media: config.media.worker,
        }
    }
}

/// One runner with the jobs `which` turns on, each given only what it needs (a pool, the
/// engine, the catalogue, the channels), reporting to the state's figures for `/metrics`.
fn runner(state: &AppState, which: Workers) -> jobs::Runner {
    let mut runner = jobs::Runner::reporting_to(state.jobs.clone());
    if which.search {
        let indexer =
            search::indexer::Indexer::new(state.search.engine().clone(), state.catalog.clone());
        runner = runner
            .with(search::indexer::IndexOutbox::new(indexer, state.db.clone()))
            .with(search::indexer::SweepLapsed::new(state.db.clone()))
            .with(search::indexer::SaleBoundaries::new(state.db.clone()));
    }
    if which.payments {
        let every = Duration::from_secs(state.config.payments.sweep_interval_secs);
        let payments = &state.payments;
        runner = runner
            .with(order::payments::ExpireUnpaid::new(
                payments.clone(),
                state.db.clone(),
                every,
            ))
            .with(order::payments::RetryRefunds::new(
                payments.clone(),
                state.db.clone(),
                every,
            ))
            .with(order::shipments::PollShipments::new(
                state.orders.clone(),
                state.db.clone(),
                Duration::from_secs(60),
            ))
            .with(order::guest_cart::SweepGuestCarts::new(
                state.carts.clone(),
                state.db.clone(),
                Duration::from_secs(3600),
            ));
    }
    if which.notify {
        runner = runner
            .with(deliveries(state))
            .with(notify::worker::PruneDeliveries::new(state.db.clone()));
    }
    if which.compliance {
        let days = state.config.compliance.identity_grace_days;
        let grace = compliance::identity::Grace::new(state.catalog.clone(), days);
        runner = runner.with(compliance::identity::IdentityGrace::new(
            grace,
            state.db.clone(),
            Duration::from_secs(3600),
        ));
        runner = runner.with(crate::personal::retention::Retention::new(
            state.accounts.clone(),
            state.db.clone(),
            state.config.retention.periods(),
            Duration::from_secs(24 * 3600),
        ));
        let expiry = compliance::documents::Expiry::new(state.documents.clone());
        runner = runner.with(compliance::documents::DocumentExpiry::new(
            expiry,
            state.db.clone(),
            Duration::from_secs(3600),
        ));
    }
    if which.cases {
        runner = runner.with(order::cases::EscalateOverdue::new(
            state.cases.clone(),
            state.db.clone(),
            Duration::from_secs(60),
        ));
    }
    if which.media {
        runner = runner.with(media::CollectUnused::new(
            state.media.clone(),
            state.db.clone(),
            state.config.media.collect_every(),
        ));
    }
    runner
}

/// Rebuilds a missing or damaged embedded index from the database in the background; `/readyz`
/// says `degraded` until it is done.
fn spawn_recovery(state: &AppState, stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let search = state.search.clone();
    let db = state.db.clone();
    let catalog = state.catalog.clone();
    tokio::spawn(async move {
        search
            .recover(&db, &catalog, Duration::from_secs(5), stop)
            .await;
    })
}

/// The job that sends email and the stalls' webhooks.
fn deliveries(state: &AppState) -> notify::worker::SendDeliveries {
    let n = &state.config.notify;
    let email = state.email.clone();
    if email.is_none() {
        tracing::info!(
            "no mail server configured (notify.smtp_url): notifications reach the inbox and webhooks only"
        );
    }
    let webhook = std::sync::Arc::new(notify::channel::WebhookSender::new(
        Duration::from_secs(n.webhook_timeout_secs),
        n.webhooks_allow_private,
    ));
    let deliverer = notify::worker::Deliverer::new(email, webhook, n.retry());
    notify::worker::SendDeliveries::new(
        deliverer,
        state.db.clone(),
        Duration::from_millis(n.poll_ms),
    )
}

/// Rebuilds the search indexes from the database (`marketplace reindex`), showing progress.
pub async fn reindex(config: Config) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    migrate(&db).await?;
    let engine = config
        .search_engine()
        .context("cannot open the search engine")?;
    let built = config.build()?;
    let state = AppState::new(config, built, db, engine);
    let started = std::time::Instant::now();
    let mut progress = crate::progress::Progress::new("reindexing products");
    let done = search::indexer::reindex(
        &state.db,
        state.search.engine().as_ref(),
        &state.catalog,
        |done, total| progress.update(done, total),
    )
    .await
    .context("reindex failed")?;
    progress.finish();
    println!(
        "reindexed {} products and {} stalls into {} in {:.1} s; {} outbox rows already covered, not re-applied",
        done.products,
        done.stalls,
        state.search.engine().name(),
        started.elapsed().as_secs_f64(),
        done.covered_rows
    );
    Ok(())
}

/// Asks the gateway listening at `http.listen` for `/healthz`; an error unless it answers 200.
pub async fn healthcheck(config: &Config) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut addr = config.http.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut head = Vec::new();
        stream.take(64 * 1024).read_to_end(&mut head).await?;
        Ok::<_, std::io::Error>(head)
    };
    let head = tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .with_context(|| format!("no answer from {addr} within 5 s"))?
        .with_context(|| format!("cannot reach the gateway at {addr}"))?;
    let status_line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    if status_line.split_whitespace().nth(1) == Some("200") {
        println!("healthy: {addr}");
        Ok(())
    } else {
        anyhow::bail!("unhealthy: {addr} answered {status_line:?}")
    }
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: a SIGTERM that comes right after start-up (an orchestrator
/// stopping a container it just started) stops the gateway gracefully instead of killing it.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = [SignalKind::terminate(), SignalKind::interrupt()].map(|kind| {
            signal(kind)
                .inspect_err(|e| tracing::error!(error = %e, ?kind, "cannot listen for a signal"))
                .ok()
        });
        async move {
            let [term, int] = streams;
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {},
                () = wait(int) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
