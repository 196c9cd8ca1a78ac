//! Accounts: users, password hashing and bearer-token sessions.
//!
//! Passwords are hashed with Argon2id on blocking threads; a login hands out an opaque random
//! token of which only a SHA-256 digest is stored, so a leaked database yields no usable token.
//!
//! Layers, each using only those above it:
//! - types: [`user`] (the user as the other crates see it, email and phone rules), [`token`]
//!   (tokens and their digests), [`password`] (hashing off the async threads), [`entity`],
//!   [`hold`] (row locks that queue an erasure and a checkout of one user);
//! - use cases on [`Accounts`]: [`service`] (register, sign in, authenticate a bearer token),
//!   [`recovery`] (password reset and email verification links, single use), [`manage`]
//!   (profile, password change, sessions, disabling an account's sign-in), [`consent`] (the
//!   append-only record of the policies each user accepted).
//!
//! The walk of `POST /api/v1/auth/login`: the gateway's route checks the caller's rate limits,
//! then calls [`Accounts::login`], which finds the user by the normalised email, verifies the
//! password with Argon2id on a blocking thread (a missing user costs the same time), refuses a
//! disabled account, and stores a new session under the token's digest; the route answers the
//! token once. Every later request presents it to [`Accounts::authenticate`], which finds the
//! live session by digest and answers the [`User`]. Disabling an account with its stalls is
//! the catalogue's use case (`catalog::Catalog::disable_account`), which calls [`manage`]'s
//! flag in its own transaction.

pub mod consent;
pub mod entity;
pub mod error;
pub mod hold;
pub mod manage;
pub mod password;
pub mod recovery;
pub mod service;
pub mod token;
pub mod user;

pub use consent::{Acceptance, Consent};
pub use error::AccountsError;
pub use manage::{ProfileChange, SessionView};
pub use service::{Accounts, Links, LoginOutcome, NewUser};
pub use user::User;
