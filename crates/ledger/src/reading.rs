//! Reading the money, always from the ledger itself (nothing is kept beside it): a stall's
//! balance, its entries, its monthly statement; for administrators every stall's balance and
//! the monthly withholding report for the tax declaration.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use common::{Actor, Error, Page, PageRequest, Result};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, Func},
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    Ledger, access,
    csv::Csv,
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
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

/// How many entries a statement reads, and renders, at a time.
const EXPORT_CHUNK: u64 = 1000;

/// The form a statement is read out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementFormat {
    /// [`Statement`] as JSON.
    Json,
    /// CSV: the opening balance, one line per entry, the sums per kind, the closing balance.
    Csv,
}

/// A statement being read out: the head (balances and sums, from aggregate queries) first,
/// then the entries a chunk at a time by keyset (`created_at`, `id`), each chunk one short
/// query, then the tail. Holds one of the ledger's export permits until dropped.
pub struct StatementExport {
    format: StatementFormat,
    /// The statement without its entries.
    head: Statement,
    stall: Uuid,
    start: DateTime<Utc>,
    /// Entries written at or after this are left out (the head does not count them).
    cutoff: DateTime<Utc>,
    /// How many entries the head counts.
    count: u64,
    stage: Stage,
    /// The last entry read out.
    after: Option<(DateTime<Utc>, Uuid)>,
    /// Sums of the entries read out so far, to be checked against the head's.
    seen: Totals,
    seen_count: u64,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// Where a [`StatementExport`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Head,
    Entries,
    Tail,
    Done,
}

impl std::fmt::Debug for StatementExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementExport")
            .field("stall", &self.stall)
            .field("month", &self.head.month)
            .field("format", &self.format)
            .field("stage", &self.stage)
            .field("seen_count", &self.seen_count)
            .finish_non_exhaustive()
    }
}

impl StatementExport {
    /// The next piece of the document, `None` after the last. An error leaves the document
    /// unfinished: the caller must not pass it off as whole.
    pub async fn next_part<C: ConnectionTrait>(&mut self, db: &C) -> Result<Option<Vec<u8>>> {
        let part = match self.stage {
            Stage::Head => {
                self.stage = Stage::Entries;
                match self.format {
                    StatementFormat::Json => json_head(&self.head)?,
                    StatementFormat::Csv => csv_head(&self.head),
                }
            }
            Stage::Entries => {
                let entries = self.next_chunk(db).await?;
                if (entries.len() as u64) < EXPORT_CHUNK {
                    self.stage = Stage::Tail;
                }
                let first = self.seen_count == 0;
                for e in &entries {
                    self.seen.add(e.kind, e.amount);
                }
                self.seen_count += entries.len() as u64;
                match self.format {
                    StatementFormat::Json => json_entries(&entries, first)?,
                    StatementFormat::Csv => csv_entries(&entries),
                }
            }
            Stage::Tail => {
                self.stage = Stage::Done;
                // Entries are only added, so only one committed late with an instant before
                // the cutoff (a clock behind, a slow transaction) can make these differ.
                if self.seen_count != self.count || self.seen != self.head.totals {
                    return Err(Error::internal(format!(
                        "statement of {} for stall {} changed while it was read: {} entries \
                         counted, {} read",
                        self.head.month, self.stall, self.count, self.seen_count
                    )));
                }
                match self.format {
                    StatementFormat::Json => b"]}".to_vec(),
                    StatementFormat::Csv => csv_tail(&self.head),
                }
            }
            Stage::Done => return Ok(None),
        };
        Ok(Some(part))
    }

    /// The next entries after the last read, oldest first.
    async fn next_chunk<C: ConnectionTrait>(&mut self, db: &C) -> Result<Vec<EntryView>> {
        let mut q = entry::Entity::find()
            .filter(entry::Column::StallId.eq(self.stall))
            .filter(entry::Column::CreatedAt.lt(self.cutoff));
        q = match self.after {
            None => q.filter(entry::Column::CreatedAt.gte(self.start)),
            // `created_at >= t AND (created_at > t OR id > i)`: the index on (stall_id,
            // created_at) starts at `t`.
            Some((at, id)) => q.filter(entry::Column::CreatedAt.gte(at)).filter(
                Condition::any()
                    .add(entry::Column::CreatedAt.gt(at))
                    .add(entry::Column::Id.gt(id)),
            ),
        };
        let rows = q
            .order_by_asc(entry::Column::CreatedAt)
            .order_by_asc(entry::Column::Id)
            .limit(EXPORT_CHUNK)
            .all(db)
            .await?;
        if let Some(last) = rows.last() {
            self.after = Some((last.created_at, last.id));
        }
        rows.into_iter().map(EntryView::try_from).collect()
    }
}

/// The answer when every export permit is taken.
fn exports_busy() -> Error {
    Error::new(
        common::ErrorKind::Unavailable,
        "exports_busy",
        "Too many statements are being prepared at once; try again in a few seconds.",
    )
}

/// Sums per kind, and the number of entries, of a stall's entries written in [start, cutoff).
async fn month_totals<C: ConnectionTrait>(
    db: &C,
    stall: Uuid,
    start: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> Result<(Totals, u64)> {
    let rows: Vec<(String, Option<i64>, i64)> = entry::Entity::find()
        .select_only()
        .column(entry::Column::Kind)
        .column_as(sum_of(entry::Column::Amount), "sum")
        .column_as(Expr::from(Func::count(Expr::col(entry::Column::Id))), "n")
        .filter(entry::Column::StallId.eq(stall))
        .filter(entry::Column::CreatedAt.gte(start))
        .filter(entry::Column::CreatedAt.lt(cutoff))
        .group_by(entry::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let mut totals = Totals::default();
    let mut count = 0u64;
    for (kind, sum, n) in rows {
        totals.add(EntryKind::parse(&kind)?, sum.unwrap_or(0));
        count += u64::try_from(n).unwrap_or(0);
    }
    Ok((totals, count))
}

/// `{"stall_id":…,"closing_balance":…,"entries":[`: the statement as serde writes it, open
/// where its entries go (they are its last field), so the shape is [`Statement`]'s own.
fn json_head(head: &Statement) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec(head).map_err(Error::internal)?;
    if !out.ends_with(b"[]}") {
        return Err(Error::internal(
            "a statement's entries must be its last field",
        ));
    }
    out.truncate(out.len() - 2);
    Ok(out)
}

/// Entries as JSON array items; `first` when none came before them.
fn json_entries(entries: &[EntryView], first: bool) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(entries.len() * 320);
    for (i, e) in entries.iter().enumerate() {
        if i > 0 || !first {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, e).map_err(Error::internal)?;
    }
    Ok(out)
}

/// The CSV header and the opening balance.
fn csv_head(s: &Statement) -> Vec<u8> {
    let mut c = Csv::new(&["date", "kind", "amount", "order_id", "payout_id", "note"]);
    c.row(&[
        "",
        "opening_balance",
        &s.opening_balance.to_string(),
        "",
        "",
        &s.stall_name,
    ]);
    c.finish().into_bytes()
}

/// One CSV line per entry.
fn csv_entries(entries: &[EntryView]) -> Vec<u8> {
    let mut c = Csv::headless();
    let id = |x: Option<Uuid>| x.map(|x| x.to_string()).unwrap_or_default();
    for e in entries {
        c.row(&[
            &e.created_at.to_rfc3339(),
            e.kind.as_str(),
            &e.amount.to_string(),
            &id(e.order_id),
            &id(e.payout_id),
            e.note.as_deref().unwrap_or(""),
        ]);
    }
    c.finish().into_bytes()
}

/// The sums per kind and the closing balance: a statement's CSV ends with its
/// `closing_balance` line, so one without it is incomplete.
fn csv_tail(s: &Statement) -> Vec<u8> {
    let mut c = Csv::headless();
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
    c.finish().into_bytes()
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

    /// Starts reading out a stall's statement of `yyyy-mm` (Vietnam's calendar; members and
    /// administrators) in `format`: [`StatementExport::next_part`] gives it piece by piece.
    ///
    /// At most `max_concurrent_exports` statements are read out at once; this one waits up to
    /// `export_wait` for its turn, then is refused with `exports_busy` (unavailable). The
    /// statement covers the entries written before this call: for the current month, later
    /// ones are in the next statement asked for.
    pub async fn statement_export<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        month: &str,
        format: StatementFormat,
    ) -> Result<StatementExport> {
        let (start, end) = month_bounds(month)?;
        let (stall, _) = access::stall_for(db, actor, stall).await?;
        let permit = tokio::time::timeout(
            self.settings.export_wait,
            self.exports.clone().acquire_owned(),
        )
        .await
        .ok()
        .and_then(|p| p.ok())
        .ok_or_else(exports_busy)?;
        // Entries are only ever added: everything written before `cutoff` is settled, and the
        // head's sums are over exactly the entries the lines will list.
        let cutoff = end.min(Utc::now());
        let opening =
            sum_where(db, stall.id, entry::Column::CreatedAt.lt(start.min(cutoff))).await?;
        let (totals, count) = month_totals(db, stall.id, start, cutoff).await?;
        let closing = totals
            .pairs()
            .iter()
            .fold(opening, |sum, (_, amount)| sum.saturating_add(*amount));
        Ok(StatementExport {
            format,
            head: Statement {
                stall_id: stall.id,
                stall_name: stall.name,
                month: month.to_owned(),
                opening_balance: opening,
                totals,
                closing_balance: closing,
                entries: Vec::new(),
            },
            stall: stall.id,
            start,
            cutoff,
            count,
            stage: Stage::Head,
            after: None,
            seen: Totals::default(),
            seen_count: 0,
            _permit: permit,
        })
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

    fn statement(entries: Vec<EntryView>) -> Statement {
        let mut totals = Totals::default();
        for e in &entries {
            totals.add(e.kind, e.amount);
        }
        Statement {
            stall_id: Uuid::from_u128(7),
            stall_name: "Sạp cô Ba, chợ Đông Hà".into(),
            month: "2026-11".into(),
            opening_balance: 50_000,
            closing_balance: 50_000 + entries.iter().map(|e| e.amount).sum::<i64>(),
            totals,
            entries,
        }
    }

    fn entry(n: u128, kind: EntryKind, amount: i64, note: Option<&str>) -> EntryView {
        let at = Utc.with_ymd_and_hms(2026, 11, 5, 3, 0, 0).unwrap();
        EntryView {
            id: Uuid::from_u128(n),
            kind,
            amount,
            order_id: Some(Uuid::from_u128(100 + n)),
            payout_id: None,
            rule: (kind == EntryKind::Commission).then(|| serde_json::json!({"rate_bp": 700})),
            reverses: None,
            note: note.map(str::to_owned),
            available_at: at,
            created_at: at,
        }
    }

    #[test]
    fn a_statement_sent_in_pieces_is_the_statement_as_one_document() {
        let entries = vec![
            entry(1, EntryKind::Sale, 120_000, None),
            entry(2, EntryKind::Commission, -8_400, None),
            entry(3, EntryKind::Adjustment, -1_000, Some("=sửa, \"nhầm\"")),
        ];
        let whole = statement(entries.clone());
        let head = Statement {
            entries: Vec::new(),
            ..whole.clone()
        };
        // JSON: the same bytes serde writes for the whole statement, whatever the chunks.
        let mut json = json_head(&head).unwrap();
        json.extend(json_entries(&entries[..2], true).unwrap());
        json.extend(json_entries(&entries[2..], false).unwrap());
        json.extend(b"]}");
        assert_eq!(
            String::from_utf8(json).unwrap(),
            serde_json::to_string(&whole).unwrap()
        );
        let mut empty = json_head(&head).unwrap();
        empty.extend(b"]}");
        assert_eq!(empty, serde_json::to_vec(&head).unwrap());
        // CSV: header and opening balance, a line per entry, the sums, the closing balance.
        let mut csv = csv_head(&head);
        csv.extend(csv_entries(&entries[..1]));
        csv.extend(csv_entries(&entries[1..]));
        csv.extend(csv_tail(&head));
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[..5],
            [
                "date,kind,amount,order_id,payout_id,note",
                ",opening_balance,50000,,,\"Sạp cô Ba, chợ Đông Hà\"",
                "2026-11-05T03:00:00+00:00,sale,120000,00000000-0000-0000-0000-000000000065,,",
                "2026-11-05T03:00:00+00:00,commission,-8400,00000000-0000-0000-0000-000000000066,,",
                "2026-11-05T03:00:00+00:00,adjustment,-1000,00000000-0000-0000-0000-000000000067,,\"'=sửa, \"\"nhầm\"\"\"",
            ]
        );
        assert_eq!(lines[5], ",total_sale,120000,,,");
        assert_eq!(lines[8], ",total_commission,-8400,,,");
        assert_eq!(lines[14], ",total_adjustment,-1000,,,");
        assert_eq!(lines[15], ",closing_balance,160600,,,");
        assert_eq!(lines[16..], [""]);
    }

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
