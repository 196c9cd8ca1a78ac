//! Operator endpoints outside `/api/v1`: liveness, readiness and metrics.

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, Problem},
    state::AppState,
};

/// Health of the process or of one dependency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (liveness); `ready`, or `degraded` when the gateway serves but search is
    /// incomplete (its index is being rebuilt).
    pub status: HealthStatus,
    /// Readiness only: how far the search index lags behind the catalogue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchStatus>,
}

/// The search engine and its backlog.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchStatus {
    /// `embedded` or `meilisearch`.
    pub engine: &'static str,
    /// Outbox rows waiting to be indexed.
    pub backlog: u64,
    /// Age of the oldest waiting row, in seconds.
    pub oldest_secs: f64,
    /// `ok`; `rebuilding` while a missing or damaged index is rebuilt from the database
    /// (searches may find less until then); `unavailable` while the engine does not answer.
    pub state: SearchState,
}

/// How the instance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Alive (`/healthz`).
    Ok,
    /// Serving, search complete.
    Ready,
    /// Serving, search index being rebuilt.
    Degraded,
}

/// How search is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchState {
    /// Up to date, or catching up.
    Ok,
    /// A missing or damaged index is being rebuilt.
    Rebuilding,
    /// The engine does not answer.
    Unavailable,
}

/// The process is up (it does not look at dependencies).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Up", body = Health)))]
pub async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: HealthStatus::Ok,
        search: None,
    })
}

/// The gateway can serve: its database answers (503 otherwise). Shows the search backlog.
///
/// `degraded` (still 200) while the search engine is unavailable (`search.state:
/// unavailable`: searches answer 503 `search_unavailable`, everything else serves) or a damaged
/// index is rebuilt from the database (`rebuilding`).
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "A dependency is down", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Health>, ApiError> {
    let down = |what: &str, e: Box<dyn std::error::Error + Send + Sync>| {
        let mut err = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("The {what} is not answering."),
        );
        err.source = Some(e);
        err.retry_after = Some(5);
        err
    };
    state
        .db
        .ping()
        .await
        .map_err(|e| down("database", Box::new(e)))?;
    let engine = state.search.engine();
    let backlog = search::indexer::backlog(&state.db)
        .await
        .map_err(|e| down("database", Box::new(e)))?;
    // A search outage is not this instance's: everything but search keeps serving, so the
    // instance stays in rotation and says it is degraded.
    let search_state = match engine.health().await {
        Err(e) => {
            tracing::warn!(error = %e, "search engine unavailable; serving without search");
            SearchState::Unavailable
        }
        Ok(()) if state.search.recovery() == search::service::Recovery::Rebuilding => {
            SearchState::Rebuilding
        }
        Ok(()) => SearchState::Ok,
    };
    Ok(axum::Json(Health {
        status: if search_state == SearchState::Ok {
            HealthStatus::Ready
        } else {
            HealthStatus::Degraded
        },
        search: Some(SearchStatus {
            engine: engine.name(),
            backlog: backlog.rows,
            oldest_secs: backlog.oldest_secs,
            state: search_state,
        }),
    }))
}

/// Prometheus metrics in the OpenMetrics text format (which Prometheus scrapes as it is).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics", body = String, content_type = "application/openmetrics-text")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    // A database that does not answer leaves the last values; /readyz reports the outage.
    if let Ok(b) = search::indexer::backlog(&state.db).await {
        state.metrics.set_backlog(b.rows, b.oldest_secs);
    }
    if let Ok(g) = state.payments.gauges(&state.db).await {
        state.metrics.set_payments(&g);
    }
    if let Ok(g) = state.ledger.gauges(&state.db).await {
        state.metrics.set_ledger(&g);
    }
    if let Ok(p) = notify::worker::pending(&state.db).await {
        state.metrics.set_deliveries(&p);
    }
    if let Ok(g) = compliance::reports::gauges::gauges(&state.db, chrono::Utc::now()).await {
        state.metrics.set_reports(&g);
    }
    state
        .metrics
        .set_search_up(state.search.engine().health().await.is_ok());
    if let Some(p) = crate::process::read() {
        state.metrics.set_process(&p);
    }
    state.metrics.set_jobs(&state.jobs.stats());
    let (size, idle) = match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = state.db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = state.db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    state
        .metrics
        .set_pool(size, idle, state.config.database.max_connections);
    // Midnight in Vietnam (UTC+7), the day operators count in.
    let midnight = common::calendar::start_of(common::calendar::today());
    if let Ok(counts) = order::views::status_counts_since(&state.db, midnight).await {
        state.metrics.set_orders_today(&counts);
    }
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
