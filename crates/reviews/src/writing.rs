//! Writing: a buyer reviews a line of a delivered order, once; the author edits the review
//! within the window; a member of the stall replies once. Each writes the product's rating in
//! its own transaction.

use catalog::ratings::{self, RatingChange};
use chrono::{DateTime, Utc};
use common::Actor;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use crate::{
    Result, Reviews, ReviewsError,
    entity::review,
    review::{self as types, NewReply, NewReview, Review, ReviewPatch},
    store,
};

impl Reviews {
    /// Reviews a product the caller received in the delivered order `body.order_id`: the line
    /// `body.order_item_id`, or the first of the product's lines there without a review.
    /// 409 `not_purchased` when the caller has no delivered line of the product in that order
    /// (someone else's order, not delivered, another product), `already_reviewed` when the line
    /// (or every line) has its review; 422 for bad fields and photos not the caller's.
    pub async fn create<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        product: &str,
        body: &NewReview,
        now: DateTime<Utc>,
    ) -> Result<Review> {
        let author = actor.require_user()?;
        let checked = body.check()?;
        let p = self.catalog.product(db, &Actor::Anonymous, product).await?;
        let lines = order::reviewable::delivered_lines(db, author, body.order_id, p.id).await?;
        let lines: Vec<_> = match body.order_item_id {
            Some(item) => lines.into_iter().filter(|l| l.id == item).collect(),
            None => lines,
        };
        if lines.is_empty() {
            return Err(ReviewsError::NotPurchased);
        }
        let images = checked.images.unwrap_or_default();
        self.check_images(db, author, &images).await?;
        let stars = checked.rating.unwrap_or(5);
        let txn = common::begin_write(db).await?;
        let ids: Vec<Uuid> = lines.iter().map(|l| l.id).collect();
        let reviewed = store::reviewed_lines(&txn, &ids).await?;
        let Some(line) = lines.into_iter().find(|l| !reviewed.contains(&l.id)) else {
            return Err(ReviewsError::AlreadyReviewed);
        };
        let row = review::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(p.id),
            stall_id: Set(line.stall_id),
            order_id: Set(line.order_id),
            order_item_id: Set(line.id),
            author_id: Set(author),
            variant_name: Set(line.variant_name),
            rating: Set(i16::from(stars)),
            text: Set(checked.text.unwrap_or_default()),
            images: Set(serde_json::Value::from(ids_text(&images)).to_string()),
            created_at: Set(now),
            edited_at: Set(None),
            reply_text: Set(None),
            reply_by: Set(None),
            replied_at: Set(None),
            hidden_at: Set(None),
            hidden_by: Set(None),
            hidden_reason: Set(None),
        };
        let row = match review::Entity::insert(row).exec_with_returning(&txn).await {
            Ok(row) => row,
            // Another request reviewed the line a moment ago.
            Err(e) if common::db::is_unique_violation(&e) => {
                return Err(ReviewsError::AlreadyReviewed);
            }
            Err(e) => return Err(e.into()),
        };
        ratings::record(&txn, p.id, RatingChange::add(stars)).await?;
        let facts = notify::Facts::new()
            .text("product", p.name)
            .number("rating", i64::from(stars))
            .data("review_id", row.id.to_string());
        self.catalog
            .tell_stall(
                &txn,
                row.stall_id,
                notify::Event::ReviewReceived,
                facts,
                None,
            )
            .await?;
        txn.commit().await?;
        self.view(db, actor, row).await
    }

    /// Changes the caller's review `id` (its author only: anyone else's is 404) within
    /// `reviews.edit_window_days` of its writing (else 409 `edit_window_closed`); a change of
    /// stars moves the product's rating unless the review is hidden.
    pub async fn edit<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        patch: &ReviewPatch,
        now: DateTime<Utc>,
    ) -> Result<Review> {
        let author = actor.require_user()?;
        let checked = patch.check()?;
        let days = self.settings.edit_window_days;
        let mine = |m: &review::Model| m.author_id == author;
        let current = store::find(db, id).await?;
        if !mine(&current) {
            return Err(ReviewsError::NotFound("Review"));
        }
        if !types::editable(current.created_at, now, days) {
            return Err(ReviewsError::EditWindowClosed { days });
        }
        if let Some(images) = &checked.images {
            self.check_images(db, author, images).await?;
        }
        let txn = common::begin_write(db).await?;
        let before = store::find_locked(&txn, id).await?;
        let mut am = review::ActiveModel {
            id: Set(id),
            edited_at: Set(Some(now)),
            ..Default::default()
        };
        if let Some(stars) = checked.rating {
            am.rating = Set(i16::from(stars));
        }
        if let Some(text) = checked.text {
            am.text = Set(text);
        }
        if let Some(images) = &checked.images {
            am.images = Set(serde_json::Value::from(ids_text(images)).to_string());
        }
        let was = store::stars(&before)?;
        let row = review::Entity::update(am).exec(&txn).await?;
        let now_stars = store::stars(&row)?;
        if before.hidden_at.is_none() && was != now_stars {
            let change = RatingChange::change(was, now_stars);
            ratings::record(&txn, row.product_id, change).await?;
        }
        txn.commit().await?;
        self.view(db, actor, row).await
    }

    /// The stall's public reply to review `id`, once (409 `already_replied`), by a member of
    /// the review's stall (403 for anyone else; a hidden review is 404). The author hears of
    /// it.
    pub async fn reply<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        body: &NewReply,
        now: DateTime<Utc>,
    ) -> Result<Review> {
        let user = actor.require_user()?;
        let text = body.check()?;
        let m = store::find_seen(db, &Actor::Anonymous, id).await?;
        let (_, standing) = self
            .catalog
            .standing(db, actor, &m.stall_id.to_string())
            .await?;
        if !matches!(
            standing,
            Some(catalog::stall::Standing::Owner | catalog::stall::Standing::Staff)
        ) {
            return Err(common::Error::forbidden(
                "Only the members of the review's stall may reply to it.",
            )
            .into());
        }
        let txn = common::begin_write(db).await?;
        let done = review::Entity::update_many()
            .set(review::ActiveModel {
                reply_text: Set(Some(text.clone())),
                reply_by: Set(Some(user)),
                replied_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(review::Column::Id.eq(id))
            .filter(review::Column::ReplyText.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(ReviewsError::AlreadyReplied);
        }
        let m = store::find(&txn, id).await?;
        self.tell_author_of_reply(&txn, actor, &m, text).await?;
        txn.commit().await?;
        self.view(db, actor, m).await
    }

    /// Tells the author of `m` that its stall replied, in the caller's transaction.
    async fn tell_author_of_reply<C: ConnectionTrait>(
        &self,
        db: &C,
        member: &Actor,
        m: &review::Model,
        reply: String,
    ) -> Result<()> {
        let p = self
            .catalog
            .product(db, member, &m.product_id.to_string())
            .await?;
        let facts = notify::Facts::new()
            .text("stall", p.stall.name)
            .text("product", p.name)
            .text("reply", reply)
            .data("review_id", m.id.to_string());
        let refs = notify::Refs {
            stall_id: Some(m.stall_id),
            order_id: Some(m.order_id),
        };
        self.catalog
            .notifier()
            .to_users(
                db,
                &[m.author_id],
                notify::Event::ReviewReplied,
                &facts,
                refs,
            )
            .await?;
        Ok(())
    }

    /// 422 naming each of `images` that `author` did not upload.
    async fn check_images<C: ConnectionTrait>(
        &self,
        db: &C,
        author: Uuid,
        images: &[Uuid],
    ) -> Result<()> {
        let owned = self.media.uploaded_by(db, author, images).await?;
        Ok(types::check_owned(images, &owned)?)
    }
}

/// Ids as JSON texts.
fn ids_text(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}
