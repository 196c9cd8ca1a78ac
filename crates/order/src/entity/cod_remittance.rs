//! The `cod_remittances` table: a carrier's statement of the cash on delivery it remitted.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cod_remittances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub carrier: String,
    pub reference: String,
    pub remitted_on: Date,
    pub uploaded_by: Uuid,
    #[sea_orm(unique)]
    pub digest: String,
    pub line_count: i32,
    pub matched_count: i32,
    pub cod_total: i64,
    pub fee_total: i64,
    pub booked_total: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
