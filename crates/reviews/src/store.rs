//! The queries of reviews and reports, over any connection, and the views made of their rows.

use std::collections::{HashMap, HashSet};

use common::{Actor, stored};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    Result, Reviews, ReviewsError,
    entity::{report, review},
    review::{ANONYMOUS, Author, Hidden, Reply, Review, ReviewReport, short_name},
};

/// The review `id`.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<review::Model> {
    review::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ReviewsError::NotFound("Review"))
}

/// The review `id`, its row locked until the caller's transaction ends (PostgreSQL; SQLite's
/// write transaction holds the whole database).
pub async fn find_locked<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<review::Model> {
    review::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(ReviewsError::NotFound("Review"))
}

/// The review `id` as `actor` may see it: a hidden one only by administrators and its author.
pub async fn find_seen<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<review::Model> {
    let m = find(db, id).await?;
    if m.hidden_at.is_some() && !sees_hidden(actor, &m) {
        return Err(ReviewsError::NotFound("Review"));
    }
    Ok(m)
}

/// Whether `actor` sees `m` when it is hidden, and why.
fn sees_hidden(actor: &Actor, m: &review::Model) -> bool {
    actor.is_admin() || actor.user_id() == Some(m.author_id)
}

/// The photos' ids a row holds.
pub fn images_of(m: &review::Model) -> Result<Vec<Uuid>> {
    serde_json::from_str(&m.images)
        .map_err(|e| common::Error::internal(format!("review {}: images: {e}", m.id)).into())
}

/// Stars as stored, checked.
pub fn stars(m: &review::Model) -> Result<u8> {
    u8::try_from(m.rating)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| {
            common::Error::internal(format!("review {}: {} stars", m.id, m.rating)).into()
        })
}

/// Which of the order lines `lines` already have a review.
pub async fn reviewed_lines<C: ConnectionTrait>(db: &C, lines: &[Uuid]) -> Result<HashSet<Uuid>> {
    let rows: Vec<Uuid> = review::Entity::find()
        .select_only()
        .column(review::Column::OrderItemId)
        .filter(review::Column::OrderItemId.is_in(lines.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The report `reporter` filed of `review_id`, if any.
pub async fn report_by<C: ConnectionTrait>(
    db: &C,
    review_id: Uuid,
    reporter: Uuid,
) -> Result<Option<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::ReviewId.eq(review_id))
        .filter(report::Column::ReporterId.eq(reporter))
        .one(db)
        .await?)
}

impl Reviews {
    /// The rows as `actor` sees them: authors' names shortened, photos with their URLs, why a
    /// review is hidden for administrators and its author.
    pub async fn views<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        rows: Vec<review::Model>,
    ) -> Result<Vec<Review>> {
        let authors: Vec<Uuid> = rows.iter().map(|r| r.author_id).collect();
        let names: HashMap<Uuid, String> = self
            .accounts
            .users_by_ids(db, &authors)
            .await?
            .into_iter()
            .map(|u| {
                let name = if u.erased_at.is_some() {
                    ANONYMOUS.to_owned()
                } else {
                    short_name(&u.full_name)
                };
                (u.id, name)
            })
            .collect();
        let mut images = Vec::with_capacity(rows.len());
        for r in &rows {
            images.push(images_of(r)?);
        }
        let all: Vec<Uuid> = images.iter().flatten().copied().collect();
        let photos = self.media.views(db, &all).await?;
        rows.into_iter()
            .zip(images)
            .map(|(r, ids)| {
                let hidden = match (&r.hidden_at, sees_hidden(actor, &r)) {
                    (Some(at), true) => Some(Hidden {
                        at: *at,
                        reason: r.hidden_reason.clone().unwrap_or_default(),
                    }),
                    _ => None,
                };
                let reply = match (&r.reply_text, r.replied_at) {
                    (Some(text), Some(created_at)) => Some(Reply {
                        text: text.clone(),
                        created_at,
                    }),
                    _ => None,
                };
                Ok(Review {
                    id: r.id,
                    product_id: r.product_id,
                    stall_id: r.stall_id,
                    variant_name: r.variant_name.clone(),
                    rating: stars(&r)?,
                    text: r.text.clone(),
                    images: ids.iter().filter_map(|i| photos.get(i).cloned()).collect(),
                    author: Author {
                        name: names
                            .get(&r.author_id)
                            .cloned()
                            .unwrap_or_else(|| ANONYMOUS.to_owned()),
                    },
                    created_at: r.created_at,
                    edited_at: r.edited_at,
                    reply,
                    hidden,
                })
            })
            .collect()
    }

    /// One row as `actor` sees it.
    pub async fn view<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        row: review::Model,
    ) -> Result<Review> {
        self.views(db, actor, vec![row])
            .await?
            .pop()
            .ok_or(ReviewsError::NotFound("Review"))
    }

    /// Reports with their reviews as `actor` sees them.
    pub async fn report_views<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        reports: Vec<report::Model>,
    ) -> Result<Vec<ReviewReport>> {
        let ids: Vec<Uuid> = reports.iter().map(|r| r.review_id).collect();
        let rows = review::Entity::find()
            .filter(review::Column::Id.is_in(ids))
            .all(db)
            .await?;
        let reviews: HashMap<Uuid, Review> = self
            .views(db, actor, rows)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        reports
            .into_iter()
            .map(|m| {
                let review = reviews
                    .get(&m.review_id)
                    .cloned()
                    .ok_or(ReviewsError::NotFound("Review"))?;
                Ok(ReviewReport {
                    id: m.id,
                    reason: stored(&m.reason)?,
                    detail: m.detail,
                    status: stored(&m.status)?,
                    created_at: m.created_at,
                    closed_at: m.closed_at,
                    review,
                })
            })
            .collect()
    }
}
