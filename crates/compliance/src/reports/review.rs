//! Reviews of takedowns: a member of the stall says what it fixed and asks for a review (the
//! administrators hear of it); an administrator lifts the takedown (the listing shows again)
//! or upholds it with a reason the stall hears. Each step is one transaction, audited.

use catalog::audit::{self, Subject};
use chrono::{DateTime, Utc};
use common::{Actor, Page, PageRequest, Stored, stored, validate::Validator};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::Result;
use super::{
    Reports,
    entity::takedown,
    report::{ListingType, ReportedListing},
    store,
    takedown::{Takedown, TakedownAction, TakedownStatus},
};
use crate::ComplianceError;

/// A takedown's move, as one of its moves records it.
struct Move<'a> {
    action: TakedownAction,
    by: Uuid,
    at: DateTime<Utc>,
    text: Option<&'a str>,
}

impl Reports {
    /// Asks for a review of the takedown of product `id_or_slug` (members of its stall), saying
    /// what was fixed; the administrators hear of it. A product the caller may not see is not
    /// found; one that is not taken down is `not_taken_down`.
    pub async fn request_product_review<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        message: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Takedown> {
        let user = actor.require_user()?;
        let p = self.catalog.product(db, actor, id_or_slug).await?;
        if self.catalog.role_in(db, user, p.stall.id).await?.is_none() {
            return Err(
                common::Error::forbidden("Only the stall's members may ask for a review.").into(),
            );
        }
        self.request_review(db, user, p.id, message, now).await
    }

    /// Asks for a review of the takedown of stall `id_or_slug` (its members), as
    /// [`Reports::request_product_review`] does for a product.
    pub async fn request_stall_review<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        message: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Takedown> {
        let user = actor.require_user()?;
        let (stall_id, _) = self.catalog.membership(db, actor, id_or_slug).await?;
        self.request_review(db, user, stall_id, message, now).await
    }

    async fn request_review<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        user: Uuid,
        subject_id: Uuid,
        message: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Takedown> {
        let mut v = Validator::new();
        let message = v.text("message", message.unwrap_or(""), 3, 2000);
        v.finish()?;
        let txn = common::begin_write(db).await?;
        let t = store::takedown_in_force(&txn, subject_id)
            .await?
            .ok_or(ComplianceError::NotTakenDown)?;
        let step = Move {
            action: TakedownAction::RequestReview,
            by: user,
            at: now,
            text: Some(&message),
        };
        let mut change = takedown::ActiveModel {
            review_message: Set(Some(message.clone())),
            review_requested_by: Set(Some(user)),
            review_requested_at: Set(Some(now)),
            ..Default::default()
        };
        let moved = apply(&txn, &t, &step, &mut change).await?;
        let listing = listing_of(&moved)?;
        let facts = notify::Facts::new()
            .text("stall", stall_name(&txn, &listing).await?)
            .text("subject", listing.listing_type.named(&listing.name))
            .text("message", message)
            .data("takedown_id", moved.id.to_string());
        self.alert_admins(
            &txn,
            notify::Event::TakedownReviewRequested,
            &facts,
            listing.stall_id,
        )
        .await?;
        txn.commit().await?;
        Ok(store::takedown_view(moved, None)?)
    }

    /// Takedowns in `status` (administrators; `review_requested` first to decide), the
    /// longest waiting first, with each stall's count of takedowns.
    pub async fn takedowns<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: TakedownStatus,
        page: PageRequest,
    ) -> Result<Page<Takedown>> {
        actor.require_admin()?;
        let q = takedown::Entity::find()
            .filter(takedown::Column::Status.eq(status.as_str()))
            .order_by_asc(takedown::Column::ReviewRequestedAt)
            .order_by_asc(takedown::Column::CreatedAt)
            .order_by_asc(takedown::Column::Id);
        let rows = common::page::fetch(db, q, page).await?;
        let counts = store::takedown_counts(db, rows.items.iter().map(|t| t.stall_id)).await?;
        Ok(rows.try_map(|t| store::takedown_view(t, Some(&counts)))?)
    }

    /// Lifts takedown `id` (administrators): the product shows again, or the stall suspended
    /// for it sells again, and the stall hears it; `reason` is recorded if given.
    pub async fn lift<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Takedown> {
        let admin = actor.require_admin()?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let txn = common::begin_write(db).await?;
        let t = takedown_row(&txn, id).await?;
        let step = Move {
            action: TakedownAction::Lift,
            by: admin,
            at: now,
            text: reason,
        };
        let mut change = decided(&step);
        let moved = apply(&txn, &t, &step, &mut change).await?;
        match stored::<ListingType>(&moved.subject_type)? {
            ListingType::Product => {
                self.catalog
                    .restore_product(&txn, admin, moved.subject_id, reason)
                    .await?
            }
            ListingType::Stall => {
                self.catalog
                    .reinstate_taken_down_stall(&txn, admin, moved.subject_id)
                    .await?
            }
        }
        txn.commit().await?;
        self.admin_takedown(db, moved).await
    }

    /// Upholds takedown `id` under review with `reason` (administrators): it stays in force and
    /// the stall hears why; it may fix more and ask again.
    pub async fn uphold<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Takedown> {
        let (admin, reason) = crate::access::reasoned(actor, reason)?;
        let txn = common::begin_write(db).await?;
        let t = takedown_row(&txn, id).await?;
        let step = Move {
            action: TakedownAction::Uphold,
            by: admin,
            at: now,
            text: Some(&reason),
        };
        let mut change = decided(&step);
        let moved = apply(&txn, &t, &step, &mut change).await?;
        let listing = listing_of(&moved)?;
        let facts = notify::Facts::new()
            .text("subject", listing.listing_type.named(&listing.name))
            .text("reason", reason.clone())
            .data("takedown_id", moved.id.to_string());
        self.catalog
            .tell_stall(
                &txn,
                listing.stall_id,
                notify::Event::TakedownUpheld,
                facts,
                None,
            )
            .await?;
        txn.commit().await?;
        self.admin_takedown(db, moved).await
    }

    async fn admin_takedown<C: ConnectionTrait>(
        &self,
        db: &C,
        t: takedown::Model,
    ) -> Result<Takedown> {
        let counts = store::takedown_counts(db, [t.stall_id]).await?;
        Ok(store::takedown_view(t, Some(&counts))?)
    }
}

async fn takedown_row<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<takedown::Model> {
    store::takedown_row(db, id)
        .await?
        .ok_or(ComplianceError::NotFound("Takedown"))
}

/// An administrator's decision on a takedown, as columns.
fn decided(step: &Move<'_>) -> takedown::ActiveModel {
    takedown::ActiveModel {
        decided_by: Set(Some(step.by)),
        decided_at: Set(Some(step.at)),
        decision_reason: Set(step.text.map(str::to_owned)),
        ..Default::default()
    }
}

/// Moves takedown `t` by `step` through the state machine with `change`, audited; the row
/// as it is afterwards. Someone else's move in between is the conflict the machine names.
async fn apply<C: ConnectionTrait>(
    db: &C,
    t: &takedown::Model,
    step: &Move<'_>,
    change: &mut takedown::ActiveModel,
) -> Result<takedown::Model> {
    let from = stored::<TakedownStatus>(&t.status)?;
    let to = from.apply(step.action)?;
    change.status = Set(to.as_str().to_owned());
    if !store::move_takedown(db, t.id, from, change.clone()).await? {
        let now = takedown_row(db, t.id).await?;
        stored::<TakedownStatus>(&now.status)?.apply(step.action)?;
        return Err(ComplianceError::NotTakenDown);
    }
    audit::record(
        db,
        step.by,
        step.action.audit_name(),
        Subject::Takedown(t.id),
        step.text,
        Some(json!({"status": from.as_str()})),
        Some(json!({"status": to.as_str()})),
    )
    .await?;
    takedown_row(db, t.id).await
}

fn listing_of(t: &takedown::Model) -> Result<ReportedListing> {
    Ok(ReportedListing {
        listing_type: stored(&t.subject_type)?,
        id: t.subject_id,
        name: t.subject_name.clone(),
        stall_id: t.stall_id,
    })
}

/// The name of the stall concerned, as the catalogue has it now.
async fn stall_name<C: ConnectionTrait>(db: &C, listing: &ReportedListing) -> Result<String> {
    let refs = catalog::lookup::stall_refs(db, [listing.stall_id]).await?;
    Ok(refs
        .get(&listing.stall_id)
        .map_or_else(|| listing.name.clone(), |s| s.name.clone()))
}
