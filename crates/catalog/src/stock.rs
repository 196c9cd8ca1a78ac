//! Stock: units taken off the shelf by a checkout and put back by a cancellation, always in the
//! caller's transaction, by conditional updates that can never take stock below zero. The sales
//! counter moves with them, and search is told (the counter ranks "bestselling").

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{entity::product, outbox};

/// Units of one product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockLine {
    /// The product.
    pub product_id: Uuid,
    /// How many units.
    pub quantity: i64,
}

/// A product with fewer units left than asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Short {
    /// The product.
    pub product_id: Uuid,
    /// Units asked for.
    pub requested: i64,
    /// Units left.
    pub available: i64,
}

/// Takes `lines` out of stock. Each product is taken only if enough is left; the ones that are
/// short come back (and the caller rolls its transaction back, undoing the others). Products
/// are locked in id order, so two reservations never wait on each other in a circle.
pub async fn reserve<C: ConnectionTrait>(
    txn: &C,
    lines: &[StockLine],
) -> Result<Vec<Short>, DbErr> {
    let mut sorted = lines.to_vec();
    sorted.sort_unstable_by_key(|l| l.product_id);
    let mut short = Vec::new();
    for l in sorted {
        let res = product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).sub(l.quantity),
            )
            .col_expr(
                product::Column::SalesCount,
                Expr::col(product::Column::SalesCount).add(l.quantity),
            )
            .filter(product::Column::Id.eq(l.product_id))
            .filter(product::Column::Stock.gte(l.quantity))
            .exec(txn)
            .await?;
        if res.rows_affected == 0 {
            let available = product::Entity::find_by_id(l.product_id)
                .one(txn)
                .await?
                .map_or(0, |p| p.stock);
            short.push(Short {
                product_id: l.product_id,
                requested: l.quantity,
                available,
            });
        } else {
            outbox::enqueue(txn, outbox::Entity::Product, l.product_id).await?;
        }
    }
    Ok(short)
}

/// Puts `lines` back on the shelf and off the sales counters (a cancelled order).
pub async fn release<C: ConnectionTrait>(txn: &C, lines: &[StockLine]) -> Result<(), DbErr> {
    let mut sorted = lines.to_vec();
    sorted.sort_unstable_by_key(|l| l.product_id);
    for l in sorted {
        product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).add(l.quantity),
            )
            .col_expr(
                product::Column::SalesCount,
                Expr::col(product::Column::SalesCount).sub(l.quantity),
            )
            .filter(product::Column::Id.eq(l.product_id))
            .exec(txn)
            .await?;
        outbox::enqueue(txn, outbox::Entity::Product, l.product_id).await?;
    }
    Ok(())
}
