//! Reading the money, always from the ledger itself (nothing is kept beside it): a stall's
//! balance, its entries, its monthly statement (`statement`, read out in pieces); for
//! administrators every stall's balance and the monthly withholding report for the tax
//! declaration.

mod statement;

use catalog::stall::BusinessType;
use chrono::{DateTime, Utc};
use common::{Actor, Error, FieldCode, Page, PageRequest, Result, Stored, calendar};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

pub use self::statement::{Statement, StatementExport, StatementFormat, Totals};
pub use crate::views::EntryView;
use crate::{
    Ledger, access,
    entity::{entry, ledger_account, payout},
    kind::{EntryKind, PayoutStatus},
    store,
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

/// One seller in the withholding report.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerTax {
    /// The stall.
    pub stall_id: Uuid,
    /// Its name.
    pub name: String,
    /// `household_business` or `individual`.
    pub business_type: BusinessType,
    /// Its tax code, if recorded.
    pub tax_code: Option<String>,
    /// Its citizen id, if recorded.
    pub citizen_id: Option<String>,
    /// Goods sold in the month at the prices charged, less the discounts the seller funded,
    /// net of refunds (a discount the platform funded is still the seller's revenue).
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
    let bad = || {
        Error::invalid_field(
            "month",
            FieldCode::InvalidMonth,
            "must be yyyy-mm, e.g. 2026-12",
        )
    };
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(2000..=2999).contains(&y) {
        return Err(bad());
    }
    calendar::month_bounds(y, m).ok_or_else(bad)
}

impl Ledger {
    /// A stall's balance (members and administrators).
    pub async fn balance<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<Balance> {
        let (stall, _) = access::stall_for(&self.catalog, db, actor, stall).await?;
        self.balance_of(db, stall.id).await
    }

    async fn balance_of<C: ConnectionTrait>(&self, db: &C, stall: Uuid) -> Result<Balance> {
        let now = Utc::now();
        let in_payout: Option<Option<i64>> = payout::Entity::find()
            .select_only()
            .column_as(store::sum_of(payout::Column::Amount), "sum")
            .filter(payout::Column::StallId.eq(stall))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending.as_str()))
            .into_tuple()
            .one(db)
            .await?;
        Ok(Balance {
            stall_id: stall,
            pending: store::sum_where(db, stall, entry::Column::AvailableAt.gt(now)).await?,
            payable: store::payable(db, stall, now).await?,
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
        let accounts = common::page::fetch(db, q, page).await?;
        let mut items = Vec::new();
        for a in accounts.items {
            items.push(self.balance_of(db, a.stall_id).await?);
        }
        Ok(Page::new(items, accounts.total, page))
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
        let (stall, _) = access::stall_for(&self.catalog, db, actor, stall).await?;
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
        common::page::fetch(db, q, page)
            .await?
            .try_map(EntryView::try_from)
    }

    /// The withholding report of `yyyy-mm` (administrators): per household business or
    /// individual seller, revenue (goods less the seller's own discounts and, unless
    /// `tax.delivery_fee_withholding` is `none`, the delivery fees it earned), VAT and PIT
    /// withheld in the month, net of refunds, with what the month before carried in; a
    /// closed month as stored at its close ([`crate::tax`]).
    pub async fn withholding_report<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        month: &str,
    ) -> Result<WithholdingReport> {
        access::admin(actor)?;
        month_bounds(month)?;
        let month = crate::tax::Month::parse(month, "month")?;
        let declared = crate::tax::declaration(db, month, self.settings.tax.delivery_fee).await?;
        let sellers: Vec<SellerTax> = declared
            .sellers
            .into_iter()
            .filter(|s| s.revenue != 0 || s.vat != 0 || s.pit != 0)
            .map(|s| SellerTax {
                stall_id: s.stall_id,
                name: s.name,
                business_type: s.business_type,
                tax_code: s.tax_code,
                citizen_id: s.citizen_id,
                revenue: s.revenue,
                vat: s.vat,
                pit: s.pit,
            })
            .collect();
        Ok(WithholdingReport {
            month: declared.month,
            total_revenue: sellers.iter().map(|s| s.revenue).sum(),
            total_vat: sellers.iter().map(|s| s.vat).sum(),
            total_pit: sellers.iter().map(|s| s.pit).sum(),
            sellers,
        })
    }

    /// The withholding report as CSV (UTF-8 with a byte-order mark): a line per seller, then
    /// a blank line and the `TOTAL` line apart from them.
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
                s.business_type.as_str(),
                s.tax_code.as_deref().unwrap_or(""),
                s.citizen_id.as_deref().unwrap_or(""),
                &s.revenue.to_string(),
                &s.vat.to_string(),
                &s.pit.to_string(),
            ]);
        }
        c.blank();
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
            .column_as(store::sum_of(entry::Column::Amount), "sum")
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
