//! `search/products`, `search/stalls` and `search/suggest`.

use axum::{extract::State, http::HeaderMap};
use common::{FieldCode, Page};
use search::{
    misses::Miss,
    service::{
        Lang, ProductResults, ProductSearch, StallResults, StallSearch, SuggestSearch, Suggestions,
    },
};

use crate::{
    error::{ApiResult, Problem},
    extract::AuthUser,
    extract::Query,
    state::AppState,
};

/// Finds products the way buyers type: with or without diacritics, with a typo, the last word
/// still being typed. Filters are typed values; facets count by category, commune and stars,
/// each value with its label (stars in Vietnamese with `Accept-Language: vi`), a filtered
/// group's counts as if it were not filtered.
#[utoipa::path(get, operation_id = "search_products", path = "/api/v1/search/products", tag = "search",
    params(ProductSearch),
    responses(
        (status = 200, body = ProductResults),
        (status = 422, description = "`validation_failed`: a query over 200 characters, an unknown sort or a malformed filter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`search_unavailable`: the search engine is down", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn products(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ProductSearch>,
) -> ApiResult<axum::Json<ProductResults>> {
    let typed = params.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    let lang =
        if crate::messages::prefers_vietnamese(headers.get(axum::http::header::ACCEPT_LANGUAGE)) {
            Lang::Vi
        } else {
            Lang::En
        };
    let found = state
        .search
        .products(&state.db, &state.catalog, params, lang)
        .await?;
    if typed && found.total == 0 {
        state.metrics.zero_result();
    }
    Ok(axum::Json(found))
}

super::paged_params! {
    /// `?days=&page=&per_page=`
    MissParams {
        /// The last this many days, today included (1 to 366, default 30).
        #[param(minimum = 1, maximum = 366, example = 30)]
        days: Option<u32>,
    }
}

/// What buyers searched for and did not find, the most frequent first, over the last days
/// (administrators): the words of each product search that found nothing, folded, with how
/// many searches.
#[utoipa::path(get, operation_id = "list_search_misses", path = "/api/v1/admin/search/misses", tag = "admin", security(("bearer" = [])),
    params(MissParams),
    responses((status = 200, body = Page<Miss>)))]
pub async fn misses(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<MissParams>,
) -> ApiResult<axum::Json<Page<Miss>>> {
    auth.user.actor().require_admin()?;
    let days = q.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(common::Error::validation(vec![common::FieldError::new(
            "days",
            FieldCode::OutOfRange,
            "must be a whole number from 1 to 366",
        )])
        .into());
    }
    let page = q.page()?;
    let since = catalog::Catalog::today() - chrono::Duration::days(i64::from(days) - 1);
    let found = state
        .search
        .misses()
        .top(&state.db, since, page)
        .await
        .map_err(|e| common::Error::from(catalog::CatalogError::from(e)))?;
    Ok(axum::Json(found))
}

/// Finds approved stalls by name, description or commune (no facets: filter by `commune`).
#[utoipa::path(get, operation_id = "search_stalls", path = "/api/v1/search/stalls", tag = "search",
    params(StallSearch),
    responses(
        (status = 200, body = StallResults),
        (status = 503, description = "`search_unavailable`: the search engine is down", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stalls(
    State(state): State<AppState>,
    Query(params): Query<StallSearch>,
) -> ApiResult<axum::Json<StallResults>> {
    Ok(axum::Json(
        state.search.stalls(&state.catalog, params).await?,
    ))
}

/// Suggestions as the buyer types, in one answer: up to 5 products, 3 stalls and 3
/// categories of the public catalogue for a partial query (folded, the last word a prefix,
/// typos forgiven, regional words and run-together syllables understood).
#[utoipa::path(get, operation_id = "suggest_as_you_type", path = "/api/v1/search/suggest", tag = "search",
    params(SuggestSearch),
    responses(
        (status = 200, body = Suggestions),
        (status = 422, description = "`validation_failed`: `q` is empty or over 100 characters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`search_unavailable`: the search engine is down", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn suggest(
    State(state): State<AppState>,
    Query(params): Query<SuggestSearch>,
) -> ApiResult<axum::Json<Suggestions>> {
    Ok(axum::Json(
        state
            .search
            .suggest(&state.db, &state.catalog, params)
            .await?,
    ))
}
