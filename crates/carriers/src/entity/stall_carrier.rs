//! The `stall_carriers` table: a stall's account with a carrier, its token sealed.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stall_carriers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stall_id: Uuid,
    pub carrier: String,
    pub shop_id: String,
    pub token_sealed: Option<String>,
    pub service_type_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub updated_by: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
