//! What a stall's owner was last told its products wait on: `stalls.missing_documents_told`,
//! the kinds of business documents the stall never had verified that hide its products, as a
//! JSON array of kind keys (null when none), so the notice naming them is sent once per set of
//! kinds rather than at every recheck. Every stall starts with none: the first daily recheck
//! tells the owners of stalls whose products wait on a document.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .add_column(text_null("missing_documents_told"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .drop_column("missing_documents_told")
                    .to_owned(),
            )
            .await
    }
}
