//! What the trade report keeps of an order (`reporting::facts`): its lines when it is
//! delivered, and each refund after delivery, written in the transaction that writes the
//! ledger's entries for the same event so the report reconciles with the statements.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    entity::{order, order_discount, order_item},
    error::Result,
    types::Stored,
};

/// Records the delivery of `o` (its lines `items`) at `at`.
pub(crate) async fn delivered<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    items: &[order_item::Model],
    at: DateTime<Utc>,
) -> Result<()> {
    let stall_discount_on_goods: i64 = order_discount::Entity::find()
        .filter(order_discount::Column::OrderId.eq(o.id))
        .filter(order_discount::Column::FundedBy.eq(ledger::Funder::Stall.as_str()))
        .all(txn)
        .await?
        .iter()
        .map(|d| d.goods_amount)
        .sum();
    let buyer_province = o
        .shipping_province_code
        .clone()
        .or_else(|| {
            catalog::nation::Nation::builtin()
                .commune(&o.shipping_commune_code)
                .map(|(_, p)| p.code.clone())
        })
        .unwrap_or_default();
    let delivery = reporting::facts::Delivery {
        order_id: o.id,
        stall_id: o.stall_id,
        buyer_id: o.buyer_id,
        buyer_province,
        lines: items
            .iter()
            .map(|i| reporting::facts::DeliveredLine {
                order_item_id: i.id,
                product_id: i.product_id,
                units: i.quantity,
                amount: i.unit_price.saturating_mul(i.quantity),
            })
            .collect(),
        stall_discount_on_goods,
        at,
    };
    Ok(reporting::facts::delivered(txn, &delivery).await?)
}

/// Records what the ledger has just reversed of `o`'s goods for a refund after delivery.
pub(crate) async fn refunded<C: ConnectionTrait>(txn: &C, o: &order::Model) -> Result<()> {
    Ok(reporting::facts::refunded(txn, o.id, Utc::now()).await?)
}

/// Writes the facts of the delivered orders that have none: those delivered before the facts
/// were kept. Each is recorded as delivered when its history says (its last move to
/// `delivered`), with its stall's commune and its products' categories and stars as they are
/// now, and the refunds the ledger holds for it as one row dated by the last of them. Run
/// after the migrations (`serve::migrate`); once done it finds nothing, in one query. Returns
/// how many orders it recorded.
pub async fn backfill<C: ConnectionTrait + sea_orm::TransactionTrait>(db: &C) -> Result<u64> {
    use sea_orm::{QueryOrder, QuerySelect, TransactionSession, sea_query::Query};

    use crate::{entity::order_event, status::OrderStatus};
    use reporting::entity::trade_fact;
    let mut done = 0;
    loop {
        let orders = order::Entity::find()
            .filter(order::Column::Status.eq(OrderStatus::Delivered.as_str()))
            .filter(
                order::Column::Id.not_in_subquery(
                    Query::select()
                        .column(trade_fact::Column::OrderId)
                        .from(trade_fact::Entity)
                        .to_owned(),
                ),
            )
            .order_by_asc(order::Column::Id)
            .limit(200)
            .all(db)
            .await?;
        if orders.is_empty() {
            return Ok(done);
        }
        for o in orders {
            let at = order_event::Entity::find()
                .filter(order_event::Column::OrderId.eq(o.id))
                .filter(order_event::Column::ToStatus.eq(OrderStatus::Delivered.as_str()))
                .order_by_desc(order_event::Column::CreatedAt)
                .one(db)
                .await?
                .map_or(o.updated_at, |e| e.created_at);
            let items = order_item::Entity::find()
                .filter(order_item::Column::OrderId.eq(o.id))
                .all(db)
                .await?;
            let txn = common::begin_write(db).await?;
            delivered(&txn, &o, &items, at).await?;
            reporting::facts::refunded_as_recorded(&txn, o.id).await?;
            txn.commit().await?;
            done += 1;
        }
    }
}
