//! `stall_tax_profiles`: the seller's tax code or citizen id, for the declaration.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stall_tax_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stall_id: Uuid,
    pub tax_code: Option<String>,
    pub citizen_id: Option<String>,
    pub resident: bool,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
