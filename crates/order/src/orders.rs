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
    status::{Move, OrderStatus, Party},
    store::{self, Change},
    types::{Stored, stored},
    views::{self, OrderView},
};

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
        views::order_view(db, id).await
    }

    /// Moves an order on behalf of `actor`.
    pub async fn transition<C: ConnectionTrait + TransactionTrait>(
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
