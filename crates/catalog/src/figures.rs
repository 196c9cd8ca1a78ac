//! What the reports to the authorities read of the catalogue, in one query each: a sold
//! product's category, OCOP group and stars on the day of the sale; stalls whole; the stalls
//! approved in a period; the OCOP products listed by stars. Apart from [`crate::lookup`]
//! because these follow the public's rules ([`crate::visibility`]), which read the lookups.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{category, product, stall};

/// What the trade figures keep of a product sold, as it was on the day of the sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeRef {
    /// Its category.
    pub category_id: Uuid,
    /// Its OCOP product group: the category's top-level ancestor (the OCOP programme's six
    /// groups are the top of the tree).
    pub group_id: Uuid,
    /// Its OCOP stars, while its certificate is verified and unexpired on that day.
    pub ocop_stars: Option<i16>,
}

/// The trade references of the products among `ids` that exist on `day`, by product id.
pub async fn trade_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    day: chrono::NaiveDate,
) -> Result<HashMap<Uuid, TradeRef>, DbErr> {
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let parents: HashMap<Uuid, Option<Uuid>> = category::Entity::find()
        .select_only()
        .columns([category::Column::Id, category::Column::ParentId])
        .into_tuple::<(Uuid, Option<Uuid>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let group_of = |mut id: Uuid| {
        // The tree has no cycle (refused when edited); the bound only guards a corrupt one.
        for _ in 0..parents.len() {
            match parents.get(&id).copied().flatten() {
                Some(parent) => id = parent,
                None => break,
            }
        }
        id
    };
    Ok(products
        .into_iter()
        .map(|p| {
            let stars = crate::visibility::stars_valid_until(&p, day).and(p.ocop_stars);
            let r = TradeRef {
                category_id: p.category_id,
                group_id: group_of(p.category_id),
                ocop_stars: stars,
            };
            (p.id, r)
        })
        .collect())
}

/// The stalls among `ids` that exist, whole, by id (for the reports to the authorities).
pub async fn stalls_by_id<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, stall::Model>, DbErr> {
    Ok(stall::Entity::find()
        .filter(stall::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// How many stalls were first approved in `[start, end)`.
pub async fn stalls_approved_between<C: ConnectionTrait>(
    db: &C,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    stall::Entity::find()
        .filter(stall::Column::ApprovedAt.gte(start))
        .filter(stall::Column::ApprovedAt.lt(end))
        .count(db)
        .await
}

/// The products the public sees that show OCOP stars on `day`, counted by stars.
pub async fn ocop_listed<C: ConnectionTrait>(
    db: &C,
    day: chrono::NaiveDate,
) -> Result<HashMap<i16, u64>, DbErr> {
    let rows = crate::visibility::public_products()
        .filter(product::Column::OcopStars.is_not_null())
        .all(db)
        .await?;
    let mut out = HashMap::new();
    for p in rows {
        if let Some(stars) = crate::visibility::stars_valid_until(&p, day).and(p.ocop_stars) {
            *out.entry(stars).or_insert(0) += 1;
        }
    }
    Ok(out)
}
