//! The use cases of seller identity: submitting it (the stall's owner), reading it (the owner
//! and administrators), verifying or rejecting it (administrators, or the verifier), and the
//! administrators' queue. Each write is one transaction with its audit entry and the owner's
//! notice; the verifier is asked after the submission commits, and its answer counts only if
//! that submission is still the pending one.

use std::sync::Arc;

use catalog::{
    Catalog,
    audit::{self, Action, Subject},
    entity::stall,
    service::find_stall,
    stall::{BusinessType, Standing},
};
use chrono::{DateTime, Utc};
use common::{Actor, Error, Page, PageRequest, Stored, calendar, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    IdentityStatus, NewIdentity, SellerIdentity,
    entity::seller_identity as identity,
    rules::{self, Checked},
    verifier::{IdentityVerifier, ManualVerifier, Submission, Verdict},
};
use crate::ComplianceError;

/// Result of the identity use cases.
type Result<T> = std::result::Result<T, ComplianceError>;

/// Seller identities and their check.
#[derive(Clone)]
pub struct Identities {
    catalog: Catalog,
    verifier: Arc<dyn IdentityVerifier>,
}

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identities")
            .field("verifier", &self.verifier.name())
            .finish_non_exhaustive()
    }
}

/// A decision on a pending identity.
struct Decision {
    to: IdentityStatus,
    reason: Option<String>,
    /// The administrator; `None` when the verifier answered.
    by: Option<Uuid>,
    at: DateTime<Utc>,
}

impl Identities {
    /// Identities telling `catalog` who is verified, every one checked by an administrator
    /// ([`ManualVerifier`]).
    pub fn new(catalog: Catalog) -> Self {
        Self {
            catalog,
            verifier: Arc::new(ManualVerifier),
        }
    }

    /// The same, asking `verifier` first.
    pub fn with_verifier(mut self, verifier: Arc<dyn IdentityVerifier>) -> Self {
        self.verifier = verifier;
        self
    }

    /// Submits the seller's identity of stall `stall` (its owner only): checked field by
    /// field, it replaces a pending or rejected one and waits for the check, which the
    /// verifier may give at once. A verified identity is not replaced (409 `already_verified`).
    pub async fn submit<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        input: NewIdentity,
        now: DateTime<Utc>,
    ) -> Result<SellerIdentity> {
        let (stall, standing) = self.access(db, actor, stall).await?;
        if standing != Standing::Owner {
            return Err(
                Error::forbidden("Only the stall's owner submits its seller's identity.").into(),
            );
        }
        let business: BusinessType = stored(&stall.business_type)?;
        let checked = rules::check(&input, business, calendar::day_of(now))?;
        // The pictures of the documents, uploaded to the stall by its owner.
        self.catalog
            .check_photos(stall.id, "document_media_ids", &checked.document_media_ids)
            .await?;
        let owner = actor.require_user()?;
        let row = store_submission(db, owner, stall.id, checked, now).await?;
        tracing::info!(stall = %stall.id, method = %row.method, "seller identity submitted");
        let row = self.ask_verifier(db, &stall, row, now).await?;
        view(row, true)
    }

    /// The seller's identity of stall `stall`, whole: its owner and administrators only.
    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<SellerIdentity> {
        let (stall, standing) = self.access(db, actor, stall).await?;
        if standing == Standing::Staff {
            return Err(Error::forbidden(
                "Only the stall's owner and administrators see its seller's identity.",
            )
            .into());
        }
        view(identity_of(db, stall.id).await?, true)
    }

    /// Verifies the pending identity of stall `stall` (administrators): the stall may now be
    /// approved, and one suspended for lacking it sells again.
    pub async fn verify<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        now: DateTime<Utc>,
    ) -> Result<SellerIdentity> {
        let admin = actor.require_admin()?;
        let decision = Decision {
            to: IdentityStatus::Verified,
            reason: None,
            by: Some(admin),
            at: now,
        };
        self.rule(db, stall, decision).await
    }

    /// Rejects the pending identity of stall `stall` with a reason its owner reads
    /// (administrators); the owner may submit again.
    pub async fn reject<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<SellerIdentity> {
        let (admin, reason) = crate::access::reasoned(actor, reason)?;
        let decision = Decision {
            to: IdentityStatus::Rejected,
            reason: Some(reason),
            by: Some(admin),
            at: now,
        };
        self.rule(db, stall, decision).await
    }

    /// Identities in `status`, oldest submission first, their numbers masked: the
    /// administrators' queue.
    pub async fn queue<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: IdentityStatus,
        page: PageRequest,
    ) -> Result<Page<SellerIdentity>> {
        actor.require_admin()?;
        let q = identity::Entity::find()
            .filter(identity::Column::Status.eq(status.as_str()))
            .order_by_asc(identity::Column::SubmittedAt)
            .order_by_asc(identity::Column::StallId);
        common::page::fetch(db, q, page)
            .await?
            .try_map(|r| view(r, false))
    }

    /// The stall `id_or_slug` and how the caller stands to it: its members and
    /// administrators; another user is told a private stall does not exist, and may not
    /// see a public one's.
    async fn access<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<(stall::Model, Standing)> {
        let (stall, standing) = self.catalog.standing(db, actor, id_or_slug).await?;
        let standing = crate::access::insider(
            &stall,
            standing,
            "Only the stall's owner and administrators deal with its seller's identity.",
        )?;
        Ok((stall, standing))
    }

    /// An administrator's decision on the pending identity of `stall`.
    async fn rule<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        stall: &str,
        decision: Decision,
    ) -> Result<SellerIdentity> {
        let stall = find_stall(db, stall)
            .await?
            .ok_or_else(|| Error::not_found("Stall"))?;
        let row = identity_of(db, stall.id).await?;
        let status: IdentityStatus = stored(&row.status)?;
        if status != IdentityStatus::Pending {
            return Err(not_pending(status));
        }
        match self.decide(db, &stall, row.submission_id, decision).await? {
            Some(row) => view(row, true),
            // Decided or resubmitted between the read and the write.
            None => Err(Error::conflict(
                "invalid_transition",
                "The seller's identity changed while it was being decided; read it again.",
            )
            .into()),
        }
    }

    /// Asks the verifier about the submission `row` and applies its answer; the row as it
    /// is afterwards. A verifier that fails leaves the identity to an administrator.
    async fn ask_verifier<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        stall: &stall::Model,
        row: identity::Model,
        now: DateTime<Utc>,
    ) -> Result<identity::Model> {
        let submission = submission(&row)?;
        let (to, reason) = match self.verifier.check(&submission).await {
            Ok(Verdict::NeedsPerson) => return Ok(row),
            Ok(Verdict::Verified) => (IdentityStatus::Verified, None),
            Ok(Verdict::Rejected(why)) => {
                let why: String = why.trim().chars().take(1000).collect();
                (IdentityStatus::Rejected, Some(why))
            }
            Err(e) => {
                tracing::warn!(
                    verifier = self.verifier.name(), stall = %stall.id, error = %e,
                    "the identity check failed; an administrator will decide"
                );
                return Ok(row);
            }
        };
        let decision = Decision {
            to,
            reason,
            by: None,
            at: now,
        };
        match self.decide(db, stall, row.submission_id, decision).await? {
            Some(decided) => Ok(decided),
            None => Ok(identity_of(db, stall.id).await?),
        }
    }

    /// Records `d` on the submission `submission_id` of `stall` if it is still pending, in
    /// one transaction with the catalogue's fact, the audit entry and the owner's notice;
    /// `None` if it is no longer the pending one.
    async fn decide<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        stall: &stall::Model,
        submission_id: Uuid,
        d: Decision,
    ) -> Result<Option<identity::Model>> {
        let txn = common::begin_write(db).await?;
        let changed = identity::Entity::update_many()
            .col_expr(identity::Column::Status, Expr::value(d.to.as_str()))
            .col_expr(identity::Column::Reason, Expr::value(d.reason.clone()))
            .col_expr(identity::Column::ReviewedBy, Expr::value(d.by))
            .col_expr(identity::Column::ReviewedAt, Expr::value(Some(d.at)))
            .filter(identity::Column::StallId.eq(stall.id))
            .filter(identity::Column::SubmissionId.eq(submission_id))
            .filter(identity::Column::Status.eq(IdentityStatus::Pending.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed == 0 {
            txn.rollback().await?;
            return Ok(None);
        }
        let actor = d.by.unwrap_or(audit::SYSTEM);
        let verified = d.to == IdentityStatus::Verified;
        if verified {
            self.catalog
                .set_seller_verified(&txn, actor, stall.id, true)
                .await?;
        }
        let action = if verified {
            Action::IdentityVerify
        } else {
            Action::IdentityReject
        };
        audit::record(
            &txn,
            actor,
            action,
            Subject::Stall(stall.id),
            d.reason.as_deref(),
            Some(json!({"status": IdentityStatus::Pending.as_str()})),
            Some(json!({"status": d.to.as_str()})),
        )
        .await?;
        let (event, facts) = if verified {
            (notify::Event::IdentityVerified, notify::Facts::new())
        } else {
            let reason = d.reason.clone().unwrap_or_default();
            (
                notify::Event::IdentityRejected,
                notify::Facts::new().text("reason", reason),
            )
        };
        let facts = facts.text("stall", stall.name.clone());
        self.catalog
            .tell_owner(&txn, stall.id, stall.owner_id, event, &facts)
            .await?;
        let row = identity_of(&txn, stall.id).await?;
        txn.commit().await?;
        tracing::info!(stall = %stall.id, status = d.to.as_str(), "seller identity decided");
        Ok(Some(row))
    }
}

/// Stores `checked` as the pending identity of `stall_id`, replacing a pending or rejected
/// one, with its audit entry; a verified one stays (409 `already_verified`).
async fn store_submission<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: Uuid,
    stall_id: Uuid,
    checked: Checked,
    now: DateTime<Utc>,
) -> Result<identity::Model> {
    let txn = common::begin_write(db).await?;
    let existing = identity::Entity::find_by_id(stall_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let before = match &existing {
        Some(row) => match stored::<IdentityStatus>(&row.status)? {
            IdentityStatus::Verified => {
                return Err(Error::conflict(
                    "already_verified",
                    "The seller's identity is verified already; it cannot be replaced.",
                )
                .into());
            }
            s => json!({"status": s.as_str()}),
        },
        None => json!({"status": null}),
    };
    let fields = identity::ActiveModel {
        stall_id: Set(stall_id),
        submission_id: Set(Uuid::now_v7()),
        method: Set(checked.method.as_str().to_owned()),
        full_name: Set(checked.full_name),
        id_number: Set(checked.id_number),
        date_of_birth: Set(checked.date_of_birth),
        document_urls: Set(json!(checked.document_urls).to_string()),
        document_media_ids: Set(json!(checked.document_media_ids).to_string()),
        status: Set(IdentityStatus::Pending.as_str().to_owned()),
        reason: Set(None),
        submitted_by: Set(owner),
        submitted_at: Set(now),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
    };
    let row = match existing {
        Some(_) => fields.update(&txn).await?,
        None => match fields.insert(&txn).await {
            Ok(row) => row,
            Err(e) if common::db::is_unique_violation(&e) => {
                return Err(Error::conflict(
                    "invalid_transition",
                    "The seller's identity was submitted a moment ago; read it and try again.",
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        },
    };
    audit::record(
        &txn,
        owner,
        Action::IdentitySubmit,
        Subject::Stall(stall_id),
        None,
        Some(before),
        Some(json!({"status": IdentityStatus::Pending.as_str(), "method": row.method})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The identity of `stall_id`, whatever its status; 404 if none was submitted.
async fn identity_of<C: ConnectionTrait>(db: &C, stall_id: Uuid) -> Result<identity::Model> {
    identity::Entity::find_by_id(stall_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("Seller identity").into())
}

/// 409 for a decision on an identity that is not pending.
fn not_pending(status: IdentityStatus) -> ComplianceError {
    Error::conflict(
        "invalid_transition",
        format!(
            "The seller's identity is {}; only a pending one is verified or rejected.",
            status.as_str()
        ),
    )
    .into()
}

/// The stored row as the verifier receives it.
fn submission(row: &identity::Model) -> Result<Submission> {
    Ok(Submission {
        stall_id: row.stall_id,
        submission_id: row.submission_id,
        identity: Checked {
            method: stored(&row.method)?,
            full_name: row.full_name.clone(),
            id_number: row.id_number.clone(),
            date_of_birth: row.date_of_birth,
            document_urls: crate::links::stored_list(&row.document_urls)?,
            document_media_ids: crate::links::stored_list(&row.document_media_ids)?,
        },
    })
}

/// The stored row as its reader sees it: the number whole, or masked.
fn view(row: identity::Model, whole: bool) -> Result<SellerIdentity> {
    let id_number = if whole {
        row.id_number
    } else {
        rules::mask(&row.id_number)
    };
    Ok(SellerIdentity {
        stall_id: row.stall_id,
        method: stored(&row.method)?,
        full_name: row.full_name,
        id_number,
        date_of_birth: row.date_of_birth,
        document_urls: crate::links::stored_list(&row.document_urls)?,
        document_media_ids: crate::links::stored_list(&row.document_media_ids)?,
        status: stored(&row.status)?,
        reason: row.reason,
        submitted_at: row.submitted_at,
        reviewed_at: row.reviewed_at,
    })
}
