//! The vendors' money: an append-only ledger of entries per stall (enforced by triggers on
//! both databases), the rules of commission, the account each stall is paid to and its tax
//! profile, and payouts grouped in batches.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Refuses any change to a written entry: corrections are new entries.
const PG_APPEND_ONLY: &str = r#"
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
"#;

const SQLITE_APPEND_ONLY: [&str; 2] = [
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries \
     BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
    "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries \
     BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("ledger_entries")
                    .col(uuid("id").primary_key())
                    .col(uuid("stall_id"))
                    // sale, delivery, cash_collected, commission, vat_withheld, pit_withheld,
                    // refund_reversal, payout, payout_returned, adjustment.
                    .col(string_len("kind", 24))
                    // Signed whole đồng: + owed to the stall, − owed by it.
                    .col(big_integer("amount"))
                    .col(uuid_null("order_id"))
                    .col(uuid_null("payout_id"))
                    // The rule applied (commission, withholding), as it was then (JSON).
                    .col(text_null("rule"))
                    // The kind a refund reversal undoes.
                    .col(string_len_null("reverses", 24))
                    .col(text_null("note"))
                    .col(uuid_null("actor_id"))
                    // When it counts as payable (after the holding period).
                    .col(timestamp_with_time_zone("available_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_ledger_entries_stall", &["stall_id", "created_at"][..]),
            ("idx_ledger_entries_order", &["order_id"][..]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("ledger_entries");
            for c in cols {
                idx.col(*c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(PG_APPEND_ONLY).await?;
            }
            _ => {
                for sql in SQLITE_APPEND_ONLY {
                    db.execute_unprepared(sql).await?;
                }
            }
        }
        manager
            .create_table(
                Table::create()
                    .table("ledger_accounts")
                    // One row per stall with money: payouts lock it, so one earning is paid
                    // once however many batches run at once.
                    .col(uuid("stall_id").primary_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("commission_rules")
                    .col(uuid("id").primary_key())
                    .col(integer("rate_bp"))
                    .col(uuid_null("category_id"))
                    .col(uuid_null("stall_id"))
                    .col(big_integer_null("min_amount"))
                    .col(big_integer_null("max_amount"))
                    .col(timestamp_with_time_zone("valid_from"))
                    .col(timestamp_with_time_zone_null("valid_to"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("stall_bank_accounts")
                    .col(uuid("stall_id").primary_key())
                    .col(string_len("bank_bin", 6))
                    .col(string_len("account_no", 32))
                    .col(string_len("account_name", 100))
                    .col(uuid("changed_by"))
                    .col(timestamp_with_time_zone("changed_at"))
                    // Payouts wait until then after a change (cooling-off).
                    .col(timestamp_with_time_zone("usable_from"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("stall_tax_profiles")
                    .col(uuid("stall_id").primary_key())
                    .col(string_len_null("tax_code", 14))
                    .col(string_len_null("citizen_id", 12))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("payout_batches")
                    .col(uuid("id").primary_key())
                    .col(uuid("created_by"))
                    .col(big_integer("minimum"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("payouts")
                    .col(uuid("id").primary_key())
                    .col(uuid_null("batch_id"))
                    .col(uuid("stall_id"))
                    .col(big_integer("amount"))
                    .col(string_len("bank_bin", 6))
                    .col(string_len("account_no", 32))
                    .col(string_len("account_name", 100))
                    .col(string_len_uniq("reference", 16))
                    .col(text("qr_payload"))
                    // pending, paid, returned.
                    .col(string_len("status", 16))
                    .col(string_len_null("bank_reference", 100))
                    .col(text_null("reason"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payouts_batch")
                    .table("payouts")
                    .col("batch_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payouts_stall")
                    .table("payouts")
                    .col("stall_id")
                    .col("status")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "payouts",
            "payout_batches",
            "stall_tax_profiles",
            "stall_bank_accounts",
            "commission_rules",
            "ledger_accounts",
            "ledger_entries",
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS ledger_entries_append_only()")
                .await?;
        }
        Ok(())
    }
}
