//! Cases on delivered orders: a buyer's return, refund or complaint, the stall's answer within
//! its deadline (escalated to the administrators by itself after it), the buyer's escalation
//! of a rejection, messages, an administrator's decision with a refund of any amount up to the
//! goods concerned, and the stall's receipt of returned goods, which puts them back in stock.
//! Every step is on the case's timeline and told to those it concerns ([`notices`]).
//!
//! A refund reverses the order's ledger entries in proportion ([`ledger::Ledger::reverse_part`])
//! in the same transaction; the money goes back the way it came: a card payment through the
//! provider (queued, sent at once when the decision is made, retried by the refund job if the
//! provider fails), a bank transfer or cash on delivery to the refund account
//! the buyer gave, paid by hand. Refunds of one order never add up to more than was paid for
//! it. The delivery fee is never part of a case's refund: the delivery took place, and the
//! ledger keeps it the stall's; an order cancelled before delivery gets its fee back through
//! cancellation.

mod job;
mod notices;
mod refund;
mod rows;

use chrono::{DateTime, Duration, Utc};
use common::{Actor, FieldCode, Page, PageRequest, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::case::{CaseItem, RefundAccount};
pub use job::EscalateOverdue;

use crate::{
    OrderError,
    case::{self, CaseBy, CaseKind, CaseStatus, CaseStep, Decision},
    entity::{case as case_row, order, order_item},
    error::Result,
    status::OrderStatus,
    types::{PaymentMethod, Stored, stored},
};
use notices::Tell;
use rows::{NewRow, check_new, checked_message, shift, step, view};

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

/// A line a buyer names: by the order's line id, or by its product.
#[derive(Clone, Copy, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCaseItem {
    /// The order's line (`items[].id` of the order).
    pub order_item_id: Option<Uuid>,
    /// Or the variant sold on it, or its product when the order has one line of it.
    pub product_id: Option<Uuid>,
    /// How many of its units, 1 up to as many as were bought.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, example = 1))]
    pub quantity: i64,
}

/// A buyer's new case.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// What the buyer asks for.
    pub kind: CaseKind,
    /// In a few words (3 to 200 characters).
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 200))]
    pub reason: String,
    /// What happened (up to 4 000 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub description: String,
    /// The lines concerned, each once; none: the whole order.
    #[serde(default)]
    pub items: Vec<NewCaseItem>,
    /// Photos or videos, as uploaded media ids (at most 10 with the links).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub media_ids: Vec<Uuid>,
    /// Photos or videos, as https links (at most 10 with the media ids).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub evidence_urls: Vec<String>,
    /// Where money goes back for a bank transfer or cash on delivery (it may also be given
    /// later, with a message).
    pub refund_account: Option<RefundAccount>,
}

/// The stall's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The stall agrees; an administrator settles any refund.
    Accept,
    /// The stall disagrees; the buyer may escalate.
    Reject,
}

/// A message on a case; the buyer may give (or correct) the refund account with it.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseMessage {
    /// 1 to 2 000 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub message: String,
    /// The buyer's account for the money to go back to (the buyer only).
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
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub refund_amount: Option<i64>,
    /// Why (1 to 2 000 characters); the buyer and the stall read it.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
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
    /// The order as texts name it (`#` and eight characters).
    pub order_label: String,
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
    /// The evidence, as links.
    pub evidence_urls: Vec<String>,
    /// The evidence, as uploaded media ids.
    pub media_ids: Vec<Uuid>,
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
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
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
    refunder: crate::refunder::Refunder,
}

fn conflict(code: &'static str, message: &str) -> OrderError {
    common::Error::conflict(code, message).into()
}

fn moved() -> OrderError {
    conflict("case_moved", "The case changed meanwhile; read it again.")
}

impl Cases {
    /// Cases over `catalog` (stall membership, stock, notices) and `ledger` (refunds'
    /// reversals).
    pub fn new(catalog: catalog::Catalog, ledger: ledger::Ledger, settings: CaseSettings) -> Self {
        Self {
            catalog,
            ledger,
            settings,
            refunder: crate::refunder::Refunder::default(),
        }
    }

    /// Sends a card refund a decision owes through `card` at once (without a card provider
    /// it stays queued for the retry job).
    pub fn with_card(mut self, card: std::sync::Arc<dyn crate::provider::PaymentProvider>) -> Self {
        self.refunder = crate::refunder::Refunder::new(Some(card));
        self
    }

    /// The settings in force.
    pub fn settings(&self) -> CaseSettings {
        self.settings
    }

    /// Who tells of case `c` in transaction `txn`.
    fn tell<'a, C>(&'a self, txn: &'a C, c: &'a case_row::Model) -> Tell<'a, C> {
        Tell {
            catalog: &self.catalog,
            txn,
            c,
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
    /// open case per order. The stall has until `respond_by` to answer, and hears of it.
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
        let checked = check_new(&new, &lines)?;
        if stored::<OrderStatus>(&o.status)? != OrderStatus::Delivered {
            return Err(conflict(
                "order_not_delivered",
                "A case is opened on a delivered order.",
            ));
        }
        if now > rows::delivered_at(db, &o).await? + self.settings.window {
            return Err(conflict(
                "case_window_closed",
                "The time to open a case on this order has passed.",
            ));
        }
        let already = || conflict("case_already_open", "This order already has an open case.");
        let txn = common::begin_write(db).await?;
        // Two opens of one order are taken one after the other; the partial unique index
        // holds the rule should anything else write.
        order::Entity::find_by_id(o.id)
            .lock_exclusive()
            .one(&txn)
            .await?;
        if rows::has_open_case(&txn, o.id).await? {
            return Err(already());
        }
        let id = Uuid::now_v7();
        let description = checked.description.clone();
        let row = NewRow {
            id,
            order: &o,
            new: &new,
            checked,
            respond_by: now + self.settings.stall_response,
            now,
        }
        .row()?;
        let c = match row.insert(&txn).await {
            Ok(c) => c,
            Err(e) if common::db::is_unique_violation(&e) => return Err(already()),
            Err(e) => return Err(e.into()),
        };
        let said = (!description.is_empty()).then_some(description);
        let by = (CaseStep::Opened, CaseBy::Buyer);
        step(&txn, id, by, actor.user_id(), said, now).await?;
        self.tell(&txn, &c).opened().await?;
        txn.commit().await?;
        view(db, id).await
    }

    /// The stall answers (a member): accept or reject, with a message, while the case is open.
    pub async fn respond<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        answer: Answer,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let c = self.find(db, actor, id, CaseBy::Stall).await?;
        let message = checked_message(message)?;
        let accepted = answer == Answer::Accept;
        let to = if accepted {
            CaseStep::Accepted
        } else {
            CaseStep::Rejected
        };
        let txn = self.advance(&c, db, to, now).await?;
        let by = (to, CaseBy::Stall);
        step(&txn, c.id, by, actor.user_id(), Some(message.clone()), now).await?;
        self.tell(&txn, &c).answered(accepted, &message).await?;
        txn.commit().await?;
        view(db, c.id).await
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
        let status = stored::<CaseStatus>(&c.status)?;
        if status == CaseStatus::Resolved {
            return Err(closed());
        }
        if status != CaseStatus::Rejected {
            return Err(conflict(
                "case_not_rejected",
                "Only a case the stall rejected is escalated by the buyer.",
            ));
        }
        let txn = self.advance(&c, db, CaseStep::Escalated, now).await?;
        let by = (CaseStep::Escalated, CaseBy::Buyer);
        step(&txn, c.id, by, actor.user_id(), None, now).await?;
        self.tell(&txn, &c).escalated(CaseBy::Buyer).await?;
        txn.commit().await?;
        view(db, c.id).await
    }

    /// A message on the case (its buyer, a stall member or an administrator), until resolved;
    /// the buyer may give the refund account with it. The other side hears of it.
    pub async fn message<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        m: &CaseMessage,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        let c = case_row::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Case"))?;
        let parties = self
            .parties(db, actor, c.buyer_id, c.stall_id, "Case")
            .await?;
        let mut v = Validator::new();
        let message = v.text("message", &m.message, 1, 2000);
        let account = m.refund_account.as_ref().map(|a| {
            v.check(
                parties.contains(&CaseBy::Buyer),
                "refund_account",
                FieldCode::Invalid,
                "is given by the buyer only",
            );
            rows::check_account(&mut v, a)
        });
        v.finish()?;
        if stored::<CaseStatus>(&c.status)? == CaseStatus::Resolved {
            return Err(closed());
        }
        let txn = common::begin_write(db).await?;
        let mut touch = case_row::Entity::update_many()
            .col_expr(case_row::Column::UpdatedAt, Expr::value(now))
            .filter(case_row::Column::Id.eq(c.id))
            .filter(case_row::Column::Status.ne(CaseStatus::Resolved.as_str()));
        if let Some(a) = &account {
            let account = rows::json(a)?;
            touch = touch.col_expr(case_row::Column::RefundAccount, Expr::value(account));
        }
        if touch.exec(&txn).await?.rows_affected != 1 {
            return Err(closed());
        }
        let by = parties[0];
        let said = Some(message.clone());
        step(
            &txn,
            c.id,
            (CaseStep::Message, by),
            actor.user_id(),
            said,
            now,
        )
        .await?;
        self.tell(&txn, &c).message(by, &message).await?;
        txn.commit().await?;
        view(db, id).await
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

    /// Every case, optionally in one status, oldest first (administrators: their queue).
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
        page_of(db, case_row::Entity::find(), Order::Asc, status, page).await
    }

    /// The caller's own cases as a buyer, newest first.
    pub async fn mine<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: Option<CaseStatus>,
        page: PageRequest,
    ) -> Result<Page<CaseView>> {
        let user = actor.require_user()?;
        let q = case_row::Entity::find().filter(case_row::Column::BuyerId.eq(user));
        page_of(db, q, Order::Desc, status, page).await
    }

    /// A stall's cases (its members), optionally in one status, oldest first: the ones to
    /// answer come first with `?status=open`.
    pub async fn of_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        status: Option<CaseStatus>,
        page: PageRequest,
    ) -> Result<Page<CaseView>> {
        let (stall_id, _) = self.catalog.membership(db, actor, stall).await?;
        let q = case_row::Entity::find().filter(case_row::Column::StallId.eq(stall_id));
        page_of(db, q, Order::Asc, status, page).await
    }

    /// Sends at most `batch` open cases whose stall did not answer by `respond_by` to the
    /// administrators, as the marketplace; returns how many moved. The escalation job's work:
    /// each move is a conditional update, so instances running it together move each case once.
    pub async fn escalate_overdue<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
        batch: u64,
    ) -> Result<u64> {
        let due = case_row::Entity::find()
            .filter(case_row::Column::Status.eq(CaseStatus::Open.as_str()))
            .filter(case_row::Column::RespondBy.lte(now))
            .order_by_asc(case_row::Column::RespondBy)
            .limit(batch)
            .all(db)
            .await?;
        let mut moved = 0;
        for c in due {
            let txn = common::begin_write(db).await?;
            if shift(&txn, &c, CaseStatus::Open, CaseStatus::Escalated, now).await? {
                let said = Some("Gian hàng không trả lời trong thời hạn.".to_owned());
                let by = (CaseStep::Escalated, CaseBy::Deadline);
                step(&txn, c.id, by, None, said, now).await?;
                self.tell(&txn, &c).escalated(CaseBy::Deadline).await?;
                moved += 1;
            }
            txn.commit().await?;
        }
        Ok(moved)
    }

    /// An administrator decides. A refund of 1 đồng up to the goods value of the lines
    /// concerned reverses the order's ledger entries in proportion and owes the money back
    /// by the order's payment method (never more, with the order's other refunds, than was
    /// paid for it). The buyer and the stall hear of it. A card refund is sent at once; if the
    /// provider fails, it stays queued and the retry job sends it.
    pub async fn resolve<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        r: Resolution,
        now: DateTime<Utc>,
    ) -> Result<CaseView> {
        actor.require_user()?;
        if !actor.is_admin() {
            return Err(common::Error::forbidden("Only administrators decide a case.").into());
        }
        let c = self.find(db, actor, id, CaseBy::Admin).await?;
        let o = order::Entity::find_by_id(c.order_id)
            .one(db)
            .await?
            .ok_or_else(|| OrderError::Corrupt(format!("case {id} has no order")))?;
        let at_most = rows::refundable(db, &c, &o).await?;
        let (amount, message) = check_resolution(&r, at_most)?;
        let txn = self.advance(&c, db, CaseStep::Resolved, now).await?;
        let method = stored::<PaymentMethod>(&o.payment_method)?;
        let mut done = case_row::ActiveModel {
            id: Set(c.id),
            decision: Set(Some(r.decision.as_str().into())),
            resolved_at: Set(Some(now)),
            ..Default::default()
        };
        if let Some(amount) = amount {
            let part = refund::PartRefund {
                case_id: c.id,
                order: &o,
                method,
                amount,
                account: c.refund_account.clone(),
                actor_id: actor.user_id(),
                message: &message,
                now,
            };
            refund::owe(&txn, &self.ledger, part).await?;
            done.refund_amount = Set(Some(amount));
            done.refund_via = Set(Some(method.as_str().into()));
        }
        done.update(&txn).await?;
        let by = (CaseStep::Resolved, CaseBy::Admin);
        step(&txn, c.id, by, actor.user_id(), Some(message.clone()), now).await?;
        self.tell(&txn, &c)
            .resolved(r.decision, amount, &message)
            .await?;
        txn.commit().await?;
        if amount.is_some() && method == PaymentMethod::Card {
            self.refunder.send_now(db, c.order_id).await?;
        }
        view(db, id).await
    }

    /// The stall confirms the returned goods arrived (a member), on an accepted or decided
    /// return; the lines concerned go back in stock, once, and the buyer hears of it.
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
        let status = stored::<CaseStatus>(&c.status)?;
        if c.goods_received_at.is_some() || case::next(status, CaseStep::GoodsReceived).is_none() {
            return Err(conflict(
                "goods_not_expected",
                "The goods are received once, on a return the stall accepted.",
            ));
        }
        let lines: Vec<_> = rows::named_lines(db, &c)
            .await?
            .into_iter()
            .map(|(l, quantity)| catalog::stock::StockLine {
                product_id: l.product_id,
                variant_id: l.variant_id.unwrap_or(l.product_id),
                quantity,
            })
            .collect();
        let txn = common::begin_write(db).await?;
        let res = case_row::Entity::update_many()
            .col_expr(case_row::Column::GoodsReceivedAt, Expr::value(now))
            .col_expr(case_row::Column::UpdatedAt, Expr::value(now))
            .filter(case_row::Column::Id.eq(c.id))
            .filter(case_row::Column::GoodsReceivedAt.is_null())
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(conflict(
                "goods_not_expected",
                "The goods were received already.",
            ));
        }
        catalog::stock::release(&txn, &lines).await?;
        let by = (CaseStep::GoodsReceived, CaseBy::Stall);
        step(&txn, c.id, by, actor.user_id(), None, now).await?;
        self.tell(&txn, &c).goods_received().await?;
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

    /// Opens the transaction of step `to` with the case moved by it, if the step is possible
    /// where the case stands and nobody moved it meanwhile.
    async fn advance<C: ConnectionTrait + TransactionTrait>(
        &self,
        c: &case_row::Model,
        db: &C,
        to: CaseStep,
        now: DateTime<Utc>,
    ) -> Result<C::Transaction> {
        let from = stored::<CaseStatus>(&c.status)?;
        if from == CaseStatus::Resolved {
            return Err(closed());
        }
        let Some(status) = case::next(from, to) else {
            return Err(conflict(
                "case_moved",
                "This step is not possible where the case stands.",
            ));
        };
        let txn = common::begin_write(db).await?;
        if !shift(&txn, c, from, status, now).await? {
            return Err(moved());
        }
        Ok(txn)
    }
}

fn closed() -> OrderError {
    conflict("case_closed", "This case was decided already.")
}

/// The amount a decision refunds (none for a rejection) and its message, checked.
fn check_resolution(r: &Resolution, at_most: i64) -> Result<(Option<i64>, String)> {
    let mut v = Validator::new();
    let message = v.text("message", &r.message, 1, 2000);
    let amount = match (r.decision, r.refund_amount) {
        (Decision::Refund, Some(a)) if (1..=at_most).contains(&a) => Some(a),
        (Decision::Refund, _) => {
            v.add(
                "refund_amount",
                FieldCode::OutOfRange,
                format!("must be from 1 to {at_most} đồng (the goods concerned)"),
            );
            None
        }
        (Decision::Reject, None) => None,
        (Decision::Reject, Some(_)) => {
            v.add(
                "refund_amount",
                FieldCode::ConflictingFields,
                "is given only with the decision refund",
            );
            None
        }
    };
    v.finish()?;
    Ok((amount, message))
}

/// A page of cases of `q` in `by_creation` order of their creation (queues oldest first, a
/// buyer's own newest first), optionally in one status.
async fn page_of<C: ConnectionTrait>(
    db: &C,
    q: sea_orm::Select<case_row::Entity>,
    by_creation: Order,
    status: Option<CaseStatus>,
    page: PageRequest,
) -> Result<Page<CaseView>> {
    let q = q
        .order_by(case_row::Column::CreatedAt, by_creation.clone())
        .order_by(case_row::Column::Id, by_creation);
    let q = match status {
        Some(s) => q.filter(case_row::Column::Status.eq(s.as_str())),
        None => q,
    };
    let found = common::page::fetch(db, q, page).await?;
    Ok(Page::new(
        rows::views(db, found.items).await?,
        found.total,
        page,
    ))
}
