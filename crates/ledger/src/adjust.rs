//! Adjustments: an administrator's correction to a stall's balance (an opening balance, a
//! mistake put right), with a reason, payable at once and on the audit log.

use chrono::Utc;
use common::{Actor, FieldCode, Result, validate::Validator};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde_json::json;

use crate::{
    Ledger, access,
    kind::EntryKind,
    store::{self, NewEntry},
    views::EntryView,
};

impl Ledger {
    /// An administrator's correction to a stall's balance (±, payable at once), with a
    /// reason. Audited.
    pub async fn adjust<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        amount: i64,
        reason: &str,
    ) -> Result<EntryView> {
        let admin = access::admin(actor)?;
        let (stall, _) = access::stall_for(&self.catalog, db, actor, stall).await?;
        let mut v = Validator::new();
        v.check(
            amount != 0 && amount.abs() <= 1_000_000_000,
            "amount",
            FieldCode::OutOfRange,
            "must be non-zero, at most 1000000000 đồng either way",
        );
        let reason = v.text("reason", reason, 3, 1000);
        v.finish()?;
        let txn = common::begin_write(db).await?;
        let written = store::append(
            &txn,
            NewEntry {
                note: Some(reason.clone()),
                actor_id: Some(admin),
                ..NewEntry::of(stall.id, EntryKind::Adjustment, amount, Utc::now())
            },
        )
        .await?;
        catalog::audit::record(
            &txn,
            admin,
            catalog::audit::Action::LedgerAdjustment,
            catalog::audit::Subject::Stall(stall.id),
            Some(&reason),
            None,
            Some(json!({"amount": amount})),
        )
        .await?;
        txn.commit().await?;
        EntryView::try_from(written)
    }
}
