//! Pack sizes over HTTP, on SQLite and PostgreSQL: a product listed in several variants, each
//! with its own price and stock; cart lines, orders and stock per variant; edits of the list;
//! and two variants of one product sold at once, each exactly to its stock.

use serde_json::{Value, json};

use crate::{
    orders::{CROWD, check_out_at_once, checkout, crowd, market, put_item, shipping},
    support::*,
};

/// Fish sauce in a bottle (85 000 đ, 5 in stock) and a box of three (240 000 đ, 2 in stock).
fn two_sizes(app: &TestApp, category: &str) -> Value {
    let mut body = app.product_body(category, "Nước mắm nhĩ Cửa Tùng", 0);
    let map = body.as_object_mut().unwrap();
    map.remove("price");
    map.remove("stock");
    map.insert(
        "variants".into(),
        json!([
            {"name": "Chai 500 ml", "sku": "NM-500", "barcode": "8934563138165", "price": 85_000,
             "stock": 5, "weight_grams": 700},
            {"name": "Hộp 3 chai", "sku": "NM-3X500", "price": 240_000,
             "compare_at_price": 255_000, "stock": 2, "weight_grams": 2200}
        ]),
    );
    body
}

fn ids(product: &Value) -> (String, String) {
    let v = product["variants"].as_array().unwrap();
    (
        v[0]["id"].as_str().unwrap().to_owned(),
        v[1]["id"].as_str().unwrap().to_owned(),
    )
}

db_test!(
    a_product_sold_in_two_pack_sizes_is_carted_ordered_and_stocked_per_size,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let cat = app.category("gia-vi-nuoc-cham").await;

        // What a vendor may get wrong is named, each problem at once, and nothing is listed.
        let mut bad = two_sizes(&app, &cat);
        bad["price"] = json!(85_000);
        bad["variants"][1]["name"] = json!("chai 500 ML");
        bad["variants"][1]["barcode"] = json!("8934563138166");
        bad["variants"][1]["compare_at_price"] = json!(100_000);
        let problem = app
            .post(
                &format!("/api/v1/stalls/{}/products", m.stall_a),
                Some(&m.owner_a),
                bad,
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            fields(&problem),
            [
                "price",
                "variants[1].name",
                "variants[1].barcode",
                "variants[1].compare_at_price"
            ],
            "{problem}"
        );
        let mut none = two_sizes(&app, &cat);
        none["variants"] = json!([]);
        let problem = app
            .post(
                &format!("/api/v1/stalls/{}/products", m.stall_a),
                Some(&m.owner_a),
                none,
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&problem), ["variants"]);

        let product = app
            .product(&m.owner_a, &m.stall_a, two_sizes(&app, &cat))
            .await;
        let id = product["id"].as_str().unwrap().to_owned();
        let (bottle, box3) = ids(&product);
        assert_eq!(bottle, id, "the first variant of a new product has its id");
        assert_eq!(
            (&product["price"], &product["price_max"], &product["stock"]),
            (&json!(85_000), &json!(240_000), &json!(7)),
            "{product}"
        );
        assert_eq!(product["variants"][1]["compare_at_price"], 255_000);
        assert_eq!(product["variants"][0]["barcode"], "8934563138165");

        // The buyer takes both sizes: one line each, priced by its size.
        put_item(&app, &m.buyer, &bottle, 2).await;
        let cart = put_item(&app, &m.buyer, &box3, 1).await.json();
        let lines = cart["items"].as_array().unwrap();
        assert_eq!(lines.len(), 2, "{cart}");
        assert_eq!(
            (
                &lines[1]["variant_id"],
                &lines[1]["variant_name"],
                &lines[1]["price"],
                &lines[1]["product_id"]
            ),
            (
                &json!(box3),
                &json!("Hộp 3 chai"),
                &json!(240_000),
                &json!(id)
            )
        );
        assert_eq!(cart["total"], 2 * 85_000 + 240_000);
        // More boxes than there are: the line says so, by its size's stock.
        let cart = put_item(&app, &m.buyer, &box3, 3).await.json();
        assert_eq!(cart["items"][1]["available"], false, "{cart}");
        assert_eq!(cart["items"][1]["stock"], 2);
        put_item(&app, &m.buyer, &box3, 1).await;

        let out = checkout(&app, &m.buyer, "k-sizes", shipping()).await;
        assert_eq!(out.status, 201, "{}", out.text());
        let order = &out.json()["orders"][0];
        let sold: Vec<(Value, Value, Value)> = order["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["variant_id"].clone(),
                    i["variant_name"].clone(),
                    i["unit_price"].clone(),
                )
            })
            .collect();
        assert!(
            sold.contains(&(json!(bottle), json!("Chai 500 ml"), json!(85_000)))
                && sold.contains(&(json!(box3), json!("Hộp 3 chai"), json!(240_000))),
            "{order}"
        );
        let after = app
            .get(&format!("/api/v1/products/{id}"), Some(&m.owner_a))
            .await
            .json();
        let stocks: Vec<i64> = after["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["stock"].as_i64().unwrap())
            .collect();
        assert_eq!(stocks, [3, 1], "{after}");
        assert_eq!(
            (&after["stock"], &after["sales_count"]),
            (&json!(4), &json!(3))
        );

        // Cancelled, each size comes back to its own shelf.
        let order_id = order["id"].as_str().unwrap();
        let res = app
            .post(
                &format!("/api/v1/orders/{order_id}/cancel"),
                Some(&m.buyer),
                json!({"reason": "Đặt nhầm cỡ"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let back = app
            .get(&format!("/api/v1/products/{id}"), Some(&m.owner_a))
            .await
            .json();
        assert_eq!(back["variants"][0]["stock"], 5);
        assert_eq!(back["variants"][1]["stock"], 2);
        assert_eq!(
            (&back["stock"], &back["sales_count"]),
            (&json!(7), &json!(0))
        );
    }
);

db_test!(
    editing_the_pack_sizes_changes_adds_and_removes_them,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let cat = app.category("gia-vi-nuoc-cham").await;
        let product = app
            .product(&m.owner_a, &m.stall_a, two_sizes(&app, &cat))
            .await;
        let id = product["id"].as_str().unwrap().to_owned();
        let (bottle, box3) = ids(&product);
        put_item(&app, &m.buyer, &box3, 1).await;
        let path = format!("/api/v1/products/{id}");

        // A price for the whole product means nothing when it has several sizes.
        let problem = app
            .patch(
                &path,
                Some(&m.owner_a),
                json!({"version": 1, "price": 90_000}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&problem), ["price"]);
        // Another product's variant is not this one's to change.
        let problem = app
            .patch(
                &path,
                Some(&m.owner_a),
                json!({"version": 1, "variants": [
                    {"id": m.sauce, "name": "Chai 500 ml", "price": 85_000, "stock": 5}
                ]}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&problem), ["variants[0].id"]);

        // The bottle gets dearer, the box goes, a crate of twelve comes.
        let edited = app
            .patch(
                &path,
                Some(&m.owner_a),
                json!({"version": 1, "variants": [
                    {"id": bottle, "name": "Chai 500 ml", "sku": "NM-500", "price": 90_000, "stock": 5},
                    {"name": "Thùng 12 chai", "sku": "NM-12X500", "price": 950_000, "stock": 3}
                ]}),
            )
            .await;
        assert_eq!(edited.status, 200, "{}", edited.text());
        let edited = edited.json();
        let names: Vec<&str> = edited["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Chai 500 ml", "Thùng 12 chai"]);
        assert_eq!(edited["variants"][0]["id"], bottle.as_str());
        assert_eq!(
            (&edited["price"], &edited["price_max"], &edited["stock"]),
            (&json!(90_000), &json!(950_000), &json!(8))
        );
        // The box's cart line went with it.
        let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
        assert_eq!(cart["items"], json!([]), "{cart}");
        // A product of one size still takes a plain price and stock, for that size.
        let sauce = app
            .patch(
                &format!("/api/v1/products/{}", m.sauce),
                Some(&m.owner_a),
                json!({"version": 1, "price": 125_000, "stock": 9}),
            )
            .await
            .json();
        assert_eq!(sauce["variants"][0]["id"], m.sauce.as_str());
        assert_eq!(
            (
                &sauce["variants"][0]["price"],
                &sauce["variants"][0]["stock"]
            ),
            (&json!(125_000), &json!(9))
        );
        assert_eq!(
            (&sauce["price"], &sauce["stock"]),
            (&json!(125_000), &json!(9))
        );
    }
);

db_test!(
    two_sizes_of_one_product_sold_at_once_each_sell_exactly_their_stock,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::with_config(db, CROWD));
        let m = market(&app).await;
        let cat = app.category("gia-vi-nuoc-cham").await;
        let product = app
            .product(&m.owner_a, &m.stall_a, two_sizes(&app, &cat))
            .await;
        let id = product["id"].as_str().unwrap().to_owned();
        let (bottle, box3) = ids(&product);
        // Twelve buyers want a bottle (5 left), twelve a box (2 left), and six both.
        let buyers = crowd(&app, "size", 30, |i| match i % 5 {
            0 => vec![bottle.clone(), box3.clone()],
            1 | 2 => vec![bottle.clone()],
            _ => vec![box3.clone()],
        })
        .await;
        for (status, body) in check_out_at_once(&app, buyers, "size", shipping()).await {
            assert!(
                status == 201 || (status == 409 && body["code"] == "out_of_stock"),
                "{status}: {body}"
            );
        }
        let after = app
            .get(&format!("/api/v1/products/{id}"), Some(&m.owner_a))
            .await
            .json();
        let orders = app
            .get(
                &format!("/api/v1/stalls/{}/orders?per_page=100", m.stall_a),
                Some(&m.owner_a),
            )
            .await
            .json();
        let units = |variant: &str| -> i64 {
            orders["items"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|o| o["items"].as_array().unwrap().iter())
                .filter(|i| i["variant_id"] == variant)
                .map(|i| i["quantity"].as_i64().unwrap())
                .sum()
        };
        // Bottles: 18 buyers want one, 5 exist. Boxes: 18 want one, 2 exist. Each sells out
        // exactly, never more, and the product's sums follow.
        assert_eq!((units(&bottle), units(&box3)), (5, 2), "{orders}");
        assert_eq!(after["variants"][0]["stock"], 0, "{after}");
        assert_eq!(after["variants"][1]["stock"], 0, "{after}");
        assert_eq!(
            (&after["stock"], &after["sales_count"]),
            (&json!(0), &json!(7))
        );
    }
);

db_test!(
    price_edits_beside_checkouts_never_give_back_sold_stock,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::with_config(db, CROWD));
        let m = market(&app).await;
        // Twelve buyers take one bottle each of the sauce (10 in stock) while its owner
        // changes the price over and over: a price edit reads the variant, and must not write
        // back a stock a checkout has taken from since.
        let buyers = crowd(&app, "price", 12, |_| vec![m.sauce.clone()]).await;
        let editor = {
            let (app, owner, sauce) = (app.clone(), m.owner_a.clone(), m.sauce.clone());
            tokio::spawn(async move {
                let path = format!("/api/v1/products/{sauce}");
                for round in 0..30 {
                    let version = app.get(&path, Some(&owner)).await.json()["version"].clone();
                    let res = app
                        .patch(
                            &path,
                            Some(&owner),
                            json!({"version": version, "price": 120_000 + round}),
                        )
                        .await;
                    assert!([200, 409].contains(&res.status.as_u16()), "{}", res.text());
                }
            })
        };
        let mut sold = 0;
        for (status, body) in check_out_at_once(&app, buyers, "price", shipping()).await {
            match status {
                201 => sold += 1,
                409 => assert_eq!(body["code"], "out_of_stock", "{body}"),
                other => panic!("checkout answered {other}: {body}"),
            }
        }
        editor.await.unwrap();
        let after = app
            .get(&format!("/api/v1/products/{}", m.sauce), Some(&m.owner_a))
            .await
            .json();
        assert_eq!(sold, 10, "every bottle sold once");
        assert_eq!(after["variants"][0]["stock"], 0, "{after}");
        assert_eq!(after["stock"], 0, "{after}");
    }
);
