//! The bank account a buyer gives for the money owed back on an order paid by bank transfer
//! or cash on delivery (a card payment goes back to the card): one per order, given before or
//! after the refund is owed. Each refund of the order owed by hand and not yet paid goes to
//! it (a case's own account, when the buyer gave one there, stays that refund's); the
//! administrator who pays it reads it on the refund. Every change is on the audit log, with
//! the bank and the account's last four digits only (the log is kept whole; the account is
//! the buyer's personal data, deleted when their account is erased).

use chrono::{DateTime, Utc};
use common::{Actor, validate::Validator};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    OrderError, Orders,
    case::{RefundAccount, check_account},
    entity::{order, refund, refund_account},
    error::Result,
    types::{PaymentMethod, RefundStatus, Stored, stored},
};

/// The account an order's refunds paid by hand go to.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderRefundAccount {
    /// The order.
    pub order_id: Uuid,
    /// The bank's BIN (from the bank list).
    pub bank_bin: String,
    /// The bank's short name.
    pub bank_name: String,
    /// The account number.
    pub account_no: String,
    /// The holder's name as banks print it (upper case, no diacritics).
    pub account_name: String,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl OrderRefundAccount {
    fn of(m: refund_account::Model) -> Self {
        static BANKS: std::sync::LazyLock<vietqr::Banks> =
            std::sync::LazyLock::new(vietqr::Banks::builtin);
        let bank_name = BANKS
            .get(&m.bank_bin)
            .map_or_else(|| m.bank_bin.clone(), |b| b.short_name.clone());
        Self {
            order_id: m.order_id,
            bank_bin: m.bank_bin,
            bank_name,
            account_no: m.account_no,
            account_name: m.account_name,
            updated_at: m.updated_at,
        }
    }
}

impl Orders {
    /// The buyer gives the account for the order's refunds paid by hand (checked as every
    /// bank account is: `bank_bin`, `account_no`, `account_name`); it replaces any given before,
    /// and goes on the order's refunds owed by hand and not yet paid. Only the order's buyer
    /// (anyone else: not found); a card order's money goes back to the card
    /// (`refund_to_card`).
    pub async fn set_refund_account<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        order_id: Uuid,
        input: &RefundAccount,
    ) -> Result<OrderRefundAccount> {
        let buyer = actor.require_user()?;
        let mut v = Validator::new();
        let account = check_account(&mut v, "", input);
        v.finish()?;
        let o = buyers_order(db, buyer, order_id).await?;
        if stored::<PaymentMethod>(&o.payment_method)? == PaymentMethod::Card {
            return Err(common::Error::conflict(
                "refund_to_card",
                "This order was paid by card: its money goes back to the card, to no account.",
            )
            .into());
        }
        let txn = common::begin_write(db).await?;
        let now = Utc::now();
        refund_account::Entity::insert(refund_account::ActiveModel {
            order_id: Set(o.id),
            bank_bin: Set(account.bank_bin.clone()),
            account_no: Set(account.account_no.clone()),
            account_name: Set(account.account_name.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(refund_account::Column::OrderId)
                .update_columns([
                    refund_account::Column::BankBin,
                    refund_account::Column::AccountNo,
                    refund_account::Column::AccountName,
                    refund_account::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        owed_refunds_to(&txn, o.id, &account).await?;
        audit(&txn, buyer, &o, &account).await?;
        txn.commit().await?;
        self.refund_account(db, actor, order_id).await
    }

    /// The account the buyer gave for the order's refunds (its buyer and administrators;
    /// not found for anyone else, or before the buyer gave one).
    pub async fn refund_account<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        order_id: Uuid,
    ) -> Result<OrderRefundAccount> {
        let user = actor.require_user()?;
        if !actor.is_admin() {
            buyers_order(db, user, order_id).await?;
        }
        refund_account::Entity::find_by_id(order_id)
            .one(db)
            .await?
            .map(OrderRefundAccount::of)
            .ok_or(OrderError::NotFound("Refund account"))
    }
}

/// The order, when `buyer` bought it; not found otherwise.
async fn buyers_order<C: ConnectionTrait>(
    db: &C,
    buyer: Uuid,
    order_id: Uuid,
) -> Result<order::Model> {
    order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .filter(|o| o.buyer_id == buyer)
        .ok_or(OrderError::NotFound("Order"))
}

/// Points the order's refunds owed by hand and not yet paid at `account`, but for a case's
/// refund with an account of its own.
async fn owed_refunds_to<C: ConnectionTrait>(
    txn: &C,
    order_id: Uuid,
    account: &RefundAccount,
) -> Result<()> {
    let json = serde_json::to_string(account)
        .map_err(|e| OrderError::Corrupt(format!("refund account: {e}")))?;
    refund::Entity::update_many()
        .col_expr(refund::Column::RefundAccount, Expr::value(json))
        .col_expr(refund::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refund::Column::OrderId.eq(order_id))
        .filter(refund::Column::Status.eq(RefundStatus::Manual.as_str()))
        .filter(
            refund::Column::CaseId
                .is_null()
                .or(refund::Column::RefundAccount.is_null()),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// The change on the audit log, under the order's checkout: the bank and the last four
/// digits of the number.
async fn audit<C: ConnectionTrait>(
    txn: &C,
    buyer: Uuid,
    o: &order::Model,
    account: &RefundAccount,
) -> Result<()> {
    let tail: String = {
        let chars: Vec<char> = account.account_no.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    catalog::audit::record(
        txn,
        buyer,
        catalog::audit::Action::RefundAccount,
        catalog::audit::Subject::Checkout(o.checkout_id),
        None,
        None,
        Some(serde_json::json!({
            "order_id": o.id,
            "bank_bin": account.bank_bin,
            "account_no_last4": tail,
        })),
    )
    .await?;
    Ok(())
}
