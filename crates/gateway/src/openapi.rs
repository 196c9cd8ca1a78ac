//! The OpenAPI document, generated from the handlers' annotations, and the offline docs page.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
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
        routes::admin::stall_queue,
        routes::admin::approve_stall,
        routes::admin::reject_stall,
        routes::admin::suspend_stall,
        routes::admin::reinstate_stall,
        routes::admin::hide_product,
        routes::admin::unhide_product,
        routes::admin::verify_ocop,
        routes::admin::reject_ocop,
        routes::admin::create_category,
        routes::admin::update_category,
        routes::admin::delete_category,
        routes::admin::audit_log,
        routes::search::products,
        routes::search::stalls,
        routes::orders::cart,
        routes::orders::set_item,
        routes::orders::remove_item,
        routes::orders::checkout,
        routes::orders::checkout_state,
        routes::orders::checkout_qr,
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
        routes::money::balance,
        routes::money::ledger_entries,
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
        routes::payments::stripe_webhook,
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
    components(schemas(error::Problem, error::ProblemField)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "catalog", description = "Communes, categories and category listings"),
        (name = "stalls", description = "Stalls: applying, editing, members"),
        (name = "products", description = "Products and their OCOP certificates"),
        (name = "search", description = "Vietnamese-aware product and stall search"),
        (name = "orders", description = "Cart, checkout and orders"),
        (name = "payments", description = "Payment notifications: Stripe's and the bank's webhooks"),
        (name = "money", description = "The vendors' money: balances, ledgers, statements, payout accounts, tax profiles"),
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

/// The document as served.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
