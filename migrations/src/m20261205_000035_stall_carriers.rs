//! A stall's account with an integrated parcel carrier: `stall_carriers`, at most one per
//! stall, with the carrier's id, the stall's shop there, the service type it ships with and its
//! token sealed (XChaCha20-Poly1305 under `carriers.secret_key`, bound to the stall; null when
//! the stall relies on the platform's token). The token is never stored in clear.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("stall_carriers")
                    .col(uuid("stall_id").primary_key())
                    // The carrier's id (`ghn`).
                    .col(string_len("carrier", 32))
                    // The stall's shop at the carrier (GHN's ShopId).
                    .col(string_len("shop_id", 32))
                    // `xc1:` and base64 of nonce and ciphertext; null: the platform's token.
                    .col(text_null("token_sealed"))
                    .col(integer_null("service_type_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    // Who last set it (the owner).
                    .col(uuid("updated_by"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stall_carriers_stall")
                            .from("stall_carriers", "stall_id")
                            .to("stalls", "id"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("stall_carriers").to_owned())
            .await
    }
}
