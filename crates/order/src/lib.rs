//! Orders: a cart filled from several stalls, one checkout that becomes one order per stall and
//! never oversells, the order state machine, and payments.

pub mod cart;
pub mod checkout;
pub mod entity;
pub mod error;
pub mod orders;
pub mod payment;
pub mod payments;
pub mod status;

pub use cart::Carts;
pub use checkout::Checkouts;
pub use error::OrderError;
pub use orders::Orders;
pub use payments::Payments;
