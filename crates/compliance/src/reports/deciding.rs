//! Deciding: the administrators' queue, and closing a report by taking its listing down
//! (every open report of the listing closes with it) or by dismissing it. Each decision is one
//! transaction with its audit entry and the catalogue's change.

use catalog::audit::{self, Subject};
use chrono::{DateTime, Utc};
use common::{Actor, PageRequest, Stored, stored};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionSession, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::Result;
use super::{
    Reports,
    entity::{report, takedown},
    report::{Closing, ListingType, Report, ReportCounts, ReportKind, ReportQueue, ReportStatus},
    store::{self, Closure},
    takedown::TakedownStatus,
};
use crate::ComplianceError;

/// Which reports the queue shows.
#[derive(Clone, Copy, Debug)]
pub struct QueueFilter {
    /// Their status (`open` by default).
    pub status: ReportStatus,
    /// Of one kind only.
    pub kind: Option<ReportKind>,
}

impl Default for QueueFilter {
    fn default() -> Self {
        Self {
            status: ReportStatus::Open,
            kind: None,
        }
    }
}

impl Reports {
    /// The queue (administrators): reports in `filter.status`, authority requests first
    /// (soonest due first), then the others, oldest first; with counts by kind and of overdue
    /// authority requests at `now`.
    pub async fn queue<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        filter: QueueFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<ReportQueue> {
        actor.require_admin()?;
        let counts = ReportCounts {
            user_report: store::count_kind(db, filter.status, ReportKind::UserReport).await?,
            authority_request: store::count_kind(db, filter.status, ReportKind::AuthorityRequest)
                .await?,
            overdue: store::count_overdue(db, now).await?,
        };
        let total = match filter.kind {
            Some(ReportKind::UserReport) => counts.user_report,
            Some(ReportKind::AuthorityRequest) => counts.authority_request,
            None => counts.user_report + counts.authority_request,
        };
        let rows = common::page::window(db, store::queue(filter.status, filter.kind), page).await?;
        let takedowns = store::takedown_counts(db, rows.iter().map(|r| r.stall_id)).await?;
        let items = rows
            .into_iter()
            .map(|m| store::report_view(m, now, Some(&takedowns)))
            .collect::<Result<_, _>>()?;
        Ok(ReportQueue {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
            counts,
        })
    }

    /// One report as administrators see it.
    pub(super) async fn admin_view<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Report> {
        let m = store::report_row(db, id)
            .await?
            .ok_or(ComplianceError::NotFound("Report"))?;
        let takedowns = store::takedown_counts(db, [m.stall_id]).await?;
        Ok(store::report_view(m, now, Some(&takedowns))?)
    }

    /// Takes down the listing of open report `id` with `reason`, which its stall reads
    /// (administrators): the product is hidden or the stall suspended through the catalogue,
    /// and every open report of the listing closes with this one. A listing already under a
    /// takedown stays under it (the report joins it).
    pub async fn take_down<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report> {
        let (admin, reason) = crate::access::reasoned(actor, reason)?;
        let txn = common::begin_write(db).await?;
        let m = open_report(&txn, id, Closing::TakeDown).await?;
        let takedown_id = match store::takedown_in_force(&txn, m.subject_id).await? {
            Some(t) => t.id,
            None => self.new_takedown(&txn, admin, &m, &reason, now).await?,
        };
        let closure = Closure {
            status: ReportStatus::TakenDown,
            by: admin,
            at: now,
            resolution: &reason,
            takedown_id: Some(takedown_id),
        };
        if !store::close_report(&txn, m.id, &closure).await? {
            return Err(ComplianceError::ReportClosed);
        }
        let others = store::close_reports_of(&txn, m.subject_id, &closure).await?;
        audit::record(
            &txn,
            admin,
            Closing::TakeDown.audit_name(),
            Subject::Report(m.id),
            Some(&reason),
            Some(json!({"status": ReportStatus::Open.as_str()})),
            Some(json!({
                "status": ReportStatus::TakenDown.as_str(),
                "takedown_id": takedown_id,
                "reports_closed": others + 1,
            })),
        )
        .await?;
        txn.commit().await?;
        self.admin_view(db, id, now).await
    }

    /// Takes the listing of `m` down through the catalogue and records the takedown; its id.
    async fn new_takedown<C: ConnectionTrait>(
        &self,
        txn: &C,
        admin: Uuid,
        m: &report::Model,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        match stored::<ListingType>(&m.subject_type)? {
            ListingType::Product => {
                self.catalog
                    .take_down_product(txn, admin, m.subject_id, reason)
                    .await?
            }
            ListingType::Stall => {
                self.catalog
                    .take_down_stall(txn, admin, m.subject_id, reason)
                    .await?
            }
        }
        let id = Uuid::now_v7();
        takedown::Entity::insert(takedown::ActiveModel {
            id: Set(id),
            subject_type: Set(m.subject_type.clone()),
            subject_id: Set(m.subject_id),
            stall_id: Set(m.stall_id),
            subject_name: Set(m.subject_name.clone()),
            reason: Set(reason.to_owned()),
            report_id: Set(m.id),
            taken_by: Set(admin),
            created_at: Set(now),
            status: Set(TakedownStatus::InForce.as_str().to_owned()),
            review_message: Set(None),
            review_requested_by: Set(None),
            review_requested_at: Set(None),
            decided_by: Set(None),
            decided_at: Set(None),
            decision_reason: Set(None),
        })
        .exec_without_returning(txn)
        .await?;
        Ok(id)
    }

    /// Dismisses open report `id` with `reason` (administrators); the listing stays and other
    /// reports of it stay open.
    pub async fn dismiss<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report> {
        let (admin, reason) = crate::access::reasoned(actor, reason)?;
        let txn = common::begin_write(db).await?;
        let m = open_report(&txn, id, Closing::Dismiss).await?;
        let closure = Closure {
            status: ReportStatus::Dismissed,
            by: admin,
            at: now,
            resolution: &reason,
            takedown_id: None,
        };
        if !store::close_report(&txn, m.id, &closure).await? {
            return Err(ComplianceError::ReportClosed);
        }
        audit::record(
            &txn,
            admin,
            Closing::Dismiss.audit_name(),
            Subject::Report(m.id),
            Some(&reason),
            Some(json!({"status": ReportStatus::Open.as_str()})),
            Some(json!({"status": ReportStatus::Dismissed.as_str()})),
        )
        .await?;
        txn.commit().await?;
        self.admin_view(db, id, now).await
    }
}

/// Report `id`, which `closing` may close (it is open).
async fn open_report<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    closing: Closing,
) -> Result<report::Model> {
    let m = store::report_row(db, id)
        .await?
        .ok_or(ComplianceError::NotFound("Report"))?;
    stored::<ReportStatus>(&m.status)?.close(closing)?;
    Ok(m)
}
