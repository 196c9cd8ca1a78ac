//! The router: routes, the layers every request passes through, and the fallbacks that keep
//! every error in problem+json.

use common::FieldCode;
use std::time::Duration;

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, Request},
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    error::{ApiError, PROBLEM_JSON},
    metrics, openapi,
    routes::{
        account, addresses, admin, auth, carts, cases, catalog, documents, identity, me, money,
        notices, ops, orders, payments, personal, policies, regions, reports, reviews, search, tax,
        vouchers,
    },
    state::AppState,
};

/// The complete application: the API's areas under `/api/v1`, the operators' endpoints and
/// the docs page, behind the layers every request passes through.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(catalogue_routes())
        .merge(search_routes())
        .merge(account_routes())
        .merge(order_routes())
        .merge(money_routes())
        .merge(admin_routes())
        .merge(tax_routes())
        .merge(remittance_routes())
        .merge(report_routes())
        .merge(case_routes())
        .merge(review_routes())
        .merge(media_routes(&state));
    let http = &state.config.http;
    let cors = cors_layer(&http.cors_origins);
    let root = ops_routes(http.ops_listen.is_none())
        .nest("/api/v1", api)
        .route("/media/{id}/{size}", get(crate::routes::media::rendition))
        .merge(docs())
        .fallback(|| async { ApiError::from_status(StatusCode::NOT_FOUND) });
    with_layers(root, &state, cors).with_state(state)
}

/// The public catalogue and what vendors do with it: regions, categories, stalls, their
/// members and products.
fn catalogue_routes() -> Router<AppState> {
    Router::new()
        .route("/regions", get(catalog::regions))
        .route("/regions/provinces", get(regions::provinces))
        .route(
            "/regions/provinces/{code}/communes",
            get(regions::province_communes),
        )
        .route("/regions/lookup", get(regions::lookup))
        .route("/categories", get(catalog::categories))
        .route(
            "/categories/{id_or_slug}/products",
            get(catalog::category_products),
        )
        .route("/stalls", post(catalog::apply).get(catalog::list_stalls))
        .route(
            "/stalls/{id}",
            get(catalog::get_stall).patch(catalog::update_stall),
        )
        .route(
            "/stalls/{id}/delivery",
            axum::routing::put(catalog::set_delivery),
        )
        .route(
            "/stalls/{id}/identity",
            post(identity::submit).get(identity::get),
        )
        .route(
            "/stalls/{id}/carrier",
            axum::routing::put(crate::routes::stall_carriers::put)
                .get(crate::routes::stall_carriers::get)
                .delete(crate::routes::stall_carriers::delete),
        )
        .route(
            "/stalls/{id}/documents",
            post(documents::submit).get(documents::list),
        )
        .route(
            "/stalls/{id}/vouchers",
            post(vouchers::create_for_stall).get(vouchers::list_for_stall),
        )
        .route(
            "/stalls/{id}/vouchers/{vid}",
            get(vouchers::get_for_stall).patch(vouchers::update_for_stall),
        )
        .route(
            "/stalls/{id}/members",
            get(catalog::members).post(catalog::add_member),
        )
        .route(
            "/stalls/{id}/members/{user_id}",
            delete(catalog::remove_member),
        )
        .route(
            "/stalls/{id}/products",
            post(catalog::create_product).get(catalog::stall_products),
        )
        .route(
            "/products/{id}",
            get(catalog::get_product)
                .patch(catalog::update_product)
                .delete(catalog::archive_product),
        )
}

/// Product and stall search.
fn search_routes() -> Router<AppState> {
    Router::new()
        .route("/search/products", get(search::products))
        .route("/search/stalls", get(search::stalls))
        .route("/search/suggest", get(search::suggest))
}

/// Signing in and out, the published policies, the signed-in user's account, consents,
/// address book and notifications, and a stall's webhooks.
fn account_routes() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/password-reset", post(account::request_reset))
        .route("/auth/password-reset/confirm", post(account::confirm_reset))
        .route("/auth/verify-email", post(account::verify_email))
        .route(
            "/me",
            get(me::me)
                .patch(account::update_me)
                .delete(personal::erase),
        )
        .route("/me/export", get(personal::export))
        .route("/me/password", post(account::change_password))
        .route("/me/sessions", get(account::sessions))
        .route("/me/sessions/{id}", delete(account::revoke_session))
        .route(
            "/me/consents",
            get(policies::consents).post(policies::give_consent),
        )
        .route("/policies", get(policies::list))
        .route("/policies/{kind}", get(policies::get))
        .route("/me/verify-email", post(account::resend_verification))
        .route("/me/stalls", get(catalog::my_stalls))
        .route("/me/addresses", get(addresses::list).post(addresses::add))
        .route(
            "/me/addresses/{id}",
            axum::routing::patch(addresses::update).delete(addresses::delete),
        )
        .route("/me/notifications", get(notices::inbox))
        .route("/me/notifications/read-all", post(notices::mark_all_read))
        .route("/me/notifications/{id}/read", post(notices::mark_read))
        .route(
            "/me/notification-settings",
            get(notices::settings).put(notices::set_settings),
        )
        .route(
            "/stalls/{id}/webhooks",
            get(notices::webhooks).post(notices::create_webhook),
        )
        .route(
            "/stalls/{id}/webhooks/{wid}",
            delete(notices::delete_webhook),
        )
        .route(
            "/stalls/{id}/webhooks/{wid}/rotate-secret",
            post(notices::rotate_secret),
        )
        .route(
            "/stalls/{id}/webhooks/{wid}/deliveries",
            get(notices::deliveries),
        )
}

/// The cart, checkout and orders, the buyer's and the stall's.
fn order_routes() -> Router<AppState> {
    Router::new()
        .route("/cart", get(orders::cart))
        .route(
            "/cart/items/{product_or_variant_id}",
            axum::routing::put(orders::set_item).delete(orders::remove_item),
        )
        .route("/cart/merge", post(carts::merge))
        .route("/carts", post(carts::create))
        .route("/carts/{id}", get(carts::get))
        .route(
            "/carts/{id}/items/{product_or_variant_id}",
            axum::routing::put(carts::set_item).delete(carts::remove_item),
        )
        .route("/products/{id}/delivery-quote", get(carts::delivery_quote))
        .route("/checkout", post(orders::checkout))
        .route("/checkouts/{id}", get(orders::checkout_state))
        .route("/checkouts/{id}/qr.svg", get(orders::checkout_qr))
        .route(
            "/checkouts/{id}/events",
            get(crate::routes::checkout_events::events),
        )
        .route("/orders", get(orders::my_orders))
        .route("/orders/{id}", get(orders::get_order))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/orders/{id}/confirm", post(orders::confirm))
        .route("/orders/{id}/ship", post(orders::ship))
        .route(
            "/carriers/{carrier}/webhook",
            post(crate::routes::shipments::carrier_webhook),
        )
        .route("/orders/{id}/deliver", post(orders::deliver))
        .route("/orders/{id}/reject", post(orders::reject))
        .route("/orders/{id}/refund", post(orders::refund))
        .route(
            "/orders/{id}/refund-account",
            get(orders::refund_account).put(orders::set_refund_account),
        )
        .route("/stalls/{id}/orders", get(orders::stall_orders))
}

/// Money: the payment providers' webhooks and a stall's balance, ledger, statements, payout
/// account and tax profile.
fn money_routes() -> Router<AppState> {
    Router::new()
        .route("/payments/stripe/webhook", post(payments::stripe_webhook))
        .route("/payments/bank/webhook", post(payments::bank_webhook))
        .route("/stalls/{id}/balance", get(money::balance))
        .route("/stalls/{id}/ledger", get(money::ledger_entries))
        .route("/stalls/{id}/payouts", get(money::stall_payouts))
        .route("/stalls/{id}/stats", get(money::stall_stats))
        .route("/stalls/{id}/statements/{month}", get(money::statement))
        .route(
            "/stalls/{id}/bank-account",
            get(money::bank_account).put(money::set_bank_account),
        )
        .route(
            "/stalls/{id}/tax-profile",
            get(money::tax_profile).put(money::set_tax_profile),
        )
}

/// Decree 117's periods and certificates: administrators close months and reissue
/// certificates; a stall's owner reads its certificates.
fn tax_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/tax-periods", get(tax::tax_periods))
        .route(
            "/admin/tax-periods/{month}/close",
            post(tax::close_tax_period),
        )
        .route(
            "/admin/withholding-certificates/{number}/reissue",
            post(tax::reissue_certificate),
        )
        .route(
            "/stalls/{id}/withholding-certificates/{period}",
            get(tax::withholding_certificate),
        )
}

/// What only administrators do: accounts, moderation, categories, the audit log, refunds and
/// bank transfers, commission, payouts, reports.
fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(account::find_user))
        .route("/admin/users/{id}/disable", post(account::disable_user))
        .route("/admin/users/{id}/enable", post(account::enable_user))
        .route("/admin/policies/{kind}", post(policies::publish))
        .route("/admin/stalls", get(admin::stall_queue))
        .route("/admin/stalls/{id}/approve", post(admin::approve_stall))
        .route("/admin/stalls/{id}/reject", post(admin::reject_stall))
        .route("/admin/stalls/{id}/suspend", post(admin::suspend_stall))
        .route("/admin/stalls/{id}/reinstate", post(admin::reinstate_stall))
        .route("/admin/stalls/{id}/identity/verify", post(identity::verify))
        .route("/admin/stalls/{id}/identity/reject", post(identity::reject))
        .route("/admin/identities", get(identity::queue))
        .route(
            "/admin/vouchers",
            post(vouchers::create_platform).get(vouchers::list_platform),
        )
        .route(
            "/admin/vouchers/{vid}",
            get(vouchers::get_platform).patch(vouchers::update_platform),
        )
        .route("/admin/documents", get(documents::queue))
        .route("/admin/documents/{id}/verify", post(documents::verify))
        .route("/admin/documents/{id}/reject", post(documents::reject))
        .route("/admin/stalls/{id}/adjustments", post(money::adjust))
        .route("/admin/products", get(admin::product_queue))
        .route("/admin/ocop-certificates", get(admin::certificate_queue))
        .route("/admin/orders", get(admin::order_queue))
        .route("/admin/products/{id}/hide", post(admin::hide_product))
        .route("/admin/products/{id}/unhide", post(admin::unhide_product))
        .route("/admin/products/{id}/ocop/verify", post(admin::verify_ocop))
        .route("/admin/products/{id}/ocop/reject", post(admin::reject_ocop))
        .route("/admin/categories", post(admin::create_category))
        .route(
            "/admin/categories/{id}",
            axum::routing::patch(admin::update_category).delete(admin::delete_category),
        )
        .route("/admin/audit-log", get(admin::audit_log))
        .route("/admin/search/misses", get(search::misses))
        .route("/admin/refunds", get(payments::refunds))
        .route("/admin/refunds/{id}/settle", post(payments::settle_refund))
        .route("/admin/bank-transfers", get(payments::bank_transfers))
        .route(
            "/admin/bank-transfers/{id}/assign",
            post(payments::assign_transfer),
        )
        .route(
            "/admin/bank-transfers/{id}/return",
            post(payments::return_transfer),
        )
        .route(
            "/admin/bank-transfers/{id}/repaid",
            post(payments::repay_transfer),
        )
        .route(
            "/admin/checkouts/{id}/confirm-paid",
            post(payments::confirm_paid),
        )
        .route(
            "/admin/commission-rules",
            get(money::commission_rules).post(money::add_commission_rule),
        )
        .route(
            "/admin/commission-rules/{id}",
            axum::routing::patch(money::update_commission_rule),
        )
        .route("/admin/payout-batches", post(money::run_batch))
        .route("/admin/payout-batches/{id}", get(money::batch))
        .route("/admin/payouts/{id}/paid", post(money::payout_paid))
        .route("/admin/payouts/{id}/returned", post(money::payout_returned))
        .route("/admin/balances", get(money::balances))
        .route(
            "/admin/reports/withholding/{month}",
            get(money::withholding_report),
        )
}

/// Carriers' remittances of cash on delivery, and the cash they still hold (administrators).
fn remittance_routes() -> Router<AppState> {
    use crate::routes::remittances;
    Router::new()
        .route(
            "/admin/cod-remittances",
            get(remittances::list).post(remittances::upload),
        )
        .route("/admin/cod-remittances/{id}", get(remittances::get))
        .route("/admin/cod-receivables", get(remittances::receivables))
}

/// Reports of products and stalls, authority requests, the administrators' queue, takedowns
/// and their reviews.
fn report_routes() -> Router<AppState> {
    Router::new()
        .route("/products/{id}/reports", post(reports::report_product))
        .route("/stalls/{id}/reports", post(reports::report_stall))
        .route(
            "/products/{id}/review-request",
            post(reports::request_product_review),
        )
        .route(
            "/stalls/{id}/review-request",
            post(reports::request_stall_review),
        )
        .route(
            "/admin/reports",
            get(reports::queue).post(reports::record_authority_request),
        )
        // The reports to the authorities: static segments, matched before `{id}`.
        .route("/admin/reports/trade", get(crate::routes::figures::trade))
        .route(
            "/admin/reports/sellers/{quarter}",
            get(crate::routes::figures::sellers),
        )
        .route("/admin/reports/{id}/takedown", post(reports::take_down))
        .route("/admin/reports/{id}/dismiss", post(reports::dismiss))
        .route("/admin/takedowns", get(reports::takedowns))
        .route("/admin/takedowns/{id}/lift", post(reports::lift))
        .route("/admin/takedowns/{id}/uphold", post(reports::uphold))
}

/// Complaints, returns and refunds: cases on delivered orders, their steps, the buyer's, the
/// stall's and the administrators' lists.
fn case_routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}/cases", post(cases::open))
        .route("/cases/{id}", get(cases::get))
        .route("/cases/{id}/messages", post(cases::message))
        .route("/cases/{id}/respond", post(cases::respond))
        .route("/cases/{id}/escalate", post(cases::escalate))
        .route("/cases/{id}/received", post(cases::received))
        .route("/me/cases", get(cases::mine))
        .route("/stalls/{id}/cases", get(cases::of_stall))
        .route("/admin/cases", get(cases::queue))
        .route("/admin/cases/{id}/resolve", post(cases::resolve))
}

/// Buyers' reviews, the stall's reply, reports of reviews and their moderation. There is no
/// route by which a stall hides or deletes a review: only administrators hide one.
fn review_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/products/{id}/reviews",
            get(reviews::product_reviews).post(reviews::create),
        )
        .route("/stalls/{id}/reviews", get(reviews::stall_reviews))
        .route("/reviews/{id}", get(reviews::get).patch(reviews::edit))
        .route("/reviews/{id}/reply", post(reviews::reply))
        .route("/reviews/{id}/reports", post(reviews::report))
        .route("/admin/review-reports", get(reviews::queue))
        .route("/admin/reviews/{id}/hide", post(reviews::hide))
        .route("/admin/reviews/{id}/unhide", post(reviews::unhide))
}

/// Photos: the upload, whose body may be as large as `media.max_bytes` and its multipart
/// framing, and the renditions.
fn media_routes(state: &AppState) -> Router<AppState> {
    let max = usize::try_from(state.media.settings().max_bytes).unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/media",
            post(crate::routes::media::upload)
                .layer(DefaultBodyLimit::max(max.saturating_add(64 * 1024))),
        )
        .route("/media/{id}/{size}", get(crate::routes::media::rendition))
}

/// `/healthz` and `/readyz`, and `/metrics` when `with_metrics` (it has no listener of its
/// own).
fn ops_routes(with_metrics: bool) -> Router<AppState> {
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz));
    if with_metrics {
        ops.route("/metrics", get(ops::metrics))
    } else {
        ops
    }
}

/// The docs page (Swagger UI) over `/openapi.json`.
fn docs() -> SwaggerUi {
    SwaggerUi::new("/docs")
        .external_url_unchecked("/openapi.json", openapi::document())
        .config(
            utoipa_swagger_ui::Config::default()
                // The default validator is a remote service; the page must work offline.
                .validator_url("none")
                .persist_authorization(true),
        )
}

/// The operators' endpoints alone, for `http.ops_listen`.
pub fn ops_router(state: AppState) -> Router {
    let ops = ops_routes(true).fallback(|| async { ApiError::from_status(StatusCode::NOT_FOUND) });
    with_layers(ops, &state, None).with_state(state)
}

/// `router` behind the layers every request passes through.
fn with_layers(
    router: Router<AppState>,
    state: &AppState,
    cors: Option<CorsLayer>,
) -> Router<AppState> {
    let http = &state.config.http;
    let timeout = Duration::from_secs(http.request_timeout_secs);
    let body_limit = http.body_limit_bytes;
    let trust_forwarded_for = http.trust_forwarded_for;
    // Digits and ASCII only, so always a valid header; `no-cache` (always revalidate) if not.
    let cache_control =
        HeaderValue::from_str(&format!("public, max-age={}", http.public_max_age_secs))
            .unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
    router.layer(
        // Top to bottom: outermost first.
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuidV7))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(move |req: &Request| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        let client = crate::extract::ClientIp::of(
                            req.headers(),
                            req.extensions(),
                            trust_forwarded_for,
                        )
                        .map_or_else(|| "-".to_owned(), |ip| ip.to_string());
                        tracing::info_span!(
                            "request",
                            request_id = %id,
                            method = %req.method(),
                            path = %req.uri().path(),
                            client = %client,
                        )
                    })
                    .on_response(
                        |res: &axum::http::Response<_>, latency: Duration, _: &tracing::Span| {
                            tracing::info!(
                                status = res.status().as_u16(),
                                latency_ms = latency.as_secs_f64() * 1000.0,
                                "request answered"
                            );
                        },
                    )
                    // Failures are logged once, where the error is rendered.
                    .on_failure(()),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(middleware::from_fn_with_state(
                state.metrics.clone(),
                metrics::track,
            ))
            .layer(middleware::from_fn(ensure_problem))
            .layer(middleware::from_fn(protect_headers))
            .layer(middleware::from_fn(refuse_control_characters))
            .layer(CatchPanicLayer::new())
            .layer(CompressionLayer::new())
            // Inside compression: it reads the problem bodies handlers write.
            .layer(middleware::from_fn(crate::error::localize))
            // A bare error of an extractor or a layer below (413 past the body limit, 405, 503
            // of the timeout) made a problem here too, so that it is put into Vietnamese.
            .layer(middleware::from_fn(ensure_problem))
            .layer(middleware::from_fn(move |req, next| {
                cache_public_reads(cache_control.clone(), req, next)
            }))
            .option_layer(cors)
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                timeout,
            ))
            .layer(DefaultBodyLimit::max(body_limit)),
    )
}

/// Request ids are UUID v7, so they sort by time in logs.
#[derive(Clone, Copy)]
struct MakeRequestUuidV7;

impl MakeRequestId for MakeRequestUuidV7 {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
            .ok()
            .map(RequestId::new)
    }
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Any error response that is not already problem+json (a 405 from the router, a timeout, a
/// panic caught below) is rewritten as one, keeping the headers a client needs.
async fn ensure_problem(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut problem = ApiError::from_status(status).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
}

/// Refuses a path or query holding a control character once percent-decoded (`%00` and the
/// like): no id, slug or parameter of this API has one, and PostgreSQL cannot store NUL. The
/// path gets 400 `bad_request`; a query parameter 422 naming it.
async fn refuse_control_characters(req: Request, next: Next) -> Response {
    use crate::extract::{CONTROL_MESSAGE, has_control};
    let uri = req.uri();
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    if has_control(&path) {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The path holds a control character.",
        );
        e.errors = vec![common::FieldError::new(
            "path",
            FieldCode::Invalid,
            CONTROL_MESSAGE,
        )];
        return e.into_response();
    }
    if let Some(query) = uri.query() {
        let bad: Vec<_> = form_urlencoded::parse(query.as_bytes())
            .filter(|(k, v)| has_control(k) || has_control(v))
            .map(|(k, _)| {
                common::FieldError::new(
                    k.escape_default().to_string(),
                    FieldCode::Invalid,
                    CONTROL_MESSAGE,
                )
            })
            .collect();
        if !bad.is_empty() {
            return ApiError::validation(bad).into_response();
        }
    }
    next.run(req).await
}

/// Public reads (an anonymous `GET` under `/api/v1` that answers 200: what anyone may see,
/// but for [`crate::routes::is_private_read`]) carry an `ETag` of their body and
/// `Cache-Control: public, max-age=N` (`http.public_max_age_secs`), and a request whose
/// `If-None-Match` names the current tag gets 304 with no body. Answers for one caller (any
/// request with a token) are `no-store` instead (`protect_headers`). The tag is weak: the body
/// is the same whatever compression carries it.
async fn cache_public_reads(cache_control: HeaderValue, req: Request, next: Next) -> Response {
    use sha2::Digest;
    let cacheable = req.method() == Method::GET
        && !req.headers().contains_key(header::AUTHORIZATION)
        && req.uri().path().starts_with("/api/v1/")
        && !crate::routes::is_private_read(req.uri().path());
    if !cacheable {
        return next.run(req).await;
    }
    let wanted = req.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(req).await;
    // A response that sets its own caching (a photo's rendition, immutable) keeps it.
    if response.status() != StatusCode::OK || response.headers().contains_key(header::CACHE_CONTROL)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return ApiError::from_status(StatusCode::INTERNAL_SERVER_ERROR).into_response();
    };
    let tag = format!("W/\"{}\"", hex::encode(&sha2::Sha256::digest(&bytes)[..16]));
    let Ok(tag_value) = HeaderValue::from_str(&tag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::ETAG, tag_value.clone());
    parts
        .headers
        .insert(header::CACHE_CONTROL, cache_control.clone());
    let matches = wanted
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == tag.trim_start_matches("W/")
            })
        });
    if matches {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        let h = not_modified.headers_mut();
        h.insert(header::ETAG, tag_value);
        h.insert(header::CACHE_CONTROL, cache_control);
        return not_modified;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Headers every answer carries: `nosniff`; on the API, `no-store` when the answer is for
/// one caller (the request carried a token, it is a sign-in, or a guest cart); on the docs
/// page a strict content security policy and no framing.
async fn protect_headers(req: Request, next: Next) -> Response {
    let private = req.headers().contains_key(header::AUTHORIZATION)
        || req.uri().path().starts_with("/api/v1/auth/")
        || crate::routes::is_private_read(req.uri().path());
    let docs = req.uri().path().starts_with("/docs");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if docs {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        // The page and its scripts are served from here; Swagger UI styles itself inline and
        // shows inline images (data: URIs).
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        );
    }
    response
}
