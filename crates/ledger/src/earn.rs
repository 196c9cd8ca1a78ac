//! Earning: the entries of a delivered order, written in the transaction that delivers it,
//! and their reversal when the order is refunded after delivery. The caller passes plain data
//! (amounts by category, the delivery fee, who holds the money); the ledger picks the
//! commission rule and the withholding rate in force at delivery and records each on its
//! entry, so later rule changes never touch past entries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use common::{Error, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    Ledger,
    entity::{commission_rule, entry, ledger_account},
    kind::{EntryKind, Holder},
    rates::{self, CommissionRule, Supply},
};

/// The goods of one order line.
#[derive(Clone, Debug)]
pub struct SaleLine {
    /// The product's category.
    pub category_id: Uuid,
    /// Unit price × quantity, in đồng.
    pub amount: i64,
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

/// One entry to write.
pub(crate) struct NewEntry {
    pub stall_id: Uuid,
    pub kind: EntryKind,
    pub amount: i64,
    pub order_id: Option<Uuid>,
    pub payout_id: Option<Uuid>,
    pub rule: Option<serde_json::Value>,
    pub reverses: Option<EntryKind>,
    pub note: Option<String>,
    pub actor_id: Option<Uuid>,
    pub available_at: DateTime<Utc>,
}

impl NewEntry {
    /// An entry of `kind` for `amount`, payable from `available_at`, tied to nothing yet.
    pub(crate) fn of(
        stall_id: Uuid,
        kind: EntryKind,
        amount: i64,
        available_at: DateTime<Utc>,
    ) -> Self {
        Self {
            stall_id,
            kind,
            amount,
            order_id: None,
            payout_id: None,
            rule: None,
            reverses: None,
            note: None,
            actor_id: None,
            available_at,
        }
    }
}

/// Appends an entry (and the stall's account row, the first time).
pub(crate) async fn append<C: ConnectionTrait>(txn: &C, e: NewEntry) -> Result<()> {
    let now = Utc::now();
    ledger_account::Entity::insert(ledger_account::ActiveModel {
        stall_id: Set(e.stall_id),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([ledger_account::Column::StallId])
    .exec_without_returning(txn)
    .await?;
    entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(e.stall_id),
        kind: Set(e.kind.as_str().into()),
        amount: Set(e.amount),
        order_id: Set(e.order_id),
        payout_id: Set(e.payout_id),
        rule: Set(e.rule.map(|r| r.to_string())),
        reverses: Set(e.reverses.map(|k| k.as_str().into())),
        note: Set(e.note),
        actor_id: Set(e.actor_id),
        available_at: Set(e.available_at),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Vietnam's calendar day of an instant (UTC+7), for rates that start on a day.
pub(crate) fn vietnam_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    (at + chrono::Duration::hours(7)).date_naive()
}

/// Every category's parent and slug.
struct Tree(HashMap<Uuid, (Option<Uuid>, String)>);

impl Tree {
    async fn load<C: ConnectionTrait>(db: &C) -> Result<Self> {
        use catalog::entity::category;
        Ok(Self(
            category::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, (c.parent_id, c.slug)))
                .collect(),
        ))
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
pub(crate) async fn all_rules<C: ConnectionTrait>(db: &C) -> Result<Vec<CommissionRule>> {
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

/// Whether Decree 117's withholding applies to a stall of this business type.
pub fn withholds(business_type: &str) -> bool {
    matches!(business_type, "household_business" | "individual")
}

impl Ledger {
    /// Writes a delivered order's entries, in the caller's (delivering) transaction: the sale
    /// and delivery owed to the stall, the cash it collected if it holds the money, the
    /// commission by the rule in force, and for household businesses and individuals the VAT
    /// and PIT withheld. They become payable after the holding period.
    pub async fn earn<C: ConnectionTrait>(&self, txn: &C, o: &DeliveredOrder) -> Result<()> {
        let stall = catalog::entity::stall::Entity::find_by_id(o.stall_id)
            .one(txn)
            .await?
            .ok_or_else(|| {
                Error::internal(format!("delivered order's stall {} is missing", o.stall_id))
            })?;
        let tree = Tree::load(txn).await?;
        let rules = all_rules(txn).await?;
        let available_at = o.delivered_at + self.settings.holding;
        let subtotal: i64 = o.lines.iter().map(|l| l.amount).sum();
        let base = |kind, amount, rule: Option<serde_json::Value>| NewEntry {
            order_id: Some(o.order_id),
            rule,
            ..NewEntry::of(o.stall_id, kind, amount, available_at)
        };
        let mut entries = vec![base(EntryKind::Sale, subtotal, None)];
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
        if withholds(&stall.business_type) {
            entries.extend(self.withholding_entries(o, by_supply, &base));
        }
        for e in entries {
            append(txn, e).await?;
        }
        Ok(())
    }

    fn withholding_entries(
        &self,
        o: &DeliveredOrder,
        by_supply: Vec<(Supply, i64)>,
        base: &dyn Fn(EntryKind, i64, Option<serde_json::Value>) -> NewEntry,
    ) -> Vec<NewEntry> {
        let day = vietnam_day(o.delivered_at);
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
            .await?;
        if written
            .iter()
            .any(|e| e.kind == EntryKind::RefundReversal.as_str())
        {
            return Ok(None);
        }
        let now = Utc::now();
        let mut total = 0;
        for e in written {
            let kind = EntryKind::parse(&e.kind)?;
            total -= e.amount;
            append(
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
}

impl Ledger {
    /// An administrator's correction to a stall's balance (±, payable at once), with a
    /// reason. Audited.
    pub async fn adjust<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        actor: &common::Actor,
        stall: &str,
        amount: i64,
        reason: &str,
    ) -> Result<crate::reading::EntryView> {
        use sea_orm::TransactionSession;
        let admin = crate::access::admin(actor)?;
        let (stall, _) = crate::access::stall_for(db, actor, stall).await?;
        let mut v = common::validate::Validator::new();
        v.check(
            amount != 0 && amount.abs() <= 1_000_000_000,
            "amount",
            "must be non-zero, at most 1000000000 đồng either way",
        );
        let reason = v.text("reason", reason, 3, 1000);
        v.finish()?;
        let txn = common::begin_write(db).await?;
        append(
            &txn,
            NewEntry {
                note: Some(reason.clone()),
                actor_id: Some(admin),
                ..NewEntry::of(stall.id, EntryKind::Adjustment, amount, Utc::now())
            },
        )
        .await?;
        catalog::audit::record(
            &txn,
            admin,
            "ledger.adjustment",
            catalog::audit::Subject::Stall(stall.id),
            Some(&reason),
            None,
            Some(json!({"amount": amount})),
        )
        .await?;
        let written = entry::Entity::find()
            .filter(entry::Column::StallId.eq(stall.id))
            .filter(entry::Column::Kind.eq(EntryKind::Adjustment.as_str()))
            .order_by_desc(entry::Column::Id)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::internal("the adjustment just written is missing"))?;
        txn.commit().await?;
        crate::reading::EntryView::try_from(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_household_businesses_and_individuals_are_withheld_on() {
        assert!(withholds("household_business"));
        assert!(withholds("individual"));
        assert!(!withholds("cooperative"));
        assert!(!withholds("enterprise"));
    }

    #[test]
    fn the_day_is_vietnams() {
        use chrono::TimeZone;
        // 30 June 2025 18:00 UTC is 1 July 01:00 in Vietnam: the decree applies.
        let at = Utc.with_ymd_and_hms(2025, 6, 30, 18, 0, 0).unwrap();
        assert_eq!(vietnam_day(at).to_string(), "2025-07-01");
    }
}
