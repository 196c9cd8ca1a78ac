//! Sale prices over HTTP, on SQLite and PostgreSQL: each rule a stall may break refused with
//! its code; the price in force before, during and after a sale's window (times in the past
//! and future rather than waits); carts and checkouts charging it, order lines keeping the
//! regular price; search sorting by it, and the pass over sale boundaries re-indexing a product
//! whose sale ended or began.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

/// `at` as a body writes it.
fn rfc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A sale of `price` from `from` to `to` from now.
fn sale(price: i64, from: Duration, to: Duration) -> Value {
    let now = Utc::now();
    json!({
        "sale_price": price,
        "sale_starts_at": rfc(now + from),
        "sale_ends_at": rfc(now + to),
    })
}

/// Merges the fields of `extra` into `body`.
fn with(mut body: Value, extra: &Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// Puts `sale` on product `id` (of one variant) by its owner; returns the product.
async fn put_on_sale(app: &TestApp, token: &str, id: &str, sale: Value) -> Value {
    let path = format!("/api/v1/products/{id}");
    let version = app.get(&path, Some(token)).await.json()["version"].clone();
    let res = app
        .patch(&path, Some(token), with(json!({"version": version}), &sale))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// Moves the stored sale window of variant `id` to `[from, to)` from now, as time passing
/// would: the product's row is not written.
async fn move_window(app: &TestApp, id: &str, from: Duration, to: Duration) {
    use catalog::entity::product_variant as variant;
    let now = Utc::now();
    variant::Entity::update_many()
        .col_expr(variant::Column::SaleStartsAt, Expr::value(now + from))
        .col_expr(variant::Column::SaleEndsAt, Expr::value(now + to))
        .filter(variant::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&app.db.conn)
        .await
        .unwrap();
}

/// The refusal of a product body of `m`'s stall A, as `(field, code)` pairs.
async fn refused(app: &TestApp, m: &Market, body: Value) -> Vec<(String, String)> {
    let problem = app
        .post(
            &format!("/api/v1/stalls/{}/products", m.stall_a),
            Some(&m.owner_a),
            body,
        )
        .await
        .problem(422, "validation_failed");
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

db_test!(
    each_broken_sale_rule_is_refused_with_its_code,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[promotions]\nmax_sale_days = 30");
        let m = market(&app).await;
        let cat = app.category("gia-vi-nuoc-cham").await;
        let variant = |sale: Value| {
            let mut v = json!({"name": "Chai 500 ml", "price": 100_000, "stock": 5});
            for (k, x) in sale.as_object().unwrap() {
                v[k] = x.clone();
            }
            let mut body = app.product_body(&cat, "Nước mắm khuyến mại", 0);
            let map = body.as_object_mut().unwrap();
            map.remove("price");
            map.remove("stock");
            body["variants"] = json!([v]);
            body
        };
        let (h, d) = (Duration::hours, Duration::days);
        let cases = [
            (
                sale(100_000, h(-1), d(5)),
                "variants[0].sale_price",
                "out_of_range",
            ),
            (
                sale(0, h(-1), d(5)),
                "variants[0].sale_price",
                "out_of_range",
            ),
            (
                sale(49_000, h(-1), d(5)),
                "variants[0].sale_price",
                "over_promotion_cap",
            ),
            (
                sale(90_000, d(2), d(1)),
                "variants[0].sale_ends_at",
                "before_other",
            ),
            (
                sale(90_000, d(1), d(32)),
                "variants[0].sale_ends_at",
                "window_too_long",
            ),
            (
                sale(90_000, d(-3), d(-1)),
                "variants[0].sale_ends_at",
                "in_the_past",
            ),
            (
                json!({"sale_price": 90_000, "sale_starts_at": rfc(Utc::now())}),
                "variants[0].sale_ends_at",
                "required",
            ),
        ];
        for (s, field, code) in cases {
            assert_eq!(
                refused(&app, &m, variant(s.clone())).await,
                [(field.to_owned(), code.to_owned())],
                "{s}"
            );
        }
        // Half the price is the deepest cut allowed.
        let half = app
            .product(&m.owner_a, &m.stall_a, variant(sale(50_000, h(-1), d(29))))
            .await;
        assert_eq!(half["variants"][0]["price_in_force"], 50_000, "{half}");

        // A product's own sale, beside its variants, is refused; the cap is told in
        // Vietnamese when asked.
        let beside = with(variant(json!({})), &sale(90_000, h(-1), d(5)));
        let fields: Vec<String> = refused(&app, &m, beside)
            .await
            .into_iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(fields, ["sale_price", "sale_starts_at", "sale_ends_at"]);
        let capped = with(
            app.product_body(&cat, "Nước mắm giảm sâu", 100_000),
            &sale(10_000, h(-1), d(5)),
        );
        let res = app
            .send(
                axum::http::Request::post(format!("/api/v1/stalls/{}/products", m.stall_a))
                    .header("authorization", format!("Bearer {}", m.owner_a))
                    .header("content-type", "application/json")
                    .header("accept-language", "vi")
                    .body(axum::body::Body::from(capped.to_string()))
                    .unwrap(),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(res["errors"][0]["field"], "sale_price", "{res}");
        assert_eq!(res["errors"][0]["code"], "over_promotion_cap");
        assert!(
            res["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("không được giảm quá 50 %"),
            "{res}"
        );
    }
);

db_test!(
    the_price_in_force_follows_the_window_and_checkout_charges_it,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let (h, d) = (Duration::hours, Duration::days);

        // Coffee is in the cart before its sale begins.
        put_item(&app, &m.buyer, &m.coffee, 1).await;

        // Before the window: the regular price.
        let pepper = put_on_sale(&app, &m.owner_a, &m.pepper, sale(200_000, d(1), d(3))).await;
        let v = &pepper["variants"][0];
        assert_eq!(
            (
                &v["price"],
                &v["sale_price"],
                &v["price_in_force"],
                &v["on_sale"]
            ),
            (
                &json!(220_000),
                &json!(200_000),
                &json!(220_000),
                &json!(false)
            ),
            "{pepper}"
        );
        // During it: the sale price, for the variant and the product.
        let sauce = put_on_sale(&app, &m.owner_a, &m.sauce, sale(90_000, h(-1), d(2))).await;
        let public = app
            .get(&format!("/api/v1/products/{}", m.sauce), None)
            .await
            .json();
        for p in [&sauce, &public] {
            let v = &p["variants"][0];
            assert_eq!(
                (&v["price"], &v["price_in_force"], &v["on_sale"]),
                (&json!(120_000), &json!(90_000), &json!(true)),
                "{p}"
            );
            assert_eq!(
                (&p["price"], &p["price_in_force"]),
                (&json!(120_000), &json!(90_000))
            );
            assert!(v["sale_starts_at"].is_string() && v["sale_ends_at"].is_string());
        }
        // The stall's list shows it too, and sorts by it.
        let list = app
            .get(
                &format!("/api/v1/stalls/{}/products?sort=price_asc", m.stall_a),
                None,
            )
            .await
            .json();
        let listed: Vec<(&str, i64)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap(),
                    p["price_in_force"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [(m.sauce.as_str(), 90_000), (m.pepper.as_str(), 220_000)]
        );

        // The coffee's sale began after it was carted: the line says its price changed.
        put_on_sale(&app, &m.owner_b, &m.coffee, sale(140_000, h(-1), d(2))).await;
        let cart = put_item(&app, &m.buyer, &m.sauce, 2).await.json();
        let coffee = cart["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["product_id"] == m.coffee.as_str())
            .unwrap();
        assert_eq!(coffee["problem"]["code"], "price_changed", "{cart}");
        assert_eq!(
            (
                &coffee["problem"]["price_was"],
                &coffee["problem"]["price_now"]
            ),
            (&json!(165_000), &json!(140_000))
        );
        let sauce_line = &cart["items"][1];
        assert_eq!(
            (
                &sauce_line["unit_price"],
                &sauce_line["regular_price"],
                &sauce_line["on_sale"]
            ),
            (&json!(90_000), &json!(120_000), &json!(true)),
            "{cart}"
        );
        assert_eq!(cart["total"], 140_000 + 2 * 90_000);

        // The checkout charges the sale prices; each order line keeps the regular price too.
        let out = checkout(&app, &m.buyer, "k-sale", shipping()).await;
        assert_eq!(out.status, 201, "{}", out.text());
        let out = out.json();
        assert_eq!(out["total"], 140_000 + 2 * 90_000, "{out}");
        let mut lines: Vec<(i64, i64, i64)> = out["orders"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|o| o["items"].as_array().unwrap().clone())
            .map(|i| {
                (
                    i["unit_price"].as_i64().unwrap(),
                    i["regular_unit_price"].as_i64().unwrap(),
                    i["quantity"].as_i64().unwrap(),
                )
            })
            .collect();
        lines.sort_unstable();
        assert_eq!(lines, [(90_000, 120_000, 2), (140_000, 165_000, 1)]);
        let order = out["orders"][0]["id"].as_str().unwrap();
        let read = app
            .get(&format!("/api/v1/orders/{order}"), Some(&m.buyer))
            .await
            .json();
        assert!(read["items"][0]["regular_unit_price"].is_i64(), "{read}");

        // After the window: the regular price again, the sale still shown as over.
        move_window(&app, &m.sauce, d(-3), h(-1)).await;
        let after = app
            .get(&format!("/api/v1/products/{}", m.sauce), None)
            .await
            .json();
        let v = &after["variants"][0];
        assert_eq!(
            (
                &v["price_in_force"],
                &v["on_sale"],
                &after["price_in_force"]
            ),
            (&json!(120_000), &json!(false), &json!(120_000)),
            "{after}"
        );
        let cart = put_item(&app, &m.buyer, &m.sauce, 1).await.json();
        assert_eq!(cart["items"][0]["unit_price"], 120_000, "{cart}");

        // An edit that ends the sale: the three fields null.
        let cleared = put_on_sale(
            &app,
            &m.owner_a,
            &m.pepper,
            json!({"sale_price": null, "sale_starts_at": null, "sale_ends_at": null}),
        )
        .await;
        assert_eq!(
            cleared["variants"][0]["sale_price"],
            Value::Null,
            "{cleared}"
        );
        // A new price under a sale still to come must keep it within the rules.
        put_on_sale(&app, &m.owner_a, &m.pepper, sale(200_000, d(1), d(3))).await;
        let version = app
            .get(&format!("/api/v1/products/{}", m.pepper), Some(&m.owner_a))
            .await
            .json()["version"]
            .clone();
        let problem = app
            .patch(
                &format!("/api/v1/products/{}", m.pepper),
                Some(&m.owner_a),
                json!({"version": version, "price": 190_000}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&problem), ["sale_price"]);
    }
);

/// The ids of a price-ordered search of stall `stall`, with each hit's `price` and
/// `price_in_force`.
async fn by_price(app: &TestApp, stall: &str) -> Vec<(String, i64, i64)> {
    app.index().await;
    let res = app
        .get(
            &format!("/api/v1/search/products?stall={stall}&sort=price_asc"),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap().to_owned(),
                h["price"].as_i64().unwrap(),
                h["price_in_force"].as_i64().unwrap(),
            )
        })
        .collect()
}

db_test!(
    search_sorts_by_the_price_in_force_and_the_boundary_pass_reindexes,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let (h, d, min) = (Duration::hours, Duration::days, Duration::minutes);
        let conn = &app.db.conn;
        let pass = |at: DateTime<Utc>| catalog::sale_boundaries::pass(conn, at);

        // The first pass, three hours ago: nothing had a boundary.
        assert_eq!(pass(Utc::now() - h(3)).await.unwrap(), 0);
        // Pepper (220 000) on sale at 110 000, half its price: it sorts before the sauce.
        put_on_sale(&app, &m.owner_a, &m.pepper, sale(110_000, h(-1), d(2))).await;
        let (sauce, pepper) = (m.sauce.clone(), m.pepper.clone());
        assert_eq!(
            by_price(&app, &m.stall_a).await,
            [
                (pepper.clone(), 220_000, 110_000),
                (sauce.clone(), 120_000, 120_000)
            ]
        );
        let in_force_filter = app
            .get(
                &format!(
                    "/api/v1/search/products?stall={}&price_max=115000",
                    m.stall_a
                ),
                None,
            )
            .await
            .json();
        assert_eq!(in_force_filter["total"], 1, "{in_force_filter}");

        // Its sale ends (time passes: the product's row is not written); until the pass the
        // index still has the sale price.
        move_window(&app, &m.pepper, d(-2), min(-1)).await;
        assert_eq!(by_price(&app, &m.stall_a).await[0].0, pepper);
        // The pass sees the boundary though the last pass was hours ago (its mark is kept),
        // and queues the product again; the search follows.
        assert_eq!(pass(Utc::now()).await.unwrap(), 1);
        assert!(app.outbox_rows(&m.pepper).await >= 1);
        let after = [
            (sauce.clone(), 120_000, 120_000),
            (pepper.clone(), 220_000, 220_000),
        ];
        assert_eq!(by_price(&app, &m.stall_a).await, after);
        // Again: the same answer (a boundary seen twice only refreshes twice).
        pass(Utc::now()).await.unwrap();
        assert_eq!(by_price(&app, &m.stall_a).await, after);

        // A sale that began since the last pass (stored with a future start, now begun).
        put_on_sale(&app, &m.owner_a, &m.sauce, sale(70_000, h(1), d(2))).await;
        assert_eq!(by_price(&app, &m.stall_a).await[0].0, sauce);
        move_window(&app, &m.sauce, min(-1), d(2)).await;
        assert_eq!(
            by_price(&app, &m.stall_a).await[0].2,
            120_000,
            "not yet passed"
        );
        assert_eq!(
            pass(Utc::now()).await.unwrap(),
            2,
            "the sauce, and the pepper again"
        );
        assert_eq!(
            by_price(&app, &m.stall_a).await,
            [(sauce, 120_000, 70_000), (pepper, 220_000, 220_000)]
        );
    }
);
