//! The in-app inbox: a user's notifications, newest first, and marking them read.

use chrono::{DateTime, Utc};
use common::{Error, page::Page, page::PageRequest, stored};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{Event, entity::notification};

/// One inbox entry.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationView {
    /// Its id.
    pub id: Uuid,
    /// What happened.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = crate::Event, example = "order_shipped")
    )]
    pub event: String,
    /// One line.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Đơn hàng #0193ABCD đang được giao")
    )]
    pub title: String,
    /// The whole text.
    pub body: String,
    /// The event's facts (amounts in đồng as integers).
    pub data: serde_json::Value,
    /// The stall concerned.
    pub stall_id: Option<Uuid>,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// When the user read it.
    pub read_at: Option<DateTime<Utc>>,
}

/// A page of the inbox with the count of unread entries.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inbox {
    /// The entries on this page.
    pub items: Vec<NotificationView>,
    /// How many entries the list has.
    pub total: u64,
    /// This page's number.
    pub page: u64,
    /// The page size asked for.
    pub per_page: u64,
    /// How many are unread in all.
    pub unread: u64,
}

/// The user's notifications, newest first; only the unread ones with `unread_only`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    unread_only: bool,
    page: PageRequest,
) -> Result<Inbox, Error> {
    let mine = notification::Entity::find().filter(notification::Column::UserId.eq(user));
    let unread = mine
        .clone()
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await
        .map_err(Error::internal)?;
    let q = if unread_only {
        mine.filter(notification::Column::ReadAt.is_null())
    } else {
        mine
    };
    let q = q
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id);
    let Page {
        items,
        total,
        page,
        per_page,
    } = common::page::fetch(db, q, page)
        .await
        .map_err(Error::internal)?
        .try_map(view)?;
    Ok(Inbox {
        items,
        total,
        page,
        per_page,
        unread,
    })
}

/// Marks one of the user's notifications read (again is fine); another's is not found.
pub async fn mark_read<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    id: Uuid,
) -> Result<NotificationView, Error> {
    let found = notification::Entity::find_by_id(id)
        .filter(notification::Column::UserId.eq(user))
        .one(db)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::not_found("Notification"))?;
    if found.read_at.is_some() {
        return view(found);
    }
    let now = Utc::now();
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await
        .map_err(Error::internal)?;
    view(notification::Model {
        read_at: Some(now),
        ..found
    })
}

/// Marks all of the user's notifications read; returns how many were unread.
pub async fn mark_all_read<C: ConnectionTrait>(db: &C, user: Uuid) -> Result<u64, Error> {
    Ok(notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await
        .map_err(Error::internal)?
        .rows_affected)
}

/// A notification as its user reads it; a row naming no event is corrupt, an error.
fn view(n: notification::Model) -> Result<NotificationView, Error> {
    Ok(NotificationView {
        id: n.id,
        event: stored::<Event>(&n.event)?.as_str().to_owned(),
        title: n.title,
        body: n.body,
        data: serde_json::from_str(&n.data).unwrap_or(serde_json::Value::Null),
        stall_id: n.stall_id,
        order_id: n.order_id,
        created_at: n.created_at,
        read_at: n.read_at,
    })
}
