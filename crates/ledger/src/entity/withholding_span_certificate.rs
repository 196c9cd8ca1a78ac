//! `withholding_span_certificates`: what was withheld from a seller over a span of closed
//! months, as issued.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "withholding_span_certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub stall_id: Uuid,
    pub from_month: String,
    pub to_month: String,
    pub months: i32,
    pub revenue: i64,
    pub vat: i64,
    pub pit: i64,
    pub seller_name: String,
    pub business_type: String,
    pub tax_code: Option<String>,
    pub citizen_id: Option<String>,
    pub resident: bool,
    pub seller_address: String,
    pub platform_name: String,
    pub platform_tax_code: String,
    pub platform_address: String,
    pub issued_at: DateTimeUtc,
    pub issued_by: Option<Uuid>,
    pub replaces: Option<String>,
    pub reason: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
