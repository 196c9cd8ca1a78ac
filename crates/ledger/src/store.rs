//! The store: the transaction-level steps that several use cases share, each taking the
//! caller's connection or transaction. Append an entry, sum a stall's entries, read a stall of
//! the catalogue (through the catalogue's public API) with its legal form. The use cases call
//! these and never each other; nothing here opens a transaction or checks who asks
//! ([`crate::access`] does).

use catalog::{entity::stall, stall::BusinessType};
use chrono::{DateTime, Utc};
use common::{Error, Result, Stored, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, Func, IntoColumnRef, SimpleExpr},
};
use uuid::Uuid;

use crate::{
    entity::{entry, ledger_account},
    kind::EntryKind,
};

/// One entry to write.
pub(crate) struct NewEntry {
    pub stall_id: Uuid,
    pub kind: EntryKind,
    pub amount: i64,
    pub order_id: Option<Uuid>,
    pub payout_id: Option<Uuid>,
    pub rule: Option<serde_json::Value>,
    pub reverses: Option<EntryKind>,
    pub note: Option<String>,
    pub actor_id: Option<Uuid>,
    pub available_at: DateTime<Utc>,
}

impl NewEntry {
    /// An entry of `kind` for `amount`, payable from `available_at`, tied to nothing yet.
    pub(crate) fn of(
        stall_id: Uuid,
        kind: EntryKind,
        amount: i64,
        available_at: DateTime<Utc>,
    ) -> Self {
        Self {
            stall_id,
            kind,
            amount,
            order_id: None,
            payout_id: None,
            rule: None,
            reverses: None,
            note: None,
            actor_id: None,
            available_at,
        }
    }
}

/// Appends an entry (and the stall's account row, the first time); returns it as written.
pub(crate) async fn append<C: ConnectionTrait>(txn: &C, e: NewEntry) -> Result<entry::Model> {
    let now = Utc::now();
    ledger_account::Entity::insert(ledger_account::ActiveModel {
        stall_id: Set(e.stall_id),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([ledger_account::Column::StallId])
    .exec_without_returning(txn)
    .await?;
    Ok(entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(e.stall_id),
        kind: Set(e.kind.as_str().into()),
        amount: Set(e.amount),
        order_id: Set(e.order_id),
        payout_id: Set(e.payout_id),
        rule: Set(e.rule.map(|r| r.to_string())),
        reverses: Set(e.reverses.map(|k| k.as_str().into())),
        note: Set(e.note),
        actor_id: Set(e.actor_id),
        available_at: Set(e.available_at),
        created_at: Set(now),
    }
    .insert(txn)
    .await?)
}

/// `CAST(SUM(col) AS BIGINT)`: PostgreSQL sums a bigint as numeric.
pub(crate) fn sum_of(col: impl IntoColumnRef) -> Expr {
    Func::cast_as(Func::sum(Expr::col(col)), "BIGINT").into()
}

/// The sum of a stall's entries that match `cond`.
pub(crate) async fn sum_where<C: ConnectionTrait>(
    db: &C,
    stall: Uuid,
    cond: SimpleExpr,
) -> Result<i64> {
    let sum: Option<Option<i64>> = entry::Entity::find()
        .select_only()
        .column_as(sum_of(entry::Column::Amount), "sum")
        .filter(entry::Column::StallId.eq(stall))
        .filter(cond)
        .into_tuple()
        .one(db)
        .await?;
    Ok(sum.flatten().unwrap_or(0))
}

/// What a stall can be paid now: every entry whose holding period has passed.
pub(crate) async fn payable<C: ConnectionTrait>(
    db: &C,
    stall: Uuid,
    now: DateTime<Utc>,
) -> Result<i64> {
    sum_where(db, stall, entry::Column::AvailableAt.lte(now)).await
}

/// The stall `id`, as the catalogue has it.
pub(crate) async fn stall<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<stall::Model>> {
    Ok(catalog::service::find_stall(db, &id.to_string()).await?)
}

/// A stall's legal form (which decides whether Decree 117's withholding applies); an unknown
/// one is corrupt data, never taken for a form that is not withheld on.
pub(crate) fn business_type(s: &stall::Model) -> Result<BusinessType> {
    stored(&s.business_type)
}

/// The part a discount entry (or its reversal) takes off, as its rule records it.
pub(crate) fn part_of(e: &entry::Model) -> Result<crate::kind::Part> {
    #[derive(serde::Deserialize)]
    struct Rule {
        part: crate::kind::Part,
    }
    e.rule
        .as_deref()
        .and_then(|r| serde_json::from_str::<Rule>(r).ok())
        .map(|r| r.part)
        .ok_or_else(|| Error::internal(format!("discount entry {} names no part", e.id)))
}
