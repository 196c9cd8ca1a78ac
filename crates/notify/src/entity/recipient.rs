//! A read-only view of the `users` table (owned by the accounts crate): the address an email
//! goes to, whether the account is disabled, and whether it is an administrator's.
//! Notifications never write users.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub disabled_at: Option<DateTimeUtc>,
    pub is_admin: bool,
}

impl ActiveModelBehavior for ActiveModel {}
