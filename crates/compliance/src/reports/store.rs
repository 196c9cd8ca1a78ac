//! The queries of reports and takedowns, over any connection (the pool, or a use case's
//! transaction), and the views of their rows. Every status move is one conditional update from
//! the status the state machine started from, so two administrators acting at once cannot both
//! win.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use common::{
    Error, Stored,
    stored::{stored, stored_opt},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
    sea_query::{Expr, ExprTrait, Order},
};
use uuid::Uuid;

use super::{
    entity::{report, takedown},
    report::{ListingType, Report, ReportKind, ReportStatus, ReportedListing},
    takedown::{Takedown, TakedownStatus},
};

/// A user's open report of `subject_id`, if any.
pub async fn open_report_by<C: ConnectionTrait>(
    db: &C,
    reporter: Uuid,
    subject_id: Uuid,
) -> Result<Option<report::Model>, DbErr> {
    report::Entity::find()
        .filter(report::Column::ReporterId.eq(reporter))
        .filter(report::Column::SubjectId.eq(subject_id))
        .filter(report::Column::Kind.eq(ReportKind::UserReport.as_str()))
        .filter(report::Column::Status.eq(ReportStatus::Open.as_str()))
        .one(db)
        .await
}

/// The report `id`.
pub async fn report_row<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<report::Model>, DbErr> {
    report::Entity::find_by_id(id).one(db).await
}

/// How an administrator closed reports.
#[derive(Clone, Debug)]
pub struct Closure<'a> {
    /// The status they move to.
    pub status: ReportStatus,
    /// Who closed them.
    pub by: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub resolution: &'a str,
    /// The takedown, when they were taken down.
    pub takedown_id: Option<Uuid>,
}

/// Closes the reports `filter` picks among the open ones; how many it closed.
async fn close_where<C: ConnectionTrait>(
    db: &C,
    closure: &Closure<'_>,
    filter: impl Fn(sea_orm::UpdateMany<report::Entity>) -> sea_orm::UpdateMany<report::Entity>,
) -> Result<u64, DbErr> {
    let update = report::Entity::update_many()
        .set(report::ActiveModel {
            status: Set(closure.status.as_str().to_owned()),
            closed_at: Set(Some(closure.at)),
            closed_by: Set(Some(closure.by)),
            resolution: Set(Some(closure.resolution.to_owned())),
            takedown_id: Set(closure.takedown_id),
            ..Default::default()
        })
        .filter(report::Column::Status.eq(ReportStatus::Open.as_str()));
    Ok(filter(update).exec(db).await?.rows_affected)
}

/// Closes report `id` if it is still open; whether it was.
pub async fn close_report<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    closure: &Closure<'_>,
) -> Result<bool, DbErr> {
    let n = close_where(db, closure, |u| u.filter(report::Column::Id.eq(id))).await?;
    Ok(n == 1)
}

/// Closes every open report of `subject_id`; how many.
pub async fn close_reports_of<C: ConnectionTrait>(
    db: &C,
    subject_id: Uuid,
    closure: &Closure<'_>,
) -> Result<u64, DbErr> {
    close_where(db, closure, |u| {
        u.filter(report::Column::SubjectId.eq(subject_id))
    })
    .await
}

/// The takedown `id`.
pub async fn takedown_row<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<takedown::Model>, DbErr> {
    takedown::Entity::find_by_id(id).one(db).await
}

/// The takedown of `subject_id` still in force (under review or not), if any.
pub async fn takedown_in_force<C: ConnectionTrait>(
    db: &C,
    subject_id: Uuid,
) -> Result<Option<takedown::Model>, DbErr> {
    let in_force: Vec<&str> = TakedownStatus::ALL
        .iter()
        .filter(|s| s.in_force())
        .map(|s| s.as_str())
        .collect();
    takedown::Entity::find()
        .filter(takedown::Column::SubjectId.eq(subject_id))
        .filter(takedown::Column::Status.is_in(in_force))
        .order_by_desc(takedown::Column::CreatedAt)
        .one(db)
        .await
}

/// Moves takedown `id` from `from` with `change` applied; whether it was still in `from`.
pub async fn move_takedown<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    from: TakedownStatus,
    change: takedown::ActiveModel,
) -> Result<bool, DbErr> {
    let done = takedown::Entity::update_many()
        .set(change)
        .filter(takedown::Column::Id.eq(id))
        .filter(takedown::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// How many takedowns each of `stalls` has had, its products' included.
pub async fn takedown_counts<C: ConnectionTrait>(
    db: &C,
    stalls: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, u64>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        stall_id: Uuid,
        n: i64,
    }
    let rows = takedown::Entity::find()
        .select_only()
        .column(takedown::Column::StallId)
        .column_as(takedown::Column::Id.count(), "n")
        .filter(takedown::Column::StallId.is_in(stalls))
        .group_by(takedown::Column::StallId)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.stall_id, u64::try_from(r.n).unwrap_or(0)))
        .collect())
}

/// Reports in `status`, optionally of one `kind`.
pub fn filtered(status: ReportStatus, kind: Option<ReportKind>) -> Select<report::Entity> {
    let q = report::Entity::find().filter(report::Column::Status.eq(status.as_str()));
    match kind {
        Some(kind) => q.filter(report::Column::Kind.eq(kind.as_str())),
        None => q,
    }
}

/// Reports in `status`, optionally of one `kind`, in the queue's order: authority requests
/// first, soonest due first, then the others, oldest first.
pub fn queue(status: ReportStatus, kind: Option<ReportKind>) -> Select<report::Entity> {
    // Only authority requests have a due time; `IS NULL` sorts false (0) before true (1) on
    // both engines.
    filtered(status, kind)
        .order_by(Expr::col(report::Column::DueAt).is_null(), Order::Asc)
        .order_by_asc(report::Column::DueAt)
        .order_by_asc(report::Column::CreatedAt)
        .order_by_asc(report::Column::Id)
}

/// How many reports in `status` there are of `kind`.
pub async fn count_kind<C: ConnectionTrait>(
    db: &C,
    status: ReportStatus,
    kind: ReportKind,
) -> Result<u64, DbErr> {
    filtered(status, Some(kind)).count(db).await
}

/// How many open authority requests are past their due time at `now`.
pub async fn count_overdue<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    filtered(ReportStatus::Open, Some(ReportKind::AuthorityRequest))
        .filter(report::Column::DueAt.lt(now))
        .count(db)
        .await
}

/// The listing a row is about.
fn listing(
    listing_type: &str,
    id: Uuid,
    name: String,
    stall_id: Uuid,
) -> Result<ReportedListing, Error> {
    Ok(ReportedListing {
        listing_type: stored::<ListingType>(listing_type)?,
        id,
        name,
        stall_id,
    })
}

/// A report row as a view at `now`; `admin` adds what administrators see (the stall's
/// takedowns, from `counts`).
pub fn report_view(
    m: report::Model,
    now: DateTime<Utc>,
    admin: Option<&HashMap<Uuid, u64>>,
) -> Result<Report, Error> {
    let status = stored::<ReportStatus>(&m.status)?;
    let evidence = crate::links::stored_list(&m.evidence)?;
    Ok(Report {
        id: m.id,
        kind: stored(&m.kind)?,
        status,
        subject: listing(&m.subject_type, m.subject_id, m.subject_name, m.stall_id)?,
        reason: stored_opt(m.reason.as_deref())?,
        detail: m.detail,
        evidence,
        authority: m.authority,
        reference: m.reference,
        received_at: m.received_at,
        due_at: m.due_at,
        overdue: status == ReportStatus::Open && m.due_at.is_some_and(|due| due < now),
        created_at: m.created_at,
        closed_at: m.closed_at,
        resolution: m.resolution,
        takedown_id: m.takedown_id,
        reporter_id: admin.and(m.reporter_id),
        stall_takedowns: admin.map(|c| c.get(&m.stall_id).copied().unwrap_or(0)),
    })
}

/// A takedown row as a view; `admin` adds the stall's takedowns, from `counts`.
pub fn takedown_view(
    m: takedown::Model,
    admin: Option<&HashMap<Uuid, u64>>,
) -> Result<Takedown, Error> {
    Ok(Takedown {
        id: m.id,
        subject: listing(&m.subject_type, m.subject_id, m.subject_name, m.stall_id)?,
        reason: m.reason,
        report_id: m.report_id,
        status: stored(&m.status)?,
        created_at: m.created_at,
        review_message: m.review_message,
        review_requested_at: m.review_requested_at,
        decided_at: m.decided_at,
        decision_reason: m.decision_reason,
        stall_takedowns: admin.map(|c| c.get(&m.stall_id).copied().unwrap_or(0)),
    })
}
