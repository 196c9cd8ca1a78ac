//! End-to-end journeys: a real server on a loopback port, driven over HTTP by a real client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing journey should stop loudly"
)]

mod carriers;
mod lawful;

use std::net::SocketAddr;

use gateway::{AppState, Config};
use serde_json::{Value, json};
use testkit::{TestDb, db_test, smtp::TestSmtp, stripe::StubStripe};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// A running server and the means to stop it.
struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    handle: JoinHandle<Result<(), String>>,
    _db: TestDb,
}

async fn start(db: TestDb) -> Server {
    start_with(db, None, None).await
}

/// The webhook secret of the journeys' Stripe double.
const WEBHOOK_SECRET: &str = "whsec_journey";
const BANK_SECRET: &str = "bank_journey";

/// A server, with card payments through `stripe` and email through `smtp` when given.
async fn start_with(db: TestDb, stripe: Option<&StubStripe>, smtp: Option<&TestSmtp>) -> Server {
    let dir = std::env::temp_dir().join(format!("marketplace-e2e-{}", uuid::Uuid::now_v7()));
    let mut config =
        Config::with_overrides(&format!("[data]\ndir = {:?}", dir.display().to_string()))
            .expect("defaults are valid");
    if let Some(stripe) = stripe {
        // What an operator sets in the environment.
        config.stripe.secret_key = Some("sk_test_journey".into());
        config.stripe.webhook_secret = Some(WEBHOOK_SECRET.into());
        config.stripe.api_base = Some(stripe.base.clone());
        // And the marketplace's account for bank transfers by VietQR.
        let b = &mut config.bank_transfer;
        b.bank_bin = Some("970436".into());
        b.account_no = Some("1023456789".into());
        b.account_name = Some("CONG TY CHO OCOP QUANG TRI".into());
        b.webhook_secret = Some(BANK_SECRET.into());
        // Earnings payable at once, so the journey can end with a payout.
        config.ledger.holding_days = 0;
        config.ledger.cooling_off_hours = 0;
    }
    if let Some(smtp) = smtp {
        config.notify.smtp_url = Some(smtp.url.clone());
        config.notify.from = "Chợ OCOP Quảng Trị <no-reply@cho.test>".into();
        config.notify.poll_ms = 50;
        config.notify.retry_base_ms = 100;
    }
    serve_config(db, config).await
}

/// A server with the configuration `config`.
async fn serve_config(db: TestDb, config: Config) -> Server {
    let engine = config.search_engine().expect("the embedded index opens");
    let built = config.build().expect("the test configuration builds");
    let state = AppState::new(config, built, db.conn.clone(), engine);
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a loopback port is free");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        gateway::serve::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await
        .map_err(|e| e.to_string())
    });
    Server {
        base,
        stop,
        handle,
        _db: db,
    }
}

db_test!(buyer_registers_signs_in_and_out, |db: TestDb| async move {
    let server = start(db).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base);

    let health = http.get(url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    let res = http
        .post(url("/api/v1/auth/register"))
        .json(&json!({
            "email": "an.pham@example.vn",
            "password": "mat-ong-rung-u-minh",
            "full_name": "Phạm Văn An",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();

    let res = http
        .post(url("/api/v1/auth/login"))
        .json(&json!({"email": "an.pham@example.vn", "password": "mat-ong-rung-u-minh"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let me: Value = http
        .get(url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], user["id"]);
    assert_eq!(me["full_name"], "Phạm Văn An");

    let out = http
        .post(url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = http
        .get(url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(after.headers()["content-type"], "application/problem+json");

    // Shutdown is graceful and the server task ends cleanly.
    server.stop.send(()).unwrap();
    server.handle.await.unwrap().unwrap();
    assert!(http.get(url("/healthz")).send().await.is_err());
});

/// Sends JSON with a bearer token and returns the status and body.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
    key: Option<&str>,
) -> (u16, Value) {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The first administrator, made the way an operator does (`marketplace user create`).
async fn make_admin(db: &TestDb) {
    accounts::Accounts::new(chrono::Duration::hours(1))
        .create(
            &db.conn,
            accounts::NewUser {
                email: ADMIN_EMAIL.into(),
                password: ADMIN_PASSWORD.into(),
                full_name: "Quản trị".into(),
                phone: None,
            },
            true,
        )
        .await
        .unwrap();
}

const ADMIN_EMAIL: &str = "quantri@tinh.vn";
const ADMIN_PASSWORD: &str = "quan-tri-tinh-2026";
const PASSWORD: &str = "mat-khau-dai-du";

/// Signs in: the token.
async fn login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let (s, out) = call(
        http,
        reqwest::Method::POST,
        format!("{base}/api/v1/auth/login"),
        None,
        Some(json!({"email": email, "password": password})),
        None,
    )
    .await;
    assert_eq!(s, 200, "{out}");
    out["token"].as_str().unwrap().to_owned()
}

/// What a client does for a new user: shows the operating rules and the privacy policy in
/// effect, registers with both accepted, and signs in. The token.
async fn sign_up(http: &reqwest::Client, base: &str, email: &str) -> String {
    use reqwest::Method;
    let (_, policies) = call(
        http,
        Method::GET,
        format!("{base}/api/v1/policies"),
        None,
        None,
        None,
    )
    .await;
    let accepted: Vec<Value> = policies
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "operating_rules" || p["kind"] == "privacy")
        .map(|p| json!({"kind": p["kind"], "version": p["version"]}))
        .collect();
    assert_eq!(accepted.len(), 2, "{policies}");
    let (s, user) = call(
        http,
        Method::POST,
        format!("{base}/api/v1/auth/register"),
        None,
        Some(json!({"email": email, "password": PASSWORD, "full_name": "Người dùng", "accepted_policies": accepted})),
        None,
    )
    .await;
    assert_eq!(s, 201, "{user}");
    login(http, base, email, PASSWORD).await
}

/// A stall `token` applies for in `commune`: the administrator verifies its seller, approves
/// it, and verifies its food-safety certificate (food shows only with one). Its id.
async fn open_stall(
    http: &reqwest::Client,
    base: &str,
    (token, admin): (&str, &str),
    name: &str,
    commune: &str,
) -> String {
    use reqwest::Method;
    let url = |p: &str| format!("{base}/api/v1{p}");
    let (s, stall) = call(http, Method::POST, url("/stalls"), Some(token), Some(json!({
        "name": name, "commune_code": commune, "address": "Thôn 1", "phone": "0912345678", "business_type": "cooperative"
    })), None).await;
    assert_eq!(s, 201, "{stall}");
    let id = stall["id"].as_str().unwrap().to_owned();
    let (s, identity) = call(http, Method::POST, url(&format!("/stalls/{id}/identity")), Some(token), Some(json!({
        "method": "citizen_id_card", "full_name": "Lê Văn Tùng", "id_number": "045080001234", "date_of_birth": "1980-05-12",
        "document_urls": ["https://anh.example.vn/cccd-mat-truoc.jpg"]
    })), None).await;
    assert_eq!(
        (s, &identity["status"]),
        (201, &json!("pending")),
        "{identity}"
    );
    for step in ["identity/verify", "approve"] {
        let (s, body) = call(
            http,
            Method::POST,
            url(&format!("/admin/stalls/{id}/{step}")),
            Some(admin),
            None,
            None,
        )
        .await;
        assert_eq!(s, 200, "{step}: {body}");
    }
    let (s, document) = call(http, Method::POST, url(&format!("/stalls/{id}/documents")), Some(token), Some(json!({
        "kind": "food_safety", "number": "123/2026/ATTP-CNĐK", "issued_by": "Sở Y tế tỉnh Quảng Trị",
        "issued_on": "2026-03-02", "expires_on": "2029-03-01",
        "evidence_urls": ["https://anh.example.vn/giay-chung-nhan-attp.jpg"]
    })), None).await;
    assert_eq!(s, 201, "{document}");
    let verify = format!(
        "/admin/documents/{}/verify",
        document["id"].as_str().unwrap()
    );
    let (s, body) = call(http, Method::POST, url(&verify), Some(admin), None, None).await;
    assert_eq!(s, 200, "{body}");
    id
}

/// The id of category `slug` (a subcategory).
async fn category(http: &reqwest::Client, base: &str, slug: &str) -> String {
    let (_, tree) = call(
        http,
        reqwest::Method::GET,
        format!("{base}/api/v1/categories"),
        None,
        None,
        None,
    )
    .await;
    child_id(&tree, slug)
}

/// The id of subcategory `slug` in the category tree `tree` (`GET /api/v1/categories`).
fn child_id(tree: &Value, slug: &str) -> String {
    tree.as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["children"].as_array().unwrap().iter())
        .find(|c| c["slug"] == slug)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

db_test!(
    vendors_list_admin_approves_buyer_finds_orders_and_stalls_deliver,
    |db: TestDb| async move {
        use reqwest::Method;
        make_admin(&db).await;
        let stripe = StubStripe::start().await;
        let smtp = TestSmtp::start().await;
        let server = start_with(db, Some(&stripe), Some(&smtp)).await;
        let http = reqwest::Client::new();
        let url = |p: &str| format!("{}/api/v1{p}", server.base);
        // A client shows the operating rules and the privacy policy in effect, and the user
        // accepts each of them when signing up.
        let admin = login(&http, &server.base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let vendor_a = sign_up(&http, &server.base, "htx@example.vn").await;
        let vendor_b = sign_up(&http, &server.base, "caphe@example.vn").await;
        let buyer = sign_up(&http, &server.base, "khach@example.vn").await;

        // Two vendors apply; the administrator approves; they list products.
        let mut products = Vec::new();
        // Each stall's id → its name.
        let mut stall_names = std::collections::HashMap::new();
        for (token, name, commune, product, category_slug, price) in [
            (
                &vendor_a,
                "HTX Nước mắm Cửa Tùng",
                "19414",
                "Nước mắm Cửa Tùng thượng hạng",
                "gia-vi-nuoc-cham",
                150_000,
            ),
            (
                &vendor_b,
                "Cà phê Khe Sanh",
                "19429",
                "Cà phê Khe Sanh rang mộc",
                "ca-phe",
                165_000,
            ),
        ] {
            // The vendor applies and identifies its seller; the administrator verifies,
            // approves, and verifies its food-safety certificate.
            let id = open_stall(&http, &server.base, (token, &admin), name, commune).await;
            stall_names.insert(id.clone(), name);
            let cat = category(&http, &server.base, category_slug).await;
            let (s, p) = call(&http, Method::POST, url(&format!("/stalls/{id}/products")), Some(token), Some(json!({
            "name": product, "category_id": cat, "price": price, "unit": "chai", "stock": 10,
            "facts": testkit::facts::complete()
        })), None).await;
            assert_eq!(s, 201, "{p}");
            products.push(p["id"].as_str().unwrap().to_owned());
        }

        // The buyer searches without diacritics; the indexer inside the server catches up quickly.
        let mut found = Value::Null;
        for _ in 0..100 {
            found = call(
                &http,
                Method::GET,
                url("/search/products?q=nuoc%20mam%20cua%20tung"),
                None,
                None,
                None,
            )
            .await
            .1;
            if found["total"].as_u64() == Some(1) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(found["hits"][0]["id"], products[0].as_str(), "{found}");

        // A cart from two stalls, one cash-on-delivery checkout, two orders.
        for p in &products {
            let (s, _) = call(
                &http,
                Method::PUT,
                url(&format!("/cart/items/{p}")),
                Some(&buyer),
                Some(json!({"quantity": 2})),
                None,
            )
            .await;
            assert_eq!(s, 200);
        }
        // The buyer lives in Hà Nội: finds the ward as they type, keeps the address in the book,
        // and sees the cart with each stall's delivery to it.
        let (s, hits) = call(
            &http,
            Method::GET,
            url("/regions/lookup?q=hoan%20ki"),
            None,
            None,
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(hits[0]["code"], "00070", "{hits}");
        let (s, address) = call(
            &http,
            Method::POST,
            url("/me/addresses"),
            Some(&buyer),
            Some(json!({"recipient": "Lê Khách", "phone": "0905123456", "province_code": "01", "commune_code": "00070", "street": "5 Hàng Khay"})),
            None,
        )
        .await;
        assert_eq!(s, 201, "{address}");
        let address_id = address["id"].as_str().unwrap().to_owned();
        let (_, cart) = call(
            &http,
            Method::GET,
            url(&format!("/cart?address_id={address_id}")),
            Some(&buyer),
            None,
            None,
        )
        .await;
        let grand_total = cart["grand_total"].as_i64().unwrap();
        assert!(grand_total > cart["total"].as_i64().unwrap(), "{cart}");
        let order_body = json!({"address_id": address_id, "payment_method": "cod", "expected_total": grand_total});
        let (s, out) = call(
            &http,
            Method::POST,
            url("/checkout"),
            Some(&buyer),
            Some(order_body.clone()),
            Some("journey-1"),
        )
        .await;
        assert_eq!(s, 201, "{out}");
        let orders = out["orders"].as_array().unwrap().clone();
        assert_eq!(orders.len(), 2);
        assert_eq!(out["total"], grand_total);
        let mut collected = 0;
        for o in &orders {
            assert_eq!(o["delivery"]["zone"], "other_region", "{o}");
            assert!(o["delivery_fee"].as_i64().unwrap() > 0, "{o}");
            assert_eq!(o["shipping"]["province"]["name"], "Thành phố Hà Nội");
            collected += o["total"].as_i64().unwrap();
        }
        assert_eq!(
            collected, grand_total,
            "cash collected at the two doors is the checkout total"
        );
        // A retried request returns the same checkout.
        let (_, again) = call(
            &http,
            Method::POST,
            url("/checkout"),
            Some(&buyer),
            Some(order_body.clone()),
            Some("journey-1"),
        )
        .await;
        assert_eq!(again["checkout_id"], out["checkout_id"]);

        // Each vendor confirms, ships and delivers its own order.
        let mut owners: Vec<String> = Vec::new();
        for (o, token) in orders.iter().zip([&vendor_a, &vendor_b]) {
            let id = o["id"].as_str().unwrap();
            let (s, mine) = call(
                &http,
                Method::GET,
                url(&format!("/orders/{id}")),
                Some(token),
                None,
                None,
            )
            .await;
            let token = if s == 200 {
                token
            } else if token == &vendor_a {
                &vendor_b
            } else {
                &vendor_a
            };
            let _ = mine;
            owners.push(token.clone());
            for step in ["confirm", "ship", "deliver"] {
                let (s, body) = call(
                    &http,
                    Method::POST,
                    url(&format!("/orders/{id}/{step}")),
                    Some(token),
                    None,
                    None,
                )
                .await;
                assert_eq!(s, 200, "{step}: {body}");
            }
            let (_, done) = call(
                &http,
                Method::GET,
                url(&format!("/orders/{id}")),
                Some(&buyer),
                None,
                None,
            )
            .await;
            assert_eq!(
                (done["status"].as_str(), done["paid"].as_bool()),
                (Some("delivered"), Some(true))
            );
        }

        let (owner_of_first, owner_of_second) = (owners[0].clone(), owners[1].clone());
        // The same buyer pays the next cart by card: one PaymentIntent for the checkout total,
        // orders waiting for payment until Stripe's webhook says it succeeded, which it says
        // twice.
        for p in &products {
            call(
                &http,
                Method::PUT,
                url(&format!("/cart/items/{p}")),
                Some(&buyer),
                Some(json!({"quantity": 1})),
                None,
            )
            .await;
        }
        let card_body = json!({"shipping": {"recipient": "Lê Khách", "phone": "0905123456", "commune_code": "19333", "street": "5 Hùng Vương"}, "payment_method": "card"});
        let (s, paid) = call(
            &http,
            Method::POST,
            url("/checkout"),
            Some(&buyer),
            Some(card_body),
            Some("journey-card"),
        )
        .await;
        assert_eq!(s, 201, "{paid}");
        // Goods and, within the province, a delivery line per stall.
        let card_total = paid["total"].as_i64().unwrap();
        let fees: i64 = paid["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["delivery_fee"].as_i64().unwrap())
            .sum();
        assert!(fees > 0, "{paid}");
        assert_eq!(card_total, 150_000 + 165_000 + fees);
        assert!(paid["payment"]["client_secret"].is_string(), "{paid}");
        let intents = stripe.requests_to("/v1/payment_intents");
        assert_eq!(intents.len(), 1);
        assert_eq!(
            intents[0].field("amount"),
            Some(card_total.to_string().as_str())
        );
        assert_eq!(intents[0].field("currency"), Some("vnd"));
        for o in paid["orders"].as_array().unwrap() {
            assert_eq!(o["status"], "pending_payment");
        }
        let event = testkit::stripe::event(
            "evt_journey_paid",
            "payment_intent.succeeded",
            paid["payment"]["payment_intent_id"].as_str().unwrap(),
            paid["checkout_id"].as_str().unwrap(),
            card_total,
        );
        for expected in ["applied", "duplicate"] {
            let signature = order::provider::stripe::sign(
                &event,
                WEBHOOK_SECRET,
                chrono::Utc::now().timestamp(),
            );
            let res = http
                .post(url("/payments/stripe/webhook"))
                .header("content-type", "application/json")
                .header("stripe-signature", signature)
                .body(event.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let ack: Value = res.json().await.unwrap();
            assert_eq!(ack["outcome"], expected);
        }
        for o in paid["orders"].as_array().unwrap() {
            let id = o["id"].as_str().unwrap();
            let (_, seen) = call(
                &http,
                Method::GET,
                url(&format!("/orders/{id}")),
                Some(&buyer),
                None,
                None,
            )
            .await;
            assert_eq!(
                (seen["status"].as_str(), seen["paid"].as_bool()),
                (Some("placed"), Some(true)),
                "{seen}"
            );
            let token = if seen["stall_id"] == orders[0]["stall_id"] {
                owner_of_first.clone()
            } else {
                owner_of_second.clone()
            };
            for step in ["confirm", "ship", "deliver"] {
                let (s, body) = call(
                    &http,
                    Method::POST,
                    url(&format!("/orders/{id}/{step}")),
                    Some(&token),
                    Some(json!({})),
                    None,
                )
                .await;
                assert_eq!(s, 200, "{step}: {body}");
            }
        }

        // Another order, cancelled by the buyer: the stock comes back.
        let (_, p) = call(
            &http,
            Method::GET,
            url(&format!("/products/{}", products[1])),
            None,
            None,
            None,
        )
        .await;
        assert_eq!(p["stock"], 7);
        call(
            &http,
            Method::PUT,
            url(&format!("/cart/items/{}", products[1])),
            Some(&buyer),
            Some(json!({"quantity": 3})),
            None,
        )
        .await;
        let (_, out) = call(
            &http,
            Method::POST,
            url("/checkout"),
            Some(&buyer),
            Some(json!({"address_id": address_id, "payment_method": "cod"})),
            Some("journey-2"),
        )
        .await;
        let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
        let (_, p) = call(
            &http,
            Method::GET,
            url(&format!("/products/{}", products[1])),
            None,
            None,
            None,
        )
        .await;
        assert_eq!(p["stock"], 4);
        let (s, _) = call(
            &http,
            Method::POST,
            url(&format!("/orders/{id}/cancel")),
            Some(&buyer),
            None,
            None,
        )
        .await;
        assert_eq!(s, 200);
        let (_, p) = call(
            &http,
            Method::GET,
            url(&format!("/products/{}", products[1])),
            None,
            None,
            None,
        )
        .await;
        assert_eq!(p["stock"], 7);

        // The buyer pays the next cart by bank transfer: scans the VietQR code (the payload
        // names the marketplace's account, the amount and the reference); the bank reports the
        // credit with the reference buried in its description; the orders are placed and paid.
        call(
            &http,
            Method::PUT,
            url(&format!("/cart/items/{}", products[0])),
            Some(&buyer),
            Some(json!({"quantity": 1})),
            None,
        )
        .await;
        let (s, by_bank) = call(
            &http,
            Method::POST,
            url("/checkout"),
            Some(&buyer),
            Some(json!({"address_id": address_id, "payment_method": "bank_transfer"})),
            Some("journey-bank"),
        )
        .await;
        assert_eq!(s, 201, "{by_bank}");
        let pay = &by_bank["payment"];
        let total = by_bank["total"].as_i64().unwrap();
        let qr = vietqr::decode(pay["qr_payload"].as_str().unwrap()).unwrap();
        assert_eq!((qr.bank_bin.as_str(), qr.amount), ("970436", Some(total)));
        let reference = pay["reference"].as_str().unwrap();
        let notification = json!({
            "id": "FT-JOURNEY-1",
            "bank": "Vietcombank",
            "account_no": "1023456789",
            "amount": total,
            "description": format!("MBVCB.777.{reference}.Le Khach chuyen tien"),
            "transacted_at": chrono::Utc::now(),
        })
        .to_string();
        let res = http
            .post(url("/payments/bank/webhook"))
            .header("content-type", "application/json")
            .header(
                "x-signature",
                order::payments::sign_bank(notification.as_bytes(), BANK_SECRET),
            )
            .body(notification)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let ack: Value = res.json().await.unwrap();
        assert_eq!(ack["outcome"], "exact");
        for o in by_bank["orders"].as_array().unwrap() {
            let (_, seen) = call(
                &http,
                Method::GET,
                url(&format!("/orders/{}", o["id"].as_str().unwrap())),
                Some(&buyer),
                None,
                None,
            )
            .await;
            assert_eq!(
                (seen["status"].as_str(), seen["paid"].as_bool()),
                (Some("placed"), Some(true)),
                "{seen}"
            );
        }

        // The vendors' money: the first stall's card order was delivered, so the marketplace
        // owes it the goods and the delivery. Its owner registers the payout account, the
        // administrator pays it out and records the bank's reference, and the month's
        // statement shows it all.
        let first_order = paid["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["stall_id"] == orders[0]["stall_id"])
            .unwrap()
            .clone();
        let stall = first_order["stall_id"].as_str().unwrap();
        let earned = first_order["total"].as_i64().unwrap();
        let (s, account) = call(
            &http,
            Method::PUT,
            url(&format!("/stalls/{stall}/bank-account")),
            Some(&owner_of_first),
            Some(json!({"bank_bin": "970405", "account_no": "3900205123456", "account_name": "Hợp tác xã Cửa Tùng"})),
            None,
        )
        .await;
        assert_eq!(s, 200, "{account}");
        let (_, balance) = call(
            &http,
            Method::GET,
            url(&format!("/stalls/{stall}/balance")),
            Some(&owner_of_first),
            None,
            None,
        )
        .await;
        assert_eq!(balance["payable"], earned, "{balance}");
        let (s, batch) = call(
            &http,
            Method::POST,
            url("/admin/payout-batches"),
            Some(&admin),
            Some(json!({"stall_id": stall})),
            None,
        )
        .await;
        assert_eq!(s, 201, "{batch}");
        let payout = &batch["payouts"][0];
        assert_eq!(payout["amount"], earned, "{batch}");
        let qr = vietqr::decode(payout["qr_payload"].as_str().unwrap()).unwrap();
        assert_eq!(
            (qr.account_no.as_str(), qr.amount),
            ("3900205123456", Some(earned))
        );
        let (s, done) = call(
            &http,
            Method::POST,
            url(&format!(
                "/admin/payouts/{}/paid",
                payout["id"].as_str().unwrap()
            )),
            Some(&admin),
            Some(json!({"bank_reference": "FT26336000123"})),
            None,
        )
        .await;
        assert_eq!((s, done["status"].as_str()), (200, Some("paid")), "{done}");
        let month = (chrono::Utc::now() + chrono::Duration::hours(7))
            .format("%Y-%m")
            .to_string();
        for (owner, stall) in [
            (&owner_of_first, stall),
            (&owner_of_second, orders[1]["stall_id"].as_str().unwrap()),
        ] {
            let (s, st) = call(
                &http,
                Method::GET,
                url(&format!("/stalls/{stall}/statements/{month}")),
                Some(owner),
                None,
                None,
            )
            .await;
            assert_eq!(s, 200, "{st}");
            let t = &st["totals"];
            let sum: i64 = st["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["amount"].as_i64().unwrap())
                .sum();
            assert_eq!(
                st["closing_balance"].as_i64(),
                Some(st["opening_balance"].as_i64().unwrap() + sum),
                "{st}"
            );
            assert!(t["sale"].as_i64().unwrap() > 0, "{st}");
            if stall == first_order["stall_id"].as_str().unwrap() {
                assert_eq!(t["payout"], -earned, "{st}");
                assert_eq!(st["closing_balance"], 0, "{st}");
            }
        }

        // Everyone heard of what concerned them, by email and in the inbox, once each, in
        // order, in Vietnamese with the amounts as Vietnamese readers write them.
        let label = |o: &Value| order::notices::order_label(o["number"].as_str().unwrap());
        let stall_of = |o: &Value| o["stall_id"].as_str().unwrap().to_owned();
        let card_orders = paid["orders"].as_array().unwrap().clone();
        let bank_orders = by_bank["orders"].as_array().unwrap().clone();
        let cancelled = &out["orders"][0];
        // The buyer hears of each checkout (its orders' numbers), of each payment, and of each
        // delivered order's steps.
        let labels = |list: &[Value]| list.iter().map(label).collect::<Vec<_>>().join(", ");
        let placed = |list: &[Value]| format!("Đặt hàng thành công: {}", labels(list));
        let received = |list: &[Value]| format!("Đã nhận thanh toán cho đơn hàng {}", labels(list));
        let steps = |list: &[Value]| {
            list.iter()
                .flat_map(|o| {
                    let l = label(o);
                    [
                        format!("Đơn hàng {l} đã được xác nhận"),
                        format!("Đơn hàng {l} đang được giao"),
                        format!("Đơn hàng {l} đã giao thành công"),
                    ]
                })
                .collect::<Vec<_>>()
        };
        let cancelled_orders = out["orders"].as_array().unwrap().clone();
        let mut buyer_expects = vec!["Xác nhận địa chỉ email".to_owned(), placed(&orders)];
        buyer_expects.extend(steps(&orders));
        buyer_expects.extend([placed(&card_orders), received(&card_orders)]);
        buyer_expects.extend(steps(&card_orders));
        buyer_expects.push(placed(&cancelled_orders));
        buyer_expects.extend([placed(&bank_orders), received(&bank_orders)]);
        let mut expected = vec![("khach@example.vn", buyer_expects)];
        for (email, stall) in [
            (
                "htx@example.vn",
                stall_of(
                    &orders
                        .iter()
                        .find(|o| stall_names[&stall_of(o)] == "HTX Nước mắm Cửa Tùng")
                        .unwrap()
                        .clone(),
                ),
            ),
            (
                "caphe@example.vn",
                stall_of(
                    &orders
                        .iter()
                        .find(|o| stall_names[&stall_of(o)] == "Cà phê Khe Sanh")
                        .unwrap()
                        .clone(),
                ),
            ),
        ] {
            let name = stall_names[&stall];
            let mine = |list: &[Value]| -> Vec<Value> {
                list.iter()
                    .filter(|o| stall_of(o) == stall)
                    .cloned()
                    .collect()
            };
            let mut e = vec![
                "Xác nhận địa chỉ email".to_owned(),
                format!("Danh tính người bán của gian hàng {name} đã được xác minh"),
                format!("Gian hàng {name} đã được duyệt"),
                // Its food-safety certificate, verified after the approval.
                format!(
                    "Giấy tờ của gian hàng {name} đã được xác minh: Giấy chứng nhận cơ sở đủ \
                     điều kiện an toàn thực phẩm (Nghị định 15/2018)"
                ),
            ];
            for o in mine(&orders) {
                e.push(format!("Đơn hàng mới {} tại {name}", label(&o)));
            }
            for o in mine(&card_orders) {
                e.push(format!("Đơn hàng {} đã được thanh toán", label(&o)));
            }
            if stall_of(cancelled) == stall {
                e.push(format!("Đơn hàng mới {} tại {name}", label(cancelled)));
                e.push(format!("Khách hàng đã huỷ đơn hàng {}", label(cancelled)));
            }
            for o in mine(&bank_orders) {
                e.push(format!("Đơn hàng {} đã được thanh toán", label(&o)));
            }
            if first_order["stall_id"].as_str() == Some(stall.as_str()) {
                e.push(format!("Đã chuyển {} cho gian hàng {name}", dong(earned)));
            }
            expected.push((email, e));
        }
        let want: usize = expected.iter().map(|(_, e)| e.len()).sum();
        // Each recipient's mail arrives in its own time: wait until everyone has what they
        // should (or 10 s), then compare.
        for _ in 0..200 {
            if expected
                .iter()
                .all(|(email, e)| smtp.mails_to(email).len() >= e.len())
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        for (email, e) in &expected {
            let got: Vec<String> = smtp.mails_to(email).iter().map(|m| m.subject()).collect();
            assert_eq!(&got, e, "the emails of {email}");
        }
        assert_eq!(
            smtp.mails().len(),
            want,
            "nobody else got mail, nobody twice"
        );
        // The card order's payment, to its stall, with the amount written the Vietnamese way.
        let card_a = &card_orders[0];
        let paid_mail = smtp
            .mails()
            .into_iter()
            .find(|m| m.subject() == format!("Đơn hàng {} đã được thanh toán", label(card_a)))
            .unwrap();
        let amount = card_a["total"].as_i64().unwrap();
        let dotted = dong(amount);
        assert!(
            paid_mail
                .body()
                .contains(&format!("thanh toán {dotted} (thẻ)")),
            "{}",
            paid_mail.body()
        );
        let shipped = smtp.mails_to("khach@example.vn")[2].body();
        assert!(shipped.starts_with("Chào Người dùng,"), "{shipped}");
        // The inbox holds the same, without the account links.
        let (s, inbox) = call(
            &http,
            Method::GET,
            url("/me/notifications?per_page=100"),
            Some(&buyer),
            None,
            None,
        )
        .await;
        assert_eq!(s, 200, "{inbox}");
        let titles: Vec<&str> = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .map(|n| n["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            expected[0].1[1..]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
        for (token, email) in [
            (&vendor_a, "htx@example.vn"),
            (&vendor_b, "caphe@example.vn"),
        ] {
            let (_, inbox) = call(
                &http,
                Method::GET,
                url("/me/notifications?per_page=100"),
                Some(token),
                None,
                None,
            )
            .await;
            let titles: Vec<String> = inbox["items"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .map(|n| n["title"].as_str().unwrap().to_owned())
                .collect();
            let e = &expected.iter().find(|(m, _)| *m == email).unwrap().1;
            assert_eq!(&titles, &e[1..].to_vec(), "the inbox of {email}");
        }

        server.stop.send(()).unwrap();
        server.handle.await.unwrap().unwrap();
    }
);

db_test!(
    a_vendor_photographs_a_product_in_two_pack_sizes_and_the_buyer_and_the_money_see_each,
    |db: TestDb| async move {
        use reqwest::Method;
        make_admin(&db).await;
        let server = start(db).await;
        let http = reqwest::Client::new();
        let base = server.base.clone();
        let url = |p: &str| format!("{base}/api/v1{p}");
        let admin = login(&http, &base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let vendor = sign_up(&http, &base, "htx@example.vn").await;
        let buyer = sign_up(&http, &base, "khach@example.vn").await;
        let stall = open_stall(
            &http,
            &base,
            (&vendor, &admin),
            "HTX Nước mắm Cửa Tùng",
            "19414",
        )
        .await;

        // The vendor photographs the bottle with the phone and uploads it to the stall.
        let photo = media::samples::jpeg(1600, 1200, 11);
        let res = http
            .post(url("/media"))
            .bearer_auth(&vendor)
            .header("content-type", testkit::multipart::content_type())
            .body(testkit::multipart::form(
                &[("stall_id", &stall)],
                &photo,
                "IMG_2041.jpg",
                "image/jpeg",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let uploaded: Value = res.json().await.unwrap();
        let photo_id = uploaded["id"].as_str().unwrap().to_owned();

        // One product, two pack sizes, the photo as its cover.
        let cat = category(&http, &base, "gia-vi-nuoc-cham").await;
        let (s, product) = call(&http, Method::POST, url(&format!("/stalls/{stall}/products")), Some(&vendor), Some(json!({
            "name": "Nước mắm nhĩ Cửa Tùng", "category_id": cat, "unit": "chai", "images": [photo_id],
            "facts": testkit::facts::complete(),
            "variants": [
                {"name": "Chai 500 ml", "sku": "NM-500", "price": 85_000, "stock": 20, "weight_grams": 700},
                {"name": "Hộp 3 chai", "sku": "NM-3X500", "price": 240_000, "stock": 6, "weight_grams": 2200}
            ]
        })), None).await;
        assert_eq!(s, 201, "{product}");
        let cover = product["image"].as_str().unwrap().to_owned();
        assert_eq!(cover, format!("/media/{photo_id}/large"));
        let served = http.get(format!("{base}{cover}")).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert!(
            served.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("image/"),
            "{:?}",
            served.headers()
        );
        let sizes: Vec<String> = product["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect();

        // The buyer takes two bottles and a box, and pays cash on delivery.
        for (size, quantity) in [(&sizes[0], 2), (&sizes[1], 1)] {
            let (s, cart) = call(
                &http,
                Method::PUT,
                url(&format!("/cart/items/{size}")),
                Some(&buyer),
                Some(json!({"quantity": quantity})),
                None,
            )
            .await;
            assert_eq!(s, 200, "{cart}");
        }
        let (s, out) = call(
            &http,
            Method::POST,
            url("/checkout"),
            Some(&buyer),
            Some(json!({
                "shipping": {"recipient": "Lê Khách", "phone": "0905123456", "commune_code": "19333", "street": "5 Hùng Vương"},
                "payment_method": "cod"
            })),
            Some("journey-sizes"),
        )
        .await;
        assert_eq!(s, 201, "{out}");
        let order = out["orders"][0].clone();
        let id = order["id"].as_str().unwrap();
        let lines: Vec<(String, i64, i64)> = order["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["variant_name"].as_str().unwrap().to_owned(),
                    i["quantity"].as_i64().unwrap(),
                    i["unit_price"].as_i64().unwrap(),
                )
            })
            .collect();
        assert!(
            lines.contains(&("Chai 500 ml".into(), 2, 85_000))
                && lines.contains(&("Hộp 3 chai".into(), 1, 240_000)),
            "{order}"
        );
        for step in ["confirm", "ship", "deliver"] {
            let (s, body) = call(
                &http,
                Method::POST,
                url(&format!("/orders/{id}/{step}")),
                Some(&vendor),
                None,
                None,
            )
            .await;
            assert_eq!(s, 200, "{step}: {body}");
        }

        // The stall's ledger and its month's statement name what was sold, size by size.
        let (_, ledger) = call(
            &http,
            Method::GET,
            url(&format!("/stalls/{stall}/ledger?per_page=100")),
            Some(&vendor),
            None,
            None,
        )
        .await;
        let sale = ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "sale")
            .unwrap_or_else(|| panic!("no sale in {ledger}"))
            .clone();
        assert_eq!(sale["amount"], 2 * 85_000 + 240_000, "{sale}");
        let note = sale["note"].as_str().unwrap();
        for sold in [
            "Nước mắm nhĩ Cửa Tùng (Chai 500 ml) × 2",
            "Nước mắm nhĩ Cửa Tùng (Hộp 3 chai) × 1",
        ] {
            assert!(note.contains(sold), "{note}");
        }
        let month = (chrono::Utc::now() + chrono::Duration::hours(7))
            .format("%Y-%m")
            .to_string();
        let csv = http
            .get(url(&format!("/stalls/{stall}/statements/{month}")))
            .bearer_auth(&vendor)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let sale_line = csv
            .lines()
            .find(|l| l.contains(",sale,"))
            .unwrap_or_else(|| panic!("no sale in {csv}"));
        assert!(
            sale_line.contains("(Chai 500 ml) × 2") && sale_line.contains("(Hộp 3 chai) × 1"),
            "{sale_line}"
        );

        server.stop.send(()).unwrap();
        server.handle.await.unwrap().unwrap();
    }
);

/// An amount of đồng as Vietnamese readers write it: `172.000 ₫`.
fn dong(amount: i64) -> String {
    let digits = amount.to_string();
    let mut s = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            s.push('.');
        }
        s.push(c);
    }
    format!("{s} ₫")
}
