//! What other domains read of the catalogue, in one query each: a stall's public reference
//! and its owner, a product's category, the categories. They read through these, never the
//! catalogue's tables.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{
    entity::{category, product, stall},
    product::{CategoryRef, StallRef},
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

/// A stall and who owns it (to tell its owner).
#[derive(Clone, Debug)]
pub struct OwnedStall {
    /// The stall's public reference.
    pub stall: StallRef,
    /// Its owner.
    pub owner_id: Uuid,
}

/// Stall `id` with its owner, if it exists.
pub async fn owned_stall<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<OwnedStall>, DbErr> {
    Ok(stall::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|s| OwnedStall {
            stall: StallRef {
                id: s.id,
                slug: s.slug,
                name: s.name,
            },
            owner_id: s.owner_id,
        }))
}

/// Every category, by name.
pub async fn categories<C: ConnectionTrait>(db: &C) -> Result<Vec<CategoryRef>, DbErr> {
    category_refs(db, category::Entity::find()).await
}

/// The categories with one of `slugs`.
pub async fn categories_by_slug<C: ConnectionTrait>(
    db: &C,
    slugs: impl IntoIterator<Item = String>,
) -> Result<Vec<CategoryRef>, DbErr> {
    category_refs(
        db,
        category::Entity::find().filter(category::Column::Slug.is_in(slugs)),
    )
    .await
}

async fn category_refs<C: ConnectionTrait>(
    db: &C,
    q: sea_orm::Select<category::Entity>,
) -> Result<Vec<CategoryRef>, DbErr> {
    let rows: Vec<(Uuid, String, String)> = q
        .select_only()
        .columns([
            category::Column::Id,
            category::Column::Slug,
            category::Column::Name,
        ])
        .order_by_asc(category::Column::Name)
        .order_by_asc(category::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, name)| CategoryRef { id, slug, name })
        .collect())
}
