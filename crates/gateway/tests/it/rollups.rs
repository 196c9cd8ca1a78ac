//! The trade report read from the roll-ups equals, field for field, the same report computed
//! straight from the trade facts, on SQLite and PostgreSQL: every grouping, with and without
//! periods, over whole units of the calendar and over ranges that cut them, with deliveries
//! on both sides of Vietnam's midnight at the end of a quarter and of a year, the same buyer
//! and stall on several days, OCOP stars, and refunds landing days after their delivery,
//! across a quarter's end. A rebuild of the roll-ups from the facts gives the same reports.

use chrono::{DateTime, NaiveDate, Utc};
use common::{Actor, calendar};
use reporting::{
    entity::trade_fact,
    facts::{DeliveredLine, Delivery, day_key},
    trade::{GroupBy, Period, TradeQuery, TradeReport},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    money::money_app,
    orders::{Market, market},
    support::*,
};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn admin() -> Actor {
    Actor::User {
        id: Uuid::now_v7(),
        is_admin: true,
    }
}

/// An order of `m`'s sauce and pepper (stall A) delivered at `when` through the deliveries'
/// own path (the day from Vietnam's calendar, the products' categories from the catalogue).
async fn deliver_at(app: &TestApp, m: &Market, buyer: Uuid, province: &str, when: &str) -> Uuid {
    let order_id = Uuid::now_v7();
    let line = |product: &str, units: i64, amount: i64| DeliveredLine {
        order_item_id: Uuid::now_v7(),
        product_id: product.parse().unwrap(),
        units,
        amount,
    };
    let d = Delivery {
        order_id,
        stall_id: m.stall_a.parse().unwrap(),
        buyer_id: buyer,
        buyer_province: province.into(),
        lines: vec![line(&m.sauce, 2, 240_000), line(&m.pepper, 1, 85_000)],
        stall_discount_on_goods: 20_000,
        at: at(when),
    };
    let txn = common::begin_write(&app.state.db).await.unwrap();
    reporting::facts::delivered(&txn, &d).await.unwrap();
    txn.commit().await.unwrap();
    order_id
}

/// Synthetic facts of an order (stalls and categories the catalogue does not hold, OCOP
/// stars): its lines `(category, stars, units, gmv)`, delivered at `when`.
struct Synthetic {
    stall: Uuid,
    buyer: Uuid,
    province: &'static str,
    commune: &'static str,
}

async fn synthetic(
    app: &TestApp,
    s: &Synthetic,
    lines: &[(Uuid, Option<i16>, i64, i64)],
    when: &str,
) -> Vec<trade_fact::Model> {
    let order_id = Uuid::now_v7();
    let when = at(when);
    let rows: Vec<trade_fact::Model> = lines
        .iter()
        .map(|(category, stars, units, gmv)| trade_fact::Model {
            id: Uuid::now_v7(),
            order_id,
            order_item_id: Uuid::now_v7(),
            stall_id: s.stall,
            buyer_id: s.buyer,
            day: day_key(calendar::day_of(when)),
            stall_commune: s.commune.into(),
            buyer_province: s.province.into(),
            product_id: Uuid::now_v7(),
            category_id: *category,
            ocop_group: Uuid::from_u128(category.as_u128() % 3),
            ocop_stars: *stars,
            units: *units,
            gmv: *gmv,
            refund: false,
            created_at: when,
        })
        .collect();
    reporting::facts::record(&app.state.db, rows.clone())
        .await
        .unwrap();
    rows
}

/// A refund of `order`'s lines at `when`: whole (units back) or a third of each line.
async fn refund_at(app: &TestApp, order: Uuid, whole: bool, when: &str) {
    let when = at(when);
    let lines = trade_fact::Entity::find()
        .filter(trade_fact::Column::OrderId.eq(order))
        .filter(trade_fact::Column::Refund.eq(false))
        .all(&app.state.db)
        .await
        .unwrap();
    let rows = lines
        .into_iter()
        .map(|l| trade_fact::Model {
            id: Uuid::now_v7(),
            day: day_key(calendar::day_of(when)),
            units: if whole { -l.units } else { 0 },
            gmv: if whole { -l.gmv } else { -l.gmv / 3 },
            refund: true,
            created_at: when,
            ..l
        })
        .collect();
    reporting::facts::record(&app.state.db, rows).await.unwrap();
}

/// Every report asked of both paths: equal.
async fn all_agree(app: &TestApp) -> Vec<TradeReport> {
    let ranges = [
        ("2026-01-01", "2026-12-31"),
        ("2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-06-30"),
        ("2026-03-01", "2026-03-31"),
        ("2026-04-01", "2026-04-01"),
        ("2026-03-31", "2026-03-31"),
        ("2025-12-15", "2026-04-01"),
        ("2025-07-01", "2026-06-30"),
        ("2026-03-31", "2026-04-02"),
        ("2026-02-10", "2026-07-05"),
    ];
    let groupings = [
        GroupBy::Commune,
        GroupBy::Province,
        GroupBy::OcopStars,
        GroupBy::OcopGroup,
        GroupBy::Category,
        GroupBy::Stall,
    ];
    let periods = [
        None,
        Some(Period::Day),
        Some(Period::Month),
        Some(Period::Quarter),
    ];
    let (db, admin) = (&app.state.db, admin());
    let mut out = Vec::new();
    for (from, to) in ranges {
        for group_by in groupings {
            for period in periods {
                let q = TradeQuery {
                    from: day(from),
                    to: day(to),
                    group_by,
                    period,
                };
                let fast = reporting::trade::report(db, &admin, &q).await.unwrap();
                let slow = reporting::recompute::report(db, &admin, &q).await.unwrap();
                assert_eq!(fast, slow, "{from}..{to} by {group_by:?}, {period:?}");
                out.push(fast);
            }
        }
    }
    out
}

db_test!(
    the_roll_ups_give_the_report_the_facts_give,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        let (lan, minh) = (Uuid::now_v7(), Uuid::now_v7());
        // Either side of midnight in Vietnam on the last day of March (UTC+7), and of the year.
        let late = deliver_at(&app, &m, lan, "01", "2026-03-31T16:59:59Z").await;
        let early = deliver_at(&app, &m, lan, "01", "2026-03-31T17:00:00Z").await;
        deliver_at(&app, &m, minh, "45", "2025-12-31T16:30:00Z").await;
        deliver_at(&app, &m, minh, "45", "2025-12-31T17:30:00Z").await;
        deliver_at(&app, &m, lan, "01", "2026-02-10T03:00:00Z").await;
        // Refunds days after their delivery: whole into the next quarter, a part the same.
        refund_at(&app, late, true, "2026-04-02T02:00:00Z").await;
        refund_at(&app, early, false, "2026-04-01T09:00:00Z").await;

        let (c1, c2, c3) = (Uuid::from_u128(7), Uuid::from_u128(8), Uuid::from_u128(9));
        let one = Synthetic {
            stall: Uuid::now_v7(),
            buyer: minh,
            province: "45",
            commune: "19429",
        };
        let two = Synthetic {
            stall: Uuid::now_v7(),
            buyer: Uuid::now_v7(),
            province: "79",
            commune: "00070",
        };
        let three_lines = [
            (c1, Some(3), 2, 90_000),
            (c2, Some(4), 1, 150_000),
            (c1, None, 5, 50_000),
        ];
        let a = synthetic(&app, &one, &three_lines, "2026-06-30T16:59:00Z").await;
        synthetic(
            &app,
            &one,
            &[(c3, Some(5), 1, 300_000)],
            "2026-06-30T17:01:00Z",
        )
        .await;
        synthetic(
            &app,
            &two,
            &[(c2, Some(4), 3, 60_000)],
            "2026-04-01T01:00:00Z",
        )
        .await;
        synthetic(
            &app,
            &two,
            &[(c1, Some(3), 1, 20_000)],
            "2026-07-05T10:00:00Z",
        )
        .await;
        synthetic(&app, &one, &[(c3, None, 2, 44_000)], "2026-12-31T16:59:59Z").await;
        refund_at(&app, a[0].order_id, false, "2026-07-03T05:00:00Z").await;

        let before = all_agree(&app).await;

        // The day in Vietnam, not in UTC: 16:59:59Z is still 31 March, 17:00Z is 1 April.
        let q = |from: &str, to: &str| TradeQuery {
            from: day(from),
            to: day(to),
            group_by: GroupBy::Stall,
            period: None,
        };
        let db = &app.state.db;
        let march = reporting::trade::report(db, &admin(), &q("2026-03-31", "2026-03-31"))
            .await
            .unwrap();
        assert_eq!(march.totals.figures.orders, 1, "{march:?}");
        assert_eq!(march.totals.figures.gmv, 305_000);
        // 1 April: the next order, a part of it back, and a synthetic order; 2 April: the whole
        // of the late one back, counted as no order, buyer or stall.
        let april = reporting::trade::report(db, &admin(), &q("2026-04-01", "2026-04-01"))
            .await
            .unwrap();
        assert_eq!(april.totals.figures.orders, 2, "{april:?}");
        let back = reporting::trade::report(db, &admin(), &q("2026-04-02", "2026-04-02"))
            .await
            .unwrap();
        let t = back.totals.figures;
        assert_eq!(
            (t.gmv, t.units, t.orders, t.buyers, t.stalls),
            (-305_000, -3, 0, 0, 0)
        );
        assert_eq!(back.rows.len(), 1);
        // The quarter: Lan bought on 10 February and 31 March, counted once.
        let q1 = reporting::trade::report(db, &admin(), &q("2026-01-01", "2026-03-31"))
            .await
            .unwrap();
        assert_eq!(
            (q1.totals.figures.orders, q1.totals.figures.buyers),
            (3, 2),
            "{q1:?}"
        );

        // Rebuilt from the facts alone: the same reports.
        reporting::rollup::rebuild::rebuild(db).await.unwrap();
        assert_eq!(all_agree(&app).await, before);
        // Nothing to rebuild once they are there.
        assert!(
            !reporting::rollup::rebuild::rebuild_if_missing(db)
                .await
                .unwrap()
        );
    }
);
