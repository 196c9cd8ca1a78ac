//! What other domains read of the catalogue by id, in one query each: a stall's public
//! reference, a product's category. They read through these, never the catalogue's tables.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    entity::{product, stall},
    product::StallRef,
};

/// The stalls among `ids` that exist, by id.
pub async fn stall_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, StallRef>, DbErr> {
    let rows: Vec<(Uuid, String, String)> = stall::Entity::find()
        .select_only()
        .columns([stall::Column::Id, stall::Column::Slug, stall::Column::Name])
        .filter(stall::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, name)| (id, StallRef { id, slug, name }))
        .collect())
}

/// The category of each product among `ids` that exists, by product id.
pub async fn product_categories<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Uuid>, DbErr> {
    let rows: Vec<(Uuid, Uuid)> = product::Entity::find()
        .select_only()
        .columns([product::Column::Id, product::Column::CategoryId])
        .filter(product::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
