//! Errors of the accounts crate, each with a kind and a stable code.

use common::{Error, ErrorKind};

/// What can go wrong with accounts.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// Registration with an email that already has an account.
    #[error("An account with this email already exists.")]
    EmailTaken,
    /// Login with an unknown email or a wrong password (deliberately indistinguishable).
    #[error("The email or password is wrong.")]
    InvalidCredentials,
    /// A bearer token that is malformed, unknown, expired or revoked.
    #[error("The token is invalid, expired or revoked; sign in again.")]
    InvalidToken,
    /// A disabled account signing in with the right password.
    #[error("This account is disabled; contact the marketplace's administrators.")]
    Disabled,
    /// A reset or verification token that is unknown, expired or used.
    #[error("The link is invalid, expired or used already; ask for a new one.")]
    InvalidLink,
    /// Input that breaks a rule, naming each bad field; or another error of the shared kind
    /// (a corrupt stored value), which keeps its kind.
    #[error(transparent)]
    Invalid(Error),
    /// The password hasher failed (not the password's fault).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl AccountsError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AccountsError::EmailTaken => ErrorKind::Conflict,
            AccountsError::InvalidCredentials | AccountsError::InvalidToken => {
                ErrorKind::Unauthorized
            }
            // A rule's error keeps its own kind (a corrupt row read back is internal).
            AccountsError::Invalid(e) => e.kind,
            AccountsError::InvalidLink => ErrorKind::Invalid,
            AccountsError::Disabled => ErrorKind::Forbidden,
            AccountsError::Hashing(_) => ErrorKind::Internal,
            AccountsError::Db(_) => ErrorKind::Internal,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            AccountsError::EmailTaken => "email_taken",
            AccountsError::InvalidCredentials => "invalid_credentials",
            AccountsError::InvalidToken => "unauthorized",
            AccountsError::Invalid(e) => e.code,
            AccountsError::Disabled => "account_disabled",
            AccountsError::InvalidLink => "invalid_link",
            AccountsError::Hashing(_) => "internal",
            AccountsError::Db(_) => "internal",
        }
    }
}

impl From<AccountsError> for Error {
    fn from(e: AccountsError) -> Self {
        match e {
            AccountsError::Invalid(inner) => inner,
            AccountsError::Db(db) => Error::from(db),
            AccountsError::Hashing(_) => Error::internal(e),
            other => Error::new(other.kind(), other.code(), other.to_string()),
        }
    }
}

impl From<Error> for AccountsError {
    fn from(e: Error) -> Self {
        AccountsError::Invalid(e)
    }
}
