//! Money as buyers and vendors see it, on SQLite and PostgreSQL: a stall's payouts with their
//! status and the bank's reference, heard of (inbox, email, the stall's webhooks) when an
//! administrator marks one paid or returned; refunds in provider-neutral terms, and the bank
//! account a buyer gives for one paid by hand (checked, audited, read by the administrator who
//! pays it, exported and erased with the buyer's data).

use serde_json::{Value, json};

use crate::{
    money::{adjust, bank_account, money_app, money_app_with_card, paid_by_transfer},
    orders::{checkout, market, put_item, shipping},
    support::*,
};

/// How many notification rows (`deliveries`) of `event` go by `channel`.
async fn deliveries(app: &TestApp, event: &str, channel: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = &app.state.db;
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        format!(
            "SELECT COUNT(*) AS n FROM deliveries WHERE event = '{event}' AND channel = '{channel}'"
        ),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// The events of the caller's inbox, newest first.
async fn heard(app: &TestApp, token: &str) -> Vec<String> {
    let res = app.get("/api/v1/me/notifications", Some(token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap().to_owned())
        .collect()
}

async fn payouts(app: &TestApp, token: &str, stall: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/stalls/{stall}/payouts"), Some(token))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

db_test!(
    a_stall_sees_its_payouts_and_hears_when_one_is_paid_or_returned,
    |db: TestDb| async move {
        let app = crate::bank::bank_app_with(
            db,
            "[ledger]\nholding_days = 0\ncooling_off_hours = 0\npayout_minimum = 100000\n\
             [notify]\nwebhooks_allow_private = true",
        );
        let receiver = testkit::webhooks::TestReceiver::start().await;
        let m = market(&app).await;
        adjust(&app, &m.admin, &m.stall_a, 150_000).await;
        adjust(&app, &m.admin, &m.stall_b, 300_000).await;
        bank_account(&app, &m.owner_a, &m.stall_a, "3900205123456").await;
        bank_account(&app, &m.owner_b, &m.stall_b, "1903123456789").await;
        let res = app
            .post(
                &format!("/api/v1/stalls/{}/webhooks", m.stall_a),
                Some(&m.owner_a),
                json!({"url": receiver.url}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(
            payouts(&app, &m.owner_a, &m.stall_a).await["total"],
            0,
            "none before a batch"
        );
        let batch = app
            .post("/api/v1/admin/payout-batches", Some(&m.admin), json!({}))
            .await;
        assert_eq!(batch.status, 201, "{}", batch.text());
        let batch = batch.json();

        // The stall's own payout only, pending, from the batch.
        let list = payouts(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(
            (&list["total"], &list["page"], &list["per_page"]),
            (&json!(1), &json!(1), &json!(20))
        );
        let p = &list["items"][0];
        assert_eq!(
            (&p["amount"], &p["status"], &p["batch_id"]),
            (&json!(150_000), &json!("pending"), &batch["id"])
        );
        assert_eq!(
            (&p["bank_reference"], &p["paid_at"]),
            (&Value::Null, &Value::Null)
        );
        assert!(p.get("account_no").is_none(), "{p}");
        let id = p["id"].as_str().unwrap().to_owned();
        // Members and administrators only; a status the API does not know is refused.
        assert_eq!(payouts(&app, &m.admin, &m.stall_a).await["total"], 1);
        app.get(
            &format!("/api/v1/stalls/{}/payouts", m.stall_a),
            Some(&m.buyer),
        )
        .await
        .problem(404, "not_found");
        app.get(
            &format!("/api/v1/stalls/{}/payouts", m.stall_a),
            Some(&m.owner_b),
        )
        .await
        .problem(404, "not_found");
        let bad = app
            .get(
                &format!("/api/v1/stalls/{}/payouts?status=sent", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&bad), ["status"]);
        app.get(
            &format!("/api/v1/stalls/{}/payouts?per_page=101", m.stall_a),
            Some(&m.owner_a),
        )
        .await
        .problem(422, "validation_failed");

        // Paid: the list shows the bank's reference and when; the stall hears of it.
        assert!(
            !heard(&app, &m.owner_a)
                .await
                .contains(&"payout_paid".into())
        );
        let res = app
            .post(
                &format!("/api/v1/admin/payouts/{id}/paid"),
                Some(&m.admin),
                json!({"bank_reference": "FT26339001"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let list = payouts(&app, &m.owner_a, &m.stall_a).await;
        let p = &list["items"][0];
        assert_eq!(
            (&p["status"], &p["bank_reference"]),
            (&json!("paid"), &json!("FT26339001"))
        );
        assert!(p["paid_at"].is_string(), "{p}");
        assert_eq!(p["returned_at"], Value::Null);
        let paid = app
            .get(
                &format!("/api/v1/stalls/{}/payouts?status=paid", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        assert_eq!(paid["total"], 1);
        let pending = app
            .get(
                &format!("/api/v1/stalls/{}/payouts?status=pending", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        assert_eq!(pending["total"], 0);
        let inbox = app
            .get("/api/v1/me/notifications", Some(&m.owner_a))
            .await
            .json();
        let notice = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["event"] == "payout_paid")
            .expect("the owner hears of the payout")
            .clone();
        let text = format!("{} {}", notice["title"], notice["body"]);
        assert!(text.contains("150.000"), "{text}");
        assert!(text.contains("FT26339001"), "{text}");
        assert_eq!(deliveries(&app, "payout_paid", "webhook").await, 1);
        assert_eq!(deliveries(&app, "payout_paid", "email").await, 1);
        assert!(
            !heard(&app, &m.owner_b)
                .await
                .contains(&"payout_paid".into())
        );

        // Returned: the other stall hears why.
        let pb = payouts(&app, &m.owner_b, &m.stall_b).await["items"][0].clone();
        let res = app
            .post(
                &format!(
                    "/api/v1/admin/payouts/{}/returned",
                    pb["id"].as_str().unwrap()
                ),
                Some(&m.admin),
                json!({"reason": "sai tên chủ tài khoản"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let pb = payouts(&app, &m.owner_b, &m.stall_b).await["items"][0].clone();
        assert_eq!(
            (&pb["status"], &pb["reason"], &pb["paid_at"]),
            (
                &json!("returned"),
                &json!("sai tên chủ tài khoản"),
                &Value::Null
            )
        );
        assert!(pb["returned_at"].is_string(), "{pb}");
        assert!(
            heard(&app, &m.owner_b)
                .await
                .contains(&"payout_returned".into())
        );
        // Stall B has no webhook: its members hear by inbox and email only.
        assert_eq!(deliveries(&app, "payout_returned", "webhook").await, 0);
        assert_eq!(deliveries(&app, "payout_returned", "email").await, 1);
    }
);

/// The account a buyer gives, as the tests send it.
fn account() -> Value {
    json!({"bank_bin": "Vietcombank", "account_no": "0011004123456",
           "account_name": "Nguyễn Thị Lan"})
}

/// The account as kept: the bank's BIN, the holder's name as banks print it.
fn kept() -> Value {
    json!({"bank_bin": "970436", "account_no": "0011004123456",
           "account_name": "NGUYEN THI LAN"})
}

async fn owed(app: &TestApp, admin: &str) -> Vec<Value> {
    let res = app
        .get("/api/v1/admin/refunds?status=manual", Some(admin))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"].as_array().unwrap().clone()
}

fn orders_of(out: &Value) -> Vec<String> {
    out["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn cancel(app: &TestApp, buyer: &str, order: &str) {
    let res = app
        .post(
            &format!("/api/v1/orders/{order}/cancel"),
            Some(buyer),
            json!({"reason": "Đặt nhầm"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

db_test!(
    a_buyer_gives_the_account_a_refund_by_hand_goes_to,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        let out =
            paid_by_transfer(&app, &m, "refund-account", &[(&m.sauce, 1), (&m.coffee, 1)]).await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        let ids = orders_of(&out);
        let (first, second) = (&ids[0], &ids[1]);
        let path = |o: &str| format!("/api/v1/orders/{o}/refund-account");

        // Checked as every bank account is; nothing is kept from a refused one.
        let bad = app
            .request(
                axum::http::Method::PUT,
                &path(first),
                Some(&m.buyer),
                Some(
                    json!({"bank_bin": "Ngân hàng Mặt Trăng", "account_no": "12",
                            "account_name": "Lan"}),
                ),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&bad), ["bank_bin", "account_no"]);
        app.get(&path(first), Some(&m.buyer))
            .await
            .problem(404, "not_found");

        // Given before the refund is owed: the refund owed later goes to it.
        let res = app
            .request(
                axum::http::Method::PUT,
                &path(first),
                Some(&m.buyer),
                Some(account()),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let given = res.json();
        assert_eq!(
            (
                &given["bank_bin"],
                &given["account_no"],
                &given["account_name"]
            ),
            (
                &kept()["bank_bin"],
                &kept()["account_no"],
                &kept()["account_name"]
            )
        );
        assert_eq!(given["bank_name"], "Vietcombank");
        // Nobody else gives or reads it; the administrator reads it.
        for token in [&m.owner_a, &m.owner_b] {
            app.request(
                axum::http::Method::PUT,
                &path(first),
                Some(token),
                Some(account()),
            )
            .await
            .problem(404, "not_found");
            app.get(&path(first), Some(token))
                .await
                .problem(404, "not_found");
        }
        assert_eq!(
            app.get(&path(first), Some(&m.admin)).await.json()["account_no"],
            "0011004123456"
        );
        cancel(&app, &m.buyer, first).await;
        let refunds = owed(&app, &m.admin).await;
        assert_eq!(refunds.len(), 1, "{refunds:?}");
        let r = &refunds[0];
        // Provider-neutral: the provider, its reference, the status; no card terms.
        assert_eq!(
            (&r["provider"], &r["reference"], &r["status"]),
            (&json!("vietqr"), &json!(reference), &json!("manual"))
        );
        assert!(r.get("payment_intent_id").is_none(), "{r}");
        assert_eq!(r["refund_account"], kept());
        let order = app
            .get(&format!("/api/v1/orders/{first}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(order["refund"]["provider"], "vietqr");
        assert_eq!(order["refund"]["reference"], reference.as_str());
        assert!(order["refund"].get("payment_intent_id").is_none());

        // Given after: the refund owed already goes to it.
        cancel(&app, &m.buyer, second).await;
        let refunds = owed(&app, &m.admin).await;
        let r2 = refunds.iter().find(|r| r["order_id"] == second.as_str());
        assert_eq!(r2.unwrap()["refund_account"], Value::Null);
        let res = app
            .request(
                axum::http::Method::PUT,
                &path(second),
                Some(&m.buyer),
                Some(json!({"bank_bin": "970405", "account_no": "3900205999888",
                            "account_name": "Nguyen Thi Lan"})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let refunds = owed(&app, &m.admin).await;
        let r2 = refunds
            .iter()
            .find(|r| r["order_id"] == second.as_str())
            .unwrap();
        assert_eq!(r2["refund_account"]["account_no"], "3900205999888");
        assert_eq!(r2["refund_account"]["bank_bin"], "970405");

        // Audited, without the whole number.
        let log = app
            .get(
                "/api/v1/admin/audit-log?page=1&per_page=100",
                Some(&m.admin),
            )
            .await
            .json();
        let given: Vec<&Value> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "refund.account")
            .collect();
        assert_eq!(given.len(), 2, "{log}");
        assert!(!log.to_string().contains("0011004123456"));

        // The buyer's export carries it; once the refunds are paid, erasure removes it.
        let export = app.get("/api/v1/me/export", Some(&m.buyer)).await.json();
        let rows = export["tables"]["refund_accounts"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{export}");
        assert!(rows.iter().any(|r| r["account_no"] == "0011004123456"));
        for r in owed(&app, &m.admin).await {
            let res = app
                .post(
                    &format!("/api/v1/admin/refunds/{}/settle", r["id"].as_str().unwrap()),
                    Some(&m.admin),
                    json!({"bank_reference": "FT26339777"}),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
        let res = app.delete("/api/v1/me", Some(&m.buyer)).await;
        assert!(res.status.is_success(), "{}", res.text());
        use sea_orm::{EntityTrait, PaginatorTrait};
        let left = order::entity::refund_account::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
);

db_test!(
    a_cash_on_delivery_buyer_gives_an_account_too,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let out = checkout(&app, &m.buyer, "cod-account", shipping())
            .await
            .json();
        let cod = &orders_of(&out)[0];
        // Cash on delivery is paid back by hand: the buyer may give an account.
        let res = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/orders/{cod}/refund-account"),
                Some(&m.buyer),
                Some(account()),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        // An unknown field, a missing one: named.
        let res = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/orders/{cod}/refund-account"),
                Some(&m.buyer),
                Some(json!({"bank_bin": "970436", "account_no": "0011004123456"})),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&res), ["account_name"]);
        app.request(
            axum::http::Method::PUT,
            "/api/v1/orders/00000000-0000-7000-8000-000000000000/refund-account",
            Some(&m.buyer),
            Some(account()),
        )
        .await
        .problem(404, "not_found");
    }
);

db_test!(
    a_card_order_has_no_refund_account,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let app = money_app_with_card(db, &stripe.base);
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let mut body = shipping();
        body["payment_method"] = json!("card");
        let res = checkout(&app, &m.buyer, "card-account", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let card = &orders_of(&res.json())[0];
        app.request(
            axum::http::Method::PUT,
            &format!("/api/v1/orders/{card}/refund-account"),
            Some(&m.buyer),
            Some(account()),
        )
        .await
        .problem(409, "refund_to_card");
    }
);
