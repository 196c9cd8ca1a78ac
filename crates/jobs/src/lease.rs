//! Rows of a work table claimed for a while (a lease), so that any number of workers and
//! instances share the table and each row is in one worker's hands at a time.
//!
//! A claim is one statement:
//!
//! ```sql
//! UPDATE t SET claimed_until = :now + :lease [, …]
//! WHERE id IN (SELECT id FROM t
//!              WHERE <due> AND (claimed_until IS NULL OR claimed_until < :now)
//!                [AND NOT EXISTS (SELECT 1 FROM t AS older
//!                                 WHERE older.key = t.key AND older.id < t.id AND <open>)]
//!              ORDER BY … LIMIT :batch
//!              FOR UPDATE SKIP LOCKED)          -- PostgreSQL only
//! RETURNING *
//! ```
//!
//! On PostgreSQL, `SKIP LOCKED` lets concurrent claimers pass over each other's rows instead of
//! waiting for them, and a row another claimer has just leased fails the `claimed_until`
//! check when it is re-read under its lock. SQLite runs one writer at a time, so the
//! statement alone is enough there; an idle claimer reads first and writes only when a row
//! is due, so it does not take the write lock from the requests every poll.
//!
//! A worker that crashes leaves its rows leased; they come back when the lease lapses. The
//! worker ends its lease itself when it is done (deleting the row, or setting
//! `claimed_until` back to `NULL` with the outcome).

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement, Value,
    sea_query::{
        Alias, Condition, Expr, ExprTrait, LockBehavior, LockType, Order, Query, SelectStatement,
    },
};

/// A claim on the rows of entity `E`'s table: which are due, how many at once, for how long.
#[derive(Clone, Debug)]
pub struct Lease<E: EntityTrait> {
    id: E::Column,
    claimed_until: E::Column,
    lease: chrono::Duration,
    due: Condition,
    per_key: Option<PerKey<E>>,
    also: Vec<(E::Column, Expr)>,
    order: Vec<E::Column>,
    batch: u64,
}

/// At most one row of a key out at a time: only the oldest open row of its key is due.
#[derive(Clone, Debug)]
struct PerKey<E: EntityTrait> {
    key: E::Column,
    open: Vec<(E::Column, Value)>,
}

impl<E: EntityTrait> Lease<E> {
    /// Claims by `id` (a unique column, the table's key) for `lease`, recorded in
    /// `claimed_until` (a nullable timestamp). By default every unclaimed row is due, oldest
    /// id first, one at a time.
    pub fn new(id: E::Column, claimed_until: E::Column, lease: chrono::Duration) -> Self {
        Self {
            id,
            claimed_until,
            lease,
            due: Condition::all(),
            per_key: None,
            also: Vec::new(),
            order: Vec::new(),
            batch: 1,
        }
    }

    /// Only rows meeting `due` (written with the entity's columns: `Column::Status.eq(..)`).
    pub fn due(mut self, due: Condition) -> Self {
        self.due = due;
        self
    }

    /// At most one row per value of `key` in hand: a row is due only when no older row (lower
    /// id) of its key is still open, an open row being one whose columns equal `open`. Claimed
    /// rows must count as open (they are, while their work is unfinished), so that a key's
    /// next row waits for the one in hand; rows of a key are then done in id order.
    pub fn one_per_key(
        mut self,
        key: E::Column,
        open: impl IntoIterator<Item = (E::Column, Value)>,
    ) -> Self {
        self.per_key = Some(PerKey {
            key,
            open: open.into_iter().collect(),
        });
        self
    }

    /// Also sets `column` to `value` on the rows claimed (`attempts = attempts + 1`, say).
    pub fn also_set(mut self, column: E::Column, value: impl Into<Expr>) -> Self {
        self.also.push((column, value.into()));
        self
    }

    /// Claims rows by `column`, smallest first (after any order given before); ties, and
    /// claims with no order given, go by id.
    pub fn order_by(mut self, column: E::Column) -> Self {
        self.order.push(column);
        self
    }

    /// Claims up to `batch` rows at once.
    pub fn batch(mut self, batch: u64) -> Self {
        self.batch = Ord::max(batch, 1);
        self
    }

    /// Claims up to a batch of due rows no one holds at `now`, until `now` plus the lease;
    /// returns them as they are after the claim (in no particular order).
    pub async fn claim<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<Vec<E::Model>, DbErr> {
        let backend = db.get_database_backend();
        if backend == DbBackend::Sqlite {
            let mut any = self.candidates(now);
            any.limit(1);
            if db.query_one(&any).await?.is_none() {
                return Ok(Vec::new());
            }
        }
        E::find()
            .from_raw_sql(self.statement(backend, now))
            .all(db)
            .await
    }

    /// The claiming statement for `backend`.
    pub fn statement(&self, backend: DbBackend, now: DateTime<Utc>) -> Statement {
        let mut pick = self.candidates(now);
        for column in &self.order {
            pick.order_by((E::default(), *column), Order::Asc);
        }
        pick.order_by((E::default(), self.id), Order::Asc)
            .limit(self.batch);
        if backend == DbBackend::Postgres {
            pick.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let mut update = Query::update();
        update
            .table(E::default())
            .value(self.claimed_until, now + self.lease)
            .values(self.also.iter().map(|(c, v)| (*c, v.clone())))
            .and_where(Expr::col(self.id).in_subquery(pick))
            .returning_all();
        backend.build(&update)
    }

    /// The ids of the rows due and unclaimed at `now`.
    fn candidates(&self, now: DateTime<Utc>) -> SelectStatement {
        let table = E::default();
        let unclaimed = Condition::any()
            .add(Expr::col((table, self.claimed_until)).is_null())
            .add(Expr::col((table, self.claimed_until)).lt(now));
        let mut due = Condition::all().add(self.due.clone()).add(unclaimed);
        if let Some(per_key) = &self.per_key {
            due = due.add(Expr::exists(self.older_open(per_key)).not());
        }
        let mut pick = Query::select();
        pick.column((table, self.id)).from(table).cond_where(due);
        pick
    }

    /// An older open row of the same key.
    fn older_open(&self, per_key: &PerKey<E>) -> SelectStatement {
        let (table, older) = (E::default(), Alias::new("older"));
        let mut q = Query::select();
        q.expr(Expr::val(1))
            .from_as(table, older.clone())
            .and_where(Expr::col((older.clone(), per_key.key)).equals((table, per_key.key)))
            .and_where(Expr::col((older.clone(), self.id)).lt(Expr::col((table, self.id))));
        for (column, value) in &per_key.open {
            q.and_where(Expr::col((older.clone(), *column)).eq(value.clone()));
        }
        q
    }
}
