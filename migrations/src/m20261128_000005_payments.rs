//! Card payments: the Stripe events already processed (so each is handled once however often
//! it is delivered), refunds owed on cancelled paid orders (retried until they succeed), and
//! when a checkout's payment arrived.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("payment_events")
                    // The provider's event id: the primary key is the deduplication.
                    .col(string_len("id", 255).primary_key())
                    .col(string_len("provider", 16))
                    .col(string_len("event_type", 64))
                    .col(string_len_null("payment_intent_id", 255))
                    // What processing the event did: `applied`, `ignored`, `unknown_intent`...
                    .col(string_len("outcome", 32))
                    .col(timestamp_with_time_zone("received_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("refunds")
                    .col(pk_uuid("id"))
                    .col(uuid("order_id").unique_key())
                    .col(uuid("checkout_id"))
                    .col(string_len("provider", 16))
                    .col(string_len("payment_intent_id", 255))
                    .col(big_integer("amount"))
                    // `queued` (to be sent or retried), `sent`, `failed` (reported by Stripe after sending).
                    .col(string_len("status", 16))
                    .col(integer("attempts").default(0))
                    .col(text_null("last_error"))
                    .col(string_len_null("provider_refund_id", 255))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("claimed_until"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refunds_order")
                            .from("refunds", "order_id")
                            .to("orders", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refunds_status_next")
                    .table("refunds")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table("checkouts")
                    .add_column(timestamp_with_time_zone_null("paid_at"))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_checkouts_intent", "payment_intent_id"),
            ("idx_checkouts_status_expires", "status"),
        ] {
            let mut idx = Index::create()
                .name(name)
                .table("checkouts")
                .col(col)
                .to_owned();
            if col == "status" {
                idx.col("expires_at");
            }
            manager.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_checkouts_intent", "idx_checkouts_status_expires"] {
            manager
                .drop_index(Index::drop().name(name).table("checkouts").to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("checkouts")
                    .drop_column("paid_at")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("refunds").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("payment_events").to_owned())
            .await
    }
}
