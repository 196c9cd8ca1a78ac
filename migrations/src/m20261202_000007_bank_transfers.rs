//! Bank transfers by VietQR: each checkout paid this way has a short reference the buyer's bank
//! puts in the transfer's description, and counts what has been paid; each credit the bank
//! reports is kept once (its id is the key), matched to a checkout or waiting for a person.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("checkouts")
                    .add_column(string_len_null("reference", 16))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("checkouts")
                    .add_column(big_integer("amount_paid").default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checkouts_reference")
                    .table("checkouts")
                    .col("reference")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("bank_transfers")
                    // The bank's (or notification service's) transaction id: the key is the
                    // deduplication.
                    .col(string_len("id", 100).primary_key())
                    .col(string_len("bank", 64))
                    .col(string_len("account_no", 32))
                    .col(big_integer("amount"))
                    .col(text("description"))
                    .col(timestamp_with_time_zone("transacted_at"))
                    .col(uuid_null("checkout_id"))
                    // `matched`, `unmatched`, `returned`.
                    .col(string_len("status", 16))
                    // What it did: `exact`, `partial`, `excess`, `late`, `unmatched`.
                    .col(string_len("outcome", 16))
                    // Owed back to the payer (an excess, or a payment for a closed checkout).
                    .col(big_integer("owed_back").default(0))
                    .col(timestamp_with_time_zone("received_at"))
                    // An administrator's decision on it (assigned, returned): who, when, why.
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("note"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_bank_transfers_status")
                    .table("bank_transfers")
                    .col("status")
                    .col("received_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("bank_transfers").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_checkouts_reference")
                    .table("checkouts")
                    .to_owned(),
            )
            .await?;
        for column in ["reference", "amount_paid"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("checkouts")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
