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
    /// A buyer's review of a product (the reviews crate).
    Review(Uuid),
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
            Subject::Review(id) => (SubjectType::Review, id),
        }
    }
}

/// The kinds of thing an audit entry is about, as `subject_type` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// A review.
    Review,
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
        SubjectType::Review,
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
            SubjectType::Review => "review",
        }
    }
}

/// What an entry records as done, stored (and served) as `action`, e.g. `stall.approve`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AuditAction))]
pub enum Action {
    /// An administrator accepted a pending stall.
    #[serde(rename = "stall.approve")]
    StallApprove,
    /// An administrator refused a pending stall.
    #[serde(rename = "stall.reject")]
    StallReject,
    /// An administrator took an approved stall down.
    #[serde(rename = "stall.suspend")]
    StallSuspend,
    /// An administrator put a suspended stall back.
    #[serde(rename = "stall.reinstate")]
    StallReinstate,
    /// A member edited a rejected stall, asking for another review.
    #[serde(rename = "stall.resubmit")]
    StallResubmit,
    /// A member set the stall's bank account for payouts.
    #[serde(rename = "stall.bank_account")]
    StallBankAccount,
    /// An administrator hid a product.
    #[serde(rename = "product.hide")]
    ProductHide,
    /// An administrator showed a hidden product again.
    #[serde(rename = "product.unhide")]
    ProductUnhide,
    /// A product was taken down on a report.
    #[serde(rename = "product.take_down")]
    ProductTakeDown,
    /// A taken-down product was put back.
    #[serde(rename = "product.restore")]
    ProductRestore,
    /// An administrator verified a product's OCOP claim.
    #[serde(rename = "ocop.verify")]
    OcopVerify,
    /// An administrator rejected a product's OCOP claim.
    #[serde(rename = "ocop.reject")]
    OcopReject,
    /// An administrator created a category.
    #[serde(rename = "category.create")]
    CategoryCreate,
    /// An administrator changed a category.
    #[serde(rename = "category.update")]
    CategoryUpdate,
    /// An administrator deleted an empty category.
    #[serde(rename = "category.delete")]
    CategoryDelete,
    /// A stall's owner submitted the seller's identity.
    #[serde(rename = "identity.submit")]
    IdentitySubmit,
    /// A seller's identity was verified (by an administrator or the provider).
    #[serde(rename = "identity.verify")]
    IdentityVerify,
    /// A seller's identity was rejected (by an administrator or the provider).
    #[serde(rename = "identity.reject")]
    IdentityReject,
    /// A stall's owner submitted a document.
    #[serde(rename = "document.submit")]
    DocumentSubmit,
    /// An administrator verified a stall's document.
    #[serde(rename = "document.verify")]
    DocumentVerify,
    /// An administrator rejected a stall's document.
    #[serde(rename = "document.reject")]
    DocumentReject,
    /// An administrator published a new version of a policy.
    #[serde(rename = "policy.publish")]
    PolicyPublish,
    /// An administrator recorded an authority's request as a report.
    #[serde(rename = "report.record_authority_request")]
    ReportRecordAuthorityRequest,
    /// An administrator closed a report by taking the listing down.
    #[serde(rename = "report.take_down")]
    ReportTakeDown,
    /// An administrator closed a report with nothing to take down.
    #[serde(rename = "report.dismiss")]
    ReportDismiss,
    /// A member of the stall asked for a takedown to be reviewed.
    #[serde(rename = "takedown.request_review")]
    TakedownRequestReview,
    /// An administrator refused a review: the takedown stays.
    #[serde(rename = "takedown.uphold")]
    TakedownUphold,
    /// An administrator lifted a takedown: the listing is back.
    #[serde(rename = "takedown.lift")]
    TakedownLift,
    /// A user erased their account.
    #[serde(rename = "account.erase")]
    AccountErase,
    /// An administrator adjusted a stall's balance by hand.
    #[serde(rename = "ledger.adjustment")]
    LedgerAdjustment,
    /// An administrator created a commission rule.
    #[serde(rename = "commission_rule.create")]
    CommissionRuleCreate,
    /// An administrator changed a commission rule.
    #[serde(rename = "commission_rule.update")]
    CommissionRuleUpdate,
    /// An administrator recorded a payout as paid.
    #[serde(rename = "payout.paid")]
    PayoutPaid,
    /// An administrator recorded a payout returned by the bank.
    #[serde(rename = "payout.returned")]
    PayoutReturned,
    /// An administrator settled a refund by hand.
    #[serde(rename = "refund.settle")]
    RefundSettle,
    /// An administrator assigned a bank transfer to a checkout.
    #[serde(rename = "bank_transfer.assign")]
    BankTransferAssign,
    /// An administrator recorded what a transfer owed back as paid back.
    #[serde(rename = "bank_transfer.repaid")]
    BankTransferRepaid,
    /// An administrator confirmed a checkout as paid by hand.
    #[serde(rename = "checkout.confirm_paid")]
    CheckoutConfirmPaid,
    /// A buyer gave (or changed) the bank account an order's refund paid by hand goes to.
    #[serde(rename = "refund.account")]
    RefundAccount,
    /// An administrator hid a review, with why.
    #[serde(rename = "review.hide")]
    ReviewHide,
    /// An administrator showed a hidden review again.
    #[serde(rename = "review.unhide")]
    ReviewUnhide,
}

impl Stored for Action {
    const WHAT: &'static str = "audit action";
    const ALL: &'static [Self] = &[
        Action::StallApprove,
        Action::StallReject,
        Action::StallSuspend,
        Action::StallReinstate,
        Action::StallResubmit,
        Action::StallBankAccount,
        Action::ProductHide,
        Action::ProductUnhide,
        Action::ProductTakeDown,
        Action::ProductRestore,
        Action::OcopVerify,
        Action::OcopReject,
        Action::CategoryCreate,
        Action::CategoryUpdate,
        Action::CategoryDelete,
        Action::IdentitySubmit,
        Action::IdentityVerify,
        Action::IdentityReject,
        Action::DocumentSubmit,
        Action::DocumentVerify,
        Action::DocumentReject,
        Action::PolicyPublish,
        Action::ReportRecordAuthorityRequest,
        Action::ReportTakeDown,
        Action::ReportDismiss,
        Action::TakedownRequestReview,
        Action::TakedownUphold,
        Action::TakedownLift,
        Action::AccountErase,
        Action::LedgerAdjustment,
        Action::CommissionRuleCreate,
        Action::CommissionRuleUpdate,
        Action::PayoutPaid,
        Action::PayoutReturned,
        Action::RefundSettle,
        Action::BankTransferAssign,
        Action::BankTransferRepaid,
        Action::CheckoutConfirmPaid,
        Action::RefundAccount,
        Action::ReviewHide,
        Action::ReviewUnhide,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Action::StallApprove => "stall.approve",
            Action::StallReject => "stall.reject",
            Action::StallSuspend => "stall.suspend",
            Action::StallReinstate => "stall.reinstate",
            Action::StallResubmit => "stall.resubmit",
            Action::StallBankAccount => "stall.bank_account",
            Action::ProductHide => "product.hide",
            Action::ProductUnhide => "product.unhide",
            Action::ProductTakeDown => "product.take_down",
            Action::ProductRestore => "product.restore",
            Action::OcopVerify => "ocop.verify",
            Action::OcopReject => "ocop.reject",
            Action::CategoryCreate => "category.create",
            Action::CategoryUpdate => "category.update",
            Action::CategoryDelete => "category.delete",
            Action::IdentitySubmit => "identity.submit",
            Action::IdentityVerify => "identity.verify",
            Action::IdentityReject => "identity.reject",
            Action::DocumentSubmit => "document.submit",
            Action::DocumentVerify => "document.verify",
            Action::DocumentReject => "document.reject",
            Action::PolicyPublish => "policy.publish",
            Action::ReportRecordAuthorityRequest => "report.record_authority_request",
            Action::ReportTakeDown => "report.take_down",
            Action::ReportDismiss => "report.dismiss",
            Action::TakedownRequestReview => "takedown.request_review",
            Action::TakedownUphold => "takedown.uphold",
            Action::TakedownLift => "takedown.lift",
            Action::AccountErase => "account.erase",
            Action::LedgerAdjustment => "ledger.adjustment",
            Action::CommissionRuleCreate => "commission_rule.create",
            Action::CommissionRuleUpdate => "commission_rule.update",
            Action::PayoutPaid => "payout.paid",
            Action::PayoutReturned => "payout.returned",
            Action::RefundSettle => "refund.settle",
            Action::RefundAccount => "refund.account",
            Action::BankTransferAssign => "bank_transfer.assign",
            Action::BankTransferRepaid => "bank_transfer.repaid",
            Action::CheckoutConfirmPaid => "checkout.confirm_paid",
            Action::ReviewHide => "review.hide",
            Action::ReviewUnhide => "review.unhide",
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
    pub action: Action,
    /// What it is about: `stall`, `product`, `category`, `checkout`, `commission_rule`,
    /// `payout`, `policy`, `report`, `takedown`, `user` or `review`.
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

    /// The entry a row holds; a row whose action or subject type is unknown is corrupt.
    fn try_from(m: audit_log::Model) -> Result<Self, Self::Error> {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok(Self {
            id: m.id,
            actor_id: m.actor_id,
            action: stored(&m.action)?,
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
    action: Action,
    subject: Subject,
    reason: Option<&str>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), sea_orm::DbErr> {
    let (subject_type, subject_id) = subject.parts();
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor_id),
        action: Set(action.as_str().to_owned()),
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
        acted(Action::StallApprove.as_str(), subject_type)
    }

    fn acted(action: &str, subject_type: &str) -> audit_log::Model {
        audit_log::Model {
            id: Uuid::now_v7(),
            actor_id: Uuid::now_v7(),
            action: action.into(),
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

    #[test]
    fn every_action_reads_back_and_shows_as_it_is_stored() {
        let mut names = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(names.insert(a.as_str()), "{a:?} shares its name");
            let entry = AuditEntry::try_from(acted(a.as_str(), "stall")).unwrap();
            assert_eq!(entry.action, *a);
            let json = serde_json::to_value(&entry).unwrap();
            assert_eq!(json["action"], a.as_str());
        }
        assert_eq!(
            serde_json::to_value(Action::BankTransferAssign).unwrap(),
            "bank_transfer.assign"
        );
    }

    #[test]
    fn a_row_with_an_unknown_action_is_an_internal_error_naming_it() {
        for bad in [
            "",
            "stall",
            "Stall.Approve",
            "stall.approve ",
            "stall.delete",
        ] {
            let e = AuditEntry::try_from(acted(bad, "stall")).unwrap_err();
            assert_eq!(e.kind, common::ErrorKind::Internal, "{bad:?}");
        }
        let corrupt = common::stored::read::<Action>("stall.delete").unwrap_err();
        assert_eq!(corrupt.what, "audit action");
        assert_eq!(corrupt.value, "stall.delete");
    }
}
