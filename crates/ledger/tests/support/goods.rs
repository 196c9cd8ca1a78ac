//! A household business selling goods of a seeded category, withheld on under Decree 117,
//! and the entries of its orders.

use std::ops::Deref;

use catalog::stall::BusinessType;
use chrono::Duration;
use ledger::{
    Settings,
    entity::entry,
    tax::{DeliveryFeeWithholding, TaxSettings},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::stall::{Stall, open};

/// A household business (withheld on: 1 % VAT + 0.5 % PIT on goods) with a 5 % commission
/// for everything, its earnings payable at once.
pub struct Household {
    stall: Stall,
    /// A seeded category of goods, so the goods rates of Decree 117 apply.
    pub category: Uuid,
}

impl Deref for Household {
    type Target = Stall;

    fn deref(&self) -> &Stall {
        &self.stall
    }
}

/// A household business selling goods of the seeded category `slug`.
pub async fn household(db: &DatabaseConnection, slug: &str) -> Household {
    let (stall, _owner) = open(
        db,
        BusinessType::HouseholdBusiness,
        goods_withheld(),
        Some(500),
    )
    .await;
    Household {
        stall,
        category: seeded_category(db, slug).await,
    }
}

/// Earnings payable at once, the goods alone withheld on: the delivery fee at the transport
/// rates has its tests over HTTP (gateway's `withholding`).
fn goods_withheld() -> Settings {
    Settings {
        holding: Duration::zero(),
        tax: TaxSettings {
            delivery_fee: DeliveryFeeWithholding::None,
            ..Default::default()
        },
        ..Settings::default()
    }
}

/// The seeded category `slug`.
async fn seeded_category(db: &DatabaseConnection, slug: &str) -> Uuid {
    use catalog::entity::category;
    category::Entity::find()
        .filter(category::Column::Slug.eq(slug))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Every entry of an order.
pub async fn rows(db: &DatabaseConnection, order: Uuid) -> Vec<entry::Model> {
    entry::Entity::find()
        .filter(entry::Column::OrderId.eq(order))
        .all(db)
        .await
        .unwrap()
}

/// The sum of the order's entries of `kind`, reversals of it included.
pub async fn net_of(db: &DatabaseConnection, order: Uuid, kind: &str) -> i64 {
    net_of_rows(&rows(db, order).await, kind)
}

/// The sum of the entries of `kind` among `rows`, reversals of it included.
pub fn net_of_rows(rows: &[entry::Model], kind: &str) -> i64 {
    rows.iter()
        .filter(|e| e.kind == kind || e.reverses.as_deref() == Some(kind))
        .map(|e| e.amount)
        .sum()
}
