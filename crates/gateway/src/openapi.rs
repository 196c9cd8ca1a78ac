//! The OpenAPI document, generated from the handlers' annotations, and the offline docs page.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, Ref, RefOr, Response, ResponseBuilder,
        path::{Operation, ParameterIn},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use crate::{error, routes};

/// The API description served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Provincial OCOP marketplace API",
        description = "Stalls of local producers, their OCOP-certified and local products, \
                       Vietnamese-aware search, multi-stall orders and payments. Errors are \
                       `application/problem+json` with a stable `code`; money is whole đồng."
    ),
    paths(
        routes::auth::register,
        routes::auth::login,
        routes::auth::logout,
        routes::me::me,
        routes::personal::export,
        routes::personal::erase,
        routes::account::update_me,
        routes::account::change_password,
        routes::account::sessions,
        routes::account::revoke_session,
        routes::account::resend_verification,
        routes::account::request_reset,
        routes::account::confirm_reset,
        routes::account::verify_email,
        routes::account::find_user,
        routes::account::disable_user,
        routes::account::enable_user,
        routes::media::upload,
        routes::media::rendition,
        routes::policies::list,
        routes::policies::get,
        routes::policies::publish,
        routes::policies::give_consent,
        routes::policies::consents,
        routes::notices::inbox,
        routes::notices::mark_read,
        routes::notices::mark_all_read,
        routes::notices::settings,
        routes::notices::set_settings,
        routes::notices::create_webhook,
        routes::notices::webhooks,
        routes::notices::delete_webhook,
        routes::notices::rotate_secret,
        routes::notices::deliveries,
        routes::catalog::regions,
        routes::regions::provinces,
        routes::regions::province_communes,
        routes::regions::lookup,
        routes::addresses::list,
        routes::addresses::add,
        routes::addresses::update,
        routes::addresses::delete,
        routes::catalog::set_delivery,
        routes::catalog::categories,
        routes::catalog::category_products,
        routes::catalog::apply,
        routes::catalog::list_stalls,
        routes::catalog::get_stall,
        routes::catalog::update_stall,
        routes::catalog::my_stalls,
        routes::catalog::members,
        routes::catalog::add_member,
        routes::catalog::remove_member,
        routes::catalog::create_product,
        routes::catalog::stall_products,
        routes::catalog::get_product,
        routes::catalog::update_product,
        routes::catalog::archive_product,
        routes::admin::certificate_queue,
        routes::admin::product_queue,
        routes::admin::order_queue,
        routes::admin::stall_queue,
        routes::admin::approve_stall,
        routes::admin::reject_stall,
        routes::admin::suspend_stall,
        routes::admin::reinstate_stall,
        routes::identity::submit,
        routes::identity::get,
        routes::identity::verify,
        routes::identity::reject,
        routes::identity::queue,
        routes::stall_carriers::put,
        routes::stall_carriers::get,
        routes::stall_carriers::delete,
        routes::documents::submit,
        routes::documents::list,
        routes::documents::verify,
        routes::documents::reject,
        routes::documents::queue,
        routes::vouchers::create_platform,
        routes::vouchers::list_platform,
        routes::vouchers::get_platform,
        routes::vouchers::update_platform,
        routes::vouchers::create_for_stall,
        routes::vouchers::list_for_stall,
        routes::vouchers::get_for_stall,
        routes::vouchers::update_for_stall,
        routes::admin::hide_product,
        routes::admin::unhide_product,
        routes::admin::verify_ocop,
        routes::admin::reject_ocop,
        routes::admin::create_category,
        routes::admin::update_category,
        routes::admin::delete_category,
        routes::admin::audit_log,
        routes::reports::report_product,
        routes::reports::report_stall,
        routes::reports::request_product_review,
        routes::reports::request_stall_review,
        routes::reports::record_authority_request,
        routes::reports::queue,
        routes::reports::take_down,
        routes::reports::dismiss,
        routes::reports::takedowns,
        routes::reports::lift,
        routes::reports::uphold,
        routes::reviews::create,
        routes::reviews::product_reviews,
        routes::reviews::stall_reviews,
        routes::reviews::get,
        routes::reviews::edit,
        routes::reviews::reply,
        routes::reviews::report,
        routes::reviews::queue,
        routes::reviews::hide,
        routes::reviews::unhide,
        routes::search::misses,
        routes::search::products,
        routes::search::stalls,
        routes::search::suggest,
        routes::orders::cart,
        routes::orders::set_item,
        routes::orders::remove_item,
        routes::carts::create,
        routes::carts::get,
        routes::carts::set_item,
        routes::carts::remove_item,
        routes::carts::merge,
        routes::carts::delivery_quote,
        routes::orders::checkout,
        routes::orders::checkout_state,
        routes::orders::checkout_qr,
        routes::checkout_events::events,
        routes::payments::confirm_paid,
        routes::orders::my_orders,
        routes::orders::stall_orders,
        routes::orders::get_order,
        routes::orders::cancel,
        routes::orders::confirm,
        routes::orders::ship,
        routes::orders::deliver,
        routes::orders::reject,
        routes::orders::refund,
        routes::orders::set_refund_account,
        routes::orders::refund_account,
        routes::cases::open,
        routes::cases::get,
        routes::cases::message,
        routes::cases::respond,
        routes::cases::escalate,
        routes::cases::received,
        routes::cases::mine,
        routes::cases::of_stall,
        routes::cases::queue,
        routes::cases::resolve,
        routes::money::balance,
        routes::money::ledger_entries,
        routes::money::stall_payouts,
        routes::money::stall_stats,
        routes::money::statement,
        routes::money::set_bank_account,
        routes::money::bank_account,
        routes::money::set_tax_profile,
        routes::money::tax_profile,
        routes::money::commission_rules,
        routes::money::add_commission_rule,
        routes::money::update_commission_rule,
        routes::money::run_batch,
        routes::money::batch,
        routes::money::payout_paid,
        routes::money::payout_returned,
        routes::money::adjust,
        routes::money::balances,
        routes::money::withholding_report,
        routes::remittances::upload,
        routes::remittances::list,
        routes::remittances::get,
        routes::remittances::receivables,
        routes::tax::close_tax_period,
        routes::tax::tax_periods,
        routes::tax::withholding_certificate,
        routes::tax::reissue_certificate,
        routes::figures::trade,
        routes::figures::sellers,
        routes::payments::stripe_webhook,
        routes::shipments::carrier_webhook,
        routes::payments::bank_webhook,
        routes::payments::bank_transfers,
        routes::payments::assign_transfer,
        routes::payments::repay_transfer,
        routes::payments::settle_refund,
        routes::payments::return_transfer,
        routes::payments::refunds,
        routes::ops::healthz,
        routes::ops::readyz,
        routes::ops::metrics,
    ),
    components(schemas(
        error::Problem,
        error::ProblemField,
        error::ProblemCode,
        search::query::ProductSort,
        catalog::service::ProductSort,
        catalog::service::queues::CertificateQueue,
        catalog::service::queues::ProductQueue,
        reviews::Sort,
        reviews::ReportStatus,
    )),
    modifiers(&BearerAuth, &CommonErrors),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "account", description = "The signed-in user's profile, password, sessions, inbox and email choices"),
        (name = "catalog", description = "Communes, categories and category listings"),
        (name = "stalls", description = "Stalls: applying, the seller's identity, business documents, editing, members"),
        (name = "products", description = "Products and their OCOP certificates"),
        (name = "search", description = "Vietnamese-aware product and stall search"),
        (name = "orders", description = "Cart, checkout and orders"),
        (name = "cases", description = "Complaints, returns and refunds of delivered orders"),
        (name = "vouchers", description = "Discount codes funded by the platform or by a stall, given at checkout; a discount above 50 % of the price before the promotion is refused unless an administrator marks a concentrated programme (Decree 81/2018, Art. 7, as amended by Decree 128/2024)"),
        (name = "reviews", description = "Buyers' reviews of what they received, the stall's reply, reports of reviews; a stall can never hide or delete a review (only administrators hide one, with a reason)"),
        (name = "payments", description = "Payment notifications: Stripe's and the bank's webhooks"),
        (name = "money", description = "The vendors' money: balances, ledgers, statements, payout accounts, tax profiles"),
        (name = "media", description = "Photos stalls upload: stripped of metadata, stored as renditions"),
        (name = "policies", description = "The published policies: operating rules, privacy, returns, shipping, payment, complaints"),
        (name = "admin", description = "Moderation by the province's administrators"),
        (name = "operations", description = "Health, readiness and metrics for operators"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Token from `POST /api/v1/auth/login`"))
                    .build(),
            ),
        );
    }
}

/// Answers every operation of a kind can give, documented on each so a generated client
/// knows them: 401 on every secured operation; 400 (`malformed_json`), 413
/// (`payload_too_large`), 415 (`unsupported_media_type`) and 422 (`validation_failed`) on
/// every operation with a JSON body; 422 on every operation with query parameters; 304 on
/// public reads (`If-None-Match`); 500 and 503 on every operation.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                (true, &mut item.get),
                (false, &mut item.put),
                (false, &mut item.post),
                (false, &mut item.delete),
                (false, &mut item.patch),
            ];
            for (is_get, op) in ops {
                if let Some(op) = op.as_mut() {
                    add_common_errors(path, is_get, op);
                }
            }
        }
    }
}

type Responses = std::collections::BTreeMap<String, RefOr<Response>>;

/// A problem+json answer.
fn problem(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// The answers of [`CommonErrors`] that `op` (at `path`) does not document itself. The first
/// description of a status wins, so the more particular ones come first.
fn add_common_errors(path: &str, is_get: bool, op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.keys().any(|k| k.starts_with("application/json")));
    let query = op
        .parameters
        .as_ref()
        .is_some_and(|ps| ps.iter().any(|p| p.parameter_in == ParameterIn::Query));
    let r = &mut op.responses.responses;
    add_path_errors(r, path, secured);
    if secured {
        r.entry("401".into())
            .or_insert_with(|| problem("`unauthorized`: no token, or an expired or revoked one"));
    }
    if json_body {
        r.entry("400".into())
            .or_insert_with(|| problem("`malformed_json`: the body is not JSON"));
        r.entry("413".into()).or_insert_with(|| {
            problem("`payload_too_large`: the body is over `http.body_limit_bytes`")
        });
        r.entry("415".into()).or_insert_with(|| {
            problem("`unsupported_media_type`: send `Content-Type: application/json`")
        });
    }
    if json_body || query {
        r.entry("422".into())
            .or_insert_with(|| problem("`validation_failed`: `errors` names each bad field"));
    }
    add_service_errors(r, path);
    if is_get && !secured && path.starts_with("/api/v1/") && !routes::is_private_read(path) {
        r.entry("304".into()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description("Not modified: `If-None-Match` named the current `ETag`")
                    .build(),
            )
        });
    }
}

/// What the path itself can cause: a bad or unknown id, a place for administrators only, a
/// thing the caller may see but not act on.
fn add_path_errors(r: &mut Responses, path: &str, secured: bool) {
    let in_path = path.contains('{');
    if in_path {
        r.entry("400".into()).or_insert_with(|| {
            problem("`bad_request`: the path holds a control character once decoded")
        });
        r.entry("404".into()).or_insert_with(|| {
            problem("`not_found`: nothing with this id, or not the caller's to see")
        });
    }
    if path.starts_with("/api/v1/admin/") {
        r.entry("403".into())
            .or_insert_with(|| problem("`forbidden`: administrators only"));
    }
    // A stall, product or order the caller may see but not act on (another's public stall, a
    // move only an administrator makes) is 403; one they may not even see is 404.
    let shared = ["/api/v1/stalls/", "/api/v1/products/", "/api/v1/orders/"];
    if secured && in_path && shared.iter().any(|p| path.starts_with(p)) {
        r.entry("403".into()).or_insert_with(|| {
            problem("`forbidden`: visible to the caller, but not theirs to act on")
        });
    }
}

/// What no client causes, but any request may meet.
fn add_service_errors(r: &mut Responses, path: &str) {
    r.entry("500".into()).or_insert_with(|| {
        problem("`internal`: a fault of the service, logged with the request id")
    });
    r.entry("503".into()).or_insert_with(|| {
        problem("`timeout`: the answer took longer than `http.request_timeout_secs`; `unavailable`: a service it needs is down")
    });
    if path == "/metrics" {
        r.entry("404".into()).or_insert_with(|| {
            problem("`not_found`: `http.ops_listen` is set, so metrics are served there")
        });
    }
}

/// `openapi/examples.json`.
#[derive(serde::Deserialize)]
struct ExampleTable {
    fields: serde_json::Map<String, serde_json::Value>,
    schemas: std::collections::HashMap<String, serde_json::Map<String, serde_json::Value>>,
    items_of: std::collections::HashMap<String, String>,
    parameters: serde_json::Map<String, serde_json::Value>,
    operations: std::collections::HashMap<String, serde_json::Map<String, serde_json::Value>>,
}

impl ExampleTable {
    fn field(&self, schema: &str, field: &str) -> Option<&serde_json::Value> {
        self.schemas
            .get(schema)
            .and_then(|s| s.get(field))
            .or_else(|| self.fields.get(field))
    }

    /// Gives every field of `schema` (named `owner`) without an example one, through nested
    /// objects, lists and the parts of `oneOf`/`anyOf`/`allOf`; `$ref`s are filled where they
    /// are defined, enums show their first value.
    fn fill(&self, owner: &str, schema: &mut serde_json::Value) {
        use serde_json::Value;
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(Value::Array(parts)) = obj.get_mut(key) {
                for part in parts {
                    self.fill(owner, part);
                }
            }
        }
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            for (name, prop) in props.iter_mut() {
                let inner = match (self.items_of.get(owner), name.as_str()) {
                    (Some(item), "items" | "hits") => item.as_str(),
                    _ => owner,
                };
                self.fill(inner, prop);
                let Some(p) = prop.as_object_mut() else {
                    continue;
                };
                let described = p.contains_key("example")
                    || p.contains_key("$ref")
                    || p.contains_key("enum")
                    || p.contains_key("oneOf")
                    || p.contains_key("allOf")
                    || p.contains_key("properties")
                    || p.get("items").is_some_and(|i| i.get("type").is_none());
                // An example given for this schema's field wins even over a `$ref`'s (a tree's
                // children, which a docs page would otherwise expand without end).
                let own = self.schemas.get(owner).and_then(|s| s.get(name));
                if let Some(example) = own.filter(|_| !p.contains_key("example")) {
                    p.insert("example".into(), example.clone());
                } else if !described && let Some(example) = self.field(owner, name) {
                    p.insert("example".into(), example.clone());
                }
            }
        }
        if let Some(items) = obj.get_mut("items") {
            self.fill(owner, items);
        }
    }
}

/// Examples where the annotations give none, from `openapi/examples.json` (data, so a story
/// can be told across schemas without repeating it on every field): every field of every
/// schema, parameters, and whole bodies for the operations a shop front starts from. Applied
/// to the document as JSON: the typed document does not read its own output back.
#[allow(
    clippy::expect_used,
    reason = "built-in data, read by a test; a broken table must stop the build's tests, not be skipped"
)]
fn add_examples(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let table: ExampleTable = serde_json::from_str(include_str!("openapi/examples.json"))
        .expect("openapi/examples.json is a table of examples");
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for (name, schema) in schemas.iter_mut() {
            table.fill(name, schema);
        }
    }
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let segment = path
                .strip_prefix("/api/v1/")
                .and_then(|p| p.split('/').next())
                .unwrap_or_default();
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                let id = op["operationId"].as_str().unwrap_or_default().to_owned();
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    for p in params {
                        let name = p["name"].as_str().unwrap_or_default();
                        let example = table
                            .parameters
                            .get(&format!("{segment}/{name}"))
                            .filter(|_| p["in"] == "path")
                            .or_else(|| table.parameters.get(name))
                            .cloned();
                        // A closed set shows its own values.
                        let open = p["schema"].get("type").is_some();
                        if let (Some(e), Some(p)) = (example, p.as_object_mut())
                            && open
                            && !p.contains_key("example")
                        {
                            p.insert("example".into(), e);
                        }
                    }
                }
                let whole = table.operations.get(&id);
                let fill_bodies = |key: &str, content: Option<&mut Value>| {
                    let Some(Value::Object(content)) = content else {
                        return;
                    };
                    for (media, entry) in content.iter_mut() {
                        if let Some(schema) = entry.get_mut("schema") {
                            table.fill(&id, schema);
                        }
                        if media == "application/json"
                            && let Some(example) = whole.and_then(|w| w.get(key))
                            && let Some(entry) = entry.as_object_mut()
                        {
                            entry.insert("example".into(), example.clone());
                        }
                    }
                };
                fill_bodies("request", op.pointer_mut("/requestBody/content"));
                if let Some(Value::Object(responses)) = op.get_mut("responses") {
                    for (status, r) in responses.iter_mut() {
                        fill_bodies(status, r.get_mut("content"));
                    }
                }
            }
        }
    }
}

/// No text of this API holds a control character other than tab and line breaks (see
/// [`crate::extract::has_control`]), as a JSON Schema pattern.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// An email address as accounts take it (`accounts::user::normalize_email`): a local part of
/// 1 to 64 characters, one `@`, a domain of dot-separated parts; no space or control character
/// (C0, DEL or C1, as `char::is_control` has them).
pub const EMAIL_PATTERN: &str = "^[^\\s@\\u0000-\\u001F\\u007F-\\u009F]{1,64}@[^\\s@.\\u0000-\\u001F\\u007F-\\u009F]+(\\.[^\\s@.\\u0000-\\u001F\\u007F-\\u009F]+)+$";

/// A Vietnamese phone number as `common::phone::normalize_vn_phone` takes it, written with
/// spaces, dots, dashes or brackets between the digits: `0` and a mobile number of 10 digits
/// (`03`, `05`, `07`, `08`, `09`) or a fixed line of 11 (`02`), or the same with `+84` or `84`
/// in place of the `0`.
pub const PHONE_PATTERN: &str =
    "^[ .()-]*(0|\\+84|84)[ .()-]*([35789]([ .()-]*[0-9]){8}|2([ .()-]*[0-9]){9})[ .()-]*$";

/// A phone number, or nothing (spaces only: an account without a phone, or one removed).
pub const PHONE_OR_EMPTY_PATTERN: &str =
    "^ *$|^[ .()-]*(0|\\+84|84)[ .()-]*([35789]([ .()-]*[0-9]){8}|2([ .()-]*[0-9]){9})[ .()-]*$";

/// A business registration or tax number: 5 to 32 letters, digits or `-`.
pub const REGISTRATION_PATTERN: &str = "^[A-Za-z0-9-]{5,32}$";

/// The request fields whose rule is more than text, with the pattern that says it.
const FIELD_PATTERNS: [(&str, &str, &str); 7] = [
    ("RegisterRequest", "phone", PHONE_OR_EMPTY_PATTERN),
    ("ProfilePatch", "phone", PHONE_OR_EMPTY_PATTERN),
    ("NewStall", "phone", PHONE_PATTERN),
    ("StallPatch", "phone", PHONE_PATTERN),
    ("Shipping", "phone", PHONE_PATTERN),
    ("NewStall", "registration_no", REGISTRATION_PATTERN),
    ("StallPatch", "registration_no", REGISTRATION_PATTERN),
];

/// Puts [`FIELD_PATTERNS`] in place of the text pattern; a member is added as staff only (a
/// stall has one owner, so the request's role is narrower than the member's).
fn field_patterns(schemas: &mut serde_json::Value) {
    for (schema, field, pattern) in FIELD_PATTERNS {
        let at = format!("/{schema}/properties/{field}");
        if let Some(serde_json::Value::Object(prop)) = schemas.pointer_mut(&at) {
            prop.insert("pattern".into(), serde_json::Value::from(pattern));
        }
    }
    if let Some(role) = schemas.pointer_mut("/NewMember/properties/role") {
        *role = serde_json::json!({
            "type": "string",
            "enum": ["staff"],
            "description": "Only `staff`: a stall has one owner."
        });
    }
}

/// Every string field named `email` in a schema holds an address: it gets [`EMAIL_PATTERN`]
/// (in place of the text pattern) and at most 254 characters.
fn emails(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(obj) => {
            if let Some(Value::Object(props)) = obj.get_mut("properties")
                && let Some(Value::Object(email)) = props.get_mut("email")
                && email.get("pattern").and_then(Value::as_str) == Some(TEXT_PATTERN)
            {
                email.insert("pattern".into(), Value::from(EMAIL_PATTERN));
                email.insert("maxLength".into(), Value::from(254));
            }
            for inner in obj.values_mut() {
                emails(inner);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(emails),
        _ => {}
    }
}

/// Says in the document what the server refuses, so that a request valid by the document is
/// never refused (a generated client, a fuzzer): text without control characters, on every
/// free string; pages only as deep as the list's window (the first
/// [`common::page::MAX_LIST_WINDOW`] items, or [`search::service::MAX_SEARCH_WINDOW`] hits),
/// whatever the page size.
fn tighten(doc: &mut serde_json::Value) {
    use serde_json::Value;
    fn texts(v: &mut Value) {
        match v {
            Value::Object(obj) => {
                let is_string = match obj.get("type") {
                    Some(Value::String(t)) => t == "string",
                    Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                    _ => false,
                };
                let free = !["enum", "format", "pattern", "const"]
                    .iter()
                    .any(|k| obj.contains_key(*k));
                if is_string && free {
                    obj.insert("pattern".into(), Value::from(TEXT_PATTERN));
                }
                for (key, inner) in obj.iter_mut() {
                    // Examples are values, not schemas.
                    if key != "example" && key != "examples" {
                        texts(inner);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(texts),
            _ => {}
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas") {
        texts(schemas);
        emails(schemas);
        field_patterns(schemas);
    }
    let per_page = common::page::MAX_PER_PAGE;
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let window = if path.starts_with("/api/v1/search/") {
                search::service::MAX_SEARCH_WINDOW
            } else {
                common::page::MAX_LIST_WINDOW
            };
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    for p in params.iter_mut() {
                        let is_page = p["name"] == "page" && p["in"] == "query";
                        if let Some(schema) = p.get_mut("schema") {
                            texts(schema);
                            if is_page && let Some(schema) = schema.as_object_mut() {
                                schema.insert("maximum".into(), Value::from(window / per_page));
                            }
                        }
                    }
                }
                if let Some(body) = op.pointer_mut("/requestBody/content") {
                    texts(body);
                }
            }
        }
    }
}

/// The document as served: the handlers' annotations, with examples.
#[allow(
    clippy::expect_used,
    reason = "the typed document is plain data; it serialises or the program is wrong"
)]
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    add_examples(&mut doc);
    tighten(&mut doc);
    // Email settings name only the events whose email a user may turn off.
    if let Some(email) =
        doc.pointer_mut("/components/schemas/NotificationSettings/properties/email")
        && let Some(email) = email.as_object_mut()
    {
        let events: Vec<&str> = notify::Event::ALL
            .iter()
            .filter(|e| e.email_optional())
            .map(|e| e.as_str())
            .collect();
        email.insert("propertyNames".into(), serde_json::json!({"enum": events}));
    }
    // Document kinds are data built into the release (config/compliance/documents.toml).
    if let Some(kind) = doc.pointer_mut("/components/schemas/NewDocument/properties/kind")
        && let Some(kind) = kind.as_object_mut()
    {
        let rules = compliance::documents::DocumentRules::builtin();
        let kinds: Vec<&str> = rules.kinds().iter().map(|k| k.key.as_str()).collect();
        kind.insert("enum".into(), serde_json::json!(kinds));
    }
    // Field codes are a closed set (`common::FieldCode`): listed here, sorted, so a generated
    // client has them as a union and every answer of the tests is held to them.
    if let Some(code) = doc.pointer_mut("/components/schemas/ProblemField/properties/code")
        && let Some(code) = code.as_object_mut()
    {
        let mut codes: Vec<&str> = common::FieldCode::ALL.iter().map(|c| c.as_str()).collect();
        codes.sort_unstable();
        code.insert("enum".into(), serde_json::json!(codes));
    }
    doc
}
