//! What buyers and stalls hear about their orders, written in the transaction of the change:
//! a stall hears of an order it can act on (cash on delivery at checkout, an online payment
//! when it arrives), of a buyer's cancellation and of a refund after delivery; a buyer hears
//! of each step (confirmed, shipped with tracking, delivered), of a cancellation by anyone
//! else with why, and of money sent back.

use notify::{Event, Facts, Notifier, Refs};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::{
    entity::order,
    error::Result,
    status::{Change, Move, OrderStatus},
    types::{PaymentMethod, Stored, stored},
};

/// The label of an order in texts: `#` and the last eight hex digits of its id (the random
/// part; the first ones are the time and alike for orders of one moment).
pub fn order_label(id: uuid::Uuid) -> String {
    let hex = id.simple().to_string();
    format!("#{}", hex[hex.len() - 8..].to_uppercase())
}

fn payment_label(method: &str) -> &'static str {
    match stored::<PaymentMethod>(method) {
        Ok(PaymentMethod::Cod) => "thanh toán khi nhận hàng",
        Ok(PaymentMethod::Card) => "thẻ",
        Ok(PaymentMethod::BankTransfer) => "chuyển khoản ngân hàng (VietQR)",
        Err(_) => "không rõ",
    }
}

fn order_facts(o: &order::Model) -> Facts {
    Facts::new()
        .text("order", order_label(o.id))
        .money("total", o.subtotal.saturating_add(o.delivery_fee))
        .text("payment", payment_label(&o.payment_method))
        .text("status", o.status.clone())
}

async fn tell_stall<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    event: Event,
    facts: Facts,
) -> Result<()> {
    catalog::tell_stall(
        txn,
        &Notifier::default(),
        o.stall_id,
        event,
        facts,
        Some(o.id),
    )
    .await?;
    Ok(())
}

async fn tell_buyer<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    event: Event,
    facts: Facts,
) -> Result<()> {
    let stall = catalog::lookup::stall_refs(txn, [o.stall_id])
        .await?
        .remove(&o.stall_id)
        .map(|s| s.name)
        .unwrap_or_default();
    let facts = facts.text("stall", stall);
    let refs = Refs {
        stall_id: Some(o.stall_id),
        order_id: Some(o.id),
    };
    let notifier = Notifier::default();
    notifier
        .to_users(txn, &[o.buyer_id], event, &facts, refs)
        .await?;
    // The stall's own systems follow its orders too.
    notifier
        .to_webhooks(txn, o.stall_id, event, &facts, refs)
        .await?;
    Ok(())
}

/// A new order the stall can act on at once (cash on delivery).
pub(crate) async fn placed<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    items: i64,
) -> Result<()> {
    let facts = order_facts(o).number("items", items).text(
        "commune",
        o.shipping_commune_name.clone().unwrap_or_default(),
    );
    tell_stall(txn, o, Event::NewOrder, facts).await
}

/// An order moved (`c`), as the store recorded it.
pub(crate) async fn moved<C: ConnectionTrait>(txn: &C, o: &order::Model, c: &Change) -> Result<()> {
    let facts = order_facts(o).text("status", c.to.as_str());
    let reason = || c.reason.clone().unwrap_or_else(|| "không nêu lý do".into());
    match (c.m, c.to) {
        (Move::Pay, _) => tell_stall(txn, o, Event::PaymentReceived, facts).await,
        (_, OrderStatus::Confirmed) => tell_buyer(txn, o, Event::OrderConfirmed, facts).await,
        (_, OrderStatus::Shipped) => {
            let facts = facts
                .text(
                    "carrier",
                    c.carrier
                        .clone()
                        .unwrap_or_else(|| "đơn vị vận chuyển".into()),
                )
                .text(
                    "tracking",
                    c.tracking.clone().unwrap_or_else(|| "chưa có".into()),
                );
            tell_buyer(txn, o, Event::OrderShipped, facts).await
        }
        (_, OrderStatus::Delivered) => tell_buyer(txn, o, Event::OrderDelivered, facts).await,
        (_, OrderStatus::Cancelled) if c.actor_id == Some(o.buyer_id) => {
            // The stall only ever heard of orders it could act on.
            if c.from == OrderStatus::PendingPayment {
                return Ok(());
            }
            let facts = facts.text("reason", reason());
            tell_stall(txn, o, Event::OrderCancelledByBuyer, facts).await
        }
        (_, OrderStatus::Cancelled) => {
            let facts = facts.text("reason", reason());
            tell_buyer(txn, o, Event::OrderCancelled, facts).await
        }
        _ => Ok(()),
    }
}

/// A delivered order refunded: the stall's earnings for it are reversed.
pub(crate) async fn refunded_after_delivery<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    reason: &str,
) -> Result<()> {
    let facts = order_facts(o).text("reason", reason);
    tell_stall(txn, o, Event::RefundNeeded, facts).await
}

/// Money went back to the buyer (a card refund accepted, a bank refund paid by hand).
pub(crate) async fn refund_sent<C: ConnectionTrait>(
    txn: &C,
    order_id: uuid::Uuid,
    amount: i64,
) -> Result<()> {
    let Some(o) = order::Entity::find_by_id(order_id).one(txn).await? else {
        return Ok(());
    };
    let facts = Facts::new()
        .text("order", order_label(o.id))
        .money("amount", amount);
    tell_buyer(txn, &o, Event::RefundSent, facts).await
}
