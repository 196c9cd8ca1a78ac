//! The audit log: an append-only record of every moderation act, written in the same
//! transaction as the act itself, so the record and the change stand or fall together.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::audit_log;

/// What an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A stall.
    Stall(Uuid),
    /// A product.
    Product(Uuid),
    /// A category.
    Category(Uuid),
    /// A checkout (payments decided by hand).
    Checkout(Uuid),
    /// A commission rule that names neither a stall nor a category (the default rate).
    CommissionRule(Uuid),
    /// A payout to a stall.
    Payout(Uuid),
}

impl Subject {
    fn parts(self) -> (&'static str, Uuid) {
        match self {
            Subject::Stall(id) => ("stall", id),
            Subject::Product(id) => ("product", id),
            Subject::Category(id) => ("category", id),
            Subject::Checkout(id) => ("checkout", id),
            Subject::CommissionRule(id) => ("commission_rule", id),
            Subject::Payout(id) => ("payout", id),
        }
    }
}

/// The kinds of thing an audit entry is about, as `subject_type` names them.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "snake_case"))]
#[allow(dead_code, reason = "documents the values the text field takes")]
pub enum SubjectType {
    /// A stall.
    Stall,
    /// A product.
    Product,
    /// A category.
    Category,
    /// A checkout.
    Checkout,
    /// A commission rule.
    CommissionRule,
    /// A payout.
    Payout,
}

/// One audit entry.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Id.
    pub id: Uuid,
    /// Who acted.
    pub actor_id: Uuid,
    /// What was done, e.g. `stall.approve`.
    pub action: String,
    /// What it is about: `stall`, `product`, `category`, `checkout`, `commission_rule` or
    /// `payout`.
    #[cfg_attr(feature = "openapi", schema(value_type = SubjectType))]
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: Uuid,
    /// The reason given.
    pub reason: Option<String>,
    /// State before, where useful.
    pub before: Option<serde_json::Value>,
    /// State after, where useful.
    pub after: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(m: audit_log::Model) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Self {
            id: m.id,
            actor_id: m.actor_id,
            action: m.action,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            reason: m.reason,
            before: parse(m.before),
            after: parse(m.after),
            at: m.created_at,
        }
    }
}

/// Appends an entry.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor_id: Uuid,
    action: &str,
    subject: Subject,
    reason: Option<&str>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), sea_orm::DbErr> {
    let (subject_type, subject_id) = subject.parts();
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor_id),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        reason: Set(reason.map(str::to_owned)),
        before: Set(before.map(|v| v.to_string())),
        after: Set(after.map(|v| v.to_string())),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map(|_| ())
}
