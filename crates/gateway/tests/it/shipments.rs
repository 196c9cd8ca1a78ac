//! Parcels booked with GHN through its stand-in, on SQLite and PostgreSQL: `ship` books one
//! waybill however it is retried (a lost answer, a crashed request, requests at once), the
//! carrier's refusal and outage change nothing, callbacks move the parcel and the order once
//! and in the carrier's order (forged ones refused), a returned parcel brings the stock back
//! and the card payment back to the buyer, and the poll catches a delivery no callback told.

use std::sync::Arc;

use axum::{body::Body, http::Request};
use serde_json::{Value, json};
use testkit::ghn::{SHOP_ID, StubGhn, TOKEN, callback_body};

use crate::{
    orders::{Market, checkout, market, put_item, shipping, stock},
    support::*,
};

/// The secret GHN's callback URL carries in these tests.
pub(crate) const SECRET: &str = "ghnCallbackSecret2026";

/// A configuration whose GHN is the stand-in `ghn` (the platform's token serving the stalls'
/// shops, callbacks carrying [`SECRET`], parcels asked after when unheard of for 30 minutes),
/// the stalls' commune (Xã Cửa Tùng) and the buyers' (Phường Đông Hà) mapped to its wards.
pub(crate) fn ghn_config(ghn: &StubGhn) -> gateway::Config {
    let mut config = gateway::Config::with_overrides("").unwrap();
    let communes = std::env::temp_dir().join(format!("ghn-communes-{}.csv", uuid::Uuid::now_v7()));
    std::fs::write(
        &communes,
        "commune_code,province_id,district_id,ward_code\n19414,212,1701,480201\n19333,212,1700,480101\n",
    )
    .unwrap();
    config.carriers.ghn.url = ghn.base.clone();
    config.carriers.ghn.token = Some(TOKEN.into());
    config.carriers.ghn.webhook_secret = Some(SECRET.into());
    config.carriers.ghn.communes_file = communes;
    config.carriers.poll_after_minutes = 30;
    config
}

/// Connects `stall` to GHN as its owner does, with its shop at the stand-in.
pub(crate) async fn connect_ghn(app: &TestApp, owner: &str, stall: &str) {
    let res = app
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/stalls/{stall}/carrier"),
            Some(owner),
            Some(json!({"carrier": "ghn", "shop_id": SHOP_ID})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

/// A market whose stall A ships with GHN (stall B has no account).
async fn ghn_market(db: TestDb) -> (TestApp, StubGhn, Market) {
    let ghn = StubGhn::start().await;
    let app = TestApp::from_config(db, ghn_config(&ghn), |e| e);
    let m = market(&app).await;
    connect_ghn(&app, &m.owner_a, &m.stall_a).await;
    (app, ghn, m)
}

/// A confirmed order of stall A (2 nước mắm) checked out with `body`; its id.
async fn confirmed(app: &TestApp, m: &Market, key: &str, body: Value) -> String {
    assert_eq!(put_item(app, &m.buyer, &m.sauce, 2).await.status, 200);
    let res = checkout(app, &m.buyer, key, body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
    confirm(app, &m.owner_a, &id).await;
    id
}

async fn confirm(app: &TestApp, owner: &str, id: &str) {
    let res = app
        .post(
            &format!("/api/v1/orders/{id}/confirm"),
            Some(owner),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

pub(crate) async fn ship(app: &TestApp, token: &str, id: &str, body: Value) -> TestResponse {
    app.post(&format!("/api/v1/orders/{id}/ship"), Some(token), body)
        .await
}

/// Posts a GHN callback `body` with the URL's `secret`.
pub(crate) async fn callback(app: &TestApp, secret: Option<&str>, body: Vec<u8>) -> TestResponse {
    let uri = match secret {
        Some(s) => format!("/api/v1/carriers/ghn/webhook?secret={s}"),
        None => "/api/v1/carriers/ghn/webhook".to_owned(),
    };
    app.send(
        Request::post(uri)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Posts the callback GHN sends when waybill `code` reaches `status`; the outcome.
async fn advance(app: &TestApp, ghn: &StubGhn, code: &str, status: &str) -> Value {
    let res = callback(app, Some(SECRET), ghn.advance(code, status)).await;
    assert_eq!(res.status, 200, "{status}: {}", res.text());
    res.json()["outcome"].clone()
}

async fn order(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/orders/{id}"), Some(token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn events(o: &Value) -> Vec<String> {
    o["shipment"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_owned())
        .collect()
}

async fn inbox_events(app: &TestApp, token: &str) -> Vec<String> {
    let res = app.get("/api/v1/me/notifications", Some(token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    shipping_with_ghn_books_one_waybill_with_the_orders_cash,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-ghn", shipping()).await;
        let res = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"})).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let shipped = res.json();
        assert_eq!(shipped["status"], "shipped");
        let creates = ghn.requests_to("/v2/shipping-order/create");
        assert_eq!(creates.len(), 1);
        let sent = &creates[0].body;
        // Our number is the carrier's client order code; cash on delivery is the total due.
        assert_eq!(sent["client_order_code"], shipped["number"]);
        assert_eq!(sent["cod_amount"], shipped["total"]);
        assert_eq!(sent["to_ward_code"], "480101");
        assert_eq!(sent["to_name"], "Trần Thị Mai");
        assert_eq!(sent["from_ward_code"], "480201");
        let waybill = &ghn.waybills()[0];
        let s = &shipped["shipment"];
        assert_eq!(s["carrier"], "ghn");
        assert_eq!(s["tracking_no"], waybill.order_code.as_str());
        assert_eq!(shipped["tracking_no"], waybill.order_code.as_str());
        assert_eq!(s["status"], "booked");
        assert_eq!(s["cod_amount"], shipped["total"]);
        assert!(shipped["total"].as_i64().unwrap() >= 240_000);
        assert_eq!(events(&shipped), ["booked"]);

        // A retry after success answers the shipped order; nothing is booked again.
        let again = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"})).await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json()["shipment"]["tracking_no"], s["tracking_no"]);
        assert_eq!(ghn.requests_to("/v2/shipping-order/create").len(), 1);
        // The carrier reports the delivery: the stall cannot mark it delivered by hand.
        app.post(
            &format!("/api/v1/orders/{id}/deliver"),
            Some(&m.owner_a),
            json!({}),
        )
        .await
        .problem(409, "invalid_transition");
    }
);

db_test!(
    ship_refuses_what_it_cannot_book_and_keeps_the_stalls_own_delivery,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        // Stall B has no GHN account: 409 naming the carrier, nothing changed.
        assert_eq!(put_item(&app, &m.buyer, &m.coffee, 1).await.status, 200);
        let res = checkout(&app, &m.buyer, "k-b", shipping()).await;
        let b = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
        confirm(&app, &m.owner_b, &b).await;
        let p = ship(&app, &m.owner_b, &b, json!({"carrier": "ghn"}))
            .await
            .problem(409, "carrier_not_configured");
        assert_eq!(p["details"]["carrier"], "ghn");
        assert_eq!(order(&app, &m.owner_b, &b).await["status"], "confirmed");
        // Bad requests name the field.
        let p = ship(
            &app,
            &m.owner_b,
            &b,
            json!({"carrier": "ghn", "tracking_no": "X1"}),
        )
        .await
        .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["tracking_no"]);
        let p = ship(
            &app,
            &m.owner_b,
            &b,
            json!({"carrier": "self", "service": "2"}),
        )
        .await
        .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["service"]);
        let long = "x".repeat(65);
        let p = ship(&app, &m.owner_b, &b, json!({"carrier": long}))
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["carrier"]);
        // A carrier's name typed by hand, as older clients send it, is the stall's own delivery.
        let res = ship(
            &app,
            &m.owner_b,
            &b,
            json!({"carrier": "Viettel Post", "tracking_no": "VTP123"}),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let own = res.json();
        assert_eq!(
            (&own["status"], &own["carrier"], &own["tracking_no"]),
            (&json!("shipped"), &json!("Viettel Post"), &json!("VTP123"))
        );
        assert!(own["shipment"].is_null());
        // `self` is the stall's own delivery too, with no carrier named.
        let a = confirmed(&app, &m, "k-self", shipping()).await;
        let res = ship(&app, &m.owner_a, &a, json!({"carrier": "self"})).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(res.json()["carrier"].is_null() && res.json()["shipment"].is_null());
        assert!(ghn.requests_to("/v2/shipping-order/create").is_empty());

        // The carrier refuses (a commune it does not serve): nothing changed, nothing kept.
        let mut far = shipping();
        far["shipping"]["commune_code"] = json!("00070");
        far["shipping"]["province_code"] = json!("01");
        let c = confirmed(&app, &m, "k-far", far).await;
        let p = ship(&app, &m.owner_a, &c, json!({"carrier": "ghn"}))
            .await
            .problem(409, "commune_not_served");
        assert!(p["detail"].is_string());
        let seen = order(&app, &m.owner_a, &c).await;
        assert_eq!(seen["status"], "confirmed");
        assert!(seen["shipment"].is_null(), "{seen}");
        assert!(ghn.waybills().is_empty());
    }
);

db_test!(
    a_lost_answer_or_a_crashed_request_never_makes_a_second_waybill,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-lost", shipping()).await;
        let number = order(&app, &m.owner_a, &id).await["number"]
            .as_str()
            .unwrap()
            .to_owned();
        // GHN is down: 503, the order is still confirmed, and the same request may be retried.
        ghn.set_down(true);
        ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .problem(503, "carrier_unavailable");
        assert_eq!(order(&app, &m.owner_a, &id).await["status"], "confirmed");
        ghn.set_down(false);
        // GHN makes the waybill but its answer is lost on the way back.
        ghn.lose_next_create_answer();
        ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .problem(503, "carrier_unavailable");
        assert_eq!(ghn.waybills_for(&number).len(), 1);
        let seen = order(&app, &m.owner_a, &id).await;
        assert_eq!(seen["status"], "confirmed");
        assert_eq!(seen["shipment"]["status"], "booking");
        // The process died while it waited: its reservation holds the booking for a while…
        let until = chrono::Utc::now() + chrono::Duration::minutes(1);
        set_lease(&app, &id, until).await;
        ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .problem(409, "shipment_booking");
        // …and once it has run out, the retry takes it up and gets the same waybill back.
        set_lease(&app, &id, chrono::Utc::now() - chrono::Duration::seconds(1)).await;
        let res = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"})).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let waybills = ghn.waybills_for(&number);
        assert_eq!(waybills.len(), 1, "one waybill for the order");
        assert_eq!(
            res.json()["shipment"]["tracking_no"],
            waybills[0].order_code.as_str()
        );
        assert_eq!(res.json()["status"], "shipped");
    }
);

/// Sets the booking lease of order `id`'s shipment, as a request that holds it would.
async fn set_lease(app: &TestApp, id: &str, until: chrono::DateTime<chrono::Utc>) {
    use order::entity::shipment;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let order_id: uuid::Uuid = id.parse().unwrap();
    let res = shipment::Entity::update_many()
        .col_expr(shipment::Column::BookingUntil, Expr::value(until))
        .filter(shipment::Column::OrderId.eq(order_id))
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 1);
}

db_test!(
    ship_requests_at_once_book_one_waybill,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-race", shipping()).await;
        // GHN answers slowly, so the requests overlap while the first waits.
        ghn.set_delay(Some(std::time::Duration::from_millis(300)));
        let app = Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (app, token, id) = (app.clone(), m.owner_a.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                let res = ship(&app, &token, &id, json!({"carrier": "ghn"})).await;
                (res.status.as_u16(), res.json())
            }));
        }
        let mut ok = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                200 => ok += 1,
                409 => assert!(
                    ["shipment_booking", "invalid_transition"]
                        .contains(&body["code"].as_str().unwrap()),
                    "{body}"
                ),
                other => panic!("{other}: {body}"),
            }
        }
        assert!(ok >= 1);
        assert_eq!(ghn.requests_to("/v2/shipping-order/create").len(), 1);
        assert_eq!(ghn.waybills().len(), 1);
        ghn.set_delay(None);
        let seen = order(&app, &m.owner_a, &id).await;
        assert_eq!(seen["status"], "shipped");
        assert_eq!(events(&seen), ["booked"]);
    }
);

db_test!(
    callbacks_move_the_parcel_then_deliver_the_order_into_the_ledger,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-cb", shipping()).await;
        let shipped = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .json();
        let code = shipped["shipment"]["tracking_no"]
            .as_str()
            .unwrap()
            .to_owned();
        for (ghn_status, ours) in [
            ("picking", "booked"),
            ("picked", "picked_up"),
            ("storing", "in_transit"),
            ("transporting", "in_transit"),
            ("delivering", "delivering"),
        ] {
            assert_eq!(advance(&app, &ghn, &code, ghn_status).await, "applied");
            let seen = order(&app, &m.buyer, &id).await;
            assert_eq!(seen["shipment"]["status"], ours, "{ghn_status}");
            assert_eq!(seen["status"], "shipped", "{ghn_status}");
        }
        // A failed attempt: recorded, the buyer told; then delivered.
        assert_eq!(advance(&app, &ghn, &code, "delivery_fail").await, "applied");
        let seen = order(&app, &m.buyer, &id).await;
        assert_eq!(seen["shipment"]["status"], "delivery_failed");
        assert_eq!(seen["status"], "shipped");
        assert!(
            inbox_events(&app, &m.buyer)
                .await
                .contains(&"delivery_failed".to_owned())
        );
        advance(&app, &ghn, &code, "delivering").await;
        let body = ghn.advance(&code, "delivered");
        let res = callback(&app, Some(SECRET), body.clone()).await;
        assert_eq!(res.json()["outcome"], "applied");
        let seen = order(&app, &m.buyer, &id).await;
        assert_eq!(seen["status"], "delivered");
        assert_eq!(seen["paid"], true);
        assert_eq!(seen["shipment"]["status"], "delivered");
        assert_eq!(
            events(&seen),
            [
                "booked",
                "booked",
                "picked_up",
                "in_transit",
                "in_transit",
                "delivering",
                "delivery_failed",
                "delivering",
                "delivered"
            ]
        );
        // The same callback again changes nothing.
        let res = callback(&app, Some(SECRET), body).await;
        assert_eq!(res.json()["outcome"], "duplicate");
        // The carrier collected the cash: it holds it for the stall until it remits it.
        let ledger = app
            .get(
                &format!("/api/v1/stalls/{}/ledger?per_page=100", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        let kinds: Vec<&str> = ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"sale") && kinds.contains(&"cod_receivable"),
            "{kinds:?}"
        );
        assert!(!kinds.contains(&"cash_collected"), "{kinds:?}");
        assert_eq!(
            kinds.iter().filter(|k| **k == "sale").count(),
            1,
            "{kinds:?}"
        );
    }
);

/// GHN's callback for waybill `code` (of client code `number`) reaching `status` at `at`.
fn body_at(ghn: &StubGhn, code: &str, status: &str, at: &str) -> Vec<u8> {
    let w = ghn
        .waybills()
        .into_iter()
        .find(|w| w.order_code == code)
        .unwrap();
    callback_body(&w, status, at)
}

db_test!(
    late_and_repeated_callbacks_never_move_a_parcel_back,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-late", shipping()).await;
        let shipped = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .json();
        let code = shipped["shipment"]["tracking_no"]
            .as_str()
            .unwrap()
            .to_owned();
        let t = |min: i64| (chrono::Utc::now() + chrono::Duration::minutes(min)).to_rfc3339();
        let (t1, t2, t3) = (t(10), t(20), t(30));
        // Delivering arrives before picked: the later time wins, the earlier is kept as history.
        let post =
            |status: &str, at: &str| callback(&app, Some(SECRET), body_at(&ghn, &code, status, at));
        assert_eq!(post("delivering", &t2).await.json()["outcome"], "applied");
        assert_eq!(post("picked", &t1).await.json()["outcome"], "late");
        assert_eq!(post("picked", &t1).await.json()["outcome"], "duplicate");
        let seen = order(&app, &m.buyer, &id).await;
        assert_eq!(seen["shipment"]["status"], "delivering");
        assert_eq!(events(&seen), ["booked", "picked_up", "delivering"]);
        // Returned reported before delivered would be read in the carrier's order: the late
        // `delivered` (earlier by its clock) does not undo a later return.
        assert_eq!(post("returned", &t3).await.json()["outcome"], "applied");
        assert_eq!(post("delivered", &t2).await.json()["outcome"], "late");
        let seen = order(&app, &m.buyer, &id).await;
        assert_eq!(seen["status"], "returned");
        assert_eq!(seen["shipment"]["status"], "returned");
    }
);

db_test!(
    forged_and_unknown_callbacks_change_nothing,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-forged", shipping()).await;
        let shipped = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .json();
        let code = shipped["shipment"]["tracking_no"]
            .as_str()
            .unwrap()
            .to_owned();
        let delivered = ghn.advance(&code, "delivered");
        callback(&app, Some("guessed"), delivered.clone())
            .await
            .problem(401, "callback_not_verified");
        callback(&app, None, delivered.clone())
            .await
            .problem(401, "callback_not_verified");
        let seen = order(&app, &m.buyer, &id).await;
        assert_eq!(seen["status"], "shipped");
        assert_eq!(events(&seen), ["booked"]);
        // A carrier this marketplace does not speak to.
        let res = app
            .send(
                Request::post("/api/v1/carriers/vnpost/webhook?secret=x")
                    .header("content-type", "application/json")
                    .body(Body::from(delivered.clone()))
                    .unwrap(),
            )
            .await;
        res.problem(404, "not_found");
        // Verified but not GHN's shape: 400, nothing changed.
        callback(&app, Some(SECRET), b"{\"OrderCode\": 5}".to_vec())
            .await
            .problem(400, "carrier_message_malformed");
        // A waybill we do not know: acknowledged and ignored (sending it again would not help).
        let mut stranger: Value = serde_json::from_slice(&delivered).unwrap();
        stranger["OrderCode"] = json!("GHNUNKNOWN1");
        stranger["ClientOrderCode"] = json!("NOTOURS1");
        let res = callback(&app, Some(SECRET), stranger.to_string().into_bytes()).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["outcome"], "unknown_shipment");
        assert_eq!(order(&app, &m.buyer, &id).await["status"], "shipped");
    }
);

db_test!(
    a_returned_parcel_brings_the_stock_back_and_the_card_payment_back,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let ghn = StubGhn::start().await;
        let mut config = ghn_config(&ghn);
        config.stripe.secret_key = Some("sk_test_marketplace".into());
        config.stripe.webhook_secret = Some("whsec_ship".into());
        config.stripe.api_base = Some(stripe.base.clone());
        let app = TestApp::from_config(db, config, |e| e);
        let m = market(&app).await;
        connect_ghn(&app, &m.owner_a, &m.stall_a).await;
        let before = stock(&app, &m.buyer, &m.sauce).await;
        // A card checkout, paid through Stripe's webhook.
        let mut card = shipping();
        card["payment_method"] = json!("card");
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        let out = checkout(&app, &m.buyer, "k-ret", card).await.json();
        let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
        let intent = out["payment"]["payment_intent_id"].as_str().unwrap();
        let paid = testkit::stripe::event(
            "evt_ship_1",
            "payment_intent.succeeded",
            intent,
            out["checkout_id"].as_str().unwrap(),
            out["total"].as_i64().unwrap(),
        );
        let sig =
            order::provider::stripe::sign(&paid, "whsec_ship", chrono::Utc::now().timestamp());
        let res = app
            .send(
                Request::post("/api/v1/payments/stripe/webhook")
                    .header("content-type", "application/json")
                    .header("stripe-signature", sig)
                    .body(Body::from(paid))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        confirm(&app, &m.owner_a, &id).await;
        let shipped = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .json();
        // Paid online: the courier collects nothing.
        assert_eq!(shipped["shipment"]["cod_amount"], 0);
        assert_eq!(
            ghn.requests_to("/v2/shipping-order/create")[0].body["cod_amount"],
            0
        );
        let code = shipped["shipment"]["tracking_no"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(stock(&app, &m.buyer, &m.sauce).await, before - 2);
        for s in [
            "picked",
            "delivering",
            "delivery_fail",
            "waiting_to_return",
            "return",
            "returning",
        ] {
            advance(&app, &ghn, &code, s).await;
        }
        assert_eq!(order(&app, &m.buyer, &id).await["status"], "shipped");
        assert_eq!(advance(&app, &ghn, &code, "returned").await, "applied");
        let seen = order(&app, &m.buyer, &id).await;
        assert_eq!(seen["status"], "returned");
        assert_eq!(
            seen["history"].as_array().unwrap().last().unwrap()["to"],
            "returned"
        );
        // The units are on sale again; the card payment goes back at once.
        assert_eq!(stock(&app, &m.buyer, &m.sauce).await, before);
        assert_eq!(seen["refund"]["amount"], seen["total"]);
        assert_eq!(seen["refund"]["status"], "sent");
        assert_eq!(stripe.requests_to("/v1/refunds").len(), 1);
        // Nothing was earned: no ledger entry for the order.
        let ledger = app
            .get(
                &format!("/api/v1/stalls/{}/ledger", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        assert_eq!(ledger["total"], 0, "{ledger}");
        // Buyer and stall are told.
        let buyer = inbox_events(&app, &m.buyer).await;
        assert!(buyer.contains(&"order_returned".to_owned()), "{buyer:?}");
        assert!(buyer.contains(&"delivery_failed".to_owned()), "{buyer:?}");
        let stall = inbox_events(&app, &m.owner_a).await;
        assert!(
            stall.contains(&"order_returned_to_stall".to_owned()),
            "{stall:?}"
        );
        // The state is listed like any other.
        let listed = app
            .get("/api/v1/admin/orders?status=returned", Some(&m.admin))
            .await
            .json();
        assert_eq!(listed["total"], 1, "{listed}");
        // A returned callback again is a duplicate: no second refund, no stock twice.
        let again = callback(
            &app,
            Some(SECRET),
            body_at(
                &ghn,
                &code,
                "returned",
                &ghn.waybills()[0].log.last().unwrap().1,
            ),
        )
        .await;
        assert_eq!(again.json()["outcome"], "duplicate");
        assert_eq!(stock(&app, &m.buyer, &m.sauce).await, before);
        assert_eq!(stripe.requests_to("/v1/refunds").len(), 1);
    }
);

db_test!(
    the_poll_catches_a_delivery_no_callback_told,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-poll", shipping()).await;
        let shipped = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .json();
        let code = shipped["shipment"]["tracking_no"]
            .as_str()
            .unwrap()
            .to_owned();
        // The picked callback arrives; the delivering and delivered ones are lost.
        advance(&app, &ghn, &code, "picked").await;
        ghn.advance(&code, "delivering");
        ghn.advance(&code, "delivered");
        let orders = &app.state.orders;
        let now = chrono::Utc::now();
        // Heard of just now: not asked after yet.
        assert_eq!(orders.poll_shipments(&app.db.conn, now).await.unwrap(), 0);
        assert!(ghn.requests_to("/v2/shipping-order/detail").is_empty());
        // Past the poll interval (30 minutes here), it is.
        let later = now + chrono::Duration::minutes(31);
        assert_eq!(orders.poll_shipments(&app.db.conn, later).await.unwrap(), 1);
        let seen = order(&app, &m.buyer, &id).await;
        assert_eq!(seen["status"], "delivered");
        assert_eq!(seen["shipment"]["status"], "delivered");
        let statuses = events(&seen);
        assert_eq!(
            statuses.iter().filter(|s| *s == "picked_up").count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(statuses.last().unwrap(), "delivered");
        // Delivered is final: the poll leaves it alone.
        let much_later = later + chrono::Duration::hours(2);
        assert_eq!(
            orders
                .poll_shipments(&app.db.conn, much_later)
                .await
                .unwrap(),
            0
        );
        // The late callback of the delivery is a duplicate of what the poll applied.
        let log = ghn.waybills()[0].log.clone();
        let (status, at) = log.last().unwrap();
        let res = callback(&app, Some(SECRET), body_at(&ghn, &code, status, at)).await;
        assert_eq!(res.json()["outcome"], "duplicate");
    }
);

db_test!(
    cancelling_withdraws_an_unanswered_booking,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_market(db).await;
        let id = confirmed(&app, &m, "k-cancel", shipping()).await;
        ghn.lose_next_create_answer();
        ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .problem(503, "carrier_unavailable");
        // While a request holds the booking, the order cannot be cancelled under it.
        set_lease(&app, &id, chrono::Utc::now() + chrono::Duration::minutes(1)).await;
        let reject = json!({"reason": "Khách đổi ý, không giao nữa"});
        app.post(
            &format!("/api/v1/orders/{id}/reject"),
            Some(&m.owner_a),
            reject.clone(),
        )
        .await
        .problem(409, "shipment_booking");
        set_lease(&app, &id, chrono::Utc::now() - chrono::Duration::seconds(1)).await;
        let res = app
            .post(
                &format!("/api/v1/orders/{id}/reject"),
                Some(&m.owner_a),
                reject,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["shipment"]["status"], "cancelled");
        // The waybill GHN made anyway is cancelled when GHN first speaks of it.
        let code = ghn.waybills()[0].order_code.clone();
        assert_eq!(
            advance(&app, &ghn, &code, "ready_to_pick").await,
            "waybill_cancelled"
        );
        assert_eq!(ghn.requests_to("/v2/switch-status/cancel").len(), 1);
        assert_eq!(order(&app, &m.buyer, &id).await["status"], "cancelled");
    }
);
