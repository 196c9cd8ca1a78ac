//! Cases on delivered orders: a buyer's return, refund or complaint, the stall's answer within
//! its deadline (escalated to the administrators by itself after it), the buyer's escalation
//! of a rejection, messages, an administrator's decision with a refund of any amount up to the
//! goods concerned, and the stall's receipt of returned goods, which puts them back in stock.
//! Every step is on the case's timeline.
//!
//! A refund reverses the order's ledger entries in proportion ([`ledger::Ledger::reverse_part`])
//! in the same transaction; the money goes back the way it came: a card payment through the
//! provider (a refund queued for the refund job), a bank transfer or cash on delivery to the
//! refund account the buyer gave, paid by hand. The delivery fee is never part of a case's
//! refund: the delivery took place, and the ledger keeps it the stall's; an order cancelled
//! before delivery gets its fee back through cancellation.

use chrono::{DateTime, Duration, Utc};
use common::{Actor, FieldCode, Page, PageRequest, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    OrderError,
    case::{self, CaseBy, CaseKind, CaseStatus, CaseStep, Decision},
    entity::{case as case_row, case_event, order, order_event, order_item},
    error::Result,
    status::OrderStatus,
    store,
    types::{PaymentMethod, Stored, stored},
};

/// The cases' settings.
#[derive(Clone, Copy, Debug)]
pub struct CaseSettings {
    /// How long after delivery a buyer may open a case.
    pub window: Duration,
    /// How long the stall has to answer before the case goes to the administrators.
    pub stall_response: Duration,
}

impl Default for CaseSettings {
    fn default() -> Self {
        Self {
            window: Duration::days(7),
            stall_response: Duration::hours(48),
        }
    }
}

/// One line of the order a case is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseItem {
    /// The product of the order's line (an order has one line per product).
    pub product_id: Uuid,
    /// How many of its units (at most as many as were bought).
    pub quantity: i64,
}

/// Where money goes back when the order was not paid by card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundAccount {
    /// The bank's name or BIN.
    pub bank: String,
    /// The account number.
    pub account_number: String,
    /// The holder's name.
    pub holder_name: String,
}

/// A buyer's new case.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// What the buyer asks for.
    pub kind: CaseKind,
    /// In a few words (3 to 200 characters).
    pub reason: String,
    /// What happened (up to 4 000 characters).
    #[serde(default)]
    pub description: String,
    /// The lines concerned; none: the whole order.
    #[serde(default)]
    pub items: Vec<CaseItem>,
    /// Photos or videos, as https URLs (at most 10).
    #[serde(default)]
    pub evidence_urls: Vec<String>,
    /// Where money goes back for a bank transfer or cash on delivery.
    pub refund_account: Option<RefundAccount>,
}

/// An administrator's decision.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// Refund or not.
    pub decision: Decision,
    /// With `refund`: 1 đồng up to the goods value of the lines concerned.
    pub refund_amount: Option<i64>,
    /// Why (3 to 2 000 characters).
    pub message: String,
}

/// A step of a case, as its parties read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseEventView {
    /// The step.
    pub kind: CaseStep,
    /// Who took it (`deadline`: the marketplace, when the stall's time ran out).
    pub by: CaseBy,
    /// What was written with it.
    pub message: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A case with its timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    /// The case.
    pub id: Uuid,
    /// Its order.
    pub order_id: Uuid,
    /// The order's stall.
    pub stall_id: Uuid,
    /// The buyer.
    pub buyer_id: Uuid,
    /// What the buyer asks for.
    pub kind: CaseKind,
    /// Where it stands.
    pub status: CaseStatus,
    /// In a few words.
    pub reason: String,
    /// What happened.
    pub description: String,
    /// The lines concerned; none: the whole order.
    pub items: Vec<CaseItem>,
    /// The evidence.
    pub evidence_urls: Vec<String>,
    /// Where money goes back, if the buyer gave it.
    pub refund_account: Option<RefundAccount>,
    /// The stall answers by then, or the case goes to the administrators.
    pub respond_by: DateTime<Utc>,
    /// The administrators' decision.
    pub decision: Option<Decision>,
    /// The refund decided, in đồng.
    pub refund_amount: Option<i64>,
    /// How the refund goes back (the order's payment method).
    pub refund_via: Option<PaymentMethod>,
    /// When the stall confirmed the returned goods arrived.
    pub goods_received_at: Option<DateTime<Utc>>,
    /// When opened.
    pub created_at: DateTime<Utc>,
    /// When decided.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Every step, oldest first.
    pub timeline: Vec<CaseEventView>,
}

/// Cases and their steps.
#[derive(Clone, Debug)]
pub struct Cases {
    catalog: catalog::Catalog,
    ledger: ledger::Ledger,
    settings: CaseSettings,
}

fn conflict(code: &'static str, message: &str) -> OrderError {
    common::Error::conflict(code, message).into()
}

impl Cases {
    /// Cases over `catalog` (stall membership, stock) and `ledger` (refunds' reversals).
    pub fn new(catalog: catalog::Catalog, ledger: ledger::Ledger, settings: CaseSettings) -> Self {
        Self {
            catalog,
            ledger,
            settings,
        }
    }

    /// Who `actor` is to the case's order: buyer, stall member, administrator (several at
    /// once for a member buying from their own stall). Anyone else gets "not found".
    async fn parties<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        buyer: Uuid,
        stall: Uuid,
        what: &'static str,
    ) -> Result<Vec<CaseBy>> {
        let user = actor.require_user()?;
        let mut out = Vec::new();
        if buyer == user {
            out.push(CaseBy::Buyer);
        }
        if self.catalog.role_in(db, user, stall).await?.is_some() {
            out.push(CaseBy::Stall);
        }
        if actor.is_admin() {
            out.push(CaseBy::Admin);
        }
        if out.is_empty() {
            return Err(OrderError::NotFound(what));
        }
        Ok(out)
    }

    /// Opens a case on a delivered order (its buyer), within the window after delivery; one
    /// open case per order. The stall has until `respond_by` to answer.
    pub async fn open<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        order_id: Uuid,
        new: NewCase,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let o = order::Entity::find_by_id(order_id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Order"))?;
        let parties = self
            .parties(db, actor, o.buyer_id, o.stall_id, "Order")
            .await?;
        if !parties.contains(&CaseBy::Buyer) {
            return Err(
                common::Error::forbidden("Only the buyer opens a case on an order.").into(),
            );
        }
        let lines = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(o.id))
            .all(db)
            .await?;
        let (reason, description) = check_new(&new, &lines)?;
        if stored::<OrderStatus>(&o.status)? != OrderStatus::Delivered {
            return Err(conflict(
                "order_not_delivered",
                "A case is opened on a delivered order.",
            ));
        }
        let delivered = delivered_at(db, &o).await?;
        if now > delivered + self.settings.window {
            return Err(conflict(
                "case_window_closed",
                "The time to open a case on this order has passed.",
            ));
        }
        let txn = common::begin_write(db).await?;
        order::Entity::find_by_id(o.id)
            .lock_exclusive()
            .one(&txn)
            .await?;
        if open_case_of(&txn, o.id).await?.is_some() {
            return Err(conflict(
                "case_open",
                "This order already has an open case.",
            ));
        }
        let id = Uuid::now_v7();
        let respond_by = now + self.settings.stall_response;
        let row = new_row(id, &o, &new, reason, description.clone(), respond_by, now)?;
        if let Err(e) = row.insert(&txn).await {
            if common::db::is_unique_violation(&e) {
                return Err(conflict(
                    "case_open",
                    "This order already has an open case.",
                ));
            }
            return Err(e.into());
        }
        let said = (!description.is_empty()).then_some(description);
        step(&txn, id, CaseStep::Opened, CaseBy::Buyer, actor, said, now).await?;
        txn.commit().await?;
        view(db, id).await
    }

    /// The stall answers (a member): accept or reject, with a message, while the case is open.
    pub async fn respond<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        accept: bool,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let c = self.find(db, actor, id, CaseBy::Stall).await?;
        let message = checked_message(message)?;
        let to = if accept {
            CaseStep::Accepted
        } else {
            CaseStep::Rejected
        };
        self.advance(db, actor, &c, to, CaseBy::Stall, Some(message), now)
            .await
    }

    /// The buyer sends a rejected case to the administrators.
    pub async fn escalate<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let c = self.find(db, actor, id, CaseBy::Buyer).await?;
        if stored::<CaseStatus>(&c.status)? != CaseStatus::Rejected {
            return Err(conflict(
                "case_not_rejected",
                "Only a case the stall rejected is escalated by the buyer.",
            ));
        }
        self.advance(db, actor, &c, CaseStep::Escalated, CaseBy::Buyer, None, now)
            .await
    }

    /// A message on the case (its buyer, a stall member or an administrator), until resolved.
    pub async fn message<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let c = case_row::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Case"))?;
        let parties = self
            .parties(db, actor, c.buyer_id, c.stall_id, "Case")
            .await?;
        let message = checked_message(message)?;
        let by = parties[0];
        self.advance(db, actor, &c, CaseStep::Message, by, Some(message), now)
            .await
    }

    /// One case with its timeline (its buyer, the stall's members, administrators).
    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<CaseView> {
        let c = case_row::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Case"))?;
        self.parties(db, actor, c.buyer_id, c.stall_id, "Case")
            .await?;
        view(db, id).await
    }

    /// Every case, optionally in one status, newest first (administrators).
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: Option<CaseStatus>,
        page: PageRequest,
    ) -> Result<Page<CaseView>> {
        if !actor.is_admin() {
            return Err(common::Error::forbidden("Only administrators list every case.").into());
        }
        let mut q = case_row::Entity::find();
        if let Some(s) = status {
            q = q.filter(case_row::Column::Status.eq(s.as_str()));
        }
        let total = q.clone().count(db).await?;
        let rows = q
            .order_by_desc(case_row::Column::CreatedAt)
            .order_by_desc(case_row::Column::Id)
            .offset(page.offset())
            .limit(page.per_page)
            .all(db)
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            items.push(view(db, r.id).await?);
        }
        Ok(Page::new(items, total, page))
    }

    /// Sends every open case whose stall did not answer by `respond_by` to the
    /// administrators, as the marketplace; returns how many moved. The escalation job's work.
    pub async fn escalate_overdue<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let due = case_row::Entity::find()
            .filter(case_row::Column::Status.eq(CaseStatus::Open.as_str()))
            .filter(case_row::Column::RespondBy.lte(now))
            .order_by_asc(case_row::Column::RespondBy)
            .limit(100)
            .all(db)
            .await?;
        let mut moved = 0;
        for c in due {
            let txn = common::begin_write(db).await?;
            if shift(&txn, &c, CaseStatus::Open, CaseStatus::Escalated, now).await? {
                let said = Some("Gian hàng không trả lời trong thời hạn.".to_owned());
                step(
                    &txn,
                    c.id,
                    CaseStep::Escalated,
                    CaseBy::Deadline,
                    &Actor::Anonymous,
                    said,
                    now,
                )
                .await?;
                moved += 1;
            }
            txn.commit().await?;
        }
        Ok(moved)
    }

    /// An administrator decides. A refund of 1 đồng up to the goods value of the lines
    /// concerned reverses the order's ledger entries in proportion and owes the money back
    /// by the order's payment method; returns the case and, for a card, whether a refund was
    /// queued for the provider.
    pub async fn resolve<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        r: Resolution,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let c = self.find(db, actor, id, CaseBy::Admin).await?;
        let message = checked_message(&r.message)?;
        let o = order::Entity::find_by_id(c.order_id)
            .one(db)
            .await?
            .ok_or_else(|| OrderError::Corrupt(format!("case {id} has no order")))?;
        let at_most = refundable(db, &c, &o).await?;
        let amount = match (r.decision, r.refund_amount) {
            (Decision::Refund, Some(a)) if (1..=at_most).contains(&a) => Some(a),
            (Decision::Refund, _) => {
                let mut v = Validator::new();
                v.add(
                    "refund_amount",
                    FieldCode::OutOfRange,
                    format!("must be from 1 to {at_most} đồng (the goods concerned)"),
                );
                v.finish()?;
                None
            }
            (Decision::Reject, _) => None,
        };
        let method = stored::<PaymentMethod>(&o.payment_method)?;
        if amount.is_some() && method != PaymentMethod::Card && c.refund_account.is_none() {
            return Err(conflict(
                "refund_account_required",
                "The buyer has not given an account to send the money back to.",
            ));
        }
        if next(&c, CaseStep::Resolved)?.is_none() {
            return Err(conflict("case_closed", "This case was decided already."));
        }
        let txn = common::begin_write(db).await?;
        if !shift(&txn, &c, stored(&c.status)?, CaseStatus::Resolved, now).await? {
            return Err(conflict(
                "case_moved",
                "The case changed meanwhile; read it again.",
            ));
        }
        let mut done = case_row::ActiveModel {
            id: Set(c.id),
            decision: Set(Some(r.decision.as_str().into())),
            resolved_at: Set(Some(now)),
            ..Default::default()
        };
        if let Some(amount) = amount {
            self.refund(&txn, actor, &o, amount, method, &message, now)
                .await?;
            done.refund_amount = Set(Some(amount));
            done.refund_via = Set(Some(method.as_str().into()));
        }
        done.update(&txn).await?;
        step(
            &txn,
            c.id,
            CaseStep::Resolved,
            CaseBy::Admin,
            actor,
            Some(message),
            now,
        )
        .await?;
        txn.commit().await?;
        view(db, id).await
    }

    /// The refund of a decision, in its transaction: the ledger's proportional reversal, the
    /// money owed back (a card's through the provider, a bank transfer's by hand; cash on
    /// delivery by hand to the case's refund account) and the order's history.
    #[expect(clippy::too_many_arguments, reason = "the steps of one decision")]
    async fn refund<C: ConnectionTrait>(
        &self,
        txn: &C,
        actor: &Actor,
        o: &order::Model,
        amount: i64,
        method: PaymentMethod,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.ledger
            .reverse_part(
                txn,
                &ledger::PartialRefund {
                    order_id: o.id,
                    stall_id: o.stall_id,
                    amount,
                    goods_total: o.subtotal,
                    actor_id: actor.user_id(),
                    note: format!("case refund: {message}"),
                    at: now,
                },
            )
            .await
            .map_err(|e| {
                if e.code == "refund_exceeds_remaining" {
                    conflict(
                        "refund_exceeds_paid",
                        "The order's goods were refunded already up to this amount.",
                    )
                } else {
                    e.into()
                }
            })?;
        if method != PaymentMethod::Cod && !store::owe_refund_of(txn, o, method, amount).await? {
            return Err(conflict(
                "already_refunded",
                "This order's payment was refunded already; settle this one by hand.",
            ));
        }
        store::record_refund_event(txn, o, actor.user_id(), message).await?;
        Ok(())
    }

    /// The stall confirms the returned goods arrived (a member), on an accepted or decided
    /// return; the lines concerned go back in stock, once.
    pub async fn received<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let c = self.find(db, actor, id, CaseBy::Stall).await?;
        if stored::<CaseKind>(&c.kind)? != CaseKind::Return {
            return Err(conflict("not_a_return", "Only a return brings goods back."));
        }
        if c.goods_received_at.is_some() || next(&c, CaseStep::GoodsReceived)?.is_none() {
            return Err(conflict(
                "case_moved",
                "The goods are received once, on an accepted return.",
            ));
        }
        let lines = returned_lines(db, &c).await?;
        let txn = common::begin_write(db).await?;
        let res = case_row::Entity::update_many()
            .col_expr(case_row::Column::GoodsReceivedAt, Expr::value(now))
            .col_expr(case_row::Column::UpdatedAt, Expr::value(now))
            .filter(case_row::Column::Id.eq(c.id))
            .filter(case_row::Column::GoodsReceivedAt.is_null())
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(conflict("case_moved", "The goods were received already."));
        }
        catalog::stock::release(&txn, &lines).await?;
        step(
            &txn,
            c.id,
            CaseStep::GoodsReceived,
            CaseBy::Stall,
            actor,
            None,
            now,
        )
        .await?;
        txn.commit().await?;
        view(db, id).await
    }

    /// The case, when `actor` is `who` to it.
    async fn find<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        who: CaseBy,
    ) -> Result<case_row::Model> {
        let c = case_row::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Case"))?;
        let parties = self
            .parties(db, actor, c.buyer_id, c.stall_id, "Case")
            .await?;
        if !parties.contains(&who) {
            return Err(common::Error::forbidden(match who {
                CaseBy::Stall => "Only the stall's members answer a case.",
                CaseBy::Buyer => "Only the buyer escalates a case.",
                _ => "Only administrators decide a case.",
            })
            .into());
        }
        Ok(c)
    }

    /// Moves the case by `to` (or records a message), as `by`.
    #[expect(clippy::too_many_arguments, reason = "one step, with who and what")]
    async fn advance<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        c: &case_row::Model,
        to: CaseStep,
        by: CaseBy,
        message: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let from = stored::<CaseStatus>(&c.status)?;
        let Some(status) = next(c, to)? else {
            return Err(conflict(
                "case_moved",
                "This step is not possible where the case stands.",
            ));
        };
        let txn = common::begin_write(db).await?;
        if !shift(&txn, c, from, status, now).await? {
            return Err(conflict(
                "case_moved",
                "The case changed meanwhile; read it again.",
            ));
        }
        step(&txn, c.id, to, by, actor, message, now).await?;
        txn.commit().await?;
        view(db, c.id).await
    }
}

/// A new case's row, open.
fn new_row(
    id: Uuid,
    o: &order::Model,
    new: &NewCase,
    reason: String,
    description: String,
    respond_by: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<case_row::ActiveModel> {
    Ok(case_row::ActiveModel {
        id: Set(id),
        order_id: Set(o.id),
        buyer_id: Set(o.buyer_id),
        stall_id: Set(o.stall_id),
        kind: Set(new.kind.as_str().into()),
        status: Set(CaseStatus::Open.as_str().into()),
        reason: Set(reason),
        description: Set(description),
        items: Set(json(&new.items)?),
        evidence: Set(json(&new.evidence_urls)?),
        refund_account: Set(new.refund_account.as_ref().map(json).transpose()?),
        respond_by: Set(respond_by),
        decision: Set(None),
        refund_amount: Set(None),
        refund_via: Set(None),
        goods_received_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        resolved_at: Set(None),
    })
}

fn next(c: &case_row::Model, to: CaseStep) -> Result<Option<CaseStatus>> {
    Ok(case::next(stored(&c.status)?, to))
}

/// Moves the case from `from` to `to` if nobody moved it meanwhile.
async fn shift<C: ConnectionTrait>(
    txn: &C,
    c: &case_row::Model,
    from: CaseStatus,
    to: CaseStatus,
    now: DateTime<Utc>,
) -> Result<bool> {
    let res = case_row::Entity::update_many()
        .col_expr(case_row::Column::Status, Expr::value(to.as_str()))
        .col_expr(case_row::Column::UpdatedAt, Expr::value(now))
        .filter(case_row::Column::Id.eq(c.id))
        .filter(case_row::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Appends a step to the case's timeline.
async fn step<C: ConnectionTrait>(
    txn: &C,
    case_id: Uuid,
    kind: CaseStep,
    by: CaseBy,
    actor: &Actor,
    message: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    case_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        kind: Set(kind.as_str().into()),
        by: Set(by.as_str().into()),
        actor_id: Set(actor.user_id()),
        message: Set(message),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| OrderError::Corrupt(e.to_string()))
}

fn parse<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| OrderError::Corrupt(format!("case data: {e}")))
}

fn checked_message(message: &str) -> Result<String> {
    let mut v = Validator::new();
    let m = v.text("message", message, 1, 2000);
    v.finish()?;
    Ok(m)
}

/// Checks a new case against the order's lines; returns its reason and description, trimmed.
fn check_new(new: &NewCase, lines: &[order_item::Model]) -> Result<(String, String)> {
    let mut v = Validator::new();
    let reason = v.text("reason", &new.reason, 3, 200);
    let description = if new.description.trim().is_empty() {
        String::new()
    } else {
        v.text("description", &new.description, 1, 4000)
    };
    v.check(
        new.items.len() <= lines.len(),
        "items",
        FieldCode::TooLong,
        "names more lines than the order has",
    );
    for (i, item) in new.items.iter().enumerate() {
        let line = lines.iter().find(|l| l.product_id == item.product_id);
        let twice = new.items[..i]
            .iter()
            .any(|o| o.product_id == item.product_id);
        v.check(
            line.is_some() && !twice,
            &format!("items[{i}].product_id"),
            FieldCode::Invalid,
            "is not a product of this order (or is named twice)",
        );
        if let Some(l) = line {
            v.check(
                (1..=l.quantity).contains(&item.quantity),
                &format!("items[{i}].quantity"),
                FieldCode::OutOfRange,
                format!("must be from 1 to {}", l.quantity),
            );
        }
    }
    v.check(
        new.evidence_urls.len() <= 10,
        "evidence_urls",
        FieldCode::TooLong,
        "holds at most 10 links",
    );
    for (i, url) in new.evidence_urls.iter().enumerate() {
        v.check(
            url.starts_with("https://") && url.len() > 8 && url.len() <= 500,
            &format!("evidence_urls[{i}]"),
            FieldCode::InvalidUrl,
            "must be an https link of at most 500 characters",
        );
    }
    if let Some(a) = &new.refund_account {
        v.text("refund_account.bank", &a.bank, 2, 100);
        v.text("refund_account.account_number", &a.account_number, 4, 32);
        v.text("refund_account.holder_name", &a.holder_name, 2, 100);
    }
    v.finish()?;
    Ok((reason, description))
}

/// When the order was delivered: its last move to `delivered`.
async fn delivered_at<C: ConnectionTrait>(db: &C, o: &order::Model) -> Result<DateTime<Utc>> {
    Ok(order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(o.id))
        .filter(order_event::Column::ToStatus.eq(OrderStatus::Delivered.as_str()))
        .order_by_asc(order_event::Column::CreatedAt)
        .one(db)
        .await?
        .map_or(o.updated_at, |e| e.created_at))
}

/// The order's case that is not resolved yet.
async fn open_case_of<C: ConnectionTrait>(
    db: &C,
    order_id: Uuid,
) -> Result<Option<case_row::Model>> {
    Ok(case_row::Entity::find()
        .filter(case_row::Column::OrderId.eq(order_id))
        .filter(case_row::Column::Status.ne(CaseStatus::Resolved.as_str()))
        .one(db)
        .await?)
}

/// The lines a case is about, with their quantities (every line when it names none).
async fn returned_lines<C: ConnectionTrait>(
    db: &C,
    c: &case_row::Model,
) -> Result<Vec<catalog::stock::StockLine>> {
    let named: Vec<CaseItem> = parse(&c.items)?;
    let lines = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(c.order_id))
        .all(db)
        .await?;
    Ok(lines
        .into_iter()
        .filter_map(|l| {
            let quantity = if named.is_empty() {
                Some(l.quantity)
            } else {
                named
                    .iter()
                    .find(|n| n.product_id == l.product_id)
                    .map(|n| n.quantity)
            };
            quantity.map(|quantity| catalog::stock::StockLine {
                product_id: l.product_id,
                quantity,
            })
        })
        .collect())
}

/// The most a case refunds: the goods value of its lines (unit price × quantity), or of the
/// whole order when it names none. Never the delivery fee.
async fn refundable<C: ConnectionTrait>(
    db: &C,
    c: &case_row::Model,
    o: &order::Model,
) -> Result<i64> {
    let named: Vec<CaseItem> = parse(&c.items)?;
    if named.is_empty() {
        return Ok(o.subtotal);
    }
    let lines = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(db)
        .await?;
    Ok(named
        .iter()
        .filter_map(|n| {
            let l = lines.iter().find(|l| l.product_id == n.product_id)?;
            Some(l.unit_price.saturating_mul(n.quantity))
        })
        .sum())
}

/// The case as its parties read it, with its timeline.
async fn view<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<CaseView> {
    let c = case_row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(OrderError::NotFound("Case"))?;
    let timeline = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(id))
        .order_by_asc(case_event::Column::CreatedAt)
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            Ok(CaseEventView {
                kind: stored(&e.kind)?,
                by: stored(&e.by)?,
                message: e.message,
                created_at: e.created_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CaseView {
        id: c.id,
        order_id: c.order_id,
        stall_id: c.stall_id,
        buyer_id: c.buyer_id,
        kind: stored(&c.kind)?,
        status: stored(&c.status)?,
        reason: c.reason,
        description: c.description,
        items: parse(&c.items)?,
        evidence_urls: parse(&c.evidence)?,
        refund_account: c.refund_account.as_deref().map(parse).transpose()?,
        respond_by: c.respond_by,
        decision: c.decision.as_deref().map(stored).transpose()?,
        refund_amount: c.refund_amount,
        refund_via: c.refund_via.as_deref().map(stored).transpose()?,
        goods_received_at: c.goods_received_at,
        created_at: c.created_at,
        resolved_at: c.resolved_at,
        timeline,
    })
}
