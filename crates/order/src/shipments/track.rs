//! The one path of a carrier's event, whether a callback brought it or the poll found it:
//! recorded once (its key is the carrier's status and time), applied only if it is not older
//! than the last event applied (a late one stays in the history and moves nothing), and the
//! order moved by what it says: `delivered` makes the order delivered with its ledger
//! entries, `returned` makes it returned (stock back, an online payment owed back), a failed
//! attempt tells the buyer; the other steps move the parcel only.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::parcels::ShipmentStatus;
use crate::{
    entity::{order, shipment, shipment_event},
    error::Result,
    status::{Move, OrderStatus},
    store,
    types::{Stored, stored},
};

/// Where an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The carrier's callback.
    Callback,
    /// The poll's question to the carrier.
    Poll,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Callback => "callback",
            Source::Poll => "poll",
        }
    }
}

/// What an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applied {
    /// It moved the parcel (and the order, if it says so).
    Moved,
    /// It was older than the last event applied: recorded in the history, nothing moved.
    Late,
    /// It was recorded before: nothing changed.
    Duplicate,
}

/// What the caller does after the commit.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct After {
    /// The order whose refund became owed (returned, paid online): send it now.
    pub refund_order: Option<Uuid>,
}

/// The event's key: the carrier's status and its time, so the same step reported by a
/// callback and found by the poll is one.
fn dedupe_key(e: &carriers::CarrierEvent) -> String {
    let mut status = e.carrier_status.clone();
    status.truncate(100);
    format!("{status}@{}", e.at.timestamp_millis())
}

/// Whether `e` comes after the last event applied to `s` (by the carrier's time; two dated
/// alike in the parcel's usual order), and the parcel may still move.
fn comes_after(
    s: &shipment::Model,
    current: ShipmentStatus,
    next: ShipmentStatus,
    at: DateTime<Utc>,
) -> bool {
    if current.is_final() || current == ShipmentStatus::Booking {
        return false;
    }
    match s.last_event_at {
        None => true,
        Some(last) => at > last || (at == last && next.rank() >= current.rank()),
    }
}

/// A text of at most `max` characters.
fn clipped(text: Option<&str>, max: usize) -> Option<String> {
    text.map(|t| t.chars().take(max).collect::<String>())
        .filter(|t| !t.trim().is_empty())
}

/// Applies the carrier's event `e` to the shipment `s` (its row locked by the caller), in the
/// caller's transaction; `ledger` takes a delivery's entries.
pub(crate) async fn apply<C: ConnectionTrait>(
    txn: &C,
    ledger: &ledger::Ledger,
    s: &shipment::Model,
    e: &carriers::CarrierEvent,
    source: Source,
    now: DateTime<Utc>,
) -> Result<(Applied, After)> {
    let current = stored::<ShipmentStatus>(&s.status)?;
    let next = ShipmentStatus::from(e.status);
    let moves = comes_after(s, current, next, e.at);
    let mut raw = e.carrier_status.clone();
    raw.truncate(64);
    let row = shipment_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        shipment_id: Set(s.id),
        at: Set(e.at),
        status: Set(next.as_str().to_owned()),
        raw_status: Set(raw),
        location: Set(None),
        note: Set(clipped(e.reason.as_deref(), 500)),
        dedupe_key: Set(dedupe_key(e)),
        applied: Set(moves),
        source: Set(source.as_str().to_owned()),
        received_at: Set(now),
    };
    let written = shipment_event::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                shipment_event::Column::ShipmentId,
                shipment_event::Column::DedupeKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    if written == 0 {
        return Ok((Applied::Duplicate, After::default()));
    }
    if !moves {
        return Ok((Applied::Late, After::default()));
    }
    shipment::Entity::update_many()
        .col_expr(
            shipment::Column::Status,
            sea_orm::sea_query::Expr::value(next.as_str()),
        )
        .col_expr(
            shipment::Column::LastEventAt,
            sea_orm::sea_query::Expr::value(e.at),
        )
        .col_expr(
            shipment::Column::CheckedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            shipment::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(shipment::Column::Id.eq(s.id))
        .exec(txn)
        .await?;
    let after = move_order(txn, ledger, s, next, e, now).await?;
    Ok((Applied::Moved, after))
}

/// What the parcel's new status `next` does to its order. A delivery is dated by the
/// carrier's clock, never later than `now`, when we heard of it: a carrier's clock running
/// ahead neither dates a delivery in the future nor holds its earnings back.
async fn move_order<C: ConnectionTrait>(
    txn: &C,
    ledger: &ledger::Ledger,
    s: &shipment::Model,
    next: ShipmentStatus,
    e: &carriers::CarrierEvent,
    now: DateTime<Utc>,
) -> Result<After> {
    let Some(o) = order::Entity::find_by_id(s.order_id).one(txn).await? else {
        return Ok(After::default());
    };
    if stored::<OrderStatus>(&o.status)? != OrderStatus::Shipped {
        return Ok(After::default());
    }
    let reason = format!("{}: {}", s.carrier, e.carrier_status);
    match next {
        ShipmentStatus::Delivered => {
            if store::system_move(txn, &o, Move::Deliver, &reason).await? {
                let delivered = store::delivered(txn, &o, e.at.min(now)).await?;
                ledger.earn(txn, &delivered).await?;
            }
            Ok(After::default())
        }
        ShipmentStatus::Returned => {
            let moved = store::system_move(txn, &o, Move::Return, &reason).await?;
            Ok(After {
                refund_order: moved.then_some(o.id),
            })
        }
        ShipmentStatus::DeliveryFailed => {
            let note = clipped(e.reason.as_deref(), 500);
            crate::notices::delivery_failed(txn, &o, s, note.as_deref()).await?;
            Ok(After::default())
        }
        _ => Ok(After::default()),
    }
}
