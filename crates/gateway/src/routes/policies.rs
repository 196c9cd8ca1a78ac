//! `policies` (the published operating rules, privacy, returns, shipping, payment and
//! complaints policies), `admin/policies/{kind}` (publishing a version) and `me/consents`
//! (what the signed-in user accepted).

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::{DateTime, Utc};
use common::Stored;
use compliance::{Policy, PolicyKind, policies::Acceptance};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::{AuthUser, ClientIp, Json, Query},
    state::AppState,
};

/// A version of a policy being accepted.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptedPolicy {
    /// The policy.
    pub kind: PolicyKind,
    /// The version accepted: the one in effect (`GET /api/v1/policies`).
    #[schema(minimum = 1, example = 1)]
    pub version: i32,
}

impl From<AcceptedPolicy> for Acceptance {
    fn from(a: AcceptedPolicy) -> Self {
        Acceptance {
            kind: a.kind,
            version: a.version,
        }
    }
}

/// A consent the user gave.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    /// The policy accepted.
    pub kind: PolicyKind,
    /// The version accepted.
    pub version: i32,
    /// When.
    pub accepted_at: DateTime<Utc>,
    /// The client address the acceptance came from.
    pub client_address: Option<String>,
}

impl From<compliance::policies::Consent> for ConsentView {
    fn from(c: compliance::policies::Consent) -> Self {
        Self {
            kind: c.kind,
            version: c.version,
            accepted_at: c.accepted_at,
            client_address: c.client_address,
        }
    }
}

/// A new version of a policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicyVersion {
    /// 1 to 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Quy chế hoạt động sàn giao dịch thương mại điện tử"
    )]
    pub title: String,
    /// The text, in Markdown; 1 to 100000 characters.
    #[schema(min_length = 1, max_length = 100000)]
    pub body: String,
    /// When it takes effect: now when left out, never in the past. Until then the version
    /// before stays in effect.
    pub effective_from: Option<DateTime<Utc>>,
}

/// `?version=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionParams {
    /// An earlier (or announced) version by its number; the one in effect when left out.
    #[param(minimum = 1)]
    pub version: Option<i32>,
}

/// The client's address, when known (in-process tests have none).
pub(crate) fn known(ip: std::net::IpAddr) -> Option<std::net::IpAddr> {
    (!ip.is_unspecified()).then_some(ip)
}

/// The kind a path names; another word names nothing there.
fn path_kind(kind: &str) -> ApiResult<PolicyKind> {
    PolicyKind::parse(kind).ok_or_else(|| ApiError::from_status(StatusCode::NOT_FOUND))
}

/// The version in effect of each policy: operating rules, privacy, returns, shipping, payment
/// and complaints.
#[utoipa::path(get, operation_id = "list_policies", path = "/api/v1/policies", tag = "policies",
    responses((status = 200, body = [Policy])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<Policy>>> {
    Ok(axum::Json(
        state.policies.current(&state.db, Utc::now()).await?,
    ))
}

/// A policy: the version in effect, or the one `version` names.
#[utoipa::path(get, operation_id = "get_policy", path = "/api/v1/policies/{kind}", tag = "policies",
    params(("kind" = PolicyKind, Path, description = "The policy"), VersionParams),
    responses(
        (status = 200, body = Policy),
        (status = 404, description = "`not_found`: no such policy or version, or none in effect yet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(p): Query<VersionParams>,
) -> ApiResult<axum::Json<Policy>> {
    let kind = path_kind(&kind)?;
    Ok(axum::Json(
        state
            .policies
            .get(&state.db, kind, p.version, Utc::now())
            .await?,
    ))
}

/// Publishes the next version of a policy (administrators; audited). Users who accepted the
/// version before must accept this one before they order again, from when it takes effect.
#[utoipa::path(post, operation_id = "publish_policy", path = "/api/v1/admin/policies/{kind}", tag = "admin", security(("bearer" = [])),
    params(("kind" = PolicyKind, Path, description = "The policy")),
    request_body = NewPolicyVersion,
    responses(
        (status = 201, body = Policy),
        (status = 409, description = "`version_conflict`: another version was published at the same moment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an empty title or body, or `effective_from` in the past", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Json(body): Json<NewPolicyVersion>,
) -> ApiResult<(StatusCode, axum::Json<Policy>)> {
    let kind = path_kind(&kind)?;
    let published = state
        .policies
        .publish(
            &state.db,
            &auth.user.actor(),
            kind,
            compliance::policies::NewVersion {
                title: body.title,
                body: body.body,
                effective_from: body.effective_from,
            },
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(published)))
}

/// Accepts the version in effect of a policy; recorded with the time and the client address.
#[utoipa::path(post, operation_id = "give_consent", path = "/api/v1/me/consents", tag = "account", security(("bearer" = [])),
    request_body = AcceptedPolicy,
    responses(
        (status = 201, body = ConsentView),
        (status = 422, description = "`validation_failed`: `version` is not the one in effect (`not_in_effect`), or the policy has none in effect", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn give_consent(
    State(state): State<AppState>,
    auth: AuthUser,
    ClientIp(ip): ClientIp,
    Json(body): Json<AcceptedPolicy>,
) -> ApiResult<(StatusCode, axum::Json<ConsentView>)> {
    let consent = state
        .policies
        .accept(
            &state.db,
            &auth.user.actor(),
            body.into(),
            known(ip),
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(consent.into())))
}

/// Every consent the caller gave, newest first: which version of which policy, when, and from
/// which client address.
#[utoipa::path(get, operation_id = "list_consents", path = "/api/v1/me/consents", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = [ConsentView])))]
pub async fn consents(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<ConsentView>>> {
    let list = state
        .policies
        .consents(&state.db, &auth.user.actor())
        .await?;
    Ok(axum::Json(list.into_iter().map(Into::into).collect()))
}
