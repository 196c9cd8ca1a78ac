//! Stalls that ship with GHN (the test kit's stand-in speaking GHN's wire format): connecting
//! a stall (`stalls/{id}/carrier`, its token sealed at rest and never answered), the commune
//! mapping built by `marketplace carriers map-ghn`'s code from the stand-in's master data, and
//! delivery quotes from the carrier in the cart, the guest cart, a product's delivery quote and
//! the checkout, kept briefly, with the rate table answering when the carrier does not. On
//! SQLite and PostgreSQL.

use std::time::Duration;

use axum::http::Method;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use testkit::ghn::{SHOP_ID, StubGhn, TOKEN};

use crate::{
    orders::{checkout, put_item},
    support::*,
};

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// An app whose GHN is the stand-in, its communes mapped from the stand-in's master data,
/// with the key sealing tokens (`key`) and a platform token (`platform`) as asked.
async fn app_with_ghn(db: TestDb, key: bool, platform: bool) -> (TestApp, StubGhn) {
    let stub = StubGhn::start().await;
    let file = std::env::temp_dir().join(format!("ghn-communes-{}.csv", uuid::Uuid::now_v7()));
    let report = gateway::carrier_map::map_ghn(&stub.base, TOKEN, &file)
        .await
        .unwrap();
    assert!(report.map.get("19414").is_some() && report.map.get("19333").is_some());
    let mut config = gateway::config::Config::with_overrides(&format!(
        "[carriers]\nquote_ttl_secs = 300\nquote_timeout_ms = 700\n\
         [carriers.ghn]\nurl = \"{}\"\ntimeout_ms = 600\ncommunes_file = \"{}\"\n",
        stub.base,
        file.display()
    ))
    .unwrap();
    if key {
        config.carriers.secret_key = Some(KEY.into());
    }
    if platform {
        config.carriers.ghn.token = Some(TOKEN.into());
    }
    (TestApp::from_config(db, config, |e| e), stub)
}

fn ghn_body(token: Option<&str>) -> Value {
    let mut body = json!({"carrier": "ghn", "shop_id": SHOP_ID, "service_type_id": 2});
    if let Some(t) = token {
        body["token"] = json!(t);
    }
    body
}

async fn put_carrier(app: &TestApp, stall: &str, token: Option<&str>, body: Value) -> TestResponse {
    app.request(
        Method::PUT,
        &format!("/api/v1/stalls/{stall}/carrier"),
        token,
        Some(body),
    )
    .await
}

db_test!(
    a_stall_connects_ghn_and_its_token_is_sealed_and_never_answered,
    |db: TestDb| async move {
        let (app, _stub) = app_with_ghn(db, true, false).await;
        let admin = app.admin("admin@tinh.vn").await;
        let owner = app.signed_in("owner@example.vn").await;
        let other = app.signed_in("other@example.vn").await;
        let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/stalls/{stall}/carrier");
        assert_eq!(app.get(&path, Some(&owner)).await.status, 404);

        let res = put_carrier(&app, &stall, Some(&owner), ghn_body(Some(TOKEN))).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let view = res.json();
        assert_eq!(view["carrier"], "ghn");
        assert_eq!(view["shop_id"], SHOP_ID);
        assert_eq!(view["token_set"], true);
        assert_eq!(view["token_source"], "stall");
        assert!(view.get("token").is_none(), "{view}");
        assert!(!res.text().contains(TOKEN));
        // At rest: sealed, not the token.
        let row = carriers::entity::stall_carrier::Entity::find()
            .one(&app.db.conn)
            .await
            .unwrap()
            .unwrap();
        let sealed = row.token_sealed.unwrap();
        assert!(
            sealed.starts_with("xc1:") && !sealed.contains(TOKEN),
            "{sealed}"
        );
        let opened = carriers::Sealer::from_setting(KEY)
            .unwrap()
            .open(&sealed, &stall)
            .unwrap();
        assert_eq!(opened, TOKEN);

        // The owner and administrators read it, without the token; others may not.
        for who in [&owner, &admin] {
            let res = app.get(&path, Some(who)).await;
            assert_eq!(res.status, 200, "{}", res.text());
            assert!(!res.text().contains(TOKEN));
        }
        app.get(&path, Some(&other)).await.problem(404, "not_found");
        put_carrier(&app, &stall, Some(&admin), ghn_body(None))
            .await
            .problem(403, "forbidden");

        // Without a token, the stored one stays.
        let mut body = ghn_body(None);
        body["service_type_id"] = json!(5);
        let res = put_carrier(&app, &stall, Some(&owner), body).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["token_source"], "stall");
        assert_eq!(res.json()["service_type_id"], 5);

        let res = app.delete(&path, Some(&owner)).await;
        assert_eq!(res.status, 204, "{}", res.text());
        assert_eq!(app.get(&path, Some(&owner)).await.status, 404);
        assert!(
            carriers::entity::stall_carrier::Entity::find()
                .one(&app.db.conn)
                .await
                .unwrap()
                .is_none()
        );
    }
);

db_test!(
    bad_carrier_settings_are_refused_naming_each_field,
    |db: TestDb| async move {
        let (app, _stub) = app_with_ghn(db, true, false).await;
        let owner = app.signed_in("owner@example.vn").await;
        let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = put_carrier(
            &app,
            &stall,
            Some(&owner),
            json!({"carrier": "vnpost", "shop_id": "88a", "token": "has space in it", "service_type_id": 9}),
        )
        .await;
        let problem = res.problem(422, "validation_failed");
        let mut named = fields(&problem);
        named.sort();
        assert_eq!(
            named,
            ["carrier", "service_type_id", "shop_id", "token"],
            "{problem}"
        );
        // No token stored and no platform token: one is required.
        let res = put_carrier(&app, &stall, Some(&owner), ghn_body(None)).await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(fields(&problem), ["token"], "{problem}");
        let long = "x".repeat(201);
        let res = put_carrier(&app, &stall, Some(&owner), ghn_body(Some(&long))).await;
        assert_eq!(fields(&res.problem(422, "validation_failed")), ["token"]);
        // Nothing was stored.
        assert!(
            carriers::entity::stall_carrier::Entity::find()
                .one(&app.db.conn)
                .await
                .unwrap()
                .is_none()
        );
    }
);

db_test!(
    a_stall_in_a_commune_ghn_cannot_address_is_refused_by_name,
    |db: TestDb| async move {
        let (app, _stub) = app_with_ghn(db, true, false).await;
        let owner = app.signed_in("owner@example.vn").await;
        let res = app
            .post(
                "/api/v1/stalls",
                Some(&owner),
                json!({
                    "name": "Cà phê Hướng Hóa",
                    "description": "Cà phê",
                    "commune_code": "18880",
                    "address": "Thôn 1",
                    "phone": "0233 3823 456",
                    "business_type": "cooperative",
                }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let stall = res.json()["id"].as_str().unwrap().to_owned();
        let res = put_carrier(&app, &stall, Some(&owner), ghn_body(Some(TOKEN))).await;
        let problem = res.problem(409, "commune_not_served");
        assert_eq!(problem["details"]["commune_code"], "18880", "{problem}");
    }
);

db_test!(
    without_a_key_tokens_are_refused_and_the_platform_token_serves_a_shop_id,
    |db: TestDb| async move {
        let (app, _stub) = app_with_ghn(db, false, true).await;
        let owner = app.signed_in("owner@example.vn").await;
        let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        put_carrier(&app, &stall, Some(&owner), ghn_body(Some(TOKEN)))
            .await
            .problem(409, "carrier_tokens_unavailable");
        let res = put_carrier(&app, &stall, Some(&owner), ghn_body(None)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["token_source"], "platform");
        assert_eq!(res.json()["token_set"], true);
    }
);

/// An approved stall in Xã Cửa Tùng shipping with GHN, a 1.2 kg product, and a buyer.
struct Shop {
    owner: String,
    buyer: String,
    stall: String,
    honey: String,
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin("admin@tinh.vn").await;
    let owner = app.signed_in("owner@example.vn").await;
    let buyer = app.signed_in("buyer@example.vn").await;
    let stall = app.stall(&owner, "Mật ong Hướng Phùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.approve(&admin, &stall).await;
    let cat = app.category("gia-vi-nuoc-cham").await;
    let mut body = app.product_body(&cat, "Mật ong rừng", 150_000);
    body["weight_grams"] = json!(1200);
    let honey = app.product(&owner, &stall, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = put_carrier(app, &stall, Some(&owner), ghn_body(Some(TOKEN))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    Shop {
        owner,
        buyer,
        stall,
        honey,
    }
}

db_test!(
    the_cart_and_the_checkout_charge_ghns_quote_asked_once,
    |db: TestDb| async move {
        let (app, stub) = app_with_ghn(db, true, false).await;
        let s = shop(&app).await;
        put_item(&app, &s.buyer, &s.honey, 2).await;
        // To Phường Đông Hà, the stall's province: 2.4 kg at the stand-in's tariff.
        let fee = testkit::ghn::tariff(true, 2400, 53320);
        let cart = app
            .get("/api/v1/cart?commune_code=19333", Some(&s.buyer))
            .await;
        assert_eq!(cart.status, 200, "{}", cart.text());
        let cart = cart.json();
        let d = &cart["stalls"][0]["delivery"];
        assert_eq!(d["source"], "carrier", "{cart}");
        assert_eq!(d["carrier"], "ghn");
        assert_eq!(d["rule"], "carrier");
        assert_eq!(d["fee"], fee);
        assert_eq!(d["estimated_days"], json!({"min": 2, "max": 2}));
        assert_eq!(cart["grand_total"], 300_000 + fee);
        let fee_calls = stub.requests_to("/v2/shipping-order/fee");
        assert_eq!(fee_calls.len(), 1);
        assert_eq!(fee_calls[0].body["weight"], 2400);
        assert_eq!(fee_calls[0].body["insurance_value"], 300_000);
        assert_eq!(fee_calls[0].token.as_deref(), Some(TOKEN));

        // Viewed again and checked out: the kept quote, no new call.
        let again = app
            .get("/api/v1/cart?commune_code=19333", Some(&s.buyer))
            .await
            .json();
        assert_eq!(again["grand_total"], 300_000 + fee);
        let res = checkout(
            &app,
            &s.buyer,
            "ghn-1",
            json!({"shipping": {"recipient": "Lê Văn Hùng", "phone": "0987 654 321",
                   "commune_code": "19333", "street": "12 Lê Duẩn"},
                   "payment_method": "cod", "expected_total": 300_000 + fee}),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        assert_eq!(out["total"], 300_000 + fee);
        assert_eq!(out["orders"][0]["delivery_fee"], fee);
        assert_eq!(stub.requests_to("/v2/shipping-order/fee").len(), 1);
        // No waybill is made by pricing.
        assert!(stub.waybills().is_empty());
        let _ = (&s.owner, &s.stall);
    }
);

db_test!(
    a_product_page_and_a_guest_cart_quote_from_ghn_and_the_table_answers_when_it_does_not,
    |db: TestDb| async move {
        let (app, stub) = app_with_ghn(db, true, false).await;
        let s = shop(&app).await;
        let path = format!("/api/v1/products/{}/delivery-quote", s.honey);
        let res = app
            .get(&format!("{path}?commune_code=00070&quantity=1"), None)
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let q = res.json();
        assert_eq!(q["source"], "carrier", "{q}");
        assert_eq!(q["fee"], testkit::ghn::tariff(false, 1200, 53320));
        assert_eq!(q["estimated_days"], json!({"min": 4, "max": 4}));

        // GHN down: the rate table answers, and says so (other region, 1.2 kg: 42 000).
        stub.set_down(true);
        let res = app
            .get(&format!("{path}?commune_code=00070&quantity=2"), None)
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let q = res.json();
        assert_eq!(q["source"], "rate_table", "{q}");
        assert_eq!(q["carrier"], "ghn");
        assert_eq!(q["rule"], "table");
        assert_eq!(q["fee"], 75_000);
        stub.set_down(false);

        // GHN too slow for the quote's timeout: the table again, in bounded time.
        stub.set_delay(Some(Duration::from_secs(3)));
        let cart = app.post("/api/v1/carts", None, json!({})).await.json();
        let id = cart["id"].as_str().unwrap().to_owned();
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/carts/{id}/items/{}", s.honey),
                None,
                Some(json!({"quantity": 3})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let started = std::time::Instant::now();
        let res = app
            .get(&format!("/api/v1/carts/{id}?commune_code=19333"), None)
            .await;
        assert!(started.elapsed() < Duration::from_millis(2500));
        assert_eq!(res.status, 200, "{}", res.text());
        let d = &res.json()["stalls"][0]["delivery"];
        assert_eq!(d["source"], "rate_table", "{d}");
        stub.set_delay(None);
        // Answering again: the guest cart is priced by GHN (not kept from the failure).
        let d = app
            .get(&format!("/api/v1/carts/{id}?commune_code=19333"), None)
            .await
            .json()["stalls"][0]["delivery"]
            .clone();
        assert_eq!(d["source"], "carrier", "{d}");
        assert_eq!(d["fee"], testkit::ghn::tariff(true, 3600, 53320));
    }
);
