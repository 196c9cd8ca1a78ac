//! What administrators do: move stalls through their states, hide products, rule on OCOP
//! claims, and read the audit log. Every act is audited in its own transaction.

use chrono::Utc;
use common::{
    Actor, Page, PageRequest, Stored,
    stored::{stored, stored_opt},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{Catalog, Viewer, find_product, find_stall, required_reason};
use crate::{
    CatalogError,
    audit::{self, Action, AuditEntry, Subject},
    entity::{audit_log, product, stall},
    error::Result,
    outbox,
    product::{OcopStatus, Product},
    stall::{Stall, StallAction, StallStatus, SuspensionCause},
};

/// Filters of the audit log.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// What the entries are about.
    pub subject_type: Option<crate::audit::SubjectType>,
    /// One subject.
    pub subject_id: Option<Uuid>,
    /// One actor.
    pub actor_id: Option<Uuid>,
}

impl Catalog {
    /// Stalls in `status`, oldest first: the moderation queue (admins).
    pub async fn stall_queue<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: StallStatus,
        page: PageRequest,
    ) -> Result<Page<Stall>> {
        actor.require_admin()?;
        let q = stall::Entity::find()
            .filter(stall::Column::Status.eq(status.as_str()))
            .order_by_asc(stall::Column::UpdatedAt)
            .order_by_asc(stall::Column::Id);
        common::page::fetch(db, q, page)
            .await?
            .try_map(|m| self.stall_view(m, Viewer::Admin))
    }

    /// Approves, rejects, suspends or reinstates a stall (admins). Reject and suspend need a
    /// reason, which the owner sees.
    pub async fn moderate_stall<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        action: StallAction,
        reason: Option<&str>,
    ) -> Result<Stall> {
        let admin = actor.require_admin()?;
        let reason = if action.needs_reason() {
            Some(required_reason(reason)?)
        } else {
            reason
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
        };
        let txn = common::begin_write(db).await?;
        let current = find_stall(&txn, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Stall"))?;
        let cause = SuspensionCause::Moderation;
        let updated = self
            .move_stall(&txn, admin, current, action, reason, cause)
            .await?;
        txn.commit().await?;
        self.stall_view(updated, Viewer::Admin)
    }

    /// Moves `current` by `action` in the caller's transaction, for administrator `admin`:
    /// the status through the state machine, with `reason` kept when the action needs one and
    /// `cause` recorded when it suspends (every other move clears it); audited, queued for
    /// search, and told to the stall.
    pub(super) async fn move_stall<C: ConnectionTrait>(
        &self,
        txn: &C,
        admin: Uuid,
        current: stall::Model,
        action: StallAction,
        reason: Option<String>,
        cause: SuspensionCause,
    ) -> Result<stall::Model> {
        let from: StallStatus = stored(&current.status)?;
        let to = from.apply(action)?;
        if super::sellers::needs_verified_seller(&current, action)? && !current.seller_verified {
            return Err(CatalogError::IdentityUnverified);
        }
        let now = Utc::now();
        let mut am = current.clone().into_active_model();
        am.status = Set(to.as_str().to_owned());
        am.status_reason = Set(if action.needs_reason() {
            reason.clone()
        } else {
            None
        });
        am.suspension_cause =
            Set((to == StallStatus::Suspended).then(|| cause.as_str().to_owned()));
        if to == StallStatus::Approved {
            am.approved_at = Set(Some(now));
        }
        am.updated_at = Set(now);
        let updated = am.update(txn).await?;
        audit::record(
            txn,
            admin,
            action.audit_name(),
            Subject::Stall(current.id),
            reason.as_deref(),
            Some(json!({"status": from.as_str()})),
            Some(json!({"status": to.as_str()})),
        )
        .await?;
        outbox::enqueue(txn, outbox::Entity::Stall, current.id).await?;
        let event = match action {
            StallAction::Approve => Some(notify::Event::StallApproved),
            StallAction::Reject => Some(notify::Event::StallRejected),
            StallAction::Suspend if cause == SuspensionCause::Takedown => {
                Some(notify::Event::StallTakenDown)
            }
            StallAction::Suspend => Some(notify::Event::StallSuspended),
            StallAction::Reinstate => Some(notify::Event::StallReinstated),
            StallAction::Resubmit => None,
        };
        if let Some(event) = event {
            let facts = notify::Facts::new().text("reason", reason.unwrap_or_default());
            self.tell_stall(txn, current.id, event, facts, None).await?;
        }
        Ok(updated)
    }

    async fn moderate_product<C, F>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        ruling: Ruling,
        change: F,
    ) -> Result<Product>
    where
        C: ConnectionTrait + TransactionTrait,
        F: FnOnce(
            &product::Model,
            &mut product::ActiveModel,
        ) -> Result<(serde_json::Value, serde_json::Value)>,
    {
        let Ruling {
            action,
            reason,
            notice,
        } = ruling;
        let admin = actor.require_admin()?;
        let txn = common::begin_write(db).await?;
        let current = find_product(&txn, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Product"))?;
        let mut am = current.clone().into_active_model();
        let (before, after) = change(&current, &mut am)?;
        am.updated_at = Set(Utc::now());
        let updated = am.update(&txn).await?;
        audit::record(
            &txn,
            admin,
            action,
            Subject::Product(current.id),
            reason.as_deref(),
            Some(before),
            Some(after),
        )
        .await?;
        outbox::enqueue(&txn, outbox::Entity::Product, current.id).await?;
        if let Some(event) = notice {
            let facts = notify::Facts::new()
                .text("product", updated.name.clone())
                .number("stars", i64::from(updated.ocop_stars.unwrap_or(0)))
                .text("reason", reason.clone().unwrap_or_default())
                .data("product_id", updated.id.to_string());
            self.tell_stall(&txn, updated.stall_id, event, facts, None)
                .await?;
        }
        txn.commit().await?;
        self.one_view(db, updated, true).await
    }

    /// Hides a product from the public, with a reason its stall sees (admins).
    pub async fn hide_product<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        reason: Option<&str>,
    ) -> Result<Product> {
        actor.require_admin()?;
        let reason = required_reason(reason)?;
        let stored = reason.clone();
        self.moderate_product(
            db,
            actor,
            id_or_slug,
            Ruling {
                action: Action::ProductHide,
                reason: Some(reason),
                notice: None,
            },
            move |p, am| {
                if p.hidden {
                    return Err(CatalogError::InvalidTransition(
                        "The product is already hidden.".into(),
                    ));
                }
                am.hidden = Set(true);
                am.hidden_reason = Set(Some(stored));
                Ok((json!({"hidden": false}), json!({"hidden": true})))
            },
        )
        .await
    }

    /// Shows a hidden product again (admins).
    pub async fn unhide_product<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        reason: Option<&str>,
    ) -> Result<Product> {
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        self.moderate_product(
            db,
            actor,
            id_or_slug,
            Ruling {
                action: Action::ProductUnhide,
                reason,
                notice: None,
            },
            |p, am| {
                if !p.hidden {
                    return Err(CatalogError::InvalidTransition(
                        "The product is not hidden.".into(),
                    ));
                }
                am.hidden = Set(false);
                am.hidden_reason = Set(None);
                Ok((json!({"hidden": true}), json!({"hidden": false})))
            },
        )
        .await
    }

    /// Verifies a product's OCOP claim (admins); the stars show while the certificate is valid.
    pub async fn verify_ocop<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<Product> {
        self.rule_on_ocop(db, actor, id_or_slug, OcopStatus::Verified, None)
            .await
    }

    /// Rejects a product's OCOP claim with a reason (admins).
    pub async fn reject_ocop<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        reason: Option<&str>,
    ) -> Result<Product> {
        actor.require_admin()?;
        let reason = required_reason(reason)?;
        self.rule_on_ocop(db, actor, id_or_slug, OcopStatus::Rejected, Some(reason))
            .await
    }

    async fn rule_on_ocop<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        to: OcopStatus,
        reason: Option<String>,
    ) -> Result<Product> {
        let action = match to {
            OcopStatus::Verified => Action::OcopVerify,
            _ => Action::OcopReject,
        };
        let stored = reason.clone();
        let notice = Some(match to {
            OcopStatus::Verified => notify::Event::OcopVerified,
            _ => notify::Event::OcopRejected,
        });
        self.moderate_product(
            db,
            actor,
            id_or_slug,
            Ruling {
                action,
                reason,
                notice,
            },
            move |p, am| {
                let Some(from) = stored_opt::<OcopStatus>(p.ocop_status.as_deref())? else {
                    return Err(CatalogError::InvalidTransition(
                        "The product claims no OCOP certificate.".into(),
                    ));
                };
                if from == to {
                    return Err(CatalogError::InvalidTransition(format!(
                        "The OCOP claim is already {}.",
                        to.as_str()
                    )));
                }
                am.ocop_status = Set(Some(to.as_str().to_owned()));
                am.ocop_status_reason = Set(stored);
                am.ocop_reviewed_at = Set(Some(Utc::now()));
                Ok((
                    json!({"ocop_status": from.as_str()}),
                    json!({"ocop_status": to.as_str(), "stars": p.ocop_stars}),
                ))
            },
        )
        .await
    }

    /// The audit log, newest first (admins).
    pub async fn audit_log<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        filter: AuditQuery,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        actor.require_admin()?;
        let mut q = audit_log::Entity::find();
        if let Some(t) = filter.subject_type {
            q = q.filter(audit_log::Column::SubjectType.eq(t.as_str()));
        }
        if let Some(id) = filter.subject_id {
            q = q.filter(audit_log::Column::SubjectId.eq(id));
        }
        if let Some(id) = filter.actor_id {
            q = q.filter(audit_log::Column::ActorId.eq(id));
        }
        let q = q
            .order_by_desc(audit_log::Column::CreatedAt)
            .order_by_desc(audit_log::Column::Id);
        Ok(common::page::fetch(db, q, page)
            .await?
            .try_map(AuditEntry::try_from)?)
    }
}

/// What a moderator's act on a product is recorded as: the audit action, the reason, and the
/// event the stall hears of, if any.
struct Ruling {
    action: Action,
    reason: Option<String>,
    notice: Option<notify::Event>,
}
