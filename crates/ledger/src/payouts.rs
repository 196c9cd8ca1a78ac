//! Payouts: an administrator pays each stall whose payable balance reaches the minimum (a
//! batch) or one stall, to its registered account once the cooling-off has passed. Each payout
//! is written with its `payout` entry in one transaction that holds the stall's ledger account
//! locked, so one payable earning is paid once however many batches run at once. The
//! administrator sends it from a banking app (a VietQR payload per payout, a CSV per batch for
//! bulk transfer) and records it paid with the bank's reference, or returned: its amount comes
//! back to the balance.

use chrono::{DateTime, Utc};
use common::{
    Actor, Error, FieldCode, Page, PageRequest, Result, Stored, stored, validate::Validator,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Ledger, access,
    entity::{bank_account, ledger_account, payout, payout_batch},
    kind::{EntryKind, PayoutStatus},
    store::{self, NewEntry},
};

/// A payout to one stall.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutView {
    /// Id.
    pub id: Uuid,
    /// Its batch, when made by one.
    pub batch_id: Option<Uuid>,
    /// The stall paid.
    pub stall_id: Uuid,
    /// In đồng.
    pub amount: i64,
    /// The account's bank BIN.
    pub bank_bin: String,
    /// The bank's short name.
    pub bank_name: String,
    /// The account number.
    pub account_no: String,
    /// The account holder.
    pub account_name: String,
    /// The reference to put in the transfer's description.
    pub reference: String,
    /// A VietQR payload for this amount, account and reference: scan it in a banking app.
    pub qr_payload: String,
    /// Pending, paid or returned.
    pub status: PayoutStatus,
    /// The bank's reference, once paid.
    pub bank_reference: Option<String>,
    /// Why it came back, if returned.
    pub reason: Option<String>,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Marked paid or returned at.
    pub decided_at: Option<DateTime<Utc>>,
}

/// A payout as the stall's members see it (without the account it went to, which only the
/// owner reads, on the bank account).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StallPayout {
    /// Id.
    pub id: Uuid,
    /// In đồng.
    pub amount: i64,
    /// `pending` (sent to the bank, not yet confirmed), `paid` or `returned`.
    pub status: PayoutStatus,
    /// The reference the transfer's description carries.
    pub reference: String,
    /// The bank's reference, once paid.
    pub bank_reference: Option<String>,
    /// When an administrator recorded it paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// When an administrator recorded it returned by the bank.
    pub returned_at: Option<DateTime<Utc>>,
    /// Why it came back, if returned.
    pub reason: Option<String>,
    /// The batch that made it.
    pub batch_id: Option<Uuid>,
    /// Made at.
    pub created_at: DateTime<Utc>,
}

impl StallPayout {
    fn of(p: payout::Model) -> Result<Self> {
        let status: PayoutStatus = stored(&p.status)?;
        Ok(Self {
            id: p.id,
            amount: p.amount,
            status,
            reference: p.reference,
            bank_reference: p.bank_reference,
            paid_at: p.decided_at.filter(|_| status == PayoutStatus::Paid),
            returned_at: p.decided_at.filter(|_| status == PayoutStatus::Returned),
            reason: p.reason,
            batch_id: p.batch_id,
            created_at: p.created_at,
        })
    }
}

/// Why a batch did not pay a stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its payable balance is below the batch's minimum.
    BelowMinimum,
    /// It has no bank account to pay to.
    NoBankAccount,
    /// Its bank account changed too recently to be paid to.
    CoolingOff,
}

/// A stall a batch did not pay, and why.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Skipped {
    /// The stall.
    pub stall_id: Uuid,
    /// Its payable balance.
    pub payable: i64,
    /// `below_minimum`, `no_bank_account` or `cooling_off`.
    pub reason: SkipReason,
}

/// A batch of payouts.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchView {
    /// Id.
    pub id: Uuid,
    /// The least payable balance it paid.
    pub minimum: i64,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Its payouts.
    pub payouts: Vec<PayoutView>,
    /// Their sum.
    pub total: i64,
    /// Stalls with money it did not pay (only in the answer that made it).
    pub skipped: Vec<Skipped>,
}

/// What to pay.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Pay only this stall, whatever its balance (above zero).
    pub stall_id: Option<Uuid>,
    /// The least payable balance to pay (default: the `ledger.payout_minimum` setting).
    pub minimum: Option<i64>,
}

impl Ledger {
    /// A stall's payouts, newest first, optionally in one status (members and
    /// administrators; "not found" for anyone else).
    pub async fn stall_payouts<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        status: Option<PayoutStatus>,
        page: PageRequest,
    ) -> Result<Page<StallPayout>> {
        let (stall, _) = access::stall_for(&self.catalog, db, actor, stall).await?;
        let mut q = payout::Entity::find().filter(payout::Column::StallId.eq(stall.id));
        if let Some(s) = status {
            q = q.filter(payout::Column::Status.eq(s.as_str()));
        }
        let q = q
            .order_by_desc(payout::Column::CreatedAt)
            .order_by_desc(payout::Column::Id);
        common::page::fetch(db, q, page)
            .await?
            .try_map(StallPayout::of)
    }

    /// Runs a payout batch (administrators): every stall with a payable balance of at least
    /// the minimum and a bank account past its cooling-off is paid that balance; the others
    /// are listed as skipped with why.
    pub async fn run_batch<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        req: BatchRequest,
    ) -> Result<BatchView> {
        let admin = access::admin(actor)?;
        let minimum = match (req.stall_id, req.minimum) {
            (_, Some(m)) => m,
            (Some(_), None) => 1,
            (None, None) => self.settings.payout_minimum,
        };
        let mut v = Validator::new();
        v.check(
            (1..=1_000_000_000_000).contains(&minimum),
            "minimum",
            FieldCode::OutOfRange,
            "must be 1 to 1000000000000 đồng",
        );
        v.finish()?;
        let stalls: Vec<Uuid> = match req.stall_id {
            Some(s) => {
                if store::stall(db, s).await?.is_none() {
                    return Err(Error::invalid_field(
                        "stall_id",
                        FieldCode::UnknownStall,
                        "is not a stall",
                    ));
                }
                vec![s]
            }
            None => ledger_account::Entity::find()
                .order_by_asc(ledger_account::Column::StallId)
                .all(db)
                .await?
                .into_iter()
                .map(|a| a.stall_id)
                .collect(),
        };
        let now = Utc::now();
        let batch = payout_batch::ActiveModel {
            id: Set(Uuid::now_v7()),
            created_by: Set(admin),
            minimum: Set(minimum),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        let mut skipped = Vec::new();
        for stall in stalls {
            if let Err(s) = self.pay_stall(db, admin, batch.id, stall, minimum).await? {
                skipped.push(s);
            }
        }
        let mut view = self.batch_view(db, batch).await?;
        view.skipped = skipped;
        Ok(view)
    }

    /// Pays one stall's payable balance in its own transaction, holding the stall's ledger
    /// account locked; `Err(skipped)` when it is not paid.
    async fn pay_stall<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        admin: Uuid,
        batch: Uuid,
        stall: Uuid,
        minimum: i64,
    ) -> Result<std::result::Result<PayoutView, Skipped>> {
        let txn = common::begin_write(db).await?;
        let locked = ledger_account::Entity::find_by_id(stall)
            .lock_exclusive()
            .one(&txn)
            .await?;
        let now = Utc::now();
        let amount = if locked.is_some() {
            store::payable(&txn, stall, now).await?
        } else {
            0
        };
        let skip = |reason| {
            Ok(Err(Skipped {
                stall_id: stall,
                payable: amount,
                reason,
            }))
        };
        if amount < minimum || amount <= 0 {
            return skip(SkipReason::BelowMinimum);
        }
        let Some(account) = bank_account::Entity::find_by_id(stall).one(&txn).await? else {
            return skip(SkipReason::NoBankAccount);
        };
        if account.usable_from > now {
            return skip(SkipReason::CoolingOff);
        }
        let id = Uuid::now_v7();
        let reference = vietqr::short_reference("PO", Uuid::now_v7().as_u128() as u64);
        let qr_payload = vietqr::encode(&vietqr::Transfer {
            bank_bin: &account.bank_bin,
            account_no: &account.account_no,
            amount: Some(amount),
            purpose: Some(&reference),
            service: vietqr::Service::Account,
        })
        .map_err(|e| Error::internal(format!("payout payload: {e}")))?;
        let p = payout::ActiveModel {
            id: Set(id),
            batch_id: Set(Some(batch)),
            stall_id: Set(stall),
            amount: Set(amount),
            bank_bin: Set(account.bank_bin.clone()),
            account_no: Set(account.account_no.clone()),
            account_name: Set(account.account_name.clone()),
            reference: Set(reference),
            qr_payload: Set(qr_payload),
            status: Set(PayoutStatus::Pending.as_str().into()),
            bank_reference: Set(None),
            reason: Set(None),
            created_by: Set(admin),
            created_at: Set(now),
            decided_by: Set(None),
            decided_at: Set(None),
        }
        .insert(&txn)
        .await?;
        store::append(
            &txn,
            NewEntry {
                payout_id: Some(id),
                actor_id: Some(admin),
                ..NewEntry::of(stall, EntryKind::Payout, -amount, now)
            },
        )
        .await?;
        txn.commit().await?;
        Ok(Ok(self.payout_view(p)?))
    }

    /// A batch with its payouts (administrators).
    pub async fn batch<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<BatchView> {
        access::admin(actor)?;
        let batch = payout_batch::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found("Payout batch"))?;
        self.batch_view(db, batch).await
    }

    async fn batch_view<C: ConnectionTrait>(
        &self,
        db: &C,
        batch: payout_batch::Model,
    ) -> Result<BatchView> {
        let payouts = payout::Entity::find()
            .filter(payout::Column::BatchId.eq(batch.id))
            .order_by_asc(payout::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|p| self.payout_view(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(BatchView {
            id: batch.id,
            minimum: batch.minimum,
            created_at: batch.created_at,
            total: payouts.iter().map(|p| p.amount).sum(),
            payouts,
            skipped: Vec::new(),
        })
    }

    /// A batch as a CSV for the bank's bulk-transfer upload: one line per payout.
    pub fn batch_csv(&self, b: &BatchView) -> String {
        let mut out = crate::csv::Csv::new(&[
            "reference",
            "bank_bin",
            "bank_name",
            "account_no",
            "account_name",
            "amount",
            "description",
            "status",
        ]);
        for p in &b.payouts {
            out.row(&[
                &p.reference,
                &p.bank_bin,
                &p.bank_name,
                &p.account_no,
                &p.account_name,
                &p.amount.to_string(),
                &format!("{} CHO OCOP THANH TOAN", p.reference),
                p.status.as_str(),
            ]);
        }
        out.finish()
    }

    pub(crate) fn payout_view(&self, p: payout::Model) -> Result<PayoutView> {
        let status = stored(&p.status)?;
        let bank_name = self
            .banks
            .get(&p.bank_bin)
            .map_or_else(|| p.bank_bin.clone(), |b| b.short_name.clone());
        Ok(PayoutView {
            id: p.id,
            batch_id: p.batch_id,
            stall_id: p.stall_id,
            amount: p.amount,
            bank_bin: p.bank_bin,
            bank_name,
            account_no: p.account_no,
            account_name: p.account_name,
            reference: p.reference,
            qr_payload: p.qr_payload,
            status,
            bank_reference: p.bank_reference,
            reason: p.reason,
            created_at: p.created_at,
            decided_at: p.decided_at,
        })
    }

    /// Records a pending payout paid with the bank's reference (administrators). Audited.
    pub async fn mark_paid<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        bank_reference: &str,
    ) -> Result<PayoutView> {
        let admin = access::admin(actor)?;
        let mut v = Validator::new();
        let bank_reference = v.text("bank_reference", bank_reference, 3, 100);
        v.finish()?;
        let txn = common::begin_write(db).await?;
        let p = self.pending_payout(&txn, id).await?;
        self.decide(
            &txn,
            &p,
            admin,
            PayoutStatus::Paid,
            Some(&bank_reference),
            None,
        )
        .await?;
        catalog::audit::record(
            &txn,
            admin,
            catalog::audit::Action::PayoutPaid,
            catalog::audit::Subject::Payout(p.id),
            Some(&bank_reference),
            None,
            Some(serde_json::json!({"stall_id": p.stall_id, "amount": p.amount})),
        )
        .await?;
        let facts = payout_facts(&p).text("bank_reference", bank_reference);
        self.tell(&txn, &p, notify::Event::PayoutPaid, facts)
            .await?;
        txn.commit().await?;
        self.payout_by_id(db, id).await
    }

    /// Tells the stall of a payout decided, in the transaction that decides it: its members'
    /// inboxes and emails, and its webhooks.
    async fn tell<C: ConnectionTrait>(
        &self,
        txn: &C,
        p: &payout::Model,
        event: notify::Event,
        facts: notify::Facts,
    ) -> Result<()> {
        self.catalog
            .tell_stall(txn, p.stall_id, event, facts, None)
            .await?;
        Ok(())
    }

    /// Records a pending payout returned by the bank (administrators): its amount comes back
    /// to the stall's payable balance by a `payout_returned` entry. Audited.
    pub async fn mark_returned<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<PayoutView> {
        let admin = access::admin(actor)?;
        let mut v = Validator::new();
        let reason = v.text("reason", reason, 3, 1000);
        v.finish()?;
        let txn = common::begin_write(db).await?;
        let p = self.pending_payout(&txn, id).await?;
        self.decide(&txn, &p, admin, PayoutStatus::Returned, None, Some(&reason))
            .await?;
        store::append(
            &txn,
            NewEntry {
                payout_id: Some(p.id),
                note: Some(reason.clone()),
                actor_id: Some(admin),
                ..NewEntry::of(p.stall_id, EntryKind::PayoutReturned, p.amount, Utc::now())
            },
        )
        .await?;
        catalog::audit::record(
            &txn,
            admin,
            catalog::audit::Action::PayoutReturned,
            catalog::audit::Subject::Payout(p.id),
            Some(&reason),
            None,
            Some(serde_json::json!({"stall_id": p.stall_id, "amount": p.amount})),
        )
        .await?;
        let facts = payout_facts(&p).text("reason", reason);
        self.tell(&txn, &p, notify::Event::PayoutReturned, facts)
            .await?;
        txn.commit().await?;
        self.payout_by_id(db, id).await
    }

    async fn pending_payout<C: ConnectionTrait>(&self, txn: &C, id: Uuid) -> Result<payout::Model> {
        let p = payout::Entity::find_by_id(id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or_else(|| Error::not_found("Payout"))?;
        if stored::<PayoutStatus>(&p.status)? != PayoutStatus::Pending {
            return Err(Error::conflict(
                "payout_decided",
                "This payout is already paid or returned.",
            ));
        }
        Ok(p)
    }

    async fn decide<C: ConnectionTrait>(
        &self,
        txn: &C,
        p: &payout::Model,
        admin: Uuid,
        to: PayoutStatus,
        bank_reference: Option<&str>,
        reason: Option<&str>,
    ) -> Result<()> {
        let res = payout::Entity::update_many()
            .col_expr(payout::Column::Status, Expr::value(to.as_str()))
            .col_expr(
                payout::Column::BankReference,
                Expr::value(bank_reference.map(str::to_owned)),
            )
            .col_expr(
                payout::Column::Reason,
                Expr::value(reason.map(str::to_owned)),
            )
            .col_expr(payout::Column::DecidedBy, Expr::value(admin))
            .col_expr(payout::Column::DecidedAt, Expr::value(Utc::now()))
            .filter(payout::Column::Id.eq(p.id))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending.as_str()))
            .exec(txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(Error::conflict(
                "payout_decided",
                "This payout is already paid or returned.",
            ));
        }
        Ok(())
    }

    async fn payout_by_id<C: ConnectionTrait>(&self, db: &C, id: Uuid) -> Result<PayoutView> {
        let p = payout::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found("Payout"))?;
        self.payout_view(p)
    }
}

/// What every payout notice says: the amount and the payout's reference (and, for programs,
/// its id).
fn payout_facts(p: &payout::Model) -> notify::Facts {
    notify::Facts::new()
        .money("amount", p.amount)
        .text("reference", p.reference.clone())
        .data("payout_id", p.id.to_string())
}
