//! Published policies: versioned texts (operating rules, privacy, returns, shipping, payment,
//! complaints), each version with the date it takes effect. A fresh database gets version 1 of
//! each kind from `config/policies/`, effective at once, so a new install publishes policies
//! from its first start; the operator publishes its own versions over them.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The starting texts by kind: a title line (`# ...`), then the body.
const STARTING: [(&str, &str); 6] = [
    (
        "operating_rules",
        include_str!("../../config/policies/operating_rules.md"),
    ),
    ("privacy", include_str!("../../config/policies/privacy.md")),
    ("returns", include_str!("../../config/policies/returns.md")),
    (
        "shipping",
        include_str!("../../config/policies/shipping.md"),
    ),
    ("payment", include_str!("../../config/policies/payment.md")),
    (
        "complaints",
        include_str!("../../config/policies/complaints.md"),
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("policy_versions")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 32))
                    .col(integer("version"))
                    .col(string_len("title", 200))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("effective_from"))
                    .col(timestamp_with_time_zone("published_at"))
                    // The administrator who published it; none for the starting texts.
                    .col(uuid_null("published_by"))
                    .to_owned(),
            )
            .await?;
        // One number per version of a kind: two publications at once cannot both be "next".
        manager
            .create_index(
                Index::create()
                    .name("uq_policy_versions_kind_version")
                    .table("policy_versions")
                    .col("kind")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await?;
        seed(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("policy_versions").to_owned())
            .await
    }
}

/// Version 1 of each kind, effective now.
async fn seed(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let now = sea_orm_migration::sea_orm::prelude::DateTimeUtc::from(std::time::SystemTime::now());
    for (kind, text) in STARTING {
        let (title, body) = text.split_once('\n').unwrap_or((text, ""));
        let title = title.trim_start_matches('#').trim();
        let stmt = Query::insert()
            .into_table("policy_versions")
            .columns([
                "id",
                "kind",
                "version",
                "title",
                "body",
                "effective_from",
                "published_at",
            ])
            .values_panic([
                Uuid::now_v7().into(),
                kind.into(),
                1.into(),
                title.into(),
                body.trim().into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        db.execute(&stmt).await?;
    }
    Ok(())
}
