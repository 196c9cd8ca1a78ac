//! The store: the transaction-level steps that several use cases share, each taking the caller's
//! connection or transaction. Use cases (checkout, vendor handling, payment events, expiry,
//! refunds) call these and never each other; nothing here opens a transaction or calls a
//! provider.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    destination::Shipping,
    entity::{
        address, bank_transfer, cart_item, checkout, order, order_discount, order_event,
        order_item, refund,
    },
    error::Result,
    status::{Change, Move, OrderStatus, Party},
    types::{CheckoutStatus, PaymentMethod, RefundStatus, Stored, TransferOutcome, stored},
};

/// Applies a move the state machine allowed: the status changes only if nobody moved the order
/// meanwhile (returns `false` and changes nothing otherwise), the event is recorded, a payment
/// or a cash delivery marks it paid, and a cancellation returns the stock (exactly once, since
/// one transaction wins the conditional update) and owes a refund if it was paid by card.
pub(crate) async fn apply_move<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    c: Change,
) -> Result<bool> {
    let now = Utc::now();
    let method = stored::<PaymentMethod>(&o.payment_method)?;
    // A payment for the checkout takes the checkout's row first too: a cancellation and a
    // payment of the same checkout happen one after the other, never across each other.
    let unpaid_checkout = if c.from == OrderStatus::PendingPayment {
        lock_checkout(txn, o.checkout_id).await?
    } else {
        None
    };
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(c.to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now));
    if let Some(t) = &c.tracking {
        update = update.col_expr(order::Column::TrackingNo, Expr::value(t.clone()));
    }
    if let Some(carrier) = &c.carrier {
        update = update.col_expr(order::Column::Carrier, Expr::value(carrier.clone()));
    }
    // Money arrives with a payment, or in cash at the door.
    let paid_now =
        c.m == Move::Pay || (c.to == OrderStatus::Delivered && method == PaymentMethod::Cod);
    if paid_now {
        update = update.col_expr(order::Column::Paid, Expr::value(true));
    }
    let res = update
        .filter(order::Column::Id.eq(o.id))
        .filter(order::Column::Status.eq(c.from.as_str()))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Ok(false);
    }
    crate::notices::moved(txn, o, &c).await?;
    order_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(o.id),
        from_status: Set(Some(c.from.as_str().to_owned())),
        to_status: Set(c.to.as_str().to_owned()),
        actor_id: Set(c.actor_id),
        reason: Set(c.reason),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    if c.to == OrderStatus::Returned {
        // The parcel came back: its units are on sale again, and money paid online goes
        // back (cash on delivery was never collected). Nothing was earned, so the ledger
        // has nothing to reverse; the vouchers' uses stay spent.
        catalog::stock::release(txn, &stock_lines(txn, &[o.id]).await?).await?;
        if o.paid && matches!(method, PaymentMethod::Card | PaymentMethod::BankTransfer) {
            owe_refund(txn, o, method).await?;
        }
    }
    if c.to == OrderStatus::Cancelled {
        crate::parcels::rows::withdraw_booking(txn, o.id, now).await?;
        catalog::stock::release(txn, &stock_lines(txn, &[o.id]).await?).await?;
        give_back_vouchers(txn, o, now).await?;
        if o.paid && matches!(method, PaymentMethod::Card | PaymentMethod::BankTransfer) {
            owe_refund(txn, o, method).await?;
        }
        if let Some(checkout) = &unpaid_checkout {
            withdraw_unpaid(txn, checkout, o, method).await?;
        }
    }
    Ok(true)
}

/// Gives back the uses of the vouchers that discounted the cancelled order `o` whose every
/// discounted order is now cancelled: a stall's voucher with its one order, the platform's
/// once the last order of the checkout it discounted is.
async fn give_back_vouchers<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    use sea_orm::QuerySelect;
    let mine = order_discount::Entity::find()
        .filter(order_discount::Column::OrderId.eq(o.id))
        .all(txn)
        .await?;
    if mine.is_empty() {
        return Ok(());
    }
    let open_orders: Vec<Uuid> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::CheckoutId.eq(o.checkout_id))
        .filter(order::Column::Status.ne(OrderStatus::Cancelled.as_str()))
        .into_tuple()
        .all(txn)
        .await?;
    for d in mine {
        let open = order_discount::Entity::find()
            .filter(order_discount::Column::VoucherId.eq(d.voucher_id))
            .filter(order_discount::Column::OrderId.is_in(open_orders.iter().copied()))
            .count(txn)
            .await?;
        if open == 0 {
            promotions::redeem::release(txn, d.voucher_id, o.checkout_id, now).await?;
        }
    }
    Ok(())
}

/// The checkout `id`, its row locked until the transaction ends.
pub(crate) async fn lock_checkout<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<Option<checkout::Model>> {
    use sea_orm::QuerySelect;
    Ok(checkout::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?)
}

/// An order cancelled before it was paid leaves its checkout `c` (locked by the caller): a
/// bank transfer is asked for what the other orders still cost, and a checkout with no order
/// left to pay is cancelled (what was transferred towards it so far is owed back). A card payment's amount is fixed at
/// the provider: a payment that arrives anyway owes the cancelled orders back
/// ([`pay_orders`]).
async fn withdraw_unpaid<C: ConnectionTrait>(
    txn: &C,
    c: &checkout::Model,
    o: &order::Model,
    method: PaymentMethod,
) -> Result<()> {
    if stored::<CheckoutStatus>(&c.status)? != CheckoutStatus::AwaitingPayment {
        return Ok(());
    }
    if method == PaymentMethod::BankTransfer {
        let total = c.total.saturating_sub(order_amount(o)).max(0);
        checkout::Entity::update_many()
            .col_expr(checkout::Column::Total, Expr::value(total))
            .filter(checkout::Column::Id.eq(c.id))
            .exec(txn)
            .await?;
    }
    let waiting = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(c.id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .count(txn)
        .await?;
    if waiting == 0 && settle_unpaid(txn, c.id, CheckoutStatus::Cancelled, false).await? {
        owe_back_partial(txn, c.id).await?;
    }
    Ok(())
}

/// What the buyer pays for an order: its goods and their delivery, less its discount.
pub(crate) fn order_amount(o: &order::Model) -> i64 {
    o.subtotal
        .saturating_add(o.delivery_fee)
        .saturating_sub(o.discount)
        .max(0)
}

/// What paying a checkout's orders came to.
#[derive(Debug, Default)]
pub(crate) struct PaidOrders {
    /// What the orders it placed cost (goods and delivery), in đồng.
    pub placed: i64,
    /// Orders cancelled before the money came: nothing of them was bought.
    pub cancelled: Vec<order::Model>,
}

/// The one rule for a checkout whose money arrived (a card payment, a bank transfer, an
/// administrator's confirmation): the checkout is paid, and each of its orders that waits for
/// payment is placed, as the system. The caller holds the checkout's row locked
/// ([`lock_checkout`]), so no cancellation runs across it; an order cancelled before is
/// reported, for the caller to owe its money back.
pub(crate) async fn pay_orders<C: ConnectionTrait>(
    txn: &C,
    checkout_id: Uuid,
    payment_intent_id: Option<&str>,
    reason: &str,
) -> Result<PaidOrders> {
    let mut update = checkout::Entity::update_many()
        .col_expr(
            checkout::Column::Status,
            Expr::value(CheckoutStatus::Paid.as_str()),
        )
        .col_expr(checkout::Column::PaidAt, Expr::value(Utc::now()));
    if let Some(intent) = payment_intent_id {
        update = update.col_expr(checkout::Column::PaymentIntentId, Expr::value(intent));
    }
    update
        .filter(checkout::Column::Id.eq(checkout_id))
        .exec(txn)
        .await?;
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .all(txn)
        .await?;
    let mut paid = PaidOrders::default();
    for o in orders {
        match stored::<OrderStatus>(&o.status)? {
            OrderStatus::PendingPayment => {
                if system_move(txn, &o, Move::Pay, reason).await? {
                    paid.placed = paid.placed.saturating_add(order_amount(&o));
                } else if let Some(now) = order::Entity::find_by_id(o.id).one(txn).await?
                    && stored::<OrderStatus>(&now.status)? == OrderStatus::Cancelled
                    && !now.paid
                {
                    paid.cancelled.push(now);
                }
            }
            OrderStatus::Cancelled if !o.paid => paid.cancelled.push(o),
            _ => {}
        }
    }
    crate::notices::checkout_paid(txn, checkout_id, paid.placed).await?;
    Ok(paid)
}

/// A checkout that ended unpaid (expired, or every order cancelled) after part of it came by
/// bank transfer owes those transfers back in full.
pub(crate) async fn owe_back_partial<C: ConnectionTrait>(txn: &C, checkout_id: Uuid) -> Result<()> {
    bank_transfer::Entity::update_many()
        .col_expr(
            bank_transfer::Column::OwedBack,
            Expr::col(bank_transfer::Column::Amount),
        )
        .filter(bank_transfer::Column::CheckoutId.eq(checkout_id))
        .filter(bank_transfer::Column::Outcome.eq(TransferOutcome::Partial.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// A move made by the system (a payment event, the expiry sweep), through the same state
/// machine as everyone's. `false` when the machine does not allow it from the order's status
/// or somebody moved the order first.
pub(crate) async fn system_move<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    m: Move,
    reason: &str,
) -> Result<bool> {
    let from = stored::<OrderStatus>(&o.status)?;
    let Some(to) = from.apply(m, Party::System) else {
        return Ok(false);
    };
    let change = Change {
        m,
        from,
        to,
        actor_id: None,
        reason: Some(reason.to_owned()),
        tracking: None,
        carrier: None,
    };
    apply_move(txn, o, change).await
}

/// A delivered order as the ledger reads it: its goods by category, its delivery fee, and who
/// holds the buyer's money.
pub(crate) async fn delivered<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    at: chrono::DateTime<Utc>,
) -> Result<ledger::DeliveredOrder> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(txn)
        .await?;
    let products =
        catalog::lookup::product_categories(txn, items.iter().map(|i| i.product_id)).await?;
    let mut lines = Vec::with_capacity(items.len());
    for i in &items {
        let Some(category_id) = products.get(&i.product_id).copied() else {
            return Err(crate::OrderError::Corrupt(format!(
                "product {} of order {} is missing",
                i.product_id, o.id
            )));
        };
        let name = match &i.variant_name {
            Some(v) => format!("{} ({v})", i.name),
            None => i.name.clone(),
        };
        lines.push(ledger::SaleLine {
            category_id,
            amount: i.unit_price.saturating_mul(i.quantity),
            label: format!("{name} × {}", i.quantity),
        });
    }
    crate::trade_facts::delivered(txn, o, &items, at).await?;
    let holder = match stored::<PaymentMethod>(&o.payment_method)? {
        // A carrier booked through the marketplace collected the cash, not the stall.
        PaymentMethod::Cod if crate::parcels::rows::carrier_collects(txn, o.id).await? => {
            ledger::Holder::Carrier
        }
        PaymentMethod::Cod => ledger::Holder::Stall,
        PaymentMethod::Card | PaymentMethod::BankTransfer => ledger::Holder::Marketplace,
    };
    Ok(ledger::DeliveredOrder {
        order_id: o.id,
        stall_id: o.stall_id,
        lines,
        delivery_fee: o.delivery_fee,
        discounts: discounts_of(txn, o.id).await?,
        holder,
        delivered_at: at,
    })
}

/// The vouchers applied to an order as the ledger reads them: each with who funds it and its
/// parts on the goods and on the delivery fee.
async fn discounts_of<C: ConnectionTrait>(
    txn: &C,
    order_id: Uuid,
) -> Result<Vec<ledger::Discount>> {
    use sea_orm::QueryOrder;

    use crate::entity::order_discount as od;
    let rows = od::Entity::find()
        .filter(od::Column::OrderId.eq(order_id))
        .order_by_asc(od::Column::CreatedAt)
        .order_by_asc(od::Column::Id)
        .all(txn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for d in rows {
        out.push(ledger::Discount {
            funded_by: stored::<ledger::Funder>(&d.funded_by)?,
            code: d.code,
            voucher_id: Some(d.voucher_id),
            goods: d.goods_amount,
            delivery: d.delivery_amount,
        });
    }
    Ok(out)
}

/// Whether a refund is owed or was sent for this order, holding the order's row locked.
pub(crate) async fn locked_refund_exists<C: ConnectionTrait>(
    txn: &C,
    order_id: Uuid,
) -> Result<bool> {
    use sea_orm::QuerySelect;
    order::Entity::find_by_id(order_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(refund::Entity::find()
        .filter(refund::Column::OrderId.eq(order_id))
        .one(txn)
        .await?
        .is_some())
}

/// Records a refund after delivery in the order's history (the status stays `delivered`).
pub(crate) async fn record_refund_event<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    actor_id: Option<Uuid>,
    reason: &str,
) -> Result<()> {
    order_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(o.id),
        from_status: Set(Some(OrderStatus::Delivered.as_str().to_owned())),
        to_status: Set(OrderStatus::Delivered.as_str().to_owned()),
        actor_id: Set(actor_id),
        reason: Set(Some(format!("refunded: {reason}"))),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The units of these orders, for the catalogue's stock.
async fn stock_lines<C: ConnectionTrait>(
    txn: &C,
    orders: &[Uuid],
) -> Result<Vec<catalog::stock::StockLine>> {
    Ok(order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|i| catalog::stock::StockLine {
            product_id: i.product_id,
            variant_id: i.variant_id.unwrap_or(i.product_id),
            quantity: i.quantity,
        })
        .collect())
}

/// Records a refund owed for a cancelled paid order (once per order). A card payment is sent
/// back through the provider by the refund worker; a bank transfer is paid back by a person
/// (an outgoing transfer is no API call here), who records the bank's reference.
pub(crate) async fn owe_refund<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    method: PaymentMethod,
) -> Result<()> {
    // The buyer paid for the goods and their delivery; both go back.
    owe_refund_of(txn, o, method, order_amount(o)).await?;
    Ok(())
}

/// Records `amount` owed back on a paid order, as [`owe_refund`] does; `false` when the
/// order's whole refund is owed or sent already (one per order: a case's refunds of its parts
/// are recorded by [`owe_part_refund`]).
pub(crate) async fn owe_refund_of<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    method: PaymentMethod,
    amount: i64,
) -> Result<bool> {
    let Some(row) = refund_row(txn, o, method, amount).await? else {
        return Ok(true);
    };
    let written = refund::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(refund::Column::OrderId)
                .target_and_where(refund::Column::CaseId.is_null())
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(written == 1)
}

/// A case's refund of part of a delivered order: one more refund of it, tied to `case_id`. A
/// card payment goes back through the provider (queued for the refund job); a bank transfer
/// and cash on delivery are owed by hand, to `account` (the buyer's, given on the case).
/// Refused with `refund_exceeds_paid` when, with every refund owed or sent before, more would
/// go back than the buyer paid for the order. The caller holds the order's row locked.
pub(crate) async fn owe_part_refund<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    method: PaymentMethod,
    amount: i64,
    case_id: Uuid,
    account: Option<String>,
) -> Result<()> {
    let before: i64 = refund::Entity::find()
        .filter(refund::Column::OrderId.eq(o.id))
        .all(txn)
        .await?
        .iter()
        .map(|r| r.amount)
        .sum();
    let paid = order_amount(o);
    if before.saturating_add(amount) > paid {
        return Err(common::Error::conflict(
            "refund_exceeds_paid",
            format!(
                "{before} of the {paid} đồng paid for this order went back already; at most {} more can.",
                paid.saturating_sub(before).max(0)
            ),
        )
        .into());
    }
    let mut row = match refund_row(txn, o, method, amount).await? {
        Some(row) => row,
        None => manual_row(o, crate::notices::order_label(&o.number), amount),
    };
    row.case_id = Set(Some(case_id));
    if account.is_some() {
        // The case's own account wins over the order's.
        row.refund_account = Set(account);
    }
    row.insert(txn).await?;
    Ok(())
}

/// A refund's row for `amount` of `o`, by how it was paid: a card's queued for the provider,
/// a bank transfer's owed by hand; cash on delivery's by hand too, by the order's label. `None`
/// when an order paid online has no payment reference (logged: nothing can be sent back). One
/// owed by hand goes to the account the buyer gave for the order, if any.
async fn refund_row<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    method: PaymentMethod,
    amount: i64,
) -> Result<Option<refund::ActiveModel>> {
    let mut row = refund_row_by_method(txn, o, method, amount).await?;
    if let Some(row) = row.as_mut()
        && row.status.as_ref() == RefundStatus::Manual.as_str()
    {
        row.refund_account = Set(order_refund_account(txn, o.id).await?);
    }
    Ok(row)
}

/// The account the buyer gave for the order's refunds paid by hand, as a refund row keeps it
/// (JSON), if any.
async fn order_refund_account<C: ConnectionTrait>(
    txn: &C,
    order_id: Uuid,
) -> Result<Option<String>> {
    let Some(m) = crate::entity::refund_account::Entity::find_by_id(order_id)
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let account = crate::case::RefundAccount {
        bank_bin: m.bank_bin,
        account_no: m.account_no,
        account_name: m.account_name,
    };
    serde_json::to_string(&account)
        .map(Some)
        .map_err(|e| crate::OrderError::Corrupt(format!("refund account: {e}")))
}

/// [`refund_row`] by the payment method alone.
async fn refund_row_by_method<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    method: PaymentMethod,
    amount: i64,
) -> Result<Option<refund::ActiveModel>> {
    let c = checkout::Entity::find_by_id(o.checkout_id).one(txn).await?;
    let Some(crate::provider::RefundTarget {
        provider,
        payment,
        status,
    }) = crate::provider::refund_target(method, c.as_ref())
    else {
        return Ok(Some(manual_row(
            o,
            crate::notices::order_label(&o.number),
            amount,
        )));
    };
    let Some(payment) = payment else {
        tracing::error!(order = %o.id, provider, "a paid order has no payment reference; no refund owed");
        return Ok(None);
    };
    let mut row = manual_row(o, payment, amount);
    row.provider = Set(provider.into());
    row.status = Set(status.as_str().into());
    Ok(Some(row))
}

/// A refund of `amount` of `o` owed by hand (cash on delivery's), `payment` naming it.
fn manual_row(o: &order::Model, payment: String, amount: i64) -> refund::ActiveModel {
    let now = Utc::now();
    refund::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(o.id),
        checkout_id: Set(o.checkout_id),
        provider: Set(crate::types::RefundProvider::Cod.as_str().into()),
        payment_intent_id: Set(payment),
        amount: Set(amount),
        status: Set(RefundStatus::Manual.as_str().into()),
        attempts: Set(0),
        last_error: Set(None),
        provider_refund_id: Set(None),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        case_id: Set(None),
        refund_account: Set(None),
    }
}

/// Cancels a checkout's orders that still wait for payment, as the system; returns the ones
/// it moved.
pub(crate) async fn cancel_unpaid<C: ConnectionTrait>(
    txn: &C,
    checkout_id: Uuid,
    reason: &str,
) -> Result<Vec<Uuid>> {
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .all(txn)
        .await?;
    let mut moved = Vec::new();
    for o in &orders {
        if system_move(txn, o, Move::Cancel, reason).await? {
            moved.push(o.id);
        }
    }
    Ok(moved)
}

/// Moves a checkout that still awaits its payment to `to`, unless somebody settled it
/// meanwhile; with `free_key`, its idempotency key is released so the same request can be
/// made again (the key is unique per buyer, so it is renamed to one no client sends).
pub(crate) async fn settle_unpaid<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    to: CheckoutStatus,
    free_key: bool,
) -> Result<bool> {
    let mut update = checkout::Entity::update_many()
        .col_expr(checkout::Column::Status, Expr::value(to.as_str()));
    if free_key {
        update = update.col_expr(
            checkout::Column::IdempotencyKey,
            Expr::value(format!("released:{id}")),
        );
    }
    let res = update
        .filter(checkout::Column::Id.eq(id))
        .filter(checkout::Column::Status.eq(CheckoutStatus::AwaitingPayment.as_str()))
        .exec(txn)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Empties a buyer's cart.
pub(crate) async fn clear_cart<C: ConnectionTrait>(txn: &C, user: Uuid) -> Result<()> {
    cart_item::Entity::delete_many()
        .filter(cart_item::Column::UserId.eq(user))
        .exec(txn)
        .await?;
    Ok(())
}

/// Puts the lines of these (cancelled) orders back into the buyer's cart, keeping any line
/// the buyer has added since; a variant removed since does not come back.
pub(crate) async fn refill_cart<C: ConnectionTrait>(
    txn: &C,
    user: Uuid,
    orders: &[Uuid],
) -> Result<()> {
    let now = Utc::now();
    let lines = stock_lines(txn, orders).await?;
    let ids: Vec<Uuid> = lines.iter().map(|l| l.variant_id).collect();
    let still = catalog::service::variants::products_of(txn, &ids).await?;
    for line in lines
        .into_iter()
        .filter(|l| still.contains_key(&l.variant_id))
    {
        cart_item::Entity::insert(cart_item::ActiveModel {
            user_id: Set(user),
            variant_id: Set(line.variant_id),
            quantity: Set(line.quantity),
            added_at: Set(now),
            // The buyer put it back by cancelling, not by choosing it at a price: no price is
            // said to have changed until the line is set again.
            unit_price_seen: Set(None),
        })
        .on_conflict_do_nothing_on([cart_item::Column::UserId, cart_item::Column::VariantId])
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Where a request asks to deliver, as it names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Named<T> {
    /// The id of an address of the buyer's book (`address_id`).
    Book(Uuid),
    /// An address, or a place, written in the request itself.
    Written(T),
}

/// The one rule of every request that says where to deliver (the cart priced for delivery,
/// the checkout): an address of the book or one written in the request, never both. Both is a
/// field error on `address_id` whose message, `conflict`, names the two as the request spells
/// them (its code is `conflicting_fields`); neither is `None`, for the caller to allow or not.
pub(crate) fn named_destination<T>(
    address_id: Option<Uuid>,
    written: Option<T>,
    conflict: &str,
) -> std::result::Result<Option<Named<T>>, common::FieldError> {
    match (address_id, written) {
        (Some(_), Some(_)) => Err(common::FieldError::new(
            "address_id",
            common::FieldCode::ConflictingFields,
            conflict,
        )),
        (Some(id), None) => Ok(Some(Named::Book(id))),
        (None, Some(w)) => Ok(Some(Named::Written(w))),
        (None, None) => Ok(None),
    }
}

/// An address of `buyer`'s book, as a shipping address; `None` if it is not theirs.
pub(crate) async fn book_address<C: ConnectionTrait>(
    db: &C,
    buyer: Uuid,
    id: Uuid,
) -> Result<Option<Shipping>> {
    Ok(address::Entity::find_by_id(id)
        .filter(address::Column::UserId.eq(buyer))
        .one(db)
        .await?
        .map(|a| Shipping {
            recipient: a.recipient,
            phone: a.phone,
            province_code: Some(a.province_code),
            commune_code: a.commune_code,
            street: a.street,
        }))
}
