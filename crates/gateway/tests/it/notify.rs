//! Notifications and account recovery over HTTP, on SQLite and PostgreSQL, against a real SMTP
//! conversation (the test kit's mail server) and a webhook receiver that checks signatures:
//! each step of an order reaches the right people once, in order, with Vietnamese text and
//! amounts; an SMTP outage and a receiver that is down lose nothing; reset and verification
//! links work once and expire; password changes, resets and disabling end sessions.

use std::{
    net::{IpAddr, Ipv6Addr},
    sync::Arc,
    time::Duration,
};

use axum::{
    body::Body,
    http::{Method, Request},
};
use notify::{
    channel::{Smtp, WebhookSender},
    worker::{Deliverer, Retry, Round},
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use testkit::{smtp::TestSmtp, webhooks::TestReceiver};

use crate::{
    money::order_of,
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

fn notify_app(db: TestDb) -> TestApp {
    TestApp::with_config(db, "[notify]\nwebhooks_allow_private = true")
}

fn deliverer(smtp: &TestSmtp) -> Deliverer {
    deliverer_reaching(smtp, true)
}

/// A deliverer whose webhooks reach private addresses only if `allow_private`.
fn deliverer_reaching(smtp: &TestSmtp, allow_private: bool) -> Deliverer {
    let email = Smtp::new(&smtp.url, None, "Chợ OCOP Quảng Trị <no-reply@cho.test>")
        .expect("the test mail server's URL is valid");
    Deliverer::new(
        Some(Arc::new(email)),
        Arc::new(WebhookSender::new(Duration::from_secs(5), allow_private)),
        Retry {
            base: Duration::from_millis(20),
            max_wait: Duration::from_millis(200),
            max_webhook_attempts: 50,
        },
    )
}

/// Rounds until nothing is left to send (or a few seconds pass, retries included).
async fn drain(d: &Deliverer, app: &TestApp) -> Round {
    let mut total = Round::default();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = d.round(&app.db.conn, chrono::Utc::now()).await.unwrap();
        total.sent += r.sent;
        total.failed += r.failed;
        total.retrying += r.retrying;
        if pending(app).await == 0 || std::time::Instant::now() > deadline {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn pending(app: &TestApp) -> i64 {
    notify::worker::pending(&app.db.conn)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum()
}

fn subjects(smtp: &TestSmtp, to: &str) -> Vec<String> {
    smtp.mails_to(to).iter().map(|m| m.subject()).collect()
}

async fn inbox(app: &TestApp, token: &str) -> Value {
    let res = app.get("/api/v1/me/notifications", Some(token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// The label of order `id` in texts: `#` and its number, the id's last eight hex digits in
/// capitals for an order placed now.
fn order_label(id: &str) -> String {
    let hex = id.replace('-', "").to_uppercase();
    order::notices::order_label(&hex[hex.len() - 8..])
}

/// The labels of a checkout's orders, as its `order_placed` names them.
fn labels(checkout: &Value) -> String {
    let labels: Vec<String> = checkout["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| format!("#{}", o["number"].as_str().unwrap()))
        .collect();
    labels.join(", ")
}

/// A webhook for `stall` pointing at `receiver`, which trusts its secret.
async fn hook(app: &TestApp, owner: &str, stall: &str, receiver: &TestReceiver) -> Value {
    let res = app
        .post(
            &format!("/api/v1/stalls/{stall}/webhooks"),
            Some(owner),
            json!({"url": receiver.url}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    let secret = body["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{body}");
    receiver.trust(secret);
    body
}

async fn cod_order(app: &TestApp, m: &Market, key: &str, items: &[(&str, i64)]) -> Value {
    for (product, qty) in items {
        let res = put_item(app, &m.buyer, product, *qty).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    let res = checkout(app, &m.buyer, key, shipping()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// Moves order `id` one `step` as `token`, with `body`.
async fn step(app: &TestApp, token: &str, id: &str, step: &str, body: Value) {
    let res = app
        .post(&format!("/api/v1/orders/{id}/{step}"), Some(token), body)
        .await;
    assert_eq!(res.status, 200, "{step}: {}", res.text());
}

db_test!(
    each_step_of_an_order_reaches_its_people_once_in_order,
    |db| async move {
        let app = notify_app(db);
        let smtp = TestSmtp::start().await;
        let receiver = TestReceiver::start().await;
        let d = deliverer(&smtp);
        let m = market(&app).await;
        hook(&app, &m.owner_a, &m.stall_a, &receiver).await;
        let out = cod_order(&app, &m, "n1", &[(&m.sauce, 2), (&m.coffee, 1)]).await;
        let (a, b) = (order_of(&out, &m.stall_a), order_of(&out, &m.stall_b));
        step(&app, &m.owner_a, &a, "confirm", json!({})).await;
        let tracking = json!({"tracking_no": "VTP123456789", "carrier": "Viettel Post"});
        step(&app, &m.owner_a, &a, "ship", tracking).await;
        step(&app, &m.owner_a, &a, "deliver", json!({})).await;
        let why = json!({"reason": "Đặt nhầm số lượng"});
        step(&app, &m.buyer, &b, "cancel", why).await;

        let sent = drain(&d, &app).await;
        assert_eq!(sent.failed, 0);
        let (la, lb) = (order_label(&a), order_label(&b));
        assert_eq!(
            subjects(&smtp, "buyer@example.vn"),
            vec![
                "Xác nhận địa chỉ email".to_owned(),
                format!("Đặt hàng thành công: {}", labels(&out)),
                format!("Đơn hàng {la} đã được xác nhận"),
                format!("Đơn hàng {la} đang được giao"),
                format!("Đơn hàng {la} đã giao thành công"),
            ]
        );
        assert_eq!(
            subjects(&smtp, "a@example.vn"),
            vec![
                "Xác nhận địa chỉ email".to_owned(),
                // The seller identified before the approval (`TestApp::approve`).
                "Danh tính người bán của gian hàng HTX Nước mắm Cửa Tùng đã được xác minh"
                    .to_owned(),
                // And its documents verified (`TestApp::approve`).
                "Giấy tờ của gian hàng HTX Nước mắm Cửa Tùng đã được xác minh: Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm (Nghị định 15/2018)".to_owned(),
                "Giấy tờ của gian hàng HTX Nước mắm Cửa Tùng đã được xác minh: Giấy phép bán lẻ hoặc sản xuất rượu (Nghị định 105/2017)".to_owned(),
                "Gian hàng HTX Nước mắm Cửa Tùng đã được duyệt".to_owned(),
                format!("Đơn hàng mới {la} tại HTX Nước mắm Cửa Tùng"),
            ]
        );
        assert_eq!(
            subjects(&smtp, "b@example.vn"),
            vec![
                "Xác nhận địa chỉ email".to_owned(),
                "Danh tính người bán của gian hàng Cà phê Khe Sanh đã được xác minh".to_owned(),
                // And its documents verified (`TestApp::approve`).
                "Giấy tờ của gian hàng Cà phê Khe Sanh đã được xác minh: Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm (Nghị định 15/2018)".to_owned(),
                "Giấy tờ của gian hàng Cà phê Khe Sanh đã được xác minh: Giấy phép bán lẻ hoặc sản xuất rượu (Nghị định 105/2017)".to_owned(),
                "Gian hàng Cà phê Khe Sanh đã được duyệt".to_owned(),
                format!("Đơn hàng mới {lb} tại Cà phê Khe Sanh"),
                format!("Khách hàng đã huỷ đơn hàng {lb}"),
            ]
        );
        let new_order = &smtp.mails_to("a@example.vn")[5];
        let body = new_order.body();
        assert!(body.starts_with("Chào Trần Văn Minh,"), "{body}");
        assert!(body.contains("2 sản phẩm, tổng cộng 240.000 ₫"), "{body}");
        assert!(body.contains("thanh toán khi nhận hàng"), "{body}");
        assert!(new_order.header("Message-ID").is_some());
        let shipped = smtp.mails_to("buyer@example.vn")[3].body();
        assert!(
            shipped.contains("Viettel Post") && shipped.contains("VTP123456789"),
            "{shipped}"
        );
        let cancelled = smtp.mails_to("b@example.vn")[6].body();
        assert!(
            cancelled.contains("Lý do: Đặt nhầm số lượng"),
            "{cancelled}"
        );
        assert!(cancelled.contains("165.000 ₫"), "{cancelled}");

        // The inbox holds the same, newest first; account links stay out of it.
        let ib = inbox(&app, &m.buyer).await;
        let events: Vec<&str> = ib["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            events,
            [
                "order_delivered",
                "order_shipped",
                "order_confirmed",
                "order_placed"
            ]
        );
        assert_eq!(ib["unread"], 4);
        assert_eq!(ib["items"][0]["data"]["total"], 240_000);
        assert_eq!(ib["items"][0]["order_id"], a.as_str());
        let first = ib["items"][2]["id"].as_str().unwrap();
        let res = app
            .post(
                &format!("/api/v1/me/notifications/{first}/read"),
                Some(&m.buyer),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(res.json()["read_at"].is_string());
        assert_eq!(inbox(&app, &m.buyer).await["unread"], 3);
        // Another's notification is not found.
        let res = app
            .post(
                &format!("/api/v1/me/notifications/{first}/read"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        res.problem(404, "not_found");
        let unread = app
            .get("/api/v1/me/notifications?unread=true", Some(&m.buyer))
            .await
            .json();
        assert_eq!(unread["total"], 3);

        // The stall's own systems got its order's every step, signed, in order.
        let got: Vec<String> = receiver
            .accepted()
            .iter()
            .map(|r| r.body["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            got,
            [
                "new_order",
                "order_confirmed",
                "order_shipped",
                "order_delivered"
            ]
        );
        assert!(receiver.received().iter().all(|r| r.verified));
        let first = &receiver.accepted()[0].body;
        assert_eq!(first["data"]["order_id"], a.as_str());
        assert_eq!(first["data"]["total"], 240_000);
        assert!(first["data"].get("name").is_none(), "{first}");

        // Once each: more rounds send nothing again.
        let mails = smtp.mails().len();
        assert_eq!(drain(&d, &app).await.sent, 0);
        assert_eq!(smtp.mails().len(), mails);
        assert_eq!(receiver.received().len(), 4);
    }
);

db_test!(an_smtp_outage_loses_no_notification, |db| async move {
    let app = notify_app(db);
    let smtp = TestSmtp::start().await;
    let d = deliverer(&smtp);
    smtp.set_down(true);
    app.signed_in("lan@example.vn").await;
    let r = d.round(&app.db.conn, chrono::Utc::now()).await.unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (0, 1, 0));
    assert!(smtp.mails().is_empty());
    assert_eq!(pending(&app).await, 1);
    // Still down a while later: retried, still kept.
    tokio::time::sleep(Duration::from_millis(60)).await;
    let r = d.round(&app.db.conn, chrono::Utc::now()).await.unwrap();
    assert_eq!(r.retrying, 1);
    smtp.set_down(false);
    let r = drain(&d, &app).await;
    assert_eq!(r.sent, 1);
    let mails = smtp.mails_to("lan@example.vn");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject(), "Xác nhận địa chỉ email");
    assert!(smtp.connections() >= 3);
});

db_test!(
    a_receiver_that_was_down_gets_every_event_afterwards_in_order,
    |db| async move {
        let app = notify_app(db);
        let smtp = TestSmtp::start().await;
        let receiver = TestReceiver::start().await;
        let d = deliverer(&smtp);
        let m = market(&app).await;
        let wh = hook(&app, &m.owner_a, &m.stall_a, &receiver).await;
        receiver.set_down(true);
        let mut orders = Vec::new();
        for key in ["w1", "w2", "w3"] {
            let out = cod_order(&app, &m, key, &[(&m.sauce, 1)]).await;
            orders.push(order_of(&out, &m.stall_a));
        }
        // While it is down only the oldest event is tried, again and again.
        for _ in 0..3 {
            d.round(&app.db.conn, chrono::Utc::now()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        let tried: Vec<Value> = receiver.received().iter().map(|r| r.body.clone()).collect();
        assert!(tried.len() >= 2, "{tried:?}");
        assert!(
            tried
                .iter()
                .all(|b| b["data"]["order_id"] == orders[0].as_str()),
            "{tried:?}"
        );
        let wid = wh["id"].as_str().unwrap();
        let log = app
            .get(
                &format!("/api/v1/stalls/{}/webhooks/{wid}/deliveries", m.stall_a),
                Some(&m.owner_a),
            )
            .await;
        assert_eq!(log.status, 200, "{}", log.text());
        let log = log.json();
        assert_eq!(log["total"], 3);
        let oldest = &log["items"][2];
        assert_eq!(oldest["status"], "pending");
        assert_eq!(oldest["response_status"], 503);
        assert!(oldest["attempts"].as_i64().unwrap() >= 2, "{oldest}");

        // A rotation meanwhile: the receiver knows only the new secret, and still verifies.
        let rotated = app
            .post(
                &format!("/api/v1/stalls/{}/webhooks/{wid}/rotate-secret", m.stall_a),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(rotated.status, 200, "{}", rotated.text());
        let new_secret = rotated.json()["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, wh["secret"].as_str().unwrap());
        receiver.distrust_all();
        receiver.trust(&new_secret);

        receiver.set_down(false);
        drain(&d, &app).await;
        let got: Vec<String> = receiver
            .accepted()
            .iter()
            .map(|r| r.body["data"]["order_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, orders, "each event once, in order");
        let ids: std::collections::HashSet<String> =
            receiver.received().iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids.len(), 3, "retries carry the same webhook-id");
        let log = app
            .get(
                &format!("/api/v1/stalls/{}/webhooks/{wid}/deliveries", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["status"] == "sent"),
            "{log}"
        );

        // Only the owner manages webhooks; a deleted one gets nothing more.
        let res = app
            .get(
                &format!("/api/v1/stalls/{}/webhooks", m.stall_a),
                Some(&m.buyer),
            )
            .await;
        assert!(matches!(res.status.as_u16(), 403 | 404), "{}", res.text());
        let listed = app
            .get(
                &format!("/api/v1/stalls/{}/webhooks", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        assert!(
            listed[0]["secret"].as_str().unwrap().ends_with('…'),
            "{listed}"
        );
        let res = app
            .delete(
                &format!("/api/v1/stalls/{}/webhooks/{wid}", m.stall_a),
                Some(&m.owner_a),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        cod_order(&app, &m, "w4", &[(&m.sauce, 1)]).await;
        drain(&d, &app).await;
        assert_eq!(receiver.accepted().len(), 3);
        // Bad URLs are refused before anything is stored.
        let res = app
            .post(
                &format!("/api/v1/stalls/{}/webhooks", m.stall_a),
                Some(&m.owner_a),
                json!({"url": "ftp://ketoan.example.vn"}),
            )
            .await;
        res.problem(422, "validation_failed");
    }
);

db_test!(
    password_reset_works_once_expires_and_ends_sessions,
    |db| async move {
        let app = notify_app(db);
        let smtp = TestSmtp::start().await;
        let d = deliverer(&smtp);
        let first = app.signed_in("hoa@example.vn").await;
        let second = app.login("hoa@example.vn").await;
        for email in ["hoa@example.vn", "nobody@example.vn"] {
            let res = app
                .post("/api/v1/auth/password-reset", None, json!({"email": email}))
                .await;
            assert_eq!(res.status, 202, "{}", res.text());
            assert!(res.body.is_empty());
        }
        drain(&d, &app).await;
        assert!(smtp.mails_to("nobody@example.vn").is_empty());
        let mails = smtp.mails_to("hoa@example.vn");
        assert_eq!(mails[1].subject(), "Đặt lại mật khẩu");
        assert!(
            mails[1].body().contains("trong vòng 30 phút"),
            "{}",
            mails[1].body()
        );
        let token = mails[1].token().unwrap();
        assert_eq!(token.len(), 64);
        // The token is nowhere in the database: the mail's text was emptied once sent.
        let leaked = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM deliveries WHERE body LIKE '%{token}%'"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(leaked, 0);
        // Nor in the inbox.
        assert_eq!(inbox(&app, &first).await["total"], 0);

        let res = app
            .post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({"token": "0".repeat(64), "password": "mat-khau-moi-2026"}),
            )
            .await;
        res.problem(422, "invalid_link");
        let res = app
            .post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({"token": token, "password": "short"}),
            )
            .await;
        res.problem(422, "validation_failed");
        let res = app
            .post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({"token": token, "password": "mat-khau-moi-2026"}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        for old in [&first, &second] {
            app.get("/api/v1/me", Some(old))
                .await
                .problem(401, "unauthorized");
        }
        let res = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "hoa@example.vn", "password": "mat-khau-moi-2026"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        // Single use.
        let res = app
            .post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({"token": token, "password": "mot-lan-nua-2026"}),
            )
            .await;
        res.problem(422, "invalid_link");
        drain(&d, &app).await;
        assert_eq!(
            smtp.mails_to("hoa@example.vn").last().unwrap().subject(),
            "Mật khẩu của bạn đã được thay đổi"
        );

        // Expired: a link past its time does nothing.
        let res = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({"email": "hoa@example.vn"}),
            )
            .await;
        assert_eq!(res.status, 202);
        drain(&d, &app).await;
        let token = smtp
            .mails_to("hoa@example.vn")
            .last()
            .unwrap()
            .token()
            .unwrap();
        app.state
            .db
            .execute_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                "UPDATE account_tokens SET expires_at = created_at",
            ))
            .await
            .unwrap();
        let res = app
            .post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({"token": token, "password": "het-han-roi-2026"}),
            )
            .await;
        res.problem(422, "invalid_link");

        // Asking again and again for one email is limited, whether or not it exists.
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let res = app
                .post(
                    "/api/v1/auth/password-reset",
                    None,
                    json!({"email": "ghost@example.vn"}),
                )
                .await;
            statuses.push(res.status.as_u16());
        }
        assert_eq!(statuses, [202, 202, 202, 429]);
    }
);

db_test!(email_verification_by_a_single_use_link, |db| async move {
    let app = notify_app(db);
    let smtp = TestSmtp::start().await;
    let d = deliverer(&smtp);
    let token = app.signed_in("nam@example.vn").await;
    assert!(app.get("/api/v1/me", Some(&token)).await.json()["email_verified_at"].is_null());
    drain(&d, &app).await;
    let mail = &smtp.mails_to("nam@example.vn")[0];
    assert!(
        mail.body().contains("/verify-email?token="),
        "{}",
        mail.body()
    );
    let link = mail.token().unwrap();
    let res = app
        .post("/api/v1/auth/verify-email", None, json!({"token": link}))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res.json()["email_verified_at"].is_string());
    let res = app
        .post("/api/v1/auth/verify-email", None, json!({"token": link}))
        .await;
    res.problem(422, "invalid_link");
    let res = app
        .post("/api/v1/me/verify-email", Some(&token), json!({}))
        .await;
    res.problem(409, "already_verified");
});

db_test!(password_changes_and_sessions, |db| async move {
    let app = notify_app(db);
    let a = app.signed_in("mai@example.vn").await;
    let b = app.login("mai@example.vn").await;
    let other = app.signed_in("khac@example.vn").await;
    let sessions = app.get("/api/v1/me/sessions", Some(&a)).await.json();
    let list = sessions.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    let b_id = list.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another user's session is not theirs to end.
    app.delete(&format!("/api/v1/me/sessions/{b_id}"), Some(&other))
        .await
        .problem(404, "not_found");
    let res = app
        .post(
            "/api/v1/me/password",
            Some(&a),
            json!({"current": "not-the-password", "new": "mat-khau-moi-2026"}),
        )
        .await;
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "current", "{body}");
    let res = app
        .post(
            "/api/v1/me/password",
            Some(&a),
            json!({"current": PASSWORD, "new": "mat-khau-moi-2026"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["other_sessions_ended"], 1);
    app.get("/api/v1/me", Some(&b))
        .await
        .problem(401, "unauthorized");
    assert_eq!(app.get("/api/v1/me", Some(&a)).await.status, 200);
    // Profile edits, checked.
    let res = app
        .patch(
            "/api/v1/me",
            Some(&a),
            json!({"full_name": "Lê Thị Mai", "phone": "0912 000 111"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["phone"], "0912000111");
    app.patch("/api/v1/me", Some(&a), json!({"phone": "12"}))
        .await
        .problem(422, "validation_failed");
    app.patch("/api/v1/me", Some(&a), json!({"is_admin": true}))
        .await
        .problem(422, "validation_failed");
    // Ending one's own session signs out.
    let mine = app.get("/api/v1/me/sessions", Some(&a)).await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .delete(&format!("/api/v1/me/sessions/{mine}"), Some(&a))
        .await;
    assert_eq!(res.status, 204);
    app.get("/api/v1/me", Some(&a))
        .await
        .problem(401, "unauthorized");
});

db_test!(
    a_disabled_vendor_stops_selling_until_enabled,
    |db| async move {
        let app = notify_app(db);
        let m = market(&app).await;
        let owner_id = app.get("/api/v1/me", Some(&m.owner_a)).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let found = app
            .get("/api/v1/admin/users?email=A@example.vn", Some(&m.admin))
            .await
            .json();
        assert_eq!(found[0]["id"], owner_id.as_str());
        app.get("/api/v1/admin/users?email=a@example.vn", Some(&m.buyer))
            .await
            .problem(403, "forbidden");
        let res = app
            .post(
                &format!("/api/v1/admin/users/{owner_id}/disable"),
                Some(&m.admin),
                json!({"reason": "Bán hàng giả"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(res.json()["disabled_at"].is_string());
        app.get("/api/v1/me", Some(&m.owner_a))
            .await
            .problem(401, "unauthorized");
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "a@example.vn", "password": PASSWORD}),
        )
        .await
        .problem(403, "account_disabled");
        let res = app
            .get(&format!("/api/v1/stalls/{}", m.stall_a), None)
            .await;
        assert_eq!(res.status, 404, "{}", res.text());
        let res = put_item(&app, &m.buyer, &m.sauce, 1).await;
        assert!(res.status.is_client_error(), "{}", res.text());
        let admin_id = app.get("/api/v1/me", Some(&m.admin)).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.post(
            &format!("/api/v1/admin/users/{admin_id}/disable"),
            Some(&m.admin),
            json!({}),
        )
        .await
        .problem(409, "cannot_disable_self");

        let res = app
            .post(
                &format!("/api/v1/admin/users/{owner_id}/enable"),
                Some(&m.admin),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let stall = app
            .get(&format!("/api/v1/stalls/{}", m.stall_a), None)
            .await;
        assert_eq!(stall.status, 200, "{}", stall.text());
        let token = app.login("a@example.vn").await;
        assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 1).await.status, 200);
    }
);

db_test!(
    each_user_chooses_which_events_come_by_email,
    |db| async move {
        let app = notify_app(db);
        let smtp = TestSmtp::start().await;
        let d = deliverer(&smtp);
        let m = market(&app).await;
        let settings = app
            .get("/api/v1/me/notification-settings", Some(&m.buyer))
            .await
            .json();
        assert_eq!(settings["email"]["order_shipped"], true);
        assert!(
            settings["email"].get("password_reset").is_none(),
            "{settings}"
        );
        let res = app
            .request(
                Method::PUT,
                "/api/v1/me/notification-settings",
                Some(&m.buyer),
                Some(json!({"email": {"order_shipped": false, "order_confirmed": false}})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["email"]["order_shipped"], false);
        for bad in [
            json!({"email": {"password_reset": false}}),
            json!({"email": {"nope": true}}),
        ] {
            app.request(
                Method::PUT,
                "/api/v1/me/notification-settings",
                Some(&m.buyer),
                Some(bad),
            )
            .await
            .problem(422, "validation_failed");
        }
        let out = cod_order(&app, &m, "p1", &[(&m.sauce, 1)]).await;
        let a = order_of(&out, &m.stall_a);
        for s in ["confirm", "ship", "deliver"] {
            step(&app, &m.owner_a, &a, s, json!({})).await;
        }
        drain(&d, &app).await;
        let la = order_label(&a);
        assert_eq!(
            subjects(&smtp, "buyer@example.vn"),
            vec![
                "Xác nhận địa chỉ email".to_owned(),
                format!("Đặt hàng thành công: {la}"),
                format!("Đơn hàng {la} đã giao thành công"),
            ]
        );
        // The inbox still has every step.
        assert_eq!(inbox(&app, &m.buyer).await["total"], 4);
    }
);

db_test!(
    several_workers_at_once_send_each_email_once,
    |db| async move {
        let app = TestApp::with_config(db, "[rate_limit]\nregister_per_ip_per_minute = 100");
        let smtp = TestSmtp::start().await;
        for i in 0..24 {
            app.signed_in(&format!("nguoi{i}@example.vn")).await;
        }
        // Three instances' workers on real threads, racing over the same rows.
        let mut workers = Vec::new();
        for _ in 0..3 {
            let d = deliverer(&smtp);
            let conn = app.db.conn.clone();
            workers.push(tokio::spawn(async move {
                for _ in 0..200 {
                    d.round(&conn, chrono::Utc::now()).await.unwrap();
                    let left: i64 = notify::worker::pending(&conn)
                        .await
                        .unwrap()
                        .iter()
                        .map(|(_, n)| n)
                        .sum();
                    if left == 0 {
                        break;
                    }
                }
            }));
        }
        for w in workers {
            w.await.unwrap();
        }
        let mails = smtp.mails();
        assert_eq!(mails.len(), 24);
        let ids: std::collections::HashSet<String> = mails
            .iter()
            .map(|m| m.header("Message-ID").unwrap())
            .collect();
        assert_eq!(ids.len(), 24, "no email sent twice");
        for i in 0..24 {
            assert_eq!(smtp.mails_to(&format!("nguoi{i}@example.vn")).len(), 1);
        }
        // Finished deliveries leave the log after their time; pending ones never do.
        let gone = notify::worker::prune(
            &app.db.conn,
            chrono::Utc::now() + chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
        assert_eq!(gone, 24);
    }
);

db_test!(
    webhooks_reach_only_public_internet_addresses,
    |db| async move {
        // Production settings: private addresses are not allowed.
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let path = format!("/api/v1/stalls/{}/webhooks", m.stall_a);
        let register = |url: &str| app.post(&path, Some(&m.owner_a), json!({"url": url}));
        let not_public = "must reach a public internet address (not loopback, private, \
                          link-local, multicast or reserved)";
        for (url, message) in [
            ("https://169.254.169.254/latest/meta-data/", not_public),
            (
                "https://metadata.google.internal/computeMetadata/v1/",
                not_public,
            ),
            ("https://localhost/hook", not_public),
            ("https://[::1]/hook", not_public),
            ("https://2130706433/hook", not_public),
            ("https://0x7f000001/hook", not_public),
            ("https://017700000001/hook", not_public),
            ("https://127.1/hook", not_public),
            ("https://0x7f.0.0.1/hook", not_public),
            ("https://[::ffff:127.0.0.1]/hook", not_public),
            ("https://10.0.0.8/hook", not_public),
            ("https://100.64.0.1/hook", not_public),
            ("https://198.18.0.1/hook", not_public),
            ("https://240.0.0.1/hook", not_public),
            ("https://224.0.0.1/hook", not_public),
            ("https://[64:ff9b::7f00:1]/hook", not_public),
            ("https://[2002:7f00:1::]/hook", not_public),
            ("https://[fec0::1]/hook", not_public),
            ("https://[::127.0.0.1]/hook", not_public),
            ("https://[fd00::1]/hook", not_public),
            // `.invalid` never resolves (RFC 6761), online or not.
            (
                "https://ketoan.invalid/hook",
                "must name a host that can be found in DNS",
            ),
        ] {
            let body = register(url).await.problem(422, "validation_failed");
            assert_eq!(body["errors"][0]["field"], "url", "{url}: {body}");
            assert_eq!(body["errors"][0]["code"], "invalid_url", "{url}: {body}");
            assert_eq!(body["errors"][0]["message"], message, "{url}: {body}");
        }
        let listed = app.get(&path, Some(&m.owner_a)).await.json();
        assert_eq!(listed, json!([]), "nothing refused was stored");

        // In Vietnamese, like every field error.
        let req = Request::post(&path)
            .header("authorization", format!("Bearer {}", m.owner_a))
            .header("content-type", "application/json")
            .header("accept-language", "vi")
            .body(Body::from(
                json!({"url": "https://0x7f000001/"}).to_string(),
            ))
            .unwrap();
        let body = app.send(req).await.problem(422, "validation_failed");
        assert_eq!(
            body["errors"][0]["message"],
            "phải trỏ tới một địa chỉ Internet công cộng (không phải địa chỉ loopback, nội bộ, \
             link-local, multicast hay dành riêng)"
        );

        // Public addresses are taken, IPv6 ones too.
        for url in [
            "https://8.8.8.8/hook",
            "https://[2001:4860:4860::8888]/hook",
        ] {
            let res = register(url).await;
            assert_eq!(res.status, 201, "{url}: {}", res.text());
            assert_eq!(res.json()["url"], url);
        }
    }
);

db_test!(
    an_ipv6_webhook_is_delivered_and_checked_at_each_delivery,
    |db| async move {
        let app = notify_app(db);
        let smtp = TestSmtp::start().await;
        let receiver = TestReceiver::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST)).await;
        let m = market(&app).await;
        let wh = hook(&app, &m.owner_a, &m.stall_a, &receiver).await;
        assert!(
            wh["url"].as_str().unwrap().starts_with("http://[::1]:"),
            "{wh}"
        );
        let out = cod_order(&app, &m, "v6", &[(&m.sauce, 1)]).await;
        let a = order_of(&out, &m.stall_a);
        let sent = drain(&deliverer(&smtp), &app).await;
        assert_eq!(sent.failed, 0);
        let got: Vec<Value> = receiver.accepted().iter().map(|r| r.body.clone()).collect();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["type"], "new_order");
        assert_eq!(got[0]["data"]["order_id"], a.as_str());

        // A worker that may not reach private addresses gives the next event up at once,
        // saying why, and never connects.
        step(&app, &m.owner_a, &a, "confirm", json!({})).await;
        let strict = drain(&deliverer_reaching(&smtp, false), &app).await;
        assert_eq!(strict.failed, 1);
        assert_eq!(receiver.received().len(), 1);
        let wid = wh["id"].as_str().unwrap();
        let log = app
            .get(
                &format!("/api/v1/stalls/{}/webhooks/{wid}/deliveries", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        let last = &log["items"][0];
        assert_eq!(last["event"], "order_confirmed");
        assert_eq!(last["status"], "failed");
        assert_eq!(
            last["last_error"],
            "::1 is in the loopback (::1/128) block, not a public address"
        );
    }
);
