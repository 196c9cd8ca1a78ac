//! Filing: anyone reports a product or a stall the public sees; an administrator records a
//! competent authority's request, which starts its 24-hour clock and alerts every
//! administrator at once.

use catalog::audit::{self, Action, Subject};
use chrono::{DateTime, Utc};
use common::{Actor, Stored};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionSession, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::Result;
use super::{
    Filed, Reports,
    entity::report,
    report::{
        ListingType, NewAuthorityRequest, NewReport, Report, ReportKind, ReportStatus,
        ReportedListing, Statement,
    },
    store,
};

impl Reports {
    /// Reports a product the public sees (anyone; a signed-in reporter is recorded). A product
    /// the public does not see is not found, as its page is. A user's second report of a
    /// listing while their first is open gives back the first.
    pub async fn report_product<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        body: &NewReport,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        let p = self
            .catalog
            .product(db, &Actor::Anonymous, id_or_slug)
            .await?;
        let subject = ReportedListing {
            listing_type: ListingType::Product,
            id: p.id,
            name: p.name,
            stall_id: p.stall.id,
        };
        self.file(db, actor, subject, body, now).await
    }

    /// Reports a stall the public sees, as [`Reports::report_product`] does a product.
    pub async fn report_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        body: &NewReport,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        let s = self
            .catalog
            .stall(db, &Actor::Anonymous, id_or_slug)
            .await?;
        let subject = ReportedListing {
            listing_type: ListingType::Stall,
            id: s.id,
            name: s.name,
            stall_id: s.id,
        };
        self.file(db, actor, subject, body, now).await
    }

    async fn file<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        subject: ReportedListing,
        body: &NewReport,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        let statement = body.check()?;
        let reporter = actor.user_id();
        if let Some(existing) = self.repeated(db, reporter, subject.id).await? {
            return Ok(existing);
        }
        let id = Uuid::now_v7();
        let row = Row {
            id,
            kind: ReportKind::UserReport,
            subject: &subject,
            reason: Some(body.reason.as_str()),
            statement: &statement,
            reporter,
            now,
        }
        .active_model();
        match report::Entity::insert(row).exec_without_returning(db).await {
            Ok(_) => {}
            // The same user's report of the same listing, filed a moment ago.
            Err(e) if common::db::is_unique_violation(&e) => {
                if let Some(existing) = self.repeated(db, reporter, subject.id).await? {
                    return Ok(existing);
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
        let m = store::report_row(db, id)
            .await?
            .ok_or(crate::ComplianceError::NotFound("Report"))?;
        Ok(Filed {
            report: store::report_view(m, now, None)?,
            created: true,
        })
    }

    /// The open report `reporter` already filed of `subject_id`, if any.
    async fn repeated<C: ConnectionTrait>(
        &self,
        db: &C,
        reporter: Option<Uuid>,
        subject_id: Uuid,
    ) -> Result<Option<Filed>> {
        let Some(user) = reporter else {
            return Ok(None);
        };
        let Some(m) = store::open_report_by(db, user, subject_id).await? else {
            return Ok(None);
        };
        let report = store::report_view(m, Utc::now(), None)?;
        Ok(Some(Filed {
            report,
            created: false,
        }))
    }

    /// Records a competent authority's request to remove a listing (administrators): due 24
    /// hours after `received_at`, alerted to every administrator, audited.
    pub async fn record_authority_request<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        body: &NewAuthorityRequest,
        now: DateTime<Utc>,
    ) -> Result<Report> {
        let admin = actor.require_admin()?;
        let checked = body.check(now)?;
        let subject = self.listing(db, actor, checked.subject).await?;
        let id = Uuid::now_v7();
        let mut row = Row {
            id,
            kind: ReportKind::AuthorityRequest,
            subject: &subject,
            reason: None,
            statement: &checked.statement,
            reporter: Some(admin),
            now,
        }
        .active_model();
        row.authority = Set(Some(checked.authority.clone()));
        row.reference = Set(Some(checked.reference.clone()));
        row.received_at = Set(Some(checked.received_at));
        row.due_at = Set(Some(checked.due_at));
        let txn = common::begin_write(db).await?;
        report::Entity::insert(row)
            .exec_without_returning(&txn)
            .await?;
        audit::record(
            &txn,
            admin,
            Action::ReportRecordAuthorityRequest,
            Subject::Report(id),
            None,
            None,
            Some(json!({
                "authority": checked.authority,
                "reference": checked.reference,
                "due_at": checked.due_at,
            })),
        )
        .await?;
        let facts = notify::Facts::new()
            .text("authority", checked.authority.clone())
            .text("reference", checked.reference.clone())
            .text("subject", subject.listing_type.named(&subject.name))
            .text("due", vietnam_time(checked.due_at))
            .data("report_id", id.to_string());
        self.alert_admins(
            &txn,
            notify::Event::AuthorityRequest,
            &facts,
            subject.stall_id,
        )
        .await?;
        txn.commit().await?;
        self.admin_view(db, id, now).await
    }

    /// The listing an administrator names, whatever the public sees of it.
    async fn listing<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        (listing_type, id): (ListingType, Uuid),
    ) -> Result<ReportedListing> {
        let id = id.to_string();
        Ok(match listing_type {
            ListingType::Product => {
                let p = self.catalog.product(db, actor, &id).await?;
                ReportedListing {
                    listing_type,
                    id: p.id,
                    name: p.name,
                    stall_id: p.stall.id,
                }
            }
            ListingType::Stall => {
                let s = self.catalog.stall(db, actor, &id).await?;
                ReportedListing {
                    listing_type,
                    id: s.id,
                    name: s.name,
                    stall_id: s.id,
                }
            }
        })
    }

    /// Tells every administrator of `event`, in the caller's transaction.
    pub(super) async fn alert_admins<C: ConnectionTrait>(
        &self,
        db: &C,
        event: notify::Event,
        facts: &notify::Facts,
        stall_id: Uuid,
    ) -> Result<()> {
        let admins = self.accounts.admin_ids(db).await?;
        let refs = notify::Refs {
            stall_id: Some(stall_id),
            order_id: None,
        };
        self.catalog
            .notifier()
            .to_users(db, &admins, event, facts, refs)
            .await?;
        Ok(())
    }
}

/// A new report's row.
struct Row<'a> {
    id: Uuid,
    kind: ReportKind,
    subject: &'a ReportedListing,
    reason: Option<&'static str>,
    statement: &'a Statement,
    reporter: Option<Uuid>,
    now: DateTime<Utc>,
}

impl Row<'_> {
    fn active_model(self) -> report::ActiveModel {
        let evidence = serde_json::Value::from(self.statement.evidence.clone()).to_string();
        report::ActiveModel {
            id: Set(self.id),
            kind: Set(self.kind.as_str().to_owned()),
            subject_type: Set(self.subject.listing_type.as_str().to_owned()),
            subject_id: Set(self.subject.id),
            stall_id: Set(self.subject.stall_id),
            subject_name: Set(self.subject.name.chars().take(200).collect()),
            reason: Set(self.reason.map(str::to_owned)),
            detail: Set(self.statement.detail.clone()),
            evidence: Set(evidence),
            reporter_id: Set(self.reporter),
            authority: Set(None),
            reference: Set(None),
            received_at: Set(None),
            due_at: Set(None),
            status: Set(ReportStatus::Open.as_str().to_owned()),
            created_at: Set(self.now),
            closed_at: Set(None),
            closed_by: Set(None),
            resolution: Set(None),
            takedown_id: Set(None),
        }
    }
}

/// `at` as a Vietnamese reader writes a time: `14:05 ngày 06/12/2026` in Vietnam's time.
pub(super) fn vietnam_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&common::calendar::OFFSET)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_vietnams_time() {
        let at: DateTime<Utc> = "2026-12-05T17:05:00Z".parse().unwrap();
        assert_eq!(vietnam_time(at), "00:05 ngày 06/12/2026");
    }
}
