//! The pass over sale boundaries: a product's row keeps its prices in force (`price_now`,
//! `price_now_max`, what sorts and search documents read) as of its last write; when a sale
//! begins or ends no write happens, so this pass, run every minute by a job, finds the
//! variants whose window opened or closed since the previous pass, writes their products'
//! prices in force and queues their search documents, in one transaction.
//!
//! It keeps how far it has looked in `sale_boundary_passes` and looks back from there with a
//! margin, so a restart, a stop of any length or two instances running it at once miss no
//! boundary; a boundary seen twice only refreshes a document twice.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionSession, TransactionTrait, sea_query::Expr, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    entity::{product, product_variant as variant, sale_boundary_pass as pass},
    error::Result,
    outbox,
    service::variants::{price_now, rows},
};

/// The name of the pass's row.
const NAME: &str = "sales";
/// How far before the previous pass each pass looks again: a sale stored by a transaction
/// that committed late, or an instance whose clock is behind, is still seen.
pub const MARGIN: Duration = Duration::minutes(5);
/// How far the first pass ever looks back.
pub const FIRST_LOOK_BACK: Duration = Duration::days(1);

/// Refreshes the products whose sale began or ended since the previous pass (less
/// [`MARGIN`]) up to `now`; returns how many.
pub async fn pass<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<u64> {
    let txn = common::begin_write(db).await?;
    let last = pass::Entity::find_by_id(NAME.to_owned())
        .one(&txn)
        .await?
        .map(|r| r.passed_at);
    let since = last.unwrap_or(now - FIRST_LOOK_BACK) - MARGIN;
    let crossed = |col: variant::Column| Condition::all().add(col.gt(since)).add(col.lte(now));
    let mut ids: Vec<Uuid> = variant::Entity::find()
        .select_only()
        .column(variant::Column::ProductId)
        .filter(
            Condition::any()
                .add(crossed(variant::Column::SaleStartsAt))
                .add(crossed(variant::Column::SaleEndsAt)),
        )
        .into_tuple()
        .all(&txn)
        .await?;
    ids.sort_unstable();
    ids.dedup();
    for id in &ids {
        write_prices_now(&txn, *id, now).await?;
        outbox::enqueue(&txn, outbox::Entity::Product, *id).await?;
    }
    pass::Entity::insert(pass::ActiveModel {
        name: Set(NAME.to_owned()),
        passed_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(pass::Column::Name)
            .update_column(pass::Column::PassedAt)
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(ids.len() as u64)
}

/// Writes product `id`'s prices in force at `at`, unless an edit changed it meanwhile (the
/// edit wrote them itself): only those two columns, never the stock a checkout moves.
async fn write_prices_now<C: ConnectionTrait>(txn: &C, id: Uuid, at: DateTime<Utc>) -> Result<()> {
    let Some(p) = product::Entity::find_by_id(id).one(txn).await? else {
        return Ok(());
    };
    let variants = rows(txn, id).await?;
    let now: Vec<i64> = variants.iter().map(|v| price_now(v, at)).collect();
    let (Some(low), Some(high)) = (now.iter().min(), now.iter().max()) else {
        return Ok(());
    };
    product::Entity::update_many()
        .col_expr(product::Column::PriceNow, Expr::value(*low))
        .col_expr(product::Column::PriceNowMax, Expr::value(*high))
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Version.eq(p.version))
        .exec(txn)
        .await?;
    Ok(())
}
