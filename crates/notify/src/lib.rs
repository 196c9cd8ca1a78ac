//! Notifications: what people must hear about, written in the transaction of the event that
//! causes it, and delivered by a worker.
//!
//! - The **inbox** entry is the notification row itself, so it is there the moment the event
//!   commits ([`inbox`]).
//! - **Email** and the stalls' **webhooks** are rows in `deliveries`, an outbox the worker
//!   drains ([`worker`]) through one [`channel::Channel`] trait: SMTP ([`channel::Smtp`]) and
//!   signed HTTP ([`channel::WebhookSender`], Standard Webhooks style). One row per recipient,
//!   channel and event (a unique index) keeps each delivered once; rows of one recipient or one
//!   webhook go out in the order they were written; failures are retried with back-off.
//! - Texts are Vietnamese templates kept as data ([`templates`]).
//! - Webhooks reach public addresses only, checked when registered and at each delivery, on
//!   the very address connected to ([`address`]).

pub mod address;
pub mod channel;
pub mod enqueue;
pub mod entity;
pub mod event;
pub mod inbox;
pub mod prefs;
pub mod templates;
pub mod webhooks;
pub mod worker;

pub use enqueue::{Notifier, Refs};
pub use event::{Audience, Event};
pub use templates::{Facts, Templates};

/// The stored statuses of a delivery.
pub mod status {
    /// Waiting to be sent (or retried).
    pub const PENDING: &str = "pending";
    /// Accepted by the mail server or the webhook's receiver.
    pub const SENT: &str = "sent";
    /// Given up: refused for good, or retried too often.
    pub const FAILED: &str = "failed";
    /// Email while no mail server is configured: never sent.
    pub const OFF: &str = "off";
}

/// The channels of deliveries.
pub mod channels {
    /// By SMTP.
    pub const EMAIL: &str = "email";
    /// A stall's outgoing webhook.
    pub const WEBHOOK: &str = "webhook";
}
