//! The `guest_carts` table: one row per cart of someone not signed in, known by its random id.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guest_carts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub merged_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
