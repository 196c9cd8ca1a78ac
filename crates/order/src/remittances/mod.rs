//! Carriers' remittances of cash on delivery: an administrator uploads the statement a
//! carrier sends with its transfer (CSV as the carrier exports it, [`parse`], or JSON), and
//! each line is matched to an order and settled in the ledger (`cod_remitted`, `carrier_fee`:
//! [`ledger::cod`]), in one transaction per statement; the lines that do not match are kept
//! with the statement for an administrator:
//! - `unknown_order`: no order has that waybill (with the statement's carrier) or number, the
//!   two name different orders, or the order's cash was not collected by a carrier (paid
//!   online, the stall's own delivery, or not delivered yet): nothing is written;
//! - `amount_mismatch`: the cash differs from what the carrier collected for the order:
//!   nothing is written; the order's cash stays outstanding until a statement with the right
//!   amount (the carrier's correction) settles it;
//! - `already_remitted`: the order's cash was remitted by an earlier statement or an earlier
//!   line of this one: nothing is written again.
//!
//! Each statement is stored with the SHA-256 digest of what was sent (its carrier, reference,
//! day and body): sending the same statement again answers the stored one and changes
//! nothing, even when both arrive at once (the digest is unique; the second waits for the
//! first and finds it). Another statement under a carrier's reference already used is refused.

mod book;
pub mod parse;

use chrono::{DateTime, NaiveDate, Utc};
use common::{Actor, Page, PageRequest, Stored, stored};
use ledger::{EntryKind, entity::entry};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Orders,
    entity::{cod_remittance, cod_remittance_line, order, shipment},
    error::Result,
};

/// The most lines a statement may have.
pub const MAX_LINES: usize = 5000;

/// A carrier's remittance statement, as an administrator sends it.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatementInput {
    /// The carrier, as configured (`ghn`): lower-case letters, digits, `_` or `-`.
    pub carrier: String,
    /// The carrier's reference of the statement or its transfer (1 to 64 characters).
    pub reference: String,
    /// The day the carrier remitted (Vietnam's calendar), not in the future.
    pub remitted_on: NaiveDate,
    /// Its lines, 1 to 5000.
    pub lines: Vec<LineInput>,
}

/// One order's line of a statement.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// The carrier's waybill (its order code); this or `order_number` is needed.
    #[serde(default)]
    pub tracking_no: Option<String>,
    /// Our order number (the carrier's client order code).
    #[serde(default)]
    pub order_number: Option<String>,
    /// The cash the carrier collected for the order, đồng.
    pub cod_amount: i64,
    /// The carrier's fees taken off, đồng.
    #[serde(default)]
    pub fee: i64,
}

/// What became of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineResult {
    /// Settled in the ledger: `cod_remitted` and `carrier_fee` written.
    Matched,
    /// No carrier-collected order matches it; nothing written.
    UnknownOrder,
    /// Its cash differs from what the carrier collected; nothing written.
    AmountMismatch,
    /// The order's cash was remitted before; nothing written.
    AlreadyRemitted,
}

impl Stored for LineResult {
    const WHAT: &'static str = "remittance line result";
    const ALL: &'static [Self] = &[
        Self::Matched,
        Self::UnknownOrder,
        Self::AmountMismatch,
        Self::AlreadyRemitted,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::UnknownOrder => "unknown_order",
            Self::AmountMismatch => "amount_mismatch",
            Self::AlreadyRemitted => "already_remitted",
        }
    }
}

/// A line of a statement, as stored.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineView {
    /// Its place in the statement, from 1.
    pub line_no: i32,
    /// The carrier's waybill, as sent.
    pub tracking_no: Option<String>,
    /// Our order number, as sent.
    pub order_number: Option<String>,
    /// The cash, đồng.
    pub cod_amount: i64,
    /// The fees, đồng.
    pub fee: i64,
    /// The order it names, when one was found.
    pub order_id: Option<Uuid>,
    /// Its stall.
    pub stall_id: Option<Uuid>,
    /// What the carrier held of the order's cash when the line was read.
    pub expected: Option<i64>,
    /// What became of it.
    pub result: LineResult,
}

/// A statement, as stored.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemittanceView {
    /// The statement.
    pub id: Uuid,
    /// The carrier.
    pub carrier: String,
    /// Its reference.
    pub reference: String,
    /// The day it remitted.
    pub remitted_on: NaiveDate,
    /// The administrator who uploaded it.
    pub uploaded_by: Uuid,
    /// How many lines it has.
    pub line_count: i32,
    /// How many were settled.
    pub matched_count: i32,
    /// How many are held for an administrator.
    pub mismatch_count: i32,
    /// The cash of every line, đồng.
    pub cod_total: i64,
    /// The fees of every line, đồng.
    pub fee_total: i64,
    /// What the carrier transferred: `cod_total − fee_total`.
    pub net_total: i64,
    /// The cash written to the ledger as remitted (the matched lines').
    pub booked_total: i64,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
    /// Its lines in order (the list of statements leaves them out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineView>>,
}

impl RemittanceView {
    fn of(m: cod_remittance::Model, lines: Option<Vec<LineView>>) -> Self {
        Self {
            id: m.id,
            carrier: m.carrier,
            reference: m.reference,
            remitted_on: m.remitted_on,
            uploaded_by: m.uploaded_by,
            line_count: m.line_count,
            matched_count: m.matched_count,
            mismatch_count: m.line_count - m.matched_count,
            cod_total: m.cod_total,
            fee_total: m.fee_total,
            net_total: m.cod_total - m.fee_total,
            booked_total: m.booked_total,
            created_at: m.created_at,
            lines,
        }
    }
}

/// An upload's answer: the statement, and whether it had been sent before.
#[derive(Clone, Debug)]
pub struct Uploaded {
    /// The statement with its lines.
    pub statement: RemittanceView,
    /// `true` when the same statement had been uploaded before: nothing changed.
    pub replayed: bool,
}

/// A delivered order whose cash a carrier holds.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceivableView {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_number: Option<String>,
    /// Its stall.
    pub stall_id: Uuid,
    /// The carrier that collected the cash, when the order has a shipment.
    pub carrier: Option<String>,
    /// Its waybill.
    pub tracking_no: Option<String>,
    /// The cash the carrier holds, đồng.
    pub amount: i64,
    /// When it was delivered (the receivable was written).
    pub delivered_at: DateTime<Utc>,
}

/// The receivables still held by carriers, and their sum.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receivables {
    /// The cash carriers hold over the whole list, đồng.
    pub outstanding_total: i64,
    /// The orders, oldest delivery first.
    pub orders: Page<ReceivableView>,
}

fn line_view(l: cod_remittance_line::Model) -> Result<LineView> {
    Ok(LineView {
        line_no: l.line_no,
        tracking_no: l.tracking_no,
        order_number: l.order_number,
        cod_amount: l.cod_amount,
        fee: l.fee,
        order_id: l.order_id,
        stall_id: l.stall_id,
        expected: l.expected,
        result: stored(&l.result)?,
    })
}

/// A statement with its lines.
async fn read<C: ConnectionTrait>(db: &C, m: cod_remittance::Model) -> Result<RemittanceView> {
    let lines = cod_remittance_line::Entity::find()
        .filter(cod_remittance_line::Column::RemittanceId.eq(m.id))
        .order_by_asc(cod_remittance_line::Column::LineNo)
        .all(db)
        .await?
        .into_iter()
        .map(line_view)
        .collect::<Result<Vec<_>>>()?;
    Ok(RemittanceView::of(m, Some(lines)))
}

/// Orders with a `cod_receivable` and no `cod_remitted`, of one carrier's if named.
fn outstanding(carrier: Option<&str>) -> sea_orm::Select<entry::Entity> {
    let mut q = entry::Entity::find()
        .filter(entry::Column::Kind.eq(EntryKind::CodReceivable.as_str()))
        .filter(
            Expr::col((entry::Entity, entry::Column::OrderId)).not_in_subquery(
                Query::select()
                    .column(entry::Column::OrderId)
                    .from(entry::Entity)
                    .and_where(Expr::col(entry::Column::Kind).eq(EntryKind::CodRemitted.as_str()))
                    .and_where(Expr::col(entry::Column::OrderId).is_not_null())
                    .to_owned(),
            ),
        );
    if let Some(carrier) = carrier {
        q = q.filter(
            Expr::col((entry::Entity, entry::Column::OrderId)).in_subquery(
                Query::select()
                    .column(shipment::Column::OrderId)
                    .from(shipment::Entity)
                    .and_where(Expr::col(shipment::Column::Carrier).eq(carrier))
                    .to_owned(),
            ),
        );
    }
    q
}

impl Orders {
    /// The statements uploaded, newest first, of one carrier if named (administrators).
    pub async fn remittances<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        carrier: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<RemittanceView>> {
        actor.require_admin()?;
        let mut q = cod_remittance::Entity::find();
        if let Some(carrier) = carrier {
            q = q.filter(cod_remittance::Column::Carrier.eq(carrier));
        }
        let q = q
            .order_by_desc(cod_remittance::Column::CreatedAt)
            .order_by_desc(cod_remittance::Column::Id);
        Ok(common::page::fetch(db, q, page)
            .await?
            .map(|m| RemittanceView::of(m, None)))
    }

    /// A statement with its lines and what became of each (administrators).
    pub async fn remittance<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<RemittanceView> {
        actor.require_admin()?;
        let m = cod_remittance::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(crate::OrderError::NotFound("Remittance"))?;
        read(db, m).await
    }

    /// The delivered orders whose cash a carrier still holds (one carrier's if named), oldest
    /// delivery first, with the sum over them all (administrators).
    pub async fn cod_receivables<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        carrier: Option<&str>,
        page: PageRequest,
    ) -> Result<Receivables> {
        actor.require_admin()?;
        let total: Option<Option<i64>> = outstanding(carrier)
            .select_only()
            .column_as(
                Expr::cust("CAST(SUM(ledger_entries.amount) AS BIGINT)"),
                "sum",
            )
            .into_tuple()
            .one(db)
            .await?;
        let q = outstanding(carrier)
            .order_by_asc(entry::Column::CreatedAt)
            .order_by_asc(entry::Column::Id);
        let rows = common::page::fetch(db, q, page).await?;
        let ids: Vec<Uuid> = rows.items.iter().filter_map(|e| e.order_id).collect();
        let orders = order::Entity::find()
            .filter(order::Column::Id.is_in(ids.clone()))
            .all(db)
            .await?;
        let shipments = shipment::Entity::find()
            .filter(shipment::Column::OrderId.is_in(ids))
            .all(db)
            .await?;
        let page = rows.map(|e| {
            let id = e.order_id.unwrap_or_default();
            let o = orders.iter().find(|o| o.id == id);
            let s = shipments.iter().find(|s| s.order_id == id);
            ReceivableView {
                order_id: id,
                order_number: o.map(|o| o.number.clone()),
                stall_id: e.stall_id,
                carrier: s.map(|s| s.carrier.clone()),
                tracking_no: s.and_then(|s| s.tracking_no.clone()),
                amount: -e.amount,
                delivered_at: e.created_at,
            }
        });
        Ok(Receivables {
            outstanding_total: -total.flatten().unwrap_or(0),
            orders: page,
        })
    }
}
