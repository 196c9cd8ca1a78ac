//! Orders: a cart filled from several stalls, one checkout that becomes one order per stall and
//! never oversells, the order state machine, and payments.
//!
//! Layers, each using only those above it:
//! - types: [`status`] (the order state machine), [`case`] (a case's kinds, statuses and steps), [`types`] (checkout and refund statuses,
//!   payment methods; stored values read back checked), [`destination`] (addresses checked
//!   against the national map), [`shipping`] (zones, weights and the rate table), [`entity`]
//!   (the tables), [`parcels`] (parcels booked with a carrier: their statuses, views, the
//!   carriers' desk and their rows);
//! - [`provider`]: the payment providers behind one trait (cash on delivery, Stripe);
//! - [`store`]: transaction-level steps shared by the use cases (apply a move, settle a
//!   checkout, owe a refund, empty or refill a cart, read an address of the book); `pricing`:
//!   a cart priced per stall with its delivery line; `vouchers`: a checkout's cart as the
//!   promotions crate reads it, and its discounts kept per order; `refunder`: a queued card
//!   refund claimed, sent to the provider and recorded (for the moves that owe one at once and
//!   the retry job);
//! - [`views`]: what buyers, stalls and administrators read;
//! - use cases, which call the store and the views and never each other: [`cart`]
//!   (with [`guest_cart`], the carts of those not signed in, and [`delivery_quote`], a product
//!   page's delivery, which share its view and pricing),
//!   [`addresses`] (the buyer's book), [`checkout`], [`orders`] (vendor and buyer handling),
//!   [`cases`] (complaints, returns and partial refunds of delivered orders),
//!   [`refund_account`] (the buyer's bank account for refunds paid by hand), [`shipments`]
//!   (parcels booked with a carrier, its callbacks and the poll), [`remittances`] (carriers'
//!   statements of the cash on delivery they remitted, matched per order into the ledger),
//!   [`reviewable`]
//!   (the delivered lines a buyer may review), [`stats`] (a
//!   stall's sales figures),
//!   [`payments`] (payment events, expiry, refunds), [`erasure`] (what of a buyer's keeps
//!   their account from being erased).
//!
//! The walk of `POST /api/v1/checkout`: the gateway's route calls
//! [`Checkouts::checkout`], which checks the request, replays an earlier result for the same
//! key, reads the cart, and in one write transaction (`common::begin_write`) claims the key,
//! locks and prices the cart ([`catalog::Catalog::visible_products_by_id`], delivery by
//! `pricing` and [`shipping`]), writes one order per stall, empties the cart ([`store::clear_cart`]) and reserves the stock
//! ([`catalog::stock::reserve`]); after the commit it asks the method's
//! [`provider::PaymentProvider`] to start the payment, undoing the checkout through the store
//! if that fails, and returns the orders read through [`views`].

pub mod addresses;
pub mod carrier_quotes;
pub mod cart;
pub mod case;
pub mod cases;
pub mod checkout;
pub mod delivery_quote;
pub mod destination;
pub mod entity;
pub mod erasure;
pub mod error;
pub mod guest_cart;
pub mod notices;
pub mod orders;
pub mod parcels;
pub mod payments;
pub(crate) mod pricing;
pub mod provider;
pub mod refund_account;
pub(crate) mod refunder;
pub mod remittances;
pub mod reviewable;
pub mod shipments;
pub mod shipping;
pub mod stats;
pub mod status;
pub(crate) mod store;
pub mod trade_facts;
pub mod types;
pub mod views;
pub(crate) mod vouchers;

pub use addresses::Addresses;
pub use carrier_quotes::CarrierQuoting;
pub use cart::Carts;
pub use cases::Cases;
pub use checkout::Checkouts;
pub use erasure::erasure_blockers;
pub use error::OrderError;
pub use orders::Orders;
pub use payments::Payments;
