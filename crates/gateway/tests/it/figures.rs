//! The reports to the authorities over HTTP, on SQLite and PostgreSQL: the trade report adds
//! up, to the đồng, to the stalls' statements over the same days (a stall's voucher, a case's
//! partial refund and an administrator's whole refund included), by every grouping and
//! period, in JSON and in CSV with a byte-order mark; the quarterly report of sellers names
//! every stall that sold with its identity and its revenue from the ledger; bad parameters are
//! refused naming the field.

use axum::http::Method;
use serde_json::{Value, json};

use crate::{
    money::{deliver, entries, household, money_app, order_of},
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

/// Today in Vietnam, `YYYY-MM-DD`.
fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .date_naive()
        .to_string()
}

/// This quarter in Vietnam, `yyyy-Qn`.
fn quarter() -> String {
    use chrono::Datelike;
    let d = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    format!("{}-Q{}", d.year(), d.month().div_ceil(3))
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = app
        .post(&format!("/api/v1/{path}"), Some(token), body)
        .await;
    assert!(res.status.is_success(), "{path}: {}", res.text());
    res.json()
}

/// The goods revenue of a stall's statement entries: sales less its own discounts, and the
/// refunds' reversals of both (every discount here is on the goods).
fn statement_goods(all: &[Value]) -> i64 {
    all.iter()
        .filter(|e| {
            let kind = e["kind"].as_str().unwrap();
            matches!(kind, "sale" | "stall_discount")
                || (kind == "refund_reversal"
                    && matches!(e["reverses"].as_str(), Some("sale" | "stall_discount")))
        })
        .map(|e| e["amount"].as_i64().unwrap())
        .sum()
}

/// What a stall earned: goods and delivery, less its own discounts, refunds reversed.
fn statement_revenue(all: &[Value]) -> i64 {
    let earned = ["sale", "delivery", "stall_discount"];
    all.iter()
        .filter(|e| {
            let kind = e["kind"].as_str().unwrap();
            earned.contains(&kind)
                || (kind == "refund_reversal"
                    && e["reverses"].as_str().is_some_and(|r| earned.contains(&r)))
        })
        .map(|e| e["amount"].as_i64().unwrap())
        .sum()
}

/// Sells the market's goods and refunds some of them: stall A's sauces with its own 20 000
/// đồng voucher and stall B's coffee to a buyer in Quảng Trị (a sauce comes back on a case,
/// 100 000 đồng refunded); stall A's pepper to a buyer in Hà Nội, refunded whole by an
/// administrator. Stall B is in another commune. Returns the Hà Nội buyer's order.
async fn trade(app: &TestApp, m: &Market) -> String {
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/v1/stalls/{}", m.stall_b),
            Some(&m.owner_b),
            Some(json!({"commune_code": "19429", "address": "Thôn Tân Hòa"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let voucher = json!({"code": "HTX20K", "kind": "fixed", "value": 20_000,
        "min_subtotal": 40_000,
        "starts_at": chrono::Utc::now() - chrono::Duration::hours(1),
        "ends_at": chrono::Utc::now() + chrono::Duration::days(7)});
    ok(
        app,
        &m.owner_a,
        &format!("stalls/{}/vouchers", m.stall_a),
        voucher,
    )
    .await;
    put_item(app, &m.buyer, &m.sauce, 2).await;
    put_item(app, &m.buyer, &m.coffee, 1).await;
    let mut body = shipping();
    body["voucher_codes"] = json!(["HTX20K"]);
    let res = checkout(app, &m.buyer, "trade-1", body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let out = res.json();
    let (sauces, coffee) = (order_of(&out, &m.stall_a), order_of(&out, &m.stall_b));
    deliver(app, &m.owner_a, &sauces).await;
    deliver(app, &m.owner_b, &coffee).await;

    let hanoi = app.signed_in("lan@example.vn").await;
    put_item(app, &hanoi, &m.pepper, 1).await;
    let mut body = shipping();
    body["shipping"] = json!({"recipient": "Nguyễn Thị Lan", "phone": "0912 345 678",
        "province_code": "01", "commune_code": "00070", "street": "12 Lê Thái Tổ"});
    let res = checkout(app, &hanoi, "trade-2", body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let pepper = order_of(&res.json(), &m.stall_a);
    deliver(app, &m.owner_a, &pepper).await;
    let reason = json!({"reason": "Hàng giao sai loại"});
    ok(app, &m.admin, &format!("orders/{pepper}/refund"), reason).await;

    // A sauce comes back on a case: 100 000 đồng of what the buyer paid.
    let got = app
        .get(&format!("/api/v1/orders/{sauces}"), Some(&m.buyer))
        .await
        .json();
    let line = got["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["product_id"] == m.sauce.as_str())
        .unwrap()["id"]
        .clone();
    let case = ok(
        app,
        &m.buyer,
        &format!("orders/{sauces}/cases"),
        json!({"kind": "return", "reason": "Chai bị vỡ khi nhận",
               "description": "Một chai nước mắm vỡ nắp.",
               "items": [{"order_item_id": line, "quantity": 1}]}),
    )
    .await;
    let case = format!("cases/{}", case["id"].as_str().unwrap());
    let accept = json!({"decision": "accept", "message": "Bạn gửi lại giúp shop."});
    ok(app, &m.owner_a, &format!("{case}/respond"), accept).await;
    ok(app, &m.owner_a, &format!("{case}/received"), json!({})).await;
    let resolve = json!({"decision": "refund", "refund_amount": 100_000,
                         "message": "Hoàn tiền theo yêu cầu."});
    ok(app, &m.admin, &format!("admin/{case}/resolve"), resolve).await;
    pepper
}

/// `path` asked for as CSV.
async fn csv(app: &TestApp, token: &str, path: &str) -> TestResponse {
    app.send(
        axum::http::Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "text/csv")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
}

async fn report(app: &TestApp, admin: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/admin/reports/trade?{query}"), Some(admin))
        .await;
    assert_eq!(res.status, 200, "{query}: {}", res.text());
    res.json()
}

fn row<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {r}"))
}

db_test!(
    the_trade_report_adds_up_to_the_statements,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        trade(&app, &m).await;
        let day = today();
        let span = format!("from={day}&to={day}");

        // The statements of both stalls over the same day.
        let a = statement_goods(&entries(&app, &m.owner_a, &m.stall_a).await);
        let b = statement_goods(&entries(&app, &m.owner_b, &m.stall_b).await);
        // Sauces 240 000 less 20 000, less the case's 100 000 revenue back; the pepper back whole.
        assert!(a > 0 && a < 220_000, "{a}");
        assert_eq!(b, 165_000);

        let by_stall = report(&app, &m.admin, &format!("{span}&group_by=stall")).await;
        assert_eq!(by_stall["totals"]["gmv"], a + b, "{by_stall}");
        assert_eq!(row(&by_stall, &m.stall_a)["gmv"], a);
        assert_eq!(row(&by_stall, &m.stall_b)["gmv"], b);
        assert_eq!(row(&by_stall, &m.stall_a)["label"], "HTX Nước mắm Cửa Tùng");
        // Three orders delivered, to two buyers, by two stalls; of four units delivered the
        // pepper came back whole (the case's sauce only in part: its units stay).
        let t = &by_stall["totals"];
        assert_eq!(
            (&t["orders"], &t["buyers"], &t["stalls"], &t["units"]),
            (&json!(3), &json!(2), &json!(2), &json!(3)),
            "{t}"
        );
        assert_eq!(row(&by_stall, &m.stall_a)["orders"], 2);
        assert_eq!(t["new_stalls"], 2);

        // By the buyer's province: Hà Nội bought, and got it all back.
        let r = report(&app, &m.admin, &format!("{span}&group_by=province")).await;
        let hanoi = row(&r, "01");
        assert_eq!(
            (
                &hanoi["label"],
                &hanoi["gmv"],
                &hanoi["orders"],
                &hanoi["units"]
            ),
            (&json!("Thành phố Hà Nội"), &json!(0), &json!(1), &json!(0))
        );
        assert_eq!(row(&r, "44")["gmv"], a + b);
        assert_eq!(row(&r, "44")["buyers"], 1);

        // By the stall's commune, the OCOP group, the category, the stars.
        let r = report(&app, &m.admin, &format!("{span}&group_by=commune")).await;
        assert_eq!(row(&r, "19414")["gmv"], a);
        assert_eq!(row(&r, "19429")["label"], "Xã Khe Sanh, Quảng Trị");
        assert_eq!(row(&r, "19429")["gmv"], b);
        let r = report(&app, &m.admin, &format!("{span}&group_by=ocop_group")).await;
        let labels: Vec<&str> = r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels.len(), 2, "{r}");
        assert!(
            labels.contains(&"Thực phẩm") && labels.contains(&"Đồ uống"),
            "{labels:?}"
        );
        let r = report(&app, &m.admin, &format!("{span}&group_by=category")).await;
        let sauce_cat = app.category("gia-vi-nuoc-cham").await;
        assert_eq!(row(&r, &sauce_cat)["gmv"], a);
        assert_eq!(row(&r, &sauce_cat)["label"], "Gia vị và nước chấm");
        assert_eq!(r["totals"]["buyers"], 2);
        let r = report(&app, &m.admin, &format!("{span}&group_by=ocop_stars")).await;
        assert_eq!(row(&r, "0")["gmv"], a + b, "{r}");
        let stars: Vec<i64> = r["ocop"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["stars"].as_i64().unwrap())
            .collect();
        assert_eq!(stars, [3, 4, 5]);

        // By period: today's row; a period without sales has none.
        let r = report(&app, &m.admin, &format!("{span}&group_by=stall&period=day")).await;
        assert_eq!(row(&r, &m.stall_b)["period"], day.as_str());
        let r = report(
            &app,
            &m.admin,
            &format!("{span}&group_by=stall&period=quarter"),
        )
        .await;
        assert_eq!(row(&r, &m.stall_b)["period"], quarter().as_str());
        let r = report(
            &app,
            &m.admin,
            "from=2020-01-01&to=2020-12-31&group_by=province&period=month",
        )
        .await;
        assert_eq!(r["rows"], json!([]));
        assert_eq!(r["totals"]["gmv"], 0);
    }
);

db_test!(
    the_trade_report_answers_csv_with_a_byte_order_mark,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        trade(&app, &m).await;
        let day = today();
        let res = csv(
            &app,
            &m.admin,
            &format!("/api/v1/admin/reports/trade?from={day}&to={day}&group_by=commune"),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
        let text = res.text();
        assert!(
            text.starts_with(
                "\u{feff}Mã,Tên,Giá trị hàng đã giao (đồng),Số đơn hàng,Số lượng,Số người mua,Số gian hàng bán\r\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\r\n19429,\"Xã Khe Sanh, Quảng Trị\",165000,1,1,1,1\r\n"),
            "{text}"
        );
        assert!(text.contains("Tổng cộng"), "{text}");
        assert!(text.contains("\r\n3 sao,"), "{text}");
    }
);

db_test!(
    bad_trade_parameters_are_refused_naming_the_field,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        for (query, field) in [
            ("from=2026-10-01&to=2026-12-31", "group_by"),
            ("from=2026-10-01&to=2026-12-31&group_by=ward", "group_by"),
            ("from=2026-13-01&to=2026-12-31&group_by=stall", "from"),
            ("to=2026-12-31&group_by=stall", "from"),
            ("from=2026-10-01&to=2026-09-30&group_by=stall", "to"),
            ("from=2025-01-01&to=2026-12-31&group_by=stall", "to"),
            (
                "from=2026-10-01&to=2026-12-31&group_by=stall&period=week",
                "period",
            ),
            (
                "from=2026-10-01&to=2026-12-31&group_by=stall&limit=5",
                "limit",
            ),
        ] {
            let res = app
                .get(
                    &format!("/api/v1/admin/reports/trade?{query}"),
                    Some(&admin),
                )
                .await;
            let problem = res.problem(422, "validation_failed");
            assert_eq!(fields(&problem), [field], "{query}: {problem}");
        }
        for quarter in ["2026-Q5", "2026-3", "2026-Q03", "x"] {
            let res = app
                .get(
                    &format!("/api/v1/admin/reports/sellers/{quarter}"),
                    Some(&admin),
                )
                .await;
            let problem = res.problem(422, "validation_failed");
            assert_eq!(fields(&problem), ["quarter"], "{quarter}: {problem}");
        }
    }
);

db_test!(
    the_sellers_report_names_every_seller_with_its_revenue,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/stalls/{}/tax-profile", m.stall_b),
                Some(&m.owner_b),
                Some(json!({"tax_code": "3200123456"})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        trade(&app, &m).await;
        let q = quarter();
        let res = app
            .get(
                &format!("/api/v1/admin/reports/sellers/{q}"),
                Some(&m.admin),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let r = res.json();
        let sellers = r["sellers"].as_array().unwrap();
        assert_eq!(sellers.len(), 2, "{r}");
        let find = |id: &str| sellers.iter().find(|s| s["stall_id"] == id).unwrap();
        let (a, b) = (find(&m.stall_a), find(&m.stall_b));
        let revenue_a = statement_revenue(&entries(&app, &m.owner_a, &m.stall_a).await);
        let revenue_b = statement_revenue(&entries(&app, &m.owner_b, &m.stall_b).await);
        assert_eq!(
            (&a["revenue"], &b["revenue"]),
            (&json!(revenue_a), &json!(revenue_b))
        );
        assert_eq!(r["total_revenue"], revenue_a + revenue_b);
        assert_eq!(b["business_type"], "household_business");
        assert_eq!(b["tax_code"], "3200123456");
        // The verified seller's identity gives the personal number.
        assert_eq!(a["id_number"], identity_body()["id_number"]);
        assert_eq!(a["business_type"], "cooperative");
        assert!(a.get("tax_code").is_none(), "{a}");
        assert_eq!(b["address"], "Thôn Tân Hòa, Xã Khe Sanh, Quảng Trị");
        assert_eq!(a["phone"], "02333823456");

        // CSV with a byte-order mark and Vietnamese headers; a quarter without sales is empty.
        let res = csv(
            &app,
            &m.admin,
            &format!("/api/v1/admin/reports/sellers/{q}"),
        )
        .await;
        let text = res.text();
        assert!(text.starts_with("\u{feff}Mã gian hàng,Tên người bán,Loại hình,Mã số thuế,Số định danh cá nhân,Địa chỉ,Số điện thoại,Doanh thu (đồng)\r\n"), "{text}");
        assert!(text.contains(",Hộ kinh doanh,3200123456,"), "{text}");
        let r = app
            .get("/api/v1/admin/reports/sellers/2020-Q1", Some(&m.admin))
            .await
            .json();
        assert_eq!(
            (&r["sellers"], &r["total_revenue"]),
            (&json!([]), &json!(0))
        );
        assert_eq!(
            (&r["from"], &r["to"]),
            (&json!("2020-01-01"), &json!("2020-03-31"))
        );
    }
);

db_test!(
    orders_delivered_before_the_facts_were_kept_are_backfilled,
    |db: TestDb| async move {
        use sea_orm::EntityTrait;
        let app = money_app(db);
        let m = market(&app).await;
        trade(&app, &m).await;
        let day = today();
        let query = format!("from={day}&to={day}&group_by=province");
        let kept = report(&app, &m.admin, &query).await;
        // As if the orders had been delivered and refunded before the facts (and their
        // roll-ups) existed.
        reporting::entity::trade_fact::Entity::delete_many()
            .exec(&app.state.db)
            .await
            .unwrap();
        for table in ["trade_marks", "trade_rollups"] {
            sea_orm::ConnectionTrait::execute_unprepared(
                &app.state.db,
                &format!("DELETE FROM {table}"),
            )
            .await
            .unwrap();
        }
        let empty = report(&app, &m.admin, &query).await;
        assert_eq!(empty["totals"]["gmv"], 0);
        let done = order::trade_facts::backfill(&app.state.db).await.unwrap();
        assert_eq!(done, 3);
        let back = report(&app, &m.admin, &query).await;
        assert_eq!(back["totals"], kept["totals"], "{back}");
        assert_eq!(back["rows"], kept["rows"]);
        // Once done, nothing more.
        assert_eq!(
            order::trade_facts::backfill(&app.state.db).await.unwrap(),
            0
        );
    }
);
