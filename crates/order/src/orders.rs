//! Order handling: what buyers, stalls and administrators may see of orders, and the moves
//! they make (confirm, ship, deliver, cancel, reject), each checked against the state machine
//! for the caller's party and recorded with its actor and reason.

use common::{Actor, Page, PageRequest, validate::Validator};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    OrderError,
    entity::order,
    error::Result,
    status::{Change, Move, OrderStatus, Party},
    store,
    types::{Stored, stored},
    views::{self, OrderView},
};

/// The filters of the administrators' order list; days are Vietnam's, both inclusive.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    /// In this status.
    pub status: Option<OrderStatus>,
    /// Of this stall.
    pub stall: Option<Uuid>,
    /// Placed on or after this day.
    pub from: Option<chrono::NaiveDate>,
    /// Placed on or before this day.
    pub to: Option<chrono::NaiveDate>,
}

/// Orders and their moves.
#[derive(Clone, Debug)]
pub struct Orders {
    catalog: catalog::Catalog,
    pub(crate) ledger: ledger::Ledger,
    pub(crate) refunder: crate::refunder::Refunder,
    /// The carriers and the stalls' accounts with them.
    pub(crate) desk: crate::parcels::Desk,
}

impl Orders {
    /// Orders over `catalog` (for stall membership), writing the vendors' money to a ledger
    /// with the default settings.
    pub fn new(catalog: catalog::Catalog) -> Self {
        Self {
            ledger: ledger::Ledger::new(ledger::Settings::default(), catalog.clone()),
            desk: crate::parcels::Desk::none(catalog.clone()),
            catalog,
            refunder: crate::refunder::Refunder::default(),
        }
    }

    /// Books and follows parcels with the carriers of `desk`.
    pub fn with_shipments(mut self, desk: crate::parcels::Desk) -> Self {
        self.desk = desk;
        self
    }

    /// Sends the refunds a move owes on a card payment through `card` at once (without a
    /// card provider they stay queued for the retry job).
    pub fn with_card(mut self, card: std::sync::Arc<dyn crate::provider::PaymentProvider>) -> Self {
        self.refunder = crate::refunder::Refunder::new(Some(card));
        self
    }

    /// Writes deliveries and refunds to `ledger` (with its settings).
    pub fn with_ledger(mut self, ledger: ledger::Ledger) -> Self {
        self.ledger = ledger;
        self
    }

    /// The catalogue it asks about stalls.
    pub(crate) fn catalog(&self) -> &catalog::Catalog {
        &self.catalog
    }

    /// The caller's orders, newest first.
    pub async fn mine<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<OrderView>> {
        let buyer = actor.require_user()?;
        views::order_page(
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
        views::order_page(db, q, page).await
    }

    /// Every order, newest first, by status, stall and the day it was placed (administrators'
    /// queue).
    pub async fn admin_orders<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        filter: OrderFilter,
        page: PageRequest,
    ) -> Result<Page<OrderView>> {
        if !actor.is_admin() {
            actor.require_user()?;
            return Err(common::Error::forbidden("Only administrators see every order.").into());
        }
        let mut q = order::Entity::find();
        if let Some(s) = filter.status {
            q = q.filter(order::Column::Status.eq(s.as_str()));
        }
        if let Some(stall) = filter.stall {
            q = q.filter(order::Column::StallId.eq(stall));
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(common::Error::invalid_field(
                "to",
                common::FieldCode::BeforeOther,
                "must not be before from",
            )
            .into());
        }
        if let Some(from) = filter.from {
            q = q.filter(order::Column::CreatedAt.gte(common::calendar::start_of(from)));
        }
        if let Some(to) = filter.to {
            q = q.filter(order::Column::CreatedAt.lt(common::calendar::day_bounds(to).1));
        }
        views::order_page(db, q, page).await
    }

    /// Who `actor` is to this order; another user's order is "not found".
    pub(crate) async fn party<C: ConnectionTrait>(
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
        views::order_view(db, id).await
    }

    /// The order `reference` names, its id or its number (`F5567A59`, with or without `#`,
    /// any case), on behalf of `actor`, as [`Orders::get`]; anything else is "not found".
    pub async fn get_by_ref<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        reference: &str,
    ) -> Result<OrderView> {
        if let Ok(id) = Uuid::parse_str(reference) {
            return self.get(db, actor, id).await;
        }
        let number = reference.trim_start_matches('#').to_ascii_uppercase();
        let hex = number.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex || !(8..=32).contains(&number.len()) {
            return Err(OrderError::NotFound("Order"));
        }
        let o = order::Entity::find()
            .filter(order::Column::Number.eq(number))
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Order"))?;
        self.party(db, actor, &o).await?;
        views::order_view(db, o.id).await
    }

    /// Moves an order on behalf of `actor`.
    async fn transition<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        m: Move,
        words: MoveWords<'_>,
    ) -> Result<OrderView> {
        let o = order::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Order"))?;
        let parties = self.party(db, actor, &o).await?;
        if m == Move::Deliver && crate::parcels::rows::carrier_delivers(db, o.id).await? {
            return Err(OrderError::InvalidTransition(
                "The carrier reports this order's delivery; it cannot be marked delivered by hand."
                    .into(),
            ));
        }
        let (reason, tracking, carrier) = checked_words(m, &parties, words)?;
        let from = stored::<OrderStatus>(&o.status)?;
        let Some(to) = parties.iter().find_map(|p| from.apply(m, *p)) else {
            return Err(OrderError::InvalidTransition(format!(
                "An order that is {} cannot be {} by you.",
                from.as_str().replace('_', " "),
                m.past_tense()
            )));
        };
        let change = Change {
            m,
            from,
            to,
            actor_id: actor.user_id(),
            reason,
            tracking,
            carrier,
        };
        let txn = common::begin_write(db).await?;
        if !store::apply_move(&txn, &o, change).await? {
            return Err(OrderError::InvalidTransition(
                "The order changed meanwhile; reload it.".into(),
            ));
        }
        if to == OrderStatus::Delivered {
            // The stall has earned it: its ledger entries are written with the delivery.
            let delivered = store::delivered(&txn, &o, chrono::Utc::now()).await?;
            self.ledger.earn(&txn, &delivered).await?;
        }
        txn.commit().await?;
        views::order_view(db, id).await
    }

    /// Moves an order on behalf of `actor` (checked by the state machine for the caller's party); when the move cancelled a
    /// paid order, its refund is sent at once, so the answer already shows it sent.
    pub async fn make_move<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        m: Move,
        words: MoveWords<'_>,
    ) -> Result<OrderView> {
        let view = self.transition(db, actor, id, m, words).await?;
        self.refund_sent(db, view).await
    }

    /// Refunds a delivered order (administrators, with why) and sends a card refund at
    /// once.
    pub async fn refund<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<OrderView> {
        let view = self.refund_delivered(db, actor, id, reason).await?;
        self.refund_sent(db, view).await
    }

    /// `view` after the card refund it owes, if any, was sent (the one home of "cancel, then
    /// refund"). If the provider fails, the refund stays queued and the retry job sends it.
    async fn refund_sent<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        view: OrderView,
    ) -> Result<OrderView> {
        if view.refund.is_none() {
            return Ok(view);
        }
        self.refunder.send_now(db, view.id).await?;
        views::order_view(db, view.id).await
    }

    /// Refunds a delivered order (administrators; a return or a dispute decided for the
    /// buyer), with why. The stall's ledger entries for it are reversed in the same
    /// transaction; money paid online is owed back to the buyer (a card refund is sent by the
    /// refund worker, a bank transfer's is paid back by hand); cash on delivery is paid back
    /// by the stall that collected it.
    async fn refund_delivered<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<OrderView> {
        let o = order::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Order"))?;
        let parties = self.party(db, actor, &o).await?;
        if !parties.contains(&Party::Admin) {
            return Err(
                common::Error::forbidden("Only administrators refund delivered orders.").into(),
            );
        }
        let mut v = Validator::new();
        let reason = v.text("reason", reason, 3, 1000);
        v.finish()?;
        if stored::<OrderStatus>(&o.status)? != OrderStatus::Delivered {
            return Err(OrderError::InvalidTransition(
                "Only a delivered order is refunded this way; cancel an undelivered one.".into(),
            ));
        }
        let txn = common::begin_write(db).await?;
        // The lock serialises two refunds of one order; the refund's unique order id and the
        // ledger's one reversal per order keep it once.
        if store::locked_refund_exists(&txn, o.id).await? {
            return Err(common::Error::conflict(
                "already_refunded",
                "This order was refunded already.",
            )
            .into());
        }
        let method = stored::<crate::types::PaymentMethod>(&o.payment_method)?;
        if method != crate::types::PaymentMethod::Cod {
            store::owe_refund(&txn, &o, method).await?;
        }
        let reversed = self
            .ledger
            .reverse_order(&txn, o.id, actor.user_id(), &format!("refund: {reason}"))
            .await?;
        if reversed.is_none() {
            return Err(common::Error::conflict(
                "already_refunded",
                "This order was refunded already.",
            )
            .into());
        }
        crate::trade_facts::refunded(&txn, &o).await?;
        store::record_refund_event(&txn, &o, actor.user_id(), &reason).await?;
        crate::notices::refunded_after_delivery(&txn, &o, &reason).await?;
        txn.commit().await?;
        views::order_view(db, id).await
    }
}

/// What may accompany a move, as the caller sent it.
#[derive(Clone, Copy, Debug, Default)]
pub struct MoveWords<'a> {
    /// Why (required to reject, and for anyone but the buyer to cancel).
    pub reason: Option<&'a str>,
    /// The carrier's tracking number, on shipping.
    pub tracking_no: Option<&'a str>,
    /// The carrier, on shipping.
    pub carrier: Option<&'a str>,
}

/// The reason, tracking number and carrier of a move, checked: a rejection needs a reason, and
/// so does a cancellation by anyone but the buyer.
fn checked_words(
    m: Move,
    parties: &[Party],
    words: MoveWords<'_>,
) -> Result<(Option<String>, Option<String>, Option<String>)> {
    let MoveWords {
        reason,
        tracking_no,
        carrier,
    } = words;
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
    let carrier = carrier
        .map(|c| v.text("carrier", c, 1, 64))
        .filter(|c| !c.is_empty());
    v.finish()?;
    Ok((reason, tracking, carrier))
}
