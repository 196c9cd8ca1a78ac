//! Cases on delivered orders over HTTP, on SQLite and PostgreSQL: a return accepted, received
//! back in stock and refunded in part with the ledger and the tax withheld reversed in
//! proportion to the đồng; further partial refunds up to what was paid and not beyond; a
//! rejection the buyer escalates; escalation by itself when the stall's time runs out (time
//! moved, never slept); the window after delivery; bad input refused naming each field;
//! a card refund sent to Stripe for the amount decided; everyone involved told at each step;
//! and, with real threads, one open case per order and never more refunded than paid.

use std::sync::Arc;

use axum::{body::Body, http::Request};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    bank::{bank_app_with, bank_config},
    orders::{Market, checkout, market, put_item, shipping, stock},
    support::*,
};

/// Earnings payable at once, so balances show refunds as they happen.
const AT_ONCE: &str = "[ledger]\nholding_days = 0\ncooling_off_hours = 0";

/// Two sauces (120 000 đồng each) and a pepper (220 000) bought from stall A by cash on
/// delivery, delivered: 460 000 đồng of goods, delivery free. The order as the buyer reads it.
async fn delivered(app: &TestApp, m: &Market, key: &str) -> Value {
    put_item(app, &m.buyer, &m.sauce, 2).await;
    put_item(app, &m.buyer, &m.pepper, 1).await;
    let res = checkout(app, &m.buyer, key, shipping()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
    deliver(app, &m.owner_a, &id).await;
    app.get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
        .await
        .json()
}

async fn deliver(app: &TestApp, owner: &str, order: &str) {
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

/// The id of the order's line of `product`.
fn line(order: &Value, product: &str) -> String {
    order["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["product_id"] == product)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// The buyer's account at Vietcombank, as banks print it.
fn account() -> Value {
    json!({"bank_bin": "970436", "account_no": "0123456789", "account_name": "TRAN THI MAI"})
}

async fn open(app: &TestApp, token: &str, order: &str, body: Value) -> TestResponse {
    app.post(&format!("/api/v1/orders/{order}/cases"), Some(token), body)
        .await
}

/// Opens a case as the buyer, 201 expected.
async fn opened(app: &TestApp, m: &Market, order: &str, body: Value) -> Value {
    let res = open(app, &m.buyer, order, body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// A step on case `case` (`respond`, `escalate`, `received`, `messages`), 200 or 201 expected.
async fn step(app: &TestApp, token: &str, case: &str, what: &str, body: Value) -> Value {
    let res = app
        .post(&format!("/api/v1/cases/{case}/{what}"), Some(token), body)
        .await;
    assert!(res.status.is_success(), "{what}: {}", res.text());
    res.json()
}

async fn resolve(app: &TestApp, m: &Market, case: &str, body: Value) -> TestResponse {
    app.post(
        &format!("/api/v1/admin/cases/{case}/resolve"),
        Some(&m.admin),
        body,
    )
    .await
}

fn refund(amount: i64) -> Value {
    json!({"decision": "refund", "refund_amount": amount, "message": "Hoàn tiền theo yêu cầu."})
}

/// The kinds of notification `token`'s user received, newest first.
async fn heard(app: &TestApp, token: &str) -> Vec<String> {
    let res = app
        .get("/api/v1/me/notifications?per_page=100", Some(token))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap().to_owned())
        .collect()
}

/// The timeline's steps as `(kind, by)`.
fn steps(case: &Value) -> Vec<(String, String)> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["by"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The sum of a stall's reversals of `kind` entries.
async fn reversed(app: &TestApp, m: &Market, kind: &str) -> i64 {
    let ledger = app
        .get(
            &format!("/api/v1/stalls/{}/ledger?per_page=100", m.stall_a),
            Some(&m.owner_a),
        )
        .await
        .json();
    ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "refund_reversal" && e["reverses"] == kind)
        .map(|e| e["amount"].as_i64().unwrap())
        .sum()
}

/// Stall A made a household business with a tax code (1 % VAT and 0.5 % PIT withheld on
/// goods), under a 5 % commission.
async fn household_at_five_percent(app: &TestApp, m: &Market) {
    let res = app
        .request(
            axum::http::Method::PATCH,
            &format!("/api/v1/stalls/{}", m.stall_a),
            Some(&m.owner_a),
            Some(json!({"business_type": "household_business"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = app
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/stalls/{}/tax-profile", m.stall_a),
            Some(&m.owner_a),
            Some(json!({"tax_code": "3200123456"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = app
        .post(
            "/api/v1/admin/commission-rules",
            Some(&m.admin),
            json!({"rate_bp": 500}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
}

fn month() -> String {
    (Utc::now() + Duration::hours(7))
        .format("%Y-%m")
        .to_string()
}

db_test!(
    a_return_comes_back_in_stock_and_is_refunded_in_part_in_proportion,
    |db: TestDb| async move {
        let app = bank_app_with(db, AT_ONCE);
        let m = market(&app).await;
        household_at_five_percent(&app, &m).await;
        let order = delivered(&app, &m, "case-return").await;
        let order_id = id(&order);
        let before = stock(&app, &m.owner_a, &m.sauce).await;
        let c = opened(
            &app,
            &m,
            &order_id,
            json!({
                "kind": "return",
                "reason": "Chai bị vỡ khi nhận",
                "description": "Một chai nước mắm vỡ nắp, chảy ra hộp.",
                "items": [{"order_item_id": line(&order, &m.sauce), "quantity": 1}],
                "evidence_urls": ["https://anh.example.vn/chai-vo.jpg"],
                // The bank by the name people know it, kept as its BIN.
                "refund_account": {"bank_bin": "Vietcombank", "account_no": "0123456789",
                                   "account_name": "Trần Thị Mai"},
            }),
        )
        .await;
        assert_eq!(c["status"], "open");
        assert_eq!(c["items"][0]["product_id"], m.sauce.as_str());
        assert_eq!(c["refund_account"], account());
        let created = c["created_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>();
        let respond_by = c["respond_by"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>();
        assert_eq!(respond_by.unwrap() - created.unwrap(), Duration::hours(48));
        let case = id(&c);
        assert!(
            heard(&app, &m.owner_a)
                .await
                .contains(&"case_opened".into())
        );

        // Not received before the stall accepts; then once, back in stock.
        app.post(
            &format!("/api/v1/cases/{case}/received"),
            Some(&m.owner_a),
            json!({}),
        )
        .await
        .problem(409, "goods_not_expected");
        let answer = json!({"decision": "accept", "message": "Bạn gửi lại chai vỡ giúp shop."});
        step(&app, &m.owner_a, &case, "respond", answer).await;
        let c = step(&app, &m.owner_a, &case, "received", json!({})).await;
        assert!(c["goods_received_at"].is_string());
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, before + 1);
        app.post(
            &format!("/api/v1/cases/{case}/received"),
            Some(&m.owner_a),
            json!({}),
        )
        .await
        .problem(409, "goods_not_expected");
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, before + 1);

        // More than the line's goods is refused naming the field; the delivery fee never
        // goes back through a case.
        let body = resolve(&app, &m, &case, refund(120_001))
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "refund_amount");
        let res = resolve(&app, &m, &case, refund(100_001)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let c = res.json();
        assert_eq!(
            (&c["status"], &c["refund_amount"], &c["refund_via"]),
            (&json!("resolved"), &json!(100_001), &json!("cod"))
        );
        let kinds: Vec<_> = steps(&c).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, ["opened", "accepted", "goods_received", "resolved"]);
        let buyer_heard = heard(&app, &m.buyer).await;
        for event in ["case_answered", "case_goods_received", "case_resolved"] {
            assert!(
                buyer_heard.contains(&event.into()),
                "{event}: {buyer_heard:?}"
            );
        }
        assert!(
            heard(&app, &m.owner_a)
                .await
                .contains(&"case_resolved".into())
        );

        // 100 001 of 460 000 đồng: the sale by exactly that, the commission (23 000), VAT
        // (4 600) and PIT (2 300) in proportion by largest remainder, adding up to the đồng.
        assert_eq!(reversed(&app, &m, "sale").await, -100_001);
        assert_eq!(reversed(&app, &m, "commission").await, 5_000);
        assert_eq!(reversed(&app, &m, "vat_withheld").await, 1_000);
        assert_eq!(reversed(&app, &m, "pit_withheld").await, 500);
        let report = app
            .get(
                &format!("/api/v1/admin/reports/withholding/{}", month()),
                Some(&m.admin),
            )
            .await
            .json();
        let seller = &report["sellers"][0];
        assert_eq!(
            (&seller["revenue"], &seller["vat"], &seller["pit"]),
            (&json!(359_999), &json!(3_600), &json!(1_800)),
            "{report}"
        );
        // Cash on delivery goes back by hand to the buyer's account: owed in admin/refunds.
        let owed = app
            .get("/api/v1/admin/refunds?status=manual", Some(&m.admin))
            .await
            .json();
        assert_eq!(owed["total"], 1, "{owed}");
        let r = &owed["items"][0];
        assert_eq!(
            (&r["amount"], &r["provider"], &r["case_id"]),
            (&json!(100_001), &json!("cod"), &json!(case))
        );
        assert_eq!(r["refund_account"], account());
        let o = app
            .get(&format!("/api/v1/orders/{order_id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(
            (&o["status"], o["refunds"].as_array().unwrap().len()),
            (&json!("delivered"), 1)
        );

        // A second case on the same order refunds another part; a third asking for more than
        // remains of what was paid is refused and changes nothing, then settles the rest.
        let c = opened(
            &app,
            &m,
            &order_id,
            json!({"kind": "refund", "reason": "Tiêu bị ẩm mốc",
                   "items": [{"product_id": m.pepper, "quantity": 1}]}),
        )
        .await;
        let second = id(&c);
        let res = resolve(&app, &m, &second, refund(220_000)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let c = opened(
            &app,
            &m,
            &order_id,
            json!({"kind": "complaint", "reason": "Giao chậm"}),
        )
        .await;
        let third = id(&c);
        let body = resolve(&app, &m, &third, refund(140_000))
            .await
            .problem(409, "refund_exceeds_paid");
        assert!(body["detail"].is_string());
        let c = app
            .get(&format!("/api/v1/cases/{third}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(c["status"], "open");
        let res = resolve(&app, &m, &third, refund(139_999)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(reversed(&app, &m, "sale").await, -460_000);
        let total: i64 = app
            .get(&format!("/api/v1/orders/{order_id}"), Some(&m.buyer))
            .await
            .json()["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["amount"].as_i64().unwrap())
            .sum();
        assert_eq!(total, 460_000);
        // Whatever was withheld is reversed whole once every đồng of goods went back.
        assert_eq!(reversed(&app, &m, "vat_withheld").await, 4_600);
        assert_eq!(reversed(&app, &m, "pit_withheld").await, 2_300);
        assert_eq!(reversed(&app, &m, "commission").await, 23_000);
    }
);

db_test!(
    a_rejection_the_buyer_escalates_goes_to_the_administrators,
    |db: TestDb| async move {
        let app = bank_app_with(db, AT_ONCE);
        let m = market(&app).await;
        let order = delivered(&app, &m, "case-reject").await;
        let c = opened(
            &app,
            &m,
            &id(&order),
            json!({"kind": "complaint", "reason": "Hàng không đúng mô tả"}),
        )
        .await;
        let case = id(&c);
        // The buyer cannot answer for the stall, nor escalate before a rejection; the other
        // stall's owner does not see it.
        let answer = json!({"decision": "reject", "message": "Hàng đúng mô tả."});
        app.post(
            &format!("/api/v1/cases/{case}/respond"),
            Some(&m.buyer),
            answer.clone(),
        )
        .await
        .problem(403, "forbidden");
        app.post(
            &format!("/api/v1/cases/{case}/escalate"),
            Some(&m.buyer),
            json!({}),
        )
        .await
        .problem(409, "case_not_rejected");
        app.get(&format!("/api/v1/cases/{case}"), Some(&m.owner_b))
            .await
            .problem(404, "not_found");
        let c = step(&app, &m.owner_a, &case, "respond", answer.clone()).await;
        assert_eq!(c["status"], "rejected");
        app.post(
            &format!("/api/v1/cases/{case}/respond"),
            Some(&m.owner_a),
            answer,
        )
        .await
        .problem(409, "case_moved");
        // The holder's name is kept as banks print it.
        let said = json!({"message": "Tôi có ảnh chụp khi mở hộp.", "refund_account":
            {"bank_bin": "970436", "account_no": "0123456789", "account_name": "Trần  Thị Mai"}});
        let c = step(&app, &m.buyer, &case, "messages", said).await;
        assert_eq!(c["refund_account"], account());
        // Only the buyer gives a refund account.
        let body = app
            .post(
                &format!("/api/v1/cases/{case}/messages"),
                Some(&m.owner_a),
                json!({"message": "Shop đã xem.", "refund_account": account()}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "refund_account");
        assert!(
            heard(&app, &m.owner_a)
                .await
                .contains(&"case_message".into())
        );
        let c = step(&app, &m.buyer, &case, "escalate", json!({})).await;
        assert_eq!(c["status"], "escalated");
        assert!(
            heard(&app, &m.admin)
                .await
                .contains(&"case_for_admins".into())
        );
        assert!(
            heard(&app, &m.owner_a)
                .await
                .contains(&"case_escalated".into())
        );
        assert!(
            heard(&app, &m.buyer)
                .await
                .contains(&"case_escalated".into())
        );

        // The administrators' queue: escalated ones, oldest first; the stall's and the buyer's
        // lists.
        let queue = app
            .get("/api/v1/admin/cases?status=escalated", Some(&m.admin))
            .await
            .json();
        assert_eq!(
            (&queue["total"], &queue["items"][0]["id"]),
            (&json!(1), &json!(case))
        );
        for (path, token) in [
            (
                format!("/api/v1/stalls/{}/cases?status=escalated", m.stall_a),
                &m.owner_a,
            ),
            ("/api/v1/me/cases".to_owned(), &m.buyer),
        ] {
            let page = app.get(&path, Some(token)).await.json();
            assert_eq!(page["total"], 1, "{path}: {page}");
        }
        let none = app
            .get("/api/v1/admin/cases?status=open", Some(&m.admin))
            .await
            .json();
        assert_eq!(none["total"], 0);

        // A rejection names no amount; once decided, the case takes no more steps.
        let body = resolve(
            &app,
            &m,
            &case,
            json!({"decision": "reject", "refund_amount": 5, "message": "Không có căn cứ."}),
        )
        .await
        .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["code"], "conflicting_fields");
        let res = resolve(
            &app,
            &m,
            &case,
            json!({"decision": "reject", "message": "Ảnh cho thấy hàng đúng mô tả."}),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let c = res.json();
        assert_eq!(
            (&c["decision"], &c["refund_amount"]),
            (&json!("reject"), &Value::Null)
        );
        assert_eq!(
            steps(&c),
            [
                ("opened".into(), "buyer".into()),
                ("rejected".into(), "stall".into()),
                ("message".into(), "buyer".into()),
                ("escalated".into(), "buyer".into()),
                ("resolved".into(), "admin".into()),
            ]
        );
        resolve(&app, &m, &case, refund(1))
            .await
            .problem(409, "case_closed");
        app.post(
            &format!("/api/v1/cases/{case}/messages"),
            Some(&m.buyer),
            json!({"message": "Tôi không đồng ý."}),
        )
        .await
        .problem(409, "case_closed");
        // The buyer's export holds the case, its timeline's words and the refund account.
        let export = app.get("/api/v1/me/export", Some(&m.buyer)).await;
        assert_eq!(export.status, 200, "{}", export.text());
        let text = export.text();
        for held in [
            case.as_str(),
            "Tôi có ảnh chụp khi mở hộp.",
            "Ảnh cho thấy hàng đúng mô tả.",
            "0123456789",
        ] {
            assert!(text.contains(held), "{held} is not in the export");
        }
        // In Vietnamese for a reader who asks.
        let res = app
            .send(
                Request::post(format!("/api/v1/cases/{case}/escalate"))
                    .header("authorization", format!("Bearer {}", m.buyer))
                    .header("accept-language", "vi")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let body = res.problem(409, "case_closed");
        assert_eq!(body["detail"], "Yêu cầu này đã được giải quyết.");
    }
);

db_test!(
    an_unanswered_case_goes_to_the_administrators_at_its_deadline,
    |db: TestDb| async move {
        let app = bank_app_with(db, "[cases]\nstall_response_hours = 24");
        let m = market(&app).await;
        let order = delivered(&app, &m, "case-late").await;
        let c = opened(
            &app,
            &m,
            &id(&order),
            json!({"kind": "refund", "reason": "Thiếu hàng"}),
        )
        .await;
        let case = id(&c);
        let due: chrono::DateTime<Utc> = c["respond_by"].as_str().unwrap().parse().unwrap();
        let cases = &app.state.cases;
        let db = &app.state.db;
        // The escalation job's run, with the clock moved: not before the deadline, then once.
        let run = |at| cases.escalate_overdue(db, at, 100);
        assert_eq!(run(due - Duration::seconds(1)).await.unwrap(), 0);
        assert_eq!(run(due).await.unwrap(), 1);
        assert_eq!(run(due + Duration::hours(1)).await.unwrap(), 0);
        let c = app
            .get(&format!("/api/v1/cases/{case}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(c["status"], "escalated");
        assert_eq!(
            steps(&c).last().unwrap(),
            &("escalated".to_owned(), "deadline".to_owned())
        );
        assert!(
            heard(&app, &m.admin)
                .await
                .contains(&"case_for_admins".into())
        );
        // Too late to answer now.
        app.post(
            &format!("/api/v1/cases/{case}/respond"),
            Some(&m.owner_a),
            json!({"decision": "accept", "message": "Xin lỗi, shop trả lời muộn."}),
        )
        .await
        .problem(409, "case_moved");
        let created: chrono::DateTime<Utc> = c["created_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(due - created, Duration::hours(24));
    }
);

db_test!(
    a_case_is_opened_only_within_the_window_after_delivery,
    |db: TestDb| async move {
        let app = bank_app_with(db, "[cases]\nwindow_days = 3");
        let m = market(&app).await;
        let order = delivered(&app, &m, "case-window").await;
        let order_id = id(&order);
        let body = json!({"kind": "complaint", "reason": "Giao thiếu"});
        // Delivered four days ago, as far as the order's history says.
        order::entity::order_event::Entity::update_many()
            .col_expr(
                order::entity::order_event::Column::CreatedAt,
                Expr::value(Utc::now() - Duration::days(4)),
            )
            .filter(
                order::entity::order_event::Column::OrderId
                    .eq(order_id.parse::<uuid::Uuid>().unwrap()),
            )
            .filter(order::entity::order_event::Column::ToStatus.eq("delivered"))
            .exec(&app.state.db)
            .await
            .unwrap();
        open(&app, &m.buyer, &order_id, body.clone())
            .await
            .problem(409, "case_window_closed");
        // Two days ago: open.
        order::entity::order_event::Entity::update_many()
            .col_expr(
                order::entity::order_event::Column::CreatedAt,
                Expr::value(Utc::now() - Duration::days(2)),
            )
            .filter(
                order::entity::order_event::Column::OrderId
                    .eq(order_id.parse::<uuid::Uuid>().unwrap()),
            )
            .filter(order::entity::order_event::Column::ToStatus.eq("delivered"))
            .exec(&app.state.db)
            .await
            .unwrap();
        opened(&app, &m, &order_id, body.clone()).await;
        open(&app, &m.buyer, &order_id, body.clone())
            .await
            .problem(409, "case_already_open");
        // Not on an order that is not delivered, and only by its buyer.
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(&app, &m.buyer, "case-undelivered", shipping()).await;
        let placed = id(&res.json()["orders"][0]);
        open(&app, &m.buyer, &placed, body.clone())
            .await
            .problem(409, "order_not_delivered");
        open(&app, &m.owner_b, &placed, body.clone())
            .await
            .problem(403, "forbidden");
        open(&app, &m.owner_a, &placed, body)
            .await
            .problem(404, "not_found");
    }
);

db_test!(
    bad_cases_are_refused_naming_each_field_and_change_nothing,
    |db: TestDb| async move {
        let app = bank_app_with(db, AT_ONCE);
        let m = market(&app).await;
        let order = delivered(&app, &m, "case-bad").await;
        let order_id = id(&order);
        let sauce = line(&order, &m.sauce);
        let stranger = uuid::Uuid::now_v7().to_string();
        let links: Vec<String> = (0..11)
            .map(|i| format!("https://anh.example.vn/{i}.jpg"))
            .collect();
        for (body, field, code) in [
            (
                json!({"kind": "complaint", "reason": "x"}),
                "reason",
                "too_short",
            ),
            (
                json!({"kind": "return", "reason": "Vỡ chai", "items": [{"order_item_id": sauce, "quantity": 3}]}),
                "items[0].quantity",
                "out_of_range",
            ),
            (
                json!({"kind": "return", "reason": "Vỡ chai", "items": [{"order_item_id": sauce, "quantity": 0}]}),
                "items[0].quantity",
                "out_of_range",
            ),
            (
                json!({"kind": "return", "reason": "Vỡ chai", "items": [{"order_item_id": stranger, "quantity": 1}]}),
                "items[0].order_item_id",
                "invalid",
            ),
            (
                json!({"kind": "return", "reason": "Vỡ chai", "items": [{"quantity": 1}]}),
                "items[0].order_item_id",
                "required",
            ),
            (
                json!({"kind": "return", "reason": "Vỡ chai", "items": [
                    {"order_item_id": sauce, "quantity": 1}, {"product_id": m.sauce, "quantity": 1}]}),
                "items[1].order_item_id",
                "invalid",
            ),
            (
                json!({"kind": "complaint", "reason": "Vỡ chai", "evidence_urls": ["http://anh.example.vn/a.jpg"]}),
                "evidence_urls[0]",
                "invalid_url",
            ),
            (
                json!({"kind": "complaint", "reason": "Vỡ chai", "evidence_urls": links}),
                "media_ids",
                "too_long",
            ),
            (
                json!({"kind": "refund", "reason": "Vỡ chai", "refund_account":
                    {"bank_bin": "999999", "account_no": "0123456789", "account_name": "TRAN THI MAI"}}),
                "refund_account.bank_bin",
                "unknown_bank",
            ),
            (
                json!({"kind": "refund", "reason": "Vỡ chai", "refund_account":
                    {"bank_bin": "970436", "account_no": "01-23", "account_name": "TRAN THI MAI"}}),
                "refund_account.account_no",
                "invalid_account_no",
            ),
            (
                // One shape of a bank account: the other names are not read.
                json!({"kind": "refund", "reason": "Vỡ chai", "refund_account":
                    {"bank_bin": "970436", "account_number": "0123456789", "account_name": "TRAN THI MAI"}}),
                "refund_account.account_number",
                "unknown_field",
            ),
            (
                json!({"kind": "exchange", "reason": "Vỡ chai"}),
                "kind",
                "not_one_of",
            ),
            (
                json!({"kind": "complaint", "reason": "Vỡ chai", "price": 1}),
                "price",
                "unknown_field",
            ),
        ] {
            let res = open(&app, &m.buyer, &order_id, body.clone()).await;
            let problem = res.problem(422, "validation_failed");
            let errors = problem["errors"].as_array().unwrap();
            assert!(
                errors
                    .iter()
                    .any(|e| e["field"] == field && e["code"] == code),
                "{body}: {problem}"
            );
        }
        let mine = app.get("/api/v1/me/cases", Some(&m.buyer)).await.json();
        assert_eq!(mine["total"], 0);
        // Bounded paging, a known status.
        app.get("/api/v1/admin/cases?per_page=101", Some(&m.admin))
            .await
            .problem(422, "validation_failed");
        app.get("/api/v1/admin/cases?status=closed", Some(&m.admin))
            .await
            .problem(422, "validation_failed");
        // A stall's answer is accept or reject, with words.
        let c = opened(
            &app,
            &m,
            &order_id,
            json!({"kind": "complaint", "reason": "Giao chậm"}),
        )
        .await;
        let case = id(&c);
        for body in [
            json!({"decision": "maybe", "message": "Để xem."}),
            json!({"decision": "accept", "message": ""}),
            json!({"decision": "accept"}),
        ] {
            app.post(
                &format!("/api/v1/cases/{case}/respond"),
                Some(&m.owner_a),
                body,
            )
            .await
            .problem(422, "validation_failed");
        }
        for body in [
            json!({"decision": "refund", "message": "Hoàn."}),
            json!({"decision": "refund", "refund_amount": 0, "message": "Hoàn."}),
            json!({"decision": "refund", "refund_amount": 460_001, "message": "Hoàn."}),
            json!({"decision": "refund", "refund_amount": 1, "message": ""}),
        ] {
            let problem = resolve(&app, &m, &case, body.clone())
                .await
                .problem(422, "validation_failed");
            assert!(
                problem["errors"][0]["field"].is_string(),
                "{body}: {problem}"
            );
        }
        let c = app
            .get(&format!("/api/v1/cases/{case}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(
            (&c["status"], c["timeline"].as_array().unwrap().len()),
            (&json!("open"), 1)
        );
    }
);

const STRIPE_SECRET: &str = "whsec_cases";

db_test!(
    card_refunds_of_parts_of_an_order_go_back_through_stripe,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let mut config = bank_config(AT_ONCE);
        config.stripe.secret_key = Some("sk_test_marketplace".into());
        config.stripe.webhook_secret = Some(STRIPE_SECRET.into());
        config.stripe.api_base = Some(stripe.base.clone());
        let app = TestApp::from_config(db, config, |engine| engine);
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        let mut body = shipping();
        body["payment_method"] = json!("card");
        let res = checkout(&app, &m.buyer, "case-card", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        let event = testkit::stripe::event(
            "evt_case_card",
            "payment_intent.succeeded",
            out["payment"]["payment_intent_id"].as_str().unwrap(),
            out["checkout_id"].as_str().unwrap(),
            out["total"].as_i64().unwrap(),
        );
        let sig = order::provider::stripe::sign(&event, STRIPE_SECRET, Utc::now().timestamp());
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
        let order_id = out["orders"][0]["id"].as_str().unwrap().to_owned();
        deliver(&app, &m.owner_a, &order_id).await;
        // Two cases, each refunded in part: two refunds of one payment, each for its amount,
        // each with its own idempotency key.
        for (key, amount) in [("a", 50_000), ("b", 70_000)] {
            let c = opened(
                &app,
                &m,
                &order_id,
                json!({"kind": "refund", "reason": format!("Hàng lỗi {key}")}),
            )
            .await;
            let res = resolve(&app, &m, &id(&c), refund(amount)).await;
            assert_eq!(res.status, 200, "{}", res.text());
            assert_eq!(res.json()["refund_via"], "card");
        }
        let sent = stripe.requests_to("/v1/refunds");
        let amounts: Vec<_> = sent.iter().map(|r| r.field("amount").unwrap()).collect();
        assert_eq!(amounts, ["50000", "70000"]);
        assert_ne!(sent[0].idempotency_key, sent[1].idempotency_key);
        let o = app
            .get(&format!("/api/v1/orders/{order_id}"), Some(&m.buyer))
            .await
            .json();
        let statuses: Vec<_> = o["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["provider"].clone(), r["status"].clone()))
            .collect();
        assert_eq!(
            statuses,
            [
                (json!("stripe"), json!("sent")),
                (json!("stripe"), json!("sent"))
            ]
        );
        assert!(heard(&app, &m.buyer).await.contains(&"refund_sent".into()));
    }
);

db_test!(
    two_opens_of_one_order_at_once_leave_one_open_case,
    |db: TestDb| async move {
        let app = Arc::new(bank_app_with(db, AT_ONCE));
        let m = Arc::new(market(&app).await);
        let order = delivered(&app, &m, "case-race").await;
        let order_id = id(&order);
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (app, m, order_id) = (app.clone(), m.clone(), order_id.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({"kind": "complaint", "reason": format!("Lần {i}")});
                let res = open(&app, &m.buyer, &order_id, body).await;
                (res.status.as_u16(), res.json()["code"].clone())
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        answers.sort_by_key(|(s, _)| *s);
        assert_eq!(answers[0].0, 201, "{answers:?}");
        for (status, code) in &answers[1..] {
            assert_eq!(
                (*status, code),
                (409, &json!("case_already_open")),
                "{answers:?}"
            );
        }
        let mine = app
            .get("/api/v1/me/cases?status=open", Some(&m.buyer))
            .await
            .json();
        assert_eq!(mine["total"], 1);
    }
);

db_test!(
    refunds_decided_at_once_never_exceed_what_was_paid,
    |db: TestDb| async move {
        let app = Arc::new(bank_app_with(db, AT_ONCE));
        let m = Arc::new(market(&app).await);
        let order = delivered(&app, &m, "case-refund-race").await;
        let order_id = id(&order);
        let c = opened(
            &app,
            &m,
            &order_id,
            json!({"kind": "refund", "reason": "Hàng hỏng"}),
        )
        .await;
        let case = id(&c);
        // Two decisions of the case and a whole refund of the order, at once: 400 000 đồng
        // each, of 460 000 paid. One of them is taken.
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (app, m, case, order_id) = (app.clone(), m.clone(), case.clone(), order_id.clone());
            tasks.push(tokio::spawn(async move {
                let res = if i < 2 {
                    resolve(&app, &m, &case, refund(400_000)).await
                } else {
                    app.post(
                        &format!("/api/v1/orders/{order_id}/refund"),
                        Some(&m.admin),
                        json!({"reason": "Hoàn toàn bộ đơn"}),
                    )
                    .await
                };
                res.status.as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| [200, 409].contains(s)),
            "{statuses:?}"
        );
        let sale = reversed(&app, &m, "sale").await;
        assert!((-460_000..=-400_000).contains(&sale), "{sale}");
        let owed: i64 = order::entity::refund::Entity::find()
            .filter(
                order::entity::refund::Column::OrderId.eq(order_id.parse::<uuid::Uuid>().unwrap()),
            )
            .all(&app.state.db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.amount)
            .sum();
        assert!(owed <= 460_000, "{owed}");
    }
);

db_test!(
    a_bank_transfer_refund_is_owed_by_hand_to_the_buyers_account,
    |db: TestDb| async move {
        let app = bank_app_with(db, AT_ONCE);
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        let res = checkout(&app, &m.buyer, "case-bank", crate::bank::by_transfer()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        let (amount, reference) = (
            out["payment"]["amount"].as_i64().unwrap(),
            out["payment"]["reference"].as_str().unwrap().to_owned(),
        );
        let outcome = crate::bank::send(&app, "FT-case-bank", amount, &reference).await;
        assert_eq!(outcome, "exact");
        let order_id = out["orders"][0]["id"].as_str().unwrap().to_owned();
        deliver(&app, &m.owner_a, &order_id).await;
        let c = opened(
            &app,
            &m,
            &order_id,
            json!({"kind": "refund", "reason": "Nắp chai bị hở", "refund_account": account()}),
        )
        .await;
        let res = resolve(&app, &m, &id(&c), refund(60_000)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["refund_via"], "bank_transfer");
        // Owed by hand, to the account the buyer gave, naming the transfer it came from.
        let owed = app
            .get("/api/v1/admin/refunds?status=manual", Some(&m.admin))
            .await
            .json();
        assert_eq!(owed["total"], 1, "{owed}");
        let r = &owed["items"][0];
        assert_eq!(
            (&r["provider"], &r["amount"], &r["reference"]),
            (&json!("vietqr"), &json!(60_000), &json!(reference))
        );
        assert_eq!(r["refund_account"], account());
        assert!(r.get("payment_intent_id").is_none(), "{r}");
        let refund_id = r["id"].as_str().unwrap().to_owned();
        assert!(!heard(&app, &m.buyer).await.contains(&"refund_sent".into()));
        let res = app
            .post(
                &format!("/api/v1/admin/refunds/{refund_id}/settle"),
                Some(&m.admin),
                json!({"bank_reference": "FT26339REFUND1"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "sent");
        assert!(heard(&app, &m.buyer).await.contains(&"refund_sent".into()));
        assert_eq!(reversed(&app, &m, "sale").await, -60_000);
    }
);
