//! Building blocks every crate of the marketplace shares: ids, money, pagination, the acting
//! user, input validation, the domain error type, closed sets stored as text, Vietnam's
//! calendar, and the one way to open a write transaction. Nothing here knows about HTTP.
//!
//! Nothing here calls another workspace crate; every domain crate uses it. How a request walks
//! through it: the gateway turns the bearer token into an [`Actor`] and the query into a
//! [`PageRequest`] ([`page`]); the domain service asks the actor what it may do
//! ([`Actor::require_user`], [`Actor::require_admin`]), checks the input with a
//! [`validate::Validator`] (every bad field named, with its [`FieldCode`]; [`phone`] reads
//! Vietnamese numbers, [`text`] folds diacritics and makes slugs), opens its writes with
//! [`begin_write`] ([`db`]), reads each stored status or kind with [`stored()`] (a value of no
//! known member is an internal error, never a default: [`mod@stored`]), counts money in
//! [`Money`] and days in [`calendar`], and answers with its types in a [`Page`], or an
//! [`Error`] whose kind the gateway maps to an HTTP status in one place ([`error`]).

pub mod actor;
pub mod calendar;
pub mod db;
pub mod error;
pub mod field_code;
pub mod id;
pub mod money;
pub mod page;
pub mod phone;
pub mod stored;
pub mod text;
pub mod validate;

pub use actor::Actor;
pub use db::begin_write;
pub use error::{Error, ErrorKind, FieldError};
pub use field_code::FieldCode;
pub use money::Money;
pub use page::{Page, PageRequest};
pub use stored::{Stored, stored};

/// The result type of domain services.
pub type Result<T, E = Error> = std::result::Result<T, E>;
