//! The money rules, pure: shares in basis points rounded half up to the whole đồng, which
//! commission rule applies to a sale, which sellers are withheld on and the withholding rates
//! of Decree 117 read from data.

use std::collections::HashMap;

use catalog::stall::BusinessType;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `amount × bp / 10 000`, rounded half up to the whole đồng (amount ≥ 0).
pub fn share(amount: i64, bp: i32) -> i64 {
    let exact = i128::from(amount.max(0)) * i128::from(bp.max(0));
    i64::try_from((exact + 5_000) / 10_000).unwrap_or(i64::MAX)
}

/// A commission rule as the choice needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommissionRule {
    /// Its id.
    pub id: Uuid,
    /// The rate in basis points.
    pub rate_bp: i32,
    /// Applies to this category and every category below it; `None`: any.
    pub category_id: Option<Uuid>,
    /// Applies to this stall only; `None`: any.
    pub stall_id: Option<Uuid>,
    /// The least commission per order under this rule.
    pub min: Option<i64>,
    /// The most commission per order under this rule.
    pub max: Option<i64>,
    /// In force from.
    pub valid_from: DateTime<Utc>,
    /// In force until (exclusive); `None`: open.
    pub valid_to: Option<DateTime<Utc>>,
}

impl CommissionRule {
    fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.valid_from <= at && self.valid_to.is_none_or(|to| at < to)
    }

    /// What the order's lines under this rule pay: the rate on their sum, held within the
    /// rule's minimum and maximum.
    pub fn commission(&self, base: i64) -> i64 {
        let mut c = share(base, self.rate_bp);
        if let Some(min) = self.min {
            c = c.max(min.min(base));
        }
        if let Some(max) = self.max {
            c = c.min(max);
        }
        c
    }
}

/// The rule for a sale of `stall` in the category whose ancestry (itself first, then its
/// parents) is `ancestry`, at `at`. Most specific first: a rule naming the stall beats one
/// that does not; then the deepest category (a rule for the category itself beats one for its
/// parent, which beats one for any category); then the latest `valid_from`.
pub fn choose_rule<'a>(
    rules: &'a [CommissionRule],
    stall: Uuid,
    ancestry: &[Uuid],
    at: DateTime<Utc>,
) -> Option<&'a CommissionRule> {
    rules
        .iter()
        .filter(|r| r.in_force(at))
        .filter(|r| r.stall_id.is_none_or(|s| s == stall))
        .filter_map(|r| {
            let depth = match r.category_id {
                None => 0,
                Some(c) => ancestry.len() - ancestry.iter().position(|a| *a == c)?,
            };
            Some(((r.stall_id.is_some(), depth, r.valid_from), r))
        })
        .max_by_key(|(rank, _)| *rank)
        .map(|(_, r)| r)
}

/// Whether Decree 117's withholding applies to a seller of this legal form: household
/// businesses and individuals; cooperatives and enterprises declare their own taxes.
pub fn withholds(business_type: BusinessType) -> bool {
    matches!(
        business_type,
        BusinessType::HouseholdBusiness | BusinessType::Individual
    )
}

/// A kind of supply, with its own withholding rates (Decree 117/2025/NĐ-CP, Article 5,
/// clause 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Supply {
    /// Goods: 1 % VAT + 0.5 % PIT (non-residents 1 % PIT) under the rates of 2025.
    Goods,
    /// Services (rural tourism): 5 % VAT + 2 % PIT (non-residents 5 %).
    Services,
    /// Transport and services attached to goods (the delivery the stall does): 3 % VAT +
    /// 1.5 % PIT (non-residents 2 %).
    Transport,
    /// A kind that cannot be told (a category mapped to no kind): each tax at the highest
    /// rate any kind has on that day.
    Unknown,
}

/// Whether the seller is resident in Viet Nam for personal income tax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Residency {
    /// A household business or a resident individual.
    Resident,
    /// A non-resident individual: other PIT rates, VAT as residents.
    NonResident,
}

/// One withholding rate, as the data file has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithholdingRate {
    /// The kind of supply (never `unknown`: that one is derived).
    pub supply: Supply,
    /// VAT in basis points.
    pub vat_bp: i32,
    /// Personal income tax of residents in basis points.
    pub pit_bp: i32,
    /// Personal income tax of non-resident individuals in basis points.
    pub pit_non_resident_bp: i32,
    /// In force from this day (Vietnam's calendar).
    pub valid_from: NaiveDate,
}

/// The rates a sale is withheld at, as its entries record them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The kind of supply the rates are of.
    pub supply: Supply,
    /// VAT in basis points.
    pub vat_bp: i32,
    /// PIT in basis points (the seller's residency's).
    pub pit_bp: i32,
    /// The rate's first day (for `unknown`, the latest first day of those it took).
    pub valid_from: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindsFile {
    #[serde(default)]
    goods: Vec<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    transport: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithholdingFile {
    kinds: KindsFile,
    rate: Vec<WithholdingRate>,
}

/// The withholding rates and each category subtree's kind of supply
/// (`config/tax/withholding.toml`).
#[derive(Clone, Debug)]
pub struct Withholding {
    kinds: HashMap<String, Supply>,
    rates: Vec<WithholdingRate>,
}

impl Withholding {
    /// Reads the data file's text.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let f: WithholdingFile = toml::from_str(text).map_err(|e| e.to_string())?;
        for r in &f.rate {
            let bps = [r.vat_bp, r.pit_bp, r.pit_non_resident_bp];
            if bps.iter().any(|bp| !(0..=10_000).contains(bp)) {
                return Err(format!("{:?} rates must be 0 to 10000 bp", r.supply));
            }
            if r.supply == Supply::Unknown {
                return Err("`unknown` takes the highest rates; it has none of its own".into());
            }
        }
        let mut kinds = HashMap::new();
        for (supply, slugs) in [
            (Supply::Goods, f.kinds.goods),
            (Supply::Services, f.kinds.services),
            (Supply::Transport, f.kinds.transport),
        ] {
            for slug in slugs {
                if kinds.insert(slug.clone(), supply).is_some() {
                    return Err(format!("category {slug} is mapped to two kinds"));
                }
            }
        }
        Ok(Self {
            kinds,
            rates: f.rate,
        })
    }

    /// The rates shipped in `config/tax/withholding.toml`.
    pub fn builtin() -> Self {
        match Self::from_toml(include_str!("../../../config/tax/withholding.toml")) {
            Ok(w) => w,
            Err(e) => unreachable!("the shipped withholding rates are invalid: {e}"),
        }
    }

    /// The kind of supply of a sale in a category with these slugs (itself, then parents):
    /// the nearest one mapped; none mapped is `unknown` (the highest rates).
    pub fn supply_of(&self, slugs: &[&str]) -> Supply {
        slugs
            .iter()
            .find_map(|s| self.kinds.get(*s).copied())
            .unwrap_or(Supply::Unknown)
    }

    /// The rate in force for a known `supply` on `day`: the latest that started on or
    /// before it.
    pub fn rate(&self, supply: Supply, day: NaiveDate) -> Option<&WithholdingRate> {
        self.rates
            .iter()
            .filter(|r| r.supply == supply && r.valid_from <= day)
            .max_by_key(|r| r.valid_from)
    }

    /// What a sale of `supply` by a seller of `residency` is withheld at on `day`. For
    /// `unknown`, each tax at the highest rate in force for any kind (VAT and PIT may peak in
    /// different kinds: taking each at its highest never withholds too little of either).
    pub fn applied(&self, supply: Supply, residency: Residency, day: NaiveDate) -> Option<Applied> {
        let pit = |r: &WithholdingRate| match residency {
            Residency::Resident => r.pit_bp,
            Residency::NonResident => r.pit_non_resident_bp,
        };
        if supply != Supply::Unknown {
            let r = self.rate(supply, day)?;
            return Some(Applied {
                supply,
                vat_bp: r.vat_bp,
                pit_bp: pit(r),
                valid_from: r.valid_from,
            });
        }
        let known = [Supply::Goods, Supply::Services, Supply::Transport];
        let in_force: Vec<&WithholdingRate> =
            known.iter().filter_map(|s| self.rate(*s, day)).collect();
        Some(Applied {
            supply,
            vat_bp: in_force.iter().map(|r| r.vat_bp).max()?,
            pit_bp: in_force.iter().map(|r| pit(r)).max()?,
            valid_from: in_force.iter().map(|r| r.valid_from).max()?,
        })
    }
}

/// `amount × num / den`, rounded half up to the whole đồng (all ≥ 0, `den` > 0; otherwise
/// 0). A partial refund's share of what remains of one part of an order: when `amount` is the
/// whole of `den`, the share is the whole of `num`, so the last refund clears the part.
pub fn prorate(amount: i64, num: i64, den: i64) -> i64 {
    if amount <= 0 || num <= 0 || den <= 0 {
        return 0;
    }
    let exact = i128::from(amount) * i128::from(num);
    let den = i128::from(den);
    i64::try_from((2 * exact + den) / (2 * den)).unwrap_or(i64::MAX)
}

/// Splits `amount` over `parts` in proportion to them, in whole đồng, so that the shares add
/// up to exactly `amount` and none exceeds its part (largest remainder: each share is the
/// floor of its exact value, and the đồng left over go one each to the largest fractions,
/// ties to the earlier part). Needs `0 ≤ amount ≤ Σ parts` and parts ≥ 0; otherwise `None`.
///
/// A partial refund splits what remains unreversed of an order's parts, so that successive
/// refunds never reverse more than a part, and the last one reverses exactly what is left.
pub fn split<const N: usize>(amount: i64, parts: [i64; N]) -> Option<[i64; N]> {
    split_all(amount, &parts)?.try_into().ok()
}

/// [`split`] over any number of parts (an order's lines).
pub fn split_all(amount: i64, parts: &[i64]) -> Option<Vec<i64>> {
    let total: i128 = parts.iter().map(|&p| i128::from(p)).sum();
    if amount < 0 || parts.iter().any(|&p| p < 0) || i128::from(amount) > total {
        return None;
    }
    let mut out = vec![0i64; parts.len()];
    if total == 0 {
        return Some(out);
    }
    let mut fractions = Vec::with_capacity(parts.len());
    let mut given: i128 = 0;
    for (i, &p) in parts.iter().enumerate() {
        let exact = i128::from(p) * i128::from(amount);
        let share = exact / total;
        out[i] = i64::try_from(share).ok()?;
        given += share;
        fractions.push((exact % total, i));
    }
    // Largest fraction first; among equal ones, the earlier part.
    fractions.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = usize::try_from(i128::from(amount) - given).ok()?;
    for &(_, i) in fractions.iter().take(left) {
        out[i] += 1;
    }
    Some(out)
}

/// Sums amounts by a key, keeping the keys' first-seen order.
pub(crate) fn sum_by<K: Eq + std::hash::Hash + Clone>(
    items: impl IntoIterator<Item = (K, i64)>,
) -> Vec<(K, i64)> {
    let mut order = Vec::new();
    let mut sums: HashMap<K, i64> = HashMap::new();
    for (k, v) in items {
        let e = sums.entry(k.clone()).or_insert_with(|| {
            order.push(k);
            0
        });
        *e = e.saturating_add(v);
    }
    order
        .into_iter()
        .map(|k| {
            let v = sums.get(&k).copied().unwrap_or(0);
            (k, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn rule(rate_bp: i32, category: Option<Uuid>, stall: Option<Uuid>) -> CommissionRule {
        CommissionRule {
            id: Uuid::now_v7(),
            rate_bp,
            category_id: category,
            stall_id: stall,
            min: None,
            max: None,
            valid_from: at(2025, 1, 1),
            valid_to: None,
        }
    }

    #[test]
    fn prorated_shares_round_half_up_and_the_whole_takes_the_whole() {
        assert_eq!(prorate(100_000, 30_000, 270_000), 11_111); // 11 111.1
        assert_eq!(prorate(1, 1, 2), 1); // 0.5 rounds up
        assert_eq!(prorate(1, 1, 3), 0);
        assert_eq!(prorate(270_000, 30_000, 270_000), 30_000);
        assert_eq!(prorate(7, 0, 10), 0);
        assert_eq!(prorate(7, 5, 0), 0);
    }

    #[test]
    fn shares_round_half_up_to_the_dong() {
        assert_eq!(share(120_000, 100), 1_200);
        assert_eq!(share(123_450, 50), 617); // 617.25
        assert_eq!(share(123_500, 50), 618); // 617.5 rounds up
        assert_eq!(share(99, 50), 0); // 0.495
        assert_eq!(share(100, 50), 1); // 0.5
        assert_eq!(share(0, 1_000), 0);
    }

    #[test]
    fn the_most_specific_rule_in_force_applies() {
        let (food, sauce, coffee) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (stall, other) = (Uuid::now_v7(), Uuid::now_v7());
        let default = rule(500, None, None);
        let food_rule = rule(700, Some(food), None);
        let sauce_rule = rule(800, Some(sauce), None);
        let stall_rule = rule(300, None, Some(stall));
        let rules = vec![
            default.clone(),
            food_rule.clone(),
            sauce_rule.clone(),
            stall_rule.clone(),
        ];
        let now = at(2026, 6, 1);
        // The stall's own rule beats every category rule.
        assert_eq!(
            choose_rule(&rules, stall, &[sauce, food], now),
            Some(&stall_rule)
        );
        // Another stall: the category itself beats its parent, the parent beats the default.
        assert_eq!(
            choose_rule(&rules, other, &[sauce, food], now),
            Some(&sauce_rule)
        );
        assert_eq!(
            choose_rule(&rules, other, &[Uuid::now_v7(), food], now),
            Some(&food_rule)
        );
        assert_eq!(choose_rule(&rules, other, &[coffee], now), Some(&default));
        assert_eq!(choose_rule(&[], other, &[coffee], now), None);
    }

    #[test]
    fn effective_dates_decide_which_rule_is_in_force() {
        let stall = Uuid::now_v7();
        let mut old = rule(500, None, None);
        old.valid_to = Some(at(2026, 3, 1));
        let mut new = rule(600, None, None);
        new.valid_from = at(2026, 3, 1);
        let mut later = rule(900, None, None);
        later.valid_from = at(2027, 1, 1);
        let rules = vec![old.clone(), new.clone(), later];
        assert_eq!(choose_rule(&rules, stall, &[], at(2026, 2, 28)), Some(&old));
        assert_eq!(choose_rule(&rules, stall, &[], at(2026, 3, 1)), Some(&new));
        assert_eq!(choose_rule(&rules, stall, &[], at(2024, 1, 1)), None);
    }

    #[test]
    fn minimum_and_maximum_hold_the_commission_per_order() {
        let mut r = rule(500, None, None);
        r.min = Some(5_000);
        r.max = Some(50_000);
        assert_eq!(r.commission(20_000), 5_000); // 1 000 at 5 %, raised to the minimum
        assert_eq!(r.commission(3_000), 3_000); // never more than the sale itself
        assert_eq!(r.commission(400_000), 20_000);
        assert_eq!(r.commission(2_000_000), 50_000); // capped
    }

    #[test]
    fn the_shipped_withholding_rates_are_decree_117s() {
        let w = Withholding::builtin();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let at = |s, r| {
            let a = w.applied(s, r, day).unwrap();
            (a.vat_bp, a.pit_bp)
        };
        use Residency::{NonResident, Resident};
        assert_eq!(at(Supply::Goods, Resident), (100, 50));
        assert_eq!(at(Supply::Services, Resident), (500, 200));
        assert_eq!(at(Supply::Transport, Resident), (300, 150));
        assert_eq!(at(Supply::Goods, NonResident), (100, 100));
        assert_eq!(at(Supply::Services, NonResident), (500, 500));
        assert_eq!(at(Supply::Transport, NonResident), (300, 200));
        // Unknown: each tax at its highest.
        assert_eq!(at(Supply::Unknown, Resident), (500, 200));
        assert_eq!(at(Supply::Unknown, NonResident), (500, 500));
        assert!(
            w.applied(
                Supply::Goods,
                Resident,
                NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
            )
            .is_none(),
            "nothing was withheld before the decree"
        );
        assert_eq!(
            w.supply_of(&["diem-du-lich", "dich-vu-du-lich-nong-thon"]),
            Supply::Services
        );
        assert_eq!(w.supply_of(&["mat-ong", "thuc-pham"]), Supply::Goods);
        assert_eq!(w.supply_of(&["khong-ro", "cung-khong-ro"]), Supply::Unknown);
        let rate = "[[rate]]\nsupply = \"goods\"\nvat_bp = 20000\npit_bp = 0\npit_non_resident_bp = 0\nvalid_from = \"2025-07-01\"";
        assert!(Withholding::from_toml(&format!("[kinds]\n{rate}")).is_err());
        assert!(
            Withholding::from_toml("[kinds]\ngoods = [\"a\"]\nservices = [\"a\"]\nrate = []")
                .is_err()
        );
    }

    #[test]
    fn the_highest_rate_takes_each_tax_at_its_peak_when_they_peak_in_different_kinds() {
        let w = Withholding::from_toml(
            "[kinds]\n\
             [[rate]]\nsupply = \"goods\"\nvat_bp = 800\npit_bp = 50\npit_non_resident_bp = 100\nvalid_from = \"2025-07-01\"\n\
             [[rate]]\nsupply = \"services\"\nvat_bp = 500\npit_bp = 200\npit_non_resident_bp = 500\nvalid_from = \"2025-07-01\"",
        )
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let a = w
            .applied(Supply::Unknown, Residency::Resident, day)
            .unwrap();
        assert_eq!((a.vat_bp, a.pit_bp), (800, 200));
        // A kind without a rate in force is not withheld at all.
        assert!(
            w.applied(Supply::Transport, Residency::Resident, day)
                .is_none()
        );
    }

    /// Every category the catalogue seeds is mapped to a kind in the data file.
    #[test]
    fn every_seeded_category_has_a_kind() {
        let w = Withholding::builtin();
        for slug in [
            "thuc-pham",
            "do-uong",
            "thao-duoc",
            "vai-may-mac",
            "luu-niem-noi-that-trang-tri",
        ] {
            assert_eq!(w.supply_of(&["x", slug]), Supply::Goods, "{slug}");
        }
        assert_eq!(
            w.supply_of(&["trai-nghiem", "dich-vu-du-lich-nong-thon"]),
            Supply::Services
        );
    }

    #[test]
    fn only_household_businesses_and_individuals_are_withheld_on() {
        assert!(withholds(BusinessType::HouseholdBusiness));
        assert!(withholds(BusinessType::Individual));
        assert!(!withholds(BusinessType::Cooperative));
        assert!(!withholds(BusinessType::Enterprise));
    }

    #[test]
    fn sums_keep_first_seen_order() {
        assert_eq!(
            sum_by([("a", 1), ("b", 2), ("a", 3)]),
            vec![("a", 4), ("b", 2)]
        );
    }

    /// A small deterministic generator (xorshift), so the property runs the same each time.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: i64) -> i64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            i64::try_from(self.0 % u64::try_from(n.max(1)).unwrap()).unwrap()
        }
    }

    #[test]
    fn a_split_adds_up_exactly_and_never_exceeds_a_part() {
        assert_eq!(split(100, [50, 30, 20]), Some([50, 30, 20]));
        assert_eq!(split(10, [1, 1, 1]), None);
        assert_eq!(split(-1, [1, 1]), None);
        assert_eq!(split(0, [0, 0]), Some([0, 0]));
        // 1/3 each of 2 đồng: the earlier parts take the đồng.
        assert_eq!(split(2, [1, 1, 1]), Some([1, 1, 0]));
        // 33 333.33 / 16 666.67: the larger fraction takes the đồng.
        assert_eq!(split(50_000, [100_000, 50_000]), Some([33_333, 16_667]));
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let parts = [
                rng.below(5_000_000),
                rng.below(600_000),
                rng.below(60_000),
                rng.below(30_000),
            ];
            let total: i64 = parts.iter().sum();
            let amount = rng.below(total + 1);
            let shares = split(amount, parts).unwrap();
            assert_eq!(shares.iter().sum::<i64>(), amount, "{amount} of {parts:?}");
            for (s, p) in shares.iter().zip(parts) {
                assert!(*s >= 0 && *s <= p, "{shares:?} of {parts:?}");
                // Within one đồng of the exact proportion.
                let exact = i128::from(p) * i128::from(amount);
                let s = i128::from(*s) * i128::from(total.max(1));
                assert!(
                    (s - exact).abs() < i128::from(total.max(1)),
                    "{shares:?} of {parts:?}"
                );
            }
        }
    }

    #[test]
    fn successive_splits_of_what_remains_never_reverse_more_than_the_whole() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..5_000 {
            let original = [
                rng.below(3_000_000),
                rng.below(300_000),
                rng.below(30_000),
                rng.below(15_000),
            ];
            let mut left = original;
            let mut refunded = 0;
            let whole: i64 = original.iter().sum();
            // Refunds in a few steps; the last takes whatever is left.
            for step in 0..4 {
                let remaining: i64 = left.iter().sum();
                let amount = if step == 3 {
                    remaining
                } else {
                    rng.below(remaining + 1)
                };
                let shares = split(amount, left).unwrap();
                for (l, s) in left.iter_mut().zip(shares) {
                    *l -= s;
                    assert!(*l >= 0);
                }
                refunded += amount;
                assert!(split(remaining - amount + 1, left).is_none());
            }
            assert_eq!(refunded, whole);
            assert_eq!(left, [0; 4], "{original:?}");
        }
    }
}
