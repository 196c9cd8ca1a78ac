//! What can go wrong talking to a carrier, each with a kind and a stable code.

use common::{Error, ErrorKind};

/// A carrier call that did not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// The carrier did not answer in time, could not be reached, or failed on its side (5xx):
    /// worth trying again later, or answering from the stall's rate table.
    #[error("The carrier did not answer: {0}.")]
    Unreachable(String),
    /// The carrier refused the request; its own message says why.
    #[error("The carrier refused the request: {0}")]
    Refused(String),
    /// The carrier refused the stall's credentials (token or shop id).
    #[error("The carrier refused the stall's credentials: {0}")]
    BadCredentials(String),
    /// A commune the carrier's address ids are not known for.
    #[error("No carrier address is known for commune {0}.")]
    UnknownCommune(String),
    /// The carrier has no such waybill.
    #[error("The carrier has no waybill {0}.")]
    NoSuchWaybill(String),
    /// A callback that does not prove it comes from the carrier.
    #[error("The callback is not the carrier's.")]
    Forged,
    /// A callback or an answer that is not what the carrier's documentation says.
    #[error("The carrier's message cannot be read: {0}.")]
    Malformed(String),
    /// A status the adapter does not know (a carrier's new one): kept out rather than guessed.
    #[error("The carrier reported a status the marketplace does not know: {0}.")]
    UnknownStatus(String),
    /// The carrier is not set up in this deployment (no base URL, no platform token).
    #[error("The carrier {0} is not set up on this marketplace.")]
    NotConfigured(String),
}

impl CarrierError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CarrierError::Unreachable(_) | CarrierError::NotConfigured(_) => ErrorKind::Unavailable,
            CarrierError::Refused(_)
            | CarrierError::BadCredentials(_)
            | CarrierError::UnknownCommune(_) => ErrorKind::Conflict,
            CarrierError::NoSuchWaybill(_) => ErrorKind::NotFound,
            CarrierError::Forged => ErrorKind::Unauthorized,
            CarrierError::Malformed(_) | CarrierError::UnknownStatus(_) => ErrorKind::Malformed,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            CarrierError::Unreachable(_) => "carrier_unavailable",
            CarrierError::Refused(_) => "carrier_refused",
            CarrierError::BadCredentials(_) => "carrier_credentials_refused",
            CarrierError::UnknownCommune(_) => "commune_not_served",
            CarrierError::NoSuchWaybill(_) => "waybill_not_found",
            CarrierError::Forged => "callback_not_verified",
            CarrierError::Malformed(_) => "carrier_message_malformed",
            CarrierError::UnknownStatus(_) => "carrier_status_unknown",
            CarrierError::NotConfigured(_) => "carrier_not_configured",
        }
    }

    /// Whether trying again later may succeed (the carrier was down or slow).
    pub fn is_transient(&self) -> bool {
        matches!(self, CarrierError::Unreachable(_))
    }
}

impl From<CarrierError> for Error {
    fn from(e: CarrierError) -> Self {
        let kind = e.kind();
        let code = e.code();
        let mut err = Error::new(kind, code, e.to_string());
        if let CarrierError::UnknownCommune(commune) = &e {
            err.details = Some(serde_json::json!({ "commune_code": commune }));
        }
        if matches!(kind, ErrorKind::Unavailable) {
            err.source = Some(Box::new(e));
        }
        err
    }
}
