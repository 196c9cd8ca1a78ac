//! Notifications and account recovery: the in-app inbox, the deliveries of email and stall
//! webhooks (an outbox the worker drains), the stalls' webhook endpoints, each user's email
//! choices, single-use account tokens (password reset, email verification; only digests are
//! stored), and the users' verified and disabled marks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for col in ["email_verified_at", "disabled_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("users")
                        .add_column(timestamp_with_time_zone_null(col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    .col(string_len("event", 40))
                    .col(string_len("title", 300))
                    .col(text("body"))
                    // The event's public facts (JSON), as the templates saw them.
                    .col(text("data"))
                    .col(uuid_null("stall_id"))
                    .col(uuid_null("order_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user")
                    .table("notifications")
                    .col("user_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("stall_webhooks")
                    .col(uuid("id").primary_key())
                    .col(uuid("stall_id"))
                    .col(string_len("url", 2048))
                    .col(string_len("secret", 100))
                    // After a rotation the old secret signs too, until `previous_until`.
                    .col(string_len_null("previous_secret", 100))
                    .col(timestamp_with_time_zone_null("previous_until"))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stall_webhooks_stall")
                    .table("stall_webhooks")
                    .col("stall_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("deliveries")
                    // A sequence: deliveries with one `ordering_key` go out in this order.
                    .col(big_pk_auto("id"))
                    .col(uuid("public_id").unique_key())
                    // email or webhook.
                    .col(string_len("channel", 16))
                    // The notification (email) or the stall event (webhook) it carries.
                    .col(uuid("source_id"))
                    // The recipient's user id (email) or the webhook's id.
                    .col(uuid("ordering_key"))
                    // The address or the URL when it was written.
                    .col(string_len("target", 2048))
                    .col(string_len("event", 40))
                    .col(string_len("subject", 300))
                    // The email's text or the webhook's JSON body; an email carrying a
                    // single-use link is emptied once sent.
                    .col(text("body"))
                    .col(boolean("sensitive"))
                    // pending, sent, failed, off (email with no SMTP configured).
                    .col(string_len("status", 16))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("claimed_until"))
                    .col(integer_null("response_status"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "idx_deliveries_once",
                &["channel", "source_id", "ordering_key"][..],
                true,
            ),
            (
                "idx_deliveries_due",
                &["status", "next_attempt_at"][..],
                false,
            ),
            ("idx_deliveries_key", &["ordering_key", "status"][..], false),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("deliveries");
            if unique {
                idx.unique();
            }
            for c in cols {
                idx.col(*c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("email_optouts")
                    .col(uuid("user_id"))
                    .col(string_len("event", 40))
                    .primary_key(Index::create().col("user_id").col("event"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("account_tokens")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    // password_reset or verify_email.
                    .col(string_len("purpose", 24))
                    .col(string_len("token_hash", 64).unique_key())
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_tokens_user")
                    .table("account_tokens")
                    .col("user_id")
                    .col("purpose")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "account_tokens",
            "email_optouts",
            "deliveries",
            "stall_webhooks",
            "notifications",
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        for col in ["disabled_at", "email_verified_at"] {
            manager
                .alter_table(Table::alter().table("users").drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
