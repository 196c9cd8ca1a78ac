//! `withholding_certificates`: what was withheld from a seller in a closed month, as issued.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "withholding_certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub stall_id: Uuid,
    pub period: String,
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
