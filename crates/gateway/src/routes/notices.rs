//! The inbox (`me/notifications`), which events reach a user by email
//! (`me/notification-settings`), and a stall's outgoing webhooks (`stalls/{id}/webhooks`).

use std::collections::BTreeMap;

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use common::{FieldCode, Page};
use notify::{
    inbox::{Inbox, NotificationView},
    webhooks::{DeliveryView, WebhookView},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::PageParams;
use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, Query},
    routes::path_id,
    state::AppState,
};

super::paged_params! {
    /// `?unread=&page=&per_page=`
    InboxParams {
        /// Only the unread ones.
        unread: Option<bool>,
    }
}

/// The caller's notifications, newest first, with the count of unread ones.
#[utoipa::path(get, operation_id = "list_notifications", path = "/api/v1/me/notifications", tag = "account", security(("bearer" = [])),
    params(InboxParams),
    responses((status = 200, body = Inbox)))]
pub async fn inbox(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<InboxParams>,
) -> ApiResult<axum::Json<Inbox>> {
    let page = q.page()?;
    Ok(axum::Json(
        notify::inbox::list(&state.db, auth.user.id, q.unread.unwrap_or(false), page).await?,
    ))
}

/// Marks one notification read.
#[utoipa::path(post, operation_id = "mark_notification_read", path = "/api/v1/me/notifications/{id}/read", tag = "account", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 200, body = NotificationView),
    ))]
pub async fn mark_read(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<NotificationView>> {
    let id = path_id(&id)?;
    Ok(axum::Json(
        notify::inbox::mark_read(&state.db, auth.user.id, id).await?,
    ))
}

/// How many notifications were marked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// How many were unread.
    pub marked: u64,
}

/// Marks every notification read.
#[utoipa::path(post, operation_id = "mark_all_notifications_read", path = "/api/v1/me/notifications/read-all", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Marked)))]
pub async fn mark_all_read(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Marked>> {
    Ok(axum::Json(Marked {
        marked: notify::inbox::mark_all_read(&state.db, auth.user.id).await?,
    }))
}

/// Which events reach the user by email (account emails always do).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Event name → whether it comes by email; on a change, only the events named change.
    #[schema(example = json!({"order_shipped": true, "new_order": false}))]
    pub email: BTreeMap<String, bool>,
}

impl From<BTreeMap<&'static str, bool>> for NotificationSettings {
    fn from(email: BTreeMap<&'static str, bool>) -> Self {
        Self {
            email: email.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }
}

/// The caller's email choices, every optional event listed.
#[utoipa::path(get, operation_id = "get_notification_settings", path = "/api/v1/me/notification-settings", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettings)))]
pub async fn settings(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<NotificationSettings>> {
    let email = notify::prefs::email_settings(&state.db, auth.user.id).await?;
    Ok(axum::Json(NotificationSettings::from(email)))
}

/// Turns events' email on or off.
#[utoipa::path(put, operation_id = "set_notification_settings", path = "/api/v1/me/notification-settings", tag = "account", security(("bearer" = [])),
    request_body = NotificationSettings,
    responses(
        (status = 200, body = NotificationSettings),
        (status = 422, description = "`validation_failed`: an event that is not optional or unknown", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_settings(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<NotificationSettings>,
) -> ApiResult<axum::Json<NotificationSettings>> {
    if body.email.len() > 100 {
        return Err(common::Error::invalid_field(
            "email",
            FieldCode::TooMany,
            "names at most 100 events",
        )
        .into());
    }
    let email = notify::prefs::set_email(&state.db, auth.user.id, &body.email).await?;
    Ok(axum::Json(NotificationSettings::from(email)))
}

/// Where a stall's events go.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An https URL whose host is a public internet address: not loopback, private,
    /// link-local, multicast or any other special-purpose address, nor a name that resolves to
    /// one, nor a name that does not resolve.
    #[schema(example = "https://ketoan.htx-cuatung.vn/hooks/cho")]
    pub url: String,
}

/// The stall `id` for its owner: only the owner manages webhooks.
async fn owned(state: &AppState, auth: &AuthUser, id: &str) -> ApiResult<Uuid> {
    let (stall_id, role) = state
        .catalog
        .membership(&state.db, &auth.user.actor(), id)
        .await?;
    if role != catalog::stall::Role::Owner {
        return Err(
            common::Error::forbidden("Only the stall's owner manages its webhooks.").into(),
        );
    }
    Ok(stall_id)
}

/// Registers a webhook (the owner); its secret is shown this once. Events are posted as JSON
/// `{type,timestamp,data}`, signed Standard Webhooks style (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`), retried with back-off,
/// in order per webhook. Only public internet addresses are reached: the URL's host is checked
/// here and again at each delivery, on the very address connected to.
#[utoipa::path(post, path = "/api/v1/stalls/{id}/webhooks", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = NewWebhook,
    responses(
        (status = 201, body = WebhookView),
        (status = 403, description = "`forbidden`: not the owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`too_many_webhooks`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `url` is not https, carries credentials, or its host is not a public internet address", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewWebhook>,
) -> ApiResult<(StatusCode, axum::Json<WebhookView>)> {
    let stall_id = owned(&state, &auth, &id).await?;
    let hook = notify::webhooks::create(
        &state.db,
        stall_id,
        auth.user.id,
        &body.url,
        state.config.notify.webhooks_allow_private,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(hook)))
}

/// The stall's webhooks (the owner); secrets shortened.
#[utoipa::path(get, operation_id = "list_webhooks", path = "/api/v1/stalls/{id}/webhooks", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 200, body = [WebhookView]),
    ))]
pub async fn webhooks(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<WebhookView>>> {
    let stall_id = owned(&state, &auth, &id).await?;
    Ok(axum::Json(
        notify::webhooks::list(&state.db, stall_id).await?,
    ))
}

/// Deletes a webhook (the owner); what is still pending for it is given up, its log stays.
#[utoipa::path(delete, path = "/api/v1/stalls/{id}/webhooks/{wid}", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("wid" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
    ))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, wid)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let stall_id = owned(&state, &auth, &id).await?;
    notify::webhooks::delete(&state.db, stall_id, path_id(&wid)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret (the owner), shown this once; the old one keeps signing beside it for
/// 24 hours so the receiver can switch over.
#[utoipa::path(post, path = "/api/v1/stalls/{id}/webhooks/{wid}/rotate-secret", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("wid" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, body = WebhookView),
    ))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, wid)): Path<(String, String)>,
) -> ApiResult<axum::Json<WebhookView>> {
    let stall_id = owned(&state, &auth, &id).await?;
    Ok(axum::Json(
        notify::webhooks::rotate(&state.db, stall_id, path_id(&wid)?).await?,
    ))
}

/// A webhook's delivery log, newest first (the owner).
#[utoipa::path(get, operation_id = "list_webhook_deliveries", path = "/api/v1/stalls/{id}/webhooks/{wid}/deliveries", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("wid" = Uuid, Path, description = "Webhook id"), PageParams),
    responses(
        (status = 200, body = Page<DeliveryView>),
    ))]
pub async fn deliveries(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, wid)): Path<(String, String)>,
    Query(q): Query<PageParams>,
) -> ApiResult<axum::Json<Page<DeliveryView>>> {
    let stall_id = owned(&state, &auth, &id).await?;
    let page = q.page()?;
    Ok(axum::Json(
        notify::webhooks::deliveries(&state.db, stall_id, path_id(&wid)?, page).await?,
    ))
}
