//! Storing a product's variants, and reading them: with the product's views, and as offers a
//! cart prices.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder,
    Set, sea_query::Expr,
};
use uuid::Uuid;

use super::{Catalog, visible_products};
use crate::{
    entity::{product, product_variant as variant},
    error::Result,
    offer::Offer,
    photos,
    variant::{CheckedVariant, Variant},
};

/// A stored variant as answers show it.
pub(crate) fn view(v: variant::Model) -> Variant {
    Variant {
        id: v.id,
        name: v.name,
        sku: v.sku,
        barcode: v.barcode,
        price: v.price,
        compare_at_price: v.compare_at_price,
        stock: v.stock,
        weight_grams: v.weight_grams,
        images: photos::image_urls(&v.images),
        sales_count: v.sales_count,
    }
}

/// The variants of `products`, each product's in their order.
pub(crate) async fn of<C: ConnectionTrait>(
    db: &C,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Variant>>> {
    let mut out: HashMap<Uuid, Vec<Variant>> = HashMap::new();
    if products.is_empty() {
        return Ok(out);
    }
    for v in variant::Entity::find()
        .filter(variant::Column::ProductId.is_in(products.iter().copied()))
        .order_by_asc(variant::Column::ProductId)
        .order_by_asc(variant::Column::Position)
        .all(db)
        .await?
    {
        out.entry(v.product_id).or_default().push(view(v));
    }
    Ok(out)
}

/// The stored rows of one product's variants, in their order.
pub(crate) async fn rows<C: ConnectionTrait>(
    db: &C,
    product_id: Uuid,
) -> Result<Vec<variant::Model>> {
    Ok(variant::Entity::find()
        .filter(variant::Column::ProductId.eq(product_id))
        .order_by_asc(variant::Column::Position)
        .all(db)
        .await?)
}

/// What a product's row keeps of its variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sums {
    /// The lowest price.
    pub price: i64,
    /// The highest price.
    pub price_max: i64,
    /// Units in stock of all.
    pub stock: i64,
}

/// What a product's row keeps of `variants`, each a price and a stock.
pub(crate) fn sums(variants: impl Iterator<Item = (i64, i64)> + Clone) -> Sums {
    Sums {
        price: variants.clone().map(|v| v.0).min().unwrap_or(0),
        price_max: variants.clone().map(|v| v.0).max().unwrap_or(0),
        stock: variants.map(|v| v.1).sum(),
    }
}

fn images_json(images: &[String]) -> String {
    serde_json::to_string(images).unwrap_or_else(|_| "[]".into())
}

/// Stores `variants` as the whole list of `product_id`'s: rows named by id are changed, the
/// others are added (the first of a new product takes the product's id), and rows not named
/// are removed (their cart lines go with them). The caller holds the product's row.
pub(crate) async fn store<C: ConnectionTrait>(
    txn: &C,
    product_id: Uuid,
    variants: &[CheckedVariant],
    now: DateTime<Utc>,
) -> Result<()> {
    let kept: Vec<Uuid> = variants.iter().filter_map(|v| v.id).collect();
    variant::Entity::delete_many()
        .filter(variant::Column::ProductId.eq(product_id))
        .filter(variant::Column::Id.is_not_in(kept))
        .exec(txn)
        .await?;
    let fresh_product = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(product_id))
        .one(txn)
        .await?
        .is_none()
        && variant::Entity::find_by_id(product_id)
            .one(txn)
            .await?
            .is_none();
    for (i, v) in variants.iter().enumerate() {
        let position = i32::try_from(i).unwrap_or(i32::MAX);
        match v.id {
            Some(id) => update_row(txn, (product_id, id), position, v, now).await?,
            None => {
                let id = if i == 0 && fresh_product {
                    product_id
                } else {
                    Uuid::now_v7()
                };
                insert_row(txn, (product_id, id), position, v, now).await?;
            }
        }
    }
    // The sums of the rows as they now are: the caller holds the product's row, so no
    // checkout changes them meanwhile.
    let stored = rows(txn, product_id).await?;
    let sums = sums(stored.iter().map(|r| (r.price, r.stock)));
    product::Entity::update_many()
        .col_expr(product::Column::Price, Expr::value(sums.price))
        .col_expr(product::Column::PriceMax, Expr::value(sums.price_max))
        .col_expr(product::Column::Stock, Expr::value(sums.stock))
        .filter(product::Column::Id.eq(product_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The columns `v` sets on a stored variant at `position`, at `now`.
fn columns(v: &CheckedVariant, position: i32, now: DateTime<Utc>) -> variant::ActiveModel {
    variant::ActiveModel {
        position: Set(position),
        name: Set(v.name.clone()),
        sku: Set(v.sku.clone()),
        barcode: Set(v.barcode.clone()),
        price: Set(v.price),
        compare_at_price: Set(v.compare_at_price),
        stock: v.stock.map_or(NotSet, Set),
        weight_grams: Set(v.weight_grams),
        images: Set(images_json(&v.images)),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Changes the stored variant `id` of `product_id` to `v`, at `position`.
async fn update_row<C: ConnectionTrait>(
    txn: &C,
    (product_id, id): (Uuid, Uuid),
    position: i32,
    v: &CheckedVariant,
    now: DateTime<Utc>,
) -> Result<()> {
    variant::Entity::update_many()
        .set(columns(v, position, now))
        .filter(variant::Column::Id.eq(id))
        .filter(variant::Column::ProductId.eq(product_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Stores `v` as the new variant `id` of `product_id`, at `position`.
async fn insert_row<C: ConnectionTrait>(
    txn: &C,
    (product_id, id): (Uuid, Uuid),
    position: i32,
    v: &CheckedVariant,
    now: DateTime<Utc>,
) -> Result<()> {
    variant::ActiveModel {
        id: Set(id),
        product_id: Set(product_id),
        stock: Set(v.stock.unwrap_or(0)),
        sales_count: Set(0),
        created_at: Set(now),
        ..columns(v, position, now)
    }
    .insert(txn)
    .await?;
    Ok(())
}

impl Catalog {
    /// The variants on sale among `ids`, each with its product as the public sees it, keyed
    /// by the id asked. An id may name a variant, or a product (its first variant): what a
    /// cart line names.
    pub async fn visible_offers<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Offer>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let named = variant::Entity::find()
            .filter(variant::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        let mut asked: Vec<(Uuid, Uuid, Uuid)> =
            named.iter().map(|v| (v.id, v.product_id, v.id)).collect();
        // Ids that are no variant's: products, by their first variant.
        let rest: Vec<Uuid> = ids
            .iter()
            .copied()
            .filter(|id| !named.iter().any(|v| v.id == *id))
            .collect();
        let mut product_ids: Vec<Uuid> = named.iter().map(|v| v.product_id).collect();
        product_ids.extend(rest.iter().copied());
        product_ids.sort_unstable();
        product_ids.dedup();
        let rows = visible_products()
            .filter(product::Column::Id.is_in(product_ids))
            .all(db)
            .await?;
        let products: HashMap<Uuid, _> = self
            .views(db, rows, false)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        for id in rest {
            if let Some(first) = products.get(&id).and_then(|p| p.variants.first()) {
                asked.push((id, id, first.id));
            }
        }
        let mut out = HashMap::with_capacity(asked.len());
        for (key, product_id, variant_id) in asked {
            let Some(p) = products.get(&product_id) else {
                continue;
            };
            if let Some(v) = p.variants.iter().find(|v| v.id == variant_id) {
                out.insert(
                    key,
                    Offer {
                        product: p.clone(),
                        variant: v.clone(),
                    },
                );
            }
        }
        Ok(out)
    }
}

/// The ids of the variants of product `id`, and `id` itself when it names a variant: what a
/// cart line named by `id` may be.
pub async fn line_ids<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    ids.push(id);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The product of each variant of `ids` that exists, on sale or not.
pub async fn products_of<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (Uuid, String)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(variant::Entity::find()
        .filter(variant::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, (v.product_id, v.name)))
        .collect())
}
