//! The `consents` table: one row per act of accepting a version of a published policy, never
//! changed nor removed.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub version: i32,
    pub accepted_at: DateTimeUtc,
    pub client_address: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
