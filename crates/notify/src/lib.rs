//! Notifications: what people must hear about, written in the transaction of the event that
//! causes it, and delivered by a worker.
//!
//! - The **inbox** entry is the notification row itself, so it is there the moment the event
//!   commits ([`inbox`]).
//! - **Email** and the stalls' **webhooks** are rows in `deliveries`, an outbox the worker
//!   drains ([`worker`]) through one [`channel::Channel`] trait: SMTP ([`channel::Smtp`]) and
//!   signed HTTP ([`channel::WebhookSender`], Standard Webhooks style). One row per recipient,
//!   channel and event (a unique index) keeps each delivered once; rows of one recipient or one
//!   webhook go out in the order they were written; failures are retried with back-off. A
//!   delivery's status and channel are closed sets ([`status`]).
//! - Texts are Vietnamese templates kept as data ([`templates`]).
//! - Webhooks reach public addresses only, checked when registered and at each delivery, on
//!   the very address connected to ([`address`]).
//!
//! The walk of an event, a stall approved: the catalogue's use case calls
//! [`Notifier::to_stall`] inside its own transaction; [`enqueue`] renders the event's
//! [`templates`] for each member, writes their inbox rows and a pending email delivery each
//! (unless they opted out, [`prefs`]), and a pending delivery for each of the stall's live
//! webhooks; all of it commits or rolls back with the approval. Later
//! [`worker::Deliverer::round`] claims the oldest pending delivery of each recipient and
//! webhook, sends it through its channel, and records it sent, failed, or due again.

pub mod address;
pub mod batch;
pub mod channel;
pub mod enqueue;
pub mod entity;
pub mod event;
pub mod inbox;
pub mod prefs;
pub mod status;
pub mod templates;
pub mod webhooks;
pub mod worker;

pub use batch::Batch;
pub use enqueue::{Notifier, Refs};
pub use event::{Audience, Event};
pub use templates::{Facts, Templates};

/// The channels of deliveries, as constants (the stored forms of [`status::ChannelKind`]).
pub mod channels {
    use crate::status::ChannelKind;

    /// By SMTP.
    pub const EMAIL: &str = ChannelKind::Email.name();
    /// A stall's outgoing webhook.
    pub const WEBHOOK: &str = ChannelKind::Webhook.name();
}
