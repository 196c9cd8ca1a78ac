//! A stall's sales figures over a period of Vietnam's calendar, for its members and the
//! administrators: by day, the orders placed, their revenue and units, and the products that
//! sold most.
//!
//! What counts: an order counts on the day it was placed (Vietnam's calendar) once it is
//! `placed` (cash on delivery at checkout, an online payment once paid) and as long as it is not
//! `cancelled` (by the buyer, rejected by the stall, or unpaid in time) or `returned` (the
//! carrier brought the parcel back): `placed`,
//! `confirmed`, `shipped` and `delivered` orders. Its **revenue** is the goods value of its
//! lines (unit price × quantity, delivery fees excluded) less the discounts the stall funded on
//! them (its vouchers; the platform's are paid to the stall, so they stay its revenue), less
//! what was refunded or is owed back on it (a whole refund takes all of it, a case's refund
//! its share of the revenue: the refund and the platform's part of it, as the ledger gives
//! back), never below zero; it is counted on the order's day, not the refund's. **Units** are
//! the quantities of its lines. The **discounts** on the orders are shown by who funded them.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use common::{Actor, FieldCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    OrderError, Orders,
    entity::{order, order_discount, order_item, refund},
    error::Result,
    status::OrderStatus,
    types::{Stored, stored},
};

/// The longest period asked for, in days (both ends included).
pub const MAX_DAYS: i64 = 366;

/// How many of the best-selling products the figures list.
pub const TOP_PRODUCTS: usize = 10;

/// The statuses an order counts in (not `cancelled`, nor `returned`: the carrier brought the
/// goods back, so nothing was sold).
const COUNTED: [OrderStatus; 4] = [
    OrderStatus::Placed,
    OrderStatus::Confirmed,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
];

/// One day's figures, or a period's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Orders placed and not cancelled.
    pub orders: i64,
    /// Their goods value net of the stall's own discounts and of refunds, in đồng (delivery
    /// fees excluded).
    pub revenue: i64,
    /// Units sold on them.
    pub units: i64,
    /// Discounts the stall funded on them (its vouchers, goods and delivery), in đồng.
    pub stall_discounts: i64,
    /// Discounts the platform funded on them (its vouchers, goods and delivery), in đồng:
    /// the platform pays them to the stall.
    pub platform_discounts: i64,
}

impl Figures {
    /// These figures and `d`'s together.
    fn plus(self, d: &Figures) -> Figures {
        Figures {
            orders: self.orders + d.orders,
            revenue: self.revenue.saturating_add(d.revenue),
            units: self.units.saturating_add(d.units),
            stall_discounts: self.stall_discounts.saturating_add(d.stall_discounts),
            platform_discounts: self.platform_discounts.saturating_add(d.platform_discounts),
        }
    }
}

/// A day's figures.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayFigures {
    /// The day (Vietnam's calendar).
    pub date: NaiveDate,
    /// Orders placed that day and not cancelled.
    pub orders: i64,
    /// Their goods value net of the stall's own discounts and of refunds, in đồng.
    pub revenue: i64,
    /// Units sold on them.
    pub units: i64,
    /// Discounts the stall funded on them, in đồng.
    pub stall_discounts: i64,
    /// Discounts the platform funded on them, in đồng.
    pub platform_discounts: i64,
}

/// A product among those that sold most.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopProduct {
    /// The product.
    pub product_id: Uuid,
    /// Its name, as an order line of the period has it.
    pub name: String,
    /// Units sold in the period.
    pub units: i64,
    /// Their goods value in đồng (before refunds).
    pub revenue: i64,
}

/// A stall's sales figures over a period.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StallStats {
    /// The stall.
    pub stall_id: Uuid,
    /// The first day (Vietnam's calendar).
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// The whole period's figures.
    pub totals: Figures,
    /// Every day of the period, oldest first (days without orders show zeros).
    pub days: Vec<DayFigures>,
    /// The products that sold most units, at most ten, most first.
    pub top_products: Vec<TopProduct>,
}

impl Orders {
    /// A stall's sales figures from `from` to `to` (days of Vietnam's calendar, both included,
    /// at most [`MAX_DAYS`]): members and administrators; not found for anyone else.
    pub async fn stall_stats<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<StallStats> {
        check_period(from, to)?;
        let (stall, standing) = self.catalog().standing(db, actor, stall).await?;
        if standing.is_none() {
            return Err(OrderError::NotFound("Stall"));
        }
        let orders: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> = order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .column(order::Column::CreatedAt)
            .filter(order::Column::StallId.eq(stall.id))
            .filter(order::Column::Status.is_in(COUNTED.iter().map(|s| s.as_str())))
            .filter(order::Column::CreatedAt.gte(common::calendar::start_of(from)))
            .filter(order::Column::CreatedAt.lt(common::calendar::day_bounds(to).1))
            .into_tuple()
            .all(db)
            .await?;
        let lines = lines_of(db, &orders).await?;
        let refunded = refunds_of(db, &orders).await?;
        let discounts = discounts_of(db, &orders).await?;
        let mut days: BTreeMap<NaiveDate, Figures> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|d| (d, Figures::default()))
            .collect();
        let mut products: HashMap<Uuid, TopProduct> = HashMap::new();
        for (id, at) in &orders {
            let day = days.entry(common::calendar::day_of(*at)).or_default();
            let mut goods = 0i64;
            for l in lines.get(id).into_iter().flatten() {
                let value = l.unit_price.saturating_mul(l.quantity);
                goods = goods.saturating_add(value);
                day.units = day.units.saturating_add(l.quantity);
                let p = products.entry(l.product_id).or_insert_with(|| TopProduct {
                    product_id: l.product_id,
                    name: l.name.clone(),
                    units: 0,
                    revenue: 0,
                });
                p.units = p.units.saturating_add(l.quantity);
                p.revenue = p.revenue.saturating_add(value);
            }
            let off = discounts.get(id).copied().unwrap_or_default();
            let back = refunded.get(id).copied().unwrap_or(0);
            day.orders += 1;
            day.revenue = day.revenue.saturating_add(off.revenue(goods, back));
            day.stall_discounts = day.stall_discounts.saturating_add(off.stall);
            day.platform_discounts = day.platform_discounts.saturating_add(off.platform);
        }
        Ok(StallStats {
            stall_id: stall.id,
            from,
            to,
            totals: days.values().fold(Figures::default(), Figures::plus),
            days: days
                .into_iter()
                .map(|(date, f)| DayFigures {
                    date,
                    orders: f.orders,
                    revenue: f.revenue,
                    units: f.units,
                    stall_discounts: f.stall_discounts,
                    platform_discounts: f.platform_discounts,
                })
                .collect(),
            top_products: top(products),
        })
    }
}

/// `to` not before `from`, and at most [`MAX_DAYS`] days in all.
fn check_period(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(common::Error::invalid_field(
            "to",
            FieldCode::BeforeOther,
            "must not be before from",
        )
        .into());
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(common::Error::invalid_field(
            "to",
            FieldCode::OutOfRange,
            "must be at most 366 days after from",
        )
        .into());
    }
    Ok(())
}

/// The lines of `orders`, by order (read a chunk of orders at a time: a query names at most
/// so many ids).
async fn lines_of<C: ConnectionTrait>(
    db: &C,
    orders: &[(Uuid, chrono::DateTime<chrono::Utc>)],
) -> Result<HashMap<Uuid, Vec<order_item::Model>>> {
    let mut out: HashMap<Uuid, Vec<order_item::Model>> = HashMap::new();
    for chunk in orders.chunks(500) {
        let rows = order_item::Entity::find()
            .filter(order_item::Column::OrderId.is_in(chunk.iter().map(|(id, _)| *id)))
            .all(db)
            .await?;
        for l in rows {
            out.entry(l.order_id).or_default().push(l);
        }
    }
    Ok(out)
}

/// What was refunded or is owed back on each of `orders`, in đồng.
async fn refunds_of<C: ConnectionTrait>(
    db: &C,
    orders: &[(Uuid, chrono::DateTime<chrono::Utc>)],
) -> Result<HashMap<Uuid, i64>> {
    let mut out: HashMap<Uuid, i64> = HashMap::new();
    for chunk in orders.chunks(500) {
        let rows: Vec<(Uuid, i64)> = refund::Entity::find()
            .select_only()
            .column(refund::Column::OrderId)
            .column(refund::Column::Amount)
            .filter(refund::Column::OrderId.is_in(chunk.iter().map(|(id, _)| *id)))
            .into_tuple()
            .all(db)
            .await?;
        for (order, amount) in rows {
            let sum = out.entry(order).or_default();
            *sum = sum.saturating_add(amount);
        }
    }
    Ok(out)
}

/// An order's discounts by who funds them: all of the stall's and the platform's, and the
/// goods parts of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Off {
    stall: i64,
    platform: i64,
    stall_goods: i64,
    platform_goods: i64,
}

impl Off {
    /// The revenue of an order of `goods` with `back` refunded or owed back: the goods less
    /// the stall's own discount, less the refund's share of it (the refund and the platform's
    /// part of it: the refund is in what the buyer paid, the goods less both funders'
    /// discounts); a whole refund (at least what the buyer paid) takes all of it.
    fn revenue(&self, goods: i64, back: i64) -> i64 {
        let revenue = goods.saturating_sub(self.stall_goods).max(0);
        let paid = revenue.saturating_sub(self.platform_goods);
        if back <= 0 {
            return revenue;
        }
        if back >= paid {
            return 0;
        }
        let taken = i128::from(back) * i128::from(revenue) / i128::from(paid.max(1));
        revenue
            .saturating_sub(i64::try_from(taken).unwrap_or(i64::MAX))
            .max(0)
    }
}

/// The discounts of each of `orders` by who funds them (read a chunk of orders at a time).
async fn discounts_of<C: ConnectionTrait>(
    db: &C,
    orders: &[(Uuid, chrono::DateTime<chrono::Utc>)],
) -> Result<HashMap<Uuid, Off>> {
    let mut out: HashMap<Uuid, Off> = HashMap::new();
    for chunk in orders.chunks(500) {
        let rows = order_discount::Entity::find()
            .filter(order_discount::Column::OrderId.is_in(chunk.iter().map(|(id, _)| *id)))
            .all(db)
            .await?;
        for d in rows {
            let off = out.entry(d.order_id).or_default();
            let all = d.goods_amount.saturating_add(d.delivery_amount);
            match stored::<ledger::Funder>(&d.funded_by)? {
                ledger::Funder::Stall => {
                    off.stall = off.stall.saturating_add(all);
                    off.stall_goods = off.stall_goods.saturating_add(d.goods_amount);
                }
                ledger::Funder::Platform => {
                    off.platform = off.platform.saturating_add(all);
                    off.platform_goods = off.platform_goods.saturating_add(d.goods_amount);
                }
            }
        }
    }
    Ok(out)
}

/// The [`TOP_PRODUCTS`] products that sold most units (then most revenue, then by id).
fn top(products: HashMap<Uuid, TopProduct>) -> Vec<TopProduct> {
    let mut all: Vec<TopProduct> = products.into_values().collect();
    all.sort_by(|a, b| {
        b.units
            .cmp(&a.units)
            .then(b.revenue.cmp(&a.revenue))
            .then(a.product_id.cmp(&b.product_id))
    });
    all.truncate(TOP_PRODUCTS);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn revenue_is_the_goods_less_the_stalls_discount_and_the_refunds_share() {
        let none = Off::default();
        assert_eq!(none.revenue(460_000, 0), 460_000);
        assert_eq!(none.revenue(460_000, 100_000), 360_000);
        // A whole refund (goods and delivery) takes all of it.
        assert_eq!(none.revenue(460_000, 490_000), 0);
        let both = Off {
            stall: 60_000,
            platform: 40_000,
            stall_goods: 60_000,
            platform_goods: 40_000,
        };
        assert_eq!(both.revenue(460_000, 0), 400_000);
        // 90 000 of the 360 000 paid for the goods: a quarter of the revenue.
        assert_eq!(both.revenue(460_000, 90_000), 300_000);
        assert_eq!(both.revenue(460_000, 360_000), 0);
    }

    #[test]
    fn a_period_is_at_most_366_days_and_in_order() {
        assert!(check_period(day("2026-01-01"), day("2026-01-01")).is_ok());
        assert!(check_period(day("2025-01-01"), day("2026-01-01")).is_ok());
        assert!(check_period(day("2024-01-01"), day("2024-12-31")).is_ok());
        assert!(check_period(day("2025-01-01"), day("2026-01-02")).is_err());
        assert!(check_period(day("2026-01-02"), day("2026-01-01")).is_err());
    }
}
