//! Cart, checkout and orders over HTTP, on SQLite and PostgreSQL: multi-stall checkout, the
//! idempotency key, stock that is never oversold, the order state machine and its history.

use axum::{
    body::Body,
    http::{Method, Request},
};
use serde_json::{Value, json};

use crate::support::*;

pub(crate) struct Market {
    pub(crate) admin: String,
    pub(crate) owner_a: String,
    pub(crate) owner_b: String,
    pub(crate) buyer: String,
    /// Nước mắm (stall A, stock 10), tiêu (stall A, stock 5), cà phê (stall B, stock 6).
    pub(crate) sauce: String,
    pub(crate) pepper: String,
    pub(crate) coffee: String,
    pub(crate) stall_a: String,
    pub(crate) stall_b: String,
}

pub(crate) async fn market(app: &TestApp) -> Market {
    let admin = app.admin("admin@tinh.vn").await;
    let owner_a = app.signed_in("a@example.vn").await;
    let owner_b = app.signed_in("b@example.vn").await;
    let buyer = app.signed_in("buyer@example.vn").await;
    let stall_a = app.stall(&owner_a, "HTX Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stall_b = app.stall(&owner_b, "Cà phê Khe Sanh").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.approve(&admin, &stall_a).await;
    app.approve(&admin, &stall_b).await;
    // Both stalls deliver free within the province, so these tests' totals are the goods
    // alone; delivery priced by zone and weight has its own tests (delivery.rs).
    for (stall, owner) in [(&stall_a, &owner_a), (&stall_b, &owner_b)] {
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/stalls/{stall}/delivery"),
                Some(owner),
                Some(json!({"own_delivery_in_province": true})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    let cat = app.category("gia-vi-nuoc-cham").await;
    let coffee_cat = app.category("ca-phe").await;
    let p = |stall: &str, token: &str, cat: &str, name: &str, price: i64, stock: i64| {
        let mut body = app.product_body(cat, name, price);
        body["stock"] = json!(stock);
        let (stall, token) = (stall.to_owned(), token.to_owned());
        async move {
            app.product(&token, &stall, body).await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let sauce = p(&stall_a, &owner_a, &cat, "Nước mắm 40 độ đạm", 120_000, 10).await;
    let pepper = p(&stall_a, &owner_a, &cat, "Hồ tiêu đỏ", 220_000, 5).await;
    let coffee = p(
        &stall_b,
        &owner_b,
        &coffee_cat,
        "Cà phê rang mộc",
        165_000,
        6,
    )
    .await;
    Market {
        admin,
        owner_a,
        owner_b,
        buyer,
        sauce,
        pepper,
        coffee,
        stall_a,
        stall_b,
    }
}

pub(crate) fn shipping() -> Value {
    json!({
        "shipping": {"recipient": "Trần Thị Mai", "phone": "0912 345 678", "commune_code": "19333", "street": "12 Lê Duẩn"},
        "payment_method": "cod",
        "note": "Giao giờ hành chính"
    })
}

pub(crate) async fn put_item(
    app: &TestApp,
    token: &str,
    product: &str,
    quantity: i64,
) -> TestResponse {
    app.request(
        Method::PUT,
        &format!("/api/v1/cart/items/{product}"),
        Some(token),
        Some(json!({"quantity": quantity})),
    )
    .await
}

pub(crate) async fn checkout(app: &TestApp, token: &str, key: &str, body: Value) -> TestResponse {
    app.send(
        Request::post("/api/v1/checkout")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// The rate limits of a test where many buyers sign up from one address: lifted.
pub(crate) const CROWD: &str =
    "[rate_limit]\nregister_per_ip_per_minute = 1000\nlogin_per_ip_per_minute = 1000";

/// `n` buyers signed in as `{prefix}{i}@example.vn`, each with one unit of every id of
/// `wants(i)` in its cart.
pub(crate) async fn crowd(
    app: &TestApp,
    prefix: &str,
    n: usize,
    wants: impl Fn(usize) -> Vec<String>,
) -> Vec<String> {
    let mut buyers = Vec::with_capacity(n);
    for i in 0..n {
        let token = app.signed_in(&format!("{prefix}{i}@example.vn")).await;
        for id in wants(i) {
            assert_eq!(put_item(app, &token, &id, 1).await.status, 200);
        }
        buyers.push(token);
    }
    buyers
}

/// Every buyer checks out its cart at once, on real threads (on PostgreSQL they truly
/// overlap), under the key `{prefix}-{i}`: each answer's status and body, in the buyers' order.
pub(crate) async fn check_out_at_once(
    app: &std::sync::Arc<TestApp>,
    buyers: Vec<String>,
    prefix: &str,
    body: Value,
) -> Vec<(u16, Value)> {
    let mut tasks = Vec::new();
    for (i, token) in buyers.into_iter().enumerate() {
        let (app, key, body) = (app.clone(), format!("{prefix}-{i}"), body.clone());
        tasks.push(tokio::spawn(async move {
            let res = checkout(&app, &token, &key, body).await;
            (res.status.as_u16(), res.json())
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

pub(crate) async fn stock(app: &TestApp, token: &str, product: &str) -> i64 {
    app.get(&format!("/api/v1/products/{product}"), Some(token))
        .await
        .json()["stock"]
        .as_i64()
        .unwrap()
}

db_test!(
    a_cart_from_two_stalls_becomes_two_orders,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        assert_eq!(put_item(&app, &m.buyer, &m.pepper, 1).await.status, 200);
        let cart = put_item(&app, &m.buyer, &m.coffee, 3).await.json();
        assert_eq!(cart["items"].as_array().unwrap().len(), 3);
        assert_eq!(cart["total"], 2 * 120_000 + 220_000 + 3 * 165_000);
        // Changing and removing lines.
        put_item(&app, &m.buyer, &m.pepper, 0).await;
        put_item(&app, &m.buyer, &m.pepper, 1).await;
        put_item(&app, &m.buyer, &m.sauce, 1001)
            .await
            .problem(422, "validation_failed");

        let res = checkout(&app, &m.buyer, "k-1", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        assert_eq!(out["total"], 2 * 120_000 + 220_000 + 3 * 165_000);
        let orders = out["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 2, "one order per stall");
        for o in orders {
            assert_eq!(o["status"], "placed");
            assert_eq!(o["payment_method"], "cod");
            assert_eq!(o["shipping"]["phone"], "0912345678");
            assert_eq!(o["history"][0]["to"], "placed");
        }
        let a = orders
            .iter()
            .find(|o| o["stall_id"] == m.stall_a.as_str())
            .unwrap();
        assert_eq!(a["subtotal"], 2 * 120_000 + 220_000);
        assert_eq!(a["items"].as_array().unwrap().len(), 2);
        assert_eq!(
            (
                stock(&app, &m.owner_a, &m.sauce).await,
                stock(&app, &m.owner_b, &m.coffee).await
            ),
            (8, 3)
        );
        assert_eq!(
            app.get("/api/v1/cart", Some(&m.buyer)).await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            0
        );

        // Names and prices are snapshotted: a later price change does not touch the order.
        let version = app
            .get(&format!("/api/v1/products/{}", m.sauce), Some(&m.owner_a))
            .await
            .json()["version"]
            .clone();
        app.patch(
            &format!("/api/v1/products/{}", m.sauce),
            Some(&m.owner_a),
            json!({"version": version, "price": 999_000, "name": "Tên mới"}),
        )
        .await;
        let order = app
            .get(
                &format!("/api/v1/orders/{}", a["id"].as_str().unwrap()),
                Some(&m.buyer),
            )
            .await
            .json();
        let line = order["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["product_id"] == m.sauce.as_str())
            .unwrap();
        assert_eq!(
            (line["unit_price"].as_i64(), line["name"].as_str()),
            (Some(120_000), Some("Nước mắm 40 độ đạm"))
        );
        assert_eq!(
            app.get("/api/v1/orders", Some(&m.buyer)).await.json()["total"],
            2
        );
        let _ = (m.admin, m.owner_b, m.stall_b);
    }
);

db_test!(
    the_idempotency_key_replays_the_first_result,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.coffee, 2).await;
        let first = checkout(&app, &m.buyer, "same-key", shipping()).await;
        assert_eq!(first.status, 201, "{}", first.text());
        let again = checkout(&app, &m.buyer, "same-key", shipping()).await;
        assert_eq!(again.status, 201, "{}", again.text());
        assert_eq!(again.json()["checkout_id"], first.json()["checkout_id"]);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 4, "reserved once");
        let mut other = shipping();
        other["note"] = json!("khác");
        checkout(&app, &m.buyer, "same-key", other)
            .await
            .problem(422, "idempotency_key_reused");
        // Without the header: refused.
        let res = app
            .post("/api/v1/checkout", Some(&m.buyer), shipping())
            .await;
        assert_eq!(
            res.problem(422, "validation_failed")["errors"][0]["field"],
            "Idempotency-Key"
        );
        // Another buyer's identical key is theirs alone.
        let buyer2 = app.signed_in("buyer2@example.vn").await;
        put_item(&app, &buyer2, &m.coffee, 1).await;
        let theirs = checkout(&app, &buyer2, "same-key", shipping()).await;
        assert_eq!(theirs.status, 201);
        assert_ne!(theirs.json()["checkout_id"], first.json()["checkout_id"]);
    }
);

db_test!(
    out_of_stock_changes_nothing_and_names_each_product,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 3).await;
        put_item(&app, &m.buyer, &m.pepper, 6).await;
        put_item(&app, &m.buyer, &m.coffee, 7).await;
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        let flagged: Vec<bool> = cart["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["available"].as_bool().unwrap())
            .collect();
        assert_eq!(flagged, [true, false, false], "short lines are flagged");
        let res = checkout(&app, &m.buyer, "k-oos", shipping()).await;
        let body = res.problem(409, "out_of_stock");
        let named: Vec<String> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(named.len(), 2, "{body}");
        assert!(
            named
                .iter()
                .any(|n| n.contains("Hồ tiêu đỏ") && n.contains("6 requested, 5 left")),
            "{named:?}"
        );
        assert!(
            named
                .iter()
                .any(|n| n.contains("Cà phê rang mộc") && n.contains("7 requested, 6 left")),
            "{named:?}"
        );
        assert_eq!(
            stock(&app, &m.owner_a, &m.sauce).await,
            10,
            "the available line was not reserved either"
        );
        assert_eq!(
            app.get("/api/v1/orders", Some(&m.buyer)).await.json()["total"],
            0
        );
        assert_eq!(
            app.get("/api/v1/cart", Some(&m.buyer)).await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            3,
            "the cart is kept"
        );
        // The same key works once the cart is fixed.
        put_item(&app, &m.buyer, &m.pepper, 5).await;
        put_item(&app, &m.buyer, &m.coffee, 6).await;
        assert_eq!(
            checkout(&app, &m.buyer, "k-oos", shipping()).await.status,
            201
        );
        checkout(&app, &m.buyer, "k-empty", shipping())
            .await
            .problem(422, "cart_not_ready");
    }
);

db_test!(checkout_validates_the_address, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m = market(&app).await;
    put_item(&app, &m.buyer, &m.coffee, 1).await;
    let res = checkout(
        &app,
        &m.buyer,
        "k-bad",
        json!({"shipping": {"recipient": "", "phone": "123", "commune_code": "00000", "street": ""}, "payment_method": "cod"}),
    )
    .await;
    let body = res.problem(422, "validation_failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "shipping.recipient",
            "shipping.phone",
            "shipping.commune_code",
            "shipping.street"
        ]
    );
    let mut card = shipping();
    card["payment_method"] = json!("card");
    checkout(&app, &m.buyer, "k-card", card)
        .await
        .problem(422, "validation_failed");
    let mut bad = shipping();
    bad["payment_method"] = json!("bitcoin");
    checkout(&app, &m.buyer, "k-btc", bad)
        .await
        .problem(422, "validation_failed");
    assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 6);
});

db_test!(orders_move_through_their_states, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m = market(&app).await;
    put_item(&app, &m.buyer, &m.sauce, 2).await;
    put_item(&app, &m.buyer, &m.coffee, 1).await;
    let out = checkout(&app, &m.buyer, "k-flow", shipping()).await.json();
    let id_of = |stall: &str| -> String {
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
    let (a, b) = (id_of(&m.stall_a), id_of(&m.stall_b));
    let post = |path: String, token: String, body: Option<Value>| {
        let app = &app;
        async move { app.request(Method::POST, &path, Some(&token), body).await }
    };
    // Other users see nothing; the other stall cannot act.
    let stranger = app.signed_in("stranger@example.vn").await;
    app.get(&format!("/api/v1/orders/{a}"), Some(&stranger))
        .await
        .problem(404, "not_found");
    post(
        format!("/api/v1/orders/{a}/confirm"),
        m.owner_b.clone(),
        None,
    )
    .await
    .problem(404, "not_found");
    post(format!("/api/v1/orders/{a}/confirm"), m.buyer.clone(), None)
        .await
        .problem(409, "invalid_transition");
    post(format!("/api/v1/orders/{a}/ship"), m.owner_a.clone(), None)
        .await
        .problem(409, "invalid_transition");

    let stall_list = app
        .get(
            &format!("/api/v1/stalls/{}/orders?status=placed", m.stall_a),
            Some(&m.owner_a),
        )
        .await
        .json();
    assert_eq!(stall_list["total"], 1);
    app.get(
        &format!("/api/v1/stalls/{}/orders", m.stall_a),
        Some(&m.buyer),
    )
    .await
    .problem(403, "forbidden");

    assert_eq!(
        post(
            format!("/api/v1/orders/{a}/confirm"),
            m.owner_a.clone(),
            None
        )
        .await
        .json()["status"],
        "confirmed"
    );
    // Too late for the buyer now.
    post(format!("/api/v1/orders/{a}/cancel"), m.buyer.clone(), None)
        .await
        .problem(409, "invalid_transition");
    let shipped = post(
        format!("/api/v1/orders/{a}/ship"),
        m.owner_a.clone(),
        Some(json!({"tracking_no": "VN123456789"})),
    )
    .await
    .json();
    assert_eq!(
        (shipped["status"].as_str(), shipped["tracking_no"].as_str()),
        (Some("shipped"), Some("VN123456789"))
    );
    app.post(
        &format!("/api/v1/orders/{a}/cancel"),
        Some(&m.admin),
        json!({"reason": "Thử"}),
    )
    .await
    .problem(409, "invalid_transition");
    let delivered = post(
        format!("/api/v1/orders/{a}/deliver"),
        m.owner_a.clone(),
        None,
    )
    .await
    .json();
    assert_eq!(
        (delivered["status"].as_str(), delivered["paid"].as_bool()),
        (Some("delivered"), Some(true))
    );
    let history: Vec<&str> = delivered["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["placed", "confirmed", "shipped", "delivered"]);
    assert!(delivered["history"][1]["actor_id"].is_string());

    // The buyer cancels the other order before it is confirmed: stock comes back, once.
    assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 5);
    let cancelled = post(
        format!("/api/v1/orders/{b}/cancel"),
        m.buyer.clone(),
        Some(json!({"reason": "Đặt nhầm"})),
    )
    .await
    .json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["history"][1]["reason"], "Đặt nhầm");
    assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 6);
    post(format!("/api/v1/orders/{b}/cancel"), m.buyer.clone(), None)
        .await
        .problem(409, "invalid_transition");
    assert_eq!(
        stock(&app, &m.owner_b, &m.coffee).await,
        6,
        "returned exactly once"
    );
    // A vendor's rejection needs a reason.
    put_item(&app, &m.buyer, &m.pepper, 2).await;
    let out2 = checkout(&app, &m.buyer, "k-flow-2", shipping())
        .await
        .json();
    let c = out2["orders"][0]["id"].as_str().unwrap().to_owned();
    post(
        format!("/api/v1/orders/{c}/reject"),
        m.owner_a.clone(),
        None,
    )
    .await
    .problem(422, "validation_failed");
    let rejected = post(
        format!("/api/v1/orders/{c}/reject"),
        m.owner_a.clone(),
        Some(json!({"reason": "Hết hàng tạm thời"})),
    )
    .await
    .json();
    assert_eq!(rejected["status"], "cancelled");
    assert_eq!(stock(&app, &m.owner_a, &m.pepper).await, 5);
    app.get("/api/v1/orders/not-an-id", Some(&m.buyer))
        .await
        .problem(404, "not_found");
});

db_test!(
    forty_buyers_six_units_never_oversell,
    |db: TestDb| async move {
        // Forty sign-ups from one test address: lift the per-address limits.
        let app = std::sync::Arc::new(TestApp::with_config(db, CROWD));
        let m = market(&app).await;
        let buyers = crowd(&app, "racer", 40, |_| vec![m.coffee.clone()]).await;
        let statuses: Vec<u16> = check_out_at_once(&app, buyers, "race", shipping())
            .await
            .into_iter()
            .map(|(status, _)| status)
            .collect();
        let won = statuses.iter().filter(|s| **s == 201).count();
        let lost = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((won, lost), (6, 34), "{statuses:?}");
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 0);
        let sold: i64 = app
            .get(
                &format!("/api/v1/stalls/{}/orders?per_page=100", m.stall_b),
                Some(&m.owner_b),
            )
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|o| {
                o["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["quantity"].as_i64().unwrap())
            })
            .sum();
        assert_eq!(sold, 6, "units in orders equal units taken from stock");
        let product = app
            .get(&format!("/api/v1/products/{}", m.coffee), Some(&m.owner_b))
            .await
            .json();
        assert_eq!(product["sales_count"], 6);
    }
);

db_test!(
    one_cart_checked_out_at_once_under_many_keys_orders_once,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::new(db).await);
        let m = market(&app).await;
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        assert_eq!(put_item(&app, &m.buyer, &m.coffee, 1).await.status, 200);
        // Eight checkouts of the same cart at once, each with its own key (a double tap, two
        // tabs): real threads, so on PostgreSQL they truly overlap.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (app, token) = (app.clone(), m.buyer.clone());
            tasks.push(tokio::spawn(async move {
                let res = checkout(&app, &token, &format!("tap-{i}"), shipping()).await;
                (res.status.as_u16(), res.json())
            }));
        }
        let mut won = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                201 => won += 1,
                // The cart was checked out under it (or was already empty when it looked).
                409 => assert_eq!(body["code"], "cart_changed", "{body}"),
                422 => assert_eq!(body["code"], "cart_not_ready", "{body}"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(won, 1, "exactly one checkout wins");
        let orders = app.get("/api/v1/orders", Some(&m.buyer)).await.json();
        assert_eq!(orders["total"], 2, "one order per stall, once: {orders}");
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 8);
        assert_eq!(stock(&app, &m.owner_b, &m.coffee).await, 5);
    }
);

db_test!(
    a_price_changed_since_the_cart_was_shown_is_refused,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let cart = put_item(&app, &m.buyer, &m.sauce, 2).await.json();
        let shown = cart["total"].as_i64().unwrap();
        assert_eq!(shown, 240_000);
        // The vendor adds a zero to the price after the buyer looked.
        let product = app
            .get(&format!("/api/v1/products/{}", m.sauce), Some(&m.owner_a))
            .await
            .json();
        let res = app
            .patch(
                &format!("/api/v1/products/{}", m.sauce),
                Some(&m.owner_a),
                json!({"version": product["version"], "price": 1_200_000}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let mut body = shipping();
        body["expected_total"] = json!(shown);
        let res = checkout(&app, &m.buyer, "seen-240k", body).await;
        let problem = res.problem(409, "total_changed");
        assert_eq!(problem["details"]["total"], 2_400_000, "{problem}");
        let orders = problem["details"]["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0]["items"][0]["unit_price"], 1_200_000);
        assert_eq!(problem["errors"][0]["field"], "expected_total");
        // Nothing happened: no order, stock and cart as they were.
        assert_eq!(
            app.get("/api/v1/orders", Some(&m.buyer)).await.json()["total"],
            0
        );
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        assert_eq!(cart["total"], 2_400_000);
        // Confirming the new total goes through; so does a checkout that sends none.
        let mut body = shipping();
        body["expected_total"] = json!(2_400_000);
        let res = checkout(&app, &m.buyer, "seen-2.4m", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["total"], 2_400_000);
    }
);

db_test!(
    a_corrupt_status_in_a_row_is_an_error_not_a_default,
    |db: TestDb| async move {
        use order::entity::order as o;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let placed = checkout(&app, &m.buyer, "corrupt", shipping()).await.json();
        let id = placed["orders"][0]["id"].as_str().unwrap().to_owned();
        // Somebody edits the row by hand and leaves a status no order can have.
        let changed = o::Entity::update_many()
            .col_expr(o::Column::Status, Expr::value("shiped"))
            .filter(o::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
            .exec(&app.db.conn)
            .await
            .unwrap();
        assert_eq!(changed.rows_affected, 1);
        // Reading it is an internal error (logged), not an order shown as "placed".
        app.get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
            .await
            .problem(500, "internal");
        // Nor can it be moved as if it were placed.
        let res = app
            .post(
                &format!("/api/v1/orders/{id}/confirm"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        res.problem(500, "internal");
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 9);
    }
);

db_test!(
    cart_lines_and_orders_carry_what_a_page_shows,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let res = put_item(&app, &m.buyer, &m.sauce, 2).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        let line = &cart["items"][0];
        let product = app
            .get(&format!("/api/v1/products/{}", m.sauce), None)
            .await
            .json();
        assert_eq!(line["slug"], product["slug"], "{line}");
        assert_eq!(line["unit"], product["unit"], "{line}");
        assert_eq!(line["image"], product["images"][0], "{line}");
        assert_eq!(line["stall"]["id"], m.stall_a.as_str(), "{line}");
        assert_eq!(line["stall"]["name"], "HTX Nước mắm Cửa Tùng", "{line}");
        assert!(line["stall"]["slug"].is_string(), "{line}");
        let res = checkout(&app, &m.buyer, "page-1", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let order = &res.json()["orders"][0];
        assert_eq!(order["stall"]["name"], "HTX Nước mắm Cửa Tùng", "{order}");
        let id = order["id"].as_str().unwrap();
        let listed = app.get("/api/v1/orders", Some(&m.buyer)).await.json();
        assert_eq!(listed["items"][0]["stall"]["id"], m.stall_a.as_str());
        let seen = app
            .get(&format!("/api/v1/orders/{id}"), Some(&m.owner_a))
            .await
            .json();
        assert_eq!(seen["stall"]["slug"], line["stall"]["slug"]);
    }
);

db_test!(
    a_sold_out_line_is_refused_by_name_not_as_a_changed_total,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        put_item(&app, &m.buyer, &m.coffee, 7).await;
        // The cart flags the short line and leaves it out of what it asks.
        let cart = app
            .get("/api/v1/cart?commune_code=19333", Some(&m.buyer))
            .await
            .json();
        let lines = cart["items"].as_array().unwrap();
        assert_eq!(lines[1]["available"], false, "{cart}");
        assert_eq!(
            lines[1]["problem"],
            json!({"code": "out_of_stock", "message": "Only 6 left in stock.", "available": 6}),
            "{cart}"
        );
        assert_eq!(lines[1]["unit_price"], lines[1]["price"], "{cart}");
        // In Vietnamese when asked, with the same code and numbers.
        let vi = app
            .send(
                Request::get("/api/v1/cart?commune_code=19333")
                    .header("authorization", format!("Bearer {}", m.buyer))
                    .header("accept-language", "vi")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .json();
        assert_eq!(
            vi["items"][1]["problem"],
            json!({"code": "out_of_stock", "message": "Chỉ còn 6 trong kho.", "available": 6}),
            "{vi}"
        );
        let shown = cart["grand_total"].as_i64().unwrap();
        // The buyer confirms what the cart showed: the checkout names the sold-out line, as
        // the cart did, rather than a total that no checkout of this cart could charge.
        let mut body = shipping();
        body["expected_total"] = json!(shown);
        let problem = checkout(&app, &m.buyer, "seen-short", body.clone())
            .await
            .problem(409, "out_of_stock");
        assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("7 requested, 6 left"),
            "{problem}"
        );
        assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
        // Once the line fits, the total the cart showed is the total charged.
        put_item(&app, &m.buyer, &m.coffee, 6).await;
        let cart = app
            .get("/api/v1/cart?commune_code=19333", Some(&m.buyer))
            .await
            .json();
        body["expected_total"] = cart["grand_total"].clone();
        let res = checkout(&app, &m.buyer, "seen-fits", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["total"], cart["grand_total"]);
    }
);
