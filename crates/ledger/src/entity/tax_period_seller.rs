//! `tax_period_sellers`: a withheld seller's figures as declared for a closed month.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_period_sellers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stall_id: Uuid,
    pub name: String,
    pub business_type: String,
    pub tax_code: Option<String>,
    pub citizen_id: Option<String>,
    pub resident: bool,
    pub address: String,
    pub revenue: i64,
    pub vat: i64,
    pub pit: i64,
    pub carry_revenue: i64,
    pub carry_vat: i64,
    pub carry_pit: i64,
}

impl ActiveModelBehavior for ActiveModel {}
