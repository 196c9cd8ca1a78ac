//! Parcels booked with an integrated carrier and followed to the door: `ship` with a carrier
//! books its waybill ([`book`], idempotent: one reservation per order, our order number as the
//! carrier's client order code), the carrier's callbacks ([`callback`]) and the poll that
//! catches what callbacks missed ([`poll`], a job) both apply its events through one path
//! ([`track`]), which records each event once, never moves a parcel back for an event older
//! than the last applied, and moves the order (`delivered` with its ledger entries,
//! `returned` with its stock back and any online payment owed back).
//!
//! The stall's own delivery (`carrier: "self"`, absent, or a carrier's name typed by hand) is
//! today's move and keeps no shipment row.

mod book;
mod callback;
mod poll;
mod track;

pub use callback::CallbackOutcome;
pub use poll::PollShipments;

pub use crate::parcels::{Desk, ShipmentEventView, ShipmentStatus, ShipmentView};

/// What `ship` was asked, as the caller sent it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShipWords<'a> {
    /// `self` (or absent): the stall delivers; an integrated carrier's id (`ghn`): book it;
    /// any other name: the stall's own delivery by that carrier, typed by hand.
    pub carrier: Option<&'a str>,
    /// The integrated carrier's service (its quote's `service_id`).
    pub service: Option<&'a str>,
    /// The tracking number of the stall's own delivery.
    pub tracking_no: Option<&'a str>,
    /// A note kept with the move.
    pub reason: Option<&'a str>,
}
