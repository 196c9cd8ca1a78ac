//! Earning: the entries of a delivered order, written in the transaction that delivers it,
//! and their reversal when the order is refunded after delivery. The caller passes plain data
//! (amounts by category, the delivery fee, the discounts and who funds each, who holds the
//! money); the ledger picks the commission rule and the withholding rate in force at delivery
//! and records each on its entry, so later rule changes never touch past entries.
//!
//! Discounts. A delivered order's entries are:
//! - `sale` (+): the goods at the price charged (the order's subtotal), and `delivery` (+):
//!   the delivery fee as quoted;
//! - per voucher and per part (goods, delivery fee), with the voucher's code as the note and
//!   `{funded_by, code, voucher_id, part}` as the rule: a stall's voucher is a
//!   `stall_discount` (−), which lowers the stall's revenue; a platform's voucher is a
//!   `platform_discount` (−, what the buyer did not pay) beside a `platform_funding` (+, what
//!   the marketplace pays the stall for it), so the stall's revenue stays whole and its
//!   statement shows who paid each discount;
//! - for cash on delivery, `cash_collected` (−): what the buyer paid, the discounts taken off;
//!   when a carrier collected it, `cod_receivable` (−) instead, undone when the carrier
//!   remits it ([`crate::cod`]).
//!
//! So the stall is owed, before commission and tax, the goods less its own discounts plus the
//! delivery fee less its own: by card or bank transfer the marketplace received the buyer's
//! (discounted) payment and adds what its vouchers took off; for cash on delivery the stall
//! holds the buyer's cash and the marketplace owes it the platform's discounts.
//!
//! Bases. The commission and Decree 117's withholding are computed on the seller's revenue
//! from goods: the goods at the price charged less the discounts the stall funds (shared over
//! the order's lines in proportion, largest remainder, so each line's category keeps its rule
//! and kind of supply). A discount the stall grants lowers the price of its sale, as a
//! discount on a sale lowers the taxable price under the VAT rules; a discount the platform
//! funds is still paid to the seller, by the platform, so it stays the seller's revenue
//! (Decree 117/2025/NĐ-CP withholds on the seller's revenue from the sale, whoever pays it).
//! A free delivery funded by the platform leaves the delivery fee the stall's; funded by the
//! stall, it lowers it.
//!
//! Refunds. A refund of the whole order reverses every entry. A partial refund gives the
//! buyer back an amount of what it paid for the goods: the sale, the stall's and the
//! platform's goods discounts, the platform's funding, the commission and the withholding are
//! reversed in the proportion of that amount to what remains paid, to the đồng with sums
//! exact. Delivery parts stay: the delivery took place. Cancellations before delivery write
//! nothing.

use std::collections::HashMap;

use catalog::{Catalog, category::CategoryNode};
use chrono::{DateTime, Utc};
use common::{Error, Result, Stored, calendar, stored};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    Ledger,
    entity::{commission_rule, entry, ledger_account},
    kind::{EntryKind, Funder, Holder, Part},
    rates::{self, CommissionRule, Supply},
    store::{self, NewEntry},
};

/// The goods of one order line.
#[derive(Clone, Debug)]
pub struct SaleLine {
    /// The product's category.
    pub category_id: Uuid,
    /// Unit price × quantity, in đồng.
    pub amount: i64,
    /// What was sold, as the sale's note names it: the product, its variant and the units
    /// ("Nước mắm Phú Quốc 40 độ (Hộp 3 chai) × 2").
    pub label: String,
}

/// One voucher's discount on a delivered order.
#[derive(Clone, Debug)]
pub struct Discount {
    /// Who pays for it.
    pub funded_by: Funder,
    /// The voucher's code, as the buyer typed it (the entries' note).
    pub code: String,
    /// The voucher.
    pub voucher_id: Option<Uuid>,
    /// What it took off the goods, in đồng.
    pub goods: i64,
    /// What it took off the delivery fee, in đồng.
    pub delivery: i64,
}

/// A refund of part of a delivered order's goods, as the ledger needs it.
#[derive(Clone, Debug)]
pub struct PartialRefund {
    /// The order.
    pub order_id: Uuid,
    /// Its stall.
    pub stall_id: Uuid,
    /// What the buyer gets back for the goods, in đồng (the delivery fee is never part of
    /// it): at most what it paid for them, its discounts taken off.
    pub amount: i64,
    /// The order's goods total, as the order has it (checked against the sale entries).
    pub goods_total: i64,
    /// Who decided the refund.
    pub actor_id: Option<Uuid>,
    /// Why, as the entries' note.
    pub note: String,
    /// When (the reversal is payable at once).
    pub at: DateTime<Utc>,
}

/// How a partial refund was shared out: `stall + commission + vat + pit` is the goods'
/// revenue given back, which is the refund plus `platform` exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PartialReversal {
    /// What the stall gives back: the goods' revenue less the parts below.
    pub stall: i64,
    /// What the platform funded of the refunded goods (its vouchers), given back to it.
    pub platform: i64,
    /// The commission the marketplace gives back.
    pub commission: i64,
    /// The VAT withheld that is no longer owed.
    pub vat: i64,
    /// The PIT withheld that is no longer owed.
    pub pit: i64,
}

/// A delivered order, as the ledger needs it.
#[derive(Clone, Debug)]
pub struct DeliveredOrder {
    /// The order.
    pub order_id: Uuid,
    /// Its stall.
    pub stall_id: Uuid,
    /// Its goods.
    pub lines: Vec<SaleLine>,
    /// The delivery fee as quoted, before discounts; the stall delivers, so it is the stall's.
    pub delivery_fee: i64,
    /// The vouchers applied to it, each with who funds it.
    pub discounts: Vec<Discount>,
    /// Who received the buyer's money.
    pub holder: Holder,
    /// When it was delivered.
    pub delivered_at: DateTime<Utc>,
}

/// Every category's parent and slug.
struct Tree(HashMap<Uuid, (Option<Uuid>, String)>);

impl Tree {
    /// The catalogue's category tree, flattened.
    async fn load<C: ConnectionTrait>(catalog: &Catalog, db: &C) -> Result<Self> {
        let mut nodes = HashMap::new();
        let mut todo = catalog.categories(db).await?;
        while let Some(CategoryNode {
            id,
            slug,
            parent_id,
            children,
            ..
        }) = todo.pop()
        {
            nodes.insert(id, (parent_id, slug));
            todo.extend(children);
        }
        Ok(Self(nodes))
    }

    /// The category and its parents, nearest first (bounded, in case of a loop).
    fn ancestry(&self, id: Uuid) -> Vec<Uuid> {
        let mut out = vec![id];
        let mut at = id;
        while let Some((Some(parent), _)) = self.0.get(&at) {
            if out.len() > 32 || out.contains(parent) {
                break;
            }
            out.push(*parent);
            at = *parent;
        }
        out
    }

    fn slugs(&self, ancestry: &[Uuid]) -> Vec<&str> {
        ancestry
            .iter()
            .filter_map(|id| self.0.get(id).map(|(_, s)| s.as_str()))
            .collect()
    }
}

/// The commission rules as the choice reads them.
async fn all_rules<C: ConnectionTrait>(db: &C) -> Result<Vec<CommissionRule>> {
    Ok(commission_rule::Entity::find()
        .order_by_asc(commission_rule::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| CommissionRule {
            id: r.id,
            rate_bp: r.rate_bp,
            category_id: r.category_id,
            stall_id: r.stall_id,
            min: r.min_amount,
            max: r.max_amount,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
        })
        .collect())
}

/// The entries of an order's discounts: per voucher and part, a `stall_discount` (−) for the
/// stall's, a `platform_discount` (−) and its `platform_funding` (+) for the platform's.
fn discount_entries(
    o: &DeliveredOrder,
    base: &dyn Fn(EntryKind, i64, Option<serde_json::Value>) -> NewEntry,
) -> Vec<NewEntry> {
    let mut out = Vec::new();
    for d in &o.discounts {
        for (part, amount) in [(Part::Goods, d.goods), (Part::Delivery, d.delivery)] {
            if amount <= 0 {
                continue;
            }
            let rule = json!({"funded_by": d.funded_by, "code": d.code,
                "voucher_id": d.voucher_id, "part": part});
            let kinds: &[(EntryKind, i64)] = match d.funded_by {
                Funder::Stall => &[(EntryKind::StallDiscount, -amount)],
                Funder::Platform => &[
                    (EntryKind::PlatformDiscount, -amount),
                    (EntryKind::PlatformFunding, amount),
                ],
            };
            for &(kind, amount) in kinds {
                out.push(NewEntry {
                    note: Some(d.code.clone()),
                    ..base(kind, amount, Some(rule.clone()))
                });
            }
        }
    }
    out
}

impl DeliveredOrder {
    /// The goods at the price charged.
    pub fn goods(&self) -> i64 {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// The discounts `funder` pays on `part`.
    pub fn discount(&self, funder: Funder, part: Part) -> i64 {
        self.discounts
            .iter()
            .filter(|d| d.funded_by == funder)
            .map(|d| match part {
                Part::Goods => d.goods,
                Part::Delivery => d.delivery,
            })
            .sum()
    }

    /// What the buyer paid: the goods and the delivery fee, every discount taken off.
    pub fn paid(&self) -> i64 {
        let off: i64 = self.discounts.iter().map(|d| d.goods + d.delivery).sum();
        self.goods() + self.delivery_fee - off
    }

    /// Each line's revenue: its amount less its share of the stall's goods discounts, shared
    /// in proportion to the lines (largest remainder), so the shares add up exactly.
    fn revenue_by_line(&self) -> Result<Vec<i64>> {
        let corrupt = || {
            Error::internal(format!(
                "order {} has discounts that are negative or above what they take off",
                self.order_id
            ))
        };
        let goods_off = self.discount(Funder::Stall, Part::Goods)
            + self.discount(Funder::Platform, Part::Goods);
        let delivery_off = self.discount(Funder::Stall, Part::Delivery)
            + self.discount(Funder::Platform, Part::Delivery);
        if self.discounts.iter().any(|d| d.goods < 0 || d.delivery < 0)
            || goods_off > self.goods()
            || delivery_off > self.delivery_fee
        {
            return Err(corrupt());
        }
        let amounts: Vec<i64> = self.lines.iter().map(|l| l.amount).collect();
        let parts = rates::split_all(self.discount(Funder::Stall, Part::Goods), &amounts)
            .ok_or_else(corrupt)?;
        Ok(amounts.iter().zip(parts).map(|(a, p)| a - p).collect())
    }
}

impl Ledger {
    /// Writes a delivered order's entries, in the caller's (delivering) transaction: the sale
    /// and delivery owed to the stall, each discount by who funds it, the cash it collected
    /// if it holds the money, the commission by the rule in force, and for household
    /// businesses and individuals the VAT and PIT withheld, both on the goods less the
    /// stall's own discounts (see the module's notes). They become payable after the holding
    /// period.
    pub async fn earn<C: ConnectionTrait>(&self, txn: &C, o: &DeliveredOrder) -> Result<()> {
        let stall = store::stall(txn, o.stall_id).await?.ok_or_else(|| {
            Error::internal(format!("delivered order's stall {} is missing", o.stall_id))
        })?;
        let withheld = rates::withholds(store::business_type(&stall)?);
        let tree = Tree::load(&self.catalog, txn).await?;
        let rules = all_rules(txn).await?;
        let available_at = o.delivered_at + self.settings.holding;
        let revenue = o.revenue_by_line()?;
        let base = |kind, amount, rule: Option<serde_json::Value>| NewEntry {
            order_id: Some(o.order_id),
            rule,
            ..NewEntry::of(o.stall_id, kind, amount, available_at)
        };
        let sold: Vec<&str> = o.lines.iter().map(|l| l.label.as_str()).collect();
        let mut entries = vec![NewEntry {
            note: (!sold.is_empty()).then(|| sold.join("; ")),
            ..base(EntryKind::Sale, o.goods(), None)
        }];
        if o.delivery_fee > 0 {
            entries.push(base(EntryKind::Delivery, o.delivery_fee, None));
        }
        entries.extend(discount_entries(o, &base));
        match o.holder {
            Holder::Stall => entries.push(base(EntryKind::CashCollected, -o.paid(), None)),
            Holder::Carrier => entries.push(crate::cod::receivable(o, &base)),
            Holder::Marketplace => {}
        }
        // Commission: each line's revenue by its rule; lines under one rule are one entry,
        // held within that rule's minimum and maximum.
        let mut by_rule: Vec<(Option<&CommissionRule>, i64)> = Vec::new();
        let mut by_supply = Vec::new();
        for (line, amount) in o.lines.iter().zip(revenue) {
            let ancestry = tree.ancestry(line.category_id);
            let rule = rates::choose_rule(&rules, o.stall_id, &ancestry, o.delivered_at);
            match by_rule
                .iter_mut()
                .find(|(r, _)| r.map(|r| r.id) == rule.map(|r| r.id))
            {
                Some((_, sum)) => *sum += amount,
                None => by_rule.push((rule, amount)),
            }
            by_supply.push((self.withholding.supply_of(&tree.slugs(&ancestry)), amount));
        }
        for (rule, sum) in by_rule {
            let Some(rule) = rule else { continue };
            let c = rule.commission(sum);
            if c > 0 {
                let applied = json!({"rule_id": rule.id, "rate_bp": rule.rate_bp, "base": sum,
                    "min": rule.min, "max": rule.max, "category_id": rule.category_id,
                    "stall_id": rule.stall_id});
                entries.push(base(EntryKind::Commission, -c, Some(applied)));
            }
        }
        if withheld {
            let residency = crate::tax::residency(txn, o.stall_id).await?;
            entries.extend(self.withholding_entries(o, by_supply, residency, &base));
        }
        for e in entries {
            store::append(txn, e).await?;
        }
        Ok(())
    }

    /// Decree 117's VAT and PIT of a delivered order (Article 5, clause 2): per kind of supply
    /// its goods' revenue at that kind's rates (an unmapped category at the highest), and,
    /// unless `tax.delivery_fee_withholding` is `none`, the delivery fee the stall earns (less
    /// its own delivery discounts) at the transport rates; the seller's residency picks the
    /// PIT rate. Each entry's rule records the kind, part, residency, rate and base.
    fn withholding_entries(
        &self,
        o: &DeliveredOrder,
        by_supply: Vec<(Supply, i64)>,
        residency: rates::Residency,
        base: &dyn Fn(EntryKind, i64, Option<serde_json::Value>) -> NewEntry,
    ) -> Vec<NewEntry> {
        // Rates start on a day of Vietnam's calendar.
        let day = calendar::day_of(o.delivered_at);
        let mut parts: Vec<(Part, Supply, i64)> = rates::sum_by(by_supply)
            .into_iter()
            .map(|(supply, sum)| (Part::Goods, supply, sum))
            .collect();
        if self.settings.tax.delivery_fee == crate::tax::DeliveryFeeWithholding::Transport {
            let fee = o.delivery_fee - o.discount(Funder::Stall, Part::Delivery);
            parts.push((Part::Delivery, Supply::Transport, fee));
        }
        let mut out = Vec::new();
        for (part, supply, sum) in parts {
            let Some(rate) = self.withholding.applied(supply, residency, day) else {
                continue;
            };
            let applied = |bp: i32| {
                json!({"supply": rate.supply, "part": part, "residency": residency,
                    "rate_bp": bp, "base": sum, "valid_from": rate.valid_from,
                    "basis": "Decree 117/2025/NĐ-CP, Article 5"})
            };
            for (kind, bp) in [
                (EntryKind::VatWithheld, rate.vat_bp),
                (EntryKind::PitWithheld, rate.pit_bp),
            ] {
                let tax = rates::share(sum, bp);
                if tax > 0 {
                    out.push(base(kind, -tax, Some(applied(bp))));
                }
            }
        }
        out
    }

    /// Undoes a delivered order's entries after a refund, in the caller's transaction: one
    /// reversal per entry, of the opposite amount, payable at once. Returns what the stall
    /// gave back (the sum of the reversals); an order already reversed changes nothing.
    pub async fn reverse_order<C: ConnectionTrait>(
        &self,
        txn: &C,
        order_id: Uuid,
        actor_id: Option<Uuid>,
        note: &str,
    ) -> Result<Option<i64>> {
        let written = entry::Entity::find()
            .filter(entry::Column::OrderId.eq(order_id))
            .order_by_asc(entry::Column::CreatedAt)
            .order_by_asc(entry::Column::Id)
            .all(txn)
            .await?
            .into_iter()
            .map(|e| Ok((stored::<EntryKind>(&e.kind)?, e)))
            .collect::<Result<Vec<_>>>()?;
        if written
            .iter()
            .any(|(kind, _)| *kind == EntryKind::RefundReversal)
        {
            return Ok(None);
        }
        let now = Utc::now();
        let mut total = 0;
        // A carrier's remittance stays: its transfer came whatever happened to the order.
        for (kind, e) in written.into_iter().filter(|(k, _)| !crate::cod::stays(*k)) {
            total -= e.amount;
            store::append(
                txn,
                NewEntry {
                    order_id: Some(order_id),
                    reverses: Some(kind),
                    note: Some(note.to_owned()),
                    actor_id,
                    // A discount's reversal names its part, as the discount does.
                    rule: matches!(kind, EntryKind::StallDiscount | EntryKind::PlatformDiscount)
                        .then(|| e.rule.as_deref().and_then(|r| serde_json::from_str(r).ok()))
                        .flatten(),
                    ..NewEntry::of(e.stall_id, EntryKind::RefundReversal, -e.amount, now)
                },
            )
            .await?;
        }
        Ok(Some(total))
    }

    /// Undoes part of a delivered order's goods after a partial refund, in the caller's
    /// transaction: of what remains unreversed, the buyer's refund is the share `amount / paid`
    /// (paid: the sale less the goods discounts). The platform's goods discount and its
    /// funding are reversed by that share, the sale and the stall's goods discount by the
    /// revenue given back (the refund plus the platform's part), and that revenue is split
    /// over the commission, VAT, PIT withheld and the stall's net in proportion to what
    /// remains of each (largest remainder, to the đồng, by [`rates::split`]). So the parts
    /// add up exactly, several refunds never undo more than the order's entries, and the last
    /// one undoes exactly what was left. Payable at once. The delivery fee, its discounts and
    /// the cash the stall collected are left as they are: the delivery took place, the cash
    /// was taken.
    ///
    /// Errors: `not_earned` (conflict) when the order has no sale entries,
    /// `refund_exceeds_remaining` (conflict) when more is asked than remains unrefunded.
    pub async fn reverse_part<C: ConnectionTrait>(
        &self,
        txn: &C,
        r: &PartialRefund,
    ) -> Result<PartialReversal> {
        // One refund of a stall's order at a time: they read what remains, then write.
        ledger_account::Entity::find_by_id(r.stall_id)
            .lock_exclusive()
            .one(txn)
            .await?;
        let left = remaining(txn, r).await?;
        if left.written_sale == 0 {
            return Err(Error::conflict(
                "not_earned",
                "the order has no delivered goods in the ledger",
            ));
        }
        if left.written_sale != r.goods_total {
            return Err(Error::internal(format!(
                "order {} has goods of {} but its sale entries are {}",
                r.order_id, r.goods_total, left.written_sale
            )));
        }
        let paid = left.sale - left.stall_discount - left.platform_discount;
        if r.amount <= 0 || r.amount > paid {
            return Err(Error::conflict(
                "refund_exceeds_remaining",
                format!("at most {} remains to refund", paid.max(0)),
            ));
        }
        let out = left.share(r.amount, paid).ok_or_else(|| {
            Error::internal(format!("order {} has more deducted than sold", r.order_id))
        })?;
        let goods = Some(json!({"part": Part::Goods}));
        for (kind, amount, rule) in [
            (EntryKind::Sale, -out.sale, None),
            (
                EntryKind::StallDiscount,
                out.sale - out.revenue,
                goods.clone(),
            ),
            (
                EntryKind::PlatformDiscount,
                out.reversal.platform,
                goods.clone(),
            ),
            (EntryKind::PlatformFunding, -out.reversal.platform, goods),
            (EntryKind::Commission, out.reversal.commission, None),
            (EntryKind::VatWithheld, out.reversal.vat, None),
            (EntryKind::PitWithheld, out.reversal.pit, None),
        ] {
            if amount == 0 {
                continue;
            }
            store::append(
                txn,
                NewEntry {
                    order_id: Some(r.order_id),
                    reverses: Some(kind),
                    note: Some(r.note.clone()),
                    actor_id: r.actor_id,
                    rule,
                    ..NewEntry::of(r.stall_id, EntryKind::RefundReversal, amount, r.at)
                },
            )
            .await?;
        }
        Ok(out.reversal)
    }
}

/// What remains unreversed of an order's goods parts, as positive amounts, and its sale as
/// first written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Left {
    sale: i64,
    stall_discount: i64,
    platform_discount: i64,
    commission: i64,
    vat: i64,
    pit: i64,
    written_sale: i64,
}

/// A partial refund's shares of an order's parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shares {
    /// Of the sale.
    sale: i64,
    /// Of the revenue (the sale less the stall's discount): the refund plus the platform's.
    revenue: i64,
    reversal: PartialReversal,
}

impl Left {
    /// The shares of a refund of `amount` out of `paid` (what remains paid for the goods,
    /// `0 < amount ≤ paid`); `None` when more is deducted than earned.
    fn share(&self, amount: i64, paid: i64) -> Option<Shares> {
        let platform = rates::prorate(amount, self.platform_discount, paid);
        let revenue = amount + platform;
        let left_revenue = self.sale - self.stall_discount;
        let net = left_revenue - self.commission - self.vat - self.pit;
        let [stall, commission, vat, pit] =
            rates::split(revenue, [net, self.commission, self.vat, self.pit])?;
        Some(Shares {
            sale: rates::prorate(revenue, self.sale, left_revenue),
            revenue,
            reversal: PartialReversal {
                stall,
                platform,
                commission,
                vat,
                pit,
            },
        })
    }
}

/// What remains unreversed of an order's goods parts.
async fn remaining<C: ConnectionTrait>(txn: &C, r: &PartialRefund) -> Result<Left> {
    let rows = entry::Entity::find()
        .filter(entry::Column::OrderId.eq(r.order_id))
        .filter(entry::Column::StallId.eq(r.stall_id))
        .all(txn)
        .await?;
    let mut left = Left::default();
    for e in &rows {
        let written = stored::<EntryKind>(&e.kind)?;
        let kind = match (written, e.reverses.as_deref()) {
            (EntryKind::RefundReversal, Some(k)) => stored(k)?,
            (k, _) => k,
        };
        // The sale is +, the others −; reversals have the opposite sign.
        let slot = match kind {
            EntryKind::Sale => {
                left.sale += e.amount;
                continue;
            }
            EntryKind::StallDiscount | EntryKind::PlatformDiscount
                if store::part_of(e)? == Part::Delivery =>
            {
                continue;
            }
            // The delivery fee's withholding stays, as the delivery fee does.
            EntryKind::VatWithheld | EntryKind::PitWithheld if on_delivery(e) => continue,
            EntryKind::StallDiscount => &mut left.stall_discount,
            EntryKind::PlatformDiscount => &mut left.platform_discount,
            EntryKind::Commission => &mut left.commission,
            EntryKind::VatWithheld => &mut left.vat,
            EntryKind::PitWithheld => &mut left.pit,
            _ => continue,
        };
        *slot -= e.amount;
    }
    left.written_sale = rows
        .iter()
        .filter(|e| e.kind == EntryKind::Sale.as_str())
        .map(|e| e.amount)
        .sum();
    Ok(left)
}

/// Whether a withholding entry is the delivery fee's (its rule names the delivery part).
fn on_delivery(e: &entry::Model) -> bool {
    #[derive(Deserialize)]
    struct Rule {
        part: Option<Part>,
    }
    e.rule
        .as_deref()
        .and_then(|r| serde_json::from_str::<Rule>(r).ok())
        .and_then(|r| r.part)
        == Some(Part::Delivery)
}
