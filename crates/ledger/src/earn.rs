//! Earning: the entries of a delivered order, written in the transaction that delivers it,
//! and their reversal when the order is refunded after delivery. The caller passes plain data
//! (amounts by category, the delivery fee, who holds the money); the ledger picks the
//! commission rule and the withholding rate in force at delivery and records each on its
//! entry, so later rule changes never touch past entries.

use std::collections::HashMap;

use catalog::{Catalog, category::CategoryNode};
use chrono::{DateTime, Utc};
use common::{Error, Result, calendar, stored};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    Ledger,
    entity::{commission_rule, entry, ledger_account},
    kind::{EntryKind, Holder},
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

/// A refund of part of a delivered order's goods, as the ledger needs it.
#[derive(Clone, Debug)]
pub struct PartialRefund {
    /// The order.
    pub order_id: Uuid,
    /// Its stall.
    pub stall_id: Uuid,
    /// The goods value refunded, in đồng (the delivery fee is never part of it).
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

/// How a partial refund was shared out: the parts add up to the refund exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PartialReversal {
    /// What the stall gives back: the goods' revenue less the parts below.
    pub stall: i64,
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
    /// The delivery fee the buyer paid; the stall delivers, so it is the stall's.
    pub delivery_fee: i64,
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

impl Ledger {
    /// Writes a delivered order's entries, in the caller's (delivering) transaction: the sale
    /// and delivery owed to the stall, the cash it collected if it holds the money, the
    /// commission by the rule in force, and for household businesses and individuals the VAT
    /// and PIT withheld. They become payable after the holding period.
    pub async fn earn<C: ConnectionTrait>(&self, txn: &C, o: &DeliveredOrder) -> Result<()> {
        let stall = store::stall(txn, o.stall_id).await?.ok_or_else(|| {
            Error::internal(format!("delivered order's stall {} is missing", o.stall_id))
        })?;
        let withheld = rates::withholds(store::business_type(&stall)?);
        let tree = Tree::load(&self.catalog, txn).await?;
        let rules = all_rules(txn).await?;
        let available_at = o.delivered_at + self.settings.holding;
        let subtotal: i64 = o.lines.iter().map(|l| l.amount).sum();
        let base = |kind, amount, rule: Option<serde_json::Value>| NewEntry {
            order_id: Some(o.order_id),
            rule,
            ..NewEntry::of(o.stall_id, kind, amount, available_at)
        };
        let sold: Vec<&str> = o.lines.iter().map(|l| l.label.as_str()).collect();
        let mut entries = vec![NewEntry {
            note: (!sold.is_empty()).then(|| sold.join("; ")),
            ..base(EntryKind::Sale, subtotal, None)
        }];
        if o.delivery_fee > 0 {
            entries.push(base(EntryKind::Delivery, o.delivery_fee, None));
        }
        if o.holder == Holder::Stall {
            entries.push(base(
                EntryKind::CashCollected,
                -(subtotal + o.delivery_fee),
                None,
            ));
        }
        // Commission: each line by its rule; lines under one rule are one entry, held within
        // that rule's minimum and maximum.
        let mut by_rule: Vec<(Option<&CommissionRule>, i64)> = Vec::new();
        let mut by_supply = Vec::new();
        for line in &o.lines {
            let ancestry = tree.ancestry(line.category_id);
            let rule = rates::choose_rule(&rules, o.stall_id, &ancestry, o.delivered_at);
            match by_rule
                .iter_mut()
                .find(|(r, _)| r.map(|r| r.id) == rule.map(|r| r.id))
            {
                Some((_, sum)) => *sum += line.amount,
                None => by_rule.push((rule, line.amount)),
            }
            by_supply.push((
                self.withholding.supply_of(&tree.slugs(&ancestry)),
                line.amount,
            ));
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
            entries.extend(self.withholding_entries(o, by_supply, &base));
        }
        for e in entries {
            store::append(txn, e).await?;
        }
        Ok(())
    }

    fn withholding_entries(
        &self,
        o: &DeliveredOrder,
        by_supply: Vec<(Supply, i64)>,
        base: &dyn Fn(EntryKind, i64, Option<serde_json::Value>) -> NewEntry,
    ) -> Vec<NewEntry> {
        // Rates start on a day of Vietnam's calendar.
        let day = calendar::day_of(o.delivered_at);
        let mut out = Vec::new();
        for (supply, sum) in rates::sum_by(by_supply) {
            let Some(rate) = self.withholding.rate(supply, day) else {
                continue;
            };
            let applied = |bp: i32| {
                json!({"supply": supply, "rate_bp": bp, "base": sum,
                    "valid_from": rate.valid_from, "basis": "Decree 117/2025/NĐ-CP"})
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
        for (kind, e) in written {
            total -= e.amount;
            store::append(
                txn,
                NewEntry {
                    order_id: Some(order_id),
                    reverses: Some(kind),
                    note: Some(note.to_owned()),
                    actor_id,
                    ..NewEntry::of(e.stall_id, EntryKind::RefundReversal, -e.amount, now)
                },
            )
            .await?;
        }
        Ok(Some(total))
    }

    /// Undoes part of a delivered order's goods after a partial refund, in the caller's
    /// transaction: the sale by the refunded amount, and the commission, VAT and PIT withheld
    /// in proportion to what remains of each (largest remainder, to the đồng, by
    /// [`rates::split`]), so the parts add up to the refund and several refunds never undo
    /// more than the order's entries. Payable at once. The delivery fee and the cash the stall
    /// collected are left as they are: the delivery took place, the cash was taken.
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
        let (left, sale) = remaining(txn, r).await?;
        if sale == 0 {
            return Err(Error::conflict(
                "not_earned",
                "the order has no delivered goods in the ledger",
            ));
        }
        if sale != r.goods_total {
            return Err(Error::internal(format!(
                "order {} has goods of {} but its sale entries are {sale}",
                r.order_id, r.goods_total
            )));
        }
        if r.amount <= 0 || r.amount > left[0] {
            return Err(Error::conflict(
                "refund_exceeds_remaining",
                format!("at most {} remains to refund", left[0]),
            ));
        }
        let [sale_left, commission, vat, pit] = left;
        let net = sale_left - commission - vat - pit;
        let [stall, commission, vat, pit] = rates::split(r.amount, [net, commission, vat, pit])
            .ok_or_else(|| {
                Error::internal(format!("order {} has more deducted than sold", r.order_id))
            })?;
        for (kind, amount) in [
            (EntryKind::Sale, -r.amount),
            (EntryKind::Commission, commission),
            (EntryKind::VatWithheld, vat),
            (EntryKind::PitWithheld, pit),
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
                    ..NewEntry::of(r.stall_id, EntryKind::RefundReversal, amount, r.at)
                },
            )
            .await?;
        }
        Ok(PartialReversal {
            stall,
            commission,
            vat,
            pit,
        })
    }
}

/// What remains unreversed of an order's parts, `[sale, commission, VAT, PIT]` as positive
/// amounts, and the sale as first written.
async fn remaining<C: ConnectionTrait>(txn: &C, r: &PartialRefund) -> Result<([i64; 4], i64)> {
    let rows = entry::Entity::find()
        .filter(entry::Column::OrderId.eq(r.order_id))
        .filter(entry::Column::StallId.eq(r.stall_id))
        .all(txn)
        .await?;
    // What remains of each part: [sale, commission, VAT, PIT], as positive amounts.
    let mut left = [0i64; 4];
    let slot = |k: EntryKind| match k {
        EntryKind::Sale => Some(0),
        EntryKind::Commission => Some(1),
        EntryKind::VatWithheld => Some(2),
        EntryKind::PitWithheld => Some(3),
        _ => None,
    };
    let mut sale = 0;
    for e in &rows {
        let written = stored::<EntryKind>(&e.kind)?;
        let kind = match (written, e.reverses.as_deref()) {
            (EntryKind::RefundReversal, Some(k)) => stored(k)?,
            (k, _) => k,
        };
        if let Some(i) = slot(kind) {
            // The sale is +, the others −; reversals have the opposite sign.
            left[i] += if i == 0 { e.amount } else { -e.amount };
        }
        if written == EntryKind::Sale {
            sale += e.amount;
        }
    }
    Ok((left, sale))
}
