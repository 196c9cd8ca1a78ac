//! Storing a product's variants (with their sales), and reading them: with the product's
//! views, and as offers a cart prices.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use common::validate::Validator;
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
    sale::{self, Sale, SaleInput},
    variant::{CheckedVariant, Variant},
};

/// The sale stored on a variant's row.
pub(crate) fn sale_of(v: &variant::Model) -> Option<Sale> {
    Sale::from_columns(v.sale_price, v.sale_starts_at, v.sale_ends_at)
}

/// The price in force at `at` of a stored variant.
pub(crate) fn price_now(v: &variant::Model, at: DateTime<Utc>) -> i64 {
    sale::price_at(v.price, sale_of(v).as_ref(), at)
}

/// A stored variant as answers show it at `at` (which decides the price in force).
pub(crate) fn view(v: variant::Model, at: DateTime<Utc>) -> Variant {
    let price_in_force = price_now(&v, at);
    Variant {
        id: v.id,
        name: v.name,
        sku: v.sku,
        barcode: v.barcode,
        price: v.price,
        compare_at_price: v.compare_at_price,
        on_sale: price_in_force != v.price,
        price_in_force,
        sale_price: v.sale_price,
        sale_starts_at: v.sale_starts_at,
        sale_ends_at: v.sale_ends_at,
        stock: v.stock,
        weight_grams: v.weight_grams,
        images: photos::image_urls(&v.images),
        sales_count: v.sales_count,
    }
}

/// The variants of `products`, each product's in their order, with their prices in force at
/// `at`.
pub(crate) async fn of<C: ConnectionTrait>(
    db: &C,
    products: &[Uuid],
    at: DateTime<Utc>,
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
        out.entry(v.product_id).or_default().push(view(v, at));
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
    /// The lowest regular price.
    pub price: i64,
    /// The highest regular price.
    pub price_max: i64,
    /// The lowest price in force.
    pub price_now: i64,
    /// The highest price in force.
    pub price_now_max: i64,
    /// Units in stock of all.
    pub stock: i64,
}

/// What a product's row keeps of `variants`, each a regular price, a price in force and a
/// stock.
pub(crate) fn sums(variants: impl Iterator<Item = (i64, i64, i64)> + Clone) -> Sums {
    Sums {
        price: variants.clone().map(|v| v.0).min().unwrap_or(0),
        price_max: variants.clone().map(|v| v.0).max().unwrap_or(0),
        price_now: variants.clone().map(|v| v.1).min().unwrap_or(0),
        price_now_max: variants.clone().map(|v| v.1).max().unwrap_or(0),
        stock: variants.map(|v| v.2).sum(),
    }
}

/// Writes on `product_id`'s row the sums of its stored variants, prices in force at `at`.
/// The caller holds the product's row (or, for a sale boundary, writes only prices).
pub(crate) async fn write_sums<C: ConnectionTrait>(
    txn: &C,
    product_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Sums> {
    let stored = rows(txn, product_id).await?;
    let sums = sums(stored.iter().map(|r| (r.price, price_now(r, at), r.stock)));
    product::Entity::update_many()
        .col_expr(product::Column::Price, Expr::value(sums.price))
        .col_expr(product::Column::PriceMax, Expr::value(sums.price_max))
        .col_expr(product::Column::PriceNow, Expr::value(sums.price_now))
        .col_expr(
            product::Column::PriceNowMax,
            Expr::value(sums.price_now_max),
        )
        .col_expr(product::Column::Stock, Expr::value(sums.stock))
        .filter(product::Column::Id.eq(product_id))
        .exec(txn)
        .await?;
    Ok(sums)
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
    write_sums(txn, product_id, now).await?;
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
        sale_price: Set(v.sale.map(|s| s.price)),
        sale_starts_at: Set(v.sale.map(|s| s.starts_at)),
        sale_ends_at: Set(v.sale.map(|s| s.ends_at)),
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

/// Which of a body's sale fields are given (a product's one variant's sale, beside its
/// `variants` list).
pub(super) fn sale_given(sale: SaleInput) -> Vec<&'static str> {
    [
        ("sale_price", sale.price.is_some()),
        ("sale_starts_at", sale.starts_at.is_some()),
        ("sale_ends_at", sale.ends_at.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, is)| is.then_some(field))
    .collect()
}

impl Catalog {
    /// The one variant `only` of a product as `patch` changes it: its price, stock, weight and
    /// sale (`sale_*`: all three null end it). A stored sale not yet over is checked again
    /// against a new price.
    pub(super) fn patched_only(
        &self,
        v: &mut Validator,
        only: &variant::Model,
        patch: &crate::product::ProductPatch,
    ) -> CheckedVariant {
        if let Some(p) = patch.price {
            crate::product::rules::price(v, p);
        }
        if let Some(s) = patch.stock {
            crate::product::rules::stock(v, s);
        }
        let price = patch.price.unwrap_or(only.price);
        let (rules, now) = self.sale_rules_now();
        let sale = match (patch.sale_change(), sale_of(only)) {
            (Some(input), _) => crate::sale::check(v, "", price, input, (rules, now)),
            (None, Some(s)) if s.ends_at > now && patch.price.is_some() => {
                crate::sale::check(v, "", price, SaleInput::of(Some(&s)), (rules, now))
            }
            (None, stored) => stored,
        };
        let weight = patch.weight_grams;
        CheckedVariant {
            id: Some(only.id),
            name: only.name.clone(),
            sku: only.sku.clone(),
            barcode: only.barcode.clone(),
            price: patch.price.unwrap_or(only.price),
            compare_at_price: only
                .compare_at_price
                .filter(|c| *c > patch.price.unwrap_or(only.price)),
            sale,
            stock: patch.stock,
            weight_grams: weight.unwrap_or(only.weight_grams),
            images: serde_json::from_str(&only.images).unwrap_or_default(),
        }
    }

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
