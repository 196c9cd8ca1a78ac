//! The vendors' money over HTTP, on SQLite and PostgreSQL: a delivery writes the stall's
//! ledger (commission by the most specific rule, Decree 117 withholding for household
//! businesses only, cash on delivery making the stall owe), refunds reverse it, the holding
//! and cooling-off periods hold payouts back, concurrent batches pay each earning once, and
//! statements and the tax report add up to the ledger, vouchers of the platform and the stalls
//! included (`money_discounts` has their entries one by one).

use axum::{body::Body, http::Request};
use serde_json::{Value, json};

use crate::{
    bank::{bank_app_with, bank_config, by_transfer, send},
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

const PAYABLE_AT_ONCE: &str =
    "[ledger]\nholding_days = 0\ncooling_off_hours = 0\npayout_minimum = 100000";

/// Earnings payable at once and accounts usable at once.
pub(crate) fn money_app(db: TestDb) -> TestApp {
    bank_app_with(db, PAYABLE_AT_ONCE)
}

const STRIPE_SECRET: &str = "whsec_ledger";

/// [`money_app`] with card payments through the Stripe double at `stripe`.
pub(crate) fn money_app_with_card(db: TestDb, stripe: &str) -> TestApp {
    let mut config = bank_config(PAYABLE_AT_ONCE);
    config.stripe.secret_key = Some("sk_test_marketplace".into());
    config.stripe.webhook_secret = Some(STRIPE_SECRET.into());
    config.stripe.api_base = Some(stripe.into());
    TestApp::from_config(db, config, |engine| engine)
}

/// A card checkout of what the cart holds with this body (its payment method set to card),
/// paid: Stripe's signed webhook says so.
pub(crate) async fn paid_by_card_with(
    app: &TestApp,
    m: &Market,
    key: &str,
    mut body: Value,
) -> Value {
    body["payment_method"] = json!("card");
    let res = checkout(app, &m.buyer, key, body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let out = res.json();
    let event = testkit::stripe::event(
        &format!("evt_{key}"),
        "payment_intent.succeeded",
        out["payment"]["payment_intent_id"].as_str().unwrap(),
        out["checkout_id"].as_str().unwrap(),
        out["total"].as_i64().unwrap(),
    );
    let sig = order::provider::stripe::sign(&event, STRIPE_SECRET, chrono::Utc::now().timestamp());
    let res = app
        .send(
            Request::post("/api/v1/payments/stripe/webhook")
                .header("content-type", "application/json")
                .header("stripe-signature", sig)
                .body(Body::from(event))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    out
}

/// Confirms, ships and delivers an order as its stall.
pub(crate) async fn deliver(app: &TestApp, owner: &str, order: &str) {
    for step in ["confirm", "ship", "deliver"] {
        let res = app
            .post(
                &format!("/api/v1/orders/{order}/{step}"),
                Some(owner),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{step}: {}", res.text());
    }
}

/// The order of `stall` in a checkout's answer.
pub(crate) fn order_of(out: &Value, stall: &str) -> String {
    out["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["stall_id"] == stall)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every entry of a stall's ledger, oldest first.
pub(crate) async fn entries(app: &TestApp, token: &str, stall: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1.. {
        let res = app
            .get(
                &format!("/api/v1/stalls/{stall}/ledger?per_page=100&page={page}"),
                Some(token),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.json();
        let items = body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        all.extend(items);
    }
    all.reverse();
    all
}

pub(crate) fn by_kind(entries: &[Value], kind: &str) -> Vec<i64> {
    entries
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["amount"].as_i64().unwrap())
        .collect()
}

pub(crate) async fn balance(app: &TestApp, token: &str, stall: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/stalls/{stall}/balance"), Some(token))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

pub(crate) async fn rule(app: &TestApp, admin: &str, body: Value) -> Value {
    let res = app
        .post("/api/v1/admin/commission-rules", Some(admin), body)
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

pub(crate) async fn household(app: &TestApp, owner: &str, stall: &str) {
    let res = app
        .request(
            axum::http::Method::PATCH,
            &format!("/api/v1/stalls/{stall}"),
            Some(owner),
            Some(json!({"business_type": "household_business"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

pub(crate) async fn bank_account(
    app: &TestApp,
    owner: &str,
    stall: &str,
    account_no: &str,
) -> Value {
    let res = app
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/stalls/{stall}/bank-account"),
            Some(owner),
            Some(json!({"bank_bin": "970405", "account_no": account_no, "account_name": "Hợp tác xã Cửa Tùng"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

pub(crate) async fn adjust(app: &TestApp, admin: &str, stall: &str, amount: i64) {
    let res = app
        .post(
            &format!("/api/v1/admin/stalls/{stall}/adjustments"),
            Some(admin),
            json!({"amount": amount, "reason": "số dư đầu kỳ"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
}

pub(crate) fn month() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m")
        .to_string()
}

/// A bank-transfer checkout of `items`, paid in full.
pub(crate) async fn paid_by_transfer(
    app: &TestApp,
    m: &Market,
    key: &str,
    items: &[(&str, i64)],
) -> Value {
    for (p, q) in items {
        put_item(app, &m.buyer, p, *q).await;
    }
    paid_by_transfer_with(app, m, key, by_transfer()).await
}

/// A bank-transfer checkout of what the cart holds with this body, paid in full.
pub(crate) async fn paid_by_transfer_with(
    app: &TestApp,
    m: &Market,
    key: &str,
    body: Value,
) -> Value {
    let res = checkout(app, &m.buyer, key, body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let out = res.json();
    let pay = &out["payment"];
    let outcome = send(
        app,
        &format!("FT-{key}"),
        pay["amount"].as_i64().unwrap(),
        pay["reference"].as_str().unwrap(),
    )
    .await;
    assert_eq!(outcome, "exact");
    out
}

db_test!(
    deliveries_write_the_ledger_by_the_rules_in_force,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        let food = app.category("thuc-pham").await;
        rule(&app, &m.admin, json!({"rate_bp": 500})).await;
        let food_rule = rule(&app, &m.admin, json!({"rate_bp": 700, "category_id": food})).await;
        rule(
            &app,
            &m.admin,
            json!({"rate_bp": 300, "stall_id": m.stall_b}),
        )
        .await;
        // A rule that has not started yet changes nothing today.
        rule(
            &app,
            &m.admin,
            json!({"rate_bp": 9000, "valid_from": "2099-01-01T00:00:00Z"}),
        )
        .await;
        household(&app, &m.owner_b, &m.stall_b).await;
        let res = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/stalls/{}/tax-profile", m.stall_b),
                Some(&m.owner_b),
                Some(json!({"tax_code": "3200123456"})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());

        // Cash on delivery: 2 nước mắm (A) and 1 cà phê (B).
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(&app, &m.buyer, "cod-1", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let cod = res.json();
        deliver(&app, &m.owner_a, &order_of(&cod, &m.stall_a)).await;
        deliver(&app, &m.owner_b, &order_of(&cod, &m.stall_b)).await;

        // A cooperative in the food group: 7 % by the category rule, nothing withheld; it
        // holds the cash, so it owes the commission.
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(by_kind(&a, "sale"), [240_000]);
        assert_eq!(by_kind(&a, "cash_collected"), [-240_000]);
        assert_eq!(by_kind(&a, "commission"), [-16_800]);
        assert!(by_kind(&a, "vat_withheld").is_empty() && by_kind(&a, "pit_withheld").is_empty());
        let commission = a.iter().find(|e| e["kind"] == "commission").unwrap();
        assert_eq!(commission["rule"]["rule_id"], food_rule["id"]);
        assert_eq!(commission["rule"]["rate_bp"], 700);
        assert_eq!(
            balance(&app, &m.owner_a, &m.stall_a).await["payable"],
            -16_800
        );
        // A household business with its own rule: 3 %, and 1 % VAT + 0.5 % PIT withheld.
        let b = entries(&app, &m.owner_b, &m.stall_b).await;
        assert_eq!(by_kind(&b, "sale"), [165_000]);
        assert_eq!(by_kind(&b, "commission"), [-4_950]);
        assert_eq!(by_kind(&b, "vat_withheld"), [-1_650]);
        assert_eq!(by_kind(&b, "pit_withheld"), [-825]);
        assert_eq!(
            balance(&app, &m.owner_b, &m.stall_b).await["payable"],
            -7_425
        );

        // Paid by bank transfer: the marketplace holds the money and owes the stall.
        let online = paid_by_transfer(&app, &m, "bt-1", &[(&m.sauce, 1)]).await;
        let online_a = order_of(&online, &m.stall_a);
        deliver(&app, &m.owner_a, &online_a).await;
        assert_eq!(
            balance(&app, &m.owner_a, &m.stall_a).await["payable"],
            -16_800 + 120_000 - 8_400
        );

        // Changing the rule never touches what was written.
        let res = app
            .request(
                axum::http::Method::PATCH,
                &format!(
                    "/api/v1/admin/commission-rules/{}",
                    food_rule["id"].as_str().unwrap()
                ),
                Some(&m.admin),
                Some(json!({"rate_bp": 1000})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(by_kind(&a, "commission"), [-16_800, -8_400]);

        // A refund after delivery reverses the order's entries; the buyer's money is owed back.
        let res = app
            .post(
                &format!("/api/v1/orders/{online_a}/refund"),
                Some(&m.owner_a),
                json!({"reason": "hàng vỡ khi giao"}),
            )
            .await;
        res.problem(403, "forbidden");
        let res = app
            .post(
                &format!("/api/v1/orders/{online_a}/refund"),
                Some(&m.admin),
                json!({"reason": "hàng vỡ khi giao"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["refund"]["status"], "manual");
        app.post(
            &format!("/api/v1/orders/{online_a}/refund"),
            Some(&m.admin),
            json!({"reason": "lần nữa"}),
        )
        .await
        .problem(409, "already_refunded");
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(by_kind(&a, "refund_reversal"), [-120_000, 8_400]);
        assert_eq!(
            balance(&app, &m.owner_a, &m.stall_a).await["payable"],
            -16_800
        );

        // The statement adds up to the ledger, in JSON and CSV.
        let st = app
            .get(
                &format!("/api/v1/stalls/{}/statements/{}", m.stall_a, month()),
                Some(&m.owner_a),
            )
            .await
            .json();
        assert_eq!(st["opening_balance"], 0);
        assert_eq!(st["totals"]["sale"], 360_000);
        assert_eq!(st["totals"]["commission"], -25_200);
        assert_eq!(st["totals"]["refund_reversal"], -111_600);
        assert_eq!(st["closing_balance"], -16_800);
        let res = app
            .send(
                Request::get(format!(
                    "/api/v1/stalls/{}/statements/{}",
                    m.stall_a,
                    month()
                ))
                .header("authorization", format!("Bearer {}", m.owner_a))
                .header("accept", "text/csv")
                .body(Body::empty())
                .unwrap(),
            )
            .await;
        assert_eq!(res.status, 200);
        let text = res.text();
        assert!(
            text.starts_with("\u{feff}time (UTC+07:00),kind,amount,order_id,payout_id,note\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\n\r\nsummary,amount,note\r\n"), "{text}");
        assert!(text.contains("\r\nclosing_balance,-16800,"), "{text}");
        app.get(
            &format!("/api/v1/stalls/{}/statements/2026-13", m.stall_a),
            Some(&m.owner_a),
        )
        .await
        .problem(422, "validation_failed");

        // The tax report: the household business only, with its tax code.
        let report = app
            .get(
                &format!("/api/v1/admin/reports/withholding/{}", month()),
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(report["sellers"].as_array().unwrap().len(), 1, "{report}");
        let seller = &report["sellers"][0];
        assert_eq!(seller["stall_id"], m.stall_b.as_str());
        assert_eq!(seller["tax_code"], "3200123456");
        assert_eq!(
            (
                seller["revenue"].as_i64(),
                seller["vat"].as_i64(),
                seller["pit"].as_i64()
            ),
            (Some(165_000), Some(1_650), Some(825))
        );
        assert_eq!(report["total_vat"], 1_650);
        app.get(
            &format!("/api/v1/admin/reports/withholding/{}", month()),
            Some(&m.owner_b),
        )
        .await
        .problem(403, "forbidden");
    }
);

db_test!(
    a_stalls_money_is_its_members_and_the_administrators,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        let a = &m.stall_a;
        for path in [
            format!("/api/v1/stalls/{a}/balance"),
            format!("/api/v1/stalls/{a}/ledger"),
            format!("/api/v1/stalls/{a}/statements/{}", month()),
            format!("/api/v1/stalls/{a}/tax-profile"),
        ] {
            app.get(&path, None).await.problem(401, "unauthorized");
            app.get(&path, Some(&m.buyer))
                .await
                .problem(404, "not_found");
            app.get(&path, Some(&m.owner_b))
                .await
                .problem(404, "not_found");
            assert_eq!(app.get(&path, Some(&m.owner_a)).await.status, 200, "{path}");
            assert_eq!(app.get(&path, Some(&m.admin)).await.status, 200, "{path}");
        }
        // Only the owner registers the payout account; nobody else learns it.
        let put = |token: &str| {
            let token = token.to_owned();
            let app = &app;
            async move {
                app.request(
                    axum::http::Method::PUT,
                    &format!("/api/v1/stalls/{a}/bank-account"),
                    Some(&token),
                    Some(json!({"bank_bin": "970405", "account_no": "3900205123456", "account_name": "HTX CUA TUNG"})),
                )
                .await
            }
        };
        put(&m.owner_b).await.problem(404, "not_found");
        put(&m.admin).await.problem(403, "forbidden");
        let account = bank_account(&app, &m.owner_a, a, "3900205123456").await;
        assert_eq!(account["account_name"], "HOP TAC XA CUA TUNG");
        assert_eq!(account["bank_name"], "Agribank");
        app.get(
            &format!("/api/v1/stalls/{a}/bank-account"),
            Some(&m.owner_b),
        )
        .await
        .problem(404, "not_found");
        assert_eq!(
            app.get(&format!("/api/v1/stalls/{a}/bank-account"), Some(&m.admin))
                .await
                .status,
            200
        );
        let bad = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/stalls/{a}/bank-account"),
                Some(&m.owner_a),
                Some(json!({"bank_bin": "123456", "account_no": "12 34", "account_name": "?"})),
            )
            .await
            .problem(422, "validation_failed");
        let fields: Vec<_> = bad["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["bank_bin", "account_no", "account_name"]);
        app.request(
            axum::http::Method::PUT,
            &format!("/api/v1/stalls/{a}/tax-profile"),
            Some(&m.owner_a),
            Some(json!({"citizen_id": "12345"})),
        )
        .await
        .problem(422, "validation_failed");
        // Administrators alone run payouts, manage rules and see every balance.
        for (path, body) in [
            ("/api/v1/admin/payout-batches", json!({})),
            ("/api/v1/admin/commission-rules", json!({"rate_bp": 100})),
        ] {
            app.post(path, Some(&m.owner_a), body.clone())
                .await
                .problem(403, "forbidden");
            app.post(path, None, body)
                .await
                .problem(401, "unauthorized");
        }
        app.get("/api/v1/admin/balances", Some(&m.owner_a))
            .await
            .problem(403, "forbidden");
        app.post(
            &format!("/api/v1/admin/stalls/{a}/adjustments"),
            Some(&m.owner_a),
            json!({"amount": 1, "reason": "tự cộng"}),
        )
        .await
        .problem(403, "forbidden");
        // Bad rules are refused whole.
        let bad = app
            .post(
                "/api/v1/admin/commission-rules",
                Some(&m.admin),
                json!({"rate_bp": 10001, "min": 9, "max": 5}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(bad["errors"].as_array().unwrap().len(), 2, "{bad}");
        assert_eq!(
            app.get("/api/v1/admin/commission-rules", Some(&m.admin))
                .await
                .json(),
            json!([])
        );
    }
);

db_test!(
    holding_and_cooling_off_hold_payouts_back,
    |db: TestDb| async move {
        let app = bank_app_with(
            db,
            "[ledger]\nholding_days = 7\ncooling_off_hours = 48\npayout_minimum = 100000",
        );
        let m = market(&app).await;
        let out = paid_by_transfer(&app, &m, "hold-1", &[(&m.sauce, 2)]).await;
        deliver(&app, &m.owner_a, &order_of(&out, &m.stall_a)).await;
        let b = balance(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(
            (b["pending"].as_i64(), b["payable"].as_i64()),
            (Some(240_000), Some(0))
        );
        let account = bank_account(&app, &m.owner_a, &m.stall_a, "3900205123456").await;
        let usable =
            chrono::DateTime::parse_from_rfc3339(account["usable_from"].as_str().unwrap()).unwrap();
        assert!(
            usable > chrono::Utc::now() + chrono::Duration::hours(47),
            "{account}"
        );
        let run = app
            .post("/api/v1/admin/payout-batches", Some(&m.admin), json!({}))
            .await;
        assert_eq!(run.status, 201, "{}", run.text());
        let run = run.json();
        assert_eq!(run["payouts"], json!([]));
        assert_eq!(run["skipped"][0]["reason"], "below_minimum");
        // Money payable now, but the account is new: nothing goes to it yet.
        adjust(&app, &m.admin, &m.stall_a, 500_000).await;
        let run = app
            .post(
                "/api/v1/admin/payout-batches",
                Some(&m.admin),
                json!({"stall_id": m.stall_a}),
            )
            .await
            .json();
        assert_eq!(run["payouts"], json!([]));
        assert_eq!(run["skipped"][0]["reason"], "cooling_off");
        assert_eq!(run["skipped"][0]["payable"], 500_000);
        // The change is audited.
        let log = app
            .get(
                &format!(
                    "/api/v1/admin/audit-log?subject_type=stall&subject_id={}",
                    m.stall_a
                ),
                Some(&m.admin),
            )
            .await
            .json();
        let actions: Vec<_> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            actions.contains(&"stall.bank_account".to_owned()),
            "{actions:?}"
        );
        assert!(
            actions.contains(&"ledger.adjustment".to_owned()),
            "{actions:?}"
        );
    }
);

db_test!(
    concurrent_batches_pay_each_earning_once,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(money_app(db));
        let m = market(&app).await;
        adjust(&app, &m.admin, &m.stall_a, 150_000).await;
        adjust(&app, &m.admin, &m.stall_b, 300_000).await;
        bank_account(&app, &m.owner_a, &m.stall_a, "3900205123456").await;
        bank_account(&app, &m.owner_b, &m.stall_b, "1903123456789").await;
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (app, admin) = (app.clone(), m.admin.clone());
            tasks.push(tokio::spawn(async move {
                let res = app
                    .post("/api/v1/admin/payout-batches", Some(&admin), json!({}))
                    .await;
                assert_eq!(res.status, 201, "{}", res.text());
                res.json()
            }));
        }
        let mut payouts = Vec::new();
        for t in tasks {
            payouts.extend(t.await.unwrap()["payouts"].as_array().unwrap().clone());
        }
        let mut paid: Vec<(String, i64)> = payouts
            .iter()
            .map(|p| {
                (
                    p["stall_id"].as_str().unwrap().to_owned(),
                    p["amount"].as_i64().unwrap(),
                )
            })
            .collect();
        paid.sort();
        let mut want = vec![(m.stall_a.clone(), 150_000), (m.stall_b.clone(), 300_000)];
        want.sort();
        assert_eq!(
            paid, want,
            "each stall paid once, its whole payable balance"
        );
        let b = balance(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(
            (b["payable"].as_i64(), b["in_payout"].as_i64()),
            (Some(0), Some(150_000))
        );

        // The payout's code pays that account that amount with that reference.
        let pa = payouts
            .iter()
            .find(|p| p["stall_id"] == m.stall_a.as_str())
            .unwrap();
        let d = vietqr::decode(pa["qr_payload"].as_str().unwrap()).unwrap();
        assert_eq!(
            (d.bank_bin.as_str(), d.account_no.as_str(), d.amount),
            ("970405", "3900205123456", Some(150_000))
        );
        assert_eq!(d.purpose.as_deref(), pa["reference"].as_str());
        let csv = app
            .send(
                Request::get(format!(
                    "/api/v1/admin/payout-batches/{}",
                    pa["batch_id"].as_str().unwrap()
                ))
                .header("authorization", format!("Bearer {}", m.admin))
                .header("accept", "text/csv")
                .body(Body::empty())
                .unwrap(),
            )
            .await
            .text();
        assert!(
            csv.contains(&format!(
                "{},970405,Agribank,3900205123456,HOP TAC XA CUA TUNG,150000,",
                pa["reference"].as_str().unwrap()
            )),
            "{csv}"
        );

        // Paid with the bank's reference; returned puts the money back.
        let paid = app
            .post(
                &format!("/api/v1/admin/payouts/{}/paid", pa["id"].as_str().unwrap()),
                Some(&m.admin),
                json!({"bank_reference": "FT26100001"}),
            )
            .await;
        assert_eq!(paid.status, 200, "{}", paid.text());
        assert_eq!(paid.json()["status"], "paid");
        app.post(
            &format!(
                "/api/v1/admin/payouts/{}/returned",
                pa["id"].as_str().unwrap()
            ),
            Some(&m.admin),
            json!({"reason": "tài khoản đóng"}),
        )
        .await
        .problem(409, "payout_decided");
        let pb = payouts
            .iter()
            .find(|p| p["stall_id"] == m.stall_b.as_str())
            .unwrap();
        let back = app
            .post(
                &format!(
                    "/api/v1/admin/payouts/{}/returned",
                    pb["id"].as_str().unwrap()
                ),
                Some(&m.admin),
                json!({"reason": "sai tên chủ tài khoản"}),
            )
            .await;
        assert_eq!(back.status, 200, "{}", back.text());
        let b = balance(&app, &m.owner_b, &m.stall_b).await;
        assert_eq!(
            (b["payable"].as_i64(), b["in_payout"].as_i64()),
            (Some(300_000), Some(0))
        );
        let bl = entries(&app, &m.owner_b, &m.stall_b).await;
        assert_eq!(by_kind(&bl, "payout"), [-300_000]);
        assert_eq!(by_kind(&bl, "payout_returned"), [300_000]);
    }
);

db_test!(
    ledger_entries_cannot_be_changed_or_deleted,
    |db: TestDb| async move {
        use sea_orm::ConnectionTrait;
        let app = money_app(db);
        let m = market(&app).await;
        adjust(&app, &m.admin, &m.stall_a, 150_000).await;
        let conn = &app.db.conn;
        assert!(
            conn.execute_unprepared("UPDATE ledger_entries SET amount = 1")
                .await
                .is_err()
        );
        assert!(
            conn.execute_unprepared("DELETE FROM ledger_entries")
                .await
                .is_err()
        );
        assert_eq!(
            balance(&app, &m.owner_a, &m.stall_a).await["payable"],
            150_000
        );
    }
);

/// What became of an order in the randomised run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fate {
    Delivered,
    CancelledUnpaid,
    RejectedAfterPayment,
    RefundedAfterDelivery,
}

db_test!(
    the_ledger_adds_up_over_a_randomised_run,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let app = money_app_with_card(db, &stripe.base);
        let m = market(&app).await;
        rule(&app, &m.admin, json!({"rate_bp": 500})).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        bank_account(&app, &m.owner_a, &m.stall_a, "3900205123456").await;
        bank_account(&app, &m.owner_b, &m.stall_b, "1903123456789").await;
        // Vouchers: the platform's, and each stall's own.
        for (path, token, body) in [
            (
                "admin/vouchers".to_owned(),
                &m.admin,
                json!({"code": "RUN5", "kind": "percent", "value": 5}),
            ),
            (
                format!("stalls/{}/vouchers", m.stall_a),
                &m.owner_a,
                json!({"code": "RUNA", "kind": "fixed", "value": 10_000, "min_subtotal": 20_000}),
            ),
            (
                format!("stalls/{}/vouchers", m.stall_b),
                &m.owner_b,
                json!({"code": "RUNB", "kind": "percent", "value": 10}),
            ),
        ] {
            let mut body = body;
            body["starts_at"] = json!(chrono::Utc::now() - chrono::Duration::hours(1));
            body["ends_at"] = json!(chrono::Utc::now() + chrono::Duration::days(7));
            let res = app
                .post(&format!("/api/v1/{path}"), Some(token), body)
                .await;
            assert_eq!(res.status, 201, "{}", res.text());
        }
        let products = [
            (&m.sauce, &m.stall_a, &m.owner_a, 120_000_i64),
            (&m.pepper, &m.stall_a, &m.owner_a, 220_000),
            (&m.coffee, &m.stall_b, &m.owner_b, 165_000),
        ];
        let fates = [
            Fate::Delivered,
            Fate::CancelledUnpaid,
            Fate::RejectedAfterPayment,
            Fate::RefundedAfterDelivery,
        ];
        // A small linear congruential generator: the same run every time, varied enough.
        let mut seed: u64 = std::env::var("LEDGER_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_261_202);
        let default_seed = seed == 20_261_202;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        // Per stall: what its ledger must come to, worked out here from the orders alone.
        let mut expected = std::collections::HashMap::<String, i64>::new();
        let share = |amount: i64, bp: i64| (amount * bp + 5_000) / 10_000;
        let mut online_received = 0;
        let mut bank_received = 0;
        // What the platform's vouchers cost it on orders delivered and not refunded.
        let mut platform_funded = 0;
        let mut stall_funded = 0;
        let mut left = [10, 5, 6];
        for i in 0..14 {
            // A product with stock left (cancelled and rejected orders give theirs back).
            let mut pick = next(3) as usize;
            while left[pick] == 0 {
                pick = (pick + 1) % 3;
            }
            let (product, stall, owner, price) = products[pick];
            // Cash on delivery, bank transfer or card.
            let method = next(3);
            let online = method > 0;
            let fate = fates[next(4) as usize];
            // No voucher, the platform's, the stall's, or both.
            let codes: Vec<&str> = match next(4) {
                0 => vec![],
                1 => vec!["RUN5"],
                2 => vec![if stall == &m.stall_a { "RUNA" } else { "RUNB" }],
                _ => vec!["RUN5", if stall == &m.stall_a { "RUNA" } else { "RUNB" }],
            };
            put_item(&app, &m.buyer, product, 1).await;
            let key = format!("run-{i}");
            let out = if online && fate != Fate::CancelledUnpaid {
                if method == 1 {
                    let mut body = by_transfer();
                    body["voucher_codes"] = json!(codes);
                    paid_by_transfer_with(&app, &m, &key, body).await
                } else {
                    let mut body = shipping();
                    body["voucher_codes"] = json!(codes);
                    paid_by_card_with(&app, &m, &key, body).await
                }
            } else {
                let mut body = match method {
                    0 => shipping(),
                    1 => by_transfer(),
                    _ => {
                        let mut b = shipping();
                        b["payment_method"] = json!("card");
                        b
                    }
                };
                body["voucher_codes"] = json!(codes);
                let res = checkout(&app, &m.buyer, &key, body).await;
                assert_eq!(res.status, 201, "{}", res.text());
                res.json()
            };
            let order = order_of(&out, stall);
            // What the order's discounts take off, by who funds them, and what the buyer pays.
            let placed = out["orders"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["id"] == order.as_str())
                .unwrap()
                .clone();
            let funded = |funder: &str| -> i64 {
                placed["discounts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|d| d["funded_by"] == funder)
                    .map(|d| d["amount"].as_i64().unwrap())
                    .sum()
            };
            let (by_stall, by_platform) = (funded("stall"), funded("platform"));
            let total = placed["total"].as_i64().unwrap();
            assert_eq!(total, price - by_stall - by_platform);
            if online && fate != Fate::CancelledUnpaid {
                online_received += total;
                if method == 1 {
                    bank_received += total;
                }
            }
            left[pick] -= 1;
            if matches!(fate, Fate::CancelledUnpaid | Fate::RejectedAfterPayment) {
                left[pick] += 1;
            }
            match fate {
                Fate::CancelledUnpaid => {
                    let res = app
                        .post(
                            &format!("/api/v1/orders/{order}/cancel"),
                            Some(&m.buyer),
                            json!({}),
                        )
                        .await;
                    assert_eq!(res.status, 200, "{}", res.text());
                }
                Fate::RejectedAfterPayment => {
                    let res = app
                        .post(
                            &format!("/api/v1/orders/{order}/reject"),
                            Some(owner),
                            json!({"reason": "hết hàng"}),
                        )
                        .await;
                    assert_eq!(res.status, 200, "{}", res.text());
                }
                Fate::Delivered | Fate::RefundedAfterDelivery => {
                    deliver(&app, owner, &order).await;
                    if fate == Fate::RefundedAfterDelivery {
                        let res = app
                            .post(
                                &format!("/api/v1/orders/{order}/refund"),
                                Some(&m.admin),
                                json!({"reason": "khách trả hàng"}),
                            )
                            .await;
                        assert_eq!(res.status, 200, "{}", res.text());
                    } else {
                        // Commission and withholding on the goods less the stall's discount;
                        // the platform's discount is paid to the stall whoever holds the money.
                        let revenue = price - by_stall;
                        let withheld = if stall == &m.stall_b {
                            share(revenue, 100) + share(revenue, 50)
                        } else {
                            0
                        };
                        let earned = if online { revenue } else { by_platform };
                        let net = earned - share(revenue, 500) - withheld;
                        *expected.entry(stall.clone()).or_default() += net;
                        platform_funded += by_platform;
                        stall_funded += by_stall;
                    }
                }
            }
        }
        // Pay out what can be, and confirm the first payout.
        let batch = app
            .post(
                "/api/v1/admin/payout-batches",
                Some(&m.admin),
                json!({"minimum": 1}),
            )
            .await
            .json();
        let mut payouts = 0;
        for p in batch["payouts"].as_array().unwrap() {
            payouts += p["amount"].as_i64().unwrap();
            *expected
                .entry(p["stall_id"].as_str().unwrap().to_owned())
                .or_default() -= p["amount"].as_i64().unwrap();
        }
        if let Some(p) = batch["payouts"].as_array().unwrap().first() {
            let res = app
                .post(
                    &format!("/api/v1/admin/payouts/{}/paid", p["id"].as_str().unwrap()),
                    Some(&m.admin),
                    json!({"bank_reference": "FT26200001"}),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }

        // For every stall: the ledger is what its orders and payouts say, kind by kind.
        let mut kept = 0; // commission and tax, net of reversals: the marketplace's
        let mut ledger_total = 0;
        let mut funding = 0; // what the platform's vouchers cost it, net of reversals
        for (stall, owner) in [(&m.stall_a, &m.owner_a), (&m.stall_b, &m.owner_b)] {
            let all = entries(&app, owner, stall).await;
            let sum: i64 = all.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
            assert_eq!(
                sum,
                expected.get(stall.as_str()).copied().unwrap_or(0),
                "stall {stall}"
            );
            let of = |k: &str| -> i64 {
                all.iter()
                    .filter(|e| {
                        e["kind"] == k || (e["kind"] == "refund_reversal" && e["reverses"] == k)
                    })
                    .map(|e| e["amount"].as_i64().unwrap())
                    .sum()
            };
            assert_eq!(
                sum,
                of("sale")
                    + of("delivery")
                    + of("cash_collected")
                    + of("stall_discount")
                    + of("platform_discount")
                    + of("platform_funding")
                    + of("commission")
                    + of("vat_withheld")
                    + of("pit_withheld")
                    + of("payout")
                    + of("payout_returned")
                    + of("adjustment"),
                "every entry is of a known kind"
            );
            if stall == &m.stall_a {
                assert_eq!(
                    of("vat_withheld") + of("pit_withheld"),
                    0,
                    "a cooperative is never withheld on"
                );
            }
            kept -= of("commission") + of("vat_withheld") + of("pit_withheld");
            ledger_total += sum;
            // A platform's discount and what it pays for it cancel out in a stall's ledger.
            assert_eq!(of("platform_discount"), -of("platform_funding"));
            funding += of("platform_funding");
        }
        // The marketplace holds what buyers paid online, less refunds and payouts.
        let refunds: i64 = app
            .get("/api/v1/admin/refunds?per_page=100", Some(&m.admin))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["amount"].as_i64().unwrap())
            .sum();
        let transfers: i64 = app
            .get("/api/v1/admin/bank-transfers?per_page=100", Some(&m.admin))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["amount"].as_i64().unwrap())
            .sum();
        assert_eq!(transfers, bank_received);
        assert_eq!(funding, platform_funded);
        if default_seed {
            // The run delivers orders with discounts of both funders.
            assert!(platform_funded > 0 && stall_funded > 0);
        }
        assert_eq!(
            ledger_total + kept,
            online_received - refunds - payouts + platform_funded
        );
    }
);

db_test!(
    every_money_endpoint_answers_each_role_as_it_should,
    |db: TestDb| async move {
        use axum::http::Method;
        let app = money_app(db);
        let m = market(&app).await;
        let staff = app.signed_in("staff@example.vn").await;
        let res = app
            .post(
                &format!("/api/v1/stalls/{}/members", m.stall_a),
                Some(&m.owner_a),
                json!({"email": "staff@example.vn", "role": "staff"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        adjust(&app, &m.admin, &m.stall_a, 150_000).await;
        bank_account(&app, &m.owner_a, &m.stall_a, "3900205123456").await;
        let rule = rule(&app, &m.admin, json!({"rate_bp": 500})).await;
        let rule = rule["id"].as_str().unwrap().to_owned();
        let batch = app
            .post(
                "/api/v1/admin/payout-batches",
                Some(&m.admin),
                json!({"stall_id": m.stall_a}),
            )
            .await
            .json();
        let payout = batch["payouts"][0]["id"].as_str().unwrap().to_owned();
        let batch = batch["id"].as_str().unwrap().to_owned();
        let a = &m.stall_a;
        let month = month();
        // Callers: anonymous, buyer, staff of A, owner of B, owner of A, admin.
        let tokens = [
            None,
            Some(&m.buyer),
            Some(&staff),
            Some(&m.owner_b),
            Some(&m.owner_a),
            Some(&m.admin),
        ];
        let rows: Vec<(Method, String, Value, [u16; 6])> = vec![
            (
                Method::GET,
                format!("/api/v1/stalls/{a}/balance"),
                Value::Null,
                [401, 404, 200, 404, 200, 200],
            ),
            (
                Method::GET,
                format!("/api/v1/stalls/{a}/ledger"),
                Value::Null,
                [401, 404, 200, 404, 200, 200],
            ),
            (
                Method::GET,
                format!("/api/v1/stalls/{a}/statements/{month}"),
                Value::Null,
                [401, 404, 200, 404, 200, 200],
            ),
            (
                Method::GET,
                format!("/api/v1/stalls/{a}/bank-account"),
                Value::Null,
                [401, 404, 403, 404, 200, 200],
            ),
            (
                Method::GET,
                format!("/api/v1/stalls/{a}/tax-profile"),
                Value::Null,
                [401, 404, 403, 404, 200, 200],
            ),
            (
                Method::PUT,
                format!("/api/v1/stalls/{a}/tax-profile"),
                json!({"citizen_id": "045190001234"}),
                [401, 404, 403, 404, 200, 403],
            ),
            (
                Method::GET,
                "/api/v1/admin/commission-rules".into(),
                Value::Null,
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::PATCH,
                format!("/api/v1/admin/commission-rules/{rule}"),
                json!({"rate_bp": 400}),
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::GET,
                format!("/api/v1/admin/payout-batches/{batch}"),
                Value::Null,
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::GET,
                "/api/v1/admin/balances".into(),
                Value::Null,
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::GET,
                format!("/api/v1/admin/reports/withholding/{month}"),
                Value::Null,
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::POST,
                format!("/api/v1/admin/stalls/{a}/adjustments"),
                json!({"amount": 1000, "reason": "điều chỉnh"}),
                [401, 403, 403, 403, 403, 201],
            ),
            // Last, as they change the payout: returned first would leave nothing to mark paid.
            (
                Method::POST,
                format!("/api/v1/admin/payouts/{payout}/paid"),
                json!({"bank_reference": "FT26300001"}),
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::POST,
                format!("/api/v1/admin/payouts/{payout}/returned"),
                json!({"reason": "ngân hàng trả lại"}),
                [401, 403, 403, 403, 403, 409],
            ),
        ];
        for (method, path, body, want) in rows {
            for (token, want) in tokens.iter().zip(want) {
                let body = (!body.is_null()).then(|| body.clone());
                let res = app
                    .request(method.clone(), &path, token.map(String::as_str), body)
                    .await;
                assert_eq!(
                    res.status,
                    want,
                    "{method} {path} as {token:?}: {}",
                    res.text()
                );
            }
        }
    }
);

/// An entry written by [`write_entries`].
#[derive(Clone, Debug)]
struct Written {
    at: chrono::DateTime<chrono::Utc>,
    id: uuid::Uuid,
    /// The CSV's only per-entry id.
    order: uuid::Uuid,
    kind: &'static str,
    amount: i64,
}

/// Writes `n` entries of `stall` straight to the ledger, `created_at` from `at(i)`, ids in an
/// order unrelated to the instants, each with its own order id.
async fn write_entries(
    app: &TestApp,
    stall: &str,
    n: u64,
    at: impl Fn(u64) -> chrono::DateTime<chrono::Utc>,
) -> Vec<Written> {
    use ledger::entity::entry;
    use sea_orm::{EntityTrait, Set};
    let stall: uuid::Uuid = stall.parse().unwrap();
    let kinds = [
        ("sale", 120_000),
        ("commission", -8_400),
        ("adjustment", -1_000),
    ];
    let rows: Vec<_> = (0..n)
        .map(|i| {
            let (kind, amount) = kinds[(i % 3) as usize];
            // Unique ids scattered over the id space (an odd multiplier is a bijection).
            let id = uuid::Uuid::from_u128(
                uuid::Uuid::now_v7()
                    .as_u128()
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835),
            );
            Written {
                at: at(i),
                id,
                order: uuid::Uuid::now_v7(),
                kind,
                amount: amount + (i % 5) as i64,
            }
        })
        .collect();
    for batch in rows.chunks(500) {
        entry::Entity::insert_many(batch.iter().map(|e| entry::ActiveModel {
            id: Set(e.id),
            stall_id: Set(stall),
            kind: Set(e.kind.to_owned()),
            amount: Set(e.amount),
            order_id: Set(Some(e.order)),
            payout_id: Set(None),
            rule: Set(None),
            reverses: Set(None),
            note: Set(None),
            actor_id: Set(None),
            available_at: Set(e.at),
            created_at: Set(e.at),
        }))
        .exec(&app.db.conn)
        .await
        .unwrap();
    }
    rows
}

/// A statement as CSV, read whole.
pub(crate) async fn statement_csv(
    app: &TestApp,
    token: &str,
    stall: &str,
    month: &str,
) -> TestResponse {
    app.send(
        Request::get(format!("/api/v1/stalls/{stall}/statements/{month}"))
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "text/csv")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

db_test!(
    a_long_statement_lists_every_entry_once_in_order_with_its_sums,
    |db: TestDb| async move {
        let app = money_app(db);
        let owner = app.signed_in("chu-sap@example.vn").await;
        let stall = app.stall(&owner, "Sạp nhiều bút toán").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let other = app.signed_in("sap-ben@example.vn").await;
        let other = app.stall(&other, "Sạp bên cạnh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // November 2026 in Vietnam: from 2026-10-31T17:00Z to 2026-11-30T17:00Z.
        let start = chrono::DateTime::parse_from_rfc3339("2026-10-31T17:00:00Z")
            .unwrap()
            .to_utc();
        // 2 345 entries (more than two chunks of 1 000), seven to an instant, so chunk
        // boundaries fall between entries written at the same instant.
        let month = write_entries(&app, &stall, 2_345, |i| {
            start + chrono::Duration::seconds((i / 7) as i64 * 60)
        })
        .await;
        // Before the month (the opening balance), just after it, and another stall's: none of
        // them listed.
        let before = write_entries(&app, &stall, 4, |i| {
            start - chrono::Duration::seconds(1 + i as i64)
        })
        .await;
        write_entries(&app, &stall, 3, |i| {
            start + chrono::Duration::days(30) + chrono::Duration::seconds(i as i64)
        })
        .await;
        write_entries(&app, &other, 10, |_| start).await;

        let mut expected = month.clone();
        expected.sort_by_key(|e| (e.at, e.id));
        let opening: i64 = before.iter().map(|e| e.amount).sum();
        let sum = |kind: &str| -> i64 {
            month
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.amount)
                .sum()
        };
        let closing = opening + month.iter().map(|e| e.amount).sum::<i64>();

        // JSON: the statement's shape, every entry once, oldest first, sums that add up.
        let res = app
            .get(
                &format!("/api/v1/stalls/{stall}/statements/2026-11"),
                Some(&owner),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.header("content-type"), Some("application/json"));
        let st = res.json();
        let ids: Vec<String> = st["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        let want: Vec<String> = expected.iter().map(|e| e.id.to_string()).collect();
        assert_eq!(ids.len(), want.len());
        assert!(ids == want, "entries out of order or repeated");
        assert_eq!(st["opening_balance"], opening);
        assert_eq!(st["totals"]["sale"], sum("sale"));
        assert_eq!(st["totals"]["commission"], sum("commission"));
        assert_eq!(st["totals"]["adjustment"], sum("adjustment"));
        assert_eq!(st["totals"]["payout"], 0);
        assert_eq!(st["closing_balance"], closing);
        assert_eq!(st["month"], "2026-11");
        assert_eq!(st["stall_name"], "Sạp nhiều bút toán");

        // CSV: the same entries in the same order (by their order ids), then sums, closing.
        let res = statement_csv(&app, &owner, &stall, "2026-11").await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(
            res.header("content-disposition"),
            Some("attachment; filename=\"statement-2026-11.csv\"")
        );
        let text = res.text();
        // Excel reads it as UTF-8 by its byte-order mark; times are Vietnam's.
        let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        // Header, entries, a blank line, opening, the sums' header, one sum per entry kind,
        // closing.
        let kinds = <ledger::EntryKind as common::Stored>::ALL.len();
        assert_eq!(lines.len(), 1 + month.len() + 1 + 1 + 1 + kinds + 1);
        assert_eq!(
            lines[0],
            "time (UTC+07:00),kind,amount,order_id,payout_id,note"
        );
        let orders: Vec<&str> = lines[1..1 + month.len()]
            .iter()
            .map(|l| l.split(',').nth(3).unwrap())
            .collect();
        let want: Vec<String> = expected.iter().map(|e| e.order.to_string()).collect();
        assert!(orders == want, "CSV lines out of order or repeated");
        let first = &expected[0];
        assert_eq!(
            lines[1],
            format!(
                "{},{},{},{},,",
                first
                    .at
                    .with_timezone(&common::calendar::OFFSET)
                    .to_rfc3339(),
                first.kind,
                first.amount,
                first.order
            )
        );
        assert!(lines[1].contains("+07:00,"), "{}", lines[1]);
        // The totals stand apart: a blank line, then a block with its own header.
        let tail = &lines[1 + month.len()..];
        assert_eq!(tail[..2], ["", "summary,amount,note"]);
        assert_eq!(
            tail[2],
            format!("opening_balance,{opening},Sạp nhiều bút toán")
        );
        assert_eq!(tail[3], format!("total_sale,{}", sum("sale")) + ",");
        assert_eq!(tail[12], format!("total_commission,{},", sum("commission")));
        assert_eq!(tail[18], format!("total_adjustment,{},", sum("adjustment")));
        assert_eq!(tail[19], format!("closing_balance,{closing},2026-11"));

        // A month with nothing in it still has its balances.
        let st = app
            .get(
                &format!("/api/v1/stalls/{stall}/statements/2026-09"),
                Some(&owner),
            )
            .await
            .json();
        assert_eq!(st["entries"], json!([]));
        assert_eq!(
            (
                st["opening_balance"].as_i64(),
                st["closing_balance"].as_i64()
            ),
            (Some(0), Some(0))
        );
    }
);

/// Starts a statement and leaves its body unread: the export holds its permit meanwhile.
async fn unread_statement(app: &TestApp, token: &str, stall: &str) -> axum::response::Response {
    use tower::ServiceExt;
    let res = app
        .router
        .clone()
        .oneshot(
            Request::get(format!("/api/v1/stalls/{stall}/statements/2026-11"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res
}

async fn read_whole(res: axum::response::Response) -> Value {
    use http_body_util::BodyExt;
    let body = res.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

db_test!(
    statements_beyond_the_bound_wait_their_turn_then_are_refused,
    |db: TestDb| async move {
        // One at a time, no waiting: the second is refused while the first is being sent.
        let app = TestApp::with_config(
            db,
            "[ledger]\nmax_concurrent_exports = 1\nexport_wait_secs = 0",
        );
        let owner = app.signed_in("chu-sap@example.vn").await;
        let stall = app.stall(&owner, "Sạp đông khách").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .to_utc();
        write_entries(&app, &stall, 30, |i| {
            start + chrono::Duration::minutes(i as i64)
        })
        .await;
        let first = unread_statement(&app, &owner, &stall).await;
        let path = format!("/api/v1/stalls/{stall}/statements/2026-11");
        let refused = app.get(&path, Some(&owner)).await;
        refused.problem(503, "exports_busy");
        assert_eq!(refused.header("retry-after"), Some("5"));
        statement_csv(&app, &owner, &stall, "2026-11")
            .await
            .problem(503, "exports_busy");
        // A bad month or a stranger is answered as ever, busy or not.
        app.get(
            &format!("/api/v1/stalls/{stall}/statements/2026-13"),
            Some(&owner),
        )
        .await
        .problem(422, "validation_failed");
        assert_eq!(
            read_whole(first).await["entries"].as_array().unwrap().len(),
            30
        );
        // Sent whole: the permit is back.
        let res = app.get(&path, Some(&owner)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["entries"].as_array().unwrap().len(), 30);
        // A client that goes away gives its permit back too.
        drop(unread_statement(&app, &owner, &stall).await);
        let mut answered = app.get(&path, Some(&owner)).await;
        for _ in 0..50 {
            if answered.status == 200 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            answered = app.get(&path, Some(&owner)).await;
        }
        assert_eq!(answered.status, 200, "{}", answered.text());
    }
);

db_test!(
    a_statement_waits_for_a_permit_while_one_is_sent,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[ledger]\nmax_concurrent_exports = 1\nexport_wait_secs = 5",
        );
        let owner = app.signed_in("chu-sap@example.vn").await;
        let stall = app.stall(&owner, "Sạp đông khách").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let first = unread_statement(&app, &owner, &stall).await;
        let app = std::sync::Arc::new(app);
        let second = tokio::spawn({
            let (app, owner, stall) = (app.clone(), owner.clone(), stall.clone());
            async move {
                app.get(
                    &format!("/api/v1/stalls/{stall}/statements/2026-11"),
                    Some(&owner),
                )
                .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "the second waits for the first");
        read_whole(first).await;
        let second = second.await.unwrap();
        assert_eq!(second.status, 200, "{}", second.text());
    }
);

db_test!(
    a_compressed_statement_arrives_whole,
    |db: TestDb| async move {
        let app = money_app(db);
        let owner = app.signed_in("chu-nen@example.vn").await;
        let stall = app.stall(&owner, "Sạp nén").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // The compression layer polls the body once more after its end; the statement's
        // stream must answer that quietly (it panicked and broke the connection).
        for accept in ["application/json", "text/csv"] {
            let res = app
                .send(
                    Request::get(format!("/api/v1/stalls/{stall}/statements/2026-11"))
                        .header("authorization", format!("Bearer {owner}"))
                        .header("accept", accept)
                        .header("accept-encoding", "gzip")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(res.status, 200, "{accept}");
            assert_eq!(res.header("content-encoding"), Some("gzip"), "{accept}");
            assert_eq!(&res.body[..2], [0x1f, 0x8b], "{accept}: a gzip stream");
        }
    }
);
