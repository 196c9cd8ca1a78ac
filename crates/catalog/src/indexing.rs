//! What the search indexer reads of the catalogue to build its documents: stalls, products and
//! categories by id, the products a changed stall or category carries, the public ones a page
//! at a time, and the products whose certificate just lapsed. The rule for what the public sees
//! stays in [`crate::visibility`].

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use common::Stored;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::{
    entity::{category, product, stall},
    product::OcopStatus,
};

/// A category as these reads return it.
pub type Category = category::Model;
/// A product as these reads return it.
pub type Product = product::Model;
/// A stall as these reads return it.
pub type Stall = stall::Model;

/// Every category, by id (their names go into product documents).
pub async fn categories_by_id<C: ConnectionTrait>(
    db: &C,
) -> Result<HashMap<Uuid, category::Model>, DbErr> {
    Ok(category::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// The stalls of these ids that exist, whatever their status.
pub async fn stalls<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<stall::Model>, DbErr> {
    stall::Entity::find()
        .filter(stall::Column::Id.is_in(ids))
        .all(db)
        .await
}

/// The approved stalls, by id.
pub async fn public_stalls<C: ConnectionTrait>(
    db: &C,
) -> Result<HashMap<Uuid, stall::Model>, DbErr> {
    Ok(crate::visibility::public_stalls()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// The products of these ids that exist, whatever their status.
pub async fn products<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<product::Model>, DbErr> {
    product::Entity::find()
        .filter(product::Column::Id.is_in(ids))
        .all(db)
        .await
}

/// The ids of the products of these stalls.
pub async fn products_of_stalls<C: ConnectionTrait>(
    db: &C,
    stalls: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::StallId.is_in(stalls))
        .into_tuple()
        .all(db)
        .await
}

/// The ids of the products filed under these categories or their subcategories, `all` being
/// every category ([`categories_by_id`]).
pub async fn products_in_categories<C: ConnectionTrait>(
    db: &C,
    all: &HashMap<Uuid, category::Model>,
    categories: &BTreeSet<Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    let rows: Vec<category::Model> = all.values().cloned().collect();
    let mut ids = BTreeSet::new();
    for c in categories {
        ids.extend(crate::category::descendants(&rows, *c));
    }
    product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::CategoryId.is_in(ids))
        .into_tuple()
        .all(db)
        .await
}

/// How many products the public sees.
pub async fn count_public_products<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    crate::visibility::public_products().count(db).await
}

/// Up to `limit` products the public sees, in id order, after the product `after`.
pub async fn public_products_after<C: ConnectionTrait>(
    db: &C,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<product::Model>, DbErr> {
    let mut q = crate::visibility::public_products()
        .order_by_asc(product::Column::Id)
        .limit(limit);
    if let Some(last) = after {
        q = q.filter(product::Column::Id.gt(last));
    }
    q.all(db).await
}

/// The ids of the products whose verified certificate lapsed in the `days` before `today`.
pub async fn lapsed_certificates<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    days: i64,
) -> Result<Vec<Uuid>, DbErr> {
    product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::OcopStatus.eq(OcopStatus::Verified.as_str()))
        .filter(product::Column::OcopExpiresOn.lt(today))
        .filter(product::Column::OcopExpiresOn.gte(today - chrono::Duration::days(days)))
        .into_tuple()
        .all(db)
        .await
}
