//! A checkout's vouchers as the order crate keeps them: the cart handed to the promotions
//! crate as plain data (each stall's lines with their category, the price charged and the
//! regular price, and its delivery fee), and each voucher's part of each order written to
//! `order_discounts`.

use std::collections::HashMap;

use catalog::offer::Offer;
use chrono::{DateTime, Utc};
use promotions::{BasketLine, BasketOrder, OrderDiscount};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TryIntoModel};
use uuid::Uuid;

use crate::{
    entity::{order, order_discount},
    error::Result,
    pricing::Quote,
};

/// The orders of `plan` as vouchers see them, in stall order.
pub(crate) fn basket(plan: &Quote, offers: &HashMap<Uuid, Offer>) -> Vec<BasketOrder> {
    plan.stalls
        .iter()
        .map(|s| BasketOrder {
            stall_id: s.stall_id,
            lines: s
                .items
                .iter()
                .map(|i| BasketLine {
                    category_id: offers
                        .get(&i.variant_id)
                        .map_or(Uuid::nil(), |o| o.product.category.id),
                    amount: i.unit_price.saturating_mul(i.quantity),
                    // The cap of Decree 81/2018 counts from the price before any promotion.
                    regular_amount: i.regular_unit_price.saturating_mul(i.quantity),
                })
                .collect(),
            delivery_fee: s.delivery.as_ref().map_or(0, |x| x.fee),
        })
        .collect()
}

/// A voucher's part of an order: goods and delivery.
pub(crate) fn amount(d: &OrderDiscount) -> i64 {
    d.goods_amount.saturating_add(d.delivery_amount)
}

/// What all the vouchers take off the order of `stall`.
pub(crate) fn of_stall(discounts: &[OrderDiscount], stall: Uuid) -> i64 {
    discounts
        .iter()
        .filter(|x| x.stall_id == stall)
        .map(amount)
        .sum()
}

/// Keeps each voucher's part of each order (`order_discounts`), by the orders' stalls, in one
/// statement; returns the rows as written.
pub(crate) async fn record<C: ConnectionTrait>(
    txn: &C,
    orders: &[order::Model],
    discounts: &[OrderDiscount],
    at: DateTime<Utc>,
) -> Result<Vec<order_discount::Model>> {
    let rows: Vec<order_discount::ActiveModel> = discounts
        .iter()
        .filter_map(|x| {
            let o = orders.iter().find(|o| o.stall_id == x.stall_id)?;
            Some(order_discount::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(o.id),
                voucher_id: Set(x.voucher_id),
                code: Set(x.code.clone()),
                funded_by: Set(common::Stored::as_str(x.funded_by).to_owned()),
                goods_amount: Set(x.goods_amount),
                delivery_amount: Set(x.delivery_amount),
                created_at: Set(at),
            })
        })
        .collect();
    let written = rows
        .iter()
        .map(|r| r.clone().try_into_model())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    order_discount::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(written)
}
