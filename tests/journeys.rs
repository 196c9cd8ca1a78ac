//! End-to-end journeys: a real server on a loopback port, driven over HTTP by a real client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing journey should stop loudly"
)]

use std::net::SocketAddr;

use gateway::{AppState, Config};
use serde_json::{Value, json};
use testkit::{TestDb, db_test};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// A running server and the means to stop it.
struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    handle: JoinHandle<Result<(), String>>,
    _db: TestDb,
}

async fn start(db: TestDb) -> Server {
    let dir = std::env::temp_dir().join(format!("marketplace-e2e-{}", uuid::Uuid::now_v7()));
    let config = Config::with_overrides(&format!("[data]\ndir = {:?}", dir.display().to_string()))
        .expect("defaults are valid");
    let engine = config.search_engine().expect("the embedded index opens");
    let state = AppState::new(config, db.conn.clone(), engine);
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

db_test!(
    vendors_list_admin_approves_buyer_finds_orders_and_stalls_deliver,
    |db: TestDb| async move {
        use reqwest::Method;
        let admin_email = "quantri@tinh.vn";
        // The first administrator is made the way an operator does (`marketplace user create`).
        accounts::Accounts::new(chrono::Duration::hours(1))
            .create(
                &db.conn,
                accounts::NewUser {
                    email: admin_email.into(),
                    password: "quan-tri-tinh-2026".into(),
                    full_name: "Quản trị".into(),
                    phone: None,
                },
                true,
            )
            .await
            .unwrap();
        let server = start(db).await;
        let http = reqwest::Client::new();
        let url = |p: &str| format!("{}/api/v1{p}", server.base);
        let sign_up = |email: &'static str| {
            let http = http.clone();
            let (reg, login) = (url("/auth/register"), url("/auth/login"));
            async move {
                call(&http, Method::POST, reg, None, Some(json!({"email": email, "password": "mat-khau-dai-du", "full_name": "Người dùng"})), None).await;
                let (_, out) = call(
                    &http,
                    Method::POST,
                    login,
                    None,
                    Some(json!({"email": email, "password": "mat-khau-dai-du"})),
                    None,
                )
                .await;
                out["token"].as_str().unwrap().to_owned()
            }
        };
        let (_, admin) = call(
            &http,
            Method::POST,
            url("/auth/login"),
            None,
            Some(json!({"email": admin_email, "password": "quan-tri-tinh-2026"})),
            None,
        )
        .await;
        let admin = admin["token"].as_str().unwrap().to_owned();
        let vendor_a = sign_up("htx@example.vn").await;
        let vendor_b = sign_up("caphe@example.vn").await;
        let buyer = sign_up("khach@example.vn").await;

        // Two vendors apply; the administrator approves; they list products.
        let mut products = Vec::new();
        let categories = call(&http, Method::GET, url("/categories"), None, None, None)
            .await
            .1;
        let cat = |slug: &str| -> String {
            categories
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c["children"].as_array().unwrap().iter())
                .find(|c| c["slug"] == slug)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        for (token, name, commune, product, category, price) in [
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
            let (s, stall) = call(&http, Method::POST, url("/stalls"), Some(token), Some(json!({
            "name": name, "commune_code": commune, "address": "Thôn 1", "phone": "0912345678", "business_type": "cooperative"
        })), None).await;
            assert_eq!(s, 201);
            let id = stall["id"].as_str().unwrap().to_owned();
            let (s, _) = call(
                &http,
                Method::POST,
                url(&format!("/admin/stalls/{id}/approve")),
                Some(&admin),
                None,
                None,
            )
            .await;
            assert_eq!(s, 200);
            let (s, p) = call(&http, Method::POST, url(&format!("/stalls/{id}/products")), Some(token), Some(json!({
            "name": product, "category_id": cat(category), "price": price, "unit": "chai", "stock": 10
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
        let order_body = json!({"shipping": {"recipient": "Lê Khách", "phone": "0905123456", "commune_code": "19333", "street": "5 Hùng Vương"}, "payment_method": "cod"});
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
        assert_eq!(p["stock"], 8);
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
            Some(order_body),
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
        assert_eq!(p["stock"], 5);
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
        assert_eq!(p["stock"], 8);

        server.stop.send(()).unwrap();
        server.handle.await.unwrap().unwrap();
    }
);
