//! `tax_periods`: a month of Decree 117's declaration an administrator closed.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: String,
    pub closed_at: DateTimeUtc,
    pub closed_by: Option<Uuid>,
    pub sellers: i32,
    pub revenue: i64,
    pub vat: i64,
    pub pit: i64,
}

impl ActiveModelBehavior for ActiveModel {}
