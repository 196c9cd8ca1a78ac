//! Cash on delivery collected by a carrier: the cash the carrier holds for a stall, and its
//! remittance.
//!
//! Three ways the buyer's money is held ([`Holder`]), and what the ledger writes for each at
//! delivery beside the sale, the delivery fee, the discounts, the commission and the tax:
//! - paid online: nothing more; the marketplace holds the money and owes the stall its part;
//! - cash the stall collected itself: `cash_collected` (−, what the buyer paid); the stall
//!   holds the cash, so its balance falls by the commission and the tax it owes;
//! - cash a carrier collected: `cod_receivable` (−, what the buyer paid), payable when the
//!   sale is. The carrier holds the cash, so until it remits it the stall's payable balance
//!   nets the order to minus its commission and tax, as for its own cash: the cash is nobody's
//!   to pay out yet. When the carrier's statement says it remitted the order's cash,
//!   `cod_remitted` (+, the whole amount collected, so it undoes the receivable exactly) and
//!   `carrier_fee` (−, the fees the carrier took off its transfer) are written, payable once
//!   the holding period after delivery has passed and not before the remittance: from then on
//!   the order is like one paid online, less the carrier's fees.
//!
//! The carrier's fees are the stall's: the stall is credited the delivery fee the buyer paid
//! (`delivery`), and the carrier charges the shipping and the collection from it.
//!
//! So, over all stalls: Σ held by carriers = −Σ `cod_receivable` − Σ `cod_remitted` (every
//! receivable not yet remitted), and the marketplace received from carriers Σ `cod_remitted`
//! + Σ `carrier_fee`.
//!
//! A refund after delivery reverses the order's entries, its `cod_receivable` included, as
//! it reverses the stall's own `cash_collected`: for cash on delivery the stall gives the buyer
//! back (the marketplace owes no refund). The remittance (`cod_remitted`, `carrier_fee`) is
//! never reversed: it is the carrier's transfer, which comes whatever happened to the order,
//! and it still pays the stall the cash, less the fees. So Σ held by carriers counts the
//! `cod_receivable` entries themselves, not their reversals.

use chrono::{DateTime, Utc};
use common::{Result, Stored};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use crate::{
    DeliveredOrder, Ledger,
    entity::{entry, ledger_account},
    kind::{EntryKind, Holder},
    store::{self, NewEntry},
};

/// The entry of the cash a carrier collected for a delivered order: `cod_receivable`, what the
/// buyer paid (−), from `base` (the order's other entries' template).
pub(crate) fn receivable(
    o: &DeliveredOrder,
    base: &dyn Fn(EntryKind, i64, Option<serde_json::Value>) -> NewEntry,
) -> NewEntry {
    debug_assert_eq!(o.holder, Holder::Carrier);
    NewEntry {
        note: Some("Tiền thu hộ do đơn vị vận chuyển giữ, chờ chuyển trả".into()),
        ..base(EntryKind::CodReceivable, -o.paid(), None)
    }
}

/// Whether an entry of `kind` stays when its order is refunded: a carrier's remittance is
/// its transfer, which came whatever happened to the order afterwards.
pub(crate) fn stays(kind: EntryKind) -> bool {
    matches!(kind, EntryKind::CodRemitted | EntryKind::CarrierFee)
}

/// A carrier's remittance of one order's cash, as the ledger needs it.
#[derive(Clone, Debug)]
pub struct Remittance {
    /// The order.
    pub order_id: Uuid,
    /// The carrier that remitted it (the entries' note names it).
    pub carrier: String,
    /// The carrier's statement (`cod_remittances.id`), recorded on the entries' rule.
    pub statement_id: Uuid,
    /// The statement's own reference (the entries' note names it).
    pub reference: String,
    /// The cash the carrier says it collected and remits for the order, in đồng.
    pub cod_amount: i64,
    /// The fees the carrier took off, in đồng (≥ 0).
    pub fee: i64,
    /// Who uploaded the statement.
    pub actor_id: Option<Uuid>,
    /// When it was recorded (the entries are payable from the later of this and the end of
    /// the holding period after delivery).
    pub at: DateTime<Utc>,
}

/// What a carrier holds of an order's cash, as its entries say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Receivable {
    /// The order's stall (none when the order has no `cod_receivable`).
    pub stall_id: Option<Uuid>,
    /// What the carrier collected (the receivable, as a positive amount).
    pub collected: i64,
    /// What it has remitted of it so far.
    pub remitted: i64,
    /// When the receivable becomes payable (the end of the holding period after delivery).
    pub available_at: Option<DateTime<Utc>>,
}

impl Receivable {
    /// Still held by the carrier.
    pub fn outstanding(&self) -> i64 {
        self.collected - self.remitted
    }
}

/// What became of a remittance of one order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remitted {
    /// Written: `cod_remitted` for this amount (and `carrier_fee`).
    Booked(i64),
    /// The order has no `cod_receivable`: no carrier collected its cash (paid online, the
    /// stall's own cash, or not delivered yet). Nothing written.
    NotCarrierCod,
    /// Nothing remains outstanding: remitted before. Nothing written.
    AlreadyRemitted,
    /// The amount differs from what the carrier holds (`expected`). Nothing written: an
    /// administrator settles it with the carrier.
    AmountMismatch {
        /// What the carrier holds of the order's cash.
        expected: i64,
    },
}

impl Ledger {
    /// What a carrier holds of `order_id`'s cash: its `cod_receivable` and `cod_remitted`
    /// entries.
    pub async fn receivable<C: ConnectionTrait>(
        &self,
        db: &C,
        order_id: Uuid,
    ) -> Result<Receivable> {
        let rows = entry::Entity::find()
            .filter(entry::Column::OrderId.eq(order_id))
            .filter(entry::Column::Kind.is_in([
                EntryKind::CodReceivable.as_str(),
                EntryKind::CodRemitted.as_str(),
            ]))
            .all(db)
            .await?;
        let mut r = Receivable::default();
        for e in rows {
            if e.kind == EntryKind::CodReceivable.as_str() {
                r.stall_id = Some(e.stall_id);
                r.collected -= e.amount;
                r.available_at = Some(e.available_at);
            } else {
                r.remitted += e.amount;
            }
        }
        Ok(r)
    }

    /// Locks the ledger accounts of `stalls` for the caller's transaction, in one order (so
    /// two transactions locking some of the same stalls never wait on each other in a
    /// circle): remittances, refunds and payouts of those stalls wait for its commit.
    pub async fn lock_stalls<C: ConnectionTrait>(&self, txn: &C, stalls: &[Uuid]) -> Result<()> {
        let mut ids = stalls.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            ledger_account::Entity::find_by_id(id)
                .lock_exclusive()
                .one(txn)
                .await?;
        }
        Ok(())
    }

    /// Records a carrier's remittance of an order's cash, in the caller's transaction, which
    /// must hold the lock of the order's stall ([`Ledger::lock_stalls`]): when `r.cod_amount`
    /// is exactly what the carrier holds of it, `cod_remitted` for it and `carrier_fee` for
    /// the fees, payable from the later of the end of the holding period after delivery and
    /// `r.at`. Otherwise nothing is written and the outcome says why.
    pub async fn remit<C: ConnectionTrait>(&self, txn: &C, r: &Remittance) -> Result<Remitted> {
        let held = self.receivable(txn, r.order_id).await?;
        let (Some(stall_id), Some(available_at)) = (held.stall_id, held.available_at) else {
            return Ok(Remitted::NotCarrierCod);
        };
        let amount = held.outstanding();
        if amount <= 0 {
            return Ok(Remitted::AlreadyRemitted);
        }
        if r.cod_amount != amount || r.fee < 0 {
            return Ok(Remitted::AmountMismatch { expected: amount });
        }
        let rule = json!({"statement_id": r.statement_id, "carrier": r.carrier,
            "reference": r.reference});
        let at = available_at.max(r.at);
        for (kind, amount, note) in [
            (
                EntryKind::CodRemitted,
                amount,
                format!("{} đã chuyển trả tiền thu hộ ({})", r.carrier, r.reference),
            ),
            (
                EntryKind::CarrierFee,
                -r.fee,
                format!(
                    "Phí {} trừ vào tiền chuyển trả ({})",
                    r.carrier, r.reference
                ),
            ),
        ] {
            if amount == 0 {
                continue;
            }
            store::append(
                txn,
                NewEntry {
                    order_id: Some(r.order_id),
                    rule: Some(rule.clone()),
                    note: Some(note),
                    actor_id: r.actor_id,
                    ..NewEntry::of(stall_id, kind, amount, at)
                },
            )
            .await?;
        }
        Ok(Remitted::Booked(amount))
    }
}
