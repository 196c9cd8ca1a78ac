//! A stall's monthly statement, read out in pieces: the head (balances and sums per kind, from
//! aggregate queries), then the entries a chunk at a time, then the tail, as JSON or CSV; so a
//! month of any length is sent with a chunk of entries in memory, and its lines are checked to
//! add up to its head.

use chrono::{DateTime, Utc};
use common::{Actor, Error, Result, Stored, stored};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func},
};
use serde::Serialize;
use uuid::Uuid;

use super::month_bounds;
use crate::{
    Ledger, access,
    csv::Csv,
    entity::entry,
    kind::EntryKind,
    store::{sum_of, sum_where},
    views::EntryView,
};

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
    /// Cash collected by carriers, held by them until remitted (negative).
    pub cod_receivable: i64,
    /// Carriers' remittances of that cash (positive).
    pub cod_remitted: i64,
    /// Carriers' fees taken off their remittances (negative).
    pub carrier_fee: i64,
    /// Discounts the stall funded, on goods and delivery (negative).
    pub stall_discount: i64,
    /// Discounts the platform funded, on goods and delivery (negative): what buyers did not
    /// pay of the stall's prices.
    pub platform_discount: i64,
    /// What the platform paid the stall for its discounts (positive).
    pub platform_funding: i64,
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
    pub(super) fn add(&mut self, kind: EntryKind, amount: i64) {
        let slot = match kind {
            EntryKind::Sale => &mut self.sale,
            EntryKind::Delivery => &mut self.delivery,
            EntryKind::CashCollected => &mut self.cash_collected,
            EntryKind::CodReceivable => &mut self.cod_receivable,
            EntryKind::CodRemitted => &mut self.cod_remitted,
            EntryKind::CarrierFee => &mut self.carrier_fee,
            EntryKind::StallDiscount => &mut self.stall_discount,
            EntryKind::PlatformDiscount => &mut self.platform_discount,
            EntryKind::PlatformFunding => &mut self.platform_funding,
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

    fn pairs(&self) -> [(EntryKind, i64); 16] {
        [
            (EntryKind::Sale, self.sale),
            (EntryKind::Delivery, self.delivery),
            (EntryKind::CashCollected, self.cash_collected),
            (EntryKind::CodReceivable, self.cod_receivable),
            (EntryKind::CodRemitted, self.cod_remitted),
            (EntryKind::CarrierFee, self.carrier_fee),
            (EntryKind::StallDiscount, self.stall_discount),
            (EntryKind::PlatformDiscount, self.platform_discount),
            (EntryKind::PlatformFunding, self.platform_funding),
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

/// How many entries a statement reads, and renders, at a time.
const EXPORT_CHUNK: u64 = 1000;

/// The form a statement is read out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementFormat {
    /// [`Statement`] as JSON.
    Json,
    /// CSV (UTF-8 with a byte-order mark): one line per entry, times in Vietnam's
    /// (UTC+07:00); then a blank line and the summary block: the opening balance, the sums per
    /// kind, the closing balance.
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
        totals.add(stored(&kind)?, sum.unwrap_or(0));
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

/// The header of a statement's CSV: times are Vietnam's (UTC+07:00), as its months are.
const CSV_HEADER: [&str; 6] = [
    "time (UTC+07:00)",
    "kind",
    "amount",
    "order_id",
    "payout_id",
    "note",
];

/// The byte-order mark and the header line of the entries.
fn csv_head(_: &Statement) -> Vec<u8> {
    Csv::new(&CSV_HEADER).finish().into_bytes()
}

/// One CSV line per entry, its time in Vietnam's (`2026-11-05T10:00:00+07:00`).
fn csv_entries(entries: &[EntryView]) -> Vec<u8> {
    let mut c = Csv::headless();
    let id = |x: Option<Uuid>| x.map(|x| x.to_string()).unwrap_or_default();
    for e in entries {
        c.row(&[
            &e.created_at
                .with_timezone(&common::calendar::OFFSET)
                .to_rfc3339(),
            e.kind.as_str(),
            &e.amount.to_string(),
            &id(e.order_id),
            &id(e.payout_id),
            e.note.as_deref().unwrap_or(""),
        ]);
    }
    c.finish().into_bytes()
}

/// The totals, apart from the entries: a blank line, then a block of its own with its own
/// header (`summary,amount,note`): the opening balance (its note the stall's name), the sums
/// per kind, the closing balance (its note the month). A statement's CSV ends with its
/// `closing_balance` line, so one without it is incomplete.
fn csv_tail(s: &Statement) -> Vec<u8> {
    let mut c = Csv::headless();
    c.blank();
    c.row(&["summary", "amount", "note"]);
    c.row(&[
        "opening_balance",
        &s.opening_balance.to_string(),
        &s.stall_name,
    ]);
    for (kind, sum) in s.totals.pairs() {
        c.row(&[&format!("total_{}", kind.as_str()), &sum.to_string(), ""]);
    }
    c.row(&["closing_balance", &s.closing_balance.to_string(), &s.month]);
    c.finish().into_bytes()
}

impl Ledger {
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
        let (stall, _) = access::stall_for(&self.catalog, db, actor, stall).await?;
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
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

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
        // CSV: the mark and header, a line per entry (Vietnam's times), a blank line, then
        // the summary block.
        let mut csv = csv_head(&head);
        csv.extend(csv_entries(&entries[..1]));
        csv.extend(csv_entries(&entries[1..]));
        csv.extend(csv_tail(&head));
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[..6],
            [
                "\u{feff}time (UTC+07:00),kind,amount,order_id,payout_id,note",
                "2026-11-05T10:00:00+07:00,sale,120000,00000000-0000-0000-0000-000000000065,,",
                "2026-11-05T10:00:00+07:00,commission,-8400,00000000-0000-0000-0000-000000000066,,",
                "2026-11-05T10:00:00+07:00,adjustment,-1000,00000000-0000-0000-0000-000000000067,,\"'=sửa, \"\"nhầm\"\"\"",
                "",
                "summary,amount,note",
            ]
        );
        assert_eq!(lines[6], "opening_balance,50000,\"Sạp cô Ba, chợ Đông Hà\"");
        assert_eq!(lines[7], "total_sale,120000,");
        // The cash a carrier holds, its remittances and fees, beside the stall's own cash.
        assert_eq!(
            lines[10..13],
            [
                "total_cod_receivable,0,",
                "total_cod_remitted,0,",
                "total_carrier_fee,0,"
            ]
        );
        // The discounts by who funds them, beside the sale and the cash.
        assert_eq!(
            lines[13..16],
            [
                "total_stall_discount,0,",
                "total_platform_discount,0,",
                "total_platform_funding,0,"
            ]
        );
        assert_eq!(lines[16], "total_commission,-8400,");
        assert_eq!(lines[22], "total_adjustment,-1000,");
        assert_eq!(lines[23], "closing_balance,160600,2026-11");
        assert_eq!(lines[24..], [""]);
    }
}
