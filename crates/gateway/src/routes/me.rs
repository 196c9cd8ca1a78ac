//! `me`: the signed-in user.

use axum::extract::State;
use chrono::{DateTime, Utc};
use compliance::PendingPolicy;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::{ApiResult, Problem},
    extract::AuthUser,
    state::AppState,
};

/// A user as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: Uuid,
    /// Normalised email.
    pub email: String,
    /// Name.
    pub full_name: String,
    /// Phone in domestic form, if given.
    pub phone: Option<String>,
    /// Whether the user administers the marketplace.
    pub is_admin: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// When the user proved the email is theirs; `null` until then.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// When an administrator disabled the account (seen by administrators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<DateTime<Utc>>,
    /// When its owner erased the account (`DELETE /api/v1/me`; seen by administrators only):
    /// what is left is the anonymous buyer of the orders it made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<accounts::User> for UserView {
    fn from(u: accounts::User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            full_name: u.full_name,
            phone: u.phone,
            is_admin: u.is_admin,
            created_at: u.created_at,
            email_verified_at: u.email_verified_at,
            disabled_at: u.disabled_at,
            erased_at: u.erased_at,
        }
    }
}

/// The signed-in user, and what they must accept before ordering.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The user.
    #[serde(flatten)]
    pub user: UserView,
    /// The policies the user must accept before ordering (`POST /api/v1/me/consents`): the
    /// versions in effect of the operating rules and the privacy policy that the user has not
    /// accepted, including one that took effect after they accepted the version before. Empty
    /// when there is nothing to accept.
    pub pending_policies: Vec<PendingPolicy>,
}

/// The signed-in user, with the policies they must still accept.
#[utoipa::path(
    get, operation_id = "get_me", path = "/api/v1/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = MeView),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn me(State(state): State<AppState>, auth: AuthUser) -> ApiResult<axum::Json<MeView>> {
    let pending_policies = state
        .policies
        .pending(&state.db, auth.user.id, Utc::now())
        .await?;
    Ok(axum::Json(MeView {
        user: auth.user.into(),
        pending_policies,
    }))
}
