//! The tables of notifications.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

pub mod delivery;
pub mod notification;
pub mod optout;
pub mod recipient;
pub mod webhook;
