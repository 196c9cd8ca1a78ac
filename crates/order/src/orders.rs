//! Orders: what buyers, stalls and admins see of them, and every status change, checked
//! against the state machine and recorded with its actor and reason. A cancelled order returns
//! its stock exactly once.

use chrono::{DateTime, Utc};
use common::{Actor, Page, PageRequest, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    OrderError,
    entity::{order, order_event, order_item, refund},
    error::Result,
    payment::PaymentMethod,
    status::{Move, OrderStatus, Party},
};

/// A line of an order, as sold.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// The product.
    pub product_id: Uuid,
    /// Its name when sold.
    pub name: String,
    /// Unit of sale.
    pub unit: String,
    /// Unit price when sold, in đồng.
    pub unit_price: i64,
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
    /// The checkout it came from.
    pub checkout_id: Uuid,
    /// The buyer.
    pub buyer_id: Uuid,
    /// The stall it is for.
    pub stall_id: Uuid,
    /// Status.
    pub status: OrderStatus,
    /// Sum of the lines, in đồng.
    pub subtotal: i64,
    /// How it is paid.
    pub payment_method: PaymentMethod,
    /// Whether it has been paid.
    pub paid: bool,
    /// Lines.
    pub items: Vec<OrderLine>,
    /// Delivery address.
    pub shipping: crate::checkout::Shipping,
    /// The buyer's note.
    pub note: Option<String>,
    /// Tracking number, once shipped.
    pub tracking_no: Option<String>,
    /// Every status change, oldest first.
    pub history: Vec<OrderEvent>,
    /// The refund owed or sent, for a cancelled order that was paid by card.
    pub refund: Option<crate::payments::RefundView>,
    /// Placed at.
    pub created_at: DateTime<Utc>,
}

/// Orders and their moves.
#[derive(Clone, Debug)]
pub struct Orders {
    catalog: catalog::Catalog,
}

impl Orders {
    /// Orders over `catalog` (for stall membership).
    pub fn new(catalog: catalog::Catalog) -> Self {
        Self { catalog }
    }

    /// Full views of these orders, in the given order.
    pub(crate) async fn views<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<OrderView>> {
        let orders = order::Entity::find()
            .filter(order::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        let items = order_item::Entity::find()
            .filter(order_item::Column::OrderId.is_in(ids.iter().copied()))
            .order_by_asc(order_item::Column::Id)
            .all(db)
            .await?;
        let events = order_event::Entity::find()
            .filter(order_event::Column::OrderId.is_in(ids.iter().copied()))
            .order_by_asc(order_event::Column::CreatedAt)
            .order_by_asc(order_event::Column::Id)
            .all(db)
            .await?;
        let refunds = refund::Entity::find()
            .filter(refund::Column::OrderId.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| orders.iter().find(|o| o.id == *id))
            .map(|o| OrderView {
                id: o.id,
                checkout_id: o.checkout_id,
                buyer_id: o.buyer_id,
                stall_id: o.stall_id,
                status: OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Placed),
                subtotal: o.subtotal,
                payment_method: PaymentMethod::parse(&o.payment_method)
                    .unwrap_or(PaymentMethod::Cod),
                paid: o.paid,
                items: items
                    .iter()
                    .filter(|i| i.order_id == o.id)
                    .map(|i| OrderLine {
                        product_id: i.product_id,
                        name: i.name.clone(),
                        unit: i.unit.clone(),
                        unit_price: i.unit_price,
                        quantity: i.quantity,
                    })
                    .collect(),
                shipping: crate::checkout::Shipping {
                    recipient: o.shipping_recipient.clone(),
                    phone: o.shipping_phone.clone(),
                    commune_code: o.shipping_commune_code.clone(),
                    street: o.shipping_street.clone(),
                },
                note: o.note.clone(),
                tracking_no: o.tracking_no.clone(),
                history: events
                    .iter()
                    .filter(|e| e.order_id == o.id)
                    .map(|e| OrderEvent {
                        from: e.from_status.as_deref().and_then(OrderStatus::parse),
                        to: OrderStatus::parse(&e.to_status).unwrap_or(OrderStatus::Placed),
                        actor_id: e.actor_id,
                        reason: e.reason.clone(),
                        at: e.created_at,
                    })
                    .collect(),
                refund: refunds
                    .iter()
                    .find(|r| r.order_id == o.id)
                    .cloned()
                    .map(Into::into),
                created_at: o.created_at,
            })
            .collect())
    }

    async fn page<C: ConnectionTrait>(
        db: &C,
        q: sea_orm::Select<order::Entity>,
        page: PageRequest,
    ) -> Result<Page<OrderView>> {
        let total = q.clone().count(db).await?;
        let ids: Vec<Uuid> = q
            .select_only()
            .column(order::Column::Id)
            .order_by_desc(order::Column::CreatedAt)
            .order_by_desc(order::Column::Id)
            .offset(page.offset())
            .limit(page.per_page)
            .into_tuple()
            .all(db)
            .await?;
        Ok(Page::new(Self::views(db, &ids).await?, total, page))
    }

    /// The caller's orders, newest first.
    pub async fn mine<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<OrderView>> {
        let buyer = actor.require_user()?;
        Self::page(
            db,
            order::Entity::find().filter(order::Column::BuyerId.eq(buyer)),
            page,
        )
        .await
    }

    /// A stall's orders, optionally in one status (members only).
    pub async fn for_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<OrderView>> {
        let (stall_id, _) = self.catalog.membership(db, actor, stall).await?;
        let mut q = order::Entity::find().filter(order::Column::StallId.eq(stall_id));
        if let Some(s) = status {
            q = q.filter(order::Column::Status.eq(s.as_str()));
        }
        Self::page(db, q, page).await
    }

    /// Who `actor` is to this order; another user's order is "not found".
    async fn party<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        o: &order::Model,
    ) -> Result<Vec<Party>> {
        let user = actor.require_user()?;
        let mut parties = Vec::new();
        if o.buyer_id == user {
            parties.push(Party::Buyer);
        }
        if self.catalog.role_in(db, user, o.stall_id).await?.is_some() {
            parties.push(Party::Stall);
        }
        if actor.is_admin() {
            parties.push(Party::Admin);
        }
        if parties.is_empty() {
            return Err(OrderError::NotFound("Order"));
        }
        Ok(parties)
    }

    /// One order, for its buyer, its stall's members or an admin.
    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<OrderView> {
        let o = order::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Order"))?;
        self.party(db, actor, &o).await?;
        Self::views(db, &[id])
            .await?
            .pop()
            .ok_or(OrderError::NotFound("Order"))
    }

    /// Moves an order on behalf of `actor`.
    pub async fn transition<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        m: Move,
        reason: Option<&str>,
        tracking_no: Option<&str>,
    ) -> Result<OrderView> {
        let o = order::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Order"))?;
        let parties = self.party(db, actor, &o).await?;
        let mut v = Validator::new();
        let reason = match (m, reason) {
            (Move::Reject, r) => Some(v.text("reason", r.unwrap_or(""), 3, 1000)),
            (Move::Cancel, r) if !parties.contains(&Party::Buyer) => {
                Some(v.text("reason", r.unwrap_or(""), 3, 1000))
            }
            (_, Some(r)) if !r.trim().is_empty() => Some(v.text("reason", r, 0, 1000)),
            _ => None,
        };
        let tracking = tracking_no
            .map(|t| v.text("tracking_no", t, 1, 64))
            .filter(|t| !t.is_empty());
        v.finish()?;
        let from = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Placed);
        let Some((party, to)) = parties
            .iter()
            .find_map(|p| from.apply(m, *p).map(|to| (*p, to)))
        else {
            return Err(OrderError::InvalidTransition(format!(
                "An order that is {} cannot be {} by you.",
                from.as_str().replace('_', " "),
                match m {
                    Move::Pay => "paid",
                    Move::Confirm => "confirmed",
                    Move::Ship => "shipped",
                    Move::Deliver => "delivered",
                    Move::Cancel => "cancelled",
                    Move::Reject => "rejected",
                }
            )));
        };
        let actor_id = if party == Party::System {
            None
        } else {
            actor.user_id()
        };
        apply(db, &o, from, to, actor_id, reason, tracking).await?;
        Self::views(db, &[id])
            .await?
            .pop()
            .ok_or(OrderError::NotFound("Order"))
    }
}

/// Applies a checked move in one transaction: the status changes only if nobody moved it
/// meanwhile, the event is recorded, and a cancellation returns the stock (exactly once, since
/// only one transaction can win the conditional update) and owes a refund if it was paid.
pub(crate) async fn apply<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    o: &order::Model,
    from: OrderStatus,
    to: OrderStatus,
    actor_id: Option<Uuid>,
    reason: Option<String>,
    tracking: Option<String>,
) -> Result<()> {
    let txn = catalog::begin_write(db).await?;
    if !apply_in(&txn, o, from, to, actor_id, reason, tracking).await? {
        return Err(OrderError::InvalidTransition(
            "The order changed meanwhile; reload it.".into(),
        ));
    }
    txn.commit().await?;
    Ok(())
}

/// [`apply`] inside the caller's transaction. Returns `false` (and changes nothing) when the
/// order is no longer in `from`.
pub(crate) async fn apply_in<C: ConnectionTrait>(
    txn: &C,
    o: &order::Model,
    from: OrderStatus,
    to: OrderStatus,
    actor_id: Option<Uuid>,
    reason: Option<String>,
    tracking: Option<String>,
) -> Result<bool> {
    let now = Utc::now();
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now));
    if let Some(t) = &tracking {
        update = update.col_expr(order::Column::TrackingNo, Expr::value(t.clone()));
    }
    if to == OrderStatus::Delivered && o.payment_method == PaymentMethod::Cod.as_str() {
        // Cash changes hands on delivery.
        update = update.col_expr(order::Column::Paid, Expr::value(true));
    }
    if from == OrderStatus::PendingPayment && to == OrderStatus::Placed {
        update = update.col_expr(order::Column::Paid, Expr::value(true));
    }
    let res = update
        .filter(order::Column::Id.eq(o.id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Ok(false);
    }
    order_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(o.id),
        from_status: Set(Some(from.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        actor_id: Set(actor_id),
        reason: Set(reason),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    if to == OrderStatus::Cancelled {
        return_stock(txn, o.id).await?;
        if o.paid && o.payment_method == PaymentMethod::Card.as_str() {
            crate::payments::owe_refund(txn, o).await?;
        }
    }
    Ok(true)
}

/// Puts a cancelled order's units back on the shelf and takes them off the sales counters.
async fn return_stock<C: ConnectionTrait>(txn: &C, order_id: Uuid) -> Result<()> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order_id))
        .all(txn)
        .await?;
    for i in items {
        catalog::entity::product::Entity::update_many()
            .col_expr(
                catalog::entity::product::Column::Stock,
                Expr::col(catalog::entity::product::Column::Stock).add(i.quantity),
            )
            .col_expr(
                catalog::entity::product::Column::SalesCount,
                Expr::col(catalog::entity::product::Column::SalesCount).sub(i.quantity),
            )
            .filter(catalog::entity::product::Column::Id.eq(i.product_id))
            .exec(txn)
            .await?;
        catalog::outbox::enqueue(txn, catalog::outbox::Entity::Product, i.product_id).await?;
    }
    Ok(())
}
