//! Moderation: anyone signed in reports a review, once; administrators work the open reports,
//! hide a review with a reason (audited; its author told why; its open reports closed; its
//! stars leave the rating) and show it again. Nothing here lets a stall hide or delete a
//! review: the law forbids suppressing lawful reviews, so only administrators moderate.

use catalog::{
    audit::{self, Action, Subject},
    ratings::{self, RatingChange},
};
use chrono::{DateTime, Utc};
use common::{Actor, Page, PageRequest, Stored, validate::required_reason};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    Filed, Result, Reviews, ReviewsError,
    entity::{report, review},
    review::{NewReviewReport, ReportStatus, Review, ReviewReport},
    store,
};

impl Reviews {
    /// Reports review `id` (anyone signed in; a hidden review is 404). The caller's second
    /// report of the same review gives back the first (`created: false`).
    pub async fn report<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        body: &NewReviewReport,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        let reporter = actor.require_user()?;
        let detail = body.check()?;
        let m = store::find_seen(db, &Actor::Anonymous, id).await?;
        if let Some(existing) = store::report_by(db, m.id, reporter).await? {
            return self.filed(db, actor, existing, false).await;
        }
        let row = report::ActiveModel {
            id: Set(Uuid::now_v7()),
            review_id: Set(m.id),
            reporter_id: Set(reporter),
            reason: Set(body.reason.as_str().to_owned()),
            detail: Set(detail),
            status: Set(ReportStatus::Open.as_str().to_owned()),
            created_at: Set(now),
            closed_at: Set(None),
            closed_by: Set(None),
        };
        match report::Entity::insert(row).exec_with_returning(db).await {
            Ok(row) => self.filed(db, actor, row, true).await,
            // The same user's report of the same review, filed a moment ago.
            Err(e) if common::db::is_unique_violation(&e) => {
                let existing = store::report_by(db, m.id, reporter)
                    .await?
                    .ok_or(ReviewsError::Db(e))?;
                self.filed(db, actor, existing, false).await
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn filed<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        row: report::Model,
        created: bool,
    ) -> Result<Filed> {
        let report = self
            .report_views(db, actor, vec![row])
            .await?
            .pop()
            .ok_or(ReviewsError::NotFound("Report"))?;
        Ok(Filed { report, created })
    }

    /// The reports of reviews in `status` (administrators), oldest first, each with its review
    /// as it is now.
    pub async fn queue<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: ReportStatus,
        page: PageRequest,
    ) -> Result<Page<ReviewReport>> {
        actor.require_admin()?;
        let select = report::Entity::find()
            .filter(report::Column::Status.eq(status.as_str()))
            .order_by_asc(report::Column::CreatedAt)
            .order_by_asc(report::Column::Id);
        let rows = common::page::fetch(db, select, page).await?;
        let items = self.report_views(db, actor, rows.items).await?;
        Ok(Page::new(items, rows.total, page))
    }

    /// Hides review `id` with `reason` (administrators): audited, its author told why, its
    /// open reports closed, its stars out of the product's rating. 409 `already_hidden` when
    /// it is hidden.
    pub async fn hide<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Review> {
        let admin = actor.require_admin()?;
        let reason = required_reason(reason)?;
        let txn = common::begin_write(db).await?;
        let m = store::find_locked(&txn, id).await?;
        if m.hidden_at.is_some() {
            return Err(ReviewsError::AlreadyHidden);
        }
        let row = review::Entity::update(review::ActiveModel {
            id: Set(id),
            hidden_at: Set(Some(now)),
            hidden_by: Set(Some(admin)),
            hidden_reason: Set(Some(reason.clone())),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        ratings::record(
            &txn,
            row.product_id,
            RatingChange::remove(store::stars(&row)?),
        )
        .await?;
        report::Entity::update_many()
            .set(report::ActiveModel {
                status: Set(ReportStatus::Hidden.as_str().to_owned()),
                closed_at: Set(Some(now)),
                closed_by: Set(Some(admin)),
                ..Default::default()
            })
            .filter(report::Column::ReviewId.eq(id))
            .filter(report::Column::Status.eq(ReportStatus::Open.as_str()))
            .exec(&txn)
            .await?;
        let after = json!({"hidden": true});
        audit::record(
            &txn,
            admin,
            Action::ReviewHide,
            Subject::Review(id),
            Some(&reason),
            None,
            Some(after),
        )
        .await?;
        self.tell_author(&txn, actor, &row, &reason).await?;
        txn.commit().await?;
        self.view(db, actor, row).await
    }

    /// Shows hidden review `id` again (administrators; a reason is recorded if given):
    /// audited, its stars back in the product's rating. 409 `not_hidden` when it is shown.
    pub async fn unhide<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
        _now: DateTime<Utc>,
    ) -> Result<Review> {
        let admin = actor.require_admin()?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let txn = common::begin_write(db).await?;
        let m = store::find_locked(&txn, id).await?;
        if m.hidden_at.is_none() {
            return Err(ReviewsError::NotHidden);
        }
        let row = review::Entity::update(review::ActiveModel {
            id: Set(id),
            hidden_at: Set(None),
            hidden_by: Set(None),
            hidden_reason: Set(None),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        ratings::record(&txn, row.product_id, RatingChange::add(store::stars(&row)?)).await?;
        let after = json!({"hidden": false});
        audit::record(
            &txn,
            admin,
            Action::ReviewUnhide,
            Subject::Review(id),
            reason,
            None,
            Some(after),
        )
        .await?;
        txn.commit().await?;
        self.view(db, actor, row).await
    }

    /// Tells the author of `row` that it was hidden and why, in the caller's transaction.
    async fn tell_author<C: ConnectionTrait>(
        &self,
        db: &C,
        admin: &Actor,
        row: &review::Model,
        reason: &str,
    ) -> Result<()> {
        let product = self
            .catalog
            .product(db, admin, &row.product_id.to_string())
            .await
            .map(|p| p.name)
            .unwrap_or_default();
        let facts = notify::Facts::new()
            .text("product", product)
            .text("reason", reason.to_owned())
            .data("review_id", row.id.to_string());
        let refs = notify::Refs {
            stall_id: Some(row.stall_id),
            order_id: Some(row.order_id),
        };
        self.catalog
            .notifier()
            .to_users(
                db,
                &[row.author_id],
                notify::Event::ReviewHidden,
                &facts,
                refs,
            )
            .await?;
        Ok(())
    }
}
