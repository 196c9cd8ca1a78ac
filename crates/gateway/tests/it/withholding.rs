//! Decree 117/2025/NĐ-CP as the ledger applies it, on SQLite and PostgreSQL: each kind of
//! supply at its rates (an unmapped category at the highest), the delivery fee at the
//! transport rates (or not, by setting), a non-resident seller's PIT, the moment of
//! withholding for each payment method, months closed for good with refunds after the close
//! landing in the next open month and negative months carried, and the certificates: issued
//! at the close, numbered, printable, reissued by replacement, numbered uniquely under
//! concurrency.

use axum::http::{Method, Request};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::{
    money::{
        by_kind, deliver, entries, household, money_app, money_app_with_card, order_of,
        paid_by_card_with, paid_by_transfer,
    },
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

/// The withholding entries of a stall, as (kind, amount, supply, part).
fn withheld(all: &[Value]) -> Vec<(String, i64, String, String)> {
    let mut out: Vec<_> = all
        .iter()
        .filter(|e| e["kind"] == "vat_withheld" || e["kind"] == "pit_withheld")
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["amount"].as_i64().unwrap(),
                e["rule"]["supply"].as_str().unwrap_or("").to_owned(),
                e["rule"]["part"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

pub(crate) async fn put(app: &TestApp, token: &str, path: &str, body: Value) {
    let res = app
        .request(Method::PUT, path, Some(token), Some(body))
        .await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
}

/// Stall B delivers at its own fee of 30 000 đồng.
async fn delivery_fee(app: &TestApp, m: &Market) {
    put(
        app,
        &m.owner_b,
        &format!("/api/v1/stalls/{}/delivery", m.stall_b),
        json!({"own_delivery_in_province": true, "own_delivery_fee": 30_000}),
    )
    .await;
}

db_test!(
    each_kind_of_supply_is_withheld_at_its_rates_and_an_unmapped_category_at_the_highest,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        delivery_fee(&app, &m).await;
        // A service (a craft-village experience) and a category no kind is mapped to.
        let tour = app.category("trai-nghiem").await;
        let res = app
            .post(
                "/api/v1/admin/categories",
                Some(&m.admin),
                json!({"name": "Hàng chưa phân loại", "slug": "chua-phan-loai"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let odd = res.json()["id"].as_str().unwrap().to_owned();
        let mut ids = Vec::new();
        for (cat, name, price) in [
            (&tour, "Một ngày làm nón lá", 200_000),
            (&odd, "Hộp quà", 100_000),
        ] {
            let mut body = app.product_body(cat, name, price);
            body["stock"] = json!(5);
            ids.push(
                app.product(&m.owner_b, &m.stall_b, body).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        put_item(&app, &m.buyer, &ids[0], 1).await;
        put_item(&app, &m.buyer, &ids[1], 1).await;
        let res = checkout(&app, &m.buyer, "kinds-1", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        deliver(&app, &m.owner_b, &order_of(&res.json(), &m.stall_b)).await;

        let b = entries(&app, &m.owner_b, &m.stall_b).await;
        let s = |k: &str, a: i64, supply: &str, part: &str| {
            (k.to_owned(), a, supply.to_owned(), part.to_owned())
        };
        let mut want = vec![
            // Goods: 165 000 at 1 % + 0.5 %.
            s("vat_withheld", -1_650, "goods", "goods"),
            s("pit_withheld", -825, "goods", "goods"),
            // Services: 200 000 at 5 % + 2 %.
            s("vat_withheld", -10_000, "services", "goods"),
            s("pit_withheld", -4_000, "services", "goods"),
            // Unknown: 100 000 at the highest, 5 % + 2 %.
            s("vat_withheld", -5_000, "unknown", "goods"),
            s("pit_withheld", -2_000, "unknown", "goods"),
            // The delivery fee the stall earns: 30 000 at the transport rates, 3 % + 1.5 %.
            s("vat_withheld", -900, "transport", "delivery"),
            s("pit_withheld", -450, "transport", "delivery"),
        ];
        want.sort();
        assert_eq!(withheld(&b), want);
        let unknown = b.iter().find(|e| e["rule"]["supply"] == "unknown").unwrap();
        assert!(matches!(
            unknown["rule"]["rate_bp"].as_i64(),
            Some(500 | 200)
        ));
        assert_eq!(unknown["rule"]["residency"], "resident");

        // The month's report counts the delivery fee in the revenue withheld on.
        let res = app
            .get(
                &format!(
                    "/api/v1/admin/reports/withholding/{}",
                    crate::money::month()
                ),
                Some(&m.admin),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let r = res.json();
        assert_eq!(r["total_revenue"], 165_000 + 200_000 + 100_000 + 30_000);
        assert_eq!(r["total_vat"], 1_650 + 10_000 + 5_000 + 900);
        assert_eq!(r["total_pit"], 825 + 4_000 + 2_000 + 450);
    }
);

db_test!(
    a_non_resident_seller_pays_the_non_residents_pit_and_the_delivery_fee_can_be_left_out,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[ledger]\nholding_days = 0\ncooling_off_hours = 0\n[tax]\ndelivery_fee_withholding = \"none\"",
        );
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        delivery_fee(&app, &m).await;
        let profile = format!("/api/v1/stalls/{}/tax-profile", m.stall_b);
        put(
            &app,
            &m.owner_b,
            &profile,
            json!({"citizen_id": "045190001234", "resident": false}),
        )
        .await;
        let res = app.get(&profile, Some(&m.owner_b)).await;
        assert_eq!(res.json()["resident"], false);
        put_item(&app, &m.buyer, &m.coffee, 2).await;
        let res = checkout(&app, &m.buyer, "nr-1", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        deliver(&app, &m.owner_b, &order_of(&res.json(), &m.stall_b)).await;
        let b = entries(&app, &m.owner_b, &m.stall_b).await;
        assert_eq!(by_kind(&b, "delivery"), [30_000]);
        // 330 000 of goods: VAT 1 % as residents, PIT 1 % (non-residents); no delivery part.
        assert_eq!(
            withheld(&b),
            vec![
                (
                    "pit_withheld".into(),
                    -3_300,
                    "goods".into(),
                    "goods".into()
                ),
                (
                    "vat_withheld".into(),
                    -3_300,
                    "goods".into(),
                    "goods".into()
                ),
            ]
        );
        let pit = b.iter().find(|e| e["kind"] == "pit_withheld").unwrap();
        assert_eq!(pit["rule"]["residency"], "non_resident");
        assert_eq!(pit["rule"]["rate_bp"], 100);
    }
);

db_test!(
    tax_is_withheld_when_the_order_is_delivered_whatever_the_payment_method,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let app = money_app_with_card(db, &stripe.base);
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        // Cash on delivery, bank transfer, card: paid (or not) and confirmed, nothing is
        // withheld until the order is delivered.
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(&app, &m.buyer, "when-cod", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let cod = order_of(&res.json(), &m.stall_b);
        let transfer = order_of(
            &paid_by_transfer(&app, &m, "when-bt", &[(&m.coffee, 1)]).await,
            &m.stall_b,
        );
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let card = order_of(
            &paid_by_card_with(&app, &m, "when-card", shipping()).await,
            &m.stall_b,
        );
        for (method, order) in [("cod", &cod), ("bank_transfer", &transfer), ("card", &card)] {
            for step in ["confirm", "ship"] {
                let res = app
                    .post(
                        &format!("/api/v1/orders/{order}/{step}"),
                        Some(&m.owner_b),
                        json!({}),
                    )
                    .await;
                assert_eq!(res.status, 200, "{method} {step}: {}", res.text());
            }
            let before = entries(&app, &m.owner_b, &m.stall_b).await;
            let of_order = |all: &[Value]| {
                all.iter()
                    .filter(|e| e["order_id"] == order.as_str() && e["kind"] == "vat_withheld")
                    .count()
            };
            assert_eq!(
                of_order(&before),
                0,
                "{method}: nothing withheld before delivery"
            );
            let res = app
                .post(
                    &format!("/api/v1/orders/{order}/deliver"),
                    Some(&m.owner_b),
                    json!({}),
                )
                .await;
            assert_eq!(res.status, 200, "{method}: {}", res.text());
            let after = entries(&app, &m.owner_b, &m.stall_b).await;
            assert_eq!(of_order(&after), 1, "{method}: withheld at delivery");
        }
    }
);

/// Noon on the 15th of the month `back` months before this one, in Vietnam.
pub(crate) fn in_month(back: u32) -> DateTime<Utc> {
    let now = Utc::now() + Duration::hours(7);
    let first = chrono::NaiveDate::from_ymd_opt(now.year(), now.month(), 15).unwrap()
        - chrono::Months::new(back);
    Utc.from_utc_datetime(&first.and_hms_opt(5, 0, 0).unwrap())
}

pub(crate) fn key(at: DateTime<Utc>) -> String {
    (at + Duration::hours(7)).format("%Y-%m").to_string()
}

/// Writes one entry of `stall` straight to the ledger, dated `at` (a refund reversal names
/// what it `reverses`).
async fn write(
    app: &TestApp,
    stall: &str,
    at: DateTime<Utc>,
    kind: &str,
    amount: i64,
    reverses: Option<&str>,
) {
    use ledger::entity::entry;
    use sea_orm::{EntityTrait, Set};
    entry::Entity::insert(entry::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        stall_id: Set(stall.parse().unwrap()),
        kind: Set(kind.to_owned()),
        amount: Set(amount),
        order_id: Set(Some(uuid::Uuid::now_v7())),
        payout_id: Set(None),
        rule: Set(None),
        reverses: Set(reverses.map(str::to_owned)),
        note: Set(None),
        actor_id: Set(None),
        available_at: Set(at),
        created_at: Set(at),
    })
    .exec(&app.db.conn)
    .await
    .unwrap();
}

/// A sale of `goods` with 1 % VAT and 0.5 % PIT withheld, dated `at`.
pub(crate) async fn sale(app: &TestApp, stall: &str, at: DateTime<Utc>, goods: i64) {
    write(app, stall, at, "sale", goods, None).await;
    write(app, stall, at, "vat_withheld", -goods / 100, None).await;
    write(app, stall, at, "pit_withheld", -goods / 200, None).await;
}

/// The refund of a sale of `goods` (its withholding with it), dated `at`.
pub(crate) async fn refund(app: &TestApp, stall: &str, at: DateTime<Utc>, goods: i64) {
    write(app, stall, at, "refund_reversal", -goods, Some("sale")).await;
    write(
        app,
        stall,
        at,
        "refund_reversal",
        goods / 100,
        Some("vat_withheld"),
    )
    .await;
    write(
        app,
        stall,
        at,
        "refund_reversal",
        goods / 200,
        Some("pit_withheld"),
    )
    .await;
}

async fn report(app: &TestApp, admin: &str, month: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/admin/reports/withholding/{month}"),
            Some(admin),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

pub(crate) async fn close(app: &TestApp, admin: &str, month: &str) -> TestResponse {
    app.post(
        &format!("/api/v1/admin/tax-periods/{month}/close"),
        Some(admin),
        json!({}),
    )
    .await
}

fn totals(r: &Value) -> (i64, i64, i64) {
    (
        r["total_revenue"].as_i64().unwrap(),
        r["total_vat"].as_i64().unwrap(),
        r["total_pit"].as_i64().unwrap(),
    )
}

db_test!(
    closed_months_never_change_and_late_refunds_land_in_the_next_open_month,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        let (m3, m2, m1, now) = (in_month(3), in_month(2), in_month(1), Utc::now());
        // Two months ago: two sales and, the same month, the refund of one: they net.
        sale(&app, &m.stall_b, m2, 1_000_000).await;
        sale(&app, &m.stall_b, m2, 400_000).await;
        refund(&app, &m.stall_b, m2, 400_000).await;
        assert_eq!(
            totals(&report(&app, &m.admin, &key(m2)).await),
            (1_000_000, 10_000, 5_000)
        );

        // The current month has not ended; the month closes once, and again is the same.
        let res = close(&app, &m.admin, &key(now)).await;
        assert_eq!(res.status, 409, "{}", res.text());
        assert_eq!(res.json()["code"], "period_not_ended");
        let res = close(&app, &m.admin, "2026-13").await;
        assert_eq!(res.status, 422, "{}", res.text());
        let first = close(&app, &m.admin, &key(m2)).await;
        assert_eq!(first.status, 200, "{}", first.text());
        let first = first.json();
        assert_eq!(
            (first["sellers"].as_i64(), first["vat"].as_i64()),
            (Some(1), Some(10_000))
        );
        let again = close(&app, &m.admin, &key(m2)).await.json();
        assert_eq!(again, first);
        // Months close in order.
        let res = close(&app, &m.admin, &key(m3)).await;
        assert_eq!(res.status, 409, "{}", res.text());
        assert_eq!(res.json()["code"], "period_out_of_order");

        // Last month: the 1 000 000 sale is returned (after its month closed) and a 200 000
        // sale is made: the month comes to less than zero, declares zero and carries the rest.
        refund(&app, &m.stall_b, m1, 1_000_000).await;
        sale(&app, &m.stall_b, m1, 200_000).await;
        assert_eq!(
            totals(&report(&app, &m.admin, &key(m2)).await),
            (1_000_000, 10_000, 5_000)
        );
        assert_eq!(totals(&report(&app, &m.admin, &key(m1)).await), (0, 0, 0));
        let res = close(&app, &m.admin, &key(m1)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["vat"], 0);
        // This month: a 1 000 000 sale, less the 800 000 carried.
        sale(&app, &m.stall_b, now, 1_000_000).await;
        assert_eq!(
            totals(&report(&app, &m.admin, &key(now)).await),
            (200_000, 2_000, 1_000)
        );

        // A refund written now into a closed month changes nothing there: the stored figures
        // are what the report answers.
        refund(&app, &m.stall_b, now, 100_000).await;
        assert_eq!(
            totals(&report(&app, &m.admin, &key(m2)).await),
            (1_000_000, 10_000, 5_000)
        );
        assert_eq!(
            totals(&report(&app, &m.admin, &key(now)).await),
            (100_000, 1_000, 500)
        );

        let res = app.get("/api/v1/admin/tax-periods", Some(&m.admin)).await;
        let months: Vec<_> = res
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["month"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(months, [key(m1), key(m2)]);

        // The certificate of the month with tax withheld; none for last month (nothing
        // withheld), and a month still open is refused.
        let cert = format!(
            "/api/v1/stalls/{}/withholding-certificates/{}",
            m.stall_b,
            key(m2)
        );
        let res = app.get(&cert, Some(&m.owner_b)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let c = res.json();
        assert_eq!(
            (c["revenue"].as_i64(), c["vat"].as_i64(), c["pit"].as_i64()),
            (Some(1_000_000), Some(10_000), Some(5_000))
        );
        assert_eq!(c["period"], key(m2));
        assert_eq!(c["seller"]["name"], "Cà phê Khe Sanh");
        assert_eq!(c["platform"]["tax_code"], "3200000000");
        assert!(c.get("replaces").is_none());
        let res = app
            .get(
                &format!(
                    "/api/v1/stalls/{}/withholding-certificates/{}",
                    m.stall_b,
                    key(m1)
                ),
                Some(&m.owner_b),
            )
            .await;
        assert_eq!(res.status, 404, "{}", res.text());
        let res = app
            .get(
                &format!(
                    "/api/v1/stalls/{}/withholding-certificates/{}",
                    m.stall_b,
                    key(now)
                ),
                Some(&m.owner_b),
            )
            .await;
        assert_eq!(res.status, 409, "{}", res.text());
        assert_eq!(res.json()["code"], "period_open");
    }
);

pub(crate) async fn certificate(app: &TestApp, token: &str, stall: &str, month: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/stalls/{stall}/withholding-certificates/{month}"),
            Some(token),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

db_test!(
    certificates_are_numbered_printable_and_corrected_by_replacement,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        put(
            &app,
            &m.owner_b,
            &format!("/api/v1/stalls/{}/tax-profile", m.stall_b),
            json!({"tax_code": "3200123456"}),
        )
        .await;
        let month = key(in_month(1));
        sale(&app, &m.stall_b, in_month(1), 500_000).await;
        assert_eq!(close(&app, &m.admin, &month).await.status, 200);
        let first = certificate(&app, &m.owner_b, &m.stall_b, &month).await;
        let year = (Utc::now() + Duration::hours(7)).year();
        assert_eq!(first["number"], format!("CT-{year}-000001"));
        assert_eq!(first["seller"]["tax_code"], "3200123456");
        // Administrators read it too; the stall's staff and others do not.
        assert_eq!(certificate(&app, &m.admin, &m.stall_b, &month).await, first);
        let res = app
            .get(
                &format!(
                    "/api/v1/stalls/{}/withholding-certificates/{month}",
                    m.stall_b
                ),
                Some(&m.owner_a),
            )
            .await;
        assert_eq!(res.status, 404, "{}", res.text());

        // The printable page: Vietnamese, escaped, nothing fetched from elsewhere.
        put(
            &app,
            &m.owner_b,
            &format!("/api/v1/stalls/{}/tax-profile", m.stall_b),
            json!({"tax_code": "3200654321"}),
        )
        .await;
        let res = app
            .send(
                Request::get(format!(
                    "/api/v1/stalls/{}/withholding-certificates/{month}",
                    m.stall_b
                ))
                .header("authorization", format!("Bearer {}", m.owner_b))
                .header("accept", "text/html")
                .body(axum::body::Body::empty())
                .unwrap(),
            )
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
        let page = res.text();
        assert!(
            page.contains("CHỨNG TỪ KHẤU TRỪ THUẾ") && page.contains("CT-"),
            "{page}"
        );
        assert!(
            page.contains("5.000 đồng") && page.contains("@media print"),
            "{page}"
        );
        assert!(
            !page.contains("http://") && !page.contains("https://") && !page.contains("<script")
        );

        // Corrected after the seller's tax code changed: a new number that replaces the first,
        // which stays as it was; the first is replaced once.
        let reissue = format!(
            "/api/v1/admin/withholding-certificates/{}/reissue",
            first["number"].as_str().unwrap()
        );
        let res = app
            .post(&reissue, Some(&m.admin), json!({"reason": ""}))
            .await;
        assert_eq!(res.status, 422, "{}", res.text());
        let res = app
            .post(
                &reissue,
                Some(&m.admin),
                json!({"reason": "Sửa mã số thuế <b>"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let second = res.json();
        assert_eq!(second["number"], format!("CT-{year}-000002"));
        assert_eq!(second["replaces"], first["number"]);
        assert_eq!(second["seller"]["tax_code"], "3200654321");
        assert_eq!(
            (second["revenue"].clone(), second["vat"].clone()),
            (first["revenue"].clone(), first["vat"].clone())
        );
        assert_eq!(
            certificate(&app, &m.owner_b, &m.stall_b, &month).await,
            second
        );
        let res = app
            .post(&reissue, Some(&m.admin), json!({"reason": "lần nữa"}))
            .await;
        assert_eq!(res.status, 409, "{}", res.text());
        assert_eq!(res.json()["code"], "certificate_replaced");
        let res = app
            .post(
                "/api/v1/admin/withholding-certificates/CT-1999-000009/reissue",
                Some(&m.admin),
                json!({"reason": "x"}),
            )
            .await;
        assert_eq!(res.status, 404, "{}", res.text());
        let res = app
            .send(
                Request::get(format!(
                    "/api/v1/stalls/{}/withholding-certificates/{month}",
                    m.stall_b
                ))
                .header("authorization", format!("Bearer {}", m.owner_b))
                .header("accept", "text/html")
                .body(axum::body::Body::empty())
                .unwrap(),
            )
            .await;
        let page = res.text();
        assert!(
            page.contains("Sửa mã số thuế &lt;b&gt;") && !page.contains("<b>"),
            "{page}"
        );
    }
);

db_test!(
    concurrent_closes_and_reissues_never_share_a_certificate_number,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(money_app(db));
        let m = market(&app).await;
        let month = key(in_month(1));
        // Six household sellers with tax withheld last month.
        let mut stalls = vec![m.stall_b.clone()];
        household(&app, &m.owner_b, &m.stall_b).await;
        for i in 0..5 {
            let owner = app.signed_in(&format!("ho{i}@example.vn")).await;
            let stall = app.stall(&owner, &format!("Hộ kinh doanh số {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            household(&app, &owner, &stall).await;
            stalls.push(stall);
        }
        for s in &stalls {
            sale(&app, s, in_month(1), 300_000).await;
        }
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (app, admin, month) = (app.clone(), m.admin.clone(), month.clone());
            tasks.push(tokio::spawn(async move {
                let res = close(&app, &admin, &month).await;
                assert_eq!(res.status, 200, "{}", res.text());
                res.json()
            }));
        }
        let mut closed = Vec::new();
        for t in tasks {
            closed.push(t.await.unwrap());
        }
        assert!(closed.iter().all(|c| *c == closed[0]), "{closed:?}");
        assert_eq!(closed[0]["sellers"], 6);
        let mut numbers = Vec::new();
        for s in &stalls {
            let res = app
                .get(
                    &format!("/api/v1/stalls/{s}/withholding-certificates/{month}"),
                    Some(&m.admin),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
            numbers.push(res.json()["number"].as_str().unwrap().to_owned());
        }
        // Reissued all at once: each its own new number; one certificate reissued twice at
        // once is replaced once.
        let mut tasks = Vec::new();
        for n in numbers.iter().cloned().chain([numbers[0].clone()]) {
            let (app, admin) = (app.clone(), m.admin.clone());
            tasks.push(tokio::spawn(async move {
                let res = app
                    .post(
                        &format!("/api/v1/admin/withholding-certificates/{n}/reissue"),
                        Some(&admin),
                        json!({"reason": "Sửa địa chỉ"}),
                    )
                    .await;
                (res.status.as_u16(), res.json())
            }));
        }
        let mut created = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                201 => {
                    created += 1;
                    numbers.push(body["number"].as_str().unwrap().to_owned());
                }
                409 => assert_eq!(body["code"], "certificate_replaced"),
                other => panic!("{other}: {body}"),
            }
        }
        assert_eq!(created, 6);
        let mut unique = numbers.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 12, "{numbers:?}");
        let year = (Utc::now() + Duration::hours(7)).year();
        let want: Vec<String> = (1..=12).map(|i| format!("CT-{year}-{i:06}")).collect();
        assert_eq!(unique, want, "numbered without gaps");
    }
);
