//! Where money owed back by hand goes: `refund_accounts`, one per order, the bank account the
//! buyer gave for a bank transfer's or a cash-on-delivery order's refund (a bank of the list,
//! its number, the holder's name as banks print it). A refund owed by hand for the order is
//! paid to it, unless the buyer gave another on a case.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("refund_accounts")
                    .col(uuid("order_id").primary_key())
                    .col(text("bank_bin"))
                    .col(text("account_no"))
                    .col(text("account_name"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refund_accounts_order")
                            .from("refund_accounts", "order_id")
                            .to("orders", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("refund_accounts").to_owned())
            .await
    }
}
