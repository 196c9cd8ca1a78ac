//! The use cases of business documents: submitting one (the stall's owner), listing a stall's
//! (its owner and administrators), verifying or rejecting one (administrators), and the
//! administrators' queue. Each write is one transaction with its audit entry and the owner's
//! notice; a verification tells the catalogue in the same transaction what the stall now holds.

use std::sync::Arc;

use catalog::{
    Catalog,
    audit::{self, Action, Subject},
    entity::stall,
    service::find_stall,
    stall::Standing,
};
use chrono::{DateTime, NaiveDate, Utc};
use common::{Actor, Error, Page, PageRequest, Stored, calendar, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    DocumentStatus, NewDocument, StallDocument, entity as document,
    rules::{self, Checked, DocumentRules, Held},
};
use crate::ComplianceError;

/// Result of the document use cases.
type Result<T> = std::result::Result<T, ComplianceError>;

/// Business documents of stalls and their check.
#[derive(Clone, Debug)]
pub struct Documents {
    catalog: Catalog,
    rules: Arc<DocumentRules>,
}

/// An administrator's decision on a submitted document.
struct Decision {
    to: DocumentStatus,
    reason: Option<String>,
    by: Uuid,
    at: DateTime<Utc>,
}

impl Documents {
    /// Documents of the kinds of `rules`, telling `catalog` what each stall holds.
    pub fn new(catalog: Catalog, rules: DocumentRules) -> Self {
        Self {
            catalog,
            rules: Arc::new(rules),
        }
    }

    /// The kinds and requirements.
    pub fn rules(&self) -> &DocumentRules {
        &self.rules
    }

    /// The catalogue it tells.
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Submits a document of stall `stall` (its owner only), checked field by field. It waits
    /// for an administrator and supersedes the document of its kind still waiting; one of its
    /// kind verified stays in force until this one is verified.
    pub async fn submit<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        input: NewDocument,
        now: DateTime<Utc>,
    ) -> Result<StallDocument> {
        let stall = self.owned(db, actor, stall, true).await?;
        let checked = rules::check(&self.rules, &input, calendar::day_of(now))?;
        self.catalog
            .check_photos(stall.id, "media_ids", &checked.media_ids)
            .await?;
        let owner = actor.require_user()?;
        let row = store_submission(db, owner, stall.id, checked, now).await?;
        tracing::info!(stall = %stall.id, kind = %row.kind, "business document submitted");
        self.view(row, calendar::day_of(now))
    }

    /// The documents of stall `stall`, newest first, superseded ones included (its owner and
    /// administrators).
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        page: PageRequest,
        today: NaiveDate,
    ) -> Result<Page<StallDocument>> {
        let stall = self.owned(db, actor, stall, false).await?;
        let q = document::Entity::find()
            .filter(document::Column::StallId.eq(stall.id))
            .order_by_desc(document::Column::CreatedAt)
            .order_by_desc(document::Column::Id);
        common::page::fetch(db, q, page)
            .await?
            .try_map(|r| self.view(r, today))
    }

    /// Verifies the submitted document `id` (administrators): it supersedes the verified one
    /// of its kind, and the stall's products that need it may show.
    pub async fn verify<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<StallDocument> {
        let by = actor.require_admin()?;
        let decision = Decision {
            to: DocumentStatus::Verified,
            reason: None,
            by,
            at: now,
        };
        self.decide(db, id, decision).await
    }

    /// Rejects the submitted document `id` with a reason its owner reads (administrators).
    pub async fn reject<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<StallDocument> {
        let (by, reason) = crate::access::reasoned(actor, reason)?;
        let decision = Decision {
            to: DocumentStatus::Rejected,
            reason: Some(reason),
            by,
            at: now,
        };
        self.decide(db, id, decision).await
    }

    /// Documents in `status`, oldest submission first: the administrators' queue.
    pub async fn queue<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: DocumentStatus,
        page: PageRequest,
        today: NaiveDate,
    ) -> Result<Page<StallDocument>> {
        actor.require_admin()?;
        let q = document::Entity::find()
            .filter(document::Column::Status.eq(status.as_str()))
            .order_by_asc(document::Column::CreatedAt)
            .order_by_asc(document::Column::Id);
        common::page::fetch(db, q, page)
            .await?
            .try_map(|r| self.view(r, today))
    }

    /// Tells the catalogue what stall `stall_id` holds now, in `txn`; how many of its
    /// products changed.
    pub(crate) async fn tell_catalog<C: ConnectionTrait>(
        &self,
        txn: &C,
        stall_id: Uuid,
        today: NaiveDate,
    ) -> Result<u64> {
        let rows = document::Entity::find()
            .filter(document::Column::StallId.eq(stall_id))
            .filter(document::Column::Status.eq(DocumentStatus::Verified.as_str()))
            .all(txn)
            .await?;
        let held: Vec<Held<'_>> = rows
            .iter()
            .map(|r| Held {
                kind: &r.kind,
                verified: true,
                expires_on: r.expires_on,
            })
            .collect();
        Ok(self
            .catalog
            .set_documents_held(txn, stall_id, &rules::held(&held), today)
            .await?)
    }

    /// The stall `id_or_slug`, whose owner the caller must be (`write`), or its owner or an
    /// administrator (reading). Staff and other users of a public stall are refused; a private
    /// stall is "not found" to those who may not see it.
    async fn owned<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        write: bool,
    ) -> Result<stall::Model> {
        let why = if write {
            "Only the stall's owner submits its business documents."
        } else {
            "Only the stall's owner and administrators read its business documents."
        };
        let (stall, standing) = self.catalog.standing(db, actor, id_or_slug).await?;
        let may = match crate::access::insider(&stall, standing, why)? {
            Standing::Owner => true,
            Standing::Staff => false,
            Standing::Admin => !write,
        };
        if !may {
            return Err(Error::forbidden(why).into());
        }
        Ok(stall)
    }

    /// Records `d` on document `id` if it is still submitted, in one transaction with the
    /// catalogue's facts, the audit entry and the owner's notice.
    async fn decide<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        id: Uuid,
        d: Decision,
    ) -> Result<StallDocument> {
        let row = document::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(ComplianceError::NotFound("Document"))?;
        let status: DocumentStatus = stored(&row.status)?;
        if status != DocumentStatus::Submitted {
            return Err(not_submitted(status));
        }
        let stall = find_stall(db, &row.stall_id.to_string())
            .await?
            .ok_or_else(|| Error::not_found("Stall"))?;
        let today = calendar::day_of(d.at);
        let txn = common::begin_write(db).await?;
        let changed = document::Entity::update_many()
            .col_expr(document::Column::Status, Expr::value(d.to.as_str()))
            .col_expr(
                document::Column::RejectionReason,
                Expr::value(d.reason.clone()),
            )
            .col_expr(document::Column::ReviewedBy, Expr::value(Some(d.by)))
            .col_expr(document::Column::ReviewedAt, Expr::value(Some(d.at)))
            .col_expr(document::Column::UpdatedAt, Expr::value(d.at))
            .filter(document::Column::Id.eq(id))
            .filter(document::Column::Status.eq(DocumentStatus::Submitted.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed == 0 {
            txn.rollback().await?;
            return Err(Error::conflict(
                "invalid_transition",
                "The document changed while it was being decided; read it again.",
            )
            .into());
        }
        let verified = d.to == DocumentStatus::Verified;
        if verified {
            supersede(&txn, &row, DocumentStatus::Verified, d.at).await?;
            self.tell_catalog(&txn, row.stall_id, today).await?;
        }
        let action = if verified {
            Action::DocumentVerify
        } else {
            Action::DocumentReject
        };
        audit::record(
            &txn,
            d.by,
            action,
            Subject::Stall(row.stall_id),
            d.reason.as_deref(),
            Some(json!({"document": id, "kind": row.kind, "status": status.as_str()})),
            Some(json!({"document": id, "kind": row.kind, "status": d.to.as_str()})),
        )
        .await?;
        self.tell_owner(&txn, &stall, &row, &d).await?;
        let decided = document::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(ComplianceError::NotFound("Document"))?;
        txn.commit().await?;
        tracing::info!(stall = %row.stall_id, kind = %row.kind, status = d.to.as_str(), "business document decided");
        self.view(decided, today)
    }

    /// Tells the stall's owner of decision `d` on `row`, in `txn`.
    async fn tell_owner<C: ConnectionTrait>(
        &self,
        txn: &C,
        stall: &stall::Model,
        row: &document::Model,
        d: &Decision,
    ) -> Result<()> {
        let facts = notify::Facts::new()
            .text("stall", stall.name.clone())
            .text("document", self.kind_name(&row.kind))
            .text("number", row.number.clone());
        let (event, facts) = match &d.reason {
            Some(reason) if d.to == DocumentStatus::Rejected => (
                notify::Event::DocumentRejected,
                facts.text("reason", reason.clone()),
            ),
            _ => (notify::Event::DocumentVerified, facts),
        };
        self.catalog
            .tell_owner(txn, stall.id, stall.owner_id, event, &facts)
            .await?;
        Ok(())
    }

    /// The Vietnamese name of kind `key` (the key itself for a kind no longer in the rules).
    pub(crate) fn kind_name(&self, key: &str) -> String {
        self.rules
            .kind(key)
            .map_or_else(|| key.to_owned(), |k| k.name.clone())
    }

    /// The stored row as its reader sees it on `today`.
    fn view(&self, row: document::Model, today: NaiveDate) -> Result<StallDocument> {
        let status: DocumentStatus = stored(&row.status)?;
        Ok(StallDocument {
            id: row.id,
            stall_id: row.stall_id,
            kind_name: self.kind_name(&row.kind),
            kind: row.kind,
            number: row.number,
            issued_by: row.issued_by,
            issued_on: row.issued_on,
            expires_on: row.expires_on,
            evidence_urls: crate::links::stored_list(&row.evidence_urls)?,
            media_ids: crate::links::stored_list(&row.evidence_media_ids)?,
            status,
            valid: status == DocumentStatus::Verified
                && row.expires_on.is_none_or(|last| today <= last),
            rejection_reason: row.rejection_reason,
            submitted_at: row.created_at,
            reviewed_at: row.reviewed_at,
        })
    }
}

/// Stores `checked` as a new submitted document of `stall_id`, superseding the one of its kind
/// still waiting, with its audit entry.
async fn store_submission<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: Uuid,
    stall_id: Uuid,
    checked: Checked,
    now: DateTime<Utc>,
) -> Result<document::Model> {
    let txn = common::begin_write(db).await?;
    let row = document::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall_id),
        kind: Set(checked.kind),
        number: Set(checked.number),
        issued_by: Set(checked.issued_by),
        issued_on: Set(checked.issued_on),
        expires_on: Set(checked.expires_on),
        evidence_urls: Set(json!(checked.evidence_urls).to_string()),
        evidence_media_ids: Set(json!(checked.media_ids).to_string()),
        status: Set(DocumentStatus::Submitted.as_str().to_owned()),
        rejection_reason: Set(None),
        submitted_by: Set(owner),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        expiry_notice: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let superseded = supersede(&txn, &row, DocumentStatus::Submitted, now).await?;
    audit::record(
        &txn,
        owner,
        Action::DocumentSubmit,
        Subject::Stall(stall_id),
        None,
        None,
        Some(json!({"document": row.id, "kind": row.kind, "status": row.status, "superseded": superseded})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Marks the other documents of `row`'s stall and kind in status `from` superseded; how many.
async fn supersede<C: ConnectionTrait>(
    txn: &C,
    row: &document::Model,
    from: DocumentStatus,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(document::Entity::update_many()
        .col_expr(
            document::Column::Status,
            Expr::value(DocumentStatus::Superseded.as_str()),
        )
        .col_expr(document::Column::UpdatedAt, Expr::value(now))
        .filter(document::Column::StallId.eq(row.stall_id))
        .filter(document::Column::Kind.eq(&row.kind))
        .filter(document::Column::Status.eq(from.as_str()))
        .filter(document::Column::Id.ne(row.id))
        .exec(txn)
        .await?
        .rows_affected)
}

/// 409 for a decision on a document that is not waiting for one.
fn not_submitted(status: DocumentStatus) -> ComplianceError {
    Error::conflict(
        "invalid_transition",
        format!(
            "The document is {}; only a submitted one is verified or rejected.",
            status.as_str()
        ),
    )
    .into()
}
