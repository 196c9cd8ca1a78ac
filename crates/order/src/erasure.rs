//! What of a buyer's is still under way in the order domain, which keeps their account from
//! being erased: an order not delivered or cancelled, a case not resolved, a refund not yet
//! paid to them (it needs their account). The gateway's erasure asks here and answers 409.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
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
    use case_row::Column as K;
    use order::Column as O;
    use refund::Column as R;
    let finished = [
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
    ]
    .map(Stored::as_str);
    let theirs = order::Entity::find().filter(O::BuyerId.eq(buyer));
    let open = theirs.clone().filter(O::Status.is_not_in(finished));
    let cases = case_row::Entity::find()
        .filter(K::BuyerId.eq(buyer))
        .filter(K::Status.ne(CaseStatus::Resolved.as_str()));
    let theirs = theirs.select_only().column(O::Id).into_query();
    let unpaid = refund::Entity::find()
        .filter(R::OrderId.in_subquery(theirs))
        .filter(R::Status.ne(RefundStatus::Sent.as_str()));
    Ok(Unfinished {
        orders: oldest_first(db, open, O::Id, O::CreatedAt).await?,
        cases: oldest_first(db, cases, K::Id, K::CreatedAt).await?,
        refunds: oldest_first(db, unpaid, R::Id, R::CreatedAt).await?,
    })
}

/// The ids `q` finds, oldest first.
async fn oldest_first<C: ConnectionTrait, E: EntityTrait>(
    db: &C,
    q: Select<E>,
    id: E::Column,
    created_at: E::Column,
) -> Result<Vec<Uuid>> {
    Ok(q.select_only()
        .column(id)
        .order_by_asc(created_at)
        .order_by_asc(id)
        .into_tuple()
        .all(db)
        .await?)
}
