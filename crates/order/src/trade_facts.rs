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
