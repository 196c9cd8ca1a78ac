//! `auth/register`, `auth/login`, `auth/logout`.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, ClientIp, Json},
    routes::{
        me::UserView,
        policies::{AcceptedPolicy, known},
    },
    state::AppState,
};

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email address; case and surrounding spaces are ignored.
    #[schema(example = "lan.nguyen@example.vn")]
    pub email: String,
    /// 8 to 128 characters.
    #[schema(example = "nuoc-mam-cua-tung")]
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    /// Name shown on orders, 1 to 100 characters.
    #[schema(example = "Nguyễn Thị Lan")]
    #[schema(min_length = 1, max_length = 100)]
    pub full_name: String,
    /// Vietnamese phone number, stored as `0912345678`.
    #[schema(example = "0912 345 678")]
    pub phone: Option<String>,
    /// The policies the user accepts, each in its version in effect (`GET /api/v1/policies`):
    /// at least `operating_rules` and `privacy`, each an entry of its own (the privacy consent
    /// is asked and recorded apart from the operating rules). Each is recorded with the time
    /// and the client address. Left out (older clients), the account is still made but
    /// nothing is taken as accepted: `GET /api/v1/me` lists both as `pending_policies`, and
    /// checkout answers 409 `policy_not_accepted` until they are accepted
    /// (`POST /api/v1/me/consents`).
    pub accepted_policies: Option<Vec<AcceptedPolicy>>,
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address.
    #[schema(example = "lan.nguyen@example.vn")]
    pub email: String,
    /// Password.
    #[schema(example = "nuoc-mam-cua-tung")]
    pub password: String,
}

/// A bearer token and whose it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: UserView,
}

/// Opens a buyer account. Rate-limited per client address.
#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = UserView),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, naming each field; a policy missing from `accepted_policies` or not in its version in effect is named `accepted_policies.<kind>` (`required`, `not_in_effect`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    state.limits.register_ip.take(&ip.to_string()).await?;
    let accepted = body
        .accepted_policies
        .map(|list| list.into_iter().map(Into::into).collect());
    let user = state
        .policies
        .register(
            &state.db,
            accounts::NewUser {
                email: body.email,
                password: body.password,
                full_name: body.full_name,
                phone: body.phone,
            },
            accepted,
            known(ip),
            chrono::Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

/// Signs in and returns a bearer token.
///
/// Rate-limited per client address (every attempt) and per email and address together (failed
/// attempts only), so nobody can lock another person out by guessing wrong on purpose.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "`invalid_credentials`: unknown email or wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_disabled`: an administrator disabled the account", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    let limits = &state.limits;
    limits.login_ip.take(&ip.to_string()).await?;
    let failures_key = format!("{}|{ip}", body.email.trim().to_lowercase());
    limits.login_failures.allows(&failures_key).await?;
    let out = match state
        .accounts
        .login(&state.db, &body.email, &body.password)
        .await
    {
        Ok(out) => out,
        Err(e) => {
            if matches!(e, accounts::AccountsError::InvalidCredentials) {
                // Counted after the fact; the next attempt from here waits if this was the last.
                let _ = limits.login_failures.check(&failures_key).await;
            }
            return Err(e.into());
        }
    };
    Ok(axum::Json(LoginResponse {
        token: out.token,
        expires_at: out.expires_at,
        user: out.user.into(),
    }))
}

/// Revokes the token this request carries.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out; the token no longer works"),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> ApiResult<StatusCode> {
    state.accounts.logout(&state.db, &auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
