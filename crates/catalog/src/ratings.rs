//! Ratings: the stars buyers' reviews give a product, summed on the product (with how many
//! reviews gave each number of stars) and on its stall, so answers and search documents read
//! them without counting reviews. The reviews live elsewhere; whoever writes one calls
//! [`record`] in the same transaction, and search is told through the [`crate::outbox`].
//!
//! Every change is a relative update (`rating_count = rating_count + 1`): two reviews written
//! at once both count, whatever order their transactions commit in.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    entity::{product, stall},
    outbox,
};

/// The fewest stars a review gives.
pub const MIN_STARS: u8 = 1;
/// The most stars a review gives.
pub const MAX_STARS: u8 = 5;

/// What a review does to its product's rating: the stars it adds (a new review), those it
/// removes (a review withdrawn or hidden), or both (a review whose stars were changed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RatingChange {
    /// Stars of a review now counted, 1 to 5.
    pub add: Option<u8>,
    /// Stars of a review no longer counted, 1 to 5.
    pub remove: Option<u8>,
}

impl RatingChange {
    /// A new review of `stars`.
    pub fn add(stars: u8) -> Self {
        Self {
            add: Some(stars),
            remove: None,
        }
    }

    /// A review of `stars` no longer counted.
    pub fn remove(stars: u8) -> Self {
        Self {
            add: None,
            remove: Some(stars),
        }
    }

    /// A review whose stars changed from `from` to `to`.
    pub fn change(from: u8, to: u8) -> Self {
        Self {
            add: Some(to),
            remove: Some(from),
        }
    }

    /// How many reviews, how many stars and how many reviews of each number of stars (index 0:
    /// one star) the change adds (negative: removes).
    fn deltas(self) -> (i64, i64, [i64; 5]) {
        let mut per_star = [0i64; 5];
        let (mut count, mut sum) = (0i64, 0i64);
        for (stars, sign) in [(self.add, 1i64), (self.remove, -1i64)] {
            if let Some(s) = stars {
                count += sign;
                sum += sign * i64::from(s);
                per_star[usize::from(s - 1)] += sign;
            }
        }
        (count, sum, per_star)
    }
}

/// A rating as answers and search documents show it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    /// The average of the reviews' stars, rounded to one decimal (half up); null when no
    /// review rates it.
    #[cfg_attr(feature = "openapi", schema(example = 4.6, minimum = 1, maximum = 5))]
    pub average: Option<f64>,
    /// How many reviews rate it.
    #[cfg_attr(feature = "openapi", schema(example = 12, minimum = 0))]
    pub count: i64,
}

impl Rating {
    /// The rating of `count` reviews whose stars add up to `sum`.
    pub fn of(sum: i64, count: i64) -> Self {
        Self {
            average: average(sum, count),
            count: Ord::max(count, 0),
        }
    }

    /// A product's rating.
    pub fn of_product(p: &product::Model) -> Self {
        Self::of(p.rating_sum, p.rating_count)
    }

    /// A stall's rating (over its products' reviews).
    pub fn of_stall(s: &stall::Model) -> Self {
        Self::of(s.rating_sum, s.rating_count)
    }
}

/// A product's rating as its page shows it: [`Rating`] with how many reviews gave each
/// number of stars.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductRating {
    /// The average of the reviews' stars, rounded to one decimal (half up); null when no
    /// review rates it.
    #[cfg_attr(feature = "openapi", schema(example = 4.6, minimum = 1, maximum = 5))]
    pub average: Option<f64>,
    /// How many reviews rate it.
    #[cfg_attr(feature = "openapi", schema(example = 12, minimum = 0))]
    pub count: i64,
    /// How many reviews give it each number of stars, `"1"` to `"5"` (all 0 when none).
    pub distribution: Distribution,
}

/// How many reviews give a product 1, 2, 3, 4 and 5 stars; they add up to its `count`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"1": 0, "2": 1, "3": 0, "4": 2, "5": 9}))
)]
pub struct Distribution {
    /// Reviews of 1 star.
    #[serde(rename = "1")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, example = 0))]
    pub one: i64,
    /// Reviews of 2 stars.
    #[serde(rename = "2")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, example = 1))]
    pub two: i64,
    /// Reviews of 3 stars.
    #[serde(rename = "3")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, example = 0))]
    pub three: i64,
    /// Reviews of 4 stars.
    #[serde(rename = "4")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, example = 2))]
    pub four: i64,
    /// Reviews of 5 stars.
    #[serde(rename = "5")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, example = 9))]
    pub five: i64,
}

impl ProductRating {
    /// Product `p`'s rating and distribution.
    pub fn of(p: &product::Model) -> Self {
        let r = Rating::of_product(p);
        Self {
            average: r.average,
            count: r.count,
            distribution: Distribution {
                one: p.rating_1,
                two: p.rating_2,
                three: p.rating_3,
                four: p.rating_4,
                five: p.rating_5,
            },
        }
    }
}

/// The average of `count` reviews whose stars add up to `sum`, rounded to one decimal (half
/// up, in integers: 4.25 is 4.3); `None` when there is none.
pub fn average(sum: i64, count: i64) -> Option<f64> {
    if count <= 0 {
        return None;
    }
    let tenths = (sum * 20 + count) / (count * 2);
    Some(tenths as f64 / 10.0)
}

fn check(stars: Option<u8>) -> common::Result<()> {
    match stars {
        Some(s) if !(MIN_STARS..=MAX_STARS).contains(&s) => Err(common::Error::internal(format!(
            "a review of {s} stars cannot be rated"
        ))),
        _ => Ok(()),
    }
}

fn plus(column: impl ColumnTrait + Copy, delta: i64) -> SimpleExpr {
    Expr::col(column).add(delta)
}

/// Applies `change` to product `product_id`'s rating and to its stall's, in the caller's
/// transaction `conn`, and tells search both changed. Stars outside 1..=5, a product that
/// does not exist, or a removal the sums do not hold (counts would go below zero) are
/// internal errors: the caller's reviews and these sums disagree, and its transaction must
/// roll back. A change that adds what it removes changes nothing and writes nothing.
///
/// The product's row is updated before its stall's, the order a stall's document check and
/// a checkout (which locks products, never stalls) take them in.
pub async fn record(
    conn: &impl ConnectionTrait,
    product_id: Uuid,
    change: RatingChange,
) -> common::Result<()> {
    check(change.add)?;
    check(change.remove)?;
    if change.add == change.remove {
        return Ok(());
    }
    let stall_id: Uuid = product::Entity::find_by_id(product_id)
        .select_only()
        .column(product::Column::StallId)
        .into_tuple()
        .one(conn)
        .await?
        .ok_or_else(|| common::Error::internal(format!("no product {product_id} to rate")))?;
    let (count, sum, per_star) = change.deltas();

    let star_columns = [
        product::Column::Rating1,
        product::Column::Rating2,
        product::Column::Rating3,
        product::Column::Rating4,
        product::Column::Rating5,
    ];
    let mut update = product::Entity::update_many()
        .col_expr(
            product::Column::RatingCount,
            plus(product::Column::RatingCount, count),
        )
        .col_expr(
            product::Column::RatingSum,
            plus(product::Column::RatingSum, sum),
        )
        .filter(product::Column::Id.eq(product_id))
        .filter(product::Column::RatingCount.gte(-count))
        .filter(product::Column::RatingSum.gte(-sum));
    for (column, delta) in star_columns.into_iter().zip(per_star) {
        if delta != 0 {
            update = update
                .col_expr(column, plus(column, delta))
                .filter(column.gte(-delta));
        }
    }
    let product_rows = update.exec(conn).await?.rows_affected;

    let stall_rows = stall::Entity::update_many()
        .col_expr(
            stall::Column::RatingCount,
            plus(stall::Column::RatingCount, count),
        )
        .col_expr(
            stall::Column::RatingSum,
            plus(stall::Column::RatingSum, sum),
        )
        .filter(stall::Column::Id.eq(stall_id))
        .filter(stall::Column::RatingCount.gte(-count))
        .filter(stall::Column::RatingSum.gte(-sum))
        .exec(conn)
        .await?
        .rows_affected;
    if product_rows != 1 || stall_rows != 1 {
        return Err(common::Error::internal(format!(
            "the ratings of product {product_id} and its stall hold no such review to remove"
        )));
    }

    outbox::enqueue(conn, outbox::Entity::Product, product_id).await?;
    outbox::enqueue(conn, outbox::Entity::Stall, stall_id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{RatingChange, average};

    #[test]
    fn averages_round_half_up_to_one_decimal() {
        assert_eq!(average(0, 0), None);
        assert_eq!(average(5, 1), Some(5.0));
        assert_eq!(average(9, 2), Some(4.5));
        // 17 / 4 = 4.25 → 4.3; 13 / 3 = 4.333… → 4.3; 14 / 3 = 4.666… → 4.7.
        assert_eq!(average(17, 4), Some(4.3));
        assert_eq!(average(13, 3), Some(4.3));
        assert_eq!(average(14, 3), Some(4.7));
        assert_eq!(average(1, 1), Some(1.0));
    }

    #[test]
    fn a_change_moves_the_counts_it_names() {
        assert_eq!(RatingChange::add(4).deltas(), (1, 4, [0, 0, 0, 1, 0]));
        assert_eq!(RatingChange::remove(2).deltas(), (-1, -2, [0, -1, 0, 0, 0]));
        assert_eq!(
            RatingChange::change(1, 5).deltas(),
            (0, 4, [-1, 0, 0, 0, 1])
        );
    }
}
