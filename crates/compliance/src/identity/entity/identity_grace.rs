//! The `identity_grace` table: when an approved stall without a verified seller identity first
//! came under the rule, and what it has been told and done since.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_grace")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stall_id: Uuid,
    /// When the job first found it selling without a verified seller (its owner was told
    /// then); the grace period counts from here.
    pub started_at: DateTimeUtc,
    /// When its owner was reminded, a week before the end.
    pub warned_at: Option<DateTimeUtc>,
    /// When it was last suspended for it.
    pub suspended_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
