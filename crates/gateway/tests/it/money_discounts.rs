//! Discounts in the vendors' money over HTTP, on SQLite and PostgreSQL: a delivered order
//! with a stall's voucher, a platform's, or both, by cash on delivery and by card, writes each
//! discount by who funds it (the stall's lowers its revenue and the commission and
//! withholding on it; the platform's is paid to the stall by the marketplace); a free delivery
//! lowers the stall's fee only when the stall pays for it; the statement and the stall's
//! figures total the discounts apart; a case's partial refund reverses every goods part in
//! proportion.

use serde_json::{Value, json};

use crate::{
    money::{
        balance, by_kind, deliver, entries, household, money_app, money_app_with_card, month,
        order_of, paid_by_card_with, rule, statement_csv,
    },
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

/// A voucher valid from an hour ago for a week.
fn voucher(code: &str, kind: &str, value: i64, min_subtotal: Option<i64>) -> Value {
    let mut v = json!({
        "code": code,
        "kind": kind,
        "value": value,
        "starts_at": chrono::Utc::now() - chrono::Duration::hours(1),
        "ends_at": chrono::Utc::now() + chrono::Duration::days(7),
    });
    if let Some(min) = min_subtotal {
        v["min_subtotal"] = json!(min);
    }
    v
}

/// Makes a voucher at `path` (`admin/vouchers` or `stalls/{id}/vouchers`).
async fn make(app: &TestApp, token: &str, path: &str, body: Value) {
    let res = app
        .post(&format!("/api/v1/{path}"), Some(token), body)
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
}

fn with_codes(codes: &[&str]) -> Value {
    let mut body = shipping();
    body["voucher_codes"] = json!(codes);
    body
}

/// The order of `stall` in a checkout's answer.
fn order_in<'a>(out: &'a Value, stall: &str) -> &'a Value {
    let id = order_of(out, stall);
    out["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id.as_str())
        .unwrap()
}

/// What the order's discounts funded by `funder` take off.
fn funded(order: &Value, funder: &str) -> i64 {
    order["discounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["funded_by"] == funder)
        .map(|d| d["amount"].as_i64().unwrap())
        .sum()
}

/// The sum of an order's entries of `kind` in `all`.
fn of_order(all: &[Value], order: &str, kind: &str) -> i64 {
    let mine: Vec<Value> = all
        .iter()
        .filter(|e| e["order_id"] == order)
        .cloned()
        .collect();
    by_kind(&mine, kind).iter().sum()
}

fn share(amount: i64, bp: i64) -> i64 {
    (amount * bp + 5_000) / 10_000
}

/// Checks a delivered order's entries against its discounts; returns what it came to for
/// the stall. `withheld`: a household business (1 % VAT + 0.5 % PIT).
fn check_order(all: &[Value], order: &Value, withheld: bool, cod: bool) -> i64 {
    let id = order["id"].as_str().unwrap();
    let (stall, platform) = (funded(order, "stall"), funded(order, "platform"));
    let subtotal = order["subtotal"].as_i64().unwrap();
    assert_eq!(
        order["discount"].as_i64().unwrap(),
        stall + platform,
        "{order}"
    );
    assert_eq!(of_order(all, id, "sale"), subtotal);
    assert_eq!(of_order(all, id, "stall_discount"), -stall);
    assert_eq!(of_order(all, id, "platform_discount"), -platform);
    assert_eq!(of_order(all, id, "platform_funding"), platform);
    // Commission and withholding on the goods less the stall's own discount only.
    let revenue = subtotal - stall;
    assert_eq!(of_order(all, id, "commission"), -share(revenue, 500));
    let (vat, pit) = if withheld {
        (share(revenue, 100), share(revenue, 50))
    } else {
        (0, 0)
    };
    assert_eq!(of_order(all, id, "vat_withheld"), -vat);
    assert_eq!(of_order(all, id, "pit_withheld"), -pit);
    let total = order["total"].as_i64().unwrap();
    assert_eq!(
        total,
        subtotal + order["delivery_fee"].as_i64().unwrap() - stall - platform
    );
    let deductions = share(revenue, 500) + vat + pit;
    if cod {
        // The stall holds the buyer's cash; the marketplace owes it the platform's part.
        assert_eq!(of_order(all, id, "cash_collected"), -total);
        platform - deductions
    } else {
        // The marketplace holds the buyer's payment and adds the platform's part.
        assert_eq!(of_order(all, id, "cash_collected"), 0);
        total + platform - deductions
    }
}

db_test!(
    statements_show_who_paid_each_discount,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let app = money_app_with_card(db, &stripe.base);
        let m: Market = market(&app).await;
        rule(&app, &m.admin, json!({"rate_bp": 500})).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        let (a_vouchers, b_vouchers) = (
            format!("stalls/{}/vouchers", m.stall_a),
            format!("stalls/{}/vouchers", m.stall_b),
        );
        make(
            &app,
            &m.admin,
            "admin/vouchers",
            voucher("TET10", "percent", 10, None),
        )
        .await;
        make(
            &app,
            &m.admin,
            "admin/vouchers",
            voucher("OCOP5", "percent", 5, None),
        )
        .await;
        make(
            &app,
            &m.owner_a,
            &a_vouchers,
            voucher("HTX20K", "fixed", 20_000, Some(40_000)),
        )
        .await;
        make(
            &app,
            &m.owner_a,
            &a_vouchers,
            voucher("HTX15K", "fixed", 15_000, Some(30_000)),
        )
        .await;
        make(
            &app,
            &m.owner_b,
            &b_vouchers,
            voucher("CAPHE10", "percent", 10, None),
        )
        .await;

        // Cash on delivery across both stalls: the platform's voucher and each stall's.
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(
            &app,
            &m.buyer,
            "cod-v",
            with_codes(&["TET10", "HTX20K", "CAPHE10"]),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let cod = res.json();
        // By card at stall A: the platform's voucher only, then the stall's only.
        put_item(&app, &m.buyer, &m.pepper, 1).await;
        let card_platform = paid_by_card_with(&app, &m, "card-p", with_codes(&["OCOP5"])).await;
        put_item(&app, &m.buyer, &m.pepper, 1).await;
        let card_stall = paid_by_card_with(&app, &m, "card-s", with_codes(&["HTX15K"])).await;
        for (out, stall, owner) in [
            (&cod, &m.stall_a, &m.owner_a),
            (&cod, &m.stall_b, &m.owner_b),
            (&card_platform, &m.stall_a, &m.owner_a),
            (&card_stall, &m.stall_a, &m.owner_a),
        ] {
            deliver(&app, owner, &order_of(out, stall)).await;
        }
        let cod_a = order_in(&cod, &m.stall_a);
        let cod_b = order_in(&cod, &m.stall_b);
        let card_p = order_in(&card_platform, &m.stall_a);
        let card_s = order_in(&card_stall, &m.stall_a);
        assert!(funded(cod_a, "stall") == 20_000 && funded(cod_a, "platform") > 0);
        assert!(funded(cod_b, "stall") > 0 && funded(cod_b, "platform") > 0);
        assert!(funded(card_p, "stall") == 0 && funded(card_p, "platform") > 0);
        assert!(funded(card_s, "stall") == 15_000 && funded(card_s, "platform") == 0);

        // Each order's entries say who paid each discount, and the balances follow.
        let a = entries(&app, &m.owner_a, &m.stall_a).await;
        let owed_a = check_order(&a, cod_a, false, true)
            + check_order(&a, card_p, false, false)
            + check_order(&a, card_s, false, false);
        assert_eq!(
            balance(&app, &m.owner_a, &m.stall_a).await["payable"],
            owed_a
        );
        let b = entries(&app, &m.owner_b, &m.stall_b).await;
        let owed_b = check_order(&b, cod_b, true, true);
        assert_eq!(
            balance(&app, &m.owner_b, &m.stall_b).await["payable"],
            owed_b
        );
        // Each discount entry names its voucher.
        let codes: Vec<&str> = a
            .iter()
            .filter(|e| e["kind"] == "stall_discount" || e["kind"] == "platform_funding")
            .map(|e| e["note"].as_str().unwrap())
            .collect();
        assert_eq!(codes.len(), 4, "{codes:?}");
        for code in ["TET10", "OCOP5", "HTX20K", "HTX15K"] {
            assert!(codes.contains(&code), "{code}: {codes:?}");
        }

        // The month's statement totals each funder's discounts apart, in JSON and CSV.
        let stall_a = funded(cod_a, "stall") + funded(card_s, "stall");
        let platform_a = funded(cod_a, "platform") + funded(card_p, "platform");
        let res = app
            .get(
                &format!("/api/v1/stalls/{}/statements/{}", m.stall_a, month()),
                Some(&m.owner_a),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let totals = res.json()["totals"].clone();
        assert_eq!(
            (
                &totals["stall_discount"],
                &totals["platform_discount"],
                &totals["platform_funding"]
            ),
            (&json!(-stall_a), &json!(-platform_a), &json!(platform_a))
        );
        let csv = statement_csv(&app, &m.owner_a, &m.stall_a, &month()).await;
        assert_eq!(csv.status, 200, "{}", csv.text());
        let csv = csv.text();
        for line in [
            format!("\r\ntotal_stall_discount,{},\r\n", -stall_a),
            format!("\r\ntotal_platform_discount,{},\r\n", -platform_a),
            format!("\r\ntotal_platform_funding,{platform_a},\r\n"),
        ] {
            assert!(csv.contains(&line), "{line:?} in {csv}");
        }
        // The stall's figures: revenue less its own discounts, the discounts by funder.
        let stats = stats_today(&app, &m.owner_a, &m.stall_a).await;
        let goods_a: i64 = [cod_a, card_p, card_s]
            .iter()
            .map(|o| o["subtotal"].as_i64().unwrap())
            .sum();
        assert_eq!(
            (
                &stats["totals"]["revenue"],
                &stats["totals"]["stall_discounts"],
                &stats["totals"]["platform_discounts"]
            ),
            (
                &json!(goods_a - stall_a),
                &json!(stall_a),
                &json!(platform_a)
            )
        );
        // Decree 117's report counts stall B's goods less its own discount only.
        let report = app
            .get(
                &format!("/api/v1/admin/reports/withholding/{}", month()),
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(
            report["total_revenue"],
            cod_b["subtotal"].as_i64().unwrap() - funded(cod_b, "stall")
        );
    }
);

/// The stall's figures for today (Vietnam's calendar).
async fn stats_today(app: &TestApp, token: &str, stall: &str) -> Value {
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let res = app
        .get(
            &format!("/api/v1/stalls/{stall}/stats?from={today}&to={today}"),
            Some(token),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// A step of a case, 2xx expected.
async fn case_step(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = app
        .post(&format!("/api/v1/{path}"), Some(token), body)
        .await;
    assert!(res.status.is_success(), "{path}: {}", res.text());
    res.json()
}

db_test!(
    a_case_refund_of_a_discounted_order_reverses_its_discounts_in_proportion,
    |db: TestDb| async move {
        let app = money_app(db);
        let m: Market = market(&app).await;
        rule(&app, &m.admin, json!({"rate_bp": 500})).await;
        household(&app, &m.owner_a, &m.stall_a).await;
        let a_vouchers = format!("stalls/{}/vouchers", m.stall_a);
        make(
            &app,
            &m.admin,
            "admin/vouchers",
            voucher("TET10", "percent", 10, None),
        )
        .await;
        make(
            &app,
            &m.owner_a,
            &a_vouchers,
            voucher("HTX60K", "fixed", 60_000, Some(120_000)),
        )
        .await;
        // Two sauces (120 000 each) and a pepper (220 000): 460 000 đồng of goods.
        put_item(&app, &m.buyer, &m.sauce, 2).await;
        put_item(&app, &m.buyer, &m.pepper, 1).await;
        let res = checkout(&app, &m.buyer, "cod-case", with_codes(&["TET10", "HTX60K"])).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let out = res.json();
        let order = order_in(&out, &m.stall_a).clone();
        let id = order["id"].as_str().unwrap().to_owned();
        deliver(&app, &m.owner_a, &id).await;
        let (stall, platform) = (funded(&order, "stall"), funded(&order, "platform"));
        assert!(stall == 60_000 && platform > 0, "{order}");
        let before = balance(&app, &m.owner_a, &m.stall_a).await["payable"]
            .as_i64()
            .unwrap();

        // A sauce comes back; the buyer gets 100 000 đồng of what it paid.
        let got = app
            .get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
            .await
            .json();
        let sauce_line = got["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["product_id"] == m.sauce.as_str())
            .unwrap()["id"]
            .clone();
        let case = case_step(
            &app,
            &m.buyer,
            &format!("orders/{id}/cases"),
            json!({"kind": "return", "reason": "Chai bị vỡ khi nhận",
                   "description": "Một chai nước mắm vỡ nắp.",
                   "items": [{"order_item_id": sauce_line, "quantity": 1}]}),
        )
        .await;
        let case = format!("cases/{}", case["id"].as_str().unwrap());
        let accept = json!({"decision": "accept", "message": "Bạn gửi lại giúp shop."});
        case_step(&app, &m.owner_a, &format!("{case}/respond"), accept).await;
        case_step(&app, &m.owner_a, &format!("{case}/received"), json!({})).await;
        let resolve = json!({"decision": "refund", "refund_amount": 100_000,
                             "message": "Hoàn tiền theo yêu cầu."});
        case_step(&app, &m.admin, &format!("admin/{case}/resolve"), resolve).await;

        // Of what the buyer paid for the goods, 100 000 đồng: the platform's part of its
        // discount goes back to it, and the revenue (the refund and that part) is taken off
        // the sale and the stall's discount, and shared over commission, VAT and PIT.
        let paid_goods = 460_000 - stall - platform;
        let round = |a: i64, n: i64, d: i64| (2 * a * n + d) / (2 * d);
        let p = round(100_000, platform, paid_goods);
        let revenue = 100_000 + p;
        let sale = round(revenue, 460_000, 400_000);
        let all = entries(&app, &m.owner_a, &m.stall_a).await;
        let reversed = |kind: &str| -> i64 {
            all.iter()
                .filter(|e| e["kind"] == "refund_reversal" && e["reverses"] == kind)
                .map(|e| e["amount"].as_i64().unwrap())
                .sum()
        };
        assert_eq!(reversed("sale"), -sale);
        assert_eq!(reversed("stall_discount"), sale - revenue);
        assert_eq!(reversed("platform_discount"), p);
        assert_eq!(reversed("platform_funding"), -p);
        let taxes = reversed("commission") + reversed("vat_withheld") + reversed("pit_withheld");
        for (kind, base) in [
            ("commission", 20_000),
            ("vat_withheld", 4_000),
            ("pit_withheld", 2_000),
        ] {
            let exact = revenue as f64 * base as f64 / 400_000.0;
            assert!((reversed(kind) as f64 - exact).abs() < 1.0, "{kind}");
        }
        // The stall gives back the revenue less what it no longer pays.
        assert_eq!(
            balance(&app, &m.owner_a, &m.stall_a).await["payable"],
            before - revenue + taxes
        );
        // The stall's figures take the refund's share of the revenue off.
        let stats = stats_today(&app, &m.owner_a, &m.stall_a).await;
        let kept = stats["totals"]["revenue"].as_i64().unwrap();
        assert!((kept - (400_000 - revenue)).abs() <= 1, "{kept}");
        // What the platform still pays for its discount: the part of the goods kept.
        assert_eq!(
            of_order(&all, &id, "platform_funding") + reversed("platform_funding"),
            platform - p
        );
    }
);

db_test!(
    a_free_delivery_is_the_stalls_fee_whoever_pays_it,
    |db: TestDb| async move {
        let stripe = testkit::stripe::StubStripe::start().await;
        let app = money_app_with_card(db, &stripe.base);
        let m: Market = market(&app).await;
        rule(&app, &m.admin, json!({"rate_bp": 500})).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        // Stall B charges a flat 30 000 đồng to deliver.
        let res = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/stalls/{}/delivery", m.stall_b),
                Some(&m.owner_b),
                Some(json!({"flat_fee": 30_000})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let b_vouchers = format!("stalls/{}/vouchers", m.stall_b);
        make(
            &app,
            &m.owner_b,
            &b_vouchers,
            voucher("SHIPB", "free_delivery", 0, None),
        )
        .await;
        make(
            &app,
            &m.admin,
            "admin/vouchers",
            voucher("SHIPFREE", "free_delivery", 0, None),
        )
        .await;
        // Cash on delivery with the stall's free delivery; by card with the platform's.
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let res = checkout(&app, &m.buyer, "ship-stall", with_codes(&["SHIPB"])).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let by_stall = res.json();
        put_item(&app, &m.buyer, &m.coffee, 1).await;
        let by_platform =
            paid_by_card_with(&app, &m, "ship-platform", with_codes(&["SHIPFREE"])).await;
        for out in [&by_stall, &by_platform] {
            deliver(&app, &m.owner_b, &order_of(out, &m.stall_b)).await;
        }
        let (stall_order, platform_order) = (
            order_in(&by_stall, &m.stall_b).clone(),
            order_in(&by_platform, &m.stall_b).clone(),
        );
        for o in [&stall_order, &platform_order] {
            assert_eq!(
                (&o["delivery_fee"], &o["discount"]),
                (&json!(30_000), &json!(30_000))
            );
        }
        let b = entries(&app, &m.owner_b, &m.stall_b).await;
        // Both: the fee is written whole, and the goods' commission and withholding are not
        // lowered by a discount on the delivery. The delivery fee the stall earns is withheld
        // at the transport rates (3 % + 1.5 %): none when the stall gave it away, the whole fee
        // when the platform pays it.
        let transport = share(30_000, 300) + share(30_000, 150);
        for (o, fee_vat) in [(&stall_order, 0), (&platform_order, share(30_000, 300))] {
            let id = o["id"].as_str().unwrap();
            assert_eq!(of_order(&b, id, "delivery"), 30_000);
            assert_eq!(of_order(&b, id, "commission"), -share(165_000, 500));
            assert_eq!(
                of_order(&b, id, "vat_withheld"),
                -share(165_000, 100) - fee_vat
            );
        }
        let deductions = share(165_000, 500) + share(165_000, 100) + share(165_000, 50);
        // The stall's free delivery lowers its delivery revenue: it collected the goods only.
        let id = stall_order["id"].as_str().unwrap();
        assert_eq!(of_order(&b, id, "stall_discount"), -30_000);
        assert_eq!(of_order(&b, id, "cash_collected"), -165_000);
        let discount = b
            .iter()
            .find(|e| e["order_id"] == id && e["kind"] == "stall_discount")
            .unwrap();
        assert_eq!(
            (
                &discount["rule"]["part"],
                &discount["rule"]["funded_by"],
                &discount["note"]
            ),
            (&json!("delivery"), &json!("stall"), &json!("SHIPB"))
        );
        // The platform's leaves the fee the stall's: the marketplace pays it.
        let id = platform_order["id"].as_str().unwrap();
        assert_eq!(of_order(&b, id, "platform_discount"), -30_000);
        assert_eq!(of_order(&b, id, "platform_funding"), 30_000);
        assert_eq!(
            balance(&app, &m.owner_b, &m.stall_b).await["payable"],
            (-deductions) + (165_000 + 30_000 - deductions - transport)
        );
        // Decree 117's report: the goods of both, whole, and the delivery fee the stall earned.
        let report = app
            .get(
                &format!("/api/v1/admin/reports/withholding/{}", month()),
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(report["total_revenue"], 2 * 165_000 + 30_000);
    }
);
