//! Database entities of the order crate.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

pub mod address;
pub mod bank_transfer;
pub mod cart_item;
pub mod case;
pub mod case_event;
pub mod checkout;
pub mod cod_remittance;
pub mod cod_remittance_line;
pub mod guest_cart;
pub mod guest_cart_item;
pub mod order;
pub mod order_discount;
pub mod order_event;
pub mod order_item;
pub mod payment_event;
pub mod refund;
pub mod refund_account;
pub mod shipment;
pub mod shipment_event;
