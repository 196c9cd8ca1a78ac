//! Administrators' moderation: the stall queue and its transitions, hiding products, ruling on
//! OCOP claims, categories, and the audit log; the work queues of OCOP certificates, products
//! and orders.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use catalog::{
    audit::AuditEntry,
    category::{CategoryNode, CategoryPatch, NewCategory},
    product::Product,
    service::{
        AuditQuery,
        queues::{CertificateItem, CertificateQueue, ProductFilter, ProductQueue},
    },
    stall::{Stall, StallAction, StallStatus},
};
use common::Page;
use order::{orders::OrderFilter, status::OrderStatus, views::OrderView};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, OptionalJson, Query},
    state::AppState,
};

/// A moderator's reason.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why; required to reject, suspend, hide or refuse a certificate (3 to 1000 characters).
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: Option<String>,
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    QueueParams {
        /// `pending` (default), `approved`, `rejected` or `suspended`.
        status: Option<StallStatus>,
    }
}

/// Stalls by status, oldest first: the moderation queue.
#[utoipa::path(get, operation_id = "list_stall_queue", path = "/api/v1/admin/stalls", tag = "admin", security(("bearer" = [])),
    params(QueueParams),
    responses(
        (status = 200, body = Page<Stall>),
    ))]
pub async fn stall_queue(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<QueueParams>,
) -> ApiResult<axum::Json<Page<Stall>>> {
    let page = q.page()?;
    let p = state
        .catalog
        .stall_queue(
            &state.db,
            &auth.user.actor(),
            q.status.unwrap_or(StallStatus::Pending),
            page,
        )
        .await?;
    Ok(axum::Json(p))
}

async fn moderate(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
    action: StallAction,
    body: Option<ReasonBody>,
) -> ApiResult<axum::Json<Stall>> {
    let reason = body.and_then(|b| b.reason);
    Ok(axum::Json(
        state
            .catalog
            .moderate_stall(&state.db, &auth.user.actor(), id, action, reason.as_deref())
            .await?,
    ))
}

macro_rules! stall_action {
    ($name:ident, $action:expr, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "admin", security(("bearer" = [])),
            params(("id" = String, Path, description = "Stall id or slug")),
            request_body(content = Option<ReasonBody>, description = "Optional for approve and reinstate"),
            responses(
                (status = 200, body = Stall),
                (status = 409, description = "`invalid_transition`", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: AuthUser,
            Path(id): Path<String>,
            OptionalJson(body): OptionalJson<ReasonBody>,
        ) -> ApiResult<axum::Json<Stall>> {
            moderate(&state, &auth, &id, $action, body).await
        }
    };
}

stall_action!(
    approve_stall,
    StallAction::Approve,
    "/api/v1/admin/stalls/{id}/approve",
    "Approves a pending stall: it becomes public."
);
stall_action!(
    reject_stall,
    StallAction::Reject,
    "/api/v1/admin/stalls/{id}/reject",
    "Rejects a pending stall with a reason the owner sees."
);
stall_action!(
    suspend_stall,
    StallAction::Suspend,
    "/api/v1/admin/stalls/{id}/suspend",
    "Suspends an approved stall with a reason; it leaves the public catalogue."
);
stall_action!(
    reinstate_stall,
    StallAction::Reinstate,
    "/api/v1/admin/stalls/{id}/reinstate",
    "Reinstates a suspended stall."
);

/// A moderator's act on one product (admins): the same extractors, a reason when given, the
/// product as it is afterwards; 409 when the product is not in a state the act applies to.
macro_rules! product_action {
    ($($(#[$doc:meta])* $name:ident, $path:literal, [$($body:tt)*],
     |$state:ident, $actor:ident, $id:ident, $reason:ident| $call:expr;)*) => {$(
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "admin", security(("bearer" = [])),
            params(("id" = String, Path, description = "Product id or slug")),
            $($body)*
            responses(
                (status = 200, body = Product),
                (status = 409, body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State($state): State<AppState>,
            auth: AuthUser,
            Path($id): Path<String>,
            OptionalJson(body): OptionalJson<ReasonBody>,
        ) -> ApiResult<axum::Json<Product>> {
            let $reason = body.and_then(|b| b.reason);
            let $actor = auth.user.actor();
            Ok(axum::Json($call.await?))
        }
    )*};
}

product_action! {
    /// Hides a product from the public, with a reason (admins).
    hide_product, "/api/v1/admin/products/{id}/hide", [request_body = ReasonBody,],
        |state, actor, id, reason| state.catalog.hide_product(&state.db, &actor, &id, reason.as_deref());
    /// Shows a hidden product again (admins).
    unhide_product, "/api/v1/admin/products/{id}/unhide", [request_body(content = Option<ReasonBody>),],
        |state, actor, id, reason| state.catalog.unhide_product(&state.db, &actor, &id, reason.as_deref());
    /// Verifies a product's OCOP certificate (admins).
    verify_ocop, "/api/v1/admin/products/{id}/ocop/verify", [],
        |state, actor, id, _reason| state.catalog.verify_ocop(&state.db, &actor, &id);
    /// Refuses a product's OCOP claim with a reason (admins).
    reject_ocop, "/api/v1/admin/products/{id}/ocop/reject", [request_body = ReasonBody,],
        |state, actor, id, reason| state.catalog.reject_ocop(&state.db, &actor, &id, reason.as_deref());
}

/// Adds a category (admins).
#[utoipa::path(post, path = "/api/v1/admin/categories", tag = "admin", security(("bearer" = [])),
    request_body = NewCategory,
    responses((status = 201, body = CategoryNode)))]
pub async fn create_category(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<NewCategory>,
) -> ApiResult<(StatusCode, axum::Json<CategoryNode>)> {
    let c = state
        .catalog
        .create_category(&state.db, &auth.user.actor(), body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(c)))
}

/// Renames, moves or reorders a category (admins).
#[utoipa::path(patch, path = "/api/v1/admin/categories/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Category id or slug")),
    request_body = CategoryPatch,
    responses((status = 200, body = CategoryNode)))]
pub async fn update_category(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<CategoryPatch>,
) -> ApiResult<axum::Json<CategoryNode>> {
    Ok(axum::Json(
        state
            .catalog
            .update_category(&state.db, &auth.user.actor(), &id, body)
            .await?,
    ))
}

/// Deletes an empty category (admins); one with products or subcategories is 409 `in_use`.
#[utoipa::path(delete, path = "/api/v1/admin/categories/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Category id or slug")),
    responses((status = 204, description = "Deleted"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_category(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .catalog
        .delete_category(&state.db, &auth.user.actor(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

super::paged_params! {
    /// `?subject_type=&subject_id=&actor_id=&page=&per_page=`
    AuditParams {
        /// What the entries are about.
        subject_type: Option<catalog::audit::SubjectType>,
        /// One subject's id.
        subject_id: Option<Uuid>,
        /// One administrator's id.
        actor_id: Option<Uuid>,
    }
}

/// Every moderation act, newest first (admins).
#[utoipa::path(get, operation_id = "list_audit_log", path = "/api/v1/admin/audit-log", tag = "admin", security(("bearer" = [])),
    params(AuditParams),
    responses((status = 200, body = Page<AuditEntry>)))]
pub async fn audit_log(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<AuditParams>,
) -> ApiResult<axum::Json<Page<AuditEntry>>> {
    let page = q.page()?;
    let p = state
        .catalog
        .audit_log(
            &state.db,
            &auth.user.actor(),
            AuditQuery {
                subject_type: q.subject_type,
                subject_id: q.subject_id,
                actor_id: q.actor_id,
            },
            page,
        )
        .await?;
    Ok(axum::Json(p))
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    CertificateParams {
        /// `pending` (default: awaiting verification), `verified` or `rejected`.
        status: Option<CertificateQueue>,
    }
}

/// Products' OCOP certificates by review status, the longest waiting first: the queue of
/// claims to verify (admins). Each names the product, its stall, the stars, the certificate's
/// number, issuer and dates, and whether it has lapsed.
#[utoipa::path(get, operation_id = "list_ocop_certificates", path = "/api/v1/admin/ocop-certificates", tag = "admin", security(("bearer" = [])),
    params(CertificateParams),
    responses(
        (status = 200, body = Page<CertificateItem>),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an unknown `status`, a bad page", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn certificate_queue(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<CertificateParams>,
) -> ApiResult<axum::Json<Page<CertificateItem>>> {
    let page = q.page()?;
    let status = q.status.unwrap_or_default();
    let p = state
        .catalog
        .certificate_queue(&state.db, &auth.user.actor(), status, page)
        .await?;
    Ok(axum::Json(p))
}

super::paged_params! {
    /// `?status=&stall=&q=&page=&per_page=`
    ProductQueueParams {
        /// `active` (listed, not hidden), `hidden` or `archived`; every product without it.
        status: Option<ProductQueue>,
        /// A stall's id.
        #[param(example = "3c8e5a71-9d2f-4b6e-a1c3-7e5f9b2d4a86")]
        stall: Option<Uuid>,
        /// Words of the name, with or without diacritics (at most 100 characters).
        #[param(max_length = 100)]
        q: Option<String>,
    }
}

/// Every product, newest first, by status, stall and words of its name (admins): what the
/// public sees and what it does not, as its stall's members see it.
#[utoipa::path(get, operation_id = "list_admin_products", path = "/api/v1/admin/products", tag = "admin", security(("bearer" = [])),
    params(ProductQueueParams),
    responses(
        (status = 200, body = Page<Product>),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an unknown `status`, a malformed `stall`, a `q` too long, a bad page", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn product_queue(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<ProductQueueParams>,
) -> ApiResult<axum::Json<Page<Product>>> {
    let page = q.page()?;
    let filter = ProductFilter {
        status: q.status,
        stall: q.stall,
        q: q.q,
    };
    let p = state
        .catalog
        .product_queue(&state.db, &auth.user.actor(), filter, page)
        .await?;
    Ok(axum::Json(p))
}

super::paged_params! {
    /// `?status=&stall=&from=&to=&page=&per_page=`
    OrderQueueParams {
        /// In this status.
        status: Option<OrderStatus>,
        /// A stall's id.
        #[param(example = "3c8e5a71-9d2f-4b6e-a1c3-7e5f9b2d4a86")]
        stall: Option<Uuid>,
        /// Placed on or after this day (`YYYY-MM-DD`, Vietnam's calendar).
        #[param(example = "2026-11-01")]
        from: Option<chrono::NaiveDate>,
        /// Placed on or before this day (`YYYY-MM-DD`, Vietnam's calendar).
        #[param(example = "2026-11-30")]
        to: Option<chrono::NaiveDate>,
    }
}

/// Every order, newest first, by status, stall and the days it was placed (admins).
#[utoipa::path(get, operation_id = "list_admin_orders", path = "/api/v1/admin/orders", tag = "admin", security(("bearer" = [])),
    params(OrderQueueParams),
    responses(
        (status = 200, body = Page<OrderView>),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an unknown `status`, a malformed `stall` or date, `to` before `from`, a bad page", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn order_queue(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<OrderQueueParams>,
) -> ApiResult<axum::Json<Page<OrderView>>> {
    let page = q.page()?;
    let filter = OrderFilter {
        status: q.status,
        stall: q.stall,
        from: q.from,
        to: q.to,
    };
    let p = state
        .orders
        .admin_orders(&state.db, &auth.user.actor(), filter, page)
        .await?;
    Ok(axum::Json(p))
}
