//! Delivery prices from the stalls' carriers, for the cart, the guest cart, the checkout and a
//! product's delivery quote: asked for every stall whose line the rate table would price,
//! all at once, each bounded by a timeout (the rate table answers for a carrier that is late,
//! down or refuses), and kept briefly in memory so the cart and the checkout that follows it
//! see the same price. Never asked inside a database transaction: the checkout asks before
//! it opens one and prices from the answers.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use carriers::{Parcel, QuoteRequest, StallCarriers};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    error::Result,
    shipping::{CarrierPrice, EstimatedDays},
};

/// A stall's parcel to price: from the stall's commune, its weight and the goods' value.
#[derive(Clone, Debug)]
pub(crate) struct StallParcel {
    pub stall_id: Uuid,
    pub from: String,
    pub grams: i64,
    pub value: i64,
}

/// The most quotes kept; past it, the expired ones go, then all.
const CACHE_MAX: usize = 10_000;

/// What a quote is kept under: the stall's account and the parcel's route, weight and value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    stall_id: Uuid,
    carrier: String,
    shop_id: String,
    service_type_id: Option<i32>,
    from: String,
    to: String,
    grams: i64,
    value: i64,
}

/// The carriers' prices for some stalls' parcels, by stall.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CarrierFees {
    by_stall: HashMap<Uuid, (String, i64, CarrierPrice)>,
}

impl CarrierFees {
    /// The price for stall `stall_id`'s parcel of `grams` to commune `to`, if asked for that
    /// very parcel (a cart changed since is priced by the table).
    pub fn get(&self, stall_id: Uuid, to: &str, grams: i64) -> Option<&CarrierPrice> {
        self.by_stall
            .get(&stall_id)
            .filter(|(commune, g, _)| commune == to && *g == grams)
            .map(|(_, _, price)| price)
    }
}

/// Asks the stalls' carriers for prices.
#[derive(Clone)]
pub struct CarrierQuoting {
    stalls: StallCarriers,
    ttl: Duration,
    timeout: Duration,
    cache: Arc<Mutex<HashMap<Key, (Instant, carriers::Quote)>>>,
}

impl std::fmt::Debug for CarrierQuoting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierQuoting")
            .field("ttl", &self.ttl)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// One parcel to price.
struct Ask {
    stall_id: Uuid,
    key: Key,
    request: QuoteRequest,
}

impl CarrierQuoting {
    /// Prices from `stalls`' carriers, each waited for at most `timeout`, kept `ttl`.
    pub fn new(stalls: StallCarriers, ttl: Duration, timeout: Duration) -> Self {
        Self {
            stalls,
            ttl,
            timeout,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (Instant, carriers::Quote)>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cached(&self, key: &Key) -> Option<carriers::Quote> {
        let cache = self.cache();
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, q)| q.clone())
    }

    fn keep(&self, key: Key, quote: carriers::Quote) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = self.cache();
        if cache.len() >= CACHE_MAX {
            let ttl = self.ttl;
            cache.retain(|_, (at, _)| at.elapsed() < ttl);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(key, (Instant::now(), quote));
    }

    /// The carriers' prices for `parcels` (the stalls' lines the rate table priced) to commune
    /// `to`.
    pub(crate) async fn fetch<C: ConnectionTrait>(
        &self,
        db: &C,
        parcels: &[StallParcel],
        to: &str,
    ) -> Result<CarrierFees> {
        if self.stalls.carriers().ids().is_empty() || parcels.is_empty() {
            return Ok(CarrierFees::default());
        }
        let ids: Vec<Uuid> = parcels.iter().map(|p| p.stall_id).collect();
        let accounts = self.stalls.accounts_for(db, &ids).await?;
        let mut fees = CarrierFees::default();
        let mut asks = Vec::new();
        for s in parcels {
            let Some(Ok(account)) = accounts.get(&s.stall_id) else {
                continue;
            };
            let origin = &s.from;
            let id = account.carrier.id().to_owned();
            let served = account.carrier.serves(origin) && account.carrier.serves(to);
            let key = Key {
                stall_id: s.stall_id,
                carrier: id.clone(),
                shop_id: account.account.shop_id.clone(),
                service_type_id: account.account.service_type_id,
                from: origin.clone(),
                to: to.to_owned(),
                grams: s.grams,
                value: s.value,
            };
            let cached = if served { self.cached(&key) } else { None };
            let known = cached.map(|q| price(&id, Some(q)));
            if served && known.is_none() {
                asks.push((
                    account.clone(),
                    Ask {
                        stall_id: s.stall_id,
                        request: QuoteRequest {
                            from_commune: key.from.clone(),
                            to_commune: key.to.clone(),
                            parcel: Parcel::standard_box(s.grams),
                            insurance_value: s.value,
                        },
                        key,
                    },
                ));
            }
            let entry = known.unwrap_or_else(|| price(&id, None));
            fees.by_stall
                .insert(s.stall_id, (to.to_owned(), s.grams, entry));
        }
        for (stall_id, id, key, answer) in self.ask_all(asks).await {
            if let Some(q) = &answer {
                self.keep(key, q.clone());
            }
            if let Some(entry) = fees.by_stall.get_mut(&stall_id) {
                entry.2 = price(&id, answer);
            }
        }
        Ok(fees)
    }

    /// Asks every carrier at once, each within the timeout; a failure is logged and `None`.
    async fn ask_all(
        &self,
        asks: Vec<(carriers::StallAccount, Ask)>,
    ) -> Vec<(Uuid, String, Key, Option<carriers::Quote>)> {
        let mut set = tokio::task::JoinSet::new();
        for (account, ask) in asks {
            let timeout = self.timeout;
            set.spawn(async move {
                let id = account.carrier.id().to_owned();
                let call = account.carrier.quote(&account.account, &ask.request);
                let answer = match tokio::time::timeout(timeout, call).await {
                    Ok(Ok(q)) => Some(q),
                    Ok(Err(e)) => {
                        tracing::warn!(stall = %ask.stall_id, carrier = %id, error = %e, "carrier quote failed; the rate table answers");
                        None
                    }
                    Err(_) => {
                        tracing::warn!(stall = %ask.stall_id, carrier = %id, "carrier quote timed out; the rate table answers");
                        None
                    }
                };
                (ask.stall_id, id, ask.key, answer)
            });
        }
        let mut out = Vec::new();
        while let Some(done) = set.join_next().await {
            if let Ok(answer) = done {
                out.push(answer);
            }
        }
        out
    }
}

fn price(carrier: &str, quote: Option<carriers::Quote>) -> CarrierPrice {
    CarrierPrice {
        carrier: carrier.to_owned(),
        quoted: quote.map(|q| {
            (
                q.fee,
                EstimatedDays {
                    min: q.min_days,
                    max: q.max_days.max(q.min_days),
                },
            )
        }),
    }
}
