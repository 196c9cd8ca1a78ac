//! `ship`: the stall's own delivery is today's move; an integrated carrier is booked, once.
//!
//! Booking never makes two waybills for one order, however the requests come: a reservation
//! row is written first (one per order), the carrier is called outside any transaction with
//! our order number as its client order code (the carrier answers a repeated code with the
//! waybill it made for it), and its answer is recorded with the order's move to `shipped` in
//! one transaction. A second request while the first waits is told to wait
//! (`shipment_booking`); a request after a crash between the carrier's answer and the commit
//! takes the expired reservation up and gets the same waybill back; a retry after success
//! answers the order as it is.

use chrono::Utc;
use common::{Actor, validate::Validator};
use sea_orm::{ConnectionTrait, EntityTrait, TransactionSession, TransactionTrait};
use uuid::Uuid;

use super::ShipWords;
use crate::parcels::rows::{self, NewBooking, Reserved};
use crate::{
    OrderError, Orders,
    entity::{order, order_item},
    error::Result,
    orders::MoveWords,
    status::{Change, Move, OrderStatus, Party},
    store,
    types::{PaymentMethod, Stored, stored},
    views::{self, OrderView},
};

/// The weight booked for an order placed before weights were kept, in grams.
const UNKNOWN_WEIGHT_GRAMS: i64 = 500;

/// A `ship` request checked: the stall's own delivery, or an integrated carrier to book.
enum Shipping<'a> {
    /// The stall delivers (by a carrier named by hand, if any).
    Own(MoveWords<'a>),
    /// Book this carrier, with this service; the note kept in the order's history.
    Carrier {
        id: &'a str,
        service: Option<String>,
        reason: Option<String>,
    },
}

/// Reads a `ship` request: `self` or nothing is the stall's own delivery; an integrated
/// carrier's id books it (then the waybill is the carrier's: `tracking_no` is refused); any
/// other name is a carrier the stall uses by hand, as before.
fn checked<'a>(desk: &crate::parcels::Desk, words: ShipWords<'a>) -> Result<Shipping<'a>> {
    let carrier = words.carrier.map(str::trim).filter(|c| !c.is_empty());
    let integrated = carrier.filter(|c| desk.integrated(c));
    let mut v = Validator::new();
    let Some(id) = integrated else {
        if words.service.is_some() {
            v.add(
                "service",
                common::FieldCode::ConflictingFields,
                "is only for a carrier the marketplace books",
            );
        }
        v.finish()?;
        let own = MoveWords {
            reason: words.reason,
            tracking_no: words.tracking_no,
            carrier: carrier.filter(|c| *c != "self"),
        };
        return Ok(Shipping::Own(own));
    };
    if words.tracking_no.is_some_and(|t| !t.trim().is_empty()) {
        v.add(
            "tracking_no",
            common::FieldCode::ConflictingFields,
            "is given by the carrier when it books the parcel",
        );
    }
    let service = words.service.map(|s| v.text("service", s, 1, 32));
    let reason = words
        .reason
        .filter(|r| !r.trim().is_empty())
        .map(|r| v.text("reason", r, 0, 1000));
    v.finish()?;
    Ok(Shipping::Carrier {
        id,
        service,
        reason,
    })
}

impl Orders {
    /// Ships a confirmed order (its stall's members): `carrier: "self"` or none is the
    /// stall's own delivery (a carrier's name typed by hand is kept as before); an integrated
    /// carrier the stall has an account with is booked, idempotently, and the order gains
    /// its shipment.
    pub async fn ship<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        words: ShipWords<'_>,
    ) -> Result<OrderView> {
        match checked(&self.desk, words)? {
            Shipping::Own(words) => self.make_move(db, actor, id, Move::Ship, words).await,
            Shipping::Carrier {
                id: carrier,
                service,
                reason,
            } => {
                let booking = Booking {
                    carrier,
                    service: service.as_deref(),
                    reason,
                };
                self.book(db, actor, id, booking).await
            }
        }
    }

    /// Books the order's parcel with `b.carrier` (see the module).
    async fn book<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        b: Booking<'_>,
    ) -> Result<OrderView> {
        let (carrier, service) = (b.carrier, b.service);
        let o = order::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Order"))?;
        let parties = self.party(db, actor, &o).await?;
        let from = stored::<OrderStatus>(&o.status)?;
        let refused = || {
            OrderError::InvalidTransition(format!(
                "An order that is {} cannot be shipped by you.",
                from.as_str().replace('_', " ")
            ))
        };
        if !parties.contains(&Party::Stall) {
            return Err(refused());
        }
        if from.apply(Move::Ship, Party::Stall).is_none() {
            // Booked already: a retry after success is answered with the order as it is.
            return match rows::of_order(db, o.id).await? {
                Some(s) if s.carrier == carrier && s.tracking_no.is_some() => {
                    views::order_view(db, id).await
                }
                _ => Err(refused()),
            };
        }
        let (client, account) = self.desk.account_for(db, o.stall_id, carrier).await?;
        let now = Utc::now();
        let cod_amount = match stored::<PaymentMethod>(&o.payment_method)? {
            PaymentMethod::Cod => store::order_amount(&o),
            PaymentMethod::Card | PaymentMethod::BankTransfer => 0,
        };
        let txn = common::begin_write(db).await?;
        let new = NewBooking {
            order: &o,
            carrier,
            service,
            cod_amount,
        };
        let reserved = rows::reserve(&txn, new, now).await?;
        txn.commit().await?;
        let (row, until) = match reserved {
            Reserved::Busy => return Err(rows::booking_in_progress()),
            Reserved::Done => return views::order_view(db, id).await,
            Reserved::Mine { row, until } => (row, until),
        };
        let request = match self.waybill_request(db, &o, cod_amount, service).await {
            Ok(r) => r,
            Err(e) => {
                rows::give_up(db, row.id, until).await?;
                return Err(e);
            }
        };
        let booking = ask_carrier(db, &*client, &account, &request, row.id, until).await?;
        let booked = Booked {
            order: &o,
            shipment_id: row.id,
            carrier,
            actor_id: actor.user_id(),
            booking: &booking,
            reason: b.reason,
        };
        if !self.record(db, booked).await? {
            // The order moved meanwhile: the waybill is not wanted.
            if let Err(e) = client.cancel(&account, &booking.tracking_no).await {
                tracing::warn!(order = %o.id, error = %e, "could not cancel an unwanted waybill");
            }
            return Err(OrderError::InvalidTransition(
                "The order changed meanwhile; reload it.".into(),
            ));
        }
        views::order_view(db, id).await
    }

    /// Records the carrier's waybill and moves the order to `shipped`, in one transaction;
    /// `false` when the order is no longer confirmed (its shipment is then cancelled).
    async fn record<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        b: Booked<'_>,
    ) -> Result<bool> {
        let now = Utc::now();
        let txn = common::begin_write(db).await?;
        if !rows::record_booking(&txn, b.shipment_id, b.booking, now).await? {
            // Another request recorded the same waybill (the carrier's answer to one code).
            return Ok(true);
        }
        rows::booked_event(&txn, b.shipment_id, &b.booking.tracking_no, now).await?;
        let change = Change {
            m: Move::Ship,
            from: OrderStatus::Confirmed,
            to: OrderStatus::Shipped,
            actor_id: b.actor_id,
            reason: b.reason,
            tracking: Some(b.booking.tracking_no.clone()),
            carrier: Some(b.carrier.to_owned()),
        };
        if !store::apply_move(&txn, b.order, change).await? {
            rows::cancel(&txn, b.shipment_id, now).await?;
            txn.commit().await?;
            return Ok(false);
        }
        txn.commit().await?;
        Ok(true)
    }

    /// What the carrier is asked to carry: the order's lines, its weight (kept from its
    /// variants at checkout), the stall as sender and the order's address as recipient.
    async fn waybill_request<C: ConnectionTrait>(
        &self,
        db: &C,
        o: &order::Model,
        cod_amount: i64,
        service: Option<&str>,
    ) -> Result<carriers::ShipmentRequest> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let stall = catalog::service::find_stall(db, &o.stall_id.to_string())
            .await?
            .ok_or(OrderError::NotFound("Stall"))?;
        let lines = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(o.id))
            .all(db)
            .await?;
        let weight = if o.weight_grams > 0 {
            o.weight_grams
        } else {
            UNKNOWN_WEIGHT_GRAMS
        };
        let units: i64 = lines.iter().map(|l| l.quantity.max(1)).sum::<i64>().max(1);
        let items = lines
            .iter()
            .map(|l| carriers::Item {
                name: match &l.variant_name {
                    Some(v) => format!("{} ({v})", l.name),
                    None => l.name.clone(),
                },
                quantity: l.quantity,
                price: l.unit_price,
                weight_grams: (weight / units).max(1),
            })
            .collect();
        Ok(carriers::ShipmentRequest {
            client_order_code: o.number.clone(),
            cod_amount,
            insurance_value: o.subtotal,
            parcel: carriers::Parcel::standard_box(weight),
            items,
            sender: carriers::Party {
                name: stall.name,
                phone: stall.phone,
                address: stall.address,
                commune_code: stall.commune_code,
            },
            recipient: carriers::Party {
                name: o.shipping_recipient.clone(),
                phone: o.shipping_phone.clone(),
                address: o.shipping_street.clone(),
                commune_code: o.shipping_commune_code.clone(),
            },
            note: None,
            inspection: carriers::Inspection::default(),
            service_id: service.map(str::to_owned),
        })
    }
}

/// Asks `client` for the waybill of `request` under the booking `shipment_id` holds until
/// `until`. A refusal gives the booking up (nothing was booked); no answer releases it for a
/// retry, which sends the same client order code (the carrier may have made the waybill).
async fn ask_carrier<C: ConnectionTrait>(
    db: &C,
    client: &dyn carriers::Carrier,
    account: &carriers::Account,
    request: &carriers::ShipmentRequest,
    shipment_id: Uuid,
    until: chrono::DateTime<Utc>,
) -> Result<carriers::Booking> {
    match client.create(account, request).await {
        Ok(b) => Ok(b),
        Err(e) if e.is_transient() => {
            rows::release(db, shipment_id, until, Utc::now()).await?;
            Err(common::Error::from(e).into())
        }
        Err(e) => {
            rows::give_up(db, shipment_id, until).await?;
            Err(common::Error::from(e).into())
        }
    }
}

/// A carrier's waybill to record on an order.
struct Booked<'a> {
    order: &'a order::Model,
    shipment_id: Uuid,
    carrier: &'a str,
    actor_id: Option<Uuid>,
    booking: &'a carriers::Booking,
    /// The stall's note, for the order's history.
    reason: Option<String>,
}

/// What a `ship` request books: the carrier, its service, the stall's note.
struct Booking<'a> {
    carrier: &'a str,
    service: Option<&'a str>,
    reason: Option<String>,
}
