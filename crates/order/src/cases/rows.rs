//! A case's rows: the new row, its conditional moves, its timeline's steps, the checks of a
//! new case against its order, what it names of the order, and the view its parties read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use common::{FieldCode, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CaseEventView, CaseView, NewCase};
use crate::{
    OrderError,
    case::{CaseBy, CaseItem, CaseStatus, CaseStep, RefundAccount},
    entity::{case as case_row, case_event, order, order_event, order_item},
    error::Result,
    status::OrderStatus,
    types::{Stored, stored},
};

/// Evidence a case holds at most (links and media ids together).
pub(super) const MAX_EVIDENCE: usize = 10;

/// A new case's row, open.
pub(super) struct NewRow<'a> {
    pub id: Uuid,
    pub order: &'a order::Model,
    pub new: &'a NewCase,
    pub checked: Checked,
    pub respond_by: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

impl NewRow<'_> {
    pub fn row(self) -> Result<case_row::ActiveModel> {
        let (o, new, c) = (self.order, self.new, self.checked);
        Ok(case_row::ActiveModel {
            id: Set(self.id),
            order_id: Set(o.id),
            buyer_id: Set(o.buyer_id),
            stall_id: Set(o.stall_id),
            kind: Set(new.kind.as_str().into()),
            status: Set(CaseStatus::Open.as_str().into()),
            reason: Set(c.reason),
            description: Set(c.description),
            items: Set(json(&c.items)?),
            evidence: Set(json(&new.evidence_urls)?),
            media_ids: Set(Some(json(&new.media_ids)?)),
            refund_account: Set(c.account.as_ref().map(json).transpose()?),
            respond_by: Set(self.respond_by),
            decision: Set(None),
            refund_amount: Set(None),
            refund_via: Set(None),
            goods_received_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            resolved_at: Set(None),
        })
    }
}

/// Moves the case from `from` to `to` if nobody moved it meanwhile.
pub(super) async fn shift<C: ConnectionTrait>(
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

/// Appends a step to the case's timeline, taken by `actor_id` as `by`.
pub(super) async fn step<C: ConnectionTrait>(
    txn: &C,
    case_id: Uuid,
    (kind, by): (CaseStep, CaseBy),
    actor_id: Option<Uuid>,
    message: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    case_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        kind: Set(kind.as_str().into()),
        by: Set(by.as_str().into()),
        actor_id: Set(actor_id),
        message: Set(message),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

pub(super) fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| OrderError::Corrupt(e.to_string()))
}

pub(super) fn parse<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| OrderError::Corrupt(format!("case data: {e}")))
}

pub(super) fn checked_message(message: &str) -> Result<String> {
    let mut v = Validator::new();
    let m = v.text("message", message, 1, 2000);
    v.finish()?;
    Ok(m)
}

/// A new case as checked: its reason, description, lines and refund account, as kept.
pub(super) struct Checked {
    pub reason: String,
    pub description: String,
    pub items: Vec<CaseItem>,
    pub account: Option<RefundAccount>,
}

/// Checks a new case against the order's lines, every bad field named.
pub(super) fn check_new(new: &NewCase, lines: &[order_item::Model]) -> Result<Checked> {
    let mut v = Validator::new();
    let reason = v.text("reason", &new.reason, 3, 200);
    let description = if new.description.trim().is_empty() {
        String::new()
    } else {
        v.text("description", &new.description, 1, 4000)
    };
    let items = check_items(&mut v, new, lines);
    check_evidence(&mut v, new);
    let account = new
        .refund_account
        .as_ref()
        .map(|a| check_account(&mut v, a));
    v.finish()?;
    Ok(Checked {
        reason,
        description,
        items,
        account,
    })
}

/// The refund account checked field by field, named under `refund_account`
/// ([`crate::case::check_account`]). The account as kept.
pub(super) fn check_account(v: &mut Validator, a: &RefundAccount) -> RefundAccount {
    crate::case::check_account(v, "refund_account.", a)
}

/// The lines a new case names, each by its line id or its product, once, with a quantity from
/// 1 to what was bought.
fn check_items(v: &mut Validator, new: &NewCase, lines: &[order_item::Model]) -> Vec<CaseItem> {
    v.check(
        new.items.len() <= lines.len(),
        "items",
        FieldCode::TooLong,
        "names more lines than the order has",
    );
    if new.items.len() > lines.len() {
        return Vec::new();
    }
    let mut out: Vec<CaseItem> = Vec::new();
    // A line named by its variant, or by its product when that names one line only.
    let named = |l: &order_item::Model, id: Uuid| {
        l.variant_id == Some(id)
            || (l.product_id == id && lines.iter().filter(|m| m.product_id == id).count() == 1)
    };
    for (i, item) in new.items.iter().enumerate() {
        let line = match (item.order_item_id, item.product_id) {
            (Some(id), None) => lines.iter().find(|l| l.id == id),
            (None, Some(product)) => lines.iter().find(|l| named(l, product)),
            (Some(id), Some(product)) => lines.iter().find(|l| l.id == id && named(l, product)),
            (None, None) => {
                v.add(
                    &format!("items[{i}].order_item_id"),
                    FieldCode::Required,
                    "is required",
                );
                continue;
            }
        };
        let twice = line.is_some_and(|l| out.iter().any(|o| o.order_item_id == l.id));
        v.check(
            line.is_some() && !twice,
            &format!("items[{i}].order_item_id"),
            FieldCode::Invalid,
            "is not a line of this order (or is named twice)",
        );
        let Some(l) = line else { continue };
        v.check(
            (1..=l.quantity).contains(&item.quantity),
            &format!("items[{i}].quantity"),
            FieldCode::OutOfRange,
            format!("must be from 1 to {}", l.quantity),
        );
        if !twice {
            out.push(CaseItem {
                order_item_id: l.id,
                product_id: l.product_id,
                variant_id: Some(l.variant_id.unwrap_or(l.product_id)),
                quantity: item.quantity,
            });
        }
    }
    out
}

/// At most [`MAX_EVIDENCE`] pieces of evidence; links are https.
fn check_evidence(v: &mut Validator, new: &NewCase) {
    v.check(
        new.evidence_urls.len() + new.media_ids.len() <= MAX_EVIDENCE,
        "media_ids",
        FieldCode::TooLong,
        "holds at most 10 links and media ids together",
    );
    for (i, url) in new.evidence_urls.iter().enumerate().take(MAX_EVIDENCE) {
        v.check(
            url.starts_with("https://") && url.len() > 8 && url.len() <= 500,
            &format!("evidence_urls[{i}]"),
            FieldCode::InvalidUrl,
            "must be an https link of at most 500 characters",
        );
    }
}

/// When the order was delivered: its last move to `delivered`.
pub(super) async fn delivered_at<C: ConnectionTrait>(
    db: &C,
    o: &order::Model,
) -> Result<DateTime<Utc>> {
    Ok(order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(o.id))
        .filter(order_event::Column::ToStatus.eq(OrderStatus::Delivered.as_str()))
        .order_by_desc(order_event::Column::CreatedAt)
        .one(db)
        .await?
        .map_or(o.updated_at, |e| e.created_at))
}

/// Whether the order has a case that is not resolved yet.
pub(super) async fn has_open_case<C: ConnectionTrait>(db: &C, order_id: Uuid) -> Result<bool> {
    Ok(case_row::Entity::find()
        .filter(case_row::Column::OrderId.eq(order_id))
        .filter(case_row::Column::Status.ne(CaseStatus::Resolved.as_str()))
        .one(db)
        .await?
        .is_some())
}

/// The lines a case is about, with their quantities (every line when it names none).
pub(super) async fn named_lines<C: ConnectionTrait>(
    db: &C,
    c: &case_row::Model,
) -> Result<Vec<(order_item::Model, i64)>> {
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
                    .find(|n| n.order_item_id == l.id)
                    .map(|n| n.quantity)
            };
            quantity.map(|q| (l, q))
        })
        .collect())
}

/// The most a case refunds: the goods value of its lines (unit price × quantity), or of the
/// whole order when it names none. Never the delivery fee.
pub(super) async fn refundable<C: ConnectionTrait>(
    db: &C,
    c: &case_row::Model,
    o: &order::Model,
) -> Result<i64> {
    if parse::<Vec<CaseItem>>(&c.items)?.is_empty() {
        return Ok(o.subtotal);
    }
    Ok(named_lines(db, c)
        .await?
        .iter()
        .map(|(l, q)| l.unit_price.saturating_mul(*q))
        .sum())
}

/// The cases as their parties read them, each with its timeline, in the order given.
pub(super) async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<case_row::Model>,
) -> Result<Vec<CaseView>> {
    let mut events: HashMap<Uuid, Vec<CaseEventView>> = HashMap::new();
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    for e in case_event::Entity::find()
        .filter(case_event::Column::CaseId.is_in(ids))
        .order_by_asc(case_event::Column::CreatedAt)
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?
    {
        events.entry(e.case_id).or_default().push(CaseEventView {
            kind: stored(&e.kind)?,
            by: stored(&e.by)?,
            message: e.message,
            created_at: e.created_at,
        });
    }
    let numbers: HashMap<Uuid, String> = order::Entity::find()
        .filter(order::Column::Id.is_in(rows.iter().map(|c| c.order_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.number))
        .collect();
    rows.into_iter()
        .map(|c| {
            let timeline = events.remove(&c.id).unwrap_or_default();
            let number = numbers.get(&c.order_id).map_or("", String::as_str);
            view_of(c, timeline, crate::notices::order_label(number))
        })
        .collect()
}

/// The case `id` as its parties read it.
pub(super) async fn view<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<CaseView> {
    let c = case_row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(OrderError::NotFound("Case"))?;
    views(db, vec![c])
        .await?
        .pop()
        .ok_or(OrderError::NotFound("Case"))
}

fn view_of(
    c: case_row::Model,
    timeline: Vec<CaseEventView>,
    order_label: String,
) -> Result<CaseView> {
    Ok(CaseView {
        id: c.id,
        order_id: c.order_id,
        order_label,
        stall_id: c.stall_id,
        buyer_id: c.buyer_id,
        kind: stored(&c.kind)?,
        status: stored(&c.status)?,
        reason: c.reason,
        description: c.description,
        items: parse(&c.items)?,
        evidence_urls: parse(&c.evidence)?,
        media_ids: c
            .media_ids
            .as_deref()
            .map(parse)
            .transpose()?
            .unwrap_or_default(),
        refund_account: c.refund_account.as_deref().map(parse).transpose()?,
        respond_by: c.respond_by,
        decision: c.decision.as_deref().map(stored).transpose()?,
        refund_amount: c.refund_amount,
        refund_via: c.refund_via.as_deref().map(stored).transpose()?,
        goods_received_at: c.goods_received_at,
        created_at: c.created_at,
        updated_at: c.updated_at,
        resolved_at: c.resolved_at,
        timeline,
    })
}
