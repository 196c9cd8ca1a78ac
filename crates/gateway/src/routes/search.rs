//! `search/products`, `search/stalls` and `search/suggest`.

use axum::extract::State;
use catalog::{product::ProductSummary, stall::StallSummary};
use search::service::{ProductSearch, Results, StallSearch, SuggestSearch, Suggestions};

use crate::{
    error::{ApiResult, Problem},
    extract::Query,
    state::AppState,
};

/// Finds products the way buyers type: with or without diacritics, with a typo, the last word
/// still being typed. Filters are typed values; facets count by category, commune and stars.
#[utoipa::path(get, operation_id = "search_products", path = "/api/v1/search/products", tag = "search",
    params(ProductSearch),
    responses(
        (status = 200, body = Results<ProductSummary>),
        (status = 422, description = "`validation_failed`: a query over 200 characters, an unknown sort or a malformed filter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`search_unavailable`: the search engine is down", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn products(
    State(state): State<AppState>,
    Query(params): Query<ProductSearch>,
) -> ApiResult<axum::Json<Results<ProductSummary>>> {
    Ok(axum::Json(
        state
            .search
            .products(&state.db, &state.catalog, params)
            .await?,
    ))
}

/// Finds approved stalls by name, description or commune.
#[utoipa::path(get, operation_id = "search_stalls", path = "/api/v1/search/stalls", tag = "search",
    params(StallSearch),
    responses(
        (status = 200, body = Results<StallSummary>),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`search_unavailable`: the search engine is down", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stalls(
    State(state): State<AppState>,
    Query(params): Query<StallSearch>,
) -> ApiResult<axum::Json<Results<StallSummary>>> {
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
