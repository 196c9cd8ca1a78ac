//! Buyers anywhere in Vietnam: the national map's endpoints, the address book, delivery fees
//! per stall by zone and weight, and checkout totals that include them. On SQLite and
//! PostgreSQL.

use axum::http::Method;
use serde_json::{Value, json};
use testkit::stripe::StubStripe;

use crate::{
    orders::{checkout, put_item},
    support::*,
};

/// Two approved stalls in Xã Cửa Tùng (Quảng Trị) pricing delivery by the rate table, with
/// products of known weight, and a buyer.
struct Shop {
    buyer: String,
    owner_a: String,
    stall_a: String,
    stall_b: String,
    /// 1.2 kg, 150 000 đ (stall A).
    honey: String,
    /// No weight given (the default 500 g counts), 90 000 đ (stall B).
    pepper: String,
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin("admin@tinh.vn").await;
    let owner_a = app.signed_in("a@example.vn").await;
    let owner_b = app.signed_in("b@example.vn").await;
    let buyer = app.signed_in("hanoi@example.vn").await;
    let stall = |token: String, name: &'static str| async move {
        app.stall(&token, name).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let stall_a = stall(owner_a.clone(), "Mật ong Hướng Phùng").await;
    let stall_b = stall(owner_b.clone(), "Hồ tiêu Vĩnh Linh").await;
    app.approve(&admin, &stall_a).await;
    app.approve(&admin, &stall_b).await;
    let cat = app.category("gia-vi-nuoc-cham").await;
    let mut body = app.product_body(&cat, "Mật ong rừng", 150_000);
    body["weight_grams"] = json!(1200);
    let honey = app.product(&owner_a, &stall_a, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app.product_body(&cat, "Hồ tiêu đỏ", 90_000);
    let pepper = app.product(&owner_b, &stall_b, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Shop {
        buyer,
        owner_a,
        stall_a,
        stall_b,
        honey,
        pepper,
    }
}

fn hoan_kiem() -> Value {
    json!({
        "recipient": "Nguyễn Thu Hà",
        "phone": "0987 654 321",
        "province_code": "01",
        "commune_code": "00070",
        "street": "12 Lê Thái Tổ",
    })
}

fn stall_of<'a>(list: &'a Value, stall: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["stall_id"] == stall)
        .unwrap_or_else(|| panic!("no {stall} in {list}"))
}

db_test!(
    a_ha_noi_buyer_pays_goods_and_delivery_by_zone_and_weight,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        let address = app
            .post("/api/v1/me/addresses", Some(&s.buyer), hoan_kiem())
            .await;
        assert_eq!(address.status, 201, "{}", address.text());
        let address = address.json();
        assert_eq!(
            address["is_default"], true,
            "the first address is the default"
        );
        assert_eq!(
            address["province"],
            json!({"code": "01", "name": "Thành phố Hà Nội"})
        );
        assert_eq!(
            address["commune"],
            json!({"code": "00070", "name": "Phường Hoàn Kiếm"})
        );
        assert_eq!(address["phone"], "0987654321");
        let address_id = address["id"].as_str().unwrap().to_owned();

        put_item(&app, &s.buyer, &s.honey, 2).await;
        put_item(&app, &s.buyer, &s.pepper, 3).await;
        let cart = app
            .get(
                &format!("/api/v1/cart?address_id={address_id}"),
                Some(&s.buyer),
            )
            .await;
        assert_eq!(cart.status, 200, "{}", cart.text());
        let cart = cart.json();
        // Hà Nội is in another region than Quảng Trị. Honey: 2 × 1.2 kg = 2.4 kg, past the
        // 2 kg tier: 75 000. Pepper: 3 × the default 500 g = 1.5 kg: 52 000.
        let a = stall_of(&cart["stalls"], &s.stall_a);
        assert_eq!(a["subtotal"], 300_000);
        assert_eq!(a["delivery"]["zone"], "other_region");
        assert_eq!(a["delivery"]["weight_grams"], 2400);
        assert_eq!(a["delivery"]["fee"], 75_000);
        assert_eq!(a["delivery"]["rule"], "table");
        assert_eq!(a["delivery"]["items_without_weight"], 0);
        let b = stall_of(&cart["stalls"], &s.stall_b);
        assert_eq!(b["delivery"]["weight_grams"], 1500);
        assert_eq!(b["delivery"]["fee"], 52_000);
        assert_eq!(b["delivery"]["items_without_weight"], 1);
        let grand = 300_000 + 75_000 + 270_000 + 52_000;
        assert_eq!(cart["total"], 570_000, "goods alone");
        assert_eq!(cart["grand_total"], grand);
        // The same by commune code alone.
        let by_place = app
            .get("/api/v1/cart?commune_code=00070", Some(&s.buyer))
            .await
            .json();
        assert_eq!(by_place["grand_total"], grand);

        let res = checkout(
            &app,
            &s.buyer,
            "hn-1",
            json!({"address_id": address_id, "payment_method": "cod", "expected_total": grand}),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        assert_eq!(out["total"], grand);
        let orders = &out["orders"];
        let oa = stall_of(orders, &s.stall_a);
        assert_eq!(oa["subtotal"], 300_000);
        assert_eq!(oa["delivery_fee"], 75_000);
        assert_eq!(oa["total"], 375_000, "what the courier collects in cash");
        assert_eq!(oa["delivery"]["zone"], "other_region");
        assert_eq!(
            oa["shipping"]["province"],
            json!({"code": "01", "name": "Thành phố Hà Nội"})
        );
        assert_eq!(
            oa["shipping"]["commune"],
            json!({"code": "00070", "name": "Phường Hoàn Kiếm"})
        );
        let ob = stall_of(orders, &s.stall_b);
        assert_eq!(ob["total"], 322_000);
        let sum: i64 = orders
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["total"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, grand, "the orders add up to the checkout, to the đồng");

        // Editing the address later does not rewrite the order's snapshot.
        let res = app
            .patch(
                &format!("/api/v1/me/addresses/{address_id}"),
                Some(&s.buyer),
                json!({"commune_code": "19414", "street": "Thôn Tân Lý"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(
            res.json()["province"]["code"],
            "44",
            "the commune brings its province"
        );
        let order_id = oa["id"].as_str().unwrap();
        let seen = app
            .get(&format!("/api/v1/orders/{order_id}"), Some(&s.owner_a))
            .await
            .json();
        assert_eq!(seen["shipping"]["commune"]["code"], "00070");
        assert_eq!(seen["shipping"]["street"], "12 Lê Thái Tổ");

        // The stall ships with its carrier.
        for m in ["confirm", "ship"] {
            let body = if m == "ship" {
                json!({"tracking_no": "VTP123456789", "carrier": "Viettel Post"})
            } else {
                json!({})
            };
            let res = app
                .post(
                    &format!("/api/v1/orders/{order_id}/{m}"),
                    Some(&s.owner_a),
                    body,
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
        let seen = app
            .get(&format!("/api/v1/orders/{order_id}"), Some(&s.buyer))
            .await
            .json();
        assert_eq!(seen["carrier"], "Viettel Post");
        assert_eq!(seen["tracking_no"], "VTP123456789");
    }
);

db_test!(
    a_card_payment_covers_goods_and_delivery,
    |db: TestDb| async move {
        let stripe = StubStripe::start().await;
        let app = TestApp::with_stripe(db, &stripe.base, "whsec_x");
        let s = shop(&app).await;
        put_item(&app, &s.buyer, &s.honey, 1).await;
        let mut body = json!({"shipping": hoan_kiem(), "payment_method": "card"});
        // 1.2 kg to another region: 52 000.
        body["expected_total"] = json!(150_000 + 52_000);
        let res = checkout(&app, &s.buyer, "card-hn", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["total"], 202_000);
        let calls = stripe.requests_to("/v1/payment_intents");
        assert_eq!(calls[0].field("amount"), Some("202000"));
    }
);

db_test!(
    bad_addresses_are_refused_naming_the_field,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        let other = app.signed_in("other@example.vn").await;
        let theirs = app
            .post("/api/v1/me/addresses", Some(&other), hoan_kiem())
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        put_item(&app, &s.buyer, &s.honey, 1).await;
        let cases: [(Value, &str); 5] = [
            (json!({"province_code": "99"}), "shipping.province_code"),
            (json!({"commune_code": "99999"}), "shipping.commune_code"),
            // Xã Cửa Tùng is in Quảng Trị, not Hà Nội.
            (json!({"commune_code": "19414"}), "shipping.commune_code"),
            (json!({"phone": "12345"}), "shipping.phone"),
            (json!({"street": ""}), "shipping.street"),
        ];
        for (change, field) in cases {
            let mut address = hoan_kiem();
            for (k, v) in change.as_object().unwrap() {
                address[k] = v.clone();
            }
            let res = checkout(
                &app,
                &s.buyer,
                &format!("bad-{field}"),
                json!({"shipping": address, "payment_method": "cod"}),
            )
            .await;
            let body = res.problem(422, "validation_failed");
            assert_eq!(body["errors"][0]["field"], field, "{body}");
            let res = app
                .post("/api/v1/me/addresses", Some(&s.buyer), {
                    let mut a = address.clone();
                    a["is_default"] = json!(false);
                    a
                })
                .await;
            let body = res.problem(422, "validation_failed");
            assert_eq!(
                body["errors"][0]["field"],
                field.trim_start_matches("shipping."),
                "{body}"
            );
        }
        // Another buyer's address is not one of yours, at checkout or for the cart.
        let body = checkout(
            &app,
            &s.buyer,
            "theirs",
            json!({"address_id": theirs, "payment_method": "cod"}),
        )
        .await
        .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "address_id");
        app.get(&format!("/api/v1/cart?address_id={theirs}"), Some(&s.buyer))
            .await
            .problem(422, "validation_failed");
        app.patch(
            &format!("/api/v1/me/addresses/{theirs}"),
            Some(&s.buyer),
            json!({"street": "x y z"}),
        )
        .await
        .problem(404, "not_found");
        // Nothing was written: no order, no address, the cart as it was.
        assert_eq!(
            app.get("/api/v1/orders", Some(&s.buyer)).await.json()["total"],
            0
        );
        let book = app.get("/api/v1/me/addresses", Some(&s.buyer)).await.json();
        assert_eq!(book.as_array().unwrap().len(), 0, "{book}");
        let cart = app.get("/api/v1/cart", Some(&s.buyer)).await.json();
        assert_eq!(cart["items"].as_array().unwrap().len(), 1);
    }
);

db_test!(
    a_changed_rate_or_stall_rule_is_a_changed_total,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        put_item(&app, &s.buyer, &s.honey, 1).await;
        let cart = app
            .get(
                "/api/v1/cart?province_code=01&commune_code=00070",
                Some(&s.buyer),
            )
            .await
            .json();
        let shown = cart["grand_total"].as_i64().unwrap();
        assert_eq!(shown, 150_000 + 52_000);
        // The stall switches to a flat fee after the buyer looked.
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/stalls/{}/delivery", s.stall_a),
                Some(&s.owner_a),
                Some(json!({"flat_fee": 30_000})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["delivery"]["flat_fee"], 30_000);
        let body =
            json!({"shipping": hoan_kiem(), "payment_method": "cod", "expected_total": shown});
        let res = checkout(&app, &s.buyer, "rate-changed", body).await;
        let problem = res.problem(409, "total_changed");
        assert_eq!(problem["details"]["total"], 180_000, "{problem}");
        let order = &problem["details"]["orders"][0];
        assert_eq!(order["delivery"]["rule"], "flat");
        assert_eq!(order["delivery"]["fee"], 30_000);
        assert_eq!(
            app.get("/api/v1/orders", Some(&s.buyer)).await.json()["total"],
            0
        );
        // Free delivery above a value.
        app.request(
            Method::PUT,
            &format!("/api/v1/stalls/{}/delivery", s.stall_a),
            Some(&s.owner_a),
            Some(json!({"free_above": 100_000})),
        )
        .await;
        let cart = app
            .get("/api/v1/cart?commune_code=00070", Some(&s.buyer))
            .await
            .json();
        let a = stall_of(&cart["stalls"], &s.stall_a);
        assert_eq!(
            (a["delivery"]["fee"].clone(), a["delivery"]["rule"].clone()),
            (json!(0), json!("free_above"))
        );
        assert_eq!(cart["grand_total"], 150_000);
        let body =
            json!({"shipping": hoan_kiem(), "payment_method": "cod", "expected_total": 150_000});
        assert_eq!(checkout(&app, &s.buyer, "free", body).await.status, 201);
        // Only the owner sets the rules; a negative fee is refused.
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/stalls/{}/delivery", s.stall_a),
                Some(&s.owner_a),
                Some(json!({"flat_fee": -1})),
            )
            .await;
        assert_eq!(
            res.problem(422, "validation_failed")["errors"][0]["field"],
            "flat_fee"
        );
        app.request(
            Method::PUT,
            &format!("/api/v1/stalls/{}/delivery", s.stall_a),
            Some(&s.buyer),
            Some(json!({"flat_fee": 1})),
        )
        .await
        .problem(403, "forbidden");
    }
);

db_test!(the_national_map_endpoints, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let provinces = app.get("/api/v1/regions/provinces", None).await.json();
    assert_eq!(provinces.as_array().unwrap().len(), 34);
    assert_eq!(provinces[0]["code"], "01");
    let communes = app
        .get("/api/v1/regions/provinces/44/communes", None)
        .await
        .json();
    assert_eq!(communes.as_array().unwrap().len(), 78);
    app.get("/api/v1/regions/provinces/99/communes", None)
        .await
        .problem(404, "not_found");
    let hits = app
        .get("/api/v1/regions/lookup?q=hoan%20kiem", None)
        .await
        .json();
    assert_eq!(hits[0]["name"], "Phường Hoàn Kiếm");
    assert_eq!(hits[0]["province"]["name"], "Thành phố Hà Nội");
    let hits = app.get("/api/v1/regions/lookup?q=xa", None).await.json();
    assert_eq!(hits.as_array().unwrap().len(), 20);
    app.get("/api/v1/regions/lookup?q=", None)
        .await
        .problem(422, "validation_failed");
    // White space alone is a query the document allows: it finds nothing.
    for blank in ["%20%20", "%E2%80%83", "%E3%80%80"] {
        let hits = app
            .get(&format!("/api/v1/regions/lookup?q={blank}"), None)
            .await
            .json();
        assert_eq!(hits, serde_json::json!([]), "{blank}");
    }
    let long = "a".repeat(101);
    app.get(&format!("/api/v1/regions/lookup?q={long}"), None)
        .await
        .problem(422, "validation_failed");
    // The operating province's communes are still there for stalls.
    let local = app.get("/api/v1/regions", None).await.json();
    assert_eq!(local.as_array().unwrap().len(), 78);
});

db_test!(
    the_address_book_keeps_one_default,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let buyer = app.signed_in("mai@example.vn").await;
        let add = |body: Value| {
            let buyer = buyer.clone();
            let app = &app;
            async move { app.post("/api/v1/me/addresses", Some(&buyer), body).await }
        };
        let first = add(hoan_kiem()).await.json();
        let mut second = hoan_kiem();
        second["commune_code"] = json!("19414");
        second["province_code"] = json!("44");
        second["is_default"] = json!(true);
        let second = add(second).await.json();
        let book = app.get("/api/v1/me/addresses", Some(&buyer)).await.json();
        assert_eq!(book[0]["id"], second["id"], "the default first");
        assert_eq!(book[1]["is_default"], false);
        // Deleting the default makes another the default.
        let res = app
            .delete(
                &format!("/api/v1/me/addresses/{}", second["id"].as_str().unwrap()),
                Some(&buyer),
            )
            .await;
        assert_eq!(res.status, 204);
        let book = app.get("/api/v1/me/addresses", Some(&buyer)).await.json();
        assert_eq!(book.as_array().unwrap().len(), 1);
        assert_eq!(book[0]["id"], first["id"]);
        assert_eq!(book[0]["is_default"], true);
        // At most twenty.
        for _ in 0..19 {
            assert_eq!(add(hoan_kiem()).await.status, 201);
        }
        add(hoan_kiem()).await.problem(409, "too_many_addresses");
        app.delete("/api/v1/me/addresses/not-an-id", Some(&buyer))
            .await
            .problem(404, "not_found");
    }
);
