//! `trade_facts`: one row per delivered order line and per refund of it, only ever added (see
//! the migration `m20261205_000038_trade_facts`).

#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trade_facts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_item_id: Uuid,
    pub stall_id: Uuid,
    pub buyer_id: Uuid,
    /// The day in Vietnam's calendar, `yyyymmdd`.
    pub day: i32,
    /// The stall's commune code when it sold.
    pub stall_commune: String,
    /// The province code of the order's delivery address (empty when unknown).
    pub buyer_province: String,
    pub product_id: Uuid,
    pub category_id: Uuid,
    /// The category's top-level ancestor: the OCOP product group.
    pub ocop_group: Uuid,
    /// The product's OCOP stars valid on the day, if any.
    pub ocop_stars: Option<i16>,
    /// Units delivered (+), or given back with a whole line's refund (−).
    pub units: i64,
    /// Goods at the price charged less the stall's own discounts (+), or refunded (−), đồng.
    pub gmv: i64,
    /// A refund's row.
    pub refund: bool,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
