//! Trade report benchmark: a year of a national floor's delivered orders in the trade facts,
//! then the report over that year, each grouping in turn, timed several times.
//!
//! The seed writes `trade_facts` directly in multi-row inserts (a thousand rows a statement,
//! fifty thousand a transaction), as the deliveries and refunds would have written them: one
//! row per order line (1 to 3 lines an order, 1.5 on average), 5 % of the orders refunded
//! (half of them whole, half in part, on a later day), over every day of 2026; 2 000 stalls
//! in 500 communes of every province, 200 000 buyers, 30 categories in the six OCOP groups,
//! two products in five with OCOP stars. The report's figures read that table only; its labels
//! read the catalogue (empty here, so stalls and categories are labelled by their ids, which
//! costs the same).
//!
//! The roll-ups are then made from those facts as the first start after their migration makes
//! them (`reporting::rollup::rebuild`); each case is also computed once straight from the facts
//! (`reporting::recompute`), timed, and checked equal to the report from the roll-ups.
//!
//! `cargo bench -p gateway --bench trade`; settings from the environment: `BENCH_ORDERS`
//! (1000000), `BENCH_RUNS` (7 per grouping), `BENCH_BACKENDS` (`sqlite`, plus `postgres` when
//! `TEST_POSTGRES_URL` is set), `BENCH_CHECK` (1; 0 skips the computation from the facts).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary"
)]

use std::time::Instant;

use ::common::Actor;
use chrono::{NaiveDate, TimeDelta, Utc};
use reporting::{
    entity::trade_fact,
    facts::day_key,
    trade::{GroupBy, Period, TradeQuery},
};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};
use uuid::Uuid;

mod common;

use common::{Stats, env};

/// A small deterministic generator (xorshift), so every run seeds the same year.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the seed draws from.
struct World {
    stalls: Vec<(Uuid, String)>,
    buyers: Vec<(Uuid, String)>,
    categories: Vec<(Uuid, Uuid)>,
}

impl World {
    fn new(rng: &mut Rng) -> Self {
        let nation = catalog::nation::Nation::builtin();
        let provinces = nation.provinces();
        let communes: Vec<String> = (0..500)
            .map(|i| {
                let p = &provinces[i % provinces.len()];
                let all = nation.communes_of(&p.code).unwrap();
                all[(i / provinces.len()) % all.len()].code.clone()
            })
            .collect();
        let stalls = (0..2_000)
            .map(|i| (Uuid::now_v7(), communes[i % communes.len()].clone()))
            .collect();
        let buyers = (0..200_000)
            .map(|_| {
                let p = &provinces[rng.below(provinces.len() as u64) as usize];
                (Uuid::now_v7(), p.code.clone())
            })
            .collect();
        let groups: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
        let categories = (0..30).map(|i| (Uuid::now_v7(), groups[i % 6])).collect();
        Self {
            stalls,
            buyers,
            categories,
        }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let orders = env("BENCH_ORDERS", 1_000_000);
    let runs = env("BENCH_RUNS", 7) as usize;
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| {
        if std::env::var(testkit::POSTGRES_URL_VAR).is_ok() {
            "sqlite,postgres".into()
        } else {
            "sqlite".into()
        }
    });
    let mut report = vec![
        format!("{orders} delivered orders over 2026, the report over the year, {runs} runs each"),
        String::new(),
        "| database | group_by | rows | p50 ms | p99 ms | from the facts, ms |".into(),
        "|---|---|---|---|---|---|".into(),
    ];
    for backend in backends.split(',').map(str::trim) {
        let backend = match backend {
            "postgres" => testkit::Backend::Postgres,
            _ => testkit::Backend::Sqlite,
        };
        run(backend, orders, runs, &mut report).await;
    }
    println!("{}", report.join("\n"));
}

async fn run(backend: testkit::Backend, orders: u64, runs: usize, report: &mut Vec<String>) {
    let label = match backend {
        testkit::Backend::Sqlite => "SQLite",
        testkit::Backend::Postgres => "PostgreSQL",
    };
    let test_db = testkit::TestDb::new(backend).await;
    let db = test_db.conn.clone();
    let started = Instant::now();
    let rows = seed(&db, orders).await;
    eprintln!(
        "{label}: {orders} orders ({rows} fact rows) seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The roll-ups, as the first start after the migration makes them from existing facts.
    let started = Instant::now();
    reporting::rollup::rebuild::rebuild(&db).await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();
    eprintln!(
        "{label}: rolled up in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let admin = Actor::User {
        id: Uuid::now_v7(),
        is_admin: true,
    };
    let span = |from: (u32, u32), to: (u32, u32), group_by, period| TradeQuery {
        from: NaiveDate::from_ymd_opt(2026, from.0, from.1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, to.0, to.1).unwrap(),
        group_by,
        period,
    };
    let year = |group_by, period| span((1, 1), (12, 31), group_by, period);
    // Not whole months: the distinct counts come from the marks, not a unit's row.
    let odd = |group_by, period| span((2, 15), (11, 14), group_by, period);
    let cases = [
        ("commune", year(GroupBy::Commune, None)),
        ("province", year(GroupBy::Province, None)),
        ("ocop_stars", year(GroupBy::OcopStars, None)),
        ("ocop_group", year(GroupBy::OcopGroup, None)),
        ("category", year(GroupBy::Category, None)),
        ("stall", year(GroupBy::Stall, None)),
        (
            "province, period=month",
            year(GroupBy::Province, Some(Period::Month)),
        ),
        ("commune, 15 Feb-14 Nov", odd(GroupBy::Commune, None)),
        ("category, 15 Feb-14 Nov", odd(GroupBy::Category, None)),
        ("stall, 15 Feb-14 Nov", odd(GroupBy::Stall, None)),
        (
            "stall, 15 Feb-14 Nov, period=month",
            odd(GroupBy::Stall, Some(Period::Month)),
        ),
    ];
    let check = env("BENCH_CHECK", 1) == 1;
    for (name, q) in cases {
        let mut stats = Stats::default();
        let mut rows = 0;
        let mut gmv = None;
        for _ in 0..runs {
            let t = Instant::now();
            let r = reporting::trade::report(&db, &admin, &q).await.unwrap();
            stats.latencies.push(t.elapsed());
            rows = r.rows.len();
            // Every grouping adds up to the same year.
            assert_eq!(
                *gmv.get_or_insert(r.totals.figures.gmv),
                r.totals.figures.gmv
            );
        }
        let mut reference_ms = String::from("-");
        if check {
            // The same report straight from the facts, as before the roll-ups: equal, field
            // for field.
            let t = Instant::now();
            let slow = reporting::recompute::report(&db, &admin, &q).await.unwrap();
            reference_ms = format!("{:.0}", t.elapsed().as_secs_f64() * 1e3);
            let fast = reporting::trade::report(&db, &admin, &q).await.unwrap();
            assert_eq!(
                fast, slow,
                "{label} {name}: the roll-ups differ from the facts"
            );
        }
        report.push(format!(
            "| {label} | {name} | {rows} | {:.0} | {:.0} | {reference_ms} |",
            stats.pct(0.5),
            stats.pct(0.99)
        ));
        eprintln!("{}", report.last().unwrap());
    }
}

/// Seeds `orders` delivered orders; returns the rows written.
async fn seed(db: &sea_orm::DatabaseConnection, orders: u64) -> u64 {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let world = World::new(&mut rng);
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut batch = Vec::with_capacity(1_000);
    let (mut written, mut since_commit) = (0, 0);
    let mut txn = db.begin().await.unwrap();
    for o in 0..orders {
        let day = first + TimeDelta::days(rng.below(365) as i64);
        let stall = &world.stalls[rng.below(world.stalls.len() as u64) as usize];
        let buyer = &world.buyers[rng.below(world.buyers.len() as u64) as usize];
        let order_id = Uuid::now_v7();
        let lines = 1 + u64::from(o % 3 == 0) + u64::from(o % 7 == 0);
        let refund = match rng.below(40) {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        };
        for _ in 0..lines {
            let (category, group) = world.categories[rng.below(30) as usize];
            let stars = match rng.below(10) {
                0..=1 => Some(3),
                2..=3 => Some(4),
                _ => None,
            };
            let units = 1 + rng.below(4) as i64;
            let gmv = units * (20_000 + rng.below(400) as i64 * 1_000);
            let row =
                |day: NaiveDate, units: i64, gmv: i64, refund: bool| trade_fact::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    order_id: Set(order_id),
                    order_item_id: Set(Uuid::now_v7()),
                    stall_id: Set(stall.0),
                    buyer_id: Set(buyer.0),
                    day: Set(day_key(day)),
                    stall_commune: Set(stall.1.clone()),
                    buyer_province: Set(buyer.1.clone()),
                    product_id: Set(Uuid::now_v7()),
                    category_id: Set(category),
                    ocop_group: Set(group),
                    ocop_stars: Set(stars),
                    units: Set(units),
                    gmv: Set(gmv),
                    refund: Set(refund),
                    created_at: Set(Utc::now()),
                };
            batch.push(row(day, units, gmv, false));
            if let Some(whole) = refund {
                let later = (day + TimeDelta::days(3)).min(first + TimeDelta::days(364));
                let back = if whole { gmv } else { gmv / 3 };
                batch.push(row(later, if whole { -units } else { 0 }, -back, true));
            }
        }
        if batch.len() >= 1_000 {
            let n = flush(&txn, &mut batch).await;
            written += n;
            since_commit += n;
            if since_commit >= 50_000 {
                txn.commit().await.unwrap();
                txn = db.begin().await.unwrap();
                since_commit = 0;
            }
        }
    }
    written += flush(&txn, &mut batch).await;
    txn.commit().await.unwrap();
    written
}

async fn flush<C: ConnectionTrait>(db: &C, batch: &mut Vec<trade_fact::ActiveModel>) -> u64 {
    if batch.is_empty() {
        return 0;
    }
    let n = batch.len() as u64;
    trade_fact::Entity::insert_many(std::mem::take(batch))
        .exec_without_returning(db)
        .await
        .unwrap();
    n
}
