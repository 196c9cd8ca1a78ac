//! What `/metrics` shows of the reports: open reports by kind, the age of the oldest open one
//! of each kind, and the authority requests past their 24 hours, read at each scrape.

use chrono::{DateTime, Utc};
use common::Stored;
use sea_orm::{ConnectionTrait, DbErr, QueryOrder, QuerySelect};

use super::{
    entity::report,
    report::{ReportKind, ReportStatus},
    store,
};

/// The figures of the open reports at a moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportGauges {
    /// Open reports of each kind (every kind, zero included).
    pub open: Vec<(ReportKind, u64)>,
    /// Seconds since the oldest open report of each kind was filed (0 when none is open).
    pub oldest_open_secs: Vec<(ReportKind, f64)>,
    /// Open authority requests past their due time.
    pub authority_overdue: u64,
}

/// The gauges at `now`.
pub async fn gauges<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<ReportGauges, DbErr> {
    let mut g = ReportGauges::default();
    for kind in ReportKind::ALL {
        let open = store::count_kind(db, ReportStatus::Open, *kind).await?;
        let oldest: Option<DateTime<Utc>> = store::filtered(ReportStatus::Open, Some(*kind))
            .select_only()
            .column(report::Column::CreatedAt)
            .order_by_asc(report::Column::CreatedAt)
            .into_tuple()
            .one(db)
            .await?;
        let age = oldest.map_or(0.0, |at| (now - at).as_seconds_f64().max(0.0));
        g.open.push((*kind, open));
        g.oldest_open_secs.push((*kind, age));
    }
    g.authority_overdue = store::count_overdue(db, now).await?;
    Ok(g)
}
