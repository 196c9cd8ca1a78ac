//! Vouchers over HTTP, on SQLite and PostgreSQL: the 50 % cap when a voucher is made (and the
//! concentrated programmes only administrators mark), each refused code at checkout with its
//! reason, stall vouchers confined to their stall, the platform's split across stalls to the
//! đồng, usage limits under concurrent checkouts on real threads, the per-buyer limit, and uses
//! given back by cancellation.

use axum::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::{
    orders::{
        CROWD, Market, check_out_at_once, checkout, crowd, market, put_item, shipping, stock,
    },
    support::*,
};

/// A voucher body valid from an hour ago for a week.
fn voucher(code: &str, kind: &str, value: i64) -> Value {
    json!({
        "code": code,
        "kind": kind,
        "value": value,
        "starts_at": Utc::now() - Duration::hours(1),
        "ends_at": Utc::now() + Duration::days(7),
    })
}

/// Creates a voucher at `path` (`admin/vouchers` or `stalls/{id}/vouchers`), expecting 201.
async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = app
        .post(&format!("/api/v1/{path}"), Some(token), body)
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// The checkout body with `codes`.
fn with_codes(codes: &[&str]) -> Value {
    let mut body = shipping();
    body["voucher_codes"] = json!(codes);
    body
}

/// The refused codes of a 422 answer, as (field, code) pairs.
fn refused(res: &TestResponse) -> Vec<(String, String)> {
    let p = res.problem(422, "validation_failed");
    let mut out: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

db_test!(vouchers_are_made_within_the_cap, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m: Market = market(&app).await;
    let stall = format!("stalls/{}/vouchers", m.stall_a);
    // More than 50 %: refused, naming value; a concentrated programme may go to 100 %.
    let over = app
        .post(
            "/api/v1/admin/vouchers",
            Some(&m.admin),
            voucher("TET51", "percent", 51),
        )
        .await;
    assert_eq!(
        over.problem(422, "validation_failed")["errors"][0]["code"],
        "over_promotion_cap"
    );
    let mut full = voucher("ocop-fair", "percent", 100);
    full["concentrated"] = json!(true);
    let made = create(&app, &m.admin, "admin/vouchers", full).await;
    assert_eq!(
        (
            &made["code"],
            &made["funded_by"],
            &made["concentrated"],
            &made["used_count"]
        ),
        (
            &json!("OCOP-FAIR"),
            &json!("platform"),
            &json!(true),
            &json!(0)
        )
    );
    // A stall cannot mark its own programme concentrated.
    let mut own = voucher("HALF", "percent", 100);
    own["concentrated"] = json!(true);
    let res = app
        .post(&format!("/api/v1/{stall}"), Some(&m.owner_a), own)
        .await;
    assert_eq!(
        fields(&res.problem(422, "validation_failed")),
        vec!["concentrated", "value"]
    );
    // A fixed amount needs a minimum of at least twice it.
    let res = app
        .post(
            &format!("/api/v1/{stall}"),
            Some(&m.owner_a),
            voucher("GIAM20K", "fixed", 20_000),
        )
        .await;
    let p = res.problem(422, "validation_failed");
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["code"]),
        (&json!("value"), &json!("over_promotion_cap"))
    );
    let mut fixed = voucher("giam20k", "fixed", 20_000);
    fixed["min_subtotal"] = json!(40_000);
    let made = create(&app, &m.owner_a, &stall, fixed.clone()).await;
    assert_eq!(
        (&made["funded_by"], &made["stall_id"]),
        (&json!("stall"), &json!(m.stall_a))
    );
    // Codes are unique across the floor whatever their case.
    fixed["code"] = json!("Giam20K");
    app.post(
        &format!("/api/v1/stalls/{}/vouchers", m.stall_b),
        Some(&m.owner_b),
        fixed,
    )
    .await
    .problem(409, "voucher_code_taken");
    let res = app
        .post(
            "/api/v1/admin/vouchers",
            Some(&m.admin),
            voucher("A B", "percent", 5),
        )
        .await;
    assert_eq!(fields(&res.problem(422, "validation_failed")), vec!["code"]);
    // Only the owner writes; only administrators make platform vouchers.
    app.post(
        &format!("/api/v1/{stall}"),
        Some(&m.owner_b),
        voucher("XYZ", "percent", 5),
    )
    .await
    .problem(403, "forbidden");
    app.post(
        "/api/v1/admin/vouchers",
        Some(&m.owner_a),
        voucher("XYZ", "percent", 5),
    )
    .await
    .problem(403, "forbidden");
    let list = app
        .get(&format!("/api/v1/{stall}"), Some(&m.owner_a))
        .await
        .json();
    assert_eq!(list["total"], 1);
    let list = app
        .get("/api/v1/admin/vouchers", Some(&m.admin))
        .await
        .json();
    assert_eq!(list["items"][0]["code"], "OCOP-FAIR");
    // Before its first use its terms change, within the cap.
    let id = made["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/{stall}/{id}"),
            Some(&m.owner_a),
            json!({"value": 15_000}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    app.patch(
        &format!("/api/v1/{stall}/{id}"),
        Some(&m.owner_a),
        json!({"value": 30_000}),
    )
    .await
    .problem(422, "validation_failed");
    let got = app
        .get(&format!("/api/v1/{stall}/{id}"), Some(&m.owner_a))
        .await
        .json();
    assert_eq!(got["value"], 15_000);
});

/// Codes given at checkout and the (field, code) of each refusal expected.
type Case = (&'static [&'static str], Vec<(&'static str, &'static str)>);

db_test!(each_refused_code_says_why, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m = market(&app).await;
    let later = {
        let mut v = voucher("LATER", "percent", 10);
        v["starts_at"] = json!(Utc::now() + Duration::days(1));
        v["ends_at"] = json!(Utc::now() + Duration::days(2));
        v
    };
    create(&app, &m.admin, "admin/vouchers", later).await;
    let over = create(
        &app,
        &m.admin,
        "admin/vouchers",
        voucher("OVER", "percent", 10),
    )
    .await;
    let res = app
        .patch(
            &format!("/api/v1/admin/vouchers/{}", over["id"].as_str().unwrap()),
            Some(&m.admin),
            json!({"active": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let mut big = voucher("BIG", "percent", 10);
    big["min_subtotal"] = json!(1_000_000);
    create(&app, &m.admin, "admin/vouchers", big).await;
    create(
        &app,
        &m.admin,
        "admin/vouchers",
        voucher("PCT5", "percent", 5),
    )
    .await;
    create(
        &app,
        &m.admin,
        "admin/vouchers",
        voucher("PCT6", "percent", 6),
    )
    .await;
    create(
        &app,
        &m.owner_b,
        &format!("stalls/{}/vouchers", m.stall_b),
        voucher("COFFEE", "percent", 10),
    )
    .await;
    let mut coffee_only = voucher("CAPHE", "percent", 10);
    coffee_only["category_id"] = json!(app.category("ca-phe").await);
    create(&app, &m.admin, "admin/vouchers", coffee_only).await;
    let mut once = voucher("ONCE", "percent", 10);
    once["usage_limit"] = json!(1);
    create(&app, &m.admin, "admin/vouchers", once).await;
    let other = app.signed_in("other@example.vn").await;
    put_item(&app, &other, &m.coffee, 1).await;
    assert_eq!(
        checkout(&app, &other, "o-1", with_codes(&["once"]))
            .await
            .status,
        201
    );

    put_item(&app, &m.buyer, &m.sauce, 1).await;
    let cases: [Case; 7] = [
        (&["NOPE"], vec![("voucher_codes.NOPE", "unknown_voucher")]),
        (&["later"], vec![("voucher_codes.LATER", "not_started")]),
        (&["OVER"], vec![("voucher_codes.OVER", "expired")]),
        (&["BIG"], vec![("voucher_codes.BIG", "below_minimum")]),
        (&["ONCE"], vec![("voucher_codes.ONCE", "used_up")]),
        (
            &["COFFEE", "CAPHE"],
            vec![
                ("voucher_codes.CAPHE", "not_applicable"),
                ("voucher_codes.COFFEE", "not_applicable"),
            ],
        ),
        (&["PCT5", "pct6"], vec![("voucher_codes.PCT6", "duplicate")]),
    ];
    for (i, (codes, want)) in cases.into_iter().enumerate() {
        let res = checkout(&app, &m.buyer, &format!("r-{i}"), with_codes(codes)).await;
        let want: Vec<(String, String)> = want
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
            .collect();
        assert_eq!(refused(&res), want, "{codes:?}");
    }
    // Nothing changed on refusal: the cart and the stock are as they were.
    assert_eq!(stock(&app, &m.owner_a, &m.sauce).await, 10);
    let cart = app.get("/api/v1/cart", Some(&m.buyer)).await.json();
    assert_eq!(cart["items"].as_array().unwrap().len(), 1);
    let pct5 = app
        .get("/api/v1/admin/vouchers?per_page=100", Some(&m.admin))
        .await
        .json();
    let pct5 = pct5["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["code"] == "PCT5")
        .unwrap()
        .clone();
    assert_eq!(pct5["used_count"], 0);
    // Too many codes is bounded.
    let many: Vec<String> = (0..11).map(|i| format!("C{i:03}")).collect();
    let mut body = shipping();
    body["voucher_codes"] = json!(many);
    let res = checkout(&app, &m.buyer, "r-many", body).await;
    assert_eq!(
        fields(&res.problem(422, "validation_failed")),
        vec!["voucher_codes"]
    );
    let res = checkout(&app, &m.buyer, "r-long", with_codes(&[&"X".repeat(65)])).await;
    let p = res.problem(422, "validation_failed");
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["code"]),
        (&json!("voucher_codes"), &json!("too_long"))
    );
});

/// A third stall, approved and delivering free in the province, with one product of
/// `price`; its owner's token, the stall's id and the product's.
async fn third_stall(app: &TestApp, admin: &str, price: i64) -> (String, String, String) {
    let owner = app.signed_in("c@example.vn").await;
    let stall = app.stall(&owner, "Mật ong Hướng Hóa").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.approve(admin, &stall).await;
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/stalls/{stall}/delivery"),
            Some(&owner),
            Some(json!({"own_delivery_in_province": true})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let cat = app.category("gia-vi-nuoc-cham").await;
    let mut body = app.product_body(&cat, "Mật ong rừng", price);
    body["stock"] = json!(10);
    let product = app.product(&owner, &stall, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (owner, stall, product)
}

db_test!(
    a_platform_voucher_is_split_across_three_stalls_to_the_dong,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let (_, stall_c, honey) = third_stall(&app, &m.admin, 77_777).await;
        // Stall A's voucher: 10 000 off its goods (a minimum of twice it).
        let mut a_off = voucher("CUATUNG", "fixed", 10_000);
        a_off["min_subtotal"] = json!(20_000);
        create(
            &app,
            &m.owner_a,
            &format!("stalls/{}/vouchers", m.stall_a),
            a_off,
        )
        .await;
        create(
            &app,
            &m.admin,
            "admin/vouchers",
            voucher("TET7", "percent", 7),
        )
        .await;
        put_item(&app, &m.buyer, &m.sauce, 1).await; // 120 000 (A)
        put_item(&app, &m.buyer, &m.coffee, 1).await; // 165 000 (B)
        put_item(&app, &m.buyer, &honey, 1).await; // 77 777 (C)
        let goods = 120_000 + 165_000 + 77_777;
        // Stall A's applies first: 110 000 + 165 000 + 77 777 = 352 777 eligible; 7 % is 24 694.
        let platform = 352_777 * 7 / 100;
        let expected = goods - 10_000 - platform;
        let mut body = with_codes(&["tet7", "cuatung"]);
        body["expected_total"] = json!(expected);
        let res = checkout(&app, &m.buyer, "split-1", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        assert_eq!(out["total"], expected);
        let orders = out["orders"].as_array().unwrap();
        let parts: i64 = orders
            .iter()
            .flat_map(|o| o["discounts"].as_array().unwrap().iter())
            .filter(|d| d["code"] == "TET7")
            .map(|d| {
                assert_eq!(d["funded_by"], "platform");
                d["amount"].as_i64().unwrap()
            })
            .sum();
        assert_eq!(parts, platform, "the parts sum exactly to the discount");
        let mut totals = 0;
        for o in orders {
            let sum: i64 = o["discounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["amount"].as_i64().unwrap())
                .sum();
            assert_eq!(o["discount"], sum);
            assert_eq!(o["total"], o["subtotal"].as_i64().unwrap() - sum);
            totals += o["total"].as_i64().unwrap();
        }
        assert_eq!(totals, expected);
        let by = |stall: &str| {
            orders
                .iter()
                .find(|o| o["stall_id"] == stall)
                .unwrap()
                .clone()
        };
        // Each part is in proportion to the order's eligible goods, largest remainder first:
        // 24 694 × 110 000 / 352 777 = 7 699.9, × 165 000 = 11 549.9, × 77 777 = 5 444.3.
        let platform_part = |o: &Value| {
            o["discounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["code"] == "TET7")
                .unwrap()["amount"]
                .clone()
        };
        assert_eq!(platform_part(&by(&m.stall_a)), 7_700);
        assert_eq!(platform_part(&by(&m.stall_b)), 11_550);
        assert_eq!(platform_part(&by(&stall_c)), 5_444);
        let a = by(&m.stall_a);
        let stall_part = a["discounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "CUATUNG")
            .unwrap()
            .clone();
        assert_eq!(
            (&stall_part["amount"], &stall_part["funded_by"]),
            (&json!(10_000), &json!("stall"))
        );
        // A stall's voucher is for its own goods only.
        let again = app.signed_in("again@example.vn").await;
        put_item(&app, &again, &m.coffee, 1).await;
        let res = checkout(&app, &again, "split-2", with_codes(&["CUATUNG"])).await;
        assert_eq!(
            refused(&res),
            vec![("voucher_codes.CUATUNG".into(), "not_applicable".into())]
        );
        // A stale expected total is refused with the discounted one.
        let mut body = with_codes(&["TET7"]);
        body["expected_total"] = json!(165_000);
        let p = checkout(&app, &again, "split-3", body)
            .await
            .problem(409, "total_changed");
        assert_eq!(p["details"]["total"], 165_000 - 165_000 * 7 / 100);
    }
);

db_test!(
    the_usage_limit_holds_under_concurrent_checkouts,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::with_config(db, CROWD));
        let m = market(&app).await;
        let mut v = voucher("FLASH", "percent", 10);
        v["usage_limit"] = json!(3);
        let made = create(&app, &m.admin, "admin/vouchers", v).await;
        let buyers = crowd(&app, "flash", 10, |_| vec![m.sauce.clone()]).await;
        let answers = check_out_at_once(&app, buyers, "flash", with_codes(&["FLASH"])).await;
        let won = answers.iter().filter(|(s, _)| *s == 201).count();
        assert_eq!(won, 3, "exactly the limit succeeds: {answers:?}");
        for (status, body) in &answers {
            if *status != 201 {
                assert_eq!(*status, 422, "{body}");
                assert_eq!(body["errors"][0]["field"], "voucher_codes.FLASH");
                assert_eq!(body["errors"][0]["code"], "used_up");
            }
        }
        let id = made["id"].as_str().unwrap();
        let got = app
            .get(&format!("/api/v1/admin/vouchers/{id}"), Some(&m.admin))
            .await
            .json();
        assert_eq!(got["used_count"], 3);
        assert_eq!(
            stock(&app, &m.owner_a, &m.sauce).await,
            7,
            "only the winners bought"
        );
    }
);

db_test!(
    the_per_buyer_limit_holds_and_a_cancellation_gives_the_use_back,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::with_config(db, CROWD));
        let m = market(&app).await;
        let mut v = voucher("MOTLAN", "percent", 10);
        v["per_buyer_limit"] = json!(1);
        let made = create(&app, &m.admin, "admin/vouchers", v).await;
        let id = made["id"].as_str().unwrap().to_owned();
        let used = || {
            let (app, admin, id) = (app.clone(), m.admin.clone(), id.clone());
            async move {
                app.get(&format!("/api/v1/admin/vouchers/{id}"), Some(&admin))
                    .await
                    .json()["used_count"]
                    .as_i64()
                    .unwrap()
            }
        };
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let first = checkout(&app, &m.buyer, "once-1", with_codes(&["MOTLAN"])).await;
        assert_eq!(first.status, 201, "{}", first.text());
        assert_eq!(first.json()["total"], 108_000);
        // A retry with the same key replays the first checkout and counts nothing again.
        let replay = checkout(&app, &m.buyer, "once-1", with_codes(&["MOTLAN"])).await;
        assert_eq!(replay.json()["checkout_id"], first.json()["checkout_id"]);
        assert_eq!(used().await, 1);
        // Once used, only its end, total limit and activity may change.
        app.patch(
            &format!("/api/v1/admin/vouchers/{id}"),
            Some(&m.admin),
            json!({"value": 5}),
        )
        .await
        .problem(409, "voucher_in_use");
        // A second checkout of the same buyer is refused.
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(&app, &m.buyer, "once-2", with_codes(&["MOTLAN"])).await;
        assert_eq!(
            refused(&res),
            vec![(
                "voucher_codes.MOTLAN".into(),
                "per_buyer_limit_reached".into()
            )]
        );
        // Cancelling the order gives the use back, for the total and the buyer alike.
        let order = first.json()["orders"][0]["id"].as_str().unwrap().to_owned();
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/orders/{order}/cancel"),
                Some(&m.buyer),
                None,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(used().await, 0);
        let res = checkout(&app, &m.buyer, "once-3", with_codes(&["MOTLAN"])).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["total"], 165_000 - 16_500);
        assert_eq!(used().await, 1);
    }
);

db_test!(
    a_voucher_on_sale_goods_keeps_the_whole_cut_within_half,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        // The sauce (120 000) on sale at 80 000 now: a third off already.
        let path = format!("/api/v1/products/{}", m.sauce);
        let version = app.get(&path, Some(&m.owner_a)).await.json()["version"].clone();
        let now = Utc::now();
        let res = app
            .patch(
                &path,
                Some(&m.owner_a),
                json!({
                    "version": version,
                    "sale_price": 80_000,
                    "sale_starts_at": (now - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "sale_ends_at": (now + Duration::days(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                }),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        create(
            &app,
            &m.admin,
            "admin/vouchers",
            voucher("HALF", "percent", 50),
        )
        .await;
        let mut fair = voucher("FAIR", "percent", 50);
        fair["concentrated"] = json!(true);
        create(&app, &m.admin, "admin/vouchers", fair).await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        // 50 % of 80 000 would be 40 000, but with the sale's 40 000 the cut would be 80 000 of
        // 120 000: only 20 000 more may go, to 60 000, half the price before the promotion.
        let res = checkout(&app, &m.buyer, "half-1", with_codes(&["HALF"])).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let order = &res.json()["orders"][0];
        assert_eq!(
            (&order["discount"], &order["total"]),
            (&json!(20_000), &json!(60_000))
        );
        assert_eq!(order["items"][0]["regular_unit_price"], 120_000);
        // In a concentrated programme the cap is lifted: the full 50 % of the price charged.
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let res = checkout(&app, &m.buyer, "half-2", with_codes(&["FAIR"])).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["orders"][0]["discount"], 40_000);
    }
);

db_test!(
    the_cart_shows_what_the_codes_would_take_off,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        create(
            &app,
            &m.admin,
            "admin/vouchers",
            voucher("TET10", "percent", 10),
        )
        .await;
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let cart = app
            .get(
                "/api/v1/cart?commune_code=19333&voucher_codes=tet10",
                Some(&m.buyer),
            )
            .await;
        assert_eq!(cart.status, 200, "{}", cart.text());
        let cart = cart.json();
        assert_eq!(cart["discount"], 28_500);
        assert_eq!(cart["grand_total"], 120_000 + 165_000 - 28_500);
        let parts: i64 = cart["discounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["amount"].as_i64().unwrap())
            .sum();
        assert_eq!(parts, 28_500);
        // Nothing is counted by looking; the total shown is the one checkout charges.
        let mut body = with_codes(&["TET10"]);
        body["expected_total"] = cart["grand_total"].clone();
        let res = checkout(&app, &m.buyer, "cart-1", body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        // A refused code is named as at checkout; codes need a destination.
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let res = app
            .get(
                "/api/v1/cart?commune_code=19333&voucher_codes=TET10,NOPE",
                Some(&m.buyer),
            )
            .await;
        assert_eq!(
            refused(&res),
            vec![("voucher_codes.NOPE".into(), "unknown_voucher".into())]
        );
        let res = app
            .get("/api/v1/cart?voucher_codes=TET10", Some(&m.buyer))
            .await;
        assert_eq!(
            fields(&res.problem(422, "validation_failed")),
            vec!["commune_code"]
        );
    }
);
