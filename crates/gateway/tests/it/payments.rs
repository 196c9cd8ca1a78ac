//! Card payments against a Stripe double that speaks Stripe's wire format, on SQLite and
//! PostgreSQL: the PaymentIntent created after checkout, signed webhooks (duplicates, order,
//! rotation, forgeries), an outage during checkout, expiry of unpaid checkouts, and refunds.

use axum::{body::Body, http::Request};
use chrono::{Duration, Utc};
use order::provider::stripe::sign;
use serde_json::{Value, json};
use testkit::stripe::{StubStripe, event};

use crate::{
    orders::{Market, checkout, market, put_item, shipping, stock},
    support::*,
};

const SECRET: &str = "whsec_current";

fn card() -> Value {
    let mut body = shipping();
    body["payment_method"] = json!("card");
    body
}

async fn webhook(app: &TestApp, body: &[u8], signature: Option<&str>) -> TestResponse {
    let mut req =
        Request::post("/api/v1/payments/stripe/webhook").header("content-type", "application/json");
    if let Some(sig) = signature {
        req = req.header("stripe-signature", sig);
    }
    app.send(req.body(Body::from(body.to_vec())).unwrap()).await
}

/// Sends `body` signed now with `secret`.
async fn deliver(app: &TestApp, body: &[u8], secret: &str) -> TestResponse {
    let sig = sign(body, secret, Utc::now().timestamp());
    webhook(app, body, Some(&sig)).await
}

/// A card checkout of 2 nước mắm (stall A) and 1 cà phê (stall B): 405 000 đ.
async fn card_checkout(app: &TestApp, m: &Market, key: &str) -> Value {
    put_item(app, &m.buyer, &m.sauce, 2).await;
    put_item(app, &m.buyer, &m.coffee, 1).await;
    let res = checkout(app, &m.buyer, key, card()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn intent(out: &Value) -> String {
    out["payment"]["payment_intent_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn orders_of(app: &TestApp, token: &str, out: &Value) -> Vec<Value> {
    let mut all = Vec::new();
    for o in out["orders"].as_array().unwrap() {
        let res = app
            .get(
                &format!("/api/v1/orders/{}", o["id"].as_str().unwrap()),
                Some(token),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        all.push(res.json());
    }
    all
}

db_test!(
    card_checkout_then_the_webhook_twice_places_and_pays_once,
    |db: TestDb| async move {
        let stripe = StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, SECRET);
        let m = market(&app).await;
        let out = card_checkout(&app, &m, "card-1").await;
        let checkout_id = out["checkout_id"].as_str().unwrap().to_owned();
        assert_eq!(out["total"], 405_000);
        assert_eq!(out["payment"]["provider"], "stripe");
        assert!(
            out["payment"]["client_secret"]
                .as_str()
                .unwrap()
                .contains("_secret_")
        );
        for o in out["orders"].as_array().unwrap() {
            assert_eq!(o["status"], "pending_payment");
            assert_eq!(o["paid"], false);
            assert_eq!(o["payment_method"], "card");
        }
        // One PaymentIntent for the checkout total, in VND as a zero-decimal amount.
        let calls = stripe.requests_to("/v1/payment_intents");
        assert_eq!(calls.len(), 1);
        let call = &calls[0];
        assert_eq!(call.field("amount"), Some("405000"));
        assert_eq!(call.field("currency"), Some("vnd"));
        assert_eq!(
            call.field("metadata[checkout_id]"),
            Some(checkout_id.as_str())
        );
        assert_eq!(
            call.idempotency_key.as_deref(),
            Some(format!("checkout-{checkout_id}").as_str())
        );
        assert_eq!(
            call.authorization.as_deref(),
            Some("Bearer sk_test_marketplace")
        );
        // Stock is held while the buyer pays.
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 8);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 5);

        // A replayed checkout returns the same payment without asking Stripe again.
        let again = checkout(&app, &m.buyer, "card-1", card()).await;
        assert_eq!(again.status, 201);
        let again = again.json();
        assert_eq!(again["checkout_id"], out["checkout_id"]);
        assert_eq!(again["payment"], out["payment"]);
        assert_eq!(stripe.requests_to("/v1/payment_intents").len(), 1);

        // Unpaid: the stall cannot act on it yet.
        let order_a = out["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["stall_id"] == m.stall_a.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.post(
            &format!("/api/v1/orders/{order_a}/confirm"),
            Some(&m.owner_a),
            json!({}),
        )
        .await
        .problem(409, "invalid_transition");

        let pi = intent(&out);
        let body = event(
            "evt_ok_1",
            "payment_intent.succeeded",
            &pi,
            &checkout_id,
            405_000,
        );
        let first = deliver(&app, &body, SECRET).await;
        assert_eq!(first.status, 200, "{}", first.text());
        assert_eq!(first.json()["outcome"], "applied");
        let second = deliver(&app, &body, SECRET).await;
        assert_eq!(second.status, 200);
        assert_eq!(second.json()["outcome"], "duplicate");
        // Another event about the same, already applied payment changes nothing either.
        let other = event(
            "evt_ok_2",
            "payment_intent.succeeded",
            &pi,
            &checkout_id,
            405_000,
        );
        assert_eq!(
            deliver(&app, &other, SECRET).await.json()["outcome"],
            "ignored"
        );

        for o in orders_of(&app, &m.buyer, &out).await {
            assert_eq!(o["status"], "placed");
            assert_eq!(o["paid"], true);
            let history = o["history"].as_array().unwrap();
            assert_eq!(history.len(), 2, "{history:?}");
            assert_eq!(history[1]["from"], "pending_payment");
            assert_eq!(history[1]["to"], "placed");
            assert_eq!(history[1]["actor_id"], Value::Null);
        }
        // Paid: the stall confirms now.
        let res = app
            .post(
                &format!("/api/v1/orders/{order_a}/confirm"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 8);
    }
);

db_test!(
    webhook_signatures_are_checked_with_rotation,
    |db: TestDb| async move {
        let stripe = StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, "whsec_new, whsec_old");
        let m = market(&app).await;
        let out = card_checkout(&app, &m, "sig-1").await;
        let checkout_id = out["checkout_id"].as_str().unwrap();
        let body = event(
            "evt_sig",
            "payment_intent.succeeded",
            &intent(&out),
            checkout_id,
            405_000,
        );
        let now = Utc::now().timestamp();

        // Forgeries and replays change nothing.
        webhook(&app, &body, None)
            .await
            .problem(401, "invalid_signature");
        webhook(&app, &body, Some(&sign(&body, "whsec_wrong", now)))
            .await
            .problem(401, "invalid_signature");
        webhook(&app, &body, Some(&sign(&body, "whsec_new", now - 301)))
            .await
            .problem(401, "invalid_signature");
        let mut tampered = body.clone();
        let at = tampered.len() - 3;
        tampered[at] = b' ';
        webhook(&app, &tampered, Some(&sign(&body, "whsec_new", now)))
            .await
            .problem(401, "invalid_signature");
        webhook(&app, &body, Some("t=abc,v1=zz"))
            .await
            .problem(401, "invalid_signature");
        for o in orders_of(&app, &m.buyer, &out).await {
            assert_eq!(o["status"], "pending_payment", "a forged event moved it");
        }

        // Signed with the old secret during a rotation: accepted.
        let res = webhook(&app, &body, Some(&sign(&body, "whsec_old", now))).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["outcome"], "applied");
        // Several v1 values, one of them right: accepted (and a duplicate by now).
        let good = sign(&body, "whsec_new", now);
        let v1 = good.split_once(",v1=").unwrap().1;
        let several = format!("t={now},v1={},v1={v1}", "ab".repeat(32));
        assert_eq!(
            webhook(&app, &body, Some(&several)).await.json()["outcome"],
            "duplicate"
        );

        // Signed but not an event.
        deliver(&app, b"{\"hello\": 1}", "whsec_new")
            .await
            .problem(400, "malformed_event");
        // An intent no checkout knows is acknowledged.
        let stray = event(
            "evt_stray",
            "payment_intent.succeeded",
            "pi_unknown",
            "00000000-0000-0000-0000-000000000000",
            1,
        );
        let res = deliver(&app, &stray, "whsec_new").await;
        assert_eq!(res.status, 200);
        assert_eq!(res.json()["outcome"], "unknown_intent");
        // Types we do not act on are acknowledged too.
        let other = event("evt_other", "charge.updated", "ch_1", checkout_id, 1);
        assert_eq!(
            deliver(&app, &other, "whsec_new").await.json()["outcome"],
            "ignored"
        );
    }
);

db_test!(
    a_failed_payment_cancels_and_a_late_success_is_refunded,
    |db: TestDb| async move {
        let stripe = StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, SECRET);
        let m = market(&app).await;
        let out = card_checkout(&app, &m, "fail-1").await;
        let checkout_id = out["checkout_id"].as_str().unwrap();
        let pi = intent(&out);

        let failed = event(
            "evt_fail",
            "payment_intent.payment_failed",
            &pi,
            checkout_id,
            405_000,
        );
        assert_eq!(
            deliver(&app, &failed, SECRET).await.json()["outcome"],
            "applied"
        );
        for o in orders_of(&app, &m.buyer, &out).await {
            assert_eq!(o["status"], "cancelled");
            let last = o["history"].as_array().unwrap().last().unwrap().clone();
            assert!(
                last["reason"].as_str().unwrap().contains("declined"),
                "{last}"
            );
        }
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 6);

        // The success arrives after the failure (out of order, or a retry on the same intent):
        // the money goes back, the orders stay cancelled, the stock is not taken twice.
        let ok = event(
            "evt_late_ok",
            "payment_intent.succeeded",
            &pi,
            checkout_id,
            405_000,
        );
        assert_eq!(
            deliver(&app, &ok, SECRET).await.json()["outcome"],
            "refund_owed"
        );
        // The failure delivered again is a duplicate.
        assert_eq!(
            deliver(&app, &failed, SECRET).await.json()["outcome"],
            "duplicate"
        );
        let (sent, failed_calls) = app
            .state
            .payments
            .process_refunds(&app.state.db, Utc::now())
            .await
            .unwrap();
        assert_eq!((sent, failed_calls), (2, 0));
        let refunds = stripe.requests_to("/v1/refunds");
        assert_eq!(refunds.len(), 2);
        let mut amounts: Vec<&str> = refunds.iter().filter_map(|r| r.field("amount")).collect();
        amounts.sort_unstable();
        assert_eq!(amounts, ["165000", "240000"]);
        for r in &refunds {
            assert_eq!(r.field("payment_intent"), Some(pi.as_str()));
            assert!(r.idempotency_key.as_deref().unwrap().starts_with("refund-"));
        }
        for o in orders_of(&app, &m.buyer, &out).await {
            assert_eq!(o["status"], "cancelled");
            assert_eq!(o["paid"], true);
            assert_eq!(o["refund"]["status"], "sent");
            assert!(
                o["refund"]["provider_refund_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("re_")
            );
        }
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
        // Nothing more to send.
        let again = app
            .state
            .payments
            .process_refunds(&app.state.db, Utc::now() + Duration::hours(2))
            .await
            .unwrap();
        assert_eq!(again, (0, 0));
        assert_eq!(stripe.requests_to("/v1/refunds").len(), 2);
    }
);

db_test!(
    a_stripe_outage_during_checkout_leaks_no_stock,
    |db: TestDb| async move {
        let stripe = StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, SECRET);
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        stripe.set_down(true);
        let res = checkout(&app, &m.buyer, "outage-1", card()).await;
        let problem = res.problem(503, "payment_unavailable");
        assert!(problem["detail"].as_str().unwrap().contains("cod"));
        assert_eq!(stripe.requests_to("/v1/payment_intents").len(), 1);
        // Nothing is held, and the cart is as it was.
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 6);
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        assert_eq!(cart["items"].as_array().unwrap().len(), 2);
        assert_eq!(cart["total"], 405_000);

        // Stripe is back: the same request, with the same key, goes through.
        stripe.set_down(false);
        let res = checkout(&app, &m.buyer, "outage-1", card()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        assert!(out["payment"]["client_secret"].is_string());
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 8);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 5);
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        assert_eq!(cart["items"].as_array().unwrap().len(), 0);
    }
);

db_test!(
    unpaid_checkouts_expire_once_with_two_sweepers,
    |db: TestDb| async move {
        let stripe = StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, SECRET);
        let m = market(&app).await;
        let out = card_checkout(&app, &m, "exp-1").await;
        let payments = &app.state.payments;
        let conn = &app.state.db;
        assert_eq!(
            payments.expire_unpaid(conn, Utc::now()).await.unwrap(),
            0,
            "not due yet"
        );
        let later = Utc::now() + Duration::minutes(31);
        let (a, b) = tokio::join!(
            payments.expire_unpaid(conn, later),
            payments.expire_unpaid(conn, later)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1, "one sweeper wins");
        for o in orders_of(&app, &m.buyer, &out).await {
            assert_eq!(o["status"], "cancelled");
            let last = o["history"].as_array().unwrap().last().unwrap().clone();
            assert_eq!(last["reason"], "not paid in time");
        }
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 6);
        assert_eq!(payments.expire_unpaid(conn, later).await.unwrap(), 0);
        // The payment is closed at Stripe too, so it cannot be paid late.
        let pi = intent(&out);
        let cancels = stripe.requests_to(&format!("/v1/payment_intents/{pi}/cancel"));
        assert_eq!(cancels.len(), 1);
        assert_eq!(cancels[0].field("cancellation_reason"), Some("abandoned"));
        // Stripe then reports the cancellation: nothing more happens.
        let canceled = event(
            "evt_canceled",
            "payment_intent.canceled",
            &pi,
            out["checkout_id"].as_str().unwrap(),
            405_000,
        );
        assert_eq!(
            deliver(&app, &canceled, SECRET).await.json()["outcome"],
            "ignored"
        );
    }
);

db_test!(
    cancelling_a_paid_order_refunds_it_and_retries_failures,
    |db: TestDb| async move {
        let stripe = StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, SECRET);
        let m = market(&app).await;
        let out = card_checkout(&app, &m, "refund-1").await;
        let checkout_id = out["checkout_id"].as_str().unwrap();
        let paid = event(
            "evt_paid",
            "payment_intent.succeeded",
            &intent(&out),
            checkout_id,
            405_000,
        );
        assert_eq!(
            deliver(&app, &paid, SECRET).await.json()["outcome"],
            "applied"
        );
        let id_of = |stall: &str| {
            out["orders"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["stall_id"] == stall)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let (order_a, order_b) = (id_of(&m.stall_a), id_of(&m.stall_b));

        // Stripe refuses refunds for a while: the cancellation still succeeds, the refund waits.
        stripe.set_refunds_down(true);
        let res = app
            .post(
                &format!("/api/v1/orders/{order_a}/cancel"),
                Some(&m.buyer),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let cancelled = res.json();
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["refund"]["status"], "queued");
        assert_eq!(cancelled["refund"]["amount"], 240_000);
        assert_eq!(cancelled["refund"]["attempts"], 1);
        assert!(cancelled["refund"]["last_error"].is_string());
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);

        // Administrators see it; nobody else does.
        let queued = app
            .get("/api/v1/admin/refunds?status=queued", Some(&m.admin))
            .await;
        assert_eq!(queued.status, 200, "{}", queued.text());
        let queued = queued.json();
        assert_eq!(queued["total"], 1);
        assert_eq!(queued["items"][0]["order_id"], order_a.as_str());
        app.get("/api/v1/admin/refunds", Some(&m.buyer))
            .await
            .problem(403, "forbidden");
        // Operators see it in the metrics.
        let metrics = app.get("/metrics", None).await.text();
        assert!(
            metrics.contains("marketplace_payments_refunds_queued 1\n"),
            "{metrics}"
        );
        app.get("/api/v1/admin/refunds?status=lost", Some(&m.admin))
            .await
            .problem(422, "validation_failed");

        // Not retried before its time; retried after, with the same idempotency key.
        let payments = &app.state.payments;
        stripe.set_refunds_down(false);
        assert_eq!(
            payments
                .process_refunds(&app.state.db, Utc::now())
                .await
                .unwrap(),
            (0, 0)
        );
        assert_eq!(
            payments
                .process_refunds(&app.state.db, Utc::now() + Duration::hours(1))
                .await
                .unwrap(),
            (1, 0)
        );
        let calls = stripe.requests_to("/v1/refunds");
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].idempotency_key, calls[1].idempotency_key);
        let a = app
            .get(&format!("/api/v1/orders/{order_a}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(a["refund"]["status"], "sent");
        assert_eq!(a["refund"]["attempts"], 2);
        assert_eq!(a["refund"]["last_error"], Value::Null);

        // An admin cancels the other paid order: refunded at once.
        let res = app
            .post(
                &format!("/api/v1/orders/{order_b}/cancel"),
                Some(&m.admin),
                json!({"reason": "Sản phẩm hết hạn sử dụng"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["refund"]["status"], "sent");
        let sent = app
            .get("/api/v1/admin/refunds?status=sent", Some(&m.admin))
            .await
            .json();
        assert_eq!(sent["total"], 2);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 6);

        // Stripe later reports that one refund failed: it shows as failed, with the reason.
        let provider_id = a["refund"]["provider_refund_id"].as_str().unwrap();
        let failed = serde_json::to_vec(&json!({
            "id": "evt_refund_failed",
            "object": "event",
            "type": "refund.failed",
            "data": {"object": {"id": provider_id, "object": "refund", "amount": 240_000,
                "currency": "vnd", "status": "failed", "failure_reason": "expired_or_canceled_card"}}
        }))
        .unwrap();
        assert_eq!(
            deliver(&app, &failed, SECRET).await.json()["outcome"],
            "applied"
        );
        let failed = app
            .get("/api/v1/admin/refunds?status=failed", Some(&m.admin))
            .await
            .json();
        assert_eq!(failed["total"], 1);
        assert!(
            failed["items"][0]["last_error"]
                .as_str()
                .unwrap()
                .contains("expired_or_canceled_card")
        );
    }
);

db_test!(card_payments_off_without_keys, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m = market(&app).await;
    put_item(&app, &m.buyer, &m.sauce, 1).await;
    checkout(&app, &m.buyer, "off-1", card())
        .await
        .problem(422, "validation_failed");
    let body = event("evt_x", "payment_intent.succeeded", "pi_x", "x", 1);
    deliver(&app, &body, SECRET).await.problem(404, "not_found");
    assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
});
