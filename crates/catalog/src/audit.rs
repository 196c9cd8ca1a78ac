//! The audit log: an append-only record of every moderation act, written in the same
//! transaction as the act itself, so the record and the change stand or fall together.

use chrono::{DateTime, Utc};
use common::{Stored, stored};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::audit_log;

/// The actor of the acts the marketplace does by itself (a job, a provider's answer): no user
/// has this id.
pub const SYSTEM: Uuid = Uuid::nil();

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
    /// A published version of a policy.
    Policy(Uuid),
    /// A report of a listing, or an authority's request (the compliance office).
    Report(Uuid),
    /// A takedown decided on a report.
    Takedown(Uuid),
    /// A user's account (its erasure, which records the id alone).
    User(Uuid),
}

impl Subject {
    fn parts(self) -> (SubjectType, Uuid) {
        match self {
            Subject::Stall(id) => (SubjectType::Stall, id),
            Subject::Product(id) => (SubjectType::Product, id),
            Subject::Category(id) => (SubjectType::Category, id),
            Subject::Checkout(id) => (SubjectType::Checkout, id),
            Subject::CommissionRule(id) => (SubjectType::CommissionRule, id),
            Subject::Payout(id) => (SubjectType::Payout, id),
            Subject::Policy(id) => (SubjectType::Policy, id),
            Subject::Report(id) => (SubjectType::Report, id),
            Subject::Takedown(id) => (SubjectType::Takedown, id),
            Subject::User(id) => (SubjectType::User, id),
        }
    }
}

/// The kinds of thing an audit entry is about, as `subject_type` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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
    /// A version of a policy.
    Policy,
    /// A report of a listing.
    Report,
    /// A takedown.
    Takedown,
    /// A user's account.
    User,
}

impl Stored for SubjectType {
    const WHAT: &'static str = "audit subject type";
    const ALL: &'static [Self] = &[
        SubjectType::Stall,
        SubjectType::Product,
        SubjectType::Category,
        SubjectType::Checkout,
        SubjectType::CommissionRule,
        SubjectType::Payout,
        SubjectType::Policy,
        SubjectType::Report,
        SubjectType::Takedown,
        SubjectType::User,
    ];
    fn as_str(self) -> &'static str {
        match self {
            SubjectType::Stall => "stall",
            SubjectType::Product => "product",
            SubjectType::Category => "category",
            SubjectType::Checkout => "checkout",
            SubjectType::CommissionRule => "commission_rule",
            SubjectType::Payout => "payout",
            SubjectType::Policy => "policy",
            SubjectType::Report => "report",
            SubjectType::Takedown => "takedown",
            SubjectType::User => "user",
        }
    }
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
    /// What it is about: `stall`, `product`, `category`, `checkout`, `commission_rule`,
    /// `payout`, `policy`, `report`, `takedown` or `user`.
    pub subject_type: SubjectType,
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

impl TryFrom<audit_log::Model> for AuditEntry {
    type Error = common::Error;

    /// The entry a row holds; a row whose subject type is unknown is corrupt.
    fn try_from(m: audit_log::Model) -> Result<Self, Self::Error> {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok(Self {
            id: m.id,
            actor_id: m.actor_id,
            action: m.action,
            subject_type: stored(&m.subject_type)?,
            subject_id: m.subject_id,
            reason: m.reason,
            before: parse(m.before),
            after: parse(m.after),
            at: m.created_at,
        })
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
        subject_type: Set(subject_type.as_str().to_owned()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(subject_type: &str) -> audit_log::Model {
        audit_log::Model {
            id: Uuid::now_v7(),
            actor_id: Uuid::now_v7(),
            action: "stall.approve".into(),
            subject_type: subject_type.into(),
            subject_id: Uuid::now_v7(),
            reason: None,
            before: Some(r#"{"status":"pending"}"#.into()),
            after: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn every_subject_type_reads_back_and_shows_as_it_is_stored() {
        for t in SubjectType::ALL {
            let entry = AuditEntry::try_from(row(t.as_str())).unwrap();
            assert_eq!(entry.subject_type, *t);
            let json = serde_json::to_value(&entry).unwrap();
            assert_eq!(json["subject_type"], t.as_str());
            assert_eq!(json["before"]["status"], "pending");
        }
        assert_eq!(
            serde_json::to_value(SubjectType::CommissionRule).unwrap(),
            "commission_rule"
        );
    }

    #[test]
    fn a_row_with_an_unknown_subject_type_is_an_internal_error() {
        for bad in ["", "Stall", "order", "commission-rule"] {
            let e = AuditEntry::try_from(row(bad)).unwrap_err();
            assert_eq!(e.kind, common::ErrorKind::Internal, "{bad:?}");
        }
    }
}
