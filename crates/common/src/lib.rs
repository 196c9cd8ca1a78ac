//! Building blocks every crate of the marketplace shares: ids, money, pagination, the acting
//! user, input validation and the domain error type. Nothing here knows about HTTP or storage.

pub mod actor;
pub mod error;
pub mod id;
pub mod money;
pub mod page;
pub mod phone;
pub mod text;
pub mod validate;

pub use actor::Actor;
pub use error::{Error, ErrorKind, FieldError};
pub use money::Money;
pub use page::{Page, PageRequest};

/// The result type of domain services.
pub type Result<T, E = Error> = std::result::Result<T, E>;
