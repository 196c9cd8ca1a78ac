//! The `shipments` table: a parcel booked with an integrated carrier, one per order.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub order_id: Uuid,
    pub stall_id: Uuid,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_no: Option<String>,
    pub label_url: Option<String>,
    pub status: String,
    pub cod_amount: i64,
    pub fee: Option<i64>,
    pub booking_key: String,
    pub booking_until: Option<DateTimeUtc>,
    pub last_event_at: Option<DateTimeUtc>,
    pub checked_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
