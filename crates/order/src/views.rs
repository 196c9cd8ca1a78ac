//! Read views: orders as buyers, stalls and administrators see them, and refunds. Every stored
//! status is read through its type, so a corrupt row is an error, not a made-up state.

use catalog::{
    nation::Nation,
    region::{Commune, ProvinceRef},
};
use chrono::{DateTime, Utc};
use common::{Page, PageRequest};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

pub use crate::types::RefundProvider;

use crate::{
    destination::ShippingAddress,
    entity::{order, order_discount, order_event, order_item, refund},
    error::Result,
    shipping::{Rule, Zone},
    status::OrderStatus,
    types::{PaymentMethod, RefundStatus, stored},
};

/// How an order's delivery was priced.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDelivery {
    /// Where the parcel goes, relative to the stall.
    pub zone: Zone,
    /// How the fee was reached.
    pub rule: Rule,
    /// The parcel's weight, in grams.
    pub weight_grams: i64,
}

/// A line of an order, as sold.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// The line (what a case names as `order_item_id`).
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// The variant sold (a line sold before variants: the product's first, of its id).
    pub variant_id: Uuid,
    /// The variant's name when sold (null for a line sold before variants).
    pub variant_name: Option<String>,
    /// Its name when sold.
    pub name: String,
    /// Unit of sale.
    pub unit: String,
    /// Unit price charged, in đồng (a sale's when the line was sold during its window).
    pub unit_price: i64,
    /// The variant's regular unit price when sold (the price before a promotion), in đồng;
    /// null for lines sold before it was kept.
    #[cfg_attr(feature = "openapi", schema(example = 120000))]
    pub regular_unit_price: Option<i64>,
    /// Units.
    pub quantity: i64,
}

/// One change of status.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEvent {
    /// Status before (none for the first).
    pub from: Option<OrderStatus>,
    /// Status after.
    pub to: OrderStatus,
    /// Who (none for the system).
    pub actor_id: Option<Uuid>,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An order.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    /// Id.
    pub id: Uuid,
    /// The order's number: short, unique, what emails and the inbox show (as `#` and it).
    pub number: String,
    /// The checkout it came from.
    pub checkout_id: Uuid,
    /// The buyer.
    pub buyer_id: Uuid,
    /// The stall it is for.
    pub stall_id: Uuid,
    /// The stall's id, slug and name, for the order page.
    pub stall: catalog::product::StallRef,
    /// Status.
    pub status: OrderStatus,
    /// Sum of the lines, in đồng.
    pub subtotal: i64,
    /// The delivery fee, in đồng (0 on orders placed before delivery was priced).
    pub delivery_fee: i64,
    /// What vouchers took off this order, in đồng (0 without any).
    pub discount: i64,
    /// Each voucher's part of `discount`: its code, the amount and who pays for it.
    pub discounts: Vec<DiscountView>,
    /// Goods and delivery, less the discount: what the buyer pays for this order.
    pub total: i64,
    /// How delivery was priced (absent on orders placed before).
    pub delivery: Option<OrderDelivery>,
    /// How it is paid.
    pub payment_method: PaymentMethod,
    /// Whether it has been paid.
    pub paid: bool,
    /// Lines.
    pub items: Vec<OrderLine>,
    /// Delivery address, as it was when the order was placed.
    pub shipping: ShippingAddress,
    /// The carrier, once shipped.
    pub carrier: Option<String>,
    /// The buyer's note.
    pub note: Option<String>,
    /// Tracking number, once shipped.
    pub tracking_no: Option<String>,
    /// The parcel booked with an integrated carrier and its events (absent for the stall's
    /// own delivery).
    pub shipment: Option<crate::parcels::ShipmentView>,
    /// Every status change, oldest first.
    pub history: Vec<OrderEvent>,
    /// The refund owed or sent for the whole order (a cancelled order paid online, or a
    /// delivered one refunded whole).
    pub refund: Option<RefundView>,
    /// Every refund owed or sent for it, oldest first: the whole order's and each case's.
    pub refunds: Vec<RefundView>,
    /// Placed at.
    pub created_at: DateTime<Utc>,
}

/// A voucher's discount on an order.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountView {
    /// The voucher's code.
    pub code: String,
    /// Taken off the order (goods and delivery), in đồng.
    pub amount: i64,
    /// `platform` (the marketplace pays it; the stall's sale is not lowered) or `stall`.
    pub funded_by: promotions::FundedBy,
}

/// A refund of an order, whole or in part.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundView {
    /// Id (also the provider's idempotency key, `refund-{id}`).
    pub id: Uuid,
    /// The order refunded.
    pub order_id: Uuid,
    /// Its checkout.
    pub checkout_id: Uuid,
    /// `stripe` (sent by the refund worker), `vietqr` or `cod` (paid back by hand).
    pub provider: RefundProvider,
    /// The case whose decision owes it; none for a cancellation's or a whole refund.
    pub case_id: Option<Uuid>,
    /// Where a refund paid by hand goes, as the buyer gave it (on the case, or for the order
    /// with `PUT orders/{id}/refund-account`).
    pub refund_account: Option<crate::case::RefundAccount>,
    /// The payment it goes back against, in the provider's terms: a card payment's id at
    /// Stripe, a bank transfer's reference (the checkout's), cash on delivery's order label.
    pub reference: String,
    /// In đồng.
    pub amount: i64,
    /// Queued, sent, failed or manual.
    pub status: RefundStatus,
    /// Calls made to the provider so far.
    pub attempts: i32,
    /// Why the last call failed.
    pub last_error: Option<String>,
    /// The provider's refund id once sent (for one paid back by hand: the bank's reference).
    pub provider_refund_id: Option<String>,
    /// When the next call is due, while queued.
    pub next_attempt_at: DateTime<Utc>,
    /// Owed since.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<refund::Model> for RefundView {
    type Error = crate::OrderError;

    fn try_from(r: refund::Model) -> Result<Self> {
        Ok(Self {
            id: r.id,
            order_id: r.order_id,
            checkout_id: r.checkout_id,
            provider: stored(&r.provider)?,
            case_id: r.case_id,
            refund_account: r
                .refund_account
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| crate::OrderError::Corrupt(format!("refund account: {e}")))?,
            reference: r.payment_intent_id,
            amount: r.amount,
            status: stored::<RefundStatus>(&r.status)?,
            attempts: r.attempts,
            last_error: r.last_error,
            provider_refund_id: r.provider_refund_id,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
        })
    }
}

/// The rows one set of views is made from.
struct Rows {
    items: Vec<order_item::Model>,
    events: Vec<order_event::Model>,
    refunds: Vec<refund::Model>,
    discounts: Vec<order_discount::Model>,
    shipments: Vec<crate::entity::shipment::Model>,
    shipment_events: Vec<crate::entity::shipment_event::Model>,
    stalls: std::collections::HashMap<Uuid, catalog::product::StallRef>,
}

impl Rows {
    async fn load<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Self> {
        let (shipments, shipment_events) = crate::parcels::rows::for_orders(db, ids).await?;
        let ids = || ids.iter().copied();
        Ok(Self {
            shipments,
            shipment_events,
            items: order_item::Entity::find()
                .filter(order_item::Column::OrderId.is_in(ids()))
                .order_by_asc(order_item::Column::Id)
                .all(db)
                .await?,
            events: order_event::Entity::find()
                .filter(order_event::Column::OrderId.is_in(ids()))
                .order_by_asc(order_event::Column::CreatedAt)
                .order_by_asc(order_event::Column::Id)
                .all(db)
                .await?,
            refunds: refund::Entity::find()
                .filter(refund::Column::OrderId.is_in(ids()))
                .order_by_asc(refund::Column::CreatedAt)
                .order_by_asc(refund::Column::Id)
                .all(db)
                .await?,
            discounts: order_discount::Entity::find()
                .filter(order_discount::Column::OrderId.is_in(ids()))
                .order_by_asc(order_discount::Column::CreatedAt)
                .order_by_asc(order_discount::Column::Id)
                .all(db)
                .await?,
            stalls: std::collections::HashMap::new(),
        })
    }

    /// An order's moves, oldest first, each status read back checked.
    fn history(&self, o: &order::Model) -> Result<Vec<OrderEvent>> {
        self.events
            .iter()
            .filter(|e| e.order_id == o.id)
            .map(|e| {
                Ok(OrderEvent {
                    from: e.from_status.as_deref().map(stored).transpose()?,
                    to: stored(&e.to_status)?,
                    actor_id: e.actor_id,
                    reason: e.reason.clone(),
                    at: e.created_at,
                })
            })
            .collect()
    }

    /// The order's parcel booked with a carrier, with its events, each status read back
    /// checked.
    fn shipment(&self, o: &order::Model) -> Result<Option<crate::parcels::ShipmentView>> {
        let Some(s) = self.shipments.iter().find(|s| s.order_id == o.id) else {
            return Ok(None);
        };
        let events = self
            .shipment_events
            .iter()
            .filter(|e| e.shipment_id == s.id)
            .map(|e| {
                Ok(crate::parcels::ShipmentEventView {
                    status: stored(&e.status)?,
                    at: e.at,
                    note: e.note.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(crate::parcels::ShipmentView {
            carrier: s.carrier.clone(),
            service: s.service.clone(),
            tracking_no: s.tracking_no.clone(),
            status: stored(&s.status)?,
            label_url: s.label_url.clone(),
            cod_amount: s.cod_amount,
            events,
        }))
    }

    fn view(&self, o: &order::Model) -> Result<OrderView> {
        let history = self.history(o)?;
        let refunds = self
            .refunds
            .iter()
            .filter(|r| r.order_id == o.id)
            .cloned()
            .map(RefundView::try_from)
            .collect::<Result<Vec<_>>>()?;
        let refund = refunds.iter().find(|r| r.case_id.is_none()).cloned();
        let discounts = self
            .discounts
            .iter()
            .filter(|d| d.order_id == o.id)
            .map(|d| {
                Ok(DiscountView {
                    code: d.code.clone(),
                    amount: d.goods_amount.saturating_add(d.delivery_amount),
                    funded_by: stored(&d.funded_by)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(OrderView {
            id: o.id,
            number: o.number.clone(),
            checkout_id: o.checkout_id,
            buyer_id: o.buyer_id,
            stall_id: o.stall_id,
            stall: self.stalls.get(&o.stall_id).cloned().unwrap_or_else(|| {
                catalog::product::StallRef {
                    id: o.stall_id,
                    slug: String::new(),
                    name: String::new(),
                }
            }),
            status: stored(&o.status)?,
            subtotal: o.subtotal,
            delivery_fee: o.delivery_fee,
            discount: o.discount,
            discounts,
            total: crate::store::order_amount(o),
            delivery: delivery_of(o)?,
            payment_method: stored(&o.payment_method)?,
            paid: o.paid,
            items: self
                .items
                .iter()
                .filter(|i| i.order_id == o.id)
                .map(|i| OrderLine {
                    id: i.id,
                    product_id: i.product_id,
                    variant_id: i.variant_id.unwrap_or(i.product_id),
                    variant_name: i.variant_name.clone(),
                    name: i.name.clone(),
                    unit: i.unit.clone(),
                    unit_price: i.unit_price,
                    regular_unit_price: i.regular_unit_price,
                    quantity: i.quantity,
                })
                .collect(),
            shipping: shipping_of(o),
            carrier: o.carrier.clone(),
            note: o.note.clone(),
            tracking_no: o.tracking_no.clone(),
            shipment: self.shipment(o)?,
            history,
            refund,
            refunds,
            created_at: o.created_at,
        })
    }
}

/// Where an order goes, as it was snapshotted; names missing from older rows come from the
/// national map.
fn shipping_of(o: &order::Model) -> ShippingAddress {
    ShippingAddress {
        recipient: o.shipping_recipient.clone(),
        phone: o.shipping_phone.clone(),
        province: o.shipping_province_code.clone().map(|code| {
            let name = o.shipping_province_name.clone().unwrap_or_else(|| {
                Nation::builtin()
                    .province(&code)
                    .map_or_else(|| code.clone(), |p| p.name.clone())
            });
            ProvinceRef { code, name }
        }),
        commune: Commune {
            code: o.shipping_commune_code.clone(),
            name: o.shipping_commune_name.clone().unwrap_or_else(|| {
                Nation::builtin()
                    .commune(&o.shipping_commune_code)
                    .map_or_else(|| o.shipping_commune_code.clone(), |(u, _)| u.name.clone())
            }),
        },
        street: o.shipping_street.clone(),
    }
}

/// How the order's delivery was priced, checked like every stored value.
fn delivery_of(o: &order::Model) -> Result<Option<OrderDelivery>> {
    let (Some(zone), Some(rule)) = (&o.delivery_zone, &o.delivery_rule) else {
        return Ok(None);
    };
    let zone = Zone::parse(zone).ok_or_else(|| {
        crate::OrderError::Corrupt(format!("delivery zone {zone:?} is not known"))
    })?;
    let rule = Rule::parse(rule).ok_or_else(|| {
        crate::OrderError::Corrupt(format!("delivery rule {rule:?} is not known"))
    })?;
    Ok(Some(OrderDelivery {
        zone,
        rule,
        weight_grams: o.weight_grams,
    }))
}

/// Full views of these orders, in the given order.
pub(crate) async fn order_views<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<OrderView>> {
    let orders = order::Entity::find()
        .filter(order::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut rows = Rows::load(db, ids).await?;
    rows.stalls = catalog::lookup::stall_refs(db, orders.iter().map(|o| o.stall_id)).await?;
    ids.iter()
        .filter_map(|id| orders.iter().find(|o| o.id == *id))
        .map(|o| rows.view(o))
        .collect()
}

/// Orders just written (a checkout's) with their rows, as written: their views need no read.
#[derive(Default)]
pub(crate) struct Written {
    pub orders: Vec<order::Model>,
    pub items: Vec<order_item::Model>,
    pub events: Vec<order_event::Model>,
    pub discounts: Vec<order_discount::Model>,
    pub stalls: std::collections::HashMap<Uuid, catalog::product::StallRef>,
}

/// The views of orders just written, from what was written (no parcel, no refund yet), in
/// the order they were written.
pub(crate) fn written_views(w: Written) -> Result<Vec<OrderView>> {
    let rows = Rows {
        items: w.items,
        events: w.events,
        refunds: Vec::new(),
        discounts: w.discounts,
        shipments: Vec::new(),
        shipment_events: Vec::new(),
        stalls: w.stalls,
    };
    w.orders.iter().map(|o| rows.view(o)).collect()
}

/// One order's view.
pub(crate) async fn order_view<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<OrderView> {
    order_views(db, &[id])
        .await?
        .pop()
        .ok_or(crate::OrderError::NotFound("Order"))
}

/// One page of the orders `q` selects, newest first.
pub(crate) async fn order_page<C: ConnectionTrait>(
    db: &C,
    q: sea_orm::Select<order::Entity>,
    page: PageRequest,
) -> Result<Page<OrderView>> {
    let ids = q
        .select_only()
        .column(order::Column::Id)
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .into_tuple::<Uuid>();
    let ids = common::page::fetch(db, ids, page).await?;
    Ok(Page::new(
        order_views(db, &ids.items).await?,
        ids.total,
        page,
    ))
}

/// How many orders were placed since `since`, by status (for operators' gauges).
pub async fn status_counts_since<C: sea_orm::ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> Result<Vec<(crate::status::OrderStatus, u64)>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let rows: Vec<(String, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::Status)
        .column_as(order::Column::Id.count(), "n")
        .filter(order::Column::CreatedAt.gte(since))
        .group_by(order::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(status, n)| Ok((stored(&status)?, u64::try_from(n).unwrap_or(0))))
        .collect()
}
