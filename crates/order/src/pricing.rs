//! Pricing a cart: one order per stall, each with its goods subtotal and, for a destination,
//! its delivery line; and the grand total. The cart shows it, the checkout recomputes it in its
//! transaction and refuses a total that differs from the one the buyer saw.

use std::collections::{BTreeMap, HashMap};

use catalog::{nation::Nation, offer::Offer, stall::DeliveryRules};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    carrier_quotes::{CarrierFees, CarrierQuoting, StallParcel},
    shipping::{Delivery, Rule, ShippingRates, StallRules, Zone},
};

/// Why a cart line cannot be bought now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unbuyable {
    /// Its product is archived, hidden, or its stall is not open.
    NotSold,
    /// Fewer units are in stock than the line wants.
    Short {
        /// Units in stock.
        stock: i64,
    },
}

/// The one rule for a cart line: it can be bought when its variant is on sale (`offer`, if
/// any: the variant of a visible product) with the units it wants. The cart flags a line that cannot and
/// leaves it out of its totals; the checkout refuses a cart that holds one, naming it, before
/// it compares totals, so a buyer is never asked to confirm a total nobody can order.
pub(crate) fn buyable(quantity: i64, offer: Option<&Offer>) -> Result<&Offer, Unbuyable> {
    match offer {
        None => Err(Unbuyable::NotSold),
        Some(o) if o.stock() < quantity => Err(Unbuyable::Short { stock: o.stock() }),
        Some(o) => Ok(o),
    }
}

/// Where a cart would go: codes of the national map, already checked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place<'a> {
    pub province: &'a str,
    pub commune: &'a str,
}

/// One priced line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PricedItem {
    pub product_id: Uuid,
    pub variant_id: Uuid,
    pub variant_name: String,
    pub name: String,
    pub unit: String,
    /// The price charged: the price in force.
    pub unit_price: i64,
    /// The regular price (before a promotion).
    pub regular_unit_price: i64,
    pub quantity: i64,
}

/// One stall's order, priced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StallQuote {
    pub stall_id: Uuid,
    pub subtotal: i64,
    pub items: Vec<PricedItem>,
    /// With a destination: the delivery line.
    pub delivery: Option<Delivery>,
}

impl StallQuote {
    /// Goods and delivery.
    pub fn total(&self) -> i64 {
        self.subtotal
            .saturating_add(self.delivery.as_ref().map_or(0, |d| d.fee))
    }
}

/// A cart priced: per stall, then the grand total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Quote {
    pub stalls: Vec<StallQuote>,
    pub total: i64,
}

/// What pricing needs besides the lines.
pub(crate) struct Pricing<'a> {
    pub nation: &'a Nation,
    pub rates: &'a ShippingRates,
    /// Each stall's commune and rules.
    pub stalls: &'a HashMap<Uuid, (String, DeliveryRules)>,
    pub destination: Option<Place<'a>>,
    /// The stalls' carriers' prices, where asked.
    pub carrier_fees: Option<&'a CarrierFees>,
}

impl Pricing<'_> {
    /// Prices `(variant, quantity)` lines of visible `offers`; lines of unknown variants are
    /// left out (the caller refuses them first).
    pub fn quote(&self, lines: &[(Uuid, i64)], offers: &HashMap<Uuid, Offer>) -> Quote {
        // Quantities of one variant are summed (a cart has one line per variant, but be sure).
        let mut wanted: BTreeMap<Uuid, i64> = BTreeMap::new();
        for (id, qty) in lines {
            *wanted.entry(*id).or_default() += qty;
        }
        let mut by_stall: BTreeMap<Uuid, (StallQuote, i64, u32)> = BTreeMap::new();
        for (id, quantity) in wanted {
            let Some(o) = offers.get(&id) else { continue };
            let p = &o.product;
            let (stall, grams, unweighed) = by_stall.entry(p.stall.id).or_insert_with(|| {
                let q = StallQuote {
                    stall_id: p.stall.id,
                    subtotal: 0,
                    items: Vec::new(),
                    delivery: None,
                };
                (q, 0, 0)
            });
            stall.subtotal = stall
                .subtotal
                .saturating_add(o.price().saturating_mul(quantity));
            let unit_grams = match o.weight_grams() {
                Some(w) => i64::from(w),
                None => {
                    *unweighed += 1;
                    self.rates.default_weight_grams()
                }
            };
            *grams = grams.saturating_add(unit_grams.saturating_mul(quantity));
            stall.items.push(PricedItem {
                product_id: p.id,
                variant_id: o.variant.id,
                variant_name: o.variant.name.clone(),
                name: p.name.clone(),
                unit: p.unit.clone(),
                unit_price: o.price(),
                regular_unit_price: o.regular_price(),
                quantity,
            });
        }
        let stalls: Vec<StallQuote> = by_stall
            .into_values()
            .map(|(mut q, grams, unweighed)| {
                q.delivery = self.delivery(&q, grams, unweighed);
                q
            })
            .collect();
        let total = stalls.iter().fold(0i64, |t, s| t.saturating_add(s.total()));
        Quote { stalls, total }
    }

    fn delivery(&self, q: &StallQuote, grams: i64, unweighed: u32) -> Option<Delivery> {
        let to = self.destination?;
        let (from, rules) = self.stalls.get(&q.stall_id)?;
        let zone = Zone::between(self.nation, from, to.commune, to.province);
        let rules = StallRules {
            free_above: rules.free_above,
            flat_fee: rules.flat_fee,
            own_in_province: rules.own_delivery_in_province,
            own_fee: rules.own_delivery_fee,
        };
        let carrier = self
            .carrier_fees
            .and_then(|f| f.get(q.stall_id, to.commune, grams));
        Some(
            self.rates
                .quote_with(zone, grams, unweighed, q.subtotal, &rules, carrier),
        )
    }
}

/// Where the stalls' carriers' prices come from, for [`quote_to`].
#[derive(Clone, Copy)]
pub(crate) enum Fees<'a> {
    /// The rate table alone (no carrier is set up).
    Table,
    /// Asked of the carriers now (outside any transaction).
    Ask(&'a CarrierQuoting),
    /// Asked before (the checkout asks before its transaction and prices inside it).
    Asked(&'a CarrierFees),
}

impl<'a> Fees<'a> {
    /// Asks `quoting`, when there is one, else the table.
    pub fn ask(quoting: Option<&'a CarrierQuoting>) -> Self {
        quoting.map_or(Fees::Table, Fees::Ask)
    }
}

/// Prices `lines` of visible `offers` for delivery to `place`, reading each stall's commune
/// and delivery rules from the catalogue (the cart and the checkout both price this way), the
/// stalls' carriers pricing their parcels as `fees` says.
pub(crate) async fn quote_to<C: sea_orm::ConnectionTrait>(
    db: &C,
    catalog: &catalog::Catalog,
    (nation, rates): (&Nation, &ShippingRates),
    lines: &[(Uuid, i64)],
    offers: &HashMap<Uuid, Offer>,
    place: Place<'_>,
    fees: Fees<'_>,
) -> crate::error::Result<Quote> {
    let mut stall_ids: Vec<Uuid> = offers.values().map(|o| o.product.stall.id).collect();
    stall_ids.sort_unstable();
    stall_ids.dedup();
    let stalls = catalog.delivery_profiles(db, &stall_ids).await?;
    let mut pricing = Pricing {
        nation,
        rates,
        stalls: &stalls,
        destination: Some(place),
        carrier_fees: None,
    };
    let asked;
    match fees {
        Fees::Table => {}
        Fees::Asked(f) => pricing.carrier_fees = Some(f),
        Fees::Ask(quoting) => {
            let first = pricing.quote(lines, offers);
            asked = quoting
                .fetch(db, &tabled(&first, &stalls), place.commune)
                .await?;
            pricing.carrier_fees = Some(&asked);
        }
    }
    Ok(pricing.quote(lines, offers))
}

/// The stalls' carriers' prices for `lines` to `place`, asked now: what the checkout asks
/// before its transaction.
pub(crate) async fn carrier_fees<C: sea_orm::ConnectionTrait>(
    db: &C,
    catalog: &catalog::Catalog,
    (nation, rates): (&Nation, &ShippingRates),
    lines: &[(Uuid, i64)],
    place: Place<'_>,
    quoting: &CarrierQuoting,
) -> crate::error::Result<CarrierFees> {
    let ids: Vec<Uuid> = lines.iter().map(|l| l.0).collect();
    let offers = catalog.visible_offers(db, &ids).await?;
    let mut stall_ids: Vec<Uuid> = offers.values().map(|o| o.product.stall.id).collect();
    stall_ids.sort_unstable();
    stall_ids.dedup();
    let stalls = catalog.delivery_profiles(db, &stall_ids).await?;
    let pricing = Pricing {
        nation,
        rates,
        stalls: &stalls,
        destination: Some(place),
        carrier_fees: None,
    };
    let first = pricing.quote(lines, &offers);
    quoting
        .fetch(db, &tabled(&first, &stalls), place.commune)
        .await
}

/// The parcels of `first` (priced without carriers) whose delivery line the rate table set:
/// those a carrier would price.
fn tabled(first: &Quote, stalls: &HashMap<Uuid, (String, DeliveryRules)>) -> Vec<StallParcel> {
    first
        .stalls
        .iter()
        .filter_map(|s| {
            let d = s.delivery.as_ref().filter(|d| d.rule == Rule::Table)?;
            Some(StallParcel {
                stall_id: s.stall_id,
                from: stalls.get(&s.stall_id)?.0.clone(),
                grams: d.weight_grams,
                value: s.subtotal,
            })
        })
        .collect()
}

/// A stall's part of a priced cart, as the cart and a `total_changed` answer show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StallTotal {
    /// The stall.
    pub stall_id: Uuid,
    /// Its goods, in đồng.
    pub subtotal: i64,
    /// Its delivery line (with a destination).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Goods and delivery.
    pub total: i64,
}

impl From<&StallQuote> for StallTotal {
    fn from(q: &StallQuote) -> Self {
        Self {
            stall_id: q.stall_id,
            subtotal: q.subtotal,
            delivery: q.delivery.clone(),
            total: q.total(),
        }
    }
}
