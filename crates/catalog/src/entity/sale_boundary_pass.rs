//! The `sale_boundary_passes` table: how far the pass over sale boundaries has looked (one
//! row, named `sales`).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sale_boundary_passes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// Boundaries up to this instant have been handled.
    pub passed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
