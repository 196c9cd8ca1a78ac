//! Bank transfers: the notifications a bank-notification service sends for each credit to the
//! marketplace's account, verified (HMAC-SHA256 of the raw body, any of several secrets during
//! a rotation), kept once per transaction id however often and however concurrently they
//! arrive, and matched to a checkout by the reference in the description. Exact: the checkout
//! is paid and its orders placed (as the system, through the state machine). Less: a partial
//! payment, the checkout keeps waiting for the rest. More, or for a checkout already paid,
//! expired or cancelled: the excess is owed back, by hand. No reference: unmatched, for an
//! administrator.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::Payments;
pub use crate::types::TransferOutcome;
use crate::{
    entity::{bank_transfer, checkout},
    error::Result,
    provider::vietqr::references_in,
    store,
    types::{CheckoutStatus, Stored, TransferStatus, stored},
};

/// A credit to the marketplace's account, as the notification service reports it.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankNotification {
    /// The bank's transaction id: each is applied once.
    #[cfg_attr(feature = "openapi", schema(example = "FT25335123456789"))]
    pub id: String,
    /// The bank (short name or BIN).
    #[cfg_attr(feature = "openapi", schema(example = "Vietcombank"))]
    pub bank: String,
    /// The credited account.
    #[cfg_attr(feature = "openapi", schema(example = "1023456789"))]
    pub account_no: String,
    /// The amount credited, in đồng.
    #[cfg_attr(feature = "openapi", schema(example = 202000))]
    pub amount: i64,
    /// The transfer's description, as the payer's bank wrote it.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "MBVCB.3141592653.CK7QH4MTXA.CT tu 0071000123456")
    )]
    pub description: String,
    /// When the bank booked it.
    pub transacted_at: DateTime<Utc>,
    /// The bank's own reference, if the service sends one.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Why a bank notification was refused.
#[derive(Debug, thiserror::Error)]
pub enum BankWebhookError {
    /// No secret is configured: the endpoint is off.
    #[error("Bank notifications are not configured.")]
    Off,
    /// The signature is missing or does not verify.
    #[error("Invalid X-Signature: {0}.")]
    Signature(&'static str),
    /// Signed, but not a notification.
    #[error("The body is not a bank notification: {0}")]
    Malformed(String),
    /// Booked too long ago (or in the future): a replay, or a notification to confirm by hand.
    #[error("The notification is stale: {0}")]
    Stale(String),
}

impl BankWebhookError {
    /// The class of failure: a missing or forged signature proves no sender, so it is
    /// `Unauthorized`, as for Stripe's webhook.
    pub fn kind(&self) -> common::ErrorKind {
        match self {
            BankWebhookError::Off => common::ErrorKind::NotFound,
            BankWebhookError::Signature(_) => common::ErrorKind::Unauthorized,
            BankWebhookError::Malformed(_) | BankWebhookError::Stale(_) => {
                common::ErrorKind::Malformed
            }
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            BankWebhookError::Off => "not_found",
            BankWebhookError::Signature(_) => "invalid_signature",
            BankWebhookError::Malformed(_) => "malformed_event",
            BankWebhookError::Stale(_) => "stale_notification",
        }
    }
}

impl From<BankWebhookError> for common::Error {
    fn from(e: BankWebhookError) -> Self {
        common::Error::new(e.kind(), e.code(), e.to_string())
    }
}

/// The `X-Signature` value for `body` signed with `secret` (what the notification service
/// sends; for its tests and ours).
pub fn sign_bank(body: &[u8], secret: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes a key of any length.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks `X-Signature: sha256=<hex>` against any of `secrets` on the raw body.
pub fn verify_bank_signature(
    header: Option<&str>,
    body: &[u8],
    secrets: &[String],
) -> std::result::Result<(), BankWebhookError> {
    let hex_sig = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .ok_or(BankWebhookError::Signature("expected sha256=<hex>"))?;
    let sig = hex::decode(hex_sig).map_err(|_| BankWebhookError::Signature("not hex"))?;
    let ok = secrets.iter().any(|secret| {
        Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .map(|mut mac| {
                mac.update(body);
                mac.verify_slice(&sig).is_ok()
            })
            .unwrap_or(false)
    });
    if ok {
        Ok(())
    } else {
        Err(BankWebhookError::Signature(
            "no configured secret signs this body",
        ))
    }
}

impl Payments {
    /// Verifies a bank notification's signature on the raw body and parses it.
    pub fn verify_bank(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> std::result::Result<BankNotification, BankWebhookError> {
        // A request without the header is refused as such even where notifications are off.
        if signature.is_none() {
            return Err(BankWebhookError::Signature(
                "the X-Signature header is missing",
            ));
        }
        if self.bank_secrets.is_empty() {
            return Err(BankWebhookError::Off);
        }
        verify_bank_signature(signature, body, &self.bank_secrets)?;
        let n: BankNotification =
            serde_json::from_slice(body).map_err(|e| BankWebhookError::Malformed(e.to_string()))?;
        if n.id.trim().is_empty() || n.id.len() > 100 || n.amount <= 0 {
            return Err(BankWebhookError::Malformed(
                "id must be 1 to 100 characters and amount positive".into(),
            ));
        }
        if let Some(max_age) = self.bank_max_age {
            let ahead = chrono::Duration::minutes(5);
            if n.transacted_at < now - max_age {
                return Err(BankWebhookError::Stale(format!(
                    "transacted_at {} is more than {} hours old; confirm the payment by hand",
                    n.transacted_at.to_rfc3339(),
                    max_age.num_hours()
                )));
            }
            if n.transacted_at > now + ahead {
                return Err(BankWebhookError::Stale(format!(
                    "transacted_at {} lies in the future",
                    n.transacted_at.to_rfc3339()
                )));
            }
        }
        Ok(n)
    }

    /// Applies a verified notification once: a repeat of its id changes nothing.
    pub async fn handle_bank_notification<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        n: &BankNotification,
    ) -> Result<TransferOutcome> {
        let txn = common::begin_write(db).await?;
        // The transaction id is the key: a concurrent twin waits here, then finds it taken.
        let inserted = bank_transfer::ActiveModel {
            id: Set(n.id.clone()),
            bank: Set(n.bank.chars().take(64).collect()),
            account_no: Set(n.account_no.chars().take(32).collect()),
            amount: Set(n.amount),
            description: Set(n.description.chars().take(2000).collect()),
            transacted_at: Set(n.transacted_at),
            checkout_id: Set(None),
            status: Set(TransferStatus::Unmatched.as_str().into()),
            outcome: Set(TransferOutcome::Unmatched.as_str().into()),
            owed_back: Set(0),
            received_at: Set(Utc::now()),
            decided_by: Set(None),
            decided_at: Set(None),
            note: Set(None),
            repaid_reference: Set(None),
            repaid_at: Set(None),
        }
        .insert(&txn)
        .await;
        if let Err(e) = inserted {
            if common::db::is_unique_violation(&e) {
                return Ok(TransferOutcome::Duplicate);
            }
            return Err(e.into());
        }
        let Some(c) = self.checkout_named(&txn, n).await? else {
            txn.commit().await?;
            tracing::warn!(transfer = %n.id, amount = n.amount, "bank transfer with no known reference; waiting for an administrator");
            return Ok(TransferOutcome::Unmatched);
        };
        let (outcome, owed_back) = apply_to(&txn, &n.id, &c, n.amount, None).await?;
        txn.commit().await?;
        if owed_back > 0 {
            tracing::warn!(transfer = %n.id, checkout = %c.id, owed_back, "bank transfer owes money back; settle it by hand");
        }
        Ok(outcome)
    }

    /// The bank-transfer checkout a notification names, locked.
    async fn checkout_named<C: ConnectionTrait>(
        &self,
        txn: &C,
        n: &BankNotification,
    ) -> Result<Option<checkout::Model>> {
        let mut candidates = references_in(&n.description);
        if let Some(r) = &n.reference {
            candidates.extend(references_in(r));
        }
        for reference in candidates {
            if let Some(c) = checkout::Entity::find()
                .filter(checkout::Column::Reference.eq(reference))
                .lock_exclusive()
                .one(txn)
                .await?
            {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }
}

/// Credits transfer `id`'s `amount` to checkout `c` (locked by the caller) and records the
/// transfer matched to it, with the administrator who decided it, if one did.
async fn apply_to<C: ConnectionTrait>(
    txn: &C,
    id: &str,
    c: &checkout::Model,
    amount: i64,
    decided_by: Option<uuid::Uuid>,
) -> Result<(TransferOutcome, i64)> {
    let (outcome, owed_back) = credit(txn, c, amount).await?;
    let mut update = bank_transfer::Entity::update_many()
        .col_expr(bank_transfer::Column::CheckoutId, Expr::value(c.id))
        .col_expr(
            bank_transfer::Column::Status,
            Expr::value(TransferStatus::Matched.as_str()),
        )
        .col_expr(
            bank_transfer::Column::Outcome,
            Expr::value(outcome.as_str()),
        )
        .col_expr(bank_transfer::Column::OwedBack, Expr::value(owed_back));
    if let Some(admin) = decided_by {
        update = update
            .col_expr(bank_transfer::Column::DecidedBy, Expr::value(admin))
            .col_expr(bank_transfer::Column::DecidedAt, Expr::value(Utc::now()));
    }
    update
        .filter(bank_transfer::Column::Id.eq(id.to_owned()))
        .exec(txn)
        .await?;
    Ok((outcome, owed_back))
}

/// Credits `amount` to checkout `c` (locked by the caller): pays it when it is covered;
/// returns what it came to and how much is owed back. A checkout no longer awaiting payment
/// (paid, expired, failed, or every order cancelled) buys nothing with it: all of it is owed
/// back; what a paying transfer brings beyond what the orders it placed cost is owed back too.
async fn credit<C: ConnectionTrait>(
    txn: &C,
    c: &checkout::Model,
    amount: i64,
) -> Result<(TransferOutcome, i64)> {
    let status = stored::<CheckoutStatus>(&c.status)?;
    if status != CheckoutStatus::AwaitingPayment {
        return Ok((TransferOutcome::Late, amount));
    }
    let paid = c.amount_paid.saturating_add(amount);
    checkout::Entity::update_many()
        .col_expr(checkout::Column::AmountPaid, Expr::value(paid))
        .filter(checkout::Column::Id.eq(c.id))
        .exec(txn)
        .await?;
    if paid < c.total {
        return Ok((TransferOutcome::Partial, 0));
    }
    let placed = store::pay_orders(txn, c.id, None, "bank transfer received")
        .await?
        .placed;
    if placed == 0 {
        // No order was left to buy (cancelled before this rule kept the checkout in step).
        checkout::Entity::update_many()
            .col_expr(
                checkout::Column::Status,
                Expr::value(CheckoutStatus::Cancelled.as_str()),
            )
            .filter(checkout::Column::Id.eq(c.id))
            .exec(txn)
            .await?;
        store::owe_back_partial(txn, c.id).await?;
        return Ok((TransferOutcome::Late, amount));
    }
    // Never more than this transfer: earlier parts were all spent on the orders.
    let excess = paid.saturating_sub(placed).clamp(0, amount);
    if excess > 0 {
        // What is owed back was not paid for the checkout: it shows what its orders cost.
        checkout::Entity::update_many()
            .col_expr(checkout::Column::AmountPaid, Expr::value(paid - excess))
            .filter(checkout::Column::Id.eq(c.id))
            .exec(txn)
            .await?;
        Ok((TransferOutcome::Excess, excess))
    } else {
        Ok((TransferOutcome::Exact, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::sign_bank as sign;

    #[test]
    fn signatures_verify_with_any_current_secret_only() {
        let body = br#"{"id":"1"}"#;
        let secrets = vec!["new".to_owned(), "old".to_owned()];
        assert!(verify_bank_signature(Some(&sign(body, "old")), body, &secrets).is_ok());
        assert!(verify_bank_signature(Some(&sign(body, "new")), body, &secrets).is_ok());
        assert!(verify_bank_signature(Some(&sign(body, "other")), body, &secrets).is_err());
        assert!(verify_bank_signature(Some(&sign(b"{}", "new")), body, &secrets).is_err());
        assert!(verify_bank_signature(None, body, &secrets).is_err());
        assert!(verify_bank_signature(Some("sha256=zz"), body, &secrets).is_err());
    }
}

/// A bank transfer as administrators see it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferView {
    /// The bank's transaction id.
    pub id: String,
    /// The bank.
    pub bank: String,
    /// The credited account.
    pub account_no: String,
    /// In đồng.
    pub amount: i64,
    /// As the payer's bank wrote it.
    pub description: String,
    /// When the bank booked it.
    pub transacted_at: DateTime<Utc>,
    /// The checkout it paid, when matched.
    pub checkout_id: Option<uuid::Uuid>,
    /// Matched, unmatched or returned.
    pub status: TransferStatus,
    /// What it came to: exact, partial, excess, late, unmatched.
    #[cfg_attr(feature = "openapi", schema(value_type = TransferOutcome))]
    pub outcome: String,
    /// Owed back to the payer, in đồng (settled by hand).
    pub owed_back: i64,
    /// When the notification arrived.
    pub received_at: DateTime<Utc>,
    /// The administrator who assigned or returned it.
    pub decided_by: Option<uuid::Uuid>,
    /// Why, for a return.
    pub note: Option<String>,
    /// The outgoing transfer's bank reference, once what was owed back was paid back.
    pub repaid_reference: Option<String>,
}

impl Payments {
    /// Bank transfers for administrators, newest first, optionally in one status.
    pub async fn bank_transfers<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &common::Actor,
        status: Option<TransferStatus>,
        page: common::PageRequest,
    ) -> Result<common::Page<TransferView>> {
        use sea_orm::QueryOrder;
        if !actor.is_admin() {
            return Err(common::Error::forbidden("Only administrators see bank transfers.").into());
        }
        let mut q = bank_transfer::Entity::find();
        if let Some(s) = status {
            q = q.filter(bank_transfer::Column::Status.eq(s.as_str()));
        }
        let q = q
            .order_by_desc(bank_transfer::Column::ReceivedAt)
            .order_by_asc(bank_transfer::Column::Id);
        common::page::fetch(db, q, page).await?.try_map(|t| {
            Ok(TransferView {
                status: stored(&t.status)?,
                id: t.id,
                bank: t.bank,
                account_no: t.account_no,
                amount: t.amount,
                description: t.description,
                transacted_at: t.transacted_at,
                checkout_id: t.checkout_id,
                outcome: t.outcome,
                owed_back: t.owed_back,
                received_at: t.received_at,
                decided_by: t.decided_by,
                note: t.note,
                repaid_reference: t.repaid_reference,
            })
        })
    }
}

impl Payments {
    /// An administrator assigns an unmatched transfer to a bank-transfer checkout (the payer's
    /// bank dropped the reference): it counts as if it had named it. Audited on the checkout.
    pub async fn assign_transfer<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &common::Actor,
        transfer_id: &str,
        checkout_id: uuid::Uuid,
    ) -> Result<TransferOutcome> {
        let admin = super::admin_of(actor)?;
        let txn = common::begin_write(db).await?;
        let t = unmatched_transfer(&txn, transfer_id).await?;
        let c = checkout::Entity::find_by_id(checkout_id)
            .filter(checkout::Column::Reference.is_not_null())
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or_else(|| {
                common::Error::invalid_field(
                    "checkout_id",
                    common::FieldCode::Invalid,
                    "is not a bank-transfer checkout",
                )
            })?;
        let (outcome, owed_back) = apply_to(&txn, &t.id, &c, t.amount, Some(admin)).await?;
        catalog::audit::record(
            &txn,
            admin,
            catalog::audit::Action::BankTransferAssign,
            catalog::audit::Subject::Checkout(c.id),
            None,
            None,
            Some(serde_json::json!({"transfer_id": t.id, "amount": t.amount, "outcome": outcome.as_str(), "owed_back": owed_back})),
        )
        .await?;
        txn.commit().await?;
        Ok(outcome)
    }

    /// An administrator records that an unmatched transfer was sent back to its payer.
    pub async fn return_transfer<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &common::Actor,
        transfer_id: &str,
        reason: &str,
    ) -> Result<()> {
        let (admin, reason) = super::admin_with_text(actor, "reason", reason, 1000)?;
        let txn = common::begin_write(db).await?;
        let t = unmatched_transfer(&txn, transfer_id).await?;
        bank_transfer::Entity::update_many()
            .col_expr(
                bank_transfer::Column::Status,
                Expr::value(TransferStatus::Returned.as_str()),
            )
            .col_expr(bank_transfer::Column::DecidedBy, Expr::value(admin))
            .col_expr(bank_transfer::Column::DecidedAt, Expr::value(Utc::now()))
            .col_expr(bank_transfer::Column::Note, Expr::value(reason))
            .filter(bank_transfer::Column::Id.eq(t.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}

impl Payments {
    /// An administrator confirms a bank-transfer checkout paid in full, with the bank's
    /// reference (for a bank without notifications): its orders are placed. Audited.
    pub async fn confirm_paid<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &common::Actor,
        checkout_id: uuid::Uuid,
        bank_reference: &str,
    ) -> Result<()> {
        let (admin, bank_reference) =
            super::admin_with_text(actor, "bank_reference", bank_reference, 100)?;
        let txn = common::begin_write(db).await?;
        let c = checkout::Entity::find_by_id(checkout_id)
            .filter(checkout::Column::Reference.is_not_null())
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(crate::OrderError::NotFound("Checkout"))?;
        if stored::<CheckoutStatus>(&c.status)? != CheckoutStatus::AwaitingPayment {
            return Err(common::Error::conflict(
                "not_awaiting_payment",
                "This checkout is not waiting for a payment.",
            )
            .into());
        }
        let due = (c.total - c.amount_paid).max(0);
        credit(&txn, &c, due).await?;
        catalog::audit::record(
            &txn,
            admin,
            catalog::audit::Action::CheckoutConfirmPaid,
            catalog::audit::Subject::Checkout(c.id),
            Some(&bank_reference),
            None,
            Some(serde_json::json!({"amount": due, "bank_reference": bank_reference})),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

impl Payments {
    /// An administrator records that what a transfer owed back (an excess, a late payment, a
    /// partial payment of an expired checkout) was paid back to the payer, with the outgoing
    /// transfer's bank reference. Audited on the checkout.
    pub async fn repay_transfer<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &common::Actor,
        transfer_id: &str,
        bank_reference: &str,
    ) -> Result<()> {
        let (admin, bank_reference) =
            super::admin_with_text(actor, "bank_reference", bank_reference, 100)?;
        let txn = common::begin_write(db).await?;
        let t = bank_transfer::Entity::find_by_id(transfer_id.to_owned())
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(crate::OrderError::NotFound("Bank transfer"))?;
        if t.owed_back <= 0 || t.repaid_reference.is_some() {
            return Err(common::Error::conflict(
                "nothing_owed",
                "This transfer owes nothing back, or was already paid back.",
            )
            .into());
        }
        bank_transfer::Entity::update_many()
            .col_expr(
                bank_transfer::Column::RepaidReference,
                Expr::value(bank_reference.clone()),
            )
            .col_expr(bank_transfer::Column::RepaidAt, Expr::value(Utc::now()))
            .filter(bank_transfer::Column::Id.eq(t.id.clone()))
            .exec(&txn)
            .await?;
        if let Some(checkout) = t.checkout_id {
            catalog::audit::record(
                &txn,
                admin,
                catalog::audit::Action::BankTransferRepaid,
                catalog::audit::Subject::Checkout(checkout),
                Some(&bank_reference),
                None,
                Some(serde_json::json!({"transfer_id": t.id, "amount": t.owed_back})),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

/// The unmatched transfer `id`, locked; a decided one is a conflict.
async fn unmatched_transfer<C: ConnectionTrait>(txn: &C, id: &str) -> Result<bank_transfer::Model> {
    let t = bank_transfer::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(crate::OrderError::NotFound("Bank transfer"))?;
    if stored::<TransferStatus>(&t.status)? != TransferStatus::Unmatched {
        return Err(common::Error::conflict(
            "transfer_decided",
            "This transfer is already matched or returned.",
        )
        .into());
    }
    Ok(t)
}
