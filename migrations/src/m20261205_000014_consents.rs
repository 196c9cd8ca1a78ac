//! Consents: one row per act of a user accepting a version of a published policy (who, which
//! policy and version, when, from which client address). Rows are only ever added.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("consents")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("kind", 32))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("accepted_at"))
                    // An IPv6 address is at most 45 characters written out.
                    .col(string_len_null("client_address", 45))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consents_user")
                            .from("consents", "user_id")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consents_user")
                    .table("consents")
                    .col("user_id")
                    .col("accepted_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("consents").to_owned())
            .await
    }
}
