//! Money owed back on bank transfers (an excess, a payment for a closed checkout, a partial
//! payment of a checkout that expired) is paid back by a person, who records the outgoing
//! transfer's bank reference on the transfer.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table("bank_transfers")
                    .add_column(string_len_null("repaid_reference", 100))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("bank_transfers")
                    .add_column(timestamp_with_time_zone_null("repaid_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["repaid_at", "repaid_reference"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("bank_transfers")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
