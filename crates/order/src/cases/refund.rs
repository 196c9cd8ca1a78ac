//! The refund of a case's decision, in its transaction: what was paid for the order is never
//! exceeded, the ledger is reversed in proportion, the money is owed back by the order's
//! payment method, and the order's history shows it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

use crate::{entity::order, error::Result, store, types::PaymentMethod};

/// One decided refund.
pub(super) struct PartRefund<'a> {
    pub case_id: Uuid,
    pub order: &'a order::Model,
    pub method: PaymentMethod,
    pub amount: i64,
    /// The buyer's refund account, as the case keeps it (JSON).
    pub account: Option<String>,
    pub actor_id: Option<Uuid>,
    pub message: &'a str,
    pub now: DateTime<Utc>,
}

/// Owes `r` back: the order's row is locked first, so two refunds of one order are taken one
/// after the other and each sees what the other owed.
pub(super) async fn owe<C: ConnectionTrait>(
    txn: &C,
    ledger: &ledger::Ledger,
    r: PartRefund<'_>,
) -> Result<()> {
    let o = r.order;
    order::Entity::find_by_id(o.id)
        .lock_exclusive()
        .one(txn)
        .await?;
    store::owe_part_refund(txn, o, r.method, r.amount, r.case_id, r.account).await?;
    ledger
        .reverse_part(
            txn,
            &ledger::PartialRefund {
                order_id: o.id,
                stall_id: o.stall_id,
                amount: r.amount,
                goods_total: o.subtotal,
                actor_id: r.actor_id,
                note: format!("case refund: {}", r.message),
                at: r.now,
            },
        )
        .await
        .map_err(|e| {
            if e.code == "refund_exceeds_remaining" {
                common::Error::conflict(
                    "refund_exceeds_paid",
                    "The order's goods were refunded already up to this amount.",
                )
                .into()
            } else {
                crate::OrderError::from(e)
            }
        })?;
    crate::trade_facts::refunded(txn, o).await?;
    store::record_refund_event(txn, o, r.actor_id, r.message).await
}
