//! The `Carrier` trait every parcel carrier's adapter implements, and the registry of the
//! carriers a deployment has set up.

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;

use crate::{
    Account, Booking, CallbackEvent, CarrierError, Quote, QuoteRequest, ShipmentRequest,
    ShipmentState,
};

/// A parcel carrier the marketplace books, tracks and hears from. Adapters speak the carrier's
/// wire format and answer in the marketplace's words; none holds a database transaction, and
/// none is called inside one.
#[async_trait]
pub trait Carrier: Send + Sync {
    /// The carrier's id in the API and in stored rows (`ghn`).
    fn id(&self) -> &'static str;

    /// Whether the carrier can address commune `commune_code` (a commune of the national map):
    /// a stall there may connect the carrier, a buyer there may be quoted and shipped to.
    fn serves(&self, commune_code: &str) -> bool {
        let _ = commune_code;
        true
    }

    /// The fee and lead time for a parcel from the stall's commune to the buyer's.
    async fn quote(&self, account: &Account, request: &QuoteRequest)
    -> Result<Quote, CarrierError>;

    /// Books a waybill. Idempotent by `request.client_order_code`: when the carrier already
    /// has a waybill with that code (a retry after a lost answer), that waybill is returned and
    /// no second one is made.
    async fn create(
        &self,
        account: &Account,
        request: &ShipmentRequest,
    ) -> Result<Booking, CarrierError>;

    /// Cancels a waybill the courier has not picked up yet.
    async fn cancel(&self, account: &Account, tracking_no: &str) -> Result<(), CarrierError>;

    /// The waybill's state now, with the carrier's event log.
    async fn detail(
        &self,
        account: &Account,
        tracking_no: &str,
    ) -> Result<ShipmentState, CarrierError>;

    /// Verifies and reads a status callback: `query` is the callback URL's query string (where
    /// a carrier that does not sign carries the deployment's secret), `headers` and `body` as
    /// received. A callback that does not prove it is the carrier's is `CarrierError::Forged`.
    fn parse_callback(
        &self,
        query: Option<&str>,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<CallbackEvent, CarrierError>;
}

/// The carriers this deployment has set up, by id.
#[derive(Clone, Default)]
pub struct Carriers {
    by_id: BTreeMap<&'static str, Arc<dyn Carrier>>,
}

impl std::fmt::Debug for Carriers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_id.keys()).finish()
    }
}

impl Carriers {
    /// No carrier: every stall delivers itself.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds `carrier` (replacing one with the same id).
    pub fn with(mut self, carrier: Arc<dyn Carrier>) -> Self {
        self.by_id.insert(carrier.id(), carrier);
        self
    }

    /// The carrier named `id`, if set up.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Carrier>> {
        self.by_id.get(id).cloned()
    }

    /// The ids of the carriers set up.
    pub fn ids(&self) -> Vec<&'static str> {
        self.by_id.keys().copied().collect()
    }
}
