//! Writing a checkout's orders: every stall's order, all their items and their first history
//! entries, one statement per table whatever the number of stalls and lines.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, TryIntoModel,
};
use uuid::Uuid;

use super::Draft;
use crate::{
    entity::{order, order_event, order_item},
    error::Result,
    pricing::{Quote, StallQuote},
    status::OrderStatus,
    types::Stored,
    views::Written,
    vouchers,
};

/// Writes one order per stall of `plan` (each less its vouchers' part of `discounts`), their
/// items and first history entries, and tells each stall of an order it can act on at once
/// (in `notices`, written by the caller); returns the orders in the plan's stall order, with
/// their items and events as written.
pub(super) async fn place_orders<C: ConnectionTrait>(
    txn: &C,
    d: &Draft<'_>,
    plan: &Quote,
    discounts: &[promotions::OrderDiscount],
    notices: &mut notify::Batch<'_>,
) -> Result<Written> {
    // Money collected up front is awaited; otherwise the stall can act at once.
    let status = if d.up_front {
        OrderStatus::PendingPayment
    } else {
        OrderStatus::Placed
    };
    let numbers = new_numbers(txn, plan.stalls.len()).await?;
    let rows: Vec<order::ActiveModel> = plan
        .stalls
        .iter()
        .zip(&numbers)
        .map(|(stall, (id, number))| {
            let off = vouchers::of_stall(discounts, stall.stall_id);
            order_row(d, stall, status, off, (*id, number.clone()))
        })
        .collect();
    let written = models(&rows)?;
    order::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    let items: Vec<order_item::ActiveModel> = plan
        .stalls
        .iter()
        .zip(&numbers)
        .flat_map(|(stall, (order_id, _))| stall.items.iter().map(|i| item_row(*order_id, i)))
        .collect();
    let events: Vec<order_event::ActiveModel> = numbers
        .iter()
        .map(|(order_id, _)| order_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(*order_id),
            from_status: Set(None),
            to_status: Set(status.as_str().to_owned()),
            actor_id: Set(Some(d.buyer)),
            reason: Set(None),
            created_at: Set(d.at),
        })
        .collect();
    let out = Written {
        items: models(&items)?,
        events: models(&events)?,
        ..Written::default()
    };
    order_item::Entity::insert_many(items)
        .exec_without_returning(txn)
        .await?;
    order_event::Entity::insert_many(events)
        .exec_without_returning(txn)
        .await?;
    if status == OrderStatus::Placed {
        let placed: Vec<(&order::Model, i64)> = written
            .iter()
            .zip(&plan.stalls)
            .map(|(o, stall)| (o, stall.items.iter().map(|i| i.quantity).sum()))
            .collect();
        crate::notices::placed(txn, notices, &placed).await?;
    }
    Ok(Written {
        orders: written,
        ..out
    })
}

/// Rows as written (every column is set), without asking the database for them back.
fn models<A>(rows: &[A]) -> Result<Vec<<A::Entity as EntityTrait>::Model>>
where
    A: sea_orm::ActiveModelTrait + TryIntoModel<<A::Entity as EntityTrait>::Model> + Clone,
{
    Ok(rows
        .iter()
        .map(|r| r.clone().try_into_model())
        .collect::<std::result::Result<Vec<_>, _>>()?)
}

/// One stall's order row.
fn order_row(
    d: &Draft<'_>,
    stall: &StallQuote,
    status: OrderStatus,
    discount: i64,
    (id, number): (Uuid, String),
) -> order::ActiveModel {
    let delivery = stall.delivery.as_ref();
    order::ActiveModel {
        id: Set(id),
        number: Set(number),
        checkout_id: Set(d.id),
        buyer_id: Set(d.buyer),
        stall_id: Set(stall.stall_id),
        status: Set(status.as_str().to_owned()),
        subtotal: Set(stall.subtotal),
        discount: Set(discount),
        payment_method: Set(d.method.as_str().to_owned()),
        paid: Set(false),
        shipping_recipient: Set(d.destination.recipient.clone()),
        shipping_phone: Set(d.destination.phone.clone()),
        shipping_commune_code: Set(d.destination.commune.0.clone()),
        shipping_street: Set(d.destination.street.clone()),
        shipping_province_code: Set(Some(d.destination.province.0.clone())),
        shipping_province_name: Set(Some(d.destination.province.1.clone())),
        shipping_commune_name: Set(Some(d.destination.commune.1.clone())),
        delivery_fee: Set(delivery.map_or(0, |x| x.fee)),
        delivery_zone: Set(delivery.map(|x| x.zone.as_str().to_owned())),
        delivery_rule: Set(delivery.map(|x| x.rule.as_str().to_owned())),
        weight_grams: Set(delivery.map_or(0, |x| x.weight_grams)),
        carrier: Set(None),
        note: Set(d.note.clone()),
        tracking_no: Set(None),
        created_at: Set(d.at),
        updated_at: Set(d.at),
    }
}

/// One line of an order, its name and prices as priced.
fn item_row(order_id: Uuid, item: &crate::pricing::PricedItem) -> order_item::ActiveModel {
    order_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        product_id: Set(item.product_id),
        variant_id: Set(Some(item.variant_id)),
        variant_name: Set(Some(item.variant_name.clone())),
        name: Set(item.name.clone()),
        unit: Set(item.unit.clone()),
        unit_price: Set(item.unit_price),
        regular_unit_price: Set(Some(item.regular_unit_price)),
        quantity: Set(item.quantity),
    }
}

/// `n` new orders' ids and numbers: a number is the last eight hex digits of the id (its random
/// part), in capitals, as orders were always named; an id whose number is taken (or drawn twice
/// here) is drawn again, all of them looked up at once. Two checkouts drawing one free number
/// at the same moment (about one chance in four billion) meet the unique index, and the later
/// one fails whole.
async fn new_numbers<C: ConnectionTrait>(txn: &C, n: usize) -> Result<Vec<(Uuid, String)>> {
    let mut out: Vec<(Uuid, String)> = Vec::with_capacity(n);
    while out.len() < n {
        let mut drawn: Vec<(Uuid, String)> = Vec::with_capacity(n - out.len());
        while drawn.len() < n - out.len() {
            let id = Uuid::now_v7();
            let hex = id.simple().to_string().to_uppercase();
            let number = hex[hex.len() - 8..].to_owned();
            if !out.iter().chain(&drawn).any(|(_, m)| *m == number) {
                drawn.push((id, number));
            }
        }
        let taken: HashSet<String> = order::Entity::find()
            .select_only()
            .column(order::Column::Number)
            .filter(order::Column::Number.is_in(drawn.iter().map(|(_, m)| m.clone())))
            .into_tuple::<String>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        out.extend(drawn.into_iter().filter(|(_, m)| !taken.contains(m)));
    }
    Ok(out)
}
