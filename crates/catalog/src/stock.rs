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
/// The products' rows are locked first, one by one in id order; then every variant is taken by
/// one conditional update and search is told of every product by one insert, so a checkout's
/// reservation costs a statement per product and two more, whatever its number of lines.
pub async fn reserve<C: ConnectionTrait>(
    txn: &C,
    lines: &[StockLine],
) -> Result<Vec<Short>, DbErr> {
    let wanted = by_product(lines);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    for (product_id, variants) in &wanted {
        move_product(txn, *product_id, variants.values().sum()).await?;
    }
    let asked: Vec<(Uuid, Uuid, i64)> = wanted
        .iter()
        .flat_map(|(p, vs)| vs.iter().map(move |(v, q)| (*p, *v, *q)))
        .collect();
    let short = take_variants(txn, &asked).await?;
    outbox::enqueue_many(txn, outbox::Entity::Product, wanted.keys().copied()).await?;
    Ok(short)
}

/// Takes each `(product, variant, quantity)` of `asked` by one conditional update: a variant
/// is taken only when enough of it is left. Returns the variants that were not taken, with
/// what they have left.
async fn take_variants<C: ConnectionTrait>(
    txn: &C,
    asked: &[(Uuid, Uuid, i64)],
) -> Result<Vec<Short>, DbErr> {
    use sea_orm::{Condition, sea_query::CaseStatement};
    let mut by = CaseStatement::new();
    let mut enough = Condition::any();
    for (product_id, variant_id, quantity) in asked {
        by = by.case(variant::Column::Id.eq(*variant_id), *quantity);
        enough = enough.add(
            Condition::all()
                .add(variant::Column::Id.eq(*variant_id))
                .add(variant::Column::ProductId.eq(*product_id))
                .add(variant::Column::Stock.gte(*quantity)),
        );
    }
    let by = Expr::Case(Box::new(by.finally(0i64)));
    let update = variant::Entity::update_many()
        .col_expr(
            variant::Column::Stock,
            Expr::col(variant::Column::Stock).sub(by.clone()),
        )
        .col_expr(
            variant::Column::SalesCount,
            Expr::col(variant::Column::SalesCount).add(by),
        )
        .filter(enough);
    if !txn.support_returning() {
        // Without RETURNING (SQLite, where one writer at a time means nothing moves between
        // the read and the update): what is short is read first, and nothing is taken if any is.
        let short = shorts(txn, asked).await?;
        if short.is_empty() {
            update.exec(txn).await?;
        }
        return Ok(short);
    }
    let taken: Vec<Uuid> = update
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    if taken.len() == asked.len() {
        return Ok(Vec::new());
    }
    let left: Vec<(Uuid, Uuid, i64)> = asked
        .iter()
        .copied()
        .filter(|(_, v, _)| !taken.contains(v))
        .collect();
    left_of(txn, &left).await
}

/// What `left` (variants that were not taken) have in stock, as shortages.
async fn left_of<C: ConnectionTrait>(
    txn: &C,
    left: &[(Uuid, Uuid, i64)],
) -> Result<Vec<Short>, DbErr> {
    let stock: std::collections::HashMap<(Uuid, Uuid), i64> = variant::Entity::find()
        .filter(variant::Column::Id.is_in(left.iter().map(|l| l.1)))
        .all(txn)
        .await?
        .into_iter()
        .map(|v| ((v.product_id, v.id), v.stock))
        .collect();
    Ok(left
        .iter()
        .map(|(product_id, variant_id, quantity)| Short {
            product_id: *product_id,
            variant_id: *variant_id,
            requested: *quantity,
            available: stock.get(&(*product_id, *variant_id)).copied().unwrap_or(0),
        })
        .collect())
}

/// Those of `asked` that have fewer units left than they ask for (or are not their product's).
async fn shorts<C: ConnectionTrait>(
    txn: &C,
    asked: &[(Uuid, Uuid, i64)],
) -> Result<Vec<Short>, DbErr> {
    Ok(left_of(txn, asked)
        .await?
        .into_iter()
        .filter(|s| s.available < s.requested)
        .collect())
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
