//! What the buyer hears of a checkout, on SQLite and PostgreSQL: `order_placed` with the
//! orders' numbers (and, for a bank transfer, the amount, reference and deadline), then
//! `payment_received` when the money lands; nothing of a checkout that was refused. And the
//! checkout's payment state as Server-Sent Events, on the instance that took the bank's
//! notification and on another one over the same database.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    http::{Request, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::{
    bank::{bank_app_with, bank_config, by_transfer, send},
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

/// The buyer's inbox entries of `event`, newest first.
async fn heard(app: &TestApp, token: &str, event: &str) -> Vec<Value> {
    let inbox = app
        .get("/api/v1/me/notifications?per_page=100", Some(token))
        .await
        .json();
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["event"] == event)
        .cloned()
        .collect()
}

/// Emails waiting to go out for `event`.
async fn emails(app: &TestApp, event: &str) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    notify::entity::delivery::Entity::find()
        .filter(notify::entity::delivery::Column::Event.eq(event))
        .filter(notify::entity::delivery::Column::Channel.eq(notify::channels::EMAIL))
        .count(&app.db.conn)
        .await
        .unwrap()
}

fn numbers(out: &Value) -> Vec<String> {
    out["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap().to_owned())
        .collect()
}

/// A bank-transfer checkout of 2 nước mắm and 1 cà phê: 405 000 đ.
async fn transfer_checkout(app: &TestApp, m: &Market, key: &str) -> Value {
    put_item(app, &m.buyer, &m.sauce, 2).await;
    put_item(app, &m.buyer, &m.coffee, 1).await;
    let res = checkout(app, &m.buyer, key, by_transfer()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

db_test!(
    a_cash_checkout_tells_the_buyer_its_order_numbers,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(&app, &m.buyer, "cod-told", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        let numbers = numbers(&out);
        assert_eq!(numbers.len(), 2);
        for (o, number) in out["orders"].as_array().unwrap().iter().zip(&numbers) {
            // What messages always showed: the id's last eight hex digits, in capitals.
            let id = o["id"].as_str().unwrap().replace('-', "").to_uppercase();
            assert_eq!(number, &id[id.len() - 8..]);
            // The same number for the buyer, the stall and in lists.
            let path = format!("/api/v1/orders/{}", o["id"].as_str().unwrap());
            assert_eq!(
                app.get(&path, Some(&m.buyer)).await.json()["number"],
                *number
            );
        }
        // An order is found by its number too, as its messages show it.
        let first = &out["orders"][0];
        for r in [
            numbers[0].clone(),
            format!("%23{}", numbers[0]),
            numbers[0].to_lowercase(),
        ] {
            let seen = app
                .get(&format!("/api/v1/orders/{r}"), Some(&m.buyer))
                .await;
            assert_eq!(seen.status, 200, "{r}: {}", seen.text());
            assert_eq!(seen.json()["id"], first["id"]);
        }
        let stranger = app.signed_in("stranger@example.vn").await;
        let path = format!("/api/v1/orders/{}", numbers[0]);
        app.get(&path, Some(&stranger))
            .await
            .problem(404, "not_found");
        app.get("/api/v1/orders/ZZZZ", Some(&m.buyer))
            .await
            .problem(404, "not_found");
        let listed = app.get("/api/v1/orders", Some(&m.buyer)).await.json();
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["number"].is_string())
        );
        let placed = heard(&app, &m.buyer, "order_placed").await;
        assert_eq!(placed.len(), 1, "one notice for the checkout");
        let n = &placed[0];
        assert_eq!(n["data"]["order_numbers"], json!(numbers));
        assert_eq!(n["data"]["total"], out["total"]);
        assert_eq!(n["data"]["checkout_id"], out["checkout_id"]);
        for number in &numbers {
            let label = format!("#{number}");
            assert!(n["title"].as_str().unwrap().contains(&label), "{n}");
            assert!(n["body"].as_str().unwrap().contains(&label), "{n}");
        }
        assert!(
            n["body"]
                .as_str()
                .unwrap()
                .contains("thanh toán khi nhận hàng"),
            "{n}"
        );
        // The stall's notice names the order by the same number.
        let stall_notice = heard(&app, &m.owner_a, "new_order").await;
        assert!(
            numbers.iter().any(|x| stall_notice[0]["title"]
                .as_str()
                .unwrap()
                .contains(x.as_str())),
            "{stall_notice:?}"
        );
        assert_eq!(emails(&app, "order_placed").await, 1);
        // Nothing is paid online: no payment notice.
        assert!(heard(&app, &m.buyer, "payment_received").await.is_empty());
    }
);

db_test!(
    a_refused_checkout_tells_the_buyer_nothing,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.coffee, 7).await;
        checkout(&app, &m.buyer, "oos-told", shipping())
            .await
            .problem(409, "out_of_stock");
        assert!(heard(&app, &m.buyer, "order_placed").await.is_empty());
        assert_eq!(emails(&app, "order_placed").await, 0);
    }
);

db_test!(
    a_bank_transfer_checkout_tells_what_to_pay_then_that_it_arrived,
    |db: TestDb| async move {
        let app = bank_app_with(db, "");
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-told").await;
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        let placed = heard(&app, &m.buyer, "order_placed").await;
        assert_eq!(placed.len(), 1);
        let n = &placed[0];
        assert_eq!(n["data"]["amount"], 405_000);
        assert_eq!(n["data"]["reference"], reference.as_str());
        assert_eq!(n["data"]["order_numbers"], json!(numbers(&out)));
        let expires = n["data"]["expires_at"].as_str().unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(expires).unwrap();
        assert!(expires > chrono::Utc::now(), "{n}");
        let body = n["body"].as_str().unwrap();
        assert!(
            body.contains(&reference) && body.contains("405.000"),
            "{body}"
        );
        assert!(heard(&app, &m.buyer, "payment_received").await.is_empty());

        assert_eq!(
            send(&app, "FT-told", 405_000, &format!("IBFT {reference}")).await,
            "exact"
        );
        let paid = heard(&app, &m.buyer, "payment_received").await;
        assert_eq!(paid.len(), 1, "one notice for the checkout");
        assert_eq!(paid[0]["data"]["amount"], 405_000);
        assert_eq!(paid[0]["data"]["order_numbers"], json!(numbers(&out)));
        assert!(
            paid[0]["title"]
                .as_str()
                .unwrap()
                .contains("Đã nhận thanh toán"),
            "{}",
            paid[0]
        );
        // Each stall hears of its own order, in its own words.
        let stall = heard(&app, &m.owner_a, "payment_received").await;
        assert_eq!(stall.len(), 1);
        assert!(
            stall[0]["body"]
                .as_str()
                .unwrap()
                .contains("Vui lòng xác nhận"),
            "{}",
            stall[0]
        );
        assert_eq!(
            emails(&app, "payment_received").await,
            3,
            "the buyer and both stalls"
        );
    }
);

db_test!(
    a_payment_an_administrator_confirms_is_told_to_the_buyer,
    |db: TestDb| async move {
        let app = bank_app_with(db, "");
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-confirm").await;
        let id = out["checkout_id"].as_str().unwrap();
        let res = app
            .post(
                &format!("/api/v1/admin/checkouts/{id}/confirm-paid"),
                Some(&m.admin),
                json!({"bank_reference": "FT26336123456"}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        let paid = heard(&app, &m.buyer, "payment_received").await;
        assert_eq!(paid.len(), 1);
        assert_eq!(paid[0]["data"]["checkout_id"], id);
    }
);

/// Opens `GET checkouts/{id}/events` on `router` as `token`.
async fn open_stream(router: &Router, token: &str, id: &str) -> axum::response::Response {
    let req = Request::get(format!("/api/v1/checkouts/{id}/events"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, "text/event-stream")
        .body(Body::empty())
        .unwrap();
    router.clone().oneshot(req).await.unwrap()
}

/// Reads a stream's events (comments skipped) as they come.
struct Events {
    body: Body,
    buffer: String,
}

impl Events {
    fn new(res: axum::response::Response) -> Self {
        assert_eq!(res.status(), 200);
        let kind = res.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Self {
            body: res.into_body(),
            buffer: String::new(),
        }
    }

    /// The next event's name and data; `None` when the stream ended.
    async fn next(&mut self, within: Duration) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut data) = (String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if name.is_empty() && data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some((name, serde_json::from_str(&data).unwrap()));
            }
            let frame = tokio::time::timeout(within, self.body.frame())
                .await
                .expect("an event in time")?
                .unwrap();
            if let Ok(bytes) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&bytes).unwrap());
            }
        }
    }
}

db_test!(
    the_payment_state_streams_until_the_transfer_lands,
    |db: TestDb| async move {
        // Re-reads too rare to matter: only this instance's wake-up can deliver in time.
        let app = bank_app_with(
            db,
            "[payments]\nevents_poll_millis = 60000\nevents_max_streams = 1",
        );
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-sse").await;
        let id = out["checkout_id"].as_str().unwrap();
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        // Someone else's checkout is not found; a second stream of the buyer is too many.
        let stranger = app.signed_in("stranger@example.vn").await;
        assert_eq!(open_stream(&app.router, &stranger, id).await.status(), 404);
        let mut events = Events::new(open_stream(&app.router, &m.buyer, id).await);
        let (name, first) = events.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(name, "payment");
        assert_eq!(first["status"], "awaiting_payment");
        assert_eq!(first["amount_due"], 405_000);
        let seen = app
            .get(&format!("/api/v1/checkouts/{id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(first, seen, "the data is the checkout as GET answers it");
        let again = open_stream(&app.router, &m.buyer, id).await;
        assert_eq!(again.status(), 429);

        assert_eq!(
            send(&app, "FT-sse-1", 5_000, &format!("IBFT {reference}")).await,
            "partial"
        );
        let (_, part) = events.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(
            (part["status"].as_str(), part["amount_paid"].as_i64()),
            (Some("awaiting_payment"), Some(5_000))
        );
        assert_eq!(part["amount_due"], 400_000);
        assert_eq!(
            send(&app, "FT-sse-2", 400_000, &format!("IBFT {reference}")).await,
            "exact"
        );
        let (_, paid) = events.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(paid["status"], "paid");
        assert_eq!(paid["amount_due"], 0);
        assert!(
            events.next(Duration::from_secs(5)).await.is_none(),
            "ends once paid"
        );
        // The stream's place is free again.
        drop(events);
        let mut after = Events::new(open_stream(&app.router, &m.buyer, id).await);
        let (_, settled) = after.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(settled["status"], "paid");
        assert!(after.next(Duration::from_secs(5)).await.is_none());
    }
);

db_test!(
    a_transfer_taken_by_another_instance_reaches_the_stream,
    |db: TestDb| async move {
        let app = bank_app_with(db, "");
        let m = market(&app).await;
        let out = transfer_checkout(&app, &m, "vqr-sse-2").await;
        let id = out["checkout_id"].as_str().unwrap();
        let reference = out["payment"]["reference"].as_str().unwrap().to_owned();
        // A second instance over the same database holds the buyer's stream.
        let config = bank_config("[payments]\nevents_poll_millis = 200");
        let built = config.build().unwrap();
        let dir = std::env::temp_dir().join(format!("marketplace-search-{}", uuid::Uuid::now_v7()));
        let engine = Arc::new(search::embedded::Embedded::open(&dir).unwrap());
        let other = gateway::router(gateway::AppState::new(
            config,
            built,
            app.db.conn.clone(),
            engine,
        ));
        let mut events = Events::new(open_stream(&other, &m.buyer, id).await);
        let (_, first) = events.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(first["status"], "awaiting_payment");
        // The bank's notification reaches the first instance.
        assert_eq!(
            send(&app, "FT-sse-x", 405_000, &format!("IBFT {reference}")).await,
            "exact"
        );
        let (name, paid) = events.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(
            (name.as_str(), paid["status"].as_str()),
            ("payment", Some("paid"))
        );
        assert!(events.next(Duration::from_secs(5)).await.is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
);

db_test!(
    a_card_payment_is_told_to_the_buyer_once,
    |db: TestDb| async move {
        use order::provider::stripe::sign;
        let stripe = testkit::stripe::StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, "whsec_buyer");
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let mut body = shipping();
        body["payment_method"] = json!("card");
        let res = checkout(&app, &m.buyer, "card-told", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        let placed = heard(&app, &m.buyer, "order_placed").await;
        assert_eq!(placed.len(), 1);
        assert!(
            placed[0]["body"].as_str().unwrap().contains("thẻ"),
            "{}",
            placed[0]
        );
        assert!(heard(&app, &m.buyer, "payment_received").await.is_empty());
        let pi = out["payment"]["payment_intent_id"].as_str().unwrap();
        let checkout_id = out["checkout_id"].as_str().unwrap();
        let total = out["total"].as_i64().unwrap();
        for id in ["evt_told_1", "evt_told_1", "evt_told_2"] {
            let event =
                testkit::stripe::event(id, "payment_intent.succeeded", pi, checkout_id, total);
            let sig = sign(&event, "whsec_buyer", chrono::Utc::now().timestamp());
            let req = Request::post("/api/v1/payments/stripe/webhook")
                .header("content-type", "application/json")
                .header("stripe-signature", sig)
                .body(Body::from(event))
                .unwrap();
            assert_eq!(app.send(req).await.status, 200);
        }
        let paid = heard(&app, &m.buyer, "payment_received").await;
        assert_eq!(paid.len(), 1, "once, however often Stripe tells");
        assert_eq!(paid[0]["data"]["amount"], total);
        assert_eq!(paid[0]["data"]["order_numbers"], json!(numbers(&out)));
    }
);

db_test!(
    orders_placed_before_numbers_get_the_number_their_messages_showed,
    |db: TestDb| async move {
        use migrations::MigratorTrait;
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let out = checkout(&app, &m.buyer, "before-numbers", shipping())
            .await
            .json();
        // Back to before numbers were stored, and forward again: the migration gives each
        // order what its messages named it.
        let names: Vec<String> = migrations::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let at = names
            .iter()
            .position(|n| n == "m20261205_000028_order_numbers")
            .unwrap();
        let steps = u32::try_from(names.len() - at).unwrap();
        migrations::Migrator::down(&app.db.conn, Some(steps))
            .await
            .unwrap();
        migrations::Migrator::up(&app.db.conn, None).await.unwrap();
        for o in out["orders"].as_array().unwrap() {
            let id = o["id"].as_str().unwrap();
            let seen = app
                .get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
                .await
                .json();
            let hex = id.replace('-', "").to_uppercase();
            assert_eq!(seen["number"], hex[hex.len() - 8..]);
            assert_eq!(seen["number"], o["number"]);
        }
    }
);
