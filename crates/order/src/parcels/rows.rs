//! The shipment rows: the booking's reservation and its lease, the carrier's answer recorded,
//! a parcel found by its waybill, and what the views and the order moves ask of them. Each
//! step takes the caller's connection or transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::ShipmentStatus;
use crate::{
    entity::{order, shipment, shipment_event},
    error::Result,
    types::Stored,
};

/// How long one request holds a booking while it waits for the carrier: a second request
/// meanwhile is told to wait; after it, a request takes the booking up again (the first
/// one's process died between the carrier's answer and the commit).
pub(crate) const BOOKING_LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// What reserving the booking of an order found.
pub(crate) enum Reserved {
    /// This request holds the booking until `until`: ask the carrier.
    Mine {
        /// The row.
        row: Box<shipment::Model>,
        /// The lease it holds (what its answer is recorded under).
        until: DateTime<Utc>,
    },
    /// Another request is asking the carrier right now.
    Busy,
    /// The order's parcel was booked already.
    Done,
}

/// What a new booking is for.
pub(crate) struct NewBooking<'a> {
    /// The order.
    pub order: &'a order::Model,
    /// The carrier's id.
    pub carrier: &'a str,
    /// The carrier's service, if chosen.
    pub service: Option<&'a str>,
    /// Cash the carrier collects, đồng.
    pub cod_amount: i64,
}

/// Reserves the booking of `b.order` for this request: one row per order (a unique index),
/// so of two requests racing, one inserts it and the other finds it; a row whose lease ran
/// out (its request died) is taken over by one conditional update.
pub(crate) async fn reserve<C: ConnectionTrait>(
    txn: &C,
    b: NewBooking<'_>,
    now: DateTime<Utc>,
) -> Result<Reserved> {
    let until = now + BOOKING_LEASE;
    let row = shipment::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(b.order.id),
        stall_id: Set(b.order.stall_id),
        carrier: Set(b.carrier.to_owned()),
        service: Set(b.service.map(str::to_owned)),
        tracking_no: Set(None),
        label_url: Set(None),
        status: Set(ShipmentStatus::Booking.as_str().to_owned()),
        cod_amount: Set(b.cod_amount),
        fee: Set(None),
        booking_key: Set(b.order.number.clone()),
        booking_until: Set(Some(until)),
        last_event_at: Set(None),
        checked_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let inserted = shipment::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(shipment::Column::OrderId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    let row = of_order(txn, b.order.id)
        .await?
        .ok_or(crate::OrderError::NotFound("Shipment"))?;
    if inserted == 1 {
        return Ok(Reserved::Mine {
            row: Box::new(row),
            until,
        });
    }
    if crate::types::stored::<ShipmentStatus>(&row.status)? != ShipmentStatus::Booking {
        return Ok(Reserved::Done);
    }
    if row.booking_until.is_some_and(|t| t > now) {
        return Ok(Reserved::Busy);
    }
    // The lease ran out: its request died. Take it over, unless another request just did.
    let taken = shipment::Entity::update_many()
        .col_expr(shipment::Column::BookingUntil, Expr::value(until))
        .col_expr(shipment::Column::Carrier, Expr::value(b.carrier))
        .col_expr(shipment::Column::Service, Expr::value(b.service))
        .col_expr(shipment::Column::CodAmount, Expr::value(b.cod_amount))
        .col_expr(shipment::Column::UpdatedAt, Expr::value(now))
        .filter(shipment::Column::Id.eq(row.id))
        .filter(shipment::Column::Status.eq(ShipmentStatus::Booking.as_str()))
        .filter(match row.booking_until {
            Some(t) => shipment::Column::BookingUntil.eq(t),
            None => shipment::Column::BookingUntil.is_null(),
        })
        .exec(txn)
        .await?;
    if taken.rows_affected == 0 {
        return Ok(Reserved::Busy);
    }
    let row = of_order(txn, b.order.id)
        .await?
        .ok_or(crate::OrderError::NotFound("Shipment"))?;
    Ok(Reserved::Mine {
        row: Box::new(row),
        until,
    })
}

/// Gives a booking up: the carrier refused it, so nothing was booked and the row goes
/// (unless the lease is no longer this request's).
pub(crate) async fn give_up<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    until: DateTime<Utc>,
) -> Result<()> {
    shipment::Entity::delete_many()
        .filter(shipment::Column::Id.eq(id))
        .filter(shipment::Column::Status.eq(ShipmentStatus::Booking.as_str()))
        .filter(shipment::Column::BookingUntil.eq(until))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends this request's lease without an answer (the carrier could not be reached): a retry
/// may take the booking up at once, with the same client order code.
pub(crate) async fn release<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    shipment::Entity::update_many()
        .col_expr(shipment::Column::BookingUntil, Expr::value(now))
        .filter(shipment::Column::Id.eq(id))
        .filter(shipment::Column::Status.eq(ShipmentStatus::Booking.as_str()))
        .filter(shipment::Column::BookingUntil.eq(until))
        .exec(db)
        .await?;
    Ok(())
}

/// Records the carrier's waybill on the booking this request holds; `false` (nothing
/// changed) when the row is no longer booking (another request recorded the same waybill).
pub(crate) async fn record_booking<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    booking: &carriers::Booking,
    now: DateTime<Utc>,
) -> Result<bool> {
    let res = shipment::Entity::update_many()
        .col_expr(
            shipment::Column::TrackingNo,
            Expr::value(booking.tracking_no.clone()),
        )
        .col_expr(
            shipment::Column::LabelUrl,
            Expr::value(booking.label_url.clone()),
        )
        .col_expr(shipment::Column::Fee, Expr::value(booking.fee))
        .col_expr(
            shipment::Column::Status,
            Expr::value(ShipmentStatus::Booked.as_str()),
        )
        .col_expr(
            shipment::Column::BookingUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(shipment::Column::CheckedAt, Expr::value(now))
        .col_expr(shipment::Column::UpdatedAt, Expr::value(now))
        .filter(shipment::Column::Id.eq(id))
        .filter(shipment::Column::Status.eq(ShipmentStatus::Booking.as_str()))
        .exec(txn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The order's shipment, if it has one.
pub(crate) async fn of_order<C: ConnectionTrait>(
    db: &C,
    order_id: Uuid,
) -> Result<Option<shipment::Model>> {
    Ok(shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order_id))
        .one(db)
        .await?)
}

/// The carrier's parcel `tracking_no`, or failing that the one booked under `client_code`
/// (our order number), its row locked until the transaction ends.
pub(crate) async fn locked_by_waybill<C: ConnectionTrait>(
    txn: &C,
    carrier: &str,
    tracking_no: &str,
    client_code: Option<&str>,
) -> Result<Option<shipment::Model>> {
    let by_tracking = shipment::Entity::find()
        .filter(shipment::Column::Carrier.eq(carrier))
        .filter(shipment::Column::TrackingNo.eq(tracking_no))
        .lock_exclusive()
        .one(txn)
        .await?;
    if by_tracking.is_some() {
        return Ok(by_tracking);
    }
    let Some(code) = client_code else {
        return Ok(None);
    };
    Ok(shipment::Entity::find()
        .filter(shipment::Column::Carrier.eq(carrier))
        .filter(shipment::Column::BookingKey.eq(code))
        .lock_exclusive()
        .one(txn)
        .await?)
}

/// The shipment `id`, its row locked until the transaction ends.
pub(crate) async fn locked<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<Option<shipment::Model>> {
    Ok(shipment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?)
}

/// The order's booking still waiting for the carrier's answer is withdrawn with the order
/// (cancelled or rejected): its row is marked cancelled, so a waybill the carrier made
/// anyway (its answer lost) is cancelled when the carrier first speaks of it. Refused while a
/// request is asking the carrier right now (`shipment_booking`: try again in a moment).
pub(crate) async fn withdraw_booking<C: ConnectionTrait>(
    txn: &C,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(row) = of_order(txn, order_id).await? else {
        return Ok(());
    };
    if row.status != ShipmentStatus::Booking.as_str() {
        return Ok(());
    }
    if row.booking_until.is_some_and(|t| t > now) {
        return Err(booking_in_progress());
    }
    shipment::Entity::update_many()
        .col_expr(
            shipment::Column::Status,
            Expr::value(ShipmentStatus::Cancelled.as_str()),
        )
        .col_expr(
            shipment::Column::BookingUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(shipment::Column::UpdatedAt, Expr::value(now))
        .filter(shipment::Column::Id.eq(row.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Cancels the shipment `id` (its waybill was made for an order that moved meanwhile).
pub(crate) async fn cancel<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    shipment::Entity::update_many()
        .col_expr(
            shipment::Column::Status,
            Expr::value(ShipmentStatus::Cancelled.as_str()),
        )
        .col_expr(shipment::Column::UpdatedAt, Expr::value(now))
        .filter(shipment::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Keeps the waybill the carrier made for a booking withdrawn with its order, so its later
/// callbacks find it.
pub(crate) async fn adopt_waybill<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    tracking_no: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tracking = tracking_no.to_owned();
    tracking.truncate(64);
    shipment::Entity::update_many()
        .col_expr(shipment::Column::TrackingNo, Expr::value(tracking))
        .col_expr(shipment::Column::UpdatedAt, Expr::value(now))
        .filter(shipment::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Another request is booking this order's parcel with the carrier right now.
pub(crate) fn booking_in_progress() -> crate::OrderError {
    common::Error::conflict(
        "shipment_booking",
        "The parcel is being booked with the carrier right now; try again in a moment.",
    )
    .into()
}

/// Whether a carrier delivers the order (a parcel booked and not cancelled): its delivery
/// is the carrier's to report, not the stall's.
pub(crate) async fn carrier_delivers<C: ConnectionTrait>(db: &C, order_id: Uuid) -> Result<bool> {
    Ok(of_order(db, order_id).await?.is_some_and(|s| {
        s.status != ShipmentStatus::Cancelled.as_str()
            && s.status != ShipmentStatus::Booking.as_str()
    }))
}

/// Whether a carrier booked through the marketplace collects the order's cash (a parcel
/// booked, not cancelled, with cash to collect).
pub(crate) async fn carrier_collects<C: ConnectionTrait>(db: &C, order_id: Uuid) -> Result<bool> {
    Ok(of_order(db, order_id).await?.is_some_and(|s| {
        s.cod_amount > 0
            && s.status != ShipmentStatus::Cancelled.as_str()
            && s.status != ShipmentStatus::Booking.as_str()
    }))
}

/// The shipments of these orders, with their events oldest first.
pub(crate) async fn for_orders<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<(Vec<shipment::Model>, Vec<shipment_event::Model>)> {
    let shipments = shipment::Entity::find()
        .filter(shipment::Column::OrderId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    if shipments.is_empty() {
        return Ok((shipments, Vec::new()));
    }
    let events = shipment_event::Entity::find()
        .filter(shipment_event::Column::ShipmentId.is_in(shipments.iter().map(|s| s.id)))
        .order_by_asc(shipment_event::Column::At)
        .order_by_asc(shipment_event::Column::ReceivedAt)
        .all(db)
        .await?;
    Ok((shipments, events))
}

/// Writes a booked shipment's first event (`booked`, by our clock) when its waybill is
/// recorded.
pub(crate) async fn booked_event<C: ConnectionTrait>(
    txn: &C,
    shipment_id: Uuid,
    tracking_no: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    shipment_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        shipment_id: Set(shipment_id),
        at: Set(now),
        status: Set(ShipmentStatus::Booked.as_str().to_owned()),
        raw_status: Set("booked".to_owned()),
        location: Set(None),
        note: Set(None),
        dedupe_key: Set(format!("booking:{tracking_no}")),
        applied: Set(true),
        source: Set("booking".to_owned()),
        received_at: Set(now),
    }
    .insert(txn)
    .await?;
    // `last_event_at` stays unset: the carrier's events are ordered by the carrier's clock,
    // never against ours.
    Ok(())
}
