//! A stall's logo and banner: `stalls.logo` and `stalls.banner`, each a photo uploaded to the
//! stall (its id) or an http(s) URL, null when the stall shows none. Every stall starts with
//! neither.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for column in ["logo", "banner"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("stalls")
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["banner", "logo"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("stalls")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
