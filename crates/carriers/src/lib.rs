//! Parcel carriers: the [`Carrier`] trait (quote, book, cancel, track, read callbacks), the GHN
//! (Giao Hàng Nhanh) adapter that speaks its public API, the mapping from the national map's
//! communes to GHN's address ids, and stall credentials sealed at rest ([`Sealer`]).
//!
//! The crate knows nothing of HTTP servers or databases: the order crate and the gateway call
//! it, outside any transaction.

mod carrier;
pub mod entity;
mod error;
pub mod ghn;
mod seal;
pub mod stalls;
mod types;

pub use carrier::{Carrier, Carriers};
pub use error::CarrierError;
pub use seal::{SealError, Sealer};
pub use stalls::{StallAccount, StallCarrierInput, StallCarrierView, StallCarriers, TokenSource};
pub use types::{
    Account, Booking, CallbackEvent, CarrierEvent, Inspection, Item, Parcel, Party, Quote,
    QuoteRequest, ShipmentRequest, ShipmentState, ShipmentStatus, Token,
};
