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

/// The label of an order in texts: `#` and its number.
pub fn order_label(number: &str) -> String {
    format!("#{number}")
}

/// The label of the order `id`, read from its row.
pub(crate) async fn label_of<C: ConnectionTrait>(db: &C, id: uuid::Uuid) -> Result<String> {
    let o = order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(crate::OrderError::NotFound("Order"))?;
    Ok(order_label(&o.number))
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
        .text("order", order_label(&o.number))
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

/// New orders their stalls can act on at once (cash on delivery), each with its number of
/// units: each stall hears of its own, all gathered in `batch`.
pub(crate) async fn placed<C: ConnectionTrait>(
    txn: &C,
    batch: &mut notify::Batch<'_>,
    orders: &[(&order::Model, i64)],
) -> Result<()> {
    let stalls: Vec<uuid::Uuid> = orders.iter().map(|(o, _)| o.stall_id).collect();
    let audiences = catalog::stall_audiences(txn, &stalls).await?;
    for (o, items) in orders {
        let Some((name, members)) = audiences.get(&o.stall_id) else {
            continue;
        };
        let facts = order_facts(o)
            .number("items", *items)
            .text(
                "commune",
                o.shipping_commune_name.clone().unwrap_or_default(),
            )
            .text("stall", name.clone());
        let refs = Refs {
            stall_id: Some(o.stall_id),
            order_id: Some(o.id),
        };
        batch.to_stall(o.stall_id, members, Event::NewOrder, &facts, refs);
    }
    Ok(())
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
                        .as_deref()
                        .map_or_else(|| "đơn vị vận chuyển".into(), carrier_label),
                )
                .text(
                    "tracking",
                    c.tracking.clone().unwrap_or_else(|| "chưa có".into()),
                );
            tell_buyer(txn, o, Event::OrderShipped, facts).await
        }
        (_, OrderStatus::Delivered) => tell_buyer(txn, o, Event::OrderDelivered, facts).await,
        (_, OrderStatus::Returned) => returned(txn, o, facts).await,
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

/// The carrier brought the parcel back: the buyer hears whether money goes back, the stall
/// that its stock is back.
async fn returned<C: ConnectionTrait>(txn: &C, o: &order::Model, facts: Facts) -> Result<()> {
    let online = matches!(
        stored::<PaymentMethod>(&o.payment_method),
        Ok(PaymentMethod::Card | PaymentMethod::BankTransfer)
    );
    let refund = if o.paid && online {
        "Số tiền bạn đã thanh toán sẽ được hoàn lại."
    } else {
        "Bạn không phải thanh toán cho đơn hàng này."
    };
    let tracking = o.tracking_no.clone().unwrap_or_else(|| "chưa có".into());
    tell_buyer(
        txn,
        o,
        Event::OrderReturned,
        facts.clone().text("refund", refund),
    )
    .await?;
    let facts = facts.text("tracking", tracking);
    tell_stall(txn, o, Event::OrderReturnedToStall, facts).await
}

/// The carrier could not hand the parcel `s` of `o` over this time: the buyer hears why.
pub(crate) async fn delivery_failed<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    s: &crate::entity::shipment::Model,
    note: Option<&str>,
) -> Result<()> {
    let facts = order_facts(o)
        .text("carrier", carrier_label(&s.carrier))
        .text(
            "tracking",
            s.tracking_no.clone().unwrap_or_else(|| "chưa có".into()),
        )
        .text("note", note.unwrap_or("không có"));
    tell_buyer(txn, o, Event::DeliveryFailed, facts).await
}

/// A carrier as buyers know it: an integrated carrier's name, or the name typed by hand.
pub(crate) fn carrier_label(carrier: &str) -> String {
    match carrier {
        "ghn" => "Giao Hàng Nhanh (GHN)".to_owned(),
        other => other.to_owned(),
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
        .text("order", order_label(&o.number))
        .money("amount", amount);
    tell_buyer(txn, &o, Event::RefundSent, facts).await
}

/// What a buyer's checkout placed, for its buyer's `order_placed`.
pub(crate) struct Placed<'a> {
    /// The checkout.
    pub checkout_id: uuid::Uuid,
    /// Its orders, one per stall.
    pub orders: &'a [order::Model],
    /// Goods and delivery of all of them, in đồng.
    pub total: i64,
    /// How it is paid.
    pub method: PaymentMethod,
    /// For a bank transfer: the reference the transfer must carry.
    pub reference: Option<&'a str>,
    /// When an unpaid checkout is cancelled.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The labels of `orders`, one after the other (`#A1B2C3D4, #E5F6A7B8`).
fn labels(orders: &[order::Model]) -> String {
    let labels: Vec<String> = orders.iter().map(|o| order_label(&o.number)).collect();
    labels.join(", ")
}

/// The facts every buyer's notice of a checkout carries: its orders' labels (and, as data,
/// their numbers and ids) and the checkout.
fn checkout_facts(checkout_id: uuid::Uuid, orders: &[order::Model]) -> Facts {
    let numbers: Vec<&str> = orders.iter().map(|o| o.number.as_str()).collect();
    let ids: Vec<String> = orders.iter().map(|o| o.id.to_string()).collect();
    Facts::new()
        .text("orders", labels(orders))
        .data("order_numbers", numbers)
        .data("order_ids", ids)
        .data("checkout_id", checkout_id.to_string())
}

/// A time as Vietnamese readers read it, in Vietnam's time.
fn vietnam_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&common::calendar::OFFSET)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

/// The buyer's checkout placed its orders: `order_placed`, in the checkout's transaction.
pub(crate) fn checkout_placed(batch: &mut notify::Batch<'_>, buyer: uuid::Uuid, p: &Placed<'_>) {
    let mut facts = checkout_facts(p.checkout_id, p.orders)
        .number("count", i64::try_from(p.orders.len()).unwrap_or(i64::MAX))
        .money("total", p.total)
        .text("payment", payment_label(p.method.as_str()));
    let next = match p.method {
        PaymentMethod::Cod => {
            "Các gian hàng sẽ xác nhận và giao hàng; bạn thanh toán khi nhận hàng.".to_owned()
        }
        PaymentMethod::Card => {
            "Đơn hàng được chuyển đến các gian hàng ngay khi thanh toán thẻ hoàn tất.".to_owned()
        }
        PaymentMethod::BankTransfer => {
            let reference = p.reference.unwrap_or_default();
            let expires = p.expires_at.map(vietnam_time).unwrap_or_default();
            facts = facts
                .money("amount", p.total)
                .text("reference", reference)
                .text("expires", expires.clone())
                .data("expires_at", p.expires_at.map(|t| t.to_rfc3339()));
            format!(
                "Vui lòng chuyển khoản {} với nội dung {reference} trước {expires}. Đơn hàng \
                 được chuyển đến các gian hàng ngay khi chúng tôi nhận được tiền.",
                common::money::Money::from_dong(p.total)
            )
        }
    };
    let refs = Refs {
        stall_id: None,
        order_id: p.orders.first().map(|o| o.id),
    };
    batch.to_buyer(buyer, Event::OrderPlaced, &facts.text("next", next), refs);
}

/// The money for the buyer's checkout arrived and `placed` of its orders' worth went to the
/// stalls: `payment_received`, in the transaction that records the payment. Nothing when no
/// order was placed (every one was cancelled before: the money is owed back instead).
pub(crate) async fn checkout_paid<C: ConnectionTrait>(
    txn: &C,
    checkout_id: uuid::Uuid,
    placed: i64,
) -> Result<()> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    if placed <= 0 {
        return Ok(());
    }
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .filter(order::Column::Paid.eq(true))
        .order_by_asc(order::Column::CreatedAt)
        .order_by_asc(order::Column::Id)
        .all(txn)
        .await?;
    let Some(first) = orders.first() else {
        return Ok(());
    };
    let facts = checkout_facts(checkout_id, &orders)
        .money("amount", placed)
        .money("total", placed)
        .text("payment", payment_label(&first.payment_method));
    let refs = Refs {
        stall_id: None,
        order_id: Some(first.id),
    };
    Notifier::default()
        .to_buyer(txn, first.buyer_id, Event::PaymentReceived, &facts, refs)
        .await?;
    Ok(())
}
