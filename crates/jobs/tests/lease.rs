//! Claims with a lease, on SQLite and PostgreSQL: concurrent claimers each get their own rows,
//! a lapsed lease is claimed again, only due rows are claimed and in order, and a key's rows
//! go out one at a time, oldest first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use jobs::Lease;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Schema,
    sea_query::{Condition, Expr, ExprTrait},
};
use testkit::{TestDb, db_test};

/// A work table of the tests' own.
mod work {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_test_work")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub queue_key: i64,
        pub open: bool,
        pub due: bool,
        pub rank: i32,
        pub attempts: i32,
        pub claimed_until: Option<DateTimeUtc>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

use work::Column as W;

/// Makes the work table in the test's fresh database.
async fn table(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    db.execute(&Schema::new(backend).create_table_from_entity(work::Entity))
        .await
        .unwrap();
}

/// A row `id` of `key`, open and due unless changed after.
fn row(id: i64, key: i64) -> work::ActiveModel {
    work::ActiveModel {
        id: Set(id),
        queue_key: Set(key),
        open: Set(true),
        due: Set(true),
        rank: Set(0),
        attempts: Set(0),
        claimed_until: Set(None),
    }
}

async fn insert(db: &DatabaseConnection, rows: Vec<work::ActiveModel>) {
    work::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .unwrap();
}

/// The plain claim: open and due rows, `attempts` counted, for `minutes`.
fn lease(minutes: i64, batch: u64) -> Lease<work::Entity> {
    Lease::new(W::Id, W::ClaimedUntil, Duration::minutes(minutes))
        .due(Condition::all().add(W::Open.eq(true)).add(W::Due.eq(true)))
        .also_set(W::Attempts, Expr::col(W::Attempts).add(1))
        .batch(batch)
}

fn ids(rows: &[work::Model]) -> BTreeSet<i64> {
    rows.iter().map(|r| r.id).collect()
}

/// The claims of `claimers` tasks at once, each claiming batches until none is left.
async fn claim_concurrently(db: &DatabaseConnection, claimers: usize) -> Vec<Vec<i64>> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..claimers {
        let db = db.clone();
        tasks.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = lease(10, 7).claim(&db, Utc::now()).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.iter().map(|r| r.id));
            }
        });
    }
    tasks.join_all().await
}

db_test!(
    concurrent_claimers_each_get_their_own_rows,
    |db: TestDb| async move {
        let db = &db.conn;
        table(db).await;
        insert(db, (1..=300).map(|id| row(id, id)).collect()).await;

        let claims = claim_concurrently(db, 6).await;

        let all: Vec<i64> = claims.iter().flatten().copied().collect();
        let distinct: BTreeSet<i64> = all.iter().copied().collect();
        assert_eq!(all.len(), 300, "every row claimed once: {claims:?}");
        assert_eq!(distinct, (1..=300).collect());
        let rows = work::Entity::find().all(db).await.unwrap();
        assert!(
            rows.iter()
                .all(|r| r.attempts == 1 && r.claimed_until.is_some()),
            "no row was claimed twice: {rows:?}"
        );
    }
);

db_test!(
    a_lapsed_lease_is_claimed_again_and_a_live_one_is_not,
    |db: TestDb| async move {
        let db = &db.conn;
        table(db).await;
        insert(db, vec![row(1, 1)]).await;
        let t0 = Utc::now();

        let first = lease(1, 10).claim(db, t0).await.unwrap();
        assert_eq!(ids(&first), BTreeSet::from([1]));
        let until: DateTime<Utc> = first[0].claimed_until.unwrap();
        assert!(
            (until - (t0 + Duration::minutes(1)))
                .num_milliseconds()
                .abs()
                < 5
        );

        let held = lease(1, 10).claim(db, t0 + Duration::seconds(30)).await;
        assert!(held.unwrap().is_empty(), "the lease still holds");

        let again = lease(1, 10)
            .claim(db, t0 + Duration::seconds(61))
            .await
            .unwrap();
        assert_eq!(ids(&again), BTreeSet::from([1]), "the lease lapsed");
        assert_eq!(again[0].attempts, 2);
    }
);

db_test!(
    only_due_rows_are_claimed_smallest_first,
    |db: TestDb| async move {
        let db = &db.conn;
        table(db).await;
        let mut rows = Vec::new();
        for (id, rank, due) in [(1, 5, true), (2, 1, false), (3, 3, true), (4, 4, true)] {
            let mut r = row(id, id);
            r.rank = Set(rank);
            r.due = Set(due);
            rows.push(r);
        }
        insert(db, rows).await;

        let by_rank = lease(1, 2).order_by(W::Rank);
        let first = by_rank.claim(db, Utc::now()).await.unwrap();
        assert_eq!(
            ids(&first),
            BTreeSet::from([3, 4]),
            "the two due of least rank"
        );
        let rest = by_rank.claim(db, Utc::now()).await.unwrap();
        assert_eq!(ids(&rest), BTreeSet::from([1]), "row 2 is never due");
    }
);

db_test!(
    a_keys_rows_go_out_one_at_a_time_oldest_first,
    |db: TestDb| async move {
        let db = &db.conn;
        table(db).await;
        // Key 10: rows 1, 2, 3. Key 20: rows 4, 5. Key 30: row 6 open but not yet due, row 7
        // due; row 7 waits for row 6, as a recipient's later message waits for its earlier one.
        let mut rows: Vec<_> = [
            (1, 10),
            (2, 10),
            (3, 10),
            (4, 20),
            (5, 20),
            (6, 30),
            (7, 30),
        ]
        .into_iter()
        .map(|(id, key)| row(id, key))
        .collect();
        rows[5].due = Set(false);
        insert(db, rows).await;
        let per_key = || lease(1, 10).one_per_key(W::QueueKey, [(W::Open, true.into())]);

        let now = Utc::now();
        let heads = per_key().claim(db, now).await.unwrap();
        assert_eq!(
            ids(&heads),
            BTreeSet::from([1, 4]),
            "each key's oldest, once"
        );
        let next = per_key().claim(db, now).await.unwrap();
        assert!(
            next.is_empty(),
            "nothing while the heads are in hand: {next:?}"
        );

        // Row 1 is done: closed, its lease ended. Key 10's next row is due; key 20 still waits.
        work::Entity::update_many()
            .col_expr(W::Open, Expr::value(false))
            .col_expr(W::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(W::Id.eq(1))
            .exec(db)
            .await
            .unwrap();
        let after = per_key().claim(db, now).await.unwrap();
        assert_eq!(ids(&after), BTreeSet::from([2]));

        // Row 4's lease lapses undone: it goes out again, still ahead of row 5.
        let later = per_key()
            .claim(db, now + Duration::minutes(2))
            .await
            .unwrap();
        assert_eq!(ids(&later), BTreeSet::from([2, 4]));
    }
);

#[test]
fn postgres_claimers_skip_locked_rows_and_sqlite_has_no_such_clause() {
    let now = Utc::now();
    let pg = lease(1, 5).statement(DbBackend::Postgres, now).sql;
    assert!(pg.contains("FOR UPDATE SKIP LOCKED"), "{pg}");
    assert!(pg.contains("RETURNING"), "{pg}");
    let lite = lease(1, 5).statement(DbBackend::Sqlite, now).sql;
    assert!(!lite.contains("FOR UPDATE"), "{lite}");
}
