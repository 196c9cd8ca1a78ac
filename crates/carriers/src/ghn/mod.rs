//! The GHN (Giao Hàng Nhanh) adapter over its public API
//! (https://api.ghn.vn/home/docs/detail): `Token` and `ShopId` headers, JSON bodies, answers
//! `{code, message, data}`. Addresses are GHN's district ids and ward codes, found through the
//! commune mapping ([`CommuneMap`]).
//!
//! Callbacks: GHN does not sign the status callbacks it posts (its webhook page names none), so
//! the deployment registers a callback URL that carries a secret of its own
//! (`.../carriers/ghn/webhook?secret=...`, `carriers.ghn.webhook_secret`), compared in constant
//! time; without the setting every callback is refused. The caller may also confirm a callback
//! with [`Carrier::detail`] before acting on it.

mod client;
pub mod communes;
pub mod mapping;
pub mod status;
pub(crate) mod wire;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;

use crate::{
    Account, Booking, CallbackEvent, Carrier, CarrierError, CarrierEvent, Quote, QuoteRequest,
    ShipmentRequest, ShipmentState,
};
pub use communes::{CommuneMap, GhnAddress};

/// GHN's production base URL.
pub const PRODUCTION_URL: &str = "https://online-gateway.ghn.vn/shiip/public-api";

/// The carrier's id.
pub const ID: &str = "ghn";

/// GHN's default service type for e-commerce parcels (2: light goods).
pub const DEFAULT_SERVICE_TYPE: i32 = 2;

/// How the deployment reaches GHN.
#[derive(Clone, Debug)]
pub struct GhnConfig {
    /// Base URL, without a trailing slash (`.../shiip/public-api`).
    pub base_url: String,
    /// How long one call may take.
    pub timeout: Duration,
    /// The secret the callback URL carries; `None`: callbacks are refused.
    pub webhook_secret: Option<String>,
    /// Our communes as GHN addresses them.
    pub communes: Arc<CommuneMap>,
}

/// The GHN adapter.
#[derive(Clone, Debug)]
pub struct Ghn {
    config: GhnConfig,
    http: reqwest::Client,
}

impl Ghn {
    /// An adapter with its own HTTP client bounded by `config.timeout`.
    pub fn new(config: GhnConfig) -> Result<Self, CarrierError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| CarrierError::NotConfigured(format!("{ID}: {e}")))?;
        Ok(Self { config, http })
    }

    /// The commune mapping in use.
    pub fn communes(&self) -> &CommuneMap {
        &self.config.communes
    }

    fn address(&self, commune: &str) -> Result<&GhnAddress, CarrierError> {
        self.config
            .communes
            .get(commune)
            .ok_or_else(|| CarrierError::UnknownCommune(commune.to_owned()))
    }
}

#[async_trait]
impl Carrier for Ghn {
    fn id(&self) -> &'static str {
        ID
    }

    fn serves(&self, commune_code: &str) -> bool {
        self.config.communes.get(commune_code).is_some()
    }

    async fn quote(
        &self,
        account: &Account,
        request: &QuoteRequest,
    ) -> Result<Quote, CarrierError> {
        client::quote(self, account, request).await
    }

    async fn create(
        &self,
        account: &Account,
        request: &ShipmentRequest,
    ) -> Result<Booking, CarrierError> {
        client::create(self, account, request).await
    }

    async fn cancel(&self, account: &Account, tracking_no: &str) -> Result<(), CarrierError> {
        client::cancel(self, account, tracking_no).await
    }

    async fn detail(
        &self,
        account: &Account,
        tracking_no: &str,
    ) -> Result<ShipmentState, CarrierError> {
        client::detail(self, account, tracking_no).await
    }

    fn parse_callback(
        &self,
        query: Option<&str>,
        _headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<CallbackEvent, CarrierError> {
        let Some(expected) = self.config.webhook_secret.as_deref() else {
            return Err(CarrierError::Forged);
        };
        let given = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("secret="))
            .unwrap_or("");
        if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Err(CarrierError::Forged);
        }
        let cb: wire::Callback = serde_json::from_slice(body)
            .map_err(|e| CarrierError::Malformed(format!("callback body: {e}")))?;
        if !code_ok(&cb.order_code)
            || cb
                .client_order_code
                .as_deref()
                .is_some_and(|c| !c.is_empty() && !code_ok(c))
        {
            return Err(CarrierError::Malformed(
                "callback body: OrderCode or ClientOrderCode is not a code".to_owned(),
            ));
        }
        let event = CarrierEvent {
            status: status::normalise(&cb.status)?,
            carrier_status: cb.status,
            at: client::parse_time(&cb.time)?,
            // Told to the buyer: a sentence, not whatever length was sent.
            reason: cb
                .reason
                .filter(|r| !r.is_empty())
                .or(cb.description)
                .map(|r| r.chars().take(500).collect()),
        };
        Ok(CallbackEvent {
            carrier: ID.to_owned(),
            tracking_no: cb.order_code,
            client_order_code: cb.client_order_code.filter(|c| !c.is_empty()),
            shop_id: cb.shop_id.map(|s| s.to_string()),
            kind: cb.kind.to_ascii_lowercase(),
            event,
            cod_amount: cb.cod_amount,
            total_fee: cb.total_fee,
        })
    }
}

/// The longest waybill or client order code a callback may name, in bytes.
const MAX_CODE: usize = 64;

/// Whether `c` can be a GHN waybill or client order code. A waybill is kept in 64 characters,
/// and GHN's are a dozen: anything else is not GHN's (it would otherwise be adopted by a
/// withdrawn booking, or fail to be stored).
pub(crate) fn code_ok(c: &str) -> bool {
    !c.is_empty() && c.len() <= MAX_CODE && !c.chars().any(char::is_whitespace)
}

/// Compares without stopping at the first difference (the time taken does not tell how much
/// of a guessed secret was right).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ x);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abd", b"abc"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"abcd", b"abc"));
        assert!(!constant_time_eq(b"", b"abc"));
    }

    #[test]
    fn waybill_codes_are_short_and_unspaced() {
        assert!(code_ok("LBK6HF"));
        assert!(code_ok(&"A".repeat(64)));
        assert!(!code_ok(""));
        assert!(!code_ok(&"A".repeat(65)));
        assert!(!code_ok("LBK 6HF"));
        assert!(!code_ok("LBK6HF\n"));
    }
}
