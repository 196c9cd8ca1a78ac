//! The `policy_versions` table: every published version of every policy, never changed once
//! published.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub effective_from: DateTimeUtc,
    pub published_at: DateTimeUtc,
    /// The administrator who published it; none for the starting texts.
    pub published_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
