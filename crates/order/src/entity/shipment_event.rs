//! The `shipment_events` table: the carrier's history of a parcel, one row per event.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub at: DateTimeUtc,
    pub status: String,
    pub raw_status: String,
    pub location: Option<String>,
    pub note: Option<String>,
    pub dedupe_key: String,
    pub applied: bool,
    pub source: String,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
