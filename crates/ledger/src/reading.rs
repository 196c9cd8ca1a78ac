//! Reading the money, always from the ledger itself (nothing is kept beside it): a stall's
//! balance, its entries, its monthly statement; for administrators every stall's balance and
//! the monthly withholding report for the tax declaration.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use common::{Actor, Error, Page, PageRequest, Result};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    Ledger, access,
    earn::withholds,
    entity::{entry, ledger_account, payout, tax_profile},
    kind::{EntryKind, PayoutStatus},
    payouts::{sum_of, sum_where},
};

/// A stall's balance. Negative when the stall owes the marketplace (cash it collected).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    /// The stall.
    pub stall_id: Uuid,
    /// Earned, still in its holding period.
    pub pending: i64,
    /// Payable now.
    pub payable: i64,
    /// In payouts not yet confirmed paid (already out of `payable`).
    pub in_payout: i64,
}

/// One ledger entry.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryView {
    /// Id.
    pub id: Uuid,
    /// What it is for.
    pub kind: EntryKind,
    /// Signed đồng: + owed to the stall, − owed by it.
    pub amount: i64,
    /// The order it comes from.
    pub order_id: Option<Uuid>,
    /// The payout it comes from.
    pub payout_id: Option<Uuid>,
    /// The rule applied, as it was then.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub rule: Option<serde_json::Value>,
    /// For a refund reversal: the kind it undoes.
    pub reverses: Option<EntryKind>,
    /// A note (an adjustment's reason, a refund's).
    pub note: Option<String>,
    /// Payable from.
    pub available_at: DateTime<Utc>,
    /// Written at.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<entry::Model> for EntryView {
    type Error = Error;
    fn try_from(e: entry::Model) -> Result<Self> {
        Ok(Self {
            id: e.id,
            kind: EntryKind::parse(&e.kind)?,
            amount: e.amount,
            order_id: e.order_id,
            payout_id: e.payout_id,
            rule: e.rule.and_then(|r| serde_json::from_str(&r).ok()),
            reverses: e.reverses.as_deref().map(EntryKind::parse).transpose()?,
            note: e.note,
            available_at: e.available_at,
            created_at: e.created_at,
        })
    }
}

/// Which entries to list.
#[derive(Clone, Debug, Default)]
pub struct EntryFilter {
    /// Written at or after.
    pub from: Option<DateTime<Utc>>,
    /// Written before.
    pub to: Option<DateTime<Utc>>,
    /// Of this kind.
    pub kind: Option<EntryKind>,
}

/// Sums per kind over a period.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// Goods sold.
    pub sale: i64,
    /// Delivery fees.
    pub delivery: i64,
    /// Cash collected by the stall (negative).
    pub cash_collected: i64,
    /// Commission (negative).
    pub commission: i64,
    /// VAT withheld (negative).
    pub vat_withheld: i64,
    /// PIT withheld (negative).
    pub pit_withheld: i64,
    /// Refund reversals.
    pub refund_reversal: i64,
    /// Payouts (negative).
    pub payout: i64,
    /// Payouts returned.
    pub payout_returned: i64,
    /// Adjustments.
    pub adjustment: i64,
}

impl Totals {
    fn add(&mut self, kind: EntryKind, amount: i64) {
        let slot = match kind {
            EntryKind::Sale => &mut self.sale,
            EntryKind::Delivery => &mut self.delivery,
            EntryKind::CashCollected => &mut self.cash_collected,
            EntryKind::Commission => &mut self.commission,
            EntryKind::VatWithheld => &mut self.vat_withheld,
            EntryKind::PitWithheld => &mut self.pit_withheld,
            EntryKind::RefundReversal => &mut self.refund_reversal,
            EntryKind::Payout => &mut self.payout,
            EntryKind::PayoutReturned => &mut self.payout_returned,
            EntryKind::Adjustment => &mut self.adjustment,
        };
        *slot = slot.saturating_add(amount);
    }

    fn pairs(&self) -> [(EntryKind, i64); 10] {
        [
            (EntryKind::Sale, self.sale),
            (EntryKind::Delivery, self.delivery),
            (EntryKind::CashCollected, self.cash_collected),
            (EntryKind::Commission, self.commission),
            (EntryKind::VatWithheld, self.vat_withheld),
            (EntryKind::PitWithheld, self.pit_withheld),
            (EntryKind::RefundReversal, self.refund_reversal),
            (EntryKind::Payout, self.payout),
            (EntryKind::PayoutReturned, self.payout_returned),
            (EntryKind::Adjustment, self.adjustment),
        ]
    }
}

/// A month of a stall's money.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    /// The stall.
    pub stall_id: Uuid,
    /// Its name.
    pub stall_name: String,
    /// `yyyy-mm`.
    pub month: String,
    /// The balance before the month.
    pub opening_balance: i64,
    /// Sums per kind within the month.
    pub totals: Totals,
    /// The balance after it: opening + every entry of the month.
    pub closing_balance: i64,
    /// The month's entries, oldest first.
    pub entries: Vec<EntryView>,
}

/// One seller in the withholding report.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerTax {
    /// The stall.
    pub stall_id: Uuid,
    /// Its name.
    pub name: String,
    /// `household_business` or `individual`.
    #[cfg_attr(feature = "openapi", schema(value_type = catalog::stall::BusinessType))]
    pub business_type: String,
    /// Its tax code, if recorded.
    pub tax_code: Option<String>,
    /// Its citizen id, if recorded.
    pub citizen_id: Option<String>,
    /// Goods sold in the month, net of refunds.
    pub revenue: i64,
    /// VAT withheld, net of refunds.
    pub vat: i64,
    /// PIT withheld, net of refunds.
    pub pit: i64,
}

/// The withholding report of a month, for the declaration under Decree 117.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithholdingReport {
    /// `yyyy-mm`.
    pub month: String,
    /// Per seller.
    pub sellers: Vec<SellerTax>,
    /// Revenue of all sellers.
    pub total_revenue: i64,
    /// VAT of all sellers.
    pub total_vat: i64,
    /// PIT of all sellers.
    pub total_pit: i64,
}

/// The first instant of `yyyy-mm` in Vietnam (UTC+7) and of the month after.
pub fn month_bounds(month: &str) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let bad = || Error::invalid_field("month", "must be yyyy-mm, e.g. 2026-12");
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(2000..=2999).contains(&y) {
        return Err(bad());
    }
    let start = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    }
    .ok_or_else(bad)?;
    let at = |d: NaiveDate| {
        Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            - chrono::Duration::hours(7)
    };
    debug_assert_eq!(start.month(), m);
    Ok((at(start), at(next)))
}

impl Ledger {
    /// A stall's balance (members and administrators).
    pub async fn balance<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<Balance> {
        let (stall, _) = access::stall_for(db, actor, stall).await?;
        self.balance_of(db, stall.id).await
    }

    async fn balance_of<C: ConnectionTrait>(&self, db: &C, stall: Uuid) -> Result<Balance> {
        let now = Utc::now();
        let in_payout: Option<Option<i64>> = payout::Entity::find()
            .select_only()
            .column_as(sum_of(payout::Column::Amount), "sum")
            .filter(payout::Column::StallId.eq(stall))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending.as_str()))
            .into_tuple()
            .one(db)
            .await?;
        Ok(Balance {
            stall_id: stall,
            pending: sum_where(db, stall, entry::Column::AvailableAt.gt(now)).await?,
            payable: crate::payouts::payable(db, stall, now).await?,
            in_payout: in_payout.flatten().unwrap_or(0),
        })
    }

    /// Every stall's balance that has money (administrators).
    pub async fn balances<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Balance>> {
        access::admin(actor)?;
        let q = ledger_account::Entity::find().order_by_asc(ledger_account::Column::StallId);
        let total = q.clone().count(db).await?;
        let mut items = Vec::new();
        for a in q.offset(page.offset()).limit(page.per_page).all(db).await? {
            items.push(self.balance_of(db, a.stall_id).await?);
        }
        Ok(Page::new(items, total, page))
    }

    /// A stall's entries, newest first (members and administrators).
    pub async fn entries<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        filter: EntryFilter,
        page: PageRequest,
    ) -> Result<Page<EntryView>> {
        let (stall, _) = access::stall_for(db, actor, stall).await?;
        let mut q = entry::Entity::find().filter(entry::Column::StallId.eq(stall.id));
        if let Some(from) = filter.from {
            q = q.filter(entry::Column::CreatedAt.gte(from));
        }
        if let Some(to) = filter.to {
            q = q.filter(entry::Column::CreatedAt.lt(to));
        }
        if let Some(k) = filter.kind {
            q = q.filter(entry::Column::Kind.eq(k.as_str()));
        }
        let q = q
            .order_by_desc(entry::Column::CreatedAt)
            .order_by_desc(entry::Column::Id);
        let total = q.clone().count(db).await?;
        let items = q
            .offset(page.offset())
            .limit(page.per_page)
            .all(db)
            .await?
            .into_iter()
            .map(EntryView::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(items, total, page))
    }

    /// A stall's statement of `yyyy-mm` (Vietnam's calendar; members and administrators).
    pub async fn statement<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        month: &str,
    ) -> Result<Statement> {
        let (start, end) = month_bounds(month)?;
        let (stall, _) = access::stall_for(db, actor, stall).await?;
        let opening = sum_where(db, stall.id, entry::Column::CreatedAt.lt(start)).await?;
        let rows = entry::Entity::find()
            .filter(entry::Column::StallId.eq(stall.id))
            .filter(entry::Column::CreatedAt.gte(start))
            .filter(entry::Column::CreatedAt.lt(end))
            .order_by_asc(entry::Column::CreatedAt)
            .order_by_asc(entry::Column::Id)
            .all(db)
            .await?;
        let mut totals = Totals::default();
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            let e = EntryView::try_from(r)?;
            totals.add(e.kind, e.amount);
            entries.push(e);
        }
        let closing = opening + entries.iter().map(|e| e.amount).sum::<i64>();
        Ok(Statement {
            stall_id: stall.id,
            stall_name: stall.name,
            month: month.to_owned(),
            opening_balance: opening,
            totals,
            closing_balance: closing,
            entries,
        })
    }

    /// A statement as CSV: the opening balance, one line per entry, the month's sums per kind
    /// and the closing balance.
    pub fn statement_csv(&self, s: &Statement) -> String {
        let mut c =
            crate::csv::Csv::new(&["date", "kind", "amount", "order_id", "payout_id", "note"]);
        c.row(&[
            "",
            "opening_balance",
            &s.opening_balance.to_string(),
            "",
            "",
            &s.stall_name,
        ]);
        for e in &s.entries {
            let id = |x: Option<Uuid>| x.map(|x| x.to_string()).unwrap_or_default();
            c.row(&[
                &e.created_at.to_rfc3339(),
                e.kind.as_str(),
                &e.amount.to_string(),
                &id(e.order_id),
                &id(e.payout_id),
                e.note.as_deref().unwrap_or(""),
            ]);
        }
        for (kind, sum) in s.totals.pairs() {
            c.row(&[
                "",
                &format!("total_{}", kind.as_str()),
                &sum.to_string(),
                "",
                "",
                "",
            ]);
        }
        c.row(&[
            "",
            "closing_balance",
            &s.closing_balance.to_string(),
            "",
            "",
            "",
        ]);
        c.finish()
    }

    /// The withholding report of `yyyy-mm` (administrators): per household business or
    /// individual seller, goods revenue, VAT and PIT withheld in the month, net of refunds.
    pub async fn withholding_report<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        month: &str,
    ) -> Result<WithholdingReport> {
        access::admin(actor)?;
        let (start, end) = month_bounds(month)?;
        let rows = entry::Entity::find()
            .filter(entry::Column::CreatedAt.gte(start))
            .filter(entry::Column::CreatedAt.lt(end))
            .filter(
                entry::Column::Kind.is_in(
                    [
                        EntryKind::Sale,
                        EntryKind::VatWithheld,
                        EntryKind::PitWithheld,
                        EntryKind::RefundReversal,
                    ]
                    .map(EntryKind::as_str),
                ),
            )
            .order_by_asc(entry::Column::StallId)
            .all(db)
            .await?;
        let mut sellers: Vec<SellerTax> = Vec::new();
        for r in rows {
            let kind = match (EntryKind::parse(&r.kind)?, r.reverses.as_deref()) {
                (EntryKind::RefundReversal, Some(k)) => EntryKind::parse(k)?,
                (EntryKind::RefundReversal, None) => continue,
                (k, _) => k,
            };
            if sellers.last().is_none_or(|s| s.stall_id != r.stall_id) {
                let Some(stall) = catalog::entity::stall::Entity::find_by_id(r.stall_id)
                    .one(db)
                    .await?
                else {
                    continue;
                };
                if !withholds(&stall.business_type) {
                    continue;
                }
                let profile = tax_profile::Entity::find_by_id(stall.id).one(db).await?;
                sellers.push(SellerTax {
                    stall_id: stall.id,
                    name: stall.name,
                    business_type: stall.business_type,
                    tax_code: profile.as_ref().and_then(|p| p.tax_code.clone()),
                    citizen_id: profile.and_then(|p| p.citizen_id),
                    revenue: 0,
                    vat: 0,
                    pit: 0,
                });
            }
            let Some(s) = sellers.last_mut().filter(|s| s.stall_id == r.stall_id) else {
                continue;
            };
            // Withholding entries are negative in the stall's ledger; the report counts tax.
            match kind {
                EntryKind::Sale => s.revenue += r.amount,
                EntryKind::VatWithheld => s.vat -= r.amount,
                EntryKind::PitWithheld => s.pit -= r.amount,
                _ => {}
            }
        }
        sellers.retain(|s| s.revenue != 0 || s.vat != 0 || s.pit != 0);
        Ok(WithholdingReport {
            month: month.to_owned(),
            total_revenue: sellers.iter().map(|s| s.revenue).sum(),
            total_vat: sellers.iter().map(|s| s.vat).sum(),
            total_pit: sellers.iter().map(|s| s.pit).sum(),
            sellers,
        })
    }

    /// The withholding report as CSV, with a totals line.
    pub fn withholding_csv(&self, r: &WithholdingReport) -> String {
        let mut c = crate::csv::Csv::new(&[
            "name",
            "business_type",
            "tax_code",
            "citizen_id",
            "revenue",
            "vat",
            "pit",
        ]);
        for s in &r.sellers {
            c.row(&[
                &s.name,
                &s.business_type,
                s.tax_code.as_deref().unwrap_or(""),
                s.citizen_id.as_deref().unwrap_or(""),
                &s.revenue.to_string(),
                &s.vat.to_string(),
                &s.pit.to_string(),
            ]);
        }
        c.row(&[
            "TOTAL",
            "",
            "",
            "",
            &r.total_revenue.to_string(),
            &r.total_vat.to_string(),
            &r.total_pit.to_string(),
        ]);
        c.finish()
    }

    /// What operators watch: the payable total over all stalls, and payouts awaiting
    /// confirmation (count, amount).
    pub async fn gauges<C: ConnectionTrait>(&self, db: &C) -> Result<LedgerGauges> {
        let now = Utc::now();
        let payable: Option<Option<i64>> = entry::Entity::find()
            .select_only()
            .column_as(sum_of(entry::Column::Amount), "sum")
            .filter(entry::Column::AvailableAt.lte(now))
            .into_tuple()
            .one(db)
            .await?;
        let pending = payout::Entity::find()
            .filter(payout::Column::Status.eq(PayoutStatus::Pending.as_str()));
        let count = pending.clone().count(db).await?;
        Ok(LedgerGauges {
            payable_total: payable.flatten().unwrap_or(0),
            payouts_pending: count,
        })
    }
}

/// Ledger figures for `/metrics`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LedgerGauges {
    /// Sum of every stall's payable balance (negative ones included).
    pub payable_total: i64,
    /// Payouts made and not yet marked paid or returned.
    pub payouts_pending: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_vietnams() {
        let (start, end) = month_bounds("2026-12").unwrap();
        assert_eq!(start.to_rfc3339(), "2026-11-30T17:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-31T17:00:00+00:00");
        for bad in ["2026-13", "2026-1", "26-01", "x", "2026-00", "1999-01"] {
            assert!(month_bounds(bad).is_err(), "{bad}");
        }
    }
}
