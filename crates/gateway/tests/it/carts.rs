//! Guest carts (held by whoever knows their random id, expiring, bounded, rate-limited per
//! client address), their merge into the signed-in cart at sign-in (once, even when merges
//! race on real threads), and a product page's delivery quote. On SQLite and PostgreSQL.

use axum::http::Method;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    orders::{market, put_item},
    support::*,
};

async fn new_cart(app: &TestApp) -> String {
    let res = app.post("/api/v1/carts", None, json!({})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

async fn put_guest(app: &TestApp, cart: &str, item: &str, quantity: i64) -> TestResponse {
    app.request(
        Method::PUT,
        &format!("/api/v1/carts/{cart}/items/{item}"),
        None,
        Some(json!({"quantity": quantity})),
    )
    .await
}

async fn merge(app: &TestApp, token: &str, cart: &str) -> TestResponse {
    app.post("/api/v1/cart/merge", Some(token), json!({"cart_id": cart}))
        .await
}

/// The quantity of each line of a cart answer, by product.
fn quantities(cart: &Value) -> Vec<(String, i64)> {
    let mut q: Vec<(String, i64)> = cart["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["product_id"].as_str().unwrap().to_owned(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    q.sort();
    q
}

/// Moves guest cart `id`'s expiry to `at`.
async fn expire(app: &TestApp, id: &str, at: chrono::DateTime<Utc>) {
    use order::entity::guest_cart;
    guest_cart::Entity::update_many()
        .col_expr(guest_cart::Column::ExpiresAt, Expr::value(at))
        .filter(guest_cart::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
}

db_test!(
    a_guest_cart_is_priced_as_the_signed_in_cart_and_held_by_its_id,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let res = app.post("/api/v1/carts", None, json!({})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let created = res.json();
        let id = created["id"].as_str().unwrap().to_owned();
        let parsed = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(
            parsed.get_version_num(),
            4,
            "a random id, not a time-ordered one"
        );
        assert_eq!(created["items"], json!([]));
        assert_eq!(created["total"], 0);
        let expires: chrono::DateTime<Utc> =
            created["expires_at"].as_str().unwrap().parse().unwrap();
        let ttl = expires - Utc::now();
        assert!(
            ttl > Duration::days(29) && ttl <= Duration::days(30),
            "{ttl}"
        );

        let res = put_guest(&app, &id, &m.sauce, 2).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let res = put_guest(&app, &id, &m.coffee, 1).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let guest = res.json();
        assert_eq!(guest["id"], id.as_str());
        // The signed-in cart with the same lines answers the same lines and total.
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        assert_eq!(put_item(&app, &m.buyer, &m.coffee, 1).await.status, 200);
        let mine = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        assert_eq!(guest["items"], mine["items"]);
        assert_eq!(guest["total"], 2 * 120_000 + 165_000);
        assert_eq!(guest["total"], mine["total"]);

        // Delivery to Hà Nội (another region than Quảng Trị), per stall, with its days.
        let priced = app
            .get(&format!("/api/v1/carts/{id}?commune_code=00070"), None)
            .await;
        assert_eq!(priced.status, 200, "{}", priced.text());
        // One holder's cart: never kept by a shared cache, nor revalidated as a public read.
        assert_eq!(priced.header("cache-control"), Some("no-store"));
        assert_eq!(priced.header("etag"), None);
        let priced = priced.json();
        let mine = app
            .get("/api/v1/cart?commune_code=00070", Some(&m.buyer))
            .await
            .json();
        assert_eq!(priced["stalls"], mine["stalls"]);
        assert_eq!(priced["grand_total"], mine["grand_total"]);
        for stall in priced["stalls"].as_array().unwrap() {
            assert_eq!(stall["delivery"]["zone"], "other_region");
            assert_eq!(
                stall["delivery"]["estimated_days"],
                json!({"min": 3, "max": 5})
            );
        }
        let res = app
            .get(&format!("/api/v1/carts/{id}?commune_code=99999"), None)
            .await;
        assert_eq!(
            fields(&res.problem(422, "validation_failed")),
            ["commune_code"]
        );
        let res = app
            .get(
                &format!("/api/v1/carts/{id}?province_code=79&commune_code=00070"),
                None,
            )
            .await;
        assert_eq!(
            fields(&res.problem(422, "validation_failed")),
            ["province_code"]
        );

        // Quantities are bounded, nothing changes on a refusal; 0 removes a line.
        for bad in [-1, 1001] {
            let res = put_guest(&app, &id, &m.sauce, bad).await;
            assert_eq!(fields(&res.problem(422, "validation_failed")), ["quantity"]);
        }
        let res = put_guest(&app, &id, &m.coffee, 0).await;
        assert_eq!(quantities(&res.json()), [(m.sauce.clone(), 2)]);
        let res = app
            .delete(&format!("/api/v1/carts/{id}/items/{}", m.sauce), None)
            .await;
        assert_eq!(res.status, 204);
        let empty = app.get(&format!("/api/v1/carts/{id}"), None).await.json();
        assert_eq!(empty["items"], json!([]));

        // Ids that name no cart, malformed or unknown, are 404, as is a product not on sale.
        let unknown = uuid::Uuid::new_v4();
        for path in [
            "/api/v1/carts/not-a-cart".to_owned(),
            format!("/api/v1/carts/{unknown}"),
        ] {
            app.get(&path, None).await.problem(404, "not_found");
        }
        put_guest(&app, "not-a-cart", &m.sauce, 1)
            .await
            .problem(404, "not_found");
        put_guest(&app, &unknown.to_string(), &m.sauce, 1)
            .await
            .problem(404, "not_found");
        put_guest(&app, &id, &uuid::Uuid::new_v4().to_string(), 1)
            .await
            .problem(404, "not_found");
        let res = app
            .post(
                &format!("/api/v1/admin/stalls/{}/suspend", m.stall_b),
                Some(&m.admin),
                json!({"reason": "Hồ sơ cần bổ sung"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        put_guest(&app, &id, &m.coffee, 1)
            .await
            .problem(404, "not_found");
        let still = app.get(&format!("/api/v1/carts/{id}"), None).await.json();
        assert_eq!(still["items"], json!([]), "a refusal changes nothing");
    }
);

db_test!(
    guest_carts_expire_are_swept_and_are_limited_per_address,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[cart]\nguest_ttl_days = 2\n[rate_limit]\nguest_carts_per_ip_per_day = 3\n",
        );
        let m = market(&app).await;
        let kept = new_cart(&app).await;
        let old = new_cart(&app).await;
        let made = app.get(&format!("/api/v1/carts/{kept}"), None).await.json();
        let expires: chrono::DateTime<Utc> = made["expires_at"].as_str().unwrap().parse().unwrap();
        assert!(
            expires - Utc::now() <= Duration::days(2),
            "the setting is the lifetime"
        );
        assert_eq!(put_guest(&app, &old, &m.sauce, 1).await.status, 200);
        expire(&app, &old, Utc::now() - Duration::seconds(1)).await;
        app.get(&format!("/api/v1/carts/{old}"), None)
            .await
            .problem(404, "not_found");
        put_guest(&app, &old, &m.sauce, 2)
            .await
            .problem(404, "not_found");
        merge(&app, &m.buyer, &old).await.problem(404, "not_found");
        assert_eq!(
            app.get("/api/v1/cart", Some(&m.buyer)).await.json()["items"],
            json!([])
        );
        let swept = app
            .state
            .carts
            .sweep_guests(&app.state.db, Utc::now())
            .await
            .unwrap();
        assert_eq!(swept, 1, "the expired cart alone");
        let left = order::entity::guest_cart::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id.to_string(), kept);
        let lines = order::entity::guest_cart_item::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert!(lines.is_empty(), "its lines went with it");

        // The third cart of the day from this address is the last.
        new_cart(&app).await;
        let res = app.post("/api/v1/carts", None, json!({})).await;
        res.problem(429, "rate_limited");
        assert!(res.header("retry-after").is_some());
    }
);

db_test!(
    a_guest_cart_merges_into_the_signed_in_cart_within_its_bounds,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let id = new_cart(&app).await;
        // Sauce: 10 in stock. The buyer already holds 3; the guest cart 9.
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 3).await.status, 200);
        assert_eq!(put_guest(&app, &id, &m.sauce, 9).await.status, 200);
        assert_eq!(put_guest(&app, &id, &m.coffee, 2).await.status, 200);
        app.post("/api/v1/cart/merge", None, json!({"cart_id": id}))
            .await
            .problem(401, "unauthorized");
        let res = merge(&app, &m.buyer, &id).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let merged = res.json();
        let mut want = vec![(m.sauce.clone(), 10), (m.coffee.clone(), 2)];
        want.sort();
        assert_eq!(quantities(&merged), want, "added, capped by the stock");
        assert_eq!(merged["total"], 10 * 120_000 + 2 * 165_000);
        // The guest cart is gone; merging it again changes nothing.
        app.get(&format!("/api/v1/carts/{id}"), None)
            .await
            .problem(404, "not_found");
        let again = merge(&app, &m.buyer, &id).await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(quantities(&again.json()), want);
        // Unknown and malformed ids are 404.
        merge(&app, &m.buyer, &uuid::Uuid::new_v4().to_string())
            .await
            .problem(404, "not_found");
        merge(&app, &m.buyer, "42").await.problem(404, "not_found");
        // A line no longer on sale is left out.
        let other = new_cart(&app).await;
        assert_eq!(put_guest(&app, &other, &m.pepper, 1).await.status, 200);
        let res = app
            .delete(&format!("/api/v1/products/{}", m.pepper), Some(&m.owner_a))
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        let res = merge(&app, &m.buyer, &other).await;
        assert_eq!(quantities(&res.json()), want);
    }
);

db_test!(
    merges_of_one_guest_cart_at_once_move_its_lines_once,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::new(db).await);
        let m = market(&app).await;
        let other = app.signed_in("other@example.vn").await;
        let id = new_cart(&app).await;
        assert_eq!(put_guest(&app, &id, &m.sauce, 2).await.status, 200);
        assert_eq!(put_guest(&app, &id, &m.coffee, 1).await.status, 200);
        // Eight merges at once, by two buyers (two tabs each signing in): real threads, so on
        // PostgreSQL they truly overlap.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let token = if i % 2 == 0 {
                m.buyer.clone()
            } else {
                other.clone()
            };
            let (app, id) = (app.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                let res = merge(&app, &token, &id).await;
                (res.status.as_u16(), res.text())
            }));
        }
        for t in tasks {
            let (status, body) = t.await.unwrap();
            assert_eq!(status, 200, "{body}");
        }
        let mut carts = Vec::new();
        for token in [&m.buyer, &other] {
            carts.push(quantities(
                &app.get("/api/v1/cart", Some(token)).await.json(),
            ));
        }
        let mut want = vec![(m.sauce.clone(), 2), (m.coffee.clone(), 1)];
        want.sort();
        assert!(
            (carts[0] == want && carts[1].is_empty()) || (carts[1] == want && carts[0].is_empty()),
            "the lines moved once, into one cart: {carts:?}"
        );
    }
);

db_test!(
    a_product_page_quotes_delivery_fee_and_days_to_a_commune,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        // Sauce is listed without a weight: 2 × the default 500 g, to Hà Nội (another region):
        // the rate table's 1 kg tier.
        let path = format!("/api/v1/products/{}/delivery-quote", m.sauce);
        let res = app
            .get(&format!("{path}?commune_code=00070&quantity=2"), None)
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let quote = res.json();
        assert_eq!(quote["fee"], 42_000);
        assert_eq!(quote["zone"], "other_region");
        assert_eq!(quote["weight_grams"], 1000);
        assert_eq!(quote["estimated_days"], json!({"min": 3, "max": 5}));
        // The cart prices the same delivery for the same line.
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        let cart = app
            .get("/api/v1/cart?commune_code=00070", Some(&m.buyer))
            .await
            .json();
        assert_eq!(cart["stalls"][0]["delivery"], quote);
        // By slug, one unit by default; within the province the stall delivers itself, free.
        let slug = app
            .get(&format!("/api/v1/products/{}", m.sauce), None)
            .await
            .json()["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        let near = app
            .get(
                &format!("/api/v1/products/{slug}/delivery-quote?commune_code=19429"),
                None,
            )
            .await;
        assert_eq!(near.status, 200, "{}", near.text());
        let near = near.json();
        assert_eq!(near["zone"], "same_province");
        assert_eq!(
            (near["fee"].clone(), near["rule"].clone()),
            (json!(0), json!("own_delivery"))
        );
        assert_eq!(near["weight_grams"], 500);
        assert_eq!(near["estimated_days"], json!({"min": 1, "max": 2}));

        for (query, field) in [
            ("commune_code=99999", "commune_code"),
            ("quantity=2", "commune_code"),
            ("commune_code=00070&quantity=0", "quantity"),
            ("commune_code=00070&quantity=1001", "quantity"),
            ("commune_code=00070&quantity=lots", "quantity"),
            ("commune_code=00070&province_code=44", "province_code"),
            (
                "commune_code=00070&variant_id=00000000-0000-4000-8000-000000000000",
                "variant_id",
            ),
        ] {
            let res = app.get(&format!("{path}?{query}"), None).await;
            assert_eq!(
                fields(&res.problem(422, "validation_failed")),
                [field],
                "{query}"
            );
        }
        app.get(
            &format!(
                "/api/v1/products/{}/delivery-quote?commune_code=00070",
                uuid::Uuid::new_v4()
            ),
            None,
        )
        .await
        .problem(404, "not_found");
        // A product of a suspended stall has no public page, nor a quote.
        let res = app
            .post(
                &format!("/api/v1/admin/stalls/{}/suspend", m.stall_a),
                Some(&m.admin),
                json!({"reason": "Hồ sơ cần bổ sung"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        app.get(&format!("{path}?commune_code=00070"), None)
            .await
            .problem(404, "not_found");
    }
);

db_test!(
    a_guest_cart_holds_as_many_lines_as_the_signed_in_cart,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let id = new_cart(&app).await;
        let cat = app.category("gia-vi-nuoc-cham").await;
        // The market's three products and 97 more: 100 lines, the signed-in cart's limit.
        let mut products = vec![m.sauce.clone(), m.pepper.clone(), m.coffee.clone()];
        for i in 0..97 {
            let body = app.product_body(&cat, &format!("Mắm ruốc số {i}"), 30_000);
            let p = app.product(&m.owner_a, &m.stall_a, body).await;
            products.push(p["id"].as_str().unwrap().to_owned());
        }
        for p in &products {
            let res = put_guest(&app, &id, p, 1).await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
        let body = app.product_body(&cat, "Mắm ruốc thứ một trăm lẻ một", 30_000);
        let extra = app.product(&m.owner_a, &m.stall_a, body).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = put_guest(&app, &id, &extra, 1).await;
        assert_eq!(
            fields(&res.problem(422, "validation_failed")),
            ["product_id"]
        );
        // A line it holds still changes.
        let res = put_guest(&app, &id, &m.sauce, 3).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let cart = res.json();
        assert_eq!(cart["items"].as_array().unwrap().len(), 100);
    }
);

/// Sets product `id`'s price as its vendor (`owner`), with the version it has now.
async fn reprice(app: &TestApp, owner: &str, id: &str, price: i64) {
    let path = format!("/api/v1/products/{id}");
    let version = app.get(&path, Some(owner)).await.json()["version"].clone();
    let res = app
        .patch(
            &path,
            Some(owner),
            json!({"version": version, "price": price}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

/// `path` read in Vietnamese, as `token` when given.
async fn get_vi(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let mut req = axum::http::Request::get(path).header("accept-language", "vi");
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let res = app.send(req.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// The `price_changed` problem of a line put at `was` that costs `now`, in English.
fn price_changed(was: i64, now: i64) -> Value {
    json!({
        "code": "price_changed",
        "message": format!("The price changed from {was} đồng to {now} đồng."),
        "price_was": was,
        "price_now": now,
    })
}

db_test!(
    a_cart_line_says_its_price_changed_until_it_is_put_again,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        let cart = put_item(&app, &m.buyer, &m.coffee, 1).await.json();
        assert!(cart["items"][0].get("problem").is_none(), "{cart}");
        reprice(&app, &m.owner_a, &m.sauce, 150_000).await;
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        let line = &cart["items"][0];
        assert_eq!(line["problem"], price_changed(120_000, 150_000), "{cart}");
        // Still for sale, at the price now: the total counts it.
        assert_eq!(line["available"], true, "{cart}");
        assert_eq!(line["unit_price"], 150_000, "{cart}");
        assert_eq!(cart["total"], 2 * 150_000 + 165_000, "{cart}");
        assert!(cart["items"][1].get("problem").is_none(), "{cart}");
        let vi = get_vi(&app, "/api/v1/cart", Some(&m.buyer)).await;
        assert_eq!(
            vi["items"][0]["problem"]["message"], "Giá đã đổi từ 120.000 ₫ thành 150.000 ₫.",
            "{vi}"
        );
        assert_eq!(vi["items"][0]["problem"]["price_was"], 120_000);
        // Putting the line again, at any quantity, accepts the new price.
        let cart = put_item(&app, &m.buyer, &m.sauce, 2).await.json();
        assert!(cart["items"][0].get("problem").is_none(), "{cart}");
        // A line put before prices were kept says nothing of its price.
        reprice(&app, &m.owner_a, &m.sauce, 130_000).await;
        use order::entity::cart_item;
        cart_item::Entity::update_many()
            .col_expr(
                cart_item::Column::UnitPriceSeen,
                Expr::value(Option::<i64>::None),
            )
            .exec(&app.state.db)
            .await
            .unwrap();
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        assert!(cart["items"][0].get("problem").is_none(), "{cart}");
        // A worse problem wins: a line beyond the stock says so, not its new price.
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        let path = format!("/api/v1/products/{}", m.sauce);
        let version = app.get(&path, Some(&m.owner_a)).await.json()["version"].clone();
        let res = app
            .patch(
                &path,
                Some(&m.owner_a),
                json!({"version": version, "price": 125_000, "stock": 1}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        assert_eq!(
            cart["items"][0]["problem"]["code"], "out_of_stock",
            "{cart}"
        );
    }
);

db_test!(
    a_guest_cart_line_says_its_price_changed_and_the_merge_keeps_it,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let id = new_cart(&app).await;
        let path = format!("/api/v1/carts/{id}");
        assert_eq!(put_guest(&app, &id, &m.sauce, 2).await.status, 200);
        reprice(&app, &m.owner_a, &m.sauce, 150_000).await;
        let cart = app.get(&path, None).await.json();
        assert_eq!(
            cart["items"][0]["problem"],
            price_changed(120_000, 150_000),
            "{cart}"
        );
        let vi = get_vi(&app, &path, None).await;
        assert_eq!(
            vi["items"][0]["problem"]["message"], "Giá đã đổi từ 120.000 ₫ thành 150.000 ₫.",
            "{vi}"
        );
        let cart = put_guest(&app, &id, &m.sauce, 3).await.json();
        assert!(cart["items"][0].get("problem").is_none(), "{cart}");
        // Changed again before the buyer signs in: the merged line still says so.
        reprice(&app, &m.owner_a, &m.sauce, 140_000).await;
        let merged = merge(&app, &m.buyer, &id).await.json();
        assert_eq!(
            merged["items"][0]["problem"],
            price_changed(150_000, 140_000),
            "{merged}"
        );
        let cart = put_item(&app, &m.buyer, &m.sauce, 3).await.json();
        assert!(cart["items"][0].get("problem").is_none(), "{cart}");
    }
);
