//! Building blocks every crate of the marketplace shares: ids, money, pagination, the acting
//! user, input validation, the domain error type, and the one way to open a write
//! transaction. Nothing here knows about HTTP.

pub mod actor;
pub mod calendar;
pub mod db;
pub mod error;
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
pub use money::Money;
pub use page::{Page, PageRequest};
pub use stored::{Stored, stored};

/// The result type of domain services.
pub type Result<T, E = Error> = std::result::Result<T, E>;
