//! Delivery fees: the zone of a destination relative to a stall, the parcel's weight, and a rate
//! table kept as data (`config/shipping/rates.toml`), with each stall's own rules on top (free
//! above an order value, a flat fee, or its own delivery within the province); and the
//! estimated days per zone, data too (`config/shipping/lead_times.toml`). Pure: no I/O.

use std::collections::HashMap;

use catalog::nation::Nation;
use serde::{Deserialize, Serialize};

/// The built-in rate table.
pub const BUILTIN: &str = include_str!("../../../config/shipping/rates.toml");

/// The built-in estimated delivery times.
pub const BUILTIN_LEAD_TIMES: &str = include_str!("../../../config/shipping/lead_times.toml");

/// Where a parcel goes, relative to the stall that sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// The stall's own commune.
    SameCommune,
    /// Another commune of the stall's province.
    SameProvince,
    /// Another province of the stall's region (north, central, south).
    SameRegion,
    /// The rest of the country.
    OtherRegion,
}

impl Zone {
    /// Every zone, nearest first.
    pub const ALL: [Zone; 4] = [
        Zone::SameCommune,
        Zone::SameProvince,
        Zone::SameRegion,
        Zone::OtherRegion,
    ];

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Zone::SameCommune,
            Zone::SameProvince,
            Zone::SameRegion,
            Zone::OtherRegion,
        ]
        .into_iter()
        .find(|z| z.as_str() == s)
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::SameCommune => "same_commune",
            Zone::SameProvince => "same_province",
            Zone::SameRegion => "same_region",
            Zone::OtherRegion => "other_region",
        }
    }

    /// The zone of commune `to` (in province `to_province`) for a stall in commune `from`.
    /// A stall commune the map does not know counts as another region (the dearest).
    pub fn between(nation: &Nation, from: &str, to: &str, to_province: &str) -> Zone {
        let Some((_, stall_province)) = nation.commune(from) else {
            return Zone::OtherRegion;
        };
        if from == to {
            Zone::SameCommune
        } else if stall_province.code == to_province {
            Zone::SameProvince
        } else if nation
            .province(to_province)
            .is_some_and(|p| p.region == stall_province.region)
        {
            Zone::SameRegion
        } else {
            Zone::OtherRegion
        }
    }
}

/// How a delivery fee was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The rate table, by zone and weight.
    Table,
    /// The stall's flat fee.
    Flat,
    /// Free: the order reaches the stall's free-delivery value.
    FreeAbove,
    /// The stall delivers itself within its province, for its own fee.
    OwnDelivery,
    /// The stall's carrier priced the parcel (its quote for this weight and route).
    Carrier,
}

impl Rule {
    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Rule::Table,
            Rule::Flat,
            Rule::FreeAbove,
            Rule::OwnDelivery,
            Rule::Carrier,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Table => "table",
            Rule::Flat => "flat",
            Rule::FreeAbove => "free_above",
            Rule::OwnDelivery => "own_delivery",
            Rule::Carrier => "carrier",
        }
    }
}

/// A stall's own delivery rules (none set: the rate table prices everything).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StallRules {
    /// Delivery is free for orders of at least this many đồng (goods only).
    pub free_above: Option<i64>,
    /// One fee for every order, wherever it goes.
    pub flat_fee: Option<i64>,
    /// The stall delivers itself within its province, for `own_fee`.
    pub own_in_province: bool,
    /// Its fee for its own deliveries (0: free).
    pub own_fee: i64,
}

/// Where a delivery fee's figure came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeeSource {
    /// The stall's carrier answered with its price and lead time.
    Carrier,
    /// The stall's rate table and rules (the stall has no carrier, its rules set the fee, or
    /// its carrier did not answer in time: then `carrier` names it).
    RateTable,
}

/// What the stall's carrier said about a parcel, for [`ShippingRates::quote_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierPrice {
    /// The carrier's id (`ghn`).
    pub carrier: String,
    /// Its fee and days; `None`: it did not answer (in time), the table answers.
    pub quoted: Option<(i64, EstimatedDays)>,
}

/// One stall's delivery line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The fee, in đồng.
    pub fee: i64,
    /// Where the parcel goes, relative to the stall.
    pub zone: Zone,
    /// The parcel's weight, in grams.
    pub weight_grams: i64,
    /// How the fee was reached.
    pub rule: Rule,
    /// Items listed without a weight, counted at the default weight.
    pub items_without_weight: u32,
    /// Days the parcel typically takes once handed over, for its zone (or as the carrier
    /// quoted them).
    pub estimated_days: EstimatedDays,
    /// Whether the stall's carrier priced it (`carrier`) or the rate table did (`rate_table`).
    pub source: FeeSource,
    /// The stall's carrier (`ghn`), when the stall ships with one and its price was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

/// A range of days a delivery typically takes (typical figures of carriers, not a promise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EstimatedDays {
    /// Fewest days.
    #[cfg_attr(feature = "openapi", schema(example = 3))]
    pub min: u32,
    /// Most days.
    #[cfg_attr(feature = "openapi", schema(example = 5))]
    pub max: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadTimesFile {
    zones: HashMap<Zone, EstimatedDays>,
}

/// Estimated delivery days per zone.
#[derive(Clone, Debug)]
pub struct LeadTimes {
    zones: HashMap<Zone, EstimatedDays>,
}

impl LeadTimes {
    /// Parses and checks a lead-time table: every zone present, `min <= max <= 60`.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: LeadTimesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        for zone in Zone::ALL {
            let Some(d) = file.zones.get(&zone) else {
                return Err(format!("zones.{} is missing", zone.as_str()));
            };
            if d.min > d.max || d.max > 60 {
                return Err(format!(
                    "zones.{}: min must not exceed max, nor max 60",
                    zone.as_str()
                ));
            }
        }
        Ok(Self { zones: file.zones })
    }

    /// The built-in table.
    pub fn builtin() -> Self {
        // The file is part of the source tree and checked by a test.
        Self::from_toml(BUILTIN_LEAD_TIMES).unwrap_or_else(|e| panic!("built-in lead times: {e}"))
    }

    /// The days of `zone`.
    pub fn of(&self, zone: Zone) -> EstimatedDays {
        // Every zone is present (checked on parsing).
        self.zones
            .get(&zone)
            .copied()
            .unwrap_or(EstimatedDays { min: 0, max: 0 })
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tier {
    up_to_grams: i64,
    fee: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneRates {
    tiers: Vec<Tier>,
    per_extra_500g: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatesFile {
    default_weight_grams: i64,
    zones: HashMap<Zone, ZoneRates>,
}

/// The rate table, with the estimated days per zone.
#[derive(Clone, Debug)]
pub struct ShippingRates {
    default_weight_grams: i64,
    zones: HashMap<Zone, ZoneRates>,
    lead_times: LeadTimes,
}

impl ShippingRates {
    /// Parses and checks a rate table: every zone present, tiers rising in weight and not
    /// falling in fee, no negative figure.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: RatesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if !(1..=100_000).contains(&file.default_weight_grams) {
            return Err("default_weight_grams must be 1 to 100000".into());
        }
        for zone in [
            Zone::SameCommune,
            Zone::SameProvince,
            Zone::SameRegion,
            Zone::OtherRegion,
        ] {
            let Some(z) = file.zones.get(&zone) else {
                return Err(format!("zones.{} is missing", zone.as_str()));
            };
            let rising = z
                .tiers
                .windows(2)
                .all(|w| w[0].up_to_grams < w[1].up_to_grams && w[0].fee <= w[1].fee);
            let sane = z.tiers.iter().all(|t| t.up_to_grams > 0 && t.fee >= 0);
            if z.tiers.is_empty() || !rising || !sane || z.per_extra_500g < 0 {
                return Err(format!(
                    "zones.{}: tiers must rise in weight, not fall in fee, and be non-negative",
                    zone.as_str()
                ));
            }
        }
        Ok(Self {
            default_weight_grams: file.default_weight_grams,
            zones: file.zones,
            lead_times: LeadTimes::builtin(),
        })
    }

    /// Estimates delivery days with `lead_times` instead of the built-in table.
    pub fn with_lead_times(mut self, lead_times: LeadTimes) -> Self {
        self.lead_times = lead_times;
        self
    }

    /// The built-in table.
    pub fn builtin() -> Self {
        // The file is part of the source tree and checked by a test.
        Self::from_toml(BUILTIN).unwrap_or_else(|e| panic!("built-in rate table: {e}"))
    }

    /// The weight of a product listed without one.
    pub fn default_weight_grams(&self) -> i64 {
        self.default_weight_grams
    }

    /// The table's fee for a parcel of `grams` to `zone`.
    pub fn table_fee(&self, zone: Zone, grams: i64) -> i64 {
        let Some(z) = self.zones.get(&zone) else {
            return 0;
        };
        if let Some(t) = z.tiers.iter().find(|t| grams <= t.up_to_grams) {
            return t.fee;
        }
        let Some(last) = z.tiers.last() else { return 0 };
        let extra = (grams - last.up_to_grams).max(0);
        let steps = (extra + 499) / 500;
        last.fee
            .saturating_add(steps.saturating_mul(z.per_extra_500g))
    }

    /// The delivery line of one stall's order: the stall's rules over the table.
    pub fn quote(
        &self,
        zone: Zone,
        weight_grams: i64,
        items_without_weight: u32,
        subtotal: i64,
        rules: &StallRules,
    ) -> Delivery {
        self.quote_with(
            zone,
            weight_grams,
            items_without_weight,
            subtotal,
            rules,
            None,
        )
    }

    /// The delivery line with the stall's carrier: its price replaces the table's where the
    /// table would apply (the stall's own delivery, flat fee and free-delivery threshold still
    /// come first); a carrier that did not answer leaves the table's fee, and says so.
    pub fn quote_with(
        &self,
        zone: Zone,
        weight_grams: i64,
        items_without_weight: u32,
        subtotal: i64,
        rules: &StallRules,
        carrier: Option<&CarrierPrice>,
    ) -> Delivery {
        let within_province = matches!(zone, Zone::SameCommune | Zone::SameProvince);
        let mut days = self.lead_times.of(zone);
        let mut source = FeeSource::RateTable;
        let (fee, rule) = if rules.own_in_province && within_province {
            (rules.own_fee.max(0), Rule::OwnDelivery)
        } else if let Some(flat) = rules.flat_fee {
            (flat.max(0), Rule::Flat)
        } else if let Some((fee, quoted_days)) = carrier.and_then(|c| c.quoted) {
            days = quoted_days;
            source = FeeSource::Carrier;
            (fee.max(0), Rule::Carrier)
        } else {
            (self.table_fee(zone, weight_grams), Rule::Table)
        };
        let (fee, rule) = match rules.free_above {
            Some(threshold) if subtotal >= threshold && fee > 0 => (0, Rule::FreeAbove),
            _ => (fee, rule),
        };
        Delivery {
            fee,
            zone,
            weight_grams,
            rule,
            items_without_weight,
            estimated_days: days,
            source,
            carrier: carrier
                .filter(|_| matches!(rule, Rule::Carrier | Rule::Table))
                .map(|c| c.carrier.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_follow_the_national_map() {
        let n = Nation::builtin();
        // A stall in Xã Cửa Tùng (Quảng Trị, central).
        let z = |to: &str, p: &str| Zone::between(n, "19414", to, p);
        assert_eq!(z("19414", "44"), Zone::SameCommune);
        assert_eq!(z("19429", "44"), Zone::SameProvince);
        // Đà Nẵng is in the same region; Hà Nội and Thành phố Hồ Chí Minh are not.
        let da_nang = n.communes_of("48").unwrap()[0].code.clone();
        assert_eq!(z(&da_nang, "48"), Zone::SameRegion);
        assert_eq!(z("00070", "01"), Zone::OtherRegion);
        let hcm = n.communes_of("79").unwrap()[0].code.clone();
        assert_eq!(z(&hcm, "79"), Zone::OtherRegion);
    }

    #[test]
    fn table_fees_by_tier_and_beyond() {
        let r = ShippingRates::builtin();
        assert_eq!(r.table_fee(Zone::OtherRegion, 1), 35_000);
        assert_eq!(r.table_fee(Zone::OtherRegion, 500), 35_000);
        assert_eq!(r.table_fee(Zone::OtherRegion, 501), 42_000);
        assert_eq!(r.table_fee(Zone::OtherRegion, 5000), 75_000);
        // 6.2 kg: 5 kg, then three started half-kilos.
        assert_eq!(r.table_fee(Zone::OtherRegion, 6200), 75_000 + 3 * 5_000);
        assert_eq!(r.table_fee(Zone::SameCommune, 800), 18_000);
    }

    #[test]
    fn stall_rules_over_the_table() {
        let r = ShippingRates::builtin();
        let none = StallRules::default();
        let d = r.quote(Zone::SameRegion, 1200, 0, 300_000, &none);
        assert_eq!((d.fee, d.rule), (42_000, Rule::Table));
        let flat = StallRules {
            flat_fee: Some(20_000),
            ..none
        };
        assert_eq!(r.quote(Zone::OtherRegion, 9000, 0, 1, &flat).fee, 20_000);
        let free = StallRules {
            free_above: Some(500_000),
            ..none
        };
        let d = r.quote(Zone::OtherRegion, 900, 0, 500_000, &free);
        assert_eq!((d.fee, d.rule), (0, Rule::FreeAbove));
        assert_eq!(
            r.quote(Zone::OtherRegion, 900, 0, 499_999, &free).fee,
            42_000
        );
        let own = StallRules {
            own_in_province: true,
            own_fee: 10_000,
            ..none
        };
        let d = r.quote(Zone::SameProvince, 900, 0, 1, &own);
        assert_eq!((d.fee, d.rule), (10_000, Rule::OwnDelivery));
        // Outside the province the table applies.
        assert_eq!(r.quote(Zone::SameRegion, 900, 0, 1, &own).rule, Rule::Table);
    }

    #[test]
    fn estimated_days_grow_with_distance() {
        let r = ShippingRates::builtin();
        let days = |zone| {
            r.quote(zone, 500, 0, 1, &StallRules::default())
                .estimated_days
        };
        assert_eq!(days(Zone::SameProvince), EstimatedDays { min: 1, max: 2 });
        assert_eq!(days(Zone::OtherRegion), EstimatedDays { min: 3, max: 5 });
        for w in Zone::ALL.windows(2) {
            assert!(days(w[0]).max <= days(w[1]).max);
        }
        let upside_down = BUILTIN_LEAD_TIMES.replace("min = 3\nmax = 5", "min = 5\nmax = 3");
        assert!(LeadTimes::from_toml(&upside_down).is_err());
        let missing = "[zones.same_commune]\nmin = 1\nmax = 1\n";
        assert!(
            LeadTimes::from_toml(missing)
                .unwrap_err()
                .contains("missing")
        );
    }

    #[test]
    fn bad_tables_are_refused() {
        let missing = "default_weight_grams = 500\n[zones.same_commune]\ntiers = [{ up_to_grams = 500, fee = 1 }]\nper_extra_500g = 1\n";
        assert!(
            ShippingRates::from_toml(missing)
                .unwrap_err()
                .contains("missing")
        );
        let falling = BUILTIN.replace(
            "{ up_to_grams = 1000, fee = 18000 }",
            "{ up_to_grams = 1000, fee = 1 }",
        );
        assert!(ShippingRates::from_toml(&falling).is_err());
    }
}
