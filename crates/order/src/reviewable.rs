//! What a buyer may review: the lines of their delivered orders. The reviews crate asks here
//! whether a buyer received a product in an order, and never reads the orders' tables itself.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    entity::{order, order_item},
    error::Result,
    status::OrderStatus,
    types::Stored,
};

/// A line of a delivered order, as a review names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveredLine {
    /// The order line's id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The stall that sold it.
    pub stall_id: Uuid,
    /// The product bought.
    pub product_id: Uuid,
    /// The variant's name when it was sold.
    pub variant_name: Option<String>,
}

/// The lines of `product_id` in order `order_id` when `buyer_id` placed it and it was
/// delivered, in the order's line order; empty for someone else's order, an order not
/// delivered (or no such order), or an order without that product.
pub async fn delivered_lines<C: ConnectionTrait>(
    db: &C,
    buyer_id: Uuid,
    order_id: Uuid,
    product_id: Uuid,
) -> Result<Vec<DeliveredLine>> {
    let Some(o) = order::Entity::find_by_id(order_id)
        .filter(order::Column::BuyerId.eq(buyer_id))
        .filter(order::Column::Status.eq(OrderStatus::Delivered.as_str()))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let lines = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .filter(order_item::Column::ProductId.eq(product_id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    Ok(lines
        .into_iter()
        .map(|l| DeliveredLine {
            id: l.id,
            order_id: o.id,
            stall_id: o.stall_id,
            product_id: l.product_id,
            variant_name: l.variant_name,
        })
        .collect())
}
