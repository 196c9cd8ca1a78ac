//! The administrators' work queues and a stall's sales figures, on SQLite and PostgreSQL: OCOP
//! certificates awaiting verification, every product by status, stall and words, every order
//! by status, stall and days; each paginated with its total, its filters checked (an unknown
//! value is 422 naming the parameter). A stall's figures by day of Vietnam's calendar: orders
//! not cancelled, revenue net of refunds, units, the products that sold most.

use axum::http::Method;
use serde_json::{Value, json};

use crate::{
    orders::{checkout, market, put_item, shipping},
    support::*,
};

/// Today in Vietnam.
fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

fn names(page: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.pointer(key).and_then(Value::as_str).unwrap().to_owned())
        .collect();
    out.sort();
    out
}

async fn listed(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.get(path, Some(token)).await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    res.json()
}

/// `path` is refused with 422 naming `field`.
async fn refused(app: &TestApp, token: &str, path: &str, field: &str) {
    let p = app
        .get(path, Some(token))
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), [field], "{path}: {p}");
}

db_test!(
    certificates_await_verification_in_a_queue,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let category = app.category("gia-vi-nuoc-cham").await;
        let mut body = app.product_body(&category, "Mắm ruốc Cửa Tùng", 90_000);
        body["ocop"] =
            json!({"stars": 4, "certificate_no": "1234/QĐ-UBND", "issued_on": "2025-06-01"});
        let first = app.product(&m.owner_a, &m.stall_a, body).await;
        let mut body = app.product_body(&category, "Tương ớt Khe Sanh", 45_000);
        body["ocop"] =
            json!({"stars": 3, "certificate_no": "88/QĐ-UBND", "issued_on": "2022-01-10"});
        app.product(&m.owner_b, &m.stall_b, body).await;

        let path = "/api/v1/admin/ocop-certificates";
        let queue = listed(&app, &m.admin, path).await;
        assert_eq!(
            (&queue["total"], &queue["page"], &queue["per_page"]),
            (&json!(2), &json!(1), &json!(20))
        );
        assert_eq!(
            names(&queue, "/certificate_no"),
            ["1234/QĐ-UBND", "88/QĐ-UBND"]
        );
        let c = queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["certificate_no"] == "1234/QĐ-UBND")
            .unwrap();
        assert_eq!(c["product"]["id"], first["id"]);
        assert_eq!(c["product"]["name"], "Mắm ruốc Cửa Tùng");
        assert_eq!(c["stall"]["id"], m.stall_a.as_str());
        assert_eq!(c["stall"]["name"], "HTX Nước mắm Cửa Tùng");
        assert_eq!(
            (&c["stars"], &c["issued_on"], &c["expires_on"]),
            (&json!(4), &json!("2025-06-01"), &json!("2028-05-31"))
        );
        assert_eq!(
            (&c["status"], &c["expired"]),
            (&json!("unverified"), &json!(false))
        );
        let lapsed = queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["certificate_no"] == "88/QĐ-UBND")
            .unwrap();
        assert_eq!(lapsed["expired"], true, "{lapsed}");
        assert_eq!(
            listed(&app, &m.admin, &format!("{path}?status=pending")).await["total"],
            2
        );

        // Verified: it leaves the queue for the verified list.
        let res = app
            .request(
                Method::POST,
                &format!(
                    "/api/v1/admin/products/{}/ocop/verify",
                    first["id"].as_str().unwrap()
                ),
                Some(&m.admin),
                None,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let pending = listed(&app, &m.admin, path).await;
        assert_eq!(names(&pending, "/certificate_no"), ["88/QĐ-UBND"]);
        let verified = listed(&app, &m.admin, &format!("{path}?status=verified")).await;
        assert_eq!(names(&verified, "/certificate_no"), ["1234/QĐ-UBND"]);
        assert!(verified["items"][0]["reviewed_at"].is_string());
        let page = listed(&app, &m.admin, &format!("{path}?per_page=1&page=2")).await;
        assert_eq!(
            (&page["total"], page["items"].as_array().unwrap().len()),
            (&json!(1), 0)
        );

        // Administrators only; filters checked.
        app.get(path, Some(&m.owner_a))
            .await
            .problem(403, "forbidden");
        refused(&app, &m.admin, &format!("{path}?status=waiting"), "status").await;
        refused(&app, &m.admin, &format!("{path}?per_page=101"), "per_page").await;
        refused(&app, &m.admin, &format!("{path}?page=0"), "page").await;
    }
);

db_test!(
    administrators_find_any_product_by_status_stall_and_words,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let path = "/api/v1/admin/products";
        let all = listed(&app, &m.admin, path).await;
        assert_eq!(all["total"], 3);
        let a = listed(&app, &m.admin, &format!("{path}?stall={}", m.stall_a)).await;
        assert_eq!(names(&a, "/name"), ["Hồ tiêu đỏ", "Nước mắm 40 độ đạm"]);
        // Words with or without diacritics, in any case.
        for q in [
            "nuoc%20mam",
            "N%C6%B0%E1%BB%9Bc%20m%E1%BA%AFm",
            "m%E1%BA%AFm%2040",
        ] {
            let found = listed(&app, &m.admin, &format!("{path}?q={q}")).await;
            assert_eq!(names(&found, "/name"), ["Nước mắm 40 độ đạm"], "{q}");
        }
        let none = listed(&app, &m.admin, &format!("{path}?q=100%25")).await;
        assert_eq!(none["total"], 0, "a % is a character, not a wildcard");

        // Hidden and archived products are there too, by status.
        let res = app
            .post(
                &format!("/api/v1/admin/products/{}/hide", m.pepper),
                Some(&m.admin),
                json!({"reason": "Ảnh không đúng sản phẩm"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let res = app
            .delete(&format!("/api/v1/products/{}", m.coffee), Some(&m.owner_b))
            .await;
        assert_eq!(res.status, 204, "{}", res.text());
        let of = |status: &str| format!("{path}?status={status}");
        assert_eq!(
            names(&listed(&app, &m.admin, &of("hidden")).await, "/name"),
            ["Hồ tiêu đỏ"]
        );
        assert_eq!(
            names(&listed(&app, &m.admin, &of("archived")).await, "/name"),
            ["Cà phê rang mộc"]
        );
        let active = listed(&app, &m.admin, &of("active")).await;
        assert_eq!(names(&active, "/name"), ["Nước mắm 40 độ đạm"]);
        assert_eq!(active["items"][0]["stall"]["id"], m.stall_a.as_str());
        let both = listed(
            &app,
            &m.admin,
            &format!("{path}?status=active&stall={}", m.stall_b),
        )
        .await;
        assert_eq!(both["total"], 0);

        app.get(path, Some(&m.buyer))
            .await
            .problem(403, "forbidden");
        refused(&app, &m.admin, &of("deleted"), "status").await;
        refused(&app, &m.admin, &format!("{path}?stall=cua-tung"), "stall").await;
        let long = "a".repeat(101);
        refused(&app, &m.admin, &format!("{path}?q={long}"), "q").await;
        refused(&app, &m.admin, &format!("{path}?per_page=500"), "per_page").await;
    }
);

db_test!(
    administrators_find_any_order_by_status_stall_and_days,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(&app, &m.buyer, "admin-orders", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let path = "/api/v1/admin/orders";
        let all = listed(&app, &m.admin, path).await;
        assert_eq!((&all["total"], &all["per_page"]), (&json!(2), &json!(20)));
        let a = listed(&app, &m.admin, &format!("{path}?stall={}", m.stall_a)).await;
        assert_eq!(a["total"], 1);
        assert_eq!(a["items"][0]["stall_id"], m.stall_a.as_str());
        let order_a = a["items"][0]["id"].as_str().unwrap().to_owned();
        let res = app
            .post(
                &format!("/api/v1/orders/{order_a}/confirm"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let placed = listed(&app, &m.admin, &format!("{path}?status=placed")).await;
        assert_eq!(placed["total"], 1);
        assert_eq!(placed["items"][0]["stall_id"], m.stall_b.as_str());
        let confirmed = listed(&app, &m.admin, &format!("{path}?status=confirmed")).await;
        assert_eq!(confirmed["items"][0]["id"], order_a.as_str());

        // Days of Vietnam's calendar, both ends included.
        let (d, next) = (today(), today() + chrono::Duration::days(1));
        let today_only = listed(&app, &m.admin, &format!("{path}?from={d}&to={d}")).await;
        assert_eq!(today_only["total"], 2);
        let later = listed(&app, &m.admin, &format!("{path}?from={next}")).await;
        assert_eq!(later["total"], 0);
        let before = listed(
            &app,
            &m.admin,
            &format!("{path}?to={}", d - chrono::Duration::days(1)),
        )
        .await;
        assert_eq!(before["total"], 0);

        app.get(path, Some(&m.owner_a))
            .await
            .problem(403, "forbidden");
        refused(&app, &m.admin, &format!("{path}?status=lost"), "status").await;
        refused(&app, &m.admin, &format!("{path}?stall=abc"), "stall").await;
        refused(&app, &m.admin, &format!("{path}?from=2026-13-01"), "from").await;
        refused(&app, &m.admin, &format!("{path}?from={next}&to={d}"), "to").await;
        refused(&app, &m.admin, &format!("{path}?page=100000"), "page").await;
    }
);

db_test!(a_stall_sees_its_sales_by_day, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m = market(&app).await;
    // Two orders at stall A today (3 sauces, 1 pepper), one cancelled (1 sauce).
    for (key, items) in [
        ("stats-1", vec![(&m.sauce, 2), (&m.pepper, 1)]),
        ("stats-2", vec![(&m.sauce, 1)]),
        ("stats-3", vec![(&m.sauce, 1)]),
    ] {
        for (p, q) in items {
            put_item(&app, &m.buyer, p, q).await;
        }
        let res = checkout(&app, &m.buyer, key, shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        if key == "stats-3" {
            let id = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
            let res = app
                .post(
                    &format!("/api/v1/orders/{id}/cancel"),
                    Some(&m.buyer),
                    json!({"reason": "Đặt nhầm"}),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
    }
    let (d, from) = (today(), today() - chrono::Duration::days(2));
    let path = format!("/api/v1/stalls/{}/stats?from={from}&to={d}", m.stall_a);
    let stats = listed(&app, &m.owner_a, &path).await;
    assert_eq!(
        (&stats["from"], &stats["to"], &stats["stall_id"]),
        (
            &json!(from.to_string()),
            &json!(d.to_string()),
            &json!(m.stall_a)
        )
    );
    let want = json!({"orders": 2, "revenue": 3 * 120_000 + 220_000, "units": 4,
                      "stall_discounts": 0, "platform_discounts": 0});
    assert_eq!(stats["totals"], want);
    let days = stats["days"].as_array().unwrap();
    assert_eq!(days.len(), 3, "every day of the period");
    assert_eq!(days[0]["date"], from.to_string());
    assert_eq!(
        (&days[0]["orders"], &days[0]["revenue"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(days[2]["date"], d.to_string());
    assert_eq!(days[2]["orders"], 2);
    assert_eq!(days[2]["revenue"], want["revenue"]);
    let top = stats["top_products"].as_array().unwrap();
    assert_eq!(top.len(), 2);
    assert_eq!(
        (&top[0]["product_id"], &top[0]["units"], &top[0]["revenue"]),
        (&json!(m.sauce), &json!(3), &json!(360_000))
    );
    assert_eq!(top[0]["name"], "Nước mắm 40 độ đạm");
    assert_eq!(top[1]["product_id"], m.pepper.as_str());
    // The admin sees it too; another stall's owner and a buyer do not.
    assert_eq!(listed(&app, &m.admin, &path).await["totals"], want);
    app.get(&path, Some(&m.owner_b))
        .await
        .problem(404, "not_found");
    app.get(&path, Some(&m.buyer))
        .await
        .problem(404, "not_found");
    // Stall B: its own order only.
    let b = listed(
        &app,
        &m.owner_b,
        &format!("/api/v1/stalls/{}/stats?from={d}&to={d}", m.stall_b),
    )
    .await;
    assert_eq!(
        b["totals"],
        json!({"orders": 0, "revenue": 0, "units": 0, "stall_discounts": 0, "platform_discounts": 0})
    );

    // A bounded period of dates.
    let base = format!("/api/v1/stalls/{}/stats", m.stall_a);
    let year_ago = d - chrono::Duration::days(365);
    let res = app
        .get(&format!("{base}?from={year_ago}&to={d}"), Some(&m.owner_a))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["days"].as_array().unwrap().len(), 366);
    let too_long = d - chrono::Duration::days(366);
    refused(
        &app,
        &m.owner_a,
        &format!("{base}?from={too_long}&to={d}"),
        "to",
    )
    .await;
    refused(
        &app,
        &m.owner_a,
        &format!("{base}?from={d}&to={from}"),
        "to",
    )
    .await;
    refused(
        &app,
        &m.owner_a,
        &format!("{base}?from=05/12/2026&to={d}"),
        "from",
    )
    .await;
    refused(&app, &m.owner_a, &format!("{base}?to={d}"), "from").await;
});
