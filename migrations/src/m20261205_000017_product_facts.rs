//! What a product states on its label (origin, producer, ingredients, nutrition, a business
//! licence, ...), as one JSON text: the facts its category requires are data, checked by the
//! catalogue, so the shape may grow without a migration. Existing products start with none and
//! stay visible; their stalls see what each must complete.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("products")
                    .add_column(text_null("facts"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("products")
                    .drop_column("facts")
                    .to_owned(),
            )
            .await
    }
}
