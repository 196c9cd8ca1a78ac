//! The trade facts: what the trade report reads, written by the order's use cases in the
//! transaction that writes the ledger's entries for the same event, so the two always agree.
//!
//! A delivery writes one row per order line: its units, and its goods at the price charged
//! less its share of the stall's own discounts on the goods (shared over the lines in
//! proportion, largest remainder, exactly as the ledger shares them for the commission), with
//! what the report groups by as it is that day. A refund after delivery (whole or part) writes,
//! per line, its share of the goods revenue the ledger has reversed for the order and the facts
//! do not yet show (so a refund is never counted twice, and the facts follow the ledger to the
//! đồng); a line refunded to nothing gives its units back too. Rows are dated by the day of
//! the event in Vietnam's calendar, as the ledger's entries are.

use chrono::{DateTime, Utc};
use common::{Error, Result, Stored, calendar};
use ledger::{EntryKind, entity::entry};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use uuid::Uuid;

use crate::entity::trade_fact;

/// One line of a delivered order.
#[derive(Clone, Debug)]
pub struct DeliveredLine {
    /// The order line.
    pub order_item_id: Uuid,
    /// The product sold.
    pub product_id: Uuid,
    /// Units delivered.
    pub units: i64,
    /// Unit price charged × units, đồng.
    pub amount: i64,
}

/// A delivered order, as the trade facts keep it.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The order.
    pub order_id: Uuid,
    /// Its stall.
    pub stall_id: Uuid,
    /// Its buyer.
    pub buyer_id: Uuid,
    /// The province code of its delivery address (empty when unknown).
    pub buyer_province: String,
    /// Its lines.
    pub lines: Vec<DeliveredLine>,
    /// The stall's own discounts on the goods, đồng (the platform's do not lower the stall's
    /// revenue).
    pub stall_discount_on_goods: i64,
    /// When it was delivered.
    pub at: DateTime<Utc>,
}

pub use crate::rollup::day_key;

/// Writes a delivered order's facts, in the caller's (delivering) transaction.
pub async fn delivered<C: ConnectionTrait>(db: &C, d: &Delivery) -> Result<()> {
    if d.lines.is_empty() {
        return Ok(());
    }
    let day = calendar::day_of(d.at);
    let amounts: Vec<i64> = d.lines.iter().map(|l| l.amount).collect();
    let off = ledger::rates::split_all(d.stall_discount_on_goods, &amounts).ok_or_else(|| {
        Error::internal(format!(
            "order {} has stall discounts of {} on goods of {amounts:?}",
            d.order_id, d.stall_discount_on_goods
        ))
    })?;
    let refs = catalog::figures::trade_refs(db, d.lines.iter().map(|l| l.product_id), day).await?;
    let commune = catalog::figures::stalls_by_id(db, [d.stall_id])
        .await?
        .remove(&d.stall_id)
        .map(|s| s.commune_code)
        .ok_or_else(|| Error::internal(format!("stall {} is missing", d.stall_id)))?;
    let mut rows = Vec::with_capacity(d.lines.len());
    for (line, off) in d.lines.iter().zip(off) {
        let r = refs
            .get(&line.product_id)
            .ok_or_else(|| Error::internal(format!("product {} is missing", line.product_id)))?;
        rows.push(trade_fact::Model {
            id: Uuid::now_v7(),
            order_id: d.order_id,
            order_item_id: line.order_item_id,
            stall_id: d.stall_id,
            buyer_id: d.buyer_id,
            day: day_key(day),
            stall_commune: commune.clone(),
            buyer_province: d.buyer_province.clone(),
            product_id: line.product_id,
            category_id: r.category_id,
            ocop_group: r.group_id,
            ocop_stars: r.ocop_stars,
            units: line.units,
            gmv: line.amount - off,
            refund: false,
            created_at: d.at,
        });
    }
    record(db, rows).await
}

/// Writes fact rows (one delivery's or one refund's) and their share of the roll-ups
/// ([`crate::rollup`]), in the caller's transaction. [`delivered`] and [`refunded`] write
/// through it; a delivery's rows must all be here, on its one day.
pub async fn record<C: ConnectionTrait>(db: &C, rows: Vec<trade_fact::Model>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    crate::rollup::write::add(db, &rows).await?;
    trade_fact::Entity::insert_many(rows.into_iter().map(trade_fact::ActiveModel::from))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes the facts of the refunds the ledger has written for order `order_id` since its facts
/// were last written, in the caller's (refunding) transaction, dated `at`. Nothing when the
/// order has no facts (delivered before they were kept and not backfilled) or nothing new.
pub async fn refunded<C: ConnectionTrait>(db: &C, order_id: Uuid, at: DateTime<Utc>) -> Result<()> {
    let rows = trade_fact::Entity::find()
        .filter(trade_fact::Column::OrderId.eq(order_id))
        .order_by_asc(trade_fact::Column::CreatedAt)
        .order_by_asc(trade_fact::Column::Id)
        .all(db)
        .await?;
    let recorded: i64 = rows.iter().filter(|r| r.refund).map(|r| r.gmv).sum();
    let back = goods_reversed(db, order_id).await? - recorded;
    if back == 0 || rows.is_empty() {
        return Ok(());
    }
    // What remains of each line: its delivery less its refunds so far.
    let lines: Vec<(&trade_fact::Model, i64, i64)> = rows
        .iter()
        .filter(|r| !r.refund)
        .map(|l| {
            let (gmv, units) = rows
                .iter()
                .filter(|r| r.order_item_id == l.order_item_id)
                .fold((0, 0), |(g, u), r| (g + r.gmv, u + r.units));
            (l, gmv, units)
        })
        .collect();
    let left: Vec<i64> = lines.iter().map(|(_, gmv, _)| *gmv).collect();
    let parts = ledger::rates::split_all(-back, &left).ok_or_else(|| {
        Error::internal(format!(
            "order {order_id}: the ledger reverses {back} of goods but the facts hold {left:?}"
        ))
    })?;
    let day = day_key(calendar::day_of(at));
    let mut out = Vec::new();
    for ((line, gmv, units), part) in lines.into_iter().zip(parts) {
        if part == 0 {
            continue;
        }
        out.push(trade_fact::Model {
            id: Uuid::now_v7(),
            day,
            units: if part == gmv { -units } else { 0 },
            gmv: -part,
            refund: true,
            created_at: at,
            ..line.clone()
        });
    }
    record(db, out).await
}

/// The goods revenue the ledger has reversed for an order (negative): its sale's reversals
/// and those of the stall's own discounts on the goods.
async fn goods_reversed<C: ConnectionTrait>(db: &C, order_id: Uuid) -> Result<i64> {
    #[derive(Deserialize)]
    struct Rule {
        part: ledger::Part,
    }
    let rows = entry::Entity::find()
        .filter(entry::Column::OrderId.eq(order_id))
        .filter(entry::Column::Kind.eq(EntryKind::RefundReversal.as_str()))
        .all(db)
        .await?;
    let mut sum = 0;
    for e in rows {
        let goods = match e.reverses.as_deref() {
            Some(k) if k == EntryKind::Sale.as_str() => true,
            Some(k) if k == EntryKind::StallDiscount.as_str() => e
                .rule
                .as_deref()
                .and_then(|r| serde_json::from_str::<Rule>(r).ok())
                .is_some_and(|r| r.part == ledger::Part::Goods),
            _ => false,
        };
        if goods {
            sum += e.amount;
        }
    }
    Ok(sum)
}

/// [`refunded`] dated by the ledger's last reversal for the order: for an order delivered
/// before the facts were kept. Nothing when the ledger reversed nothing.
pub async fn refunded_as_recorded<C: ConnectionTrait>(db: &C, order_id: Uuid) -> Result<()> {
    let last = entry::Entity::find()
        .filter(entry::Column::OrderId.eq(order_id))
        .filter(entry::Column::Kind.eq(EntryKind::RefundReversal.as_str()))
        .order_by_desc(entry::Column::CreatedAt)
        .one(db)
        .await?;
    match last {
        Some(e) => refunded(db, order_id, e.created_at).await,
        None => Ok(()),
    }
}
