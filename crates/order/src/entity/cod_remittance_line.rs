//! The `cod_remittance_lines` table: a line of a carrier's remittance statement, with the
//! order it was matched to and the result.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cod_remittance_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub remittance_id: Uuid,
    pub line_no: i32,
    pub tracking_no: Option<String>,
    pub order_number: Option<String>,
    pub cod_amount: i64,
    pub fee: i64,
    pub order_id: Option<Uuid>,
    pub stall_id: Option<Uuid>,
    pub expected: Option<i64>,
    pub result: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
