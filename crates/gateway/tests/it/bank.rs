//! Bank transfers by VietQR, on SQLite and PostgreSQL: the payload checked field by field, the
//! bank's notifications matched by the reference however the bank wrapped it, exact, partial
//! then complete, overpaid, late after expiry, unmatched, duplicates at once, forgeries.

use axum::{body::Body, http::Request};
use chrono::{Duration, Utc};
use order::payments::sign_bank;
use serde_json::{Value, json};

use crate::{
    orders::{Market, checkout, market, put_item, shipping, stock},
    support::*,
};

const SECRET: &str = "bank-notify-secret";

/// An app with the marketplace's account at Vietcombank and notifications signed by `SECRET`.
pub(crate) fn bank_app(db: TestDb) -> TestApp {
    bank_app_with(db, "")
}

/// [`bank_app`] with `toml` over the defaults.
pub(crate) fn bank_app_with(db: TestDb, toml: &str) -> TestApp {
    TestApp::from_config(db, bank_config(toml), |engine| engine)
}

/// The defaults with `toml` over them and the marketplace's account at Vietcombank.
pub(crate) fn bank_config(toml: &str) -> gateway::Config {
    // The secret comes from the environment in real life; set here like it.
    let mut config = gateway::Config::with_overrides(toml).expect("test configuration is valid");
    let b = &mut config.bank_transfer;
    b.bank_bin = Some("970436".into());
    b.account_no = Some("1023456789".into());
    b.account_name = Some("CONG TY CHO OCOP QUANG TRI".into());
    b.webhook_secret = Some(SECRET.into());
    config
}

pub(crate) fn by_transfer() -> Value {
    let mut body = shipping();
    body["payment_method"] = json!("bank_transfer");
    body
}

/// A bank-transfer checkout of 2 nước mắm (stall A) and 1 cà phê (stall B): 405 000 đ.
async fn transfer_checkout(app: &TestApp, m: &Market, key: &str) -> Value {
    put_item(app, &m.buyer, &m.sauce, 2).await;
    put_item(app, &m.buyer, &m.coffee, 1).await;
    let res = checkout(app, &m.buyer, key, by_transfer()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn notification(id: &str, amount: i64, description: &str) -> Vec<u8> {
    json!({
        "id": id,
        "bank": "Vietcombank",
        "account_no": "1023456789",
        "amount": amount,
        "description": description,
        "transacted_at": Utc::now(),
    })
    .to_string()
    .into_bytes()
}

async fn notify(app: &TestApp, body: &[u8], signature: Option<&str>) -> TestResponse {
    let mut req =
        Request::post("/api/v1/payments/bank/webhook").header("content-type", "application/json");
    if let Some(sig) = signature {
        req = req.header("x-signature", sig);
    }
    app.send(req.body(Body::from(body.to_vec())).unwrap()).await
}

pub(crate) async fn send(app: &TestApp, id: &str, amount: i64, description: &str) -> String {
    let body = notification(id, amount, description);
    let res = notify(app, &body, Some(&sign_bank(&body, SECRET))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["outcome"].as_str().unwrap().to_owned()
}

async fn statuses(app: &TestApp, token: &str, out: &Value) -> Vec<(String, bool)> {
    let mut all = Vec::new();
    for o in out["orders"].as_array().unwrap() {
        let seen = app
            .get(
                &format!("/api/v1/orders/{}", o["id"].as_str().unwrap()),
                Some(token),
            )
            .await
            .json();
        all.push((
            seen["status"].as_str().unwrap().to_owned(),
            seen["paid"].as_bool().unwrap(),
        ));
    }
    all
}

db_test!(
    bank_transfer_is_off_until_configured,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let body = checkout(&app, &m.buyer, "off", by_transfer())
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "payment_method");
        let n = notification("FT1", 1000, "x");
        notify(&app, &n, Some(&sign_bank(&n, SECRET)))
            .await
            .problem(404, "not_found");
    }
);

db_test!(
    an_exact_transfer_found_in_a_bank_description_pays_the_checkout,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-1").await;
        let pay = &out["payment"];
        assert_eq!(pay["provider"], "vietqr");
        assert_eq!(pay["amount"], 405_000);
        assert_eq!(pay["bank_name"], "Vietcombank");
        let reference = pay["reference"].as_str().unwrap().to_owned();
        assert!(
            reference.starts_with("CK") && reference.len() == 10,
            "{reference}"
        );
        // The payload, read back field by field.
        let d = vietqr::decode(pay["qr_payload"].as_str().unwrap()).unwrap();
        assert_eq!(d.guid, "A000000727");
        assert_eq!(d.bank_bin, "970436");
        assert_eq!(d.account_no, "1023456789");
        assert_eq!(d.service.as_deref(), Some("QRIBFTTA"));
        assert_eq!(d.currency.as_deref(), Some("704"));
        assert_eq!(d.amount, Some(405_000));
        assert_eq!(d.country.as_deref(), Some("VN"));
        assert_eq!(d.purpose.as_deref(), Some(reference.as_str()));
        assert_eq!(d.initiation.as_deref(), Some("12"));
        for (status, paid) in statuses(&app, &m.buyer, &out).await {
            assert_eq!((status.as_str(), paid), ("pending_payment", false));
        }
        // A replay answers the same payment.
        let again = checkout(&app, &m.buyer, "vqr-1", by_transfer())
            .await
            .json();
        assert_eq!(again["payment"], out["payment"]);

        let description = format!(
            "MBVCB.3141592653.{}.CT tu 0071000123456 NGUYEN THU HA toi 1023456789",
            reference.to_lowercase()
        );
        assert_eq!(send(&app, "FT-exact", 405_000, &description).await, "exact");
        for (status, paid) in statuses(&app, &m.buyer, &out).await {
            assert_eq!((status.as_str(), paid), ("placed", true));
        }
        // The stall can act on it now.
        let order_a = out["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["stall_id"] == m.stall_a.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = app
            .post(
                &format!("/api/v1/orders/{order_a}/confirm"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
);

db_test!(
    a_partial_transfer_waits_for_the_rest,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-2").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        assert_eq!(
            send(&app, "FT-p1", 400_000, &format!("IBFT {reference}")).await,
            "partial"
        );
        for (status, _) in statuses(&app, &m.buyer, &out).await {
            assert_eq!(status, "pending_payment");
        }
        // The buyer sees what is missing, and the code to pay it.
        let id = out["checkout_id"].as_str().unwrap().to_owned();
        let seen = app
            .get(&format!("/api/v1/checkouts/{id}"), Some(&m.buyer))
            .await;
        assert_eq!(seen.status, 200, "{}", seen.text());
        let seen = seen.json();
        assert_eq!(seen["status"], "awaiting_payment");
        assert_eq!(
            (seen["amount_paid"].clone(), seen["amount_due"].clone()),
            (json!(400_000), json!(5_000))
        );
        assert_eq!(seen["payment"]["reference"], reference.as_str());
        let qr = app
            .get(&format!("/api/v1/checkouts/{id}/qr.svg"), Some(&m.buyer))
            .await;
        assert_eq!(qr.status, 200);
        assert_eq!(qr.header("content-type"), Some("image/svg+xml"));
        assert!(qr.text().contains("<svg"), "{}", qr.text());
        // Nobody else's business.
        app.get(&format!("/api/v1/checkouts/{id}"), Some(&m.owner_a))
            .await
            .problem(404, "not_found");
        app.get(&format!("/api/v1/checkouts/{id}/qr.svg"), Some(&m.owner_a))
            .await
            .problem(404, "not_found");
        // The rest, with the reference split by the bank.
        let split = format!("{} {}", &reference[..5], &reference[5..]);
        assert_eq!(send(&app, "FT-p2", 5_000, &split).await, "exact");
        for (status, paid) in statuses(&app, &m.buyer, &out).await {
            assert_eq!((status.as_str(), paid), ("placed", true));
        }
        let seen = app
            .get(&format!("/api/v1/checkouts/{id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(
            (seen["status"].clone(), seen["amount_due"].clone()),
            (json!("paid"), json!(0))
        );
        assert!(seen.get("payment").is_none(), "{seen}");
        app.get(&format!("/api/v1/checkouts/{id}/qr.svg"), Some(&m.buyer))
            .await
            .problem(404, "not_found");
    }
);

db_test!(
    an_overpayment_pays_and_owes_the_excess,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-3").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        assert_eq!(send(&app, "FT-over", 425_000, &reference).await, "excess");
        for (status, paid) in statuses(&app, &m.buyer, &out).await {
            assert_eq!((status.as_str(), paid), ("placed", true));
        }
        let list = app
            .get(
                "/api/v1/admin/bank-transfers?status=matched",
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(list["items"][0]["owed_back"], 20_000, "{list}");
        assert_eq!(list["items"][0]["outcome"], "excess");
        // The buyer's view: paid what it cost; the excess is owed back, not kept.
        let id = out["checkout_id"].as_str().unwrap();
        let seen = app
            .get(&format!("/api/v1/checkouts/{id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(
            (seen["status"].clone(), seen["amount_paid"].clone()),
            (json!("paid"), json!(405_000)),
            "{seen}"
        );
        // A second payment for a paid checkout is owed back whole.
        assert_eq!(send(&app, "FT-again", 405_000, &reference).await, "late");
    }
);

db_test!(
    a_transfer_after_expiry_is_owed_back,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-4").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        let expired = app
            .state
            .payments
            .expire_unpaid(&app.db.conn, Utc::now() + Duration::hours(2))
            .await
            .unwrap();
        assert_eq!(expired, 1);
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10, "stock is back");
        assert_eq!(send(&app, "FT-late", 405_000, &reference).await, "late");
        for (status, paid) in statuses(&app, &m.buyer, &out).await {
            assert_eq!((status.as_str(), paid), ("cancelled", false));
        }
        let list = app
            .get("/api/v1/admin/bank-transfers", Some(&m.admin))
            .await
            .json();
        assert_eq!(list["items"][0]["owed_back"], 405_000);
    }
);

db_test!(
    a_transfer_without_a_reference_waits_for_an_administrator,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        transfer_checkout(&app, &m, "vqr-5").await;
        assert_eq!(
            send(&app, "FT-none", 405_000, "chuyen tien mua nuoc mam").await,
            "unmatched"
        );
        let list = app
            .get(
                "/api/v1/admin/bank-transfers?status=unmatched",
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(list["total"], 1, "{list}");
        assert_eq!(list["items"][0]["id"], "FT-none");
        let metrics = app.get("/metrics", None).await.text();
        assert!(
            metrics.contains(r#"marketplace_payments_bank_transfers{status="unmatched"} 1"#),
            "{metrics}"
        );
        app.get("/api/v1/admin/bank-transfers", Some(&m.buyer))
            .await
            .problem(403, "forbidden");
        // An administrator reads the statement and assigns it: the checkout is paid.
        let checkout_id =
            app.get("/api/v1/orders", Some(&m.buyer)).await.json()["items"][0]["checkout_id"]
                .as_str()
                .unwrap()
                .to_owned();
        let res = app
            .post(
                "/api/v1/admin/bank-transfers/FT-none/assign",
                Some(&m.buyer),
                json!({"checkout_id": checkout_id}),
            )
            .await;
        res.problem(403, "forbidden");
        let res = app
            .post(
                "/api/v1/admin/bank-transfers/FT-none/assign",
                Some(&m.admin),
                json!({"checkout_id": checkout_id}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["outcome"], "exact");
        let orders = app.get("/api/v1/orders", Some(&m.buyer)).await.json();
        for o in orders["items"].as_array().unwrap() {
            assert_eq!(
                (o["status"].clone(), o["paid"].clone()),
                (json!("placed"), json!(true))
            );
        }
        // Decided once: assigning again, or returning it, is a conflict.
        app.post(
            "/api/v1/admin/bank-transfers/FT-none/assign",
            Some(&m.admin),
            json!({"checkout_id": checkout_id}),
        )
        .await
        .problem(409, "transfer_decided");
        // The decision is in the audit log, on the checkout.
        let log = app
            .get(
                &format!("/api/v1/admin/audit-log?subject_type=checkout&subject_id={checkout_id}"),
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(log["items"][0]["action"], "bank_transfer.assign", "{log}");
        // Another unmatched transfer goes back to its payer, with why.
        assert_eq!(
            send(&app, "FT-stray", 99_000, "tien hang").await,
            "unmatched"
        );
        app.post(
            "/api/v1/admin/bank-transfers/FT-stray/return",
            Some(&m.admin),
            json!({"reason": ""}),
        )
        .await
        .problem(422, "validation_failed");
        let res = app
            .post(
                "/api/v1/admin/bank-transfers/FT-stray/return",
                Some(&m.admin),
                json!({"reason": "Trả lại qua Vietcombank, số GD FT25336000111"}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        let returned = app
            .get(
                "/api/v1/admin/bank-transfers?status=returned",
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(returned["items"][0]["id"], "FT-stray");
        assert_eq!(
            returned["items"][0]["note"],
            "Trả lại qua Vietcombank, số GD FT25336000111"
        );
        app.post(
            "/api/v1/admin/bank-transfers/FT-nothing/return",
            Some(&m.admin),
            json!({"reason": "không có"}),
        )
        .await
        .problem(404, "not_found");
    }
);

db_test!(
    a_notification_delivered_five_times_at_once_counts_once,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(bank_app(db));
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-6").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        // Half the total, five times: applied once it stays partial; applied twice it would
        // pay the checkout.
        let body = notification("FT-dup", 202_500, &reference);
        let sig = sign_bank(&body, SECRET);
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (app, body, sig) = (app.clone(), body.clone(), sig.clone());
            tasks.push(tokio::spawn(async move {
                let res = notify(&app, &body, Some(&sig)).await;
                assert_eq!(res.status, 200, "{}", res.text());
                res.json()["outcome"].as_str().unwrap().to_owned()
            }));
        }
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        outcomes.sort();
        assert_eq!(
            outcomes,
            [
                "duplicate",
                "duplicate",
                "duplicate",
                "duplicate",
                "partial"
            ]
        );
        for (status, _) in statuses(&app, &m.buyer, &out).await {
            assert_eq!(status, "pending_payment");
        }
    }
);

db_test!(
    forged_and_unsigned_notifications_change_nothing,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-7").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        let body = notification("FT-forged", 405_000, &reference);
        notify(&app, &body, None)
            .await
            .problem(401, "invalid_signature");
        notify(&app, &body, Some(&sign_bank(&body, "guessed")))
            .await
            .problem(401, "invalid_signature");
        // Signed for another body.
        let other = notification("FT-forged", 1, &reference);
        notify(&app, &body, Some(&sign_bank(&other, SECRET)))
            .await
            .problem(401, "invalid_signature");
        let garbage = b"not json".to_vec();
        notify(&app, &garbage, Some(&sign_bank(&garbage, SECRET)))
            .await
            .problem(400, "malformed_event");
        for (status, _) in statuses(&app, &m.buyer, &out).await {
            assert_eq!(status, "pending_payment");
        }
        let list = app
            .get("/api/v1/admin/bank-transfers", Some(&m.admin))
            .await
            .json();
        assert_eq!(list["total"], 0);
    }
);

db_test!(
    an_administrator_confirms_a_transfer_by_hand,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-8").await;
        let id = out["checkout_id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/admin/checkouts/{id}/confirm-paid");
        app.post(
            &path,
            Some(&m.buyer),
            json!({"bank_reference": "FT25336123"}),
        )
        .await
        .problem(403, "forbidden");
        app.post(&path, Some(&m.admin), json!({"bank_reference": ""}))
            .await
            .problem(422, "validation_failed");
        let res = app
            .post(
                &path,
                Some(&m.admin),
                json!({"bank_reference": "FT25336123"}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        for (status, paid) in statuses(&app, &m.buyer, &out).await {
            assert_eq!((status.as_str(), paid), ("placed", true));
        }
        app.post(
            &path,
            Some(&m.admin),
            json!({"bank_reference": "FT25336123"}),
        )
        .await
        .problem(409, "not_awaiting_payment");
        let log = app
            .get(
                &format!("/api/v1/admin/audit-log?subject_type=checkout&subject_id={id}"),
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(log["items"][0]["action"], "checkout.confirm_paid");
        assert_eq!(log["items"][0]["reason"], "FT25336123");
    }
);

db_test!(
    stale_and_future_notifications_change_nothing,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-stale").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        // A genuine notification replayed days later under a new id, and one from the future.
        for (id, at) in [
            ("FT-old", Utc::now() - Duration::hours(73)),
            ("FT-ahead", Utc::now() + Duration::minutes(10)),
        ] {
            let body = json!({
                "id": id, "bank": "Vietcombank", "account_no": "1023456789",
                "amount": 405_000, "description": reference, "transacted_at": at,
            })
            .to_string()
            .into_bytes();
            notify(&app, &body, Some(&sign_bank(&body, SECRET)))
                .await
                .problem(400, "stale_notification");
        }
        for (status, _) in statuses(&app, &m.buyer, &out).await {
            assert_eq!(status, "pending_payment");
        }
        let list = app
            .get("/api/v1/admin/bank-transfers", Some(&m.admin))
            .await
            .json();
        assert_eq!(list["total"], 0, "nothing was recorded");
        // Within the window it still pays.
        let body = json!({
            "id": "FT-recent", "bank": "Vietcombank", "account_no": "1023456789",
            "amount": 405_000, "description": reference,
            "transacted_at": Utc::now() - Duration::hours(71),
        })
        .to_string()
        .into_bytes();
        let res = notify(&app, &body, Some(&sign_bank(&body, SECRET))).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["outcome"], "exact");
    }
);

db_test!(
    money_owed_back_is_paid_back_by_hand_and_recorded,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        // A partial payment, then the checkout expires: the partial payment is owed back.
        let out = transfer_checkout(&app, &m, "vqr-owed").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        assert_eq!(send(&app, "FT-part", 100_000, &reference).await, "partial");
        let expired = app
            .state
            .payments
            .expire_unpaid(&app.db.conn, Utc::now() + Duration::hours(2))
            .await
            .unwrap();
        assert_eq!(expired, 1);
        let list = app
            .get("/api/v1/admin/bank-transfers", Some(&m.admin))
            .await
            .json();
        assert_eq!(list["items"][0]["owed_back"], 100_000);
        assert_eq!(list["items"][0]["repaid_reference"], Value::Null);
        let path = "/api/v1/admin/bank-transfers/FT-part/repaid";
        app.post(path, Some(&m.buyer), json!({"bank_reference": "FT25999"}))
            .await
            .problem(403, "forbidden");
        let res = app
            .post(path, Some(&m.admin), json!({"bank_reference": "FT25999"}))
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        app.post(path, Some(&m.admin), json!({"bank_reference": "FT25999"}))
            .await
            .problem(409, "nothing_owed");
        let list = app
            .get("/api/v1/admin/bank-transfers", Some(&m.admin))
            .await
            .json();
        assert_eq!(list["items"][0]["repaid_reference"], "FT25999");

        // A paid bank-transfer order the stall rejects: its refund is owed by hand.
        let out = transfer_checkout(&app, &m, "vqr-paid").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        assert_eq!(send(&app, "FT-full", 405_000, &reference).await, "exact");
        let order_a = out["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["stall_id"] == m.stall_a.as_str())
            .unwrap()
            .clone();
        let res = app
            .post(
                &format!("/api/v1/orders/{}/reject", order_a["id"].as_str().unwrap()),
                Some(&m.owner_a),
                json!({"reason": "hết hàng trong kho"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        // The refund worker leaves it alone: nobody can send a bank transfer by API here.
        app.state
            .payments
            .process_refunds(&app.db.conn, Utc::now() + Duration::hours(1))
            .await
            .unwrap();
        let refunds = app
            .get("/api/v1/admin/refunds?status=manual", Some(&m.admin))
            .await
            .json();
        assert_eq!(refunds["total"], 1, "{refunds}");
        let refund = &refunds["items"][0];
        assert_eq!(refund["provider"], "vietqr");
        assert_eq!(refund["order_id"], order_a["id"]);
        assert_eq!(refund["amount"], order_a["total"]);
        let settle = format!(
            "/api/v1/admin/refunds/{}/settle",
            refund["id"].as_str().unwrap()
        );
        app.post(
            &settle,
            Some(&m.owner_a),
            json!({"bank_reference": "FT26000"}),
        )
        .await
        .problem(403, "forbidden");
        let res = app
            .post(
                &settle,
                Some(&m.admin),
                json!({"bank_reference": "FT26000"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "sent");
        assert_eq!(res.json()["provider_refund_id"], "FT26000");
        app.post(
            &settle,
            Some(&m.admin),
            json!({"bank_reference": "FT26000"}),
        )
        .await
        .problem(409, "refund_not_manual");
        let id = out["checkout_id"].as_str().unwrap();
        let log = app
            .get(
                &format!("/api/v1/admin/audit-log?subject_type=checkout&subject_id={id}"),
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(log["items"][0]["action"], "refund.settle");
    }
);

/// The buyer cancels order `id` of a checkout.
async fn cancel(app: &TestApp, token: &str, id: &str) -> TestResponse {
    app.post(
        &format!("/api/v1/orders/{id}/cancel"),
        Some(token),
        json!({}),
    )
    .await
}

fn order_ids(out: &Value) -> Vec<String> {
    out["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every transfer matched to checkout `id`, as administrators see them: (outcome, owed back).
async fn transfers_of(app: &TestApp, admin: &str, id: &str) -> Vec<(String, i64)> {
    let list = app
        .get("/api/v1/admin/bank-transfers?per_page=100", Some(admin))
        .await
        .json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["checkout_id"] == id)
        .map(|t| {
            (
                t["outcome"].as_str().unwrap().to_owned(),
                t["owed_back"].as_i64().unwrap(),
            )
        })
        .collect()
}

db_test!(
    a_transfer_for_a_checkout_whose_orders_were_all_cancelled_is_owed_back_whole,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-cancel-all").await;
        let id = out["checkout_id"].as_str().unwrap().to_owned();
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        assert_eq!(send(&app, "FT-part", 100_000, &reference).await, "partial");
        for order in order_ids(&out) {
            let res = cancel(&app, &m.buyer, &order).await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
        // Nothing is left to pay: the checkout says so and shows no code to pay with.
        let seen = app
            .get(&format!("/api/v1/checkouts/{id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(seen["status"], "cancelled", "{seen}");
        assert_eq!(seen["amount_due"], 0);
        assert!(seen.get("payment").is_none(), "{seen}");
        // The buyer's bank app still had the code: the money is owed back, every part of it.
        assert_eq!(send(&app, "FT-rest", 305_000, &reference).await, "late");
        for (status, paid) in statuses(&app, &m.buyer, &out).await {
            assert_eq!((status.as_str(), paid), ("cancelled", false));
        }
        let mut owed = transfers_of(&app, &m.admin, &id).await;
        owed.sort();
        assert_eq!(
            owed,
            [
                ("late".to_owned(), 305_000),
                ("partial".to_owned(), 100_000)
            ]
        );
    }
);

db_test!(
    cancelling_one_order_of_a_transfer_checkout_lowers_what_is_asked,
    |db: TestDb| async move {
        let app = bank_app(db);
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-cancel-one").await;
        let id = out["checkout_id"].as_str().unwrap().to_owned();
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        let first = &out["orders"][0];
        let first_cost = first["total"].as_i64().unwrap();
        let res = cancel(&app, &m.buyer, first["id"].as_str().unwrap()).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let seen = app
            .get(&format!("/api/v1/checkouts/{id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(seen["status"], "awaiting_payment");
        assert_eq!(seen["amount_due"], 405_000 - first_cost, "{seen}");
        assert_eq!(seen["payment"]["amount"], 405_000 - first_cost, "{seen}");
        // Paid as first asked: the other order is placed, the cancelled one's share owed back.
        assert_eq!(send(&app, "FT-whole", 405_000, &reference).await, "excess");
        let mut seen = statuses(&app, &m.buyer, &out).await;
        seen.sort();
        assert_eq!(
            seen,
            [("cancelled".to_owned(), false), ("placed".to_owned(), true)]
        );
        assert_eq!(
            transfers_of(&app, &m.admin, &id).await,
            [("excess".to_owned(), first_cost)]
        );
    }
);

db_test!(
    a_transfer_racing_the_buyers_cancellations_never_keeps_money_for_cancelled_orders,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(bank_app(db));
        let m = market(&app).await;
        for round in 0..6 {
            let out = transfer_checkout(&app, &m, &format!("vqr-race-{round}")).await;
            let id = out["checkout_id"].as_str().unwrap().to_owned();
            let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
            let mut tasks = Vec::new();
            for order in order_ids(&out) {
                let (app, buyer) = (app.clone(), m.buyer.clone());
                tasks.push(tokio::spawn(async move {
                    let res = cancel(&app, &buyer, &order).await;
                    assert!(matches!(res.status.as_u16(), 200 | 409), "{}", res.text());
                }));
            }
            let (app2, reference2) = (app.clone(), reference.clone());
            let transfer = tokio::spawn(async move {
                send(&app2, &format!("FT-race-{round}"), 405_000, &reference2).await
            });
            for t in tasks {
                t.await.unwrap();
            }
            transfer.await.unwrap();
            // Whatever the order of events: what was bought plus what is owed back (on the
            // transfer, or as the refund of an order cancelled after it was paid) is what
            // came in.
            let mut bought = 0;
            let mut refunded = 0;
            for o in order_ids(&out) {
                let seen = app
                    .get(&format!("/api/v1/orders/{o}"), Some(&m.buyer))
                    .await
                    .json();
                match seen["status"].as_str().unwrap() {
                    "placed" => {
                        assert_eq!(seen["paid"], true);
                        bought += seen["total"].as_i64().unwrap();
                    }
                    "cancelled" if seen["paid"] == true => {
                        assert_eq!(seen["refund"]["amount"], seen["total"], "{seen}");
                        refunded += seen["refund"]["amount"].as_i64().unwrap();
                    }
                    "cancelled" => assert!(seen["refund"].is_null(), "{seen}"),
                    other => panic!("order {o} is {other}"),
                }
            }
            let owed: i64 = transfers_of(&app, &m.admin, &id)
                .await
                .iter()
                .map(|t| t.1)
                .sum();
            assert_eq!(bought + owed + refunded, 405_000, "round {round}");
            // Put the stock back for the next round.
            for o in order_ids(&out) {
                let _ = app
                    .post(
                        &format!("/api/v1/orders/{o}/cancel"),
                        Some(&m.admin),
                        json!({"reason": "dọn dẹp sau vòng thử"}),
                    )
                    .await;
            }
        }
    }
);
