//! Stock: units taken off the shelf by a checkout and put back by a cancellation, always in the
//! caller's transaction, by conditional updates that can never take stock below zero. Stock is
//! kept per variant; a product's `stock` and `sales_count` are its variants' sums and move with
//! them. The sales counter ranks "bestselling", so search is told.

use std::collections::BTreeMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    entity::{product, product_variant as variant},
    outbox,
};

/// Units of one variant of a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockLine {
    /// The product.
    pub product_id: Uuid,
    /// Its variant.
    pub variant_id: Uuid,
    /// How many units.
    pub quantity: i64,
}

/// A variant with fewer units left than asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Short {
    /// The product.
    pub product_id: Uuid,
    /// Its variant.
    pub variant_id: Uuid,
    /// Units asked for.
    pub requested: i64,
    /// Units left.
    pub available: i64,
}

/// `lines` by product (in id order), each with its variants' lines in id order: the order in
/// which rows are locked, so two reservations (or a reservation and an edit, which locks the
/// product first too) never wait on each other in a circle.
fn by_product(lines: &[StockLine]) -> BTreeMap<Uuid, BTreeMap<Uuid, i64>> {
    let mut out: BTreeMap<Uuid, BTreeMap<Uuid, i64>> = BTreeMap::new();
    for l in lines {
        *out.entry(l.product_id)
            .or_default()
            .entry(l.variant_id)
            .or_default() += l.quantity;
    }
    out
}

/// Moves a product's sums by `units` (taken off the shelf when positive).
async fn move_product<C: ConnectionTrait>(
    txn: &C,
    product_id: Uuid,
    units: i64,
) -> Result<(), DbErr> {
    product::Entity::update_many()
        .col_expr(
            product::Column::Stock,
            Expr::col(product::Column::Stock).sub(units),
        )
        .col_expr(
            product::Column::SalesCount,
            Expr::col(product::Column::SalesCount).add(units),
        )
        .filter(product::Column::Id.eq(product_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Takes `lines` out of stock. Each variant is taken only if enough of it is left; the ones
/// that are short come back (and the caller rolls its transaction back, undoing the others).
pub async fn reserve<C: ConnectionTrait>(
    txn: &C,
    lines: &[StockLine],
) -> Result<Vec<Short>, DbErr> {
    let mut short = Vec::new();
    for (product_id, variants) in by_product(lines) {
        move_product(txn, product_id, variants.values().sum()).await?;
        for (variant_id, quantity) in variants {
            let res = variant::Entity::update_many()
                .col_expr(
                    variant::Column::Stock,
                    Expr::col(variant::Column::Stock).sub(quantity),
                )
                .col_expr(
                    variant::Column::SalesCount,
                    Expr::col(variant::Column::SalesCount).add(quantity),
                )
                .filter(variant::Column::Id.eq(variant_id))
                .filter(variant::Column::ProductId.eq(product_id))
                .filter(variant::Column::Stock.gte(quantity))
                .exec(txn)
                .await?;
            if res.rows_affected == 0 {
                let available = variant::Entity::find_by_id(variant_id)
                    .one(txn)
                    .await?
                    .map_or(0, |v| v.stock);
                short.push(Short {
                    product_id,
                    variant_id,
                    requested: quantity,
                    available,
                });
            }
        }
        outbox::enqueue(txn, outbox::Entity::Product, product_id).await?;
    }
    Ok(short)
}

/// Puts `lines` back on the shelf and off the sales counters (a cancelled order, goods
/// returned). A variant removed since is not brought back; its units leave the product's sums
/// untouched.
pub async fn release<C: ConnectionTrait>(txn: &C, lines: &[StockLine]) -> Result<(), DbErr> {
    for (product_id, variants) in by_product(lines) {
        // The product row first, as a reservation locks it.
        product::Entity::update_many()
            .col_expr(product::Column::Id, Expr::col(product::Column::Id))
            .filter(product::Column::Id.eq(product_id))
            .exec(txn)
            .await?;
        let mut back = 0i64;
        for (variant_id, quantity) in variants {
            let res = variant::Entity::update_many()
                .col_expr(
                    variant::Column::Stock,
                    Expr::col(variant::Column::Stock).add(quantity),
                )
                .col_expr(
                    variant::Column::SalesCount,
                    Expr::col(variant::Column::SalesCount).sub(quantity),
                )
                .filter(variant::Column::Id.eq(variant_id))
                .filter(variant::Column::ProductId.eq(product_id))
                .exec(txn)
                .await?;
            if res.rows_affected > 0 {
                back += quantity;
            }
        }
        move_product(txn, product_id, -back).await?;
        outbox::enqueue(txn, outbox::Entity::Product, product_id).await?;
    }
    Ok(())
}
