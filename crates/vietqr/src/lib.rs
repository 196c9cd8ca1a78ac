//! VietQR: the payload a Vietnamese banking app scans to make a transfer over NAPAS 247, and
//! the list of banks with their BINs. Pure functions, no I/O.
//!
//! A payload is EMVCo merchant-presented QR: a string of `ID LEN VALUE` fields (two digits of
//! id, two of length), with the NAPAS merchant-account template (tag 38) naming the
//! beneficiary bank's BIN and account, the currency (704, đồng), the amount, the country, the
//! purpose of transaction (tag 62, sub-tag 08) that becomes the transfer's description, and a
//! CRC-16/CCITT-FALSE (tag 63) over everything before it.
//!
//! The walk of a bank-transfer checkout: the order crate's VietQR provider asks
//! [`short_reference`] for the checkout's reference and [`encode`] for the payload of the
//! marketplace's account ([`Banks`] names the bank by its BIN), which the buyer's banking app
//! scans; the bank's notification later carries the reference back in its description, and the
//! order crate matches it. [`decode`] reads a payload back, field by field (the tests use it).

mod banks;
mod crc;
mod payload;
mod reference;

pub use banks::{Bank, Banks};
pub use crc::crc16_ccitt_false;
pub use payload::{Decoded, Error, Service, Transfer, decode, encode};
pub use reference::{REFERENCE_ALPHABET, REFERENCE_LEN, short_reference};
