//! The API's errors: every failure leaves as `application/problem+json` (RFC 9457) with a stable
//! `code`. Domain error kinds map to HTTP statuses here and nowhere else.

use std::borrow::Cow;

use axum::{
    Json,
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use common::{ErrorKind, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::messages::{Messages, prefers_vietnamese};

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: Cow<'static, str>,
    /// Human-readable detail.
    pub detail: String,
    /// Per-field problems.
    pub errors: Vec<FieldError>,
    /// Extra data for the client (`details` in the body); boxed to keep errors small.
    pub details: Option<Box<serde_json::Value>>,
    /// Seconds to wait before retrying, for 429 and 503.
    pub retry_after: Option<u64>,
    /// Cause, logged for 5xx.
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// Every problem `code` the API answers with (stable; clients may branch on them): in the
/// document, a string enum over [`PROBLEM_CODES`].
pub struct ProblemCode;

impl utoipa::PartialSchema for ProblemCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(PROBLEM_CODES.iter().copied()))
            .description(Some(
                "Every problem `code` the API answers with (stable; clients may branch on them).",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ProblemCode {}

/// Every problem code, as sent.
pub const PROBLEM_CODES: &[&str] = &[
    "validation_failed",
    "file_too_large",
    "image_too_large",
    "image_unreadable",
    "media_quota_exceeded",
    "malformed_json",
    "bad_request",
    "unsupported_media_type",
    "payload_too_large",
    "unauthorized",
    "forbidden",
    "invalid_credentials",
    "email_taken",
    "not_found",
    "method_not_allowed",
    "rate_limited",
    "timeout",
    "unavailable",
    "search_unavailable",
    "internal",
    "http_error",
    "version_conflict",
    "in_use",
    "already_member",
    "too_many_addresses",
    "out_of_stock",
    "invalid_transition",
    "cart_not_ready",
    "cart_changed",
    "total_changed",
    "voucher_code_taken",
    "voucher_in_use",
    "idempotency_key_reused",
    "payment_unavailable",
    "payment_refused",
    "already_refunded",
    "order_not_delivered",
    "case_window_closed",
    "case_already_open",
    "case_not_rejected",
    "case_moved",
    "case_closed",
    "not_a_return",
    "goods_not_expected",
    "refund_exceeds_paid",
    "refund_exceeds_remaining",
    "not_earned",
    "invalid_signature",
    "malformed_event",
    "stale_notification",
    "transfer_decided",
    "not_awaiting_payment",
    "nothing_owed",
    "refund_not_manual",
    "refund_to_card",
    "payout_decided",
    "account_disabled",
    "invalid_link",
    "already_verified",
    "cannot_disable_self",
    "too_many_webhooks",
    "exports_busy",
    "identity_unverified",
    "policy_not_accepted",
    "report_closed",
    "not_taken_down",
    "review_pending",
    "no_review_pending",
    "erasure_blocked",
    "account_erased",
    "last_administrator",
    "not_purchased",
    "already_reviewed",
    "edit_window_closed",
    "already_replied",
    "already_hidden",
    "not_hidden",
    "remittance_reference_taken",
    "period_not_ended",
    "period_out_of_order",
    "period_open",
    "certificate_replaced",
    "carrier_unavailable",
    "carrier_refused",
    "carrier_credentials_refused",
    "commune_not_served",
    "waybill_not_found",
    "callback_not_verified",
    "carrier_message_malformed",
    "carrier_status_unknown",
    "carrier_not_configured",
    "carrier_tokens_unavailable",
    "shipment_booking",
];

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:problem:marketplace:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the status.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this case.
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    #[schema(value_type = ProblemCode)]
    pub code: String,
    /// Per-field messages for validation failures (empty otherwise).
    pub errors: Vec<ProblemField>,
    /// What the client needs to act on this error, for some codes: `total_changed` carries the
    /// new breakdown of the checkout here; where the detail states numbers, they are here too
    /// (`out_of_stock`: `count` and `shortages`; `version_conflict`: `current_version`;
    /// `too_many_addresses`, `too_many_webhooks`: `max`; `malformed_json`: `line`, `column`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<serde_json::Value>>,
}

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// Dotted path of the field in the request.
    #[schema(example = "shipping.phone")]
    pub field: String,
    /// A stable code for what is wrong (`required`, `too_short`, `too_long`, `out_of_range`,
    /// `unknown_commune`, `invalid_phone`, …; the list is `config/messages.toml`), or `invalid`.
    #[schema(example = "invalid_phone")]
    pub code: String,
    /// What is wrong with it, in English, or in Vietnamese when the request says
    /// `Accept-Language: vi`.
    #[schema(example = "must be a Vietnamese phone number such as 0912 345 678")]
    pub message: String,
}

impl ApiError {
    /// An error with a status, a code and a detail.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            details: None,
            retry_after: None,
            source: None,
        }
    }

    /// 401: missing or invalid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 422 `validation_failed` listing the bad fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Some fields are invalid.",
        );
        e.errors = errors;
        e
    }

    /// 429 with the seconds to wait.
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many attempts; try again in {retry_after} s."),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// The default code for a bare status, used when something other than a handler (a layer, a
    /// fallback) produced the error.
    pub fn from_status(status: StatusCode) -> Self {
        let (code, detail) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "The request is malformed."),
            StatusCode::UNAUTHORIZED => ("unauthorized", "Sign in to do this."),
            StatusCode::FORBIDDEN => ("forbidden", "You may not do this."),
            StatusCode::NOT_FOUND => ("not_found", "There is nothing at this address."),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "This address does not accept this method.",
            ),
            StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
                ("timeout", "The request took too long; try again shortly.")
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                ("payload_too_large", "The request body is too large.")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "Send the body as application/json.",
            ),
            StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "Too many requests; slow down."),
            s if s.is_server_error() => ("internal", "An internal error occurred."),
            _ => ("http_error", "The request failed."),
        };
        Self::new(status, code, detail)
    }
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Malformed => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<common::Error> for ApiError {
    fn from(e: common::Error) -> Self {
        let status = status_of(e.kind);
        let source: Option<Box<dyn std::error::Error + Send + Sync>> = match e.source {
            Some(s) => Some(s),
            None if status.is_server_error() => Some(e.message.clone().into()),
            None => None,
        };
        Self {
            status,
            code: Cow::Borrowed(e.code),
            detail: e.message,
            errors: e.fields,
            details: e.details.map(Box::new),
            retry_after: (status == StatusCode::SERVICE_UNAVAILABLE).then_some(5),
            source,
        }
    }
}

impl From<accounts::AccountsError> for ApiError {
    fn from(e: accounts::AccountsError) -> Self {
        common::Error::from(e).into()
    }
}

impl From<media::MediaError> for ApiError {
    fn from(e: media::MediaError) -> Self {
        common::Error::from(e).into()
    }
}

impl From<catalog::CatalogError> for ApiError {
    fn from(e: catalog::CatalogError) -> Self {
        common::Error::from(e).into()
    }
}

impl From<order::OrderError> for ApiError {
    fn from(e: order::OrderError) -> Self {
        common::Error::from(e).into()
    }
}

impl From<compliance::ComplianceError> for ApiError {
    fn from(e: compliance::ComplianceError) -> Self {
        common::Error::from(e).into()
    }
}

impl From<reviews::ReviewsError> for ApiError {
    fn from(e: reviews::ReviewsError) -> Self {
        common::Error::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let detail = if status.is_server_error() {
            // Logged once, inside the request's span (so with its request id); never shown.
            match &self.source {
                Some(source) => {
                    tracing::error!(code = %self.code, error = %source, "request failed")
                }
                None => tracing::error!(code = %self.code, detail = %self.detail, "request failed"),
            }
            if self.code == "internal" {
                "An internal error occurred.".to_owned()
            } else {
                self.detail
            }
        } else {
            self.detail
        };
        let body = Problem {
            type_: format!("urn:problem:marketplace:{}", self.code),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code.into_owned(),
            errors: self
                .errors
                .into_iter()
                .map(|f| ProblemField {
                    code: f.code.as_str().to_owned(),
                    field: f.field,
                    message: f.message,
                })
                .collect(),
            details: self.details,
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A cart answer (of `/api/v1/cart…`, signed-in or guest) with its lines' problems in
/// Vietnamese (`Content-Language: vi`); the answer varies by `Accept-Language`.
async fn localize_cart(res: Response) -> Response {
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("accept-language"));
    let Ok(bytes) = to_bytes(body, MAX_CART_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut cart) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    Messages::shipped().translate_cart(&mut cart);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("vi"));
    Response::from_parts(parts, Body::from(cart.to_string()))
}

/// The largest cart answer that is translated (a full cart is some tens of kilobytes).
const MAX_CART_BYTES: usize = 4 * 1024 * 1024;

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// The largest problem body that is translated (they are a few hundred bytes).
const MAX_PROBLEM_BYTES: usize = 256 * 1024;

/// Middleware: problem answers to a request that prefers Vietnamese carry the Vietnamese texts
/// of the message table (`Content-Language: vi`); every problem answer says it varies by
/// `Accept-Language`.
pub async fn localize(req: Request, next: Next) -> Response {
    let vietnamese = prefers_vietnamese(req.headers().get(header::ACCEPT_LANGUAGE));
    let cart = vietnamese && req.uri().path().starts_with("/api/v1/cart");
    let mut res = next.run(req).await;
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if !is_problem {
        return if cart { localize_cart(res).await } else { res };
    }
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-language"));
    if !vietnamese {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut problem) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    Messages::shipped().translate_problem(&mut problem);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("vi"));
    Response::from_parts(parts, Body::from(problem.to_string()))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// The Rust files under every crate's `src`.
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            // The test kit's stand-ins speak other services' codes (Stripe's).
            let skip = ["tests", "target", "testkit"];
            if p.is_dir() && p.file_name().is_some_and(|n| !skip.iter().any(|s| n == *s)) {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs")
                && p.to_string_lossy().contains("/src/")
            {
                out.push(p);
            }
        }
    }

    /// The problem codes the sources raise: the first argument of `conflict(..)`, the code
    /// after a kind or a status in `Error::new(..)` and `ApiError::new(..)`, and the arms of
    /// the domain errors' `fn code`.
    fn raised_codes() -> std::collections::BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        sources(&root, &mut files);
        assert!(files.len() > 50, "read {} files", files.len());
        let call = regex::Regex::new(
            r#"(?:conflict\(|(?:ErrorKind|StatusCode)::[A-Z_a-z]+,)\s*"([a-z_]+)""#,
        )
        .unwrap();
        let arm = regex::Regex::new(r#"=> "([a-z_]+)",?"#).unwrap();
        let mut codes = std::collections::BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            codes.extend(call.captures_iter(&text).map(|c| c[1].to_owned()));
            for (at, _) in text.match_indices("fn code(&self) -> &'static str {") {
                let body = &text[at..];
                let body = &body[..body.find("\n    }\n").unwrap_or(body.len())];
                codes.extend(arm.captures_iter(body).map(|c| c[1].to_owned()));
            }
        }
        codes
    }

    /// Every problem code has a Vietnamese detail, and every code the sources raise is one the
    /// document lists (so the first check sees it): a code added without its Vietnamese text,
    /// or raised without being listed, fails here.
    #[test]
    fn every_problem_code_is_listed_and_has_a_vietnamese_detail() {
        let missing = Messages::shipped().problems_without_texts(PROBLEM_CODES);
        assert!(
            missing.is_empty(),
            "problem codes without a Vietnamese detail under [problem] in config/messages.toml: \
             {missing:?}"
        );
        // The plain text of a code always applies: it needs nothing from the problem.
        let holed: Vec<_> = PROBLEM_CODES
            .iter()
            .filter(|c| {
                Messages::shipped()
                    .problem(c)
                    .is_some_and(|t| t.contains('{'))
            })
            .collect();
        assert!(
            holed.is_empty(),
            "[problem] texts with holes (put them under [problem_detailed]): {holed:?}"
        );
        // Every status a problem is answered with has its Vietnamese title.
        for status in [
            400u16, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 500, 502, 503, 504,
        ] {
            assert!(
                Messages::shipped().title(status).is_some(),
                "no Vietnamese title for {status}"
            );
        }
        for kind in [
            ErrorKind::Invalid,
            ErrorKind::Malformed,
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::RateLimited,
            ErrorKind::TooLarge,
            ErrorKind::UnsupportedType,
            ErrorKind::Unavailable,
            ErrorKind::Internal,
        ] {
            let status = status_of(kind).as_u16();
            assert!(Messages::shipped().title(status).is_some(), "{status}");
        }
        let raised = raised_codes();
        assert!(raised.len() > 40, "found only {raised:?}");
        let unlisted: Vec<_> = raised
            .iter()
            .filter(|c| !PROBLEM_CODES.contains(&c.as_str()))
            .collect();
        assert!(
            unlisted.is_empty(),
            "problem codes raised but not in PROBLEM_CODES: {unlisted:?}"
        );
    }

    /// Every code a cart line's problem may carry has its Vietnamese message, its holes
    /// filled from the problem's fields.
    #[test]
    fn every_cart_line_problem_has_a_vietnamese_message() {
        use order::cart::LineProblemCode as C;
        for code in [C::OutOfStock, C::PriceChanged, C::Unavailable] {
            // A new code fails to compile here until it is listed above.
            match code {
                C::OutOfStock | C::PriceChanged | C::Unavailable => {}
            }
            let name = serde_json::to_value(code).unwrap();
            let name = name.as_str().unwrap();
            let fields = serde_json::json!({"available": 2, "price_was": 100, "price_now": 120});
            let vi = Messages::shipped().cart_line(name, &fields);
            assert!(
                vi.as_ref().is_some_and(|t| !t.contains('{')),
                "{name}: {vi:?}"
            );
        }
        let mut cart = serde_json::json!({"cart": {"items": [
            {"problem": {"code": "out_of_stock", "message": "Only 2 left in stock.", "available": 2}},
            {"available": true},
        ]}});
        Messages::shipped().translate_cart(&mut cart);
        assert_eq!(
            cart["cart"]["items"][0]["problem"]["message"],
            "Chỉ còn 2 trong kho."
        );
        assert!(cart["cart"]["items"][1].get("problem").is_none(), "{cart}");
    }

    /// Every detail of `[problem_detailed]` is filled from a problem carrying its details, and
    /// falls back to the code's plain text without them.
    #[test]
    fn a_detailed_problem_names_its_numbers_in_vietnamese() {
        let mut p = serde_json::json!({
            "code": "out_of_stock", "detail": "Not enough stock for 2 product(s).",
            "details": {"count": 2},
        });
        Messages::shipped().translate_problem(&mut p);
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("Không đủ hàng cho 2 sản phẩm")),
            "{p}"
        );
        let mut bare = serde_json::json!({"code": "out_of_stock", "detail": "x"});
        Messages::shipped().translate_problem(&mut bare);
        assert_eq!(
            bare["detail"],
            "Một số sản phẩm không đủ hàng; chưa có đơn nào được đặt."
        );
    }
}
