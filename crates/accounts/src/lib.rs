//! Accounts: users, password hashing and bearer-token sessions.
//!
//! Passwords are hashed with Argon2id on blocking threads; a login hands out an opaque random
//! token of which only a SHA-256 digest is stored, so a leaked database yields no usable token.

pub mod entity;
pub mod error;
pub mod manage;
pub mod password;
pub mod recovery;
pub mod service;
pub mod token;
pub mod user;

pub use error::AccountsError;
pub use manage::{ProfileChange, SessionView};
pub use service::{Accounts, Links, LoginOutcome, NewUser};
pub use user::User;
