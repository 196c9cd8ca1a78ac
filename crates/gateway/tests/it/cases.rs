//! Cases on delivered orders, on SQLite and PostgreSQL, through the order crate's use cases
//! over an app's state (orders placed and delivered over HTTP): the window after delivery, one
//! open case per order, the stall's answer, the buyer's escalation, escalation by itself when
//! the stall's time runs out (time moved, never slept), a partial refund reversing the ledger
//! in proportion to the đồng, and returned goods back in stock on receipt.

use chrono::{Duration, SubsecRound, Utc};
use common::{Actor, PageRequest};
use order::{
    Cases,
    case::{CaseBy, CaseKind, CaseStatus, CaseStep, Decision},
    cases::{CaseItem, CaseSettings, NewCase, RefundAccount, Resolution},
};
use serde_json::{Value, json};
use uuid::Uuid;

use axum::{body::Body, http::Request};

use crate::{
    bank::{bank_app_with, bank_config},
    orders::{Market, checkout, market, put_item, shipping, stock},
    support::*,
};

/// The user behind a token, as the use cases take them.
async fn actor(app: &TestApp, token: &str) -> Actor {
    let me = app.get("/api/v1/me", Some(token)).await.json();
    Actor::User {
        id: me["id"].as_str().unwrap().parse().unwrap(),
        is_admin: me["is_admin"].as_bool().unwrap_or(false),
    }
}

/// Two sauces and a pepper bought by cash on delivery from stall A, delivered.
async fn delivered(app: &TestApp, m: &Market, key: &str) -> (Uuid, Value) {
    put_item(app, &m.buyer, &m.sauce, 2).await;
    put_item(app, &m.buyer, &m.pepper, 1).await;
    let res = checkout(app, &m.buyer, key, shipping()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let order = res.json()["orders"][0].clone();
    let id = order["id"].as_str().unwrap().to_owned();
    for step in ["confirm", "ship", "deliver"] {
        let res = app
            .post(
                &format!("/api/v1/orders/{id}/{step}"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{step}: {}", res.text());
    }
    let order = app
        .get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
        .await
        .json();
    (id.parse().unwrap(), order)
}

fn cases(app: &TestApp) -> Cases {
    Cases::new(
        app.state.catalog.clone(),
        app.state.ledger.clone(),
        CaseSettings::default(),
    )
}

fn new_case(kind: CaseKind, items: Vec<CaseItem>) -> NewCase {
    NewCase {
        kind,
        reason: "Chai bị vỡ khi nhận".into(),
        description: "Một chai nước mắm vỡ nắp, chảy ra hộp.".into(),
        items,
        evidence_urls: vec!["https://anh.example.vn/chai-vo.jpg".into()],
        refund_account: Some(RefundAccount {
            bank: "Vietcombank".into(),
            account_number: "0123456789".into(),
            holder_name: "TRAN THI MAI".into(),
        }),
    }
}

db_test!(
    a_rejected_case_escalated_by_the_buyer_ends_in_a_partial_refund,
    |db: TestDb| async move {
        let app = bank_app_with(db, "[ledger]\nholding_days = 0\ncooling_off_hours = 0");
        let m = market(&app).await;
        let (order_id, _) = delivered(&app, &m, "case-1").await;
        let (buyer, owner, admin) = (
            actor(&app, &m.buyer).await,
            actor(&app, &m.owner_a).await,
            actor(&app, &m.admin).await,
        );
        let cases = cases(&app);
        let db = &app.state.db;
        let now = Utc::now().trunc_subsecs(0);
        let sauce = CaseItem {
            product_id: m.sauce.parse().unwrap(),
            quantity: 1,
        };
        // Only the buyer opens one; a stranger's attempt is "not found".
        let stranger = actor(&app, &app.signed_in("la@example.vn").await).await;
        let e = cases
            .open(
                db,
                &stranger,
                order_id,
                new_case(CaseKind::Refund, vec![sauce]),
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(common::Error::from(e).kind, common::ErrorKind::NotFound);
        let c = cases
            .open(
                db,
                &buyer,
                order_id,
                new_case(CaseKind::Refund, vec![sauce]),
                now,
            )
            .await
            .unwrap();
        assert_eq!(c.status, CaseStatus::Open);
        assert_eq!(c.respond_by, now + Duration::hours(48));
        let again = cases
            .open(
                db,
                &buyer,
                order_id,
                new_case(CaseKind::Complaint, vec![]),
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(common::Error::from(again).code, "case_open");
        // The buyer cannot answer for the stall, nor escalate before a rejection.
        assert!(
            cases
                .respond(db, &buyer, c.id, false, "không", now)
                .await
                .is_err()
        );
        let early = cases.escalate(db, &buyer, c.id, now).await.unwrap_err();
        assert_eq!(common::Error::from(early).code, "case_not_rejected");

        let c = cases
            .respond(db, &owner, c.id, false, "Chai được đóng gói kỹ.", now)
            .await
            .unwrap();
        assert_eq!(c.status, CaseStatus::Rejected);
        let twice = cases
            .respond(db, &owner, c.id, true, "Đồng ý.", now)
            .await
            .unwrap_err();
        assert_eq!(common::Error::from(twice).code, "case_moved");
        cases
            .message(db, &buyer, c.id, "Tôi có ảnh chụp khi mở hộp.", now)
            .await
            .unwrap();
        let c = cases.escalate(db, &buyer, c.id, now).await.unwrap();
        assert_eq!(c.status, CaseStatus::Escalated);

        // More than the sauce's price is refused; the delivery fee is never refunded here.
        let over = cases
            .resolve(
                db,
                &admin,
                c.id,
                Resolution {
                    decision: Decision::Refund,
                    refund_amount: Some(120_001),
                    message: "Hoàn một chai.".into(),
                },
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(common::Error::from(over).kind, common::ErrorKind::Invalid);
        assert!(
            cases
                .resolve(
                    db,
                    &owner,
                    c.id,
                    Resolution {
                        decision: Decision::Refund,
                        refund_amount: Some(1),
                        message: "Tự quyết.".into(),
                    },
                    now,
                )
                .await
                .is_err()
        );
        let c = cases
            .resolve(
                db,
                &admin,
                c.id,
                Resolution {
                    decision: Decision::Refund,
                    refund_amount: Some(100_001),
                    message: "Hoàn phần lớn giá một chai.".into(),
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(c.status, CaseStatus::Resolved);
        assert_eq!(c.refund_amount, Some(100_001));
        assert_eq!(c.refund_via, Some(order::types::PaymentMethod::Cod));
        let steps: Vec<_> = c.timeline.iter().map(|e| (e.kind, e.by)).collect();
        assert_eq!(
            steps,
            [
                (CaseStep::Opened, CaseBy::Buyer),
                (CaseStep::Rejected, CaseBy::Stall),
                (CaseStep::Message, CaseBy::Buyer),
                (CaseStep::Escalated, CaseBy::Buyer),
                (CaseStep::Resolved, CaseBy::Admin),
            ]
        );

        // The stall's ledger: the sale undone by exactly the refund, the commission in part.
        let ledger = app
            .get(
                &format!("/api/v1/stalls/{}/ledger?per_page=100", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        let reversed = |kind: &str| -> i64 {
            ledger["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "refund_reversal" && e["reverses"] == kind)
                .map(|e| e["amount"].as_i64().unwrap())
                .sum()
        };
        assert_eq!(reversed("sale"), -100_001);
        let commission: i64 = ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "commission")
            .map(|e| e["amount"].as_i64().unwrap())
            .sum();
        // 100 001 of 460 000 đồng of goods: the same share of the commission, to the đồng.
        let exact = -commission as f64 * 100_001.0 / 460_000.0;
        assert!((reversed("commission") as f64 - exact).abs() < 1.0);
        // The order's history shows the refund; the order stays delivered.
        let o = app
            .get(&format!("/api/v1/orders/{order_id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(o["status"], "delivered");

        // A new case, once that one is decided, only within the window after delivery.
        let late = cases
            .open(
                db,
                &buyer,
                order_id,
                new_case(CaseKind::Complaint, vec![]),
                now + Duration::days(8),
            )
            .await
            .unwrap_err();
        assert_eq!(common::Error::from(late).code, "case_window_closed");
        // Listed for administrators by status, with the total.
        let listed = cases
            .list(
                db,
                &admin,
                Some(CaseStatus::Resolved),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(listed.total, 1);
        assert!(
            cases
                .list(db, &buyer, None, PageRequest::default())
                .await
                .is_err()
        );
    }
);

db_test!(
    an_unanswered_case_goes_to_the_administrators_at_its_deadline,
    |db: TestDb| async move {
        let app = bank_app_with(db, "");
        let m = market(&app).await;
        let (order_id, _) = delivered(&app, &m, "case-2").await;
        let buyer = actor(&app, &m.buyer).await;
        let cases = cases(&app);
        let db = &app.state.db;
        let now = Utc::now().trunc_subsecs(0);
        let c = cases
            .open(
                db,
                &buyer,
                order_id,
                new_case(CaseKind::Complaint, vec![]),
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            cases
                .escalate_overdue(db, now + Duration::hours(47))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            cases
                .escalate_overdue(db, now + Duration::hours(48))
                .await
                .unwrap(),
            1
        );
        // Once only.
        assert_eq!(
            cases
                .escalate_overdue(db, now + Duration::hours(49))
                .await
                .unwrap(),
            0
        );
        let c = cases.get(db, &buyer, c.id).await.unwrap();
        assert_eq!(c.status, CaseStatus::Escalated);
        let last = c.timeline.last().unwrap();
        assert_eq!(
            (last.kind, last.by),
            (CaseStep::Escalated, CaseBy::Deadline)
        );
    }
);

db_test!(
    returned_goods_are_back_in_stock_once_the_stall_receives_them,
    |db: TestDb| async move {
        let app = bank_app_with(db, "");
        let m = market(&app).await;
        let (order_id, _) = delivered(&app, &m, "case-3").await;
        let (buyer, owner) = (actor(&app, &m.buyer).await, actor(&app, &m.owner_a).await);
        let cases = cases(&app);
        let db = &app.state.db;
        let now = Utc::now().trunc_subsecs(0);
        let before = stock(&app, &m.owner_a, &m.sauce).await;
        let items = vec![CaseItem {
            product_id: m.sauce.parse().unwrap(),
            quantity: 2,
        }];
        let c = cases
            .open(db, &buyer, order_id, new_case(CaseKind::Return, items), now)
            .await
            .unwrap();
        // Not before the stall accepts.
        assert!(cases.received(db, &owner, c.id, now).await.is_err());
        cases
            .respond(db, &owner, c.id, true, "Gửi lại giúp chúng tôi.", now)
            .await
            .unwrap();
        assert!(cases.received(db, &buyer, c.id, now).await.is_err());
        let c = cases.received(db, &owner, c.id, now).await.unwrap();
        assert!(c.goods_received_at.is_some());
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, before + 2);
        // Once.
        assert!(cases.received(db, &owner, c.id, now).await.is_err());
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, before + 2);
    }
);

const STRIPE_SECRET: &str = "whsec_cases";

db_test!(
    a_card_refund_of_part_of_an_order_goes_back_through_stripe,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let mut config = bank_config("[ledger]\nholding_days = 0");
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
        let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
        for step in ["confirm", "ship", "deliver"] {
            let res = app
                .post(
                    &format!("/api/v1/orders/{id}/{step}"),
                    Some(&m.owner_a),
                    json!({}),
                )
                .await;
            assert_eq!(res.status, 200, "{step}: {}", res.text());
        }
        let order_id: Uuid = id.parse().unwrap();
        let (buyer, owner, admin) = (
            actor(&app, &m.buyer).await,
            actor(&app, &m.owner_a).await,
            actor(&app, &m.admin).await,
        );
        let cases = cases(&app);
        let db = &app.state.db;
        let now = Utc::now().trunc_subsecs(0);
        let mut new = new_case(CaseKind::Refund, vec![]);
        new.refund_account = None;
        let c = cases.open(db, &buyer, order_id, new, now).await.unwrap();
        cases
            .respond(db, &owner, c.id, true, "Xin lỗi quý khách.", now)
            .await
            .unwrap();
        let c = cases
            .resolve(
                db,
                &admin,
                c.id,
                Resolution {
                    decision: Decision::Refund,
                    refund_amount: Some(50_000),
                    message: "Hoàn một phần.".into(),
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(c.refund_via, Some(order::types::PaymentMethod::Card));
        app.state.payments.refund_now(db, order_id).await.unwrap();
        let sent = stripe.requests_to("/v1/refunds");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].field("amount"), Some("50000"));
    }
);
