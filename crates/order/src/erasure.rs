//! What of a buyer's is still under way in the order domain, which keeps their account from
//! being erased: an order not delivered or cancelled, a case not resolved, a refund not yet
//! paid to them (it needs their account). The gateway's erasure asks here and answers 409.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::{
    case::CaseStatus,
    entity::{case as case_row, order, refund},
    error::Result,
    status::OrderStatus,
    types::{RefundStatus, Stored},
};

/// A buyer's unfinished business, each list oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unfinished {
    /// Their orders not yet delivered or cancelled.
    pub orders: Vec<Uuid>,
    /// Their cases not yet resolved.
    pub cases: Vec<Uuid>,
    /// The refunds of their orders not yet paid (queued, failed or owed by hand).
    pub refunds: Vec<Uuid>,
}

/// What of `buyer`'s keeps their account from being erased now.
pub async fn erasure_blockers<C: ConnectionTrait>(db: &C, buyer: Uuid) -> Result<Unfinished> {
    let finished = [OrderStatus::Delivered, OrderStatus::Cancelled].map(Stored::as_str);
    let orders = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::BuyerId.eq(buyer))
        .filter(order::Column::Status.is_not_in(finished))
        .order_by_asc(order::Column::CreatedAt)
        .order_by_asc(order::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let cases = case_row::Entity::find()
        .select_only()
        .column(case_row::Column::Id)
        .filter(case_row::Column::BuyerId.eq(buyer))
        .filter(case_row::Column::Status.ne(CaseStatus::Resolved.as_str()))
        .order_by_asc(case_row::Column::CreatedAt)
        .order_by_asc(case_row::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let theirs = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::BuyerId.eq(buyer))
        .into_query();
    let refunds = refund::Entity::find()
        .select_only()
        .column(refund::Column::Id)
        .filter(refund::Column::OrderId.in_subquery(theirs))
        .filter(refund::Column::Status.ne(RefundStatus::Sent.as_str()))
        .order_by_asc(refund::Column::CreatedAt)
        .order_by_asc(refund::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Unfinished {
        orders,
        cases,
        refunds,
    })
}
