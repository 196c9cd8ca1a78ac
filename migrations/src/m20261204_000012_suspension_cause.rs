//! Why a suspended stall is suspended, as a closed set (`moderation`: an administrator's act;
//! `owner_disabled`: its owner's account was disabled, and enabling the account reinstates it)
//! instead of a prefix of the reason's text.
//!
//! Stalls suspended before this column existed get their cause from the reason, the way it was
//! recognised until now, so enabling an account still reinstates what its disabling suspended.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The reason's prefix that marked a stall suspended because its owner was disabled.
const OWNER_DISABLED: &str = "Tài khoản chủ gian hàng đã bị khoá";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .add_column(string_len_null("suspension_cause", 32))
                    .to_owned(),
            )
            .await?;
        // `substr` counts characters on both engines; the prefix holds no quote.
        let prefix_len = OWNER_DISABLED.chars().count();
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "UPDATE stalls SET suspension_cause = 'owner_disabled' \
             WHERE status = 'suspended' \
             AND substr(status_reason, 1, {prefix_len}) = '{OWNER_DISABLED}'"
        ))
        .await?;
        db.execute_unprepared(
            "UPDATE stalls SET suspension_cause = 'moderation' \
             WHERE status = 'suspended' AND suspension_cause IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .drop_column("suspension_cause")
                    .to_owned(),
            )
            .await
    }
}
