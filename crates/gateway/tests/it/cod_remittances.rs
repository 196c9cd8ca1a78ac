//! Cash on delivery collected by a carrier, on SQLite and PostgreSQL: a parcel GHN delivers
//! leaves its cash with GHN (`cod_receivable`), so the stall is not paid it; GHN's remittance
//! statement, uploaded by an administrator, settles each order it matches (`cod_remitted`,
//! `carrier_fee`) and holds the others with their mismatch; the same statement uploaded again,
//! even at once, is settled once.

use axum::{body::Body, http::Request};
use serde_json::{Value, json};
use testkit::ghn::StubGhn;

use crate::{
    money::{balance, bank_account, by_kind, deliver, entries, order_of, rule},
    orders::{Market, checkout, market, put_item, shipping},
    shipments::{SECRET, callback, connect_ghn, ghn_config, ship},
    support::*,
};

/// A market whose stall A ships with GHN's stand-in, its earnings and bank accounts usable at
/// once.
async fn ghn_money(db: TestDb) -> (TestApp, StubGhn, Market) {
    let ghn = StubGhn::start().await;
    let mut config = ghn_config(&ghn);
    config.ledger.holding_days = 0;
    config.ledger.cooling_off_hours = 0;
    config.ledger.payout_minimum = 100_000;
    let app = TestApp::from_config(db, config, |e| e);
    let m = market(&app).await;
    connect_ghn(&app, &m.owner_a, &m.stall_a).await;
    (app, ghn, m)
}

/// An order of stall A paid cash on delivery, booked with GHN and delivered by its callback.
struct Parcel {
    id: String,
    number: String,
    waybill: String,
    /// The cash GHN collected.
    cod: i64,
}

async fn delivered_by_ghn(app: &TestApp, ghn: &StubGhn, m: &Market, key: &str) -> Parcel {
    assert_eq!(put_item(app, &m.buyer, &m.sauce, 1).await.status, 200);
    let res = checkout(app, &m.buyer, key, shipping()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = order_of(&res.json(), &m.stall_a);
    let res = app
        .post(
            &format!("/api/v1/orders/{id}/confirm"),
            Some(&m.owner_a),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = ship(app, &m.owner_a, &id, json!({"carrier": "ghn"})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let shipped = res.json();
    let waybill = shipped["shipment"]["tracking_no"]
        .as_str()
        .unwrap()
        .to_owned();
    // Delivered a while ago by GHN's clock, so the earnings are payable now.
    let w = ghn
        .waybills()
        .into_iter()
        .find(|w| w.order_code == waybill)
        .unwrap();
    let at = (chrono::Utc::now() - chrono::Duration::minutes(2)).to_rfc3339();
    let body = testkit::ghn::callback_body(&w, "delivered", &at);
    let res = callback(app, Some(SECRET), body).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let seen = app
        .get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
        .await
        .json();
    assert_eq!(seen["status"], "delivered", "{seen}");
    Parcel {
        number: shipped["number"].as_str().unwrap().to_owned(),
        cod: shipped["shipment"]["cod_amount"].as_i64().unwrap(),
        id,
        waybill,
    }
}

/// Posts a statement: CSV with its data in the query, or JSON.
async fn upload(
    app: &TestApp,
    token: &str,
    content_type: &str,
    query: &str,
    body: String,
) -> TestResponse {
    app.send(
        Request::post(format!("/api/v1/admin/cod-remittances{query}"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn results(statement: &Value) -> Vec<String> {
    statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["result"].as_str().unwrap().to_owned())
        .collect()
}

async fn receivables(app: &TestApp, admin: &str) -> Value {
    let res = app
        .get("/api/v1/admin/cod-receivables?carrier=ghn", Some(admin))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

async fn payable(app: &TestApp, m: &Market) -> i64 {
    balance(app, &m.owner_a, &m.stall_a).await["payable"]
        .as_i64()
        .unwrap()
}

const QUERY: &str = "?carrier=ghn&reference=GHN-DS-0192&remitted_on=2026-12-04";

db_test!(
    a_statement_settles_what_matches_and_holds_each_mismatch,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_money(db).await;
        rule(&app, &m.admin, json!({"rate_bp": 500})).await;
        bank_account(&app, &m.owner_a, &m.stall_a, "0071000123456").await;
        let one = delivered_by_ghn(&app, &ghn, &m, "cod-1").await;
        let two = delivered_by_ghn(&app, &ghn, &m, "cod-2").await;
        let three = delivered_by_ghn(&app, &ghn, &m, "cod-3").await;
        // Stall B delivers its own: it holds the cash, no carrier does.
        assert_eq!(put_item(&app, &m.buyer, &m.coffee, 1).await.status, 200);
        let res = checkout(&app, &m.buyer, "cod-b", shipping()).await;
        let own = order_of(&res.json(), &m.stall_b);
        deliver(&app, &m.owner_b, &own).await;
        let own_number = app
            .get(&format!("/api/v1/orders/{own}"), Some(&m.buyer))
            .await
            .json()["number"]
            .as_str()
            .unwrap()
            .to_owned();

        // GHN holds the cash: the stall's payable balance is its sales less the cash GHN
        // holds and the commission, so nothing of the cash can be paid out.
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        let cod = one.cod + two.cod + three.cod;
        assert_eq!(
            by_kind(&a, "cod_receivable"),
            [-one.cod, -two.cod, -three.cod]
        );
        assert!(by_kind(&a, "cash_collected").is_empty());
        let commission: i64 = by_kind(&a, "commission").iter().sum();
        assert_eq!(payable(&app, &m).await, commission);
        let run = app
            .post("/api/v1/admin/payout-batches", Some(&m.admin), json!({}))
            .await
            .json();
        assert_eq!(run["payouts"], json!([]), "{run}");
        let held = receivables(&app, &m.admin).await;
        assert_eq!(held["outstanding_total"], cod);
        assert_eq!(held["orders"]["total"], 3);
        assert_eq!(held["orders"]["items"][0]["order_id"], one.id.as_str());
        assert_eq!(
            held["orders"]["items"][0]["tracking_no"],
            one.waybill.as_str()
        );
        assert_eq!(held["orders"]["items"][0]["amount"], one.cod);

        // GHN's statement: one order settled, and one line of each mismatch.
        let csv = format!(
            "\u{feff}Mã đơn GHN,Mã đơn shop,Tiền thu hộ (COD),Tổng phí,Ngày\r\n\
             {},{},{},22.000,04/12/2026\r\n\
             ,{},{},18000,04/12/2026\r\n\
             GHNKHONGCO,,99000,15000,04/12/2026\r\n\
             {},,{},22000,04/12/2026\r\n\
             ,{own_number},165000,0,04/12/2026\r\n",
            one.waybill,
            one.number,
            one.cod,
            two.number,
            two.cod - 1_000,
            one.waybill,
            one.cod,
        );
        let res = upload(&app, &m.admin, "text/csv", QUERY, csv.clone()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let s = res.json();
        assert_eq!(
            results(&s),
            [
                "matched",
                "amount_mismatch",
                "unknown_order",
                "already_remitted",
                "unknown_order"
            ]
        );
        assert_eq!(s["line_count"], 5);
        assert_eq!(s["matched_count"], 1);
        assert_eq!(s["mismatch_count"], 4);
        assert_eq!(s["booked_total"], one.cod);
        assert_eq!(s["fee_total"], 22_000 + 18_000 + 15_000 + 22_000);
        assert_eq!(s["lines"][1]["expected"], two.cod);
        assert_eq!(s["lines"][1]["order_id"], two.id.as_str());
        assert_eq!(s["lines"][2]["order_id"], Value::Null);
        // Settled: the cash is remitted, the fee charged, and the stall can be paid.
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(by_kind(&a, "cod_remitted"), [one.cod]);
        assert_eq!(by_kind(&a, "carrier_fee"), [-22_000]);
        assert_eq!(payable(&app, &m).await, commission + one.cod - 22_000);
        let held = receivables(&app, &m.admin).await;
        assert_eq!(held["outstanding_total"], two.cod + three.cod);
        assert_eq!(held["orders"]["total"], 2);
        // The stall's own cash is none of GHN's.
        let b = entries(&app, &m.owner_b, &m.stall_b).await;
        assert!(by_kind(&b, "cod_remitted").is_empty());

        // The same statement again: the one stored, nothing changed.
        let again = upload(&app, &m.admin, "text/csv", QUERY, csv.clone()).await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json()["id"], s["id"]);
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(by_kind(&a, "cod_remitted"), [one.cod]);
        // Another statement under the same reference is refused.
        upload(
            &app,
            &m.admin,
            "text/csv",
            QUERY,
            csv.replace("22.000", "21.000"),
        )
        .await
        .problem(409, "remittance_reference_taken");

        // The corrected line, in JSON: settled; the third order stays outstanding.
        let body = json!({"carrier": "ghn", "reference": "GHN-DS-0193", "remitted_on": "2026-12-04",
            "lines": [{"order_number": two.number.to_lowercase(), "cod_amount": two.cod, "fee": 18_000}]});
        let res = upload(&app, &m.admin, "application/json", "", body.to_string()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(results(&res.json()), ["matched"]);
        let held = receivables(&app, &m.admin).await;
        assert_eq!(held["outstanding_total"], three.cod);
        assert_eq!(held["orders"]["items"][0]["order_id"], three.id.as_str());
        let due = commission + one.cod + two.cod - 22_000 - 18_000;
        assert_eq!(payable(&app, &m).await, due);

        // The payout pays what was remitted, and only that.
        let run = app
            .post(
                "/api/v1/admin/payout-batches",
                Some(&m.admin),
                json!({"stall_id": m.stall_a}),
            )
            .await;
        assert_eq!(run.status, 201, "{}", run.text());
        assert_eq!(run.json()["payouts"][0]["amount"], due, "{}", run.text());
        assert_eq!(payable(&app, &m).await, 0);

        // The statements, newest first, and one with its lines.
        let list = app
            .get("/api/v1/admin/cod-remittances?carrier=ghn", Some(&m.admin))
            .await;
        assert_eq!(list.status, 200, "{}", list.text());
        let list = list.json();
        assert_eq!(list["total"], 2);
        assert_eq!(list["items"][0]["reference"], "GHN-DS-0193");
        assert!(list["items"][0].get("lines").is_none());
        let one_read = app
            .get(
                &format!(
                    "/api/v1/admin/cod-remittances/{}",
                    s["id"].as_str().unwrap()
                ),
                Some(&m.admin),
            )
            .await;
        assert_eq!(one_read.status, 200, "{}", one_read.text());
        assert_eq!(results(&one_read.json()), results(&s));
        app.get(
            &format!("/api/v1/admin/cod-remittances/{}", uuid::Uuid::now_v7()),
            Some(&m.admin),
        )
        .await
        .problem(404, "not_found");
    }
);

db_test!(
    bad_statements_are_refused_and_change_nothing,
    |db: TestDb| async move {
        let (app, _ghn, m) = ghn_money(db).await;
        let fields_of = |res: TestResponse| fields(&res.problem(422, "validation_failed"));
        // CSV without its data in the query.
        let res = upload(
            &app,
            &m.admin,
            "text/csv",
            "?carrier=ghn",
            "order_code,cod_amount\nA,1\n".into(),
        )
        .await;
        assert_eq!(fields_of(res), ["reference", "remitted_on"]);
        // A bad amount, named by its line.
        let res = upload(
            &app,
            &m.admin,
            "text/csv",
            QUERY,
            "order_code,cod_amount\nA,1.5\n".into(),
        )
        .await;
        assert_eq!(fields_of(res), ["lines.0.cod_amount"]);
        // JSON: bad carrier, a day in the future, a line naming no order, a negative fee.
        let body = json!({"carrier": "GHN!", "reference": "x", "remitted_on": "2099-01-01",
            "lines": [{"cod_amount": 1}, {"tracking_no": "A", "cod_amount": 1, "fee": -1}]});
        let res = upload(&app, &m.admin, "application/json", "", body.to_string()).await;
        assert_eq!(
            fields_of(res),
            [
                "carrier",
                "remitted_on",
                "lines.0.tracking_no",
                "lines.1.fee"
            ]
        );
        let many: Vec<Value> = (0..5001)
            .map(|_| json!({"tracking_no": "A", "cod_amount": 1}))
            .collect();
        let body =
            json!({"carrier": "ghn", "reference": "x", "remitted_on": "2026-12-01", "lines": many});
        let res = upload(&app, &m.admin, "application/json", "", body.to_string()).await;
        assert_eq!(fields_of(res), ["lines"]);
        let body =
            json!({"carrier": "ghn", "reference": "x", "remitted_on": "2026-12-01", "lines": []});
        let res = upload(&app, &m.admin, "application/json", QUERY, body.to_string()).await;
        assert_eq!(fields_of(res), ["carrier", "reference", "remitted_on"]);
        upload(&app, &m.admin, "text/plain", QUERY, "x".into())
            .await
            .problem(415, "unsupported_media_type");
        app.get("/api/v1/admin/cod-receivables?carrier=", Some(&m.admin))
            .await
            .problem(422, "validation_failed");
        let list = app
            .get("/api/v1/admin/cod-remittances", Some(&m.admin))
            .await
            .json();
        assert_eq!(list["total"], 0);
        // Administrators only.
        upload(
            &app,
            &m.owner_a,
            "text/csv",
            QUERY,
            "order_code,cod_amount\nA,1\n".into(),
        )
        .await
        .problem(403, "forbidden");
    }
);

db_test!(
    the_same_statement_uploaded_at_once_is_settled_once,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_money(db).await;
        let p = delivered_by_ghn(&app, &ghn, &m, "cod-race").await;
        let csv = format!("order_code,cod_amount,fee\n{},{},20000\n", p.waybill, p.cod);
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (app, admin, csv) = (app.clone(), m.admin.clone(), csv.clone());
            tasks.push(tokio::spawn(async move {
                upload(&app, &admin, "text/csv", QUERY, csv).await
            }));
        }
        let mut created = 0;
        for t in tasks {
            let res = t.await.unwrap();
            assert!(matches!(res.status.as_u16(), 200 | 201), "{}", res.text());
            created += usize::from(res.status == 201);
        }
        assert_eq!(created, 1);
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(by_kind(&a, "cod_remitted"), [p.cod]);
        assert_eq!(by_kind(&a, "carrier_fee"), [-20_000]);
        // Two statements naming the same order at once: one settles it, the other finds it
        // remitted.
        let q = delivered_by_ghn(&app, &ghn, &m, "cod-race-2").await;
        let mut tasks = Vec::new();
        for n in 0..2 {
            let (app, admin) = (app.clone(), m.admin.clone());
            let csv = format!("order_code,cod_amount,fee\n{},{},20000\n", q.waybill, q.cod);
            tasks.push(tokio::spawn(async move {
                let query = format!("?carrier=ghn&reference=R-{n}&remitted_on=2026-12-04");
                upload(&app, &admin, "text/csv", &query, csv).await
            }));
        }
        let mut seen = Vec::new();
        for t in tasks {
            let res = t.await.unwrap();
            assert_eq!(res.status, 201, "{}", res.text());
            seen.extend(results(&res.json()));
        }
        seen.sort();
        assert_eq!(seen, ["already_remitted", "matched"]);
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        assert_eq!(by_kind(&a, "cod_remitted"), [p.cod, q.cod]);
    }
);

db_test!(
    a_delivery_dated_ahead_by_the_carriers_clock_is_payable_once_remitted,
    |db: TestDb| async move {
        let (app, ghn, m) = ghn_money(db).await;
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 1).await.status, 200);
        let res = checkout(&app, &m.buyer, "ahead", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let id = order_of(&res.json(), &m.stall_a);
        let path = format!("/api/v1/orders/{id}/confirm");
        let res = app.post(&path, Some(&m.owner_a), json!({})).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let shipped = ship(&app, &m.owner_a, &id, json!({"carrier": "ghn"})).await;
        assert_eq!(shipped.status, 200, "{}", shipped.text());
        let shipment = shipped.json()["shipment"].clone();
        let waybill = shipment["tracking_no"].as_str().unwrap().to_owned();
        let cod = shipment["cod_amount"].as_i64().unwrap();

        // GHN's clock runs an hour ahead of ours: the delivery is dated when we heard of it,
        // so its entries are not held back an hour.
        let w = ghn
            .waybills()
            .into_iter()
            .find(|w| w.order_code == waybill)
            .unwrap();
        let ahead = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
        let body = testkit::ghn::callback_body(&w, "delivered", &ahead);
        let res = callback(&app, Some(SECRET), body).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let now = chrono::Utc::now();
        let written = entries(&app, &m.owner_a, &m.stall_a).await;
        assert!(!by_kind(&written, "cod_receivable").is_empty());
        for e in &written {
            let at = e["available_at"].as_str().unwrap();
            let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
            assert!(at <= now, "{e}");
        }

        // GHN's remittance makes the cash payable at once, less GHN's fee.
        let before = payable(&app, &m).await;
        let today = (now + chrono::Duration::hours(7))
            .format("%Y-%m-%d")
            .to_string();
        let body = json!({"carrier": "ghn", "reference": "GHN-DS-AHEAD", "remitted_on": today,
            "lines": [{"tracking_no": waybill, "cod_amount": cod, "fee": 15_000}]});
        let res = upload(&app, &m.admin, "application/json", "", body.to_string()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(results(&res.json()), ["matched"]);
        assert_eq!(payable(&app, &m).await, before + cod - 15_000);
    }
);
