//! What a client may send to the carriers' and the tax offices' endpoints is bounded, on SQLite
//! and PostgreSQL: bad path and query parameters, bodies and callbacks are refused with a
//! problem (in Vietnamese when asked) naming the field, change nothing, and never answer 500.

use axum::{
    body::Body,
    http::{Method, Request},
};
use serde_json::{Value, json};
use testkit::ghn::StubGhn;

use crate::{
    orders::{checkout, market, put_item, shipping},
    shipments::{SECRET, callback, connect_ghn, ghn_config, ship},
    support::*,
};

/// `method` of `body` (with `content_type`) to `path` as `token`, asking for Vietnamese.
async fn in_vi(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: impl Into<Body>,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .header("accept-language", "vi");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    app.send(req.body(body.into()).unwrap()).await
}

/// The messages of a problem's field errors, by field.
fn messages(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `text` is Vietnamese: it has a letter only Vietnamese writes.
fn vietnamese(text: &str) -> bool {
    text.chars()
        .any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáèéìíòóùúý".contains(c))
}

/// Asserts a 422 naming exactly `fields`, each message in Vietnamese.
fn refused(res: &TestResponse, fields: &[&str], what: &str) {
    let problem = res.problem(422, "validation_failed");
    let found = messages(&problem);
    let named: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(named, fields, "{what}: {problem}");
    for (field, message) in &found {
        assert!(vietnamese(message), "{what}: {field}: {message}");
    }
    assert!(vietnamese(problem["detail"].as_str().unwrap()), "{problem}");
}

db_test!(
    a_trade_report_over_days_outside_the_calendar_is_refused,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        // `%2B` is `+`: chrono reads years of more than four digits after a sign.
        for (query, fields) in [
            (
                "from=%2B250000-01-01&to=%2B250000-01-02",
                &["from", "to"][..],
            ),
            ("from=%2B262142-12-30&to=%2B262142-12-31", &["from", "to"]),
            ("from=%2B99999-01-01&to=%2B99999-03-31", &["from", "to"]),
            ("from=-0001-01-01&to=-0001-01-02", &["from", "to"]),
            ("from=1999-12-31&to=2000-01-01", &["from"]),
            ("from=2999-12-31&to=%2B3000-01-01", &["to"]),
        ] {
            let path = format!("/api/v1/admin/reports/trade?{query}&group_by=stall");
            let res = in_vi(&app, Method::GET, &path, Some(&admin), "text/plain", "").await;
            refused(&res, fields, query);
        }
        // A parameter twice, an empty one, a date that is not one: 422, never 500.
        for query in [
            "from=2026-10-01&to=2026-10-02&group_by=stall&group_by=province",
            "from=&to=2026-10-02&group_by=stall",
            "from=2026-02-30&to=2026-03-02&group_by=stall",
            "from=2026-10-01&to=2026-10-02&group_by=",
        ] {
            let path = format!("/api/v1/admin/reports/trade?{query}");
            let res = in_vi(&app, Method::GET, &path, Some(&admin), "text/plain", "").await;
            let problem = res.problem(422, "validation_failed");
            assert!(!fields(&problem).is_empty(), "{query}: {problem}");
        }
        // The widest days allowed still answer.
        let path = "/api/v1/admin/reports/trade?from=2000-01-01&to=2000-12-31&group_by=province";
        let res = app.get(path, Some(&admin)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        // Years of the sellers' report and the tax months: four digits only.
        for quarter in [
            "99999-Q1", "0999-Q1", "2026-Q0", "2026-Q5", "2026-q1", "2026-Q1x",
        ] {
            let path = format!("/api/v1/admin/reports/sellers/{quarter}");
            let res = in_vi(&app, Method::GET, &path, Some(&admin), "text/plain", "").await;
            refused(&res, &["quarter"], quarter);
        }
    }
);

db_test!(
    tax_months_and_certificate_numbers_are_bounded,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        let owner = app.signed_in("a@example.vn").await;
        let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for month in [
            "2026-1", "2026-13", "2026-00", "99999-01", "1999-12", "2026_01", "x",
        ] {
            let path = format!("/api/v1/admin/tax-periods/{month}/close");
            let res = in_vi(
                &app,
                Method::POST,
                &path,
                Some(&admin),
                "application/json",
                "",
            )
            .await;
            refused(&res, &["month"], month);
            let path = format!("/api/v1/stalls/{stall}/withholding-certificates/{month}");
            let res = in_vi(&app, Method::GET, &path, Some(&owner), "text/plain", "").await;
            refused(&res, &["month"], month);
        }
        // A number no certificate has, however long: not found.
        for number in ["CT-2026-000001", &"9".repeat(5000)] {
            let path = format!("/api/v1/admin/withholding-certificates/{number}/reissue");
            let body = json!({"reason": "Sửa mã số thuế"}).to_string();
            let res = in_vi(
                &app,
                Method::POST,
                &path,
                Some(&admin),
                "application/json",
                body,
            )
            .await;
            res.problem(404, "not_found");
        }
        // The reason: 1 to 500 characters, checked before the number is looked up.
        let path = "/api/v1/admin/withholding-certificates/CT-2026-000001/reissue";
        for reason in [" ".to_owned(), "x".repeat(501)] {
            let body = json!({"reason": reason}).to_string();
            let res = in_vi(
                &app,
                Method::POST,
                path,
                Some(&admin),
                "application/json",
                body,
            )
            .await;
            refused(&res, &["reason"], "reason");
        }
        let res = app.get("/api/v1/admin/tax-periods", Some(&admin)).await;
        assert_eq!(res.json(), json!([]), "nothing was closed");
    }
);

/// Posts a remittance statement of `content_type` with `query`, asking for Vietnamese.
async fn statement(
    app: &TestApp,
    admin: &str,
    content_type: &str,
    query: &str,
    body: impl Into<Body>,
) -> TestResponse {
    let path = format!("/api/v1/admin/cod-remittances{query}");
    in_vi(app, Method::POST, &path, Some(admin), content_type, body).await
}

db_test!(
    remittance_statements_are_bounded_and_name_a_carrier_of_ours,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        let csv = "order_code,cod_amount\nGAQTHQ3U,150000\n";
        // A carrier the marketplace does not ship with, in CSV and in JSON.
        let q = "?carrier=viettel&reference=VT-1&remitted_on=2026-12-01";
        let res = statement(&app, &admin, "text/csv", q, csv).await;
        refused(&res, &["carrier"], "viettel (CSV)");
        let body = json!({"carrier": "viettel", "reference": "VT-1", "remitted_on": "2026-12-01",
            "lines": [{"tracking_no": "GAQTHQ3U", "cod_amount": 150000}]});
        let res = statement(&app, &admin, "application/json", "", body.to_string()).await;
        refused(&res, &["carrier"], "viettel (JSON)");
        // Days outside the calendar, a reference too long, a line's texts too long.
        let ok = "&carrier=ghn&reference=GHN-1";
        for (query, field) in [
            (format!("?remitted_on=%2B99999-01-01{ok}"), "remitted_on"),
            (format!("?remitted_on=2019-12-31{ok}"), "remitted_on"),
            (
                format!(
                    "?remitted_on=2026-12-01&carrier=ghn&reference={}",
                    "R".repeat(65)
                ),
                "reference",
            ),
        ] {
            let res = statement(&app, &admin, "text/csv", &query, csv).await;
            refused(&res, &[field], &query);
        }
        let q = "?carrier=ghn&reference=GHN-1&remitted_on=2026-12-01";
        let long = format!(
            "order_code,client_order_code,cod_amount\n{},{},1\n",
            "G".repeat(65),
            "N".repeat(33)
        );
        let res = statement(&app, &admin, "text/csv", q, long).await;
        refused(
            &res,
            &["lines.0.tracking_no", "lines.0.order_number"],
            "long texts",
        );
        // Too many lines, not text, no header, a body past the limit, neither CSV nor JSON.
        let many = format!("order_code,cod_amount\n{}", "G1,1\n".repeat(5001));
        refused(
            &statement(&app, &admin, "text/csv", q, many).await,
            &["body"],
            "5001 lines",
        );
        let binary = vec![0xff_u8, 0xfe, 0x00, 0x9c];
        refused(
            &statement(&app, &admin, "text/csv", q, binary).await,
            &["body"],
            "binary",
        );
        refused(
            &statement(&app, &admin, "text/csv", q, "").await,
            &["body"],
            "empty",
        );
        let huge = format!("order_code,cod_amount\n{}", "G1,1\n".repeat(300_000));
        statement(&app, &admin, "text/csv", q, huge)
            .await
            .problem(413, "payload_too_large");
        let lines: Vec<Value> = (0..5001)
            .map(|_| json!({"tracking_no": "G", "cod_amount": 1}))
            .collect();
        let body = json!({"carrier": "ghn", "reference": "R", "remitted_on": "2026-12-01", "lines": lines});
        let res = statement(&app, &admin, "application/json", "", body.to_string()).await;
        refused(&res, &["lines"], "5001 JSON lines");
        statement(&app, &admin, "text/plain", q, csv)
            .await
            .problem(415, "unsupported_media_type");
        // The lists' filters and pages.
        for query in [
            format!("carrier={}", "g".repeat(33)),
            "page=0".into(),
            "per_page=101".into(),
            "page=99999999999".into(),
        ] {
            for list in ["cod-remittances", "cod-receivables"] {
                let path = format!("/api/v1/admin/{list}?{query}");
                let res = in_vi(&app, Method::GET, &path, Some(&admin), "text/plain", "").await;
                assert_eq!(res.status, 422, "{path}: {}", res.text());
            }
        }
        // Nothing was stored.
        let res = app.get("/api/v1/admin/cod-remittances", Some(&admin)).await;
        assert_eq!(res.json()["total"], 0, "{}", res.text());
    }
);

db_test!(
    stall_carrier_and_ship_bodies_are_bounded,
    |db: TestDb| async move {
        let ghn = StubGhn::start().await;
        let app = TestApp::from_config(db, ghn_config(&ghn), |e| e);
        let m = market(&app).await;
        let path = format!("/api/v1/stalls/{}/carrier", m.stall_a);
        for (body, field) in [
            (json!({"carrier": "viettel", "shop_id": "1"}), "carrier"),
            (
                json!({"carrier": "ghn", "shop_id": "1".repeat(21)}),
                "shop_id",
            ),
            (json!({"carrier": "ghn", "shop_id": "12a"}), "shop_id"),
            (
                json!({"carrier": "ghn", "shop_id": "1", "token": "t".repeat(201)}),
                "token",
            ),
            (
                json!({"carrier": "ghn", "shop_id": "1", "service_type_id": 3}),
                "service_type_id",
            ),
            (
                json!({"carrier": "ghn", "shop_id": "1", "service_type_id": 1e30}),
                "service_type_id",
            ),
            (
                json!({"carrier": "ghn", "shop_id": "1", "extra": 1}),
                "extra",
            ),
        ] {
            let res = in_vi(
                &app,
                Method::PUT,
                &path,
                Some(&m.owner_a),
                "application/json",
                body.to_string(),
            )
            .await;
            refused(&res, &[field], &body.to_string());
        }
        assert_eq!(
            app.get(&path, Some(&m.owner_a)).await.status,
            404,
            "nothing was set"
        );
        connect_ghn(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 1).await.status, 200);
        let res = checkout(&app, &m.buyer, "k-bounds", shipping()).await;
        let id = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
        let res = app
            .post(
                &format!("/api/v1/orders/{id}/confirm"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let ship_path = format!("/api/v1/orders/{id}/ship");
        for (body, field) in [
            (
                json!({"carrier": "ghn", "service": "s".repeat(33)}),
                "service",
            ),
            (
                json!({"carrier": "ghn", "tracking_no": "VTP1"}),
                "tracking_no",
            ),
            (
                json!({"carrier": "Viettel Post", "service": "53320"}),
                "service",
            ),
            (json!({"carrier": "c".repeat(65)}), "carrier"),
            (
                json!({"carrier": "self", "tracking_no": "t".repeat(65)}),
                "tracking_no",
            ),
            (
                json!({"carrier": "ghn", "reason": "r".repeat(1001)}),
                "reason",
            ),
        ] {
            let res = in_vi(
                &app,
                Method::POST,
                &ship_path,
                Some(&m.owner_a),
                "application/json",
                body.to_string(),
            )
            .await;
            refused(&res, &[field], &body.to_string());
        }
        assert!(ghn.waybills().is_empty(), "nothing was booked");
        let seen = app
            .get(&format!("/api/v1/orders/{id}"), Some(&m.owner_a))
            .await
            .json();
        assert_eq!(seen["status"], "confirmed", "{seen}");
        // With none of that, the parcel is booked, the stall's note kept in the history.
        let note = "Giao trước 17 giờ";
        let res = ship(
            &app,
            &m.owner_a,
            &id,
            json!({"carrier": "ghn", "reason": note}),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let shipped = res.json();
        let last = shipped["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(
            (&last["to"], &last["reason"]),
            (&json!("shipped"), &json!(note))
        );
    }
);

db_test!(
    carrier_callbacks_of_any_shape_answer_4xx_and_change_nothing,
    |db: TestDb| async move {
        let ghn = StubGhn::start().await;
        let app = TestApp::from_config(db, ghn_config(&ghn), |e| e);
        let hook = format!("/api/v1/carriers/ghn/webhook?secret={SECRET}");
        let at = chrono::Utc::now().to_rfc3339();
        let shaped = |code: &str, status: &str, time: &str| {
            json!({"OrderCode": code, "ClientOrderCode": "", "Status": status, "Time": time,
                "Type": "switch_status", "ShopID": 1})
            .to_string()
        };
        for (content_type, body, status, code) in [
            (
                "application/json",
                "not json".to_owned(),
                400,
                "carrier_message_malformed",
            ),
            (
                "application/json",
                String::new(),
                400,
                "carrier_message_malformed",
            ),
            (
                "application/json",
                "[1,2]".to_owned(),
                400,
                "carrier_message_malformed",
            ),
            (
                "text/plain",
                "\u{0}\u{1}garbage".to_owned(),
                400,
                "carrier_message_malformed",
            ),
            (
                "application/x-www-form-urlencoded",
                "a=1&b=2".to_owned(),
                400,
                "carrier_message_malformed",
            ),
            (
                "application/json",
                shaped("GA1", "teleported", &at),
                400,
                "carrier_status_unknown",
            ),
            (
                "application/json",
                shaped("GA1", "delivered", "yesterday"),
                400,
                "carrier_message_malformed",
            ),
            (
                "application/json",
                "x".repeat(1_100_000),
                413,
                "payload_too_large",
            ),
        ] {
            let res = in_vi(&app, Method::POST, &hook, None, content_type, body).await;
            let p = res.problem(status, code);
            assert!(vietnamese(p["detail"].as_str().unwrap()), "{p}");
        }
        // A waybill or an order code no parcel of ours has: acknowledged, ignored.
        let res = in_vi(
            &app,
            Method::POST,
            &hook,
            None,
            "text/plain",
            shaped("GANOTOURS", "delivered", &at),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["outcome"], "unknown_shipment");
        // Carriers we do not speak to, however named.
        for carrier in ["GHN", "viettel", &"g".repeat(300)] {
            let path = format!("/api/v1/carriers/{carrier}/webhook?secret={SECRET}");
            let res = in_vi(
                &app,
                Method::POST,
                &path,
                None,
                "application/json",
                shaped("GA1", "delivered", &at),
            )
            .await;
            res.problem(404, "not_found");
        }
    }
);

/// Moves the booking lease of order `id`'s shipment to `until`.
async fn set_lease(app: &TestApp, id: &str, until: chrono::DateTime<chrono::Utc>) {
    use order::entity::shipment;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let order_id: uuid::Uuid = id.parse().unwrap();
    shipment::Entity::update_many()
        .col_expr(shipment::Column::BookingUntil, Expr::value(until))
        .filter(shipment::Column::OrderId.eq(order_id))
        .exec(&app.db.conn)
        .await
        .unwrap();
}

db_test!(
    a_callback_with_a_waybill_longer_than_ours_is_refused_not_stored,
    |db: TestDb| async move {
        let ghn = StubGhn::start().await;
        let app = TestApp::from_config(db, ghn_config(&ghn), |e| e);
        let m = market(&app).await;
        connect_ghn(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 1).await.status, 200);
        let res = checkout(&app, &m.buyer, "k-long-waybill", shipping()).await;
        let id = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
        let res = app
            .post(
                &format!("/api/v1/orders/{id}/confirm"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        // The booking's answer is lost, and the order rejected: its booking is withdrawn.
        ghn.lose_next_create_answer();
        ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .problem(503, "carrier_unavailable");
        set_lease(&app, &id, chrono::Utc::now() - chrono::Duration::seconds(1)).await;
        let reject = json!({"reason": "Khách đổi ý, không giao nữa"});
        let res = app
            .post(
                &format!("/api/v1/orders/{id}/reject"),
                Some(&m.owner_a),
                reject,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        // A callback naming our order with a waybill no carrier writes (longer than the 64
        // characters a waybill is kept in): refused, nothing adopted or cancelled.
        let w = ghn.waybills()[0].clone();
        let at = chrono::Utc::now().to_rfc3339();
        let mut body: Value =
            serde_json::from_slice(&testkit::ghn::callback_body(&w, "ready_to_pick", &at)).unwrap();
        for code in ["G".repeat(65), String::new()] {
            body["OrderCode"] = json!(code);
            let res = callback(&app, Some(SECRET), body.to_string().into_bytes()).await;
            res.problem(400, "carrier_message_malformed");
        }
        assert!(ghn.requests_to("/v2/switch-status/cancel").is_empty());
        let seen = app
            .get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
            .await
            .json();
        assert_eq!(seen["status"], "cancelled", "{seen}");
        assert_eq!(seen["shipment"]["tracking_no"], Value::Null, "{seen}");
        // GHN's own waybill is still adopted and cancelled.
        body["OrderCode"] = json!(w.order_code);
        let res = callback(&app, Some(SECRET), body.to_string().into_bytes()).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["outcome"], "waybill_cancelled");
    }
);

/// The carriers' and tax settings as `docker-compose.yml` and the README set them, through the
/// environment of the binary: accepted at start-up, and a value spoilt on the way refused
/// naming its key.
#[test]
fn carrier_and_tax_settings_from_the_environment_start_the_binary() {
    let communes = std::env::temp_dir().join(format!("ghn-env-{}.csv", uuid::Uuid::now_v7()));
    std::fs::write(
        &communes,
        "commune_code,province_id,district_id,ward_code\n19414,212,1701,480201\n",
    )
    .unwrap();
    let set = [
        // `openssl rand -base64 32`.
        (
            "MARKETPLACE_CARRIERS__SECRET_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
        ("MARKETPLACE_CARRIERS__QUOTE_TTL_SECS", "0300"),
        ("MARKETPLACE_CARRIERS__QUOTE_TIMEOUT_MS", "900"),
        ("MARKETPLACE_CARRIERS__POLL_AFTER_MINUTES", "15"),
        (
            "MARKETPLACE_CARRIERS__GHN__URL",
            "https://dev-online-gateway.ghn.vn/shiip/public-api",
        ),
        (
            "MARKETPLACE_CARRIERS__GHN__TOKEN",
            "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        ),
        (
            "MARKETPLACE_CARRIERS__GHN__WEBHOOK_SECRET",
            "0123456789abcdefGHN",
        ),
        ("MARKETPLACE_CARRIERS__GHN__TIMEOUT_MS", "2500"),
        (
            "MARKETPLACE_CARRIERS__GHN__COMMUNES_FILE",
            communes.to_str().unwrap(),
        ),
        ("MARKETPLACE_TAX__DELIVERY_FEE_WITHHOLDING", "none"),
        ("MARKETPLACE_TAX__PLATFORM_NAME", "Sàn TMĐT OCOP Quảng Trị"),
        ("MARKETPLACE_TAX__PLATFORM_TAX_CODE", "0100109106-001"),
        (
            "MARKETPLACE_TAX__PLATFORM_ADDRESS",
            "Số 1, Hùng Vương, Đông Hà",
        ),
    ];
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = crate::cli::marketplace();
        cmd.arg("openapi");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&set);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Compose passes an unset secret as the empty text: unset.
    let out = run(&[
        ("MARKETPLACE_CARRIERS__SECRET_KEY", ""),
        ("MARKETPLACE_CARRIERS__GHN__TOKEN", ""),
        ("MARKETPLACE_CARRIERS__GHN__WEBHOOK_SECRET", ""),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (key, bad, named) in [
        (
            "MARKETPLACE_TAX__PLATFORM_TAX_CODE",
            "100109106",
            "tax.platform_tax_code",
        ),
        (
            "MARKETPLACE_CARRIERS__SECRET_KEY",
            "0001020304",
            "carriers.secret_key",
        ),
        (
            "MARKETPLACE_CARRIERS__GHN__WEBHOOK_SECRET",
            "short",
            "carriers.ghn.webhook_secret",
        ),
        (
            "MARKETPLACE_CARRIERS__QUOTE_TTL_SECS",
            "86401",
            "carriers.quote_ttl_secs",
        ),
        (
            "MARKETPLACE_CARRIERS__QUOTE_TIMEOUT_MS",
            "99",
            "carriers.quote_timeout_ms",
        ),
        (
            "MARKETPLACE_CARRIERS__GHN__TIMEOUT_MS",
            "60001",
            "carriers.ghn.timeout_ms",
        ),
        (
            "MARKETPLACE_CARRIERS__GHN__URL",
            "ftp://ghn.vn",
            "carriers.ghn.url",
        ),
        (
            "MARKETPLACE_CARRIERS__GHN__COMMUNES_FILE",
            "/nonexistent/ghn.csv",
            "carriers.ghn.communes_file",
        ),
    ] {
        let out = run(&[(key, bad)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(named),
            "{key}={bad}: {err}"
        );
    }
    std::fs::remove_file(&communes).unwrap();
}

/// The notifications of `token`'s inbox as (event, title, body).
async fn inbox(app: &TestApp, token: &str) -> Vec<(String, String, String)> {
    let res = app.get("/api/v1/me/notifications", Some(token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let text = |n: &Value, k: &str| n[k].as_str().unwrap_or_default().to_owned();
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (text(n, "event"), text(n, "title"), text(n, "body")))
        .collect()
}

db_test!(
    buyers_and_stalls_hear_of_failed_and_returned_parcels_in_vietnamese,
    |db: TestDb| async move {
        let ghn = StubGhn::start().await;
        let app = TestApp::from_config(db, ghn_config(&ghn), |e| e);
        let m = market(&app).await;
        connect_ghn(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 1).await.status, 200);
        let res = checkout(&app, &m.buyer, "k-told", shipping()).await;
        let id = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
        let res = app
            .post(
                &format!("/api/v1/orders/{id}/confirm"),
                Some(&m.owner_a),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let shipped = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"}))
            .await
            .json();
        let (number, code) = (
            shipped["number"].as_str().unwrap().to_owned(),
            shipped["shipment"]["tracking_no"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        for status in [
            "picked",
            "delivering",
            "delivery_fail",
            "return",
            "returned",
        ] {
            let res = callback(&app, Some(SECRET), ghn.advance(&code, status)).await;
            assert_eq!(res.status, 200, "{status}: {}", res.text());
        }
        let find = |all: &[(String, String, String)], event: &str| {
            all.iter()
                .find(|n| n.0 == event)
                .cloned()
                .unwrap_or_else(|| panic!("no {event} in {all:?}"))
        };
        let buyer = inbox(&app, &m.buyer).await;
        let stall = inbox(&app, &m.owner_a).await;
        let failed = find(&buyer, "delivery_failed");
        assert_eq!(failed.1, format!("Chưa giao được đơn hàng #{number}"));
        for part in [
            "Giao Hàng Nhanh (GHN)",
            &code,
            "Không liên lạc được người nhận",
        ] {
            assert!(failed.2.contains(part), "{part}: {}", failed.2);
        }
        let returned = find(&buyer, "order_returned");
        assert_eq!(
            returned.1,
            format!("Đơn hàng #{number} đã được hoàn về gian hàng")
        );
        assert!(
            returned.2.contains("Bạn không phải thanh toán"),
            "{}",
            returned.2
        );
        let back = find(&stall, "order_returned_to_stall");
        assert_eq!(back.1, format!("Đơn hàng #{number} đã được hoàn về"));
        assert!(
            back.2.contains(&code) && back.2.contains("cộng lại vào kho"),
            "{}",
            back.2
        );
        for (event, title, body) in [failed, returned, back] {
            assert!(
                !title.contains('{') && !body.contains('{'),
                "{event}: {title} {body}"
            );
            assert!(vietnamese(&title) && vietnamese(&body), "{event}");
        }
    }
);
