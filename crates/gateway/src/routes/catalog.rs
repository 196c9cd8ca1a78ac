//! Public catalogue and vendors' own stalls and products: `regions`, `categories`, `stalls`,
//! `products`, `me/stalls`.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use catalog::{
    category::CategoryNode,
    product::{NewProduct, Product, ProductPatch},
    region::Commune,
    service::ProductSort,
    stall::{DeliveryRules, MemberProfile, NewStall, Role, Stall, StallPatch},
};
use chrono::{DateTime, Utc};
use common::Page;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, MaybeActor, Query},
    state::AppState,
};

super::paged_params! {
    /// `?commune=&page=&per_page=`
    StallListParams {
        /// Only stalls of this commune code.
        commune: Option<String>,
    }
}

super::paged_params! {
    /// `?category=&sort=&page=&per_page=`
    ProductListParams {
        /// Category id or slug (its subcategories included).
        category: Option<String>,
        /// `newest` (default), `price_asc` or `price_desc`.
        #[param(value_type = Option<catalog::service::ProductSort>)]
        sort: Option<String>,
    }
}

super::paged_params! {
    /// `?sort=&page=&per_page=` (the path names the category).
    CategoryProductParams {
        /// `newest` (default), `price_asc` or `price_desc`.
        #[param(value_type = Option<catalog::service::ProductSort>)]
        sort: Option<String>,
    }
}

/// The communes and wards of the operating province: where stalls may sit. Buyers' addresses
/// use the national map (`regions/provinces`, `regions/lookup`).
#[utoipa::path(get, operation_id = "list_communes", path = "/api/v1/regions", tag = "catalog",
    responses((status = 200, description = "Communes, wards and special zones", body = [Commune])))]
pub async fn regions(State(state): State<AppState>) -> axum::Json<Vec<Commune>> {
    axum::Json(state.catalog.regions().all().to_vec())
}

/// The category tree (the OCOP programme's six groups and their subgroups).
#[utoipa::path(get, operation_id = "list_categories", path = "/api/v1/categories", tag = "catalog",
    responses((status = 200, description = "Top-level categories with their children", body = [CategoryNode])))]
pub async fn categories(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<CategoryNode>>> {
    Ok(axum::Json(state.catalog.categories(&state.db).await?))
}

/// Visible products of a category and its subcategories.
#[utoipa::path(get, operation_id = "list_category_products", path = "/api/v1/categories/{id_or_slug}/products", tag = "catalog",
    params(("id_or_slug" = String, Path, description = "Category id or slug"), CategoryProductParams),
    responses(
        (status = 200, body = Page<Product>),
    ))]
pub async fn category_products(
    State(state): State<AppState>,
    Path(id_or_slug): Path<String>,
    Query(q): Query<CategoryProductParams>,
) -> ApiResult<axum::Json<Page<Product>>> {
    let page = q.page()?;
    let sort = ProductSort::parse(q.sort.as_deref())?;
    let products = state
        .catalog
        .category_products(&state.db, &id_or_slug, sort, page)
        .await?;
    Ok(axum::Json(products))
}

/// Applies for a stall; it starts `pending` and the caller is its owner.
#[utoipa::path(post, operation_id = "apply_for_stall", path = "/api/v1/stalls", tag = "stalls", security(("bearer" = [])),
    request_body = NewStall,
    responses(
        (status = 201, body = Stall),
    ))]
pub async fn apply(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<NewStall>,
) -> ApiResult<(StatusCode, axum::Json<Stall>)> {
    let stall = state
        .catalog
        .apply(&state.db, &auth.user.actor(), body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(stall)))
}

/// Approved stalls, most recently approved first.
#[utoipa::path(get, path = "/api/v1/stalls", tag = "stalls", params(StallListParams),
    responses((status = 200, body = Page<Stall>)))]
pub async fn list_stalls(
    State(state): State<AppState>,
    Query(q): Query<StallListParams>,
) -> ApiResult<axum::Json<Page<Stall>>> {
    let page = q.page()?;
    let stalls = state
        .catalog
        .public_stalls(&state.db, q.commune.as_deref(), page)
        .await?;
    Ok(axum::Json(stalls))
}

/// A stall: public once approved; its members and admins see it in every status.
#[utoipa::path(get, path = "/api/v1/stalls/{id}", tag = "stalls",
    params(("id" = String, Path, description = "Stall id or slug")),
    responses((status = 200, body = Stall), (status = 401, description = "`unauthorized`: a token was sent but is not live (revoked or expired); without one the answer is the public view", body = Problem, content_type = "application/problem+json")))]
pub async fn get_stall(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id_or_slug): Path<String>,
) -> ApiResult<axum::Json<Stall>> {
    Ok(axum::Json(
        state.catalog.stall(&state.db, &actor, &id_or_slug).await?,
    ))
}

/// Edits a stall (members). A rejected stall goes back to `pending`.
#[utoipa::path(patch, path = "/api/v1/stalls/{id}", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = StallPatch,
    responses(
        (status = 200, body = Stall),
    ))]
pub async fn update_stall(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<StallPatch>,
) -> ApiResult<axum::Json<Stall>> {
    Ok(axum::Json(
        state
            .catalog
            .update_stall(&state.db, &auth.user.actor(), &id, body)
            .await?,
    ))
}

/// Sets the stall's own delivery rules (its owner): free delivery above an order value, a flat
/// fee, or its own delivery within the province; unset, the marketplace's rate table prices
/// each order by zone and weight.
#[utoipa::path(put, path = "/api/v1/stalls/{id}/delivery", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = DeliveryRules,
    responses(
        (status = 200, body = Stall),
        (status = 403, description = "`forbidden`: staff may not", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a negative or too large amount", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_delivery(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<DeliveryRules>,
) -> ApiResult<axum::Json<Stall>> {
    Ok(axum::Json(
        state
            .catalog
            .set_delivery_rules(&state.db, &auth.user.actor(), &id, body)
            .await?,
    ))
}

/// The caller's stalls, in every status.
#[utoipa::path(get, operation_id = "list_my_stalls", path = "/api/v1/me/stalls", tag = "stalls", security(("bearer" = [])),
    responses((status = 200, body = [Stall])))]
pub async fn my_stalls(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<Stall>>> {
    Ok(axum::Json(
        state
            .catalog
            .my_stalls(&state.db, &auth.user.actor())
            .await?,
    ))
}

/// Someone to add to a stall.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Email of a registered user.
    pub email: String,
    /// Only `staff`: a stall has one owner.
    pub role: Role,
}

/// A member of a stall, with who they are.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// User id.
    pub user_id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub full_name: String,
    /// Role.
    pub role: Role,
    /// Since when.
    pub since: DateTime<Utc>,
}

impl From<MemberProfile> for MemberView {
    fn from(m: MemberProfile) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email,
            full_name: m.full_name,
            role: m.role,
            since: m.since,
        }
    }
}

/// The stall's members (members and admins).
#[utoipa::path(get, operation_id = "list_members", path = "/api/v1/stalls/{id}/members", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 200, body = [MemberView]),
        (status = 403, description = "`forbidden`: an approved stall, and the caller is not its member", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn members(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<MemberView>>> {
    let members = state
        .catalog
        .member_profiles(&state.db, &state.accounts, &auth.user.actor(), &id)
        .await?;
    Ok(axum::Json(
        members.into_iter().map(MemberView::from).collect(),
    ))
}

/// Adds a registered user as staff (owner only).
#[utoipa::path(post, path = "/api/v1/stalls/{id}/members", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = NewMember,
    responses(
        (status = 201, body = MemberView),
        (status = 409, description = "`already_member`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewMember>,
) -> ApiResult<(StatusCode, axum::Json<MemberView>)> {
    let member = state
        .catalog
        .add_member(
            &state.db,
            &state.accounts,
            &auth.user.actor(),
            &id,
            &body.email,
            body.role,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(member.into())))
}

/// Removes a staff member (owner only).
#[utoipa::path(delete, path = "/api/v1/stalls/{id}/members/{user_id}", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("user_id" = Uuid, Path, description = "Member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "`invalid_transition`: the owner cannot be removed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user_id = super::path_id(&user_id)?;
    state
        .catalog
        .remove_member(&state.db, &auth.user.actor(), &id, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists a new product (members). An OCOP claim starts unverified.
///
/// Sale prices: a variant (or a product of one variant, beside `price`) may carry
/// `sale_price`, `sale_starts_at` and `sale_ends_at` (RFC 3339), all three or none. `price`
/// stays the regular price, the price before the promotion; during `[sale_starts_at,
/// sale_ends_at)` the price in force (`price_in_force`, what carts and checkouts charge, what
/// search sorts and filters by) is `sale_price`. Refused with 422: a sale price not below
/// `price` (`out_of_range`), one cutting more than 50 % of it (`over_promotion_cap`: Decree
/// 81/2018/NĐ-CP, Art. 7, as amended by Decree 128/2024/NĐ-CP), an end not after the start
/// (`before_other`) or already past (`in_the_past`), a window longer than
/// `promotions.max_sale_days` days (`window_too_long`), a field without the other two
/// (`required`). Keeping a product's promotion days within the decree's yearly total is the
/// stall's duty.
#[utoipa::path(post, path = "/api/v1/stalls/{id}/products", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = NewProduct,
    responses(
        (status = 201, body = Product),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewProduct>,
) -> ApiResult<(StatusCode, axum::Json<Product>)> {
    let product = state
        .catalog
        .create_product(&state.db, &auth.user.actor(), &id, body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(product)))
}

/// A stall's products: visible ones for the public, all of them for members and admins.
#[utoipa::path(get, operation_id = "list_stall_products", path = "/api/v1/stalls/{id}/products", tag = "products",
    params(("id" = String, Path, description = "Stall id or slug"), ProductListParams),
    responses(
        (status = 200, body = Page<Product>),
        (status = 401, description = "`unauthorized`: a token was sent but is not live (revoked or expired); without one the answer is the public view", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stall_products(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id_or_slug): Path<String>,
    Query(q): Query<ProductListParams>,
) -> ApiResult<axum::Json<Page<Product>>> {
    let page = q.page()?;
    let sort = ProductSort::parse(q.sort.as_deref())?;
    let products = state
        .catalog
        .stall_products(
            &state.db,
            &actor,
            &id_or_slug,
            q.category.as_deref(),
            sort,
            page,
        )
        .await?;
    Ok(axum::Json(products))
}

/// A product: public while visible; its stall's members and admins see it in every state.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = String, Path, description = "Product id or slug")),
    responses((status = 200, body = Product), (status = 401, description = "`unauthorized`: a token was sent but is not live (revoked or expired); without one the answer is the public view", body = Problem, content_type = "application/problem+json")))]
pub async fn get_product(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id_or_slug): Path<String>,
) -> ApiResult<axum::Json<Product>> {
    Ok(axum::Json(
        state
            .catalog
            .product(&state.db, &actor, &id_or_slug)
            .await?,
    ))
}

/// Edits a product (members) with the `version` last read; a stale version is 409
/// `version_conflict`.
///
/// Sales follow the rules of `POST /api/v1/stalls/{id}/products`. A product of one variant
/// takes `sale_price`, `sale_starts_at` and `sale_ends_at` (absent: its sale stays; all three
/// `null`: it ends); with `variants`, each variant's sale is given whole (a variant without
/// sale fields has none). A sale given back unchanged is not checked again.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "Product id or slug")),
    request_body = ProductPatch,
    responses(
        (status = 200, body = Product),
        (status = 409, description = "`version_conflict`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_product(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ProductPatch>,
) -> ApiResult<axum::Json<Product>> {
    Ok(axum::Json(
        state
            .catalog
            .update_product(&state.db, &auth.user.actor(), &id, body)
            .await?,
    ))
}

/// Archives a product (members).
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "Product id or slug")),
    responses(
        (status = 204, description = "Archived"),
    ))]
pub async fn archive_product(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .catalog
        .archive_product(&state.db, &auth.user.actor(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
