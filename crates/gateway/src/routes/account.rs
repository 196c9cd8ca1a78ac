//! The account's own settings (`me`: profile, password, sessions, email verification) and
//! getting back in (`auth/password-reset`, `auth/verify-email`); administrators disabling and
//! enabling accounts.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::{AuthUser, ClientIp, Json, OptionalJson, Query},
    routes::{admin::ReasonBody, me::UserView, path_id},
    state::AppState,
};

/// What the user changes of themselves; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// 1 to 100 characters.
    #[schema(example = "Trần Thị Hoa")]
    #[schema(min_length = 1, max_length = 100)]
    pub full_name: Option<String>,
    /// A Vietnamese phone number; an empty string removes it.
    #[schema(example = "0233 3856 123")]
    pub phone: Option<String>,
}

/// Changes the caller's name or phone.
#[utoipa::path(patch, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, body = UserView),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<ProfilePatch>,
) -> ApiResult<axum::Json<UserView>> {
    let user = state
        .accounts
        .update_profile(
            &state.db,
            auth.user.id,
            accounts::ProfileChange {
                full_name: body.full_name,
                phone: body.phone,
            },
        )
        .await?;
    Ok(axum::Json(user.into()))
}

/// The current password and a new one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    #[schema(example = "nuoc-mam-cua-tung")]
    pub current: String,
    /// 8 to 128 characters.
    #[schema(example = "mam-ruoc-gio-linh-2026")]
    #[schema(min_length = 8, max_length = 128)]
    pub new: String,
}

/// What a password change did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChanged {
    /// How many other sessions ended.
    pub other_sessions_ended: u64,
}

/// Changes the caller's password; every other session ends, this one stays, and an email
/// tells the user.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, body = PasswordChanged),
        (status = 422, description = "`validation_failed`: `current` is wrong or `new` too short", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<PasswordChange>,
) -> ApiResult<axum::Json<PasswordChanged>> {
    let ended = state
        .accounts
        .change_password(
            &state.db,
            auth.user.id,
            &auth.token,
            &body.current,
            &body.new,
        )
        .await?;
    Ok(axum::Json(PasswordChanged {
        other_sessions_ended: ended,
    }))
}

/// A live session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Its id.
    pub id: Uuid,
    /// When it signed in.
    pub created_at: DateTime<Utc>,
    /// When it ends by itself.
    pub expires_at: DateTime<Utc>,
    /// Whether it is this request's.
    pub current: bool,
}

/// The caller's live sessions, newest first.
#[utoipa::path(get, operation_id = "list_sessions", path = "/api/v1/me/sessions", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = [SessionView])))]
pub async fn sessions(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<SessionView>>> {
    let list = state
        .accounts
        .sessions(&state.db, auth.user.id, &auth.token)
        .await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|s| SessionView {
                id: s.id,
                created_at: s.created_at,
                expires_at: s.expires_at,
                current: s.current,
            })
            .collect(),
    ))
}

/// Ends one of the caller's sessions (this one too, if named).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id)?;
    state
        .accounts
        .revoke_session(&state.db, auth.user.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Emails a new verification link (earlier ones stop working).
#[utoipa::path(post, path = "/api/v1/me/verify-email", tag = "account", security(("bearer" = [])),
    responses(
        (status = 202, description = "A link is on its way"),
        (status = 409, description = "`already_verified`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: three links a minute at most", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resend_verification(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<StatusCode> {
    state
        .limits
        .reset_email
        .check(&format!("verify|{}", auth.user.id))
        .await
        .map_err(ApiError::rate_limited)?;
    if state
        .accounts
        .resend_verification(&state.db, &auth.user)
        .await?
    {
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(common::Error::conflict("already_verified", "The email is verified already.").into())
    }
}

/// Whose password to reset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's email.
    #[schema(example = "hoa.tran@example.vn")]
    pub email: String,
}

/// Emails a single-use password reset link if the email has an account. The answer is the same
/// either way; rate-limited per client address and per email.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "If the email has an account, a link is on its way"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<ResetRequest>,
) -> ApiResult<StatusCode> {
    // The limiter's key is bounded; the address itself is checked whole by the service.
    let email: String = body.email.trim().to_lowercase().chars().take(254).collect();
    state
        .limits
        .reset_ip
        .check(&ip.to_string())
        .await
        .map_err(ApiError::rate_limited)?;
    state
        .limits
        .reset_email
        .check(&email)
        .await
        .map_err(ApiError::rate_limited)?;
    state
        .accounts
        .request_password_reset(&state.db, &body.email)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// A reset token and the new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    /// The token from the emailed link.
    #[schema(example = "3f9a…")]
    pub token: String,
    /// 8 to 128 characters.
    #[schema(example = "mam-ruoc-gio-linh-2026")]
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// Sets a new password with the emailed token; the token is used up, and every session of the
/// account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
        (status = 422, description = "`invalid_link` (unknown, expired or used token) or `validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    Json(body): Json<ResetConfirm>,
) -> ApiResult<StatusCode> {
    state
        .accounts
        .confirm_password_reset(&state.db, &body.token, &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A verification token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    /// The token from the emailed link.
    pub token: String,
}

/// Marks the account's email verified with the emailed token.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth",
    request_body = VerifyEmail,
    responses(
        (status = 200, body = UserView),
        (status = 422, description = "`invalid_link`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    Json(body): Json<VerifyEmail>,
) -> ApiResult<axum::Json<UserView>> {
    let user = state.accounts.verify_email(&state.db, &body.token).await?;
    Ok(axum::Json(user.into()))
}

/// `?email=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserLookup {
    /// The exact email (case and spaces ignored).
    pub email: String,
}

/// Finds the account with an email (admins); an empty list when there is none.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    params(UserLookup),
    responses(
        (status = 200, body = [UserView]),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn find_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<UserLookup>,
) -> ApiResult<axum::Json<Vec<UserView>>> {
    auth.user.actor().require_admin()?;
    let found = state.accounts.find_by_email(&state.db, &q.email).await?;
    Ok(axum::Json(found.into_iter().map(UserView::from).collect()))
}

/// Disables an account (admins): its sessions end at once, it cannot sign in, and the stalls
/// it owns are suspended (they stop selling) with the reason given.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/disable", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body(content = Option<ReasonBody>, description = "Why (optional: no body, `null` and `{}` are taken too)"),
    responses(
        (status = 200, body = UserView),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`cannot_disable_self`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn disable_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<axum::Json<UserView>> {
    let actor = auth.user.actor();
    // Anyone else hears `forbidden`, whatever the path names.
    actor.require_admin()?;
    let reason = body.and_then(|b| b.reason);
    let user = state
        .catalog
        .disable_account(
            &state.db,
            &state.accounts,
            &actor,
            path_id(&id)?,
            reason.as_deref(),
        )
        .await?;
    Ok(axum::Json(user.into()))
}

/// Enables a disabled account (admins); the stalls suspended because it was disabled sell
/// again. An account its owner erased stays disabled.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/enable", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = UserView),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`account_erased`: its owner erased it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enable_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<UserView>> {
    let actor = auth.user.actor();
    // Anyone else hears `forbidden`, whatever the path names.
    actor.require_admin()?;
    let user = state
        .catalog
        .enable_account(&state.db, &state.accounts, &actor, path_id(&id)?)
        .await?;
    Ok(axum::Json(user.into()))
}
