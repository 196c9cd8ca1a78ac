//! Guest carts: the cart of someone not signed in, known only by its random id (the secret the
//! shop front keeps), with the signed-in cart's view, prices and bounds; it expires some days
//! after its last change, and is merged into the buyer's cart at sign-in.
//!
//! A merge claims the guest cart with one conditional update (`merged_at` set where it was
//! unset), so however many merges of one cart run at once its lines move once; the row is kept,
//! without lines, until it expires, and a repeated merge answers the caller's cart unchanged.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use common::{Actor, FieldCode};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionSession, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    OrderError,
    cart::{Cart, CartDestination, Carts, MAX_LINES, MAX_QUANTITY, Row, check_quantity},
    entity::{cart_item, guest_cart, guest_cart_item},
    error::Result,
};

/// Guest carts deleted in one sweep at most.
pub const SWEEP_BATCH: u64 = 500;

/// A guest cart: its id (keep it secret: whoever holds it reads and changes the cart), when it
/// expires, and the cart as `GET /api/v1/cart` shows one.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuestCart {
    /// The cart's id: random (a UUID v4), the only key to it.
    pub id: Uuid,
    /// When it expires unless changed before (each change pushes it back).
    pub expires_at: DateTime<Utc>,
    /// Its lines and totals.
    #[serde(flatten)]
    pub cart: Cart,
}

/// The cart not found: an unknown, expired or merged id, or one that is no id at all.
fn not_found() -> OrderError {
    OrderError::NotFound("Cart")
}

impl Carts {
    /// Starts an empty guest cart.
    pub async fn create_guest<C: ConnectionTrait>(&self, db: &C) -> Result<GuestCart> {
        let now = Utc::now();
        let row = guest_cart::ActiveModel {
            // v4: 122 random bits, never a time-ordered id anyone could guess from another.
            id: Set(Uuid::new_v4()),
            created_at: Set(now),
            expires_at: Set(now + self.guest_ttl),
            merged_at: Set(None),
        };
        let row = guest_cart::Entity::insert(row)
            .exec_with_returning(db)
            .await?;
        Ok(GuestCart {
            id: row.id,
            expires_at: row.expires_at,
            cart: self.view(db, Vec::new()).await?,
        })
    }

    /// The guest cart `id` with current prices, and with delivery when the request names a
    /// commune (`province_code` may be left out).
    pub async fn guest<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
        province_code: Option<String>,
        commune_code: Option<String>,
    ) -> Result<GuestCart> {
        let to = CartDestination::from_request(None, province_code, commune_code)?;
        let place = match to {
            Some(CartDestination::Place {
                province_code,
                commune_code,
            }) => Some(self.checked_place("commune_code", province_code, commune_code)?),
            Some(CartDestination::Address(_)) | None => None,
        };
        let row = live(db, id, Utc::now(), false).await?;
        let mut cart = self.view(db, guest_rows(db, id).await?).await?;
        if let Some((province, commune)) = place {
            cart = self.with_delivery(db, cart, &province, &commune).await?;
        }
        Ok(GuestCart {
            id,
            expires_at: row.expires_at,
            cart,
        })
    }

    /// Sets a line of the guest cart `id` as [`Carts::set`] does for the signed-in cart (same
    /// bounds, only products on sale), and pushes its expiry back.
    pub async fn set_guest<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        id: Uuid,
        item: Uuid,
        quantity: i64,
    ) -> Result<GuestCart> {
        check_quantity(quantity)?;
        if quantity == 0 {
            self.remove_guest(db, id, item).await?;
            return self.guest(db, id, None, None).await;
        }
        let now = Utc::now();
        let Some(offer) = self
            .catalog
            .visible_offers(db, &[item])
            .await?
            .remove(&item)
        else {
            // The cart must exist before anything is said of the product.
            live(db, id, now, false).await?;
            return Err(OrderError::NotFound("Product"));
        };
        let variant_id = offer.variant.id;
        let txn = common::begin_write(db).await?;
        // The cart's row locked: concurrent changes of one cart count its lines one at a time.
        live(&txn, id, now, true).await?;
        let lines = guest_rows(&txn, id).await?;
        if lines.len() >= MAX_LINES && !lines.iter().any(|l| l.variant_id == variant_id) {
            return Err(common::Error::invalid_field(
                "product_id",
                FieldCode::TooMany,
                format!("a cart holds at most {MAX_LINES} products"),
            )
            .into());
        }
        guest_cart_item::Entity::insert(guest_cart_item::ActiveModel {
            cart_id: Set(id),
            variant_id: Set(variant_id),
            quantity: Set(quantity),
            added_at: Set(now),
            unit_price_seen: Set(Some(offer.price())),
        })
        .on_conflict(
            // Setting the line again accepts the price it has now.
            OnConflict::columns([
                guest_cart_item::Column::CartId,
                guest_cart_item::Column::VariantId,
            ])
            .update_columns([
                guest_cart_item::Column::Quantity,
                guest_cart_item::Column::UnitPriceSeen,
            ])
            .to_owned(),
        )
        .exec(&txn)
        .await?;
        self.touch(&txn, id, now).await?;
        txn.commit().await?;
        self.guest(db, id, None, None).await
    }

    /// Removes the line of variant `item`, or every line of product `item`, from the guest
    /// cart `id`; an absent line is not an error, an unknown cart is.
    pub async fn remove_guest<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
        item: Uuid,
    ) -> Result<()> {
        let now = Utc::now();
        live(db, id, now, false).await?;
        let ids = catalog::service::variants::line_ids(db, item).await?;
        guest_cart_item::Entity::delete_many()
            .filter(guest_cart_item::Column::CartId.eq(id))
            .filter(guest_cart_item::Column::VariantId.is_in(ids))
            .exec(db)
            .await?;
        self.touch(db, id, now).await
    }

    /// Moves the lines of the guest cart `id` into the caller's cart and answers it: quantities
    /// of a variant in both add up, capped by the stock and [`MAX_QUANTITY`] (a line of the
    /// caller's is never lowered); lines no longer on sale, out of stock, or beyond
    /// [`MAX_LINES`] are left out. A line moved in keeps the price the guest saw on it (so a
    /// change since is still said), a line the caller had keeps theirs. The guest cart is gone
    /// afterwards; merging it again changes nothing and answers the caller's cart.
    pub async fn merge<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Cart> {
        let user = actor.require_user()?;
        let now = Utc::now();
        let txn = common::begin_write(db).await?;
        // One merge of a cart wins this update; the others find it merged.
        let claimed = guest_cart::Entity::update_many()
            .col_expr(guest_cart::Column::MergedAt, Expr::value(now))
            .filter(guest_cart::Column::Id.eq(id))
            .filter(guest_cart::Column::MergedAt.is_null())
            .filter(guest_cart::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            txn.rollback().await?;
            return match guest_cart::Entity::find_by_id(id).one(db).await? {
                Some(c) if c.merged_at.is_some() && c.expires_at > now => {
                    self.cart(db, actor).await
                }
                _ => Err(not_found()),
            };
        }
        let lines = guest_rows(&txn, id).await?;
        self.move_lines(&txn, user, &lines, now).await?;
        guest_cart_item::Entity::delete_many()
            .filter(guest_cart_item::Column::CartId.eq(id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.cart(db, actor).await
    }

    /// Adds `lines` to `user`'s cart within the cart's bounds (see [`Carts::merge`]).
    async fn move_lines<C: ConnectionTrait>(
        &self,
        txn: &C,
        user: Uuid,
        lines: &[Row],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let ids: Vec<Uuid> = lines.iter().map(|l| l.variant_id).collect();
        let offers = self.catalog.visible_offers(txn, &ids).await?;
        let mine: HashMap<Uuid, i64> = cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(user))
            .all(txn)
            .await?
            .into_iter()
            .map(|r| (r.variant_id, r.quantity))
            .collect();
        let mut count = mine.len();
        for line in lines {
            let Some(offer) = offers.get(&line.variant_id) else {
                continue;
            };
            let had = mine.get(&line.variant_id).copied();
            if had.is_none() && count >= MAX_LINES {
                continue;
            }
            let had = had.unwrap_or(0);
            let cap = offer.stock().min(MAX_QUANTITY);
            let wanted = had.saturating_add(line.quantity).min(cap).max(had);
            if wanted == had {
                continue;
            }
            if had == 0 {
                count += 1;
            }
            cart_item::Entity::insert(cart_item::ActiveModel {
                user_id: Set(user),
                variant_id: Set(line.variant_id),
                quantity: Set(wanted),
                added_at: Set(now),
                unit_price_seen: Set(line.seen),
            })
            .on_conflict(
                // A line the buyer already had keeps the price they saw on it: the merge only
                // adds units, it is not the buyer setting that line at today's price.
                OnConflict::columns([cart_item::Column::UserId, cart_item::Column::VariantId])
                    .update_column(cart_item::Column::Quantity)
                    .to_owned(),
            )
            .exec(txn)
            .await?;
        }
        Ok(())
    }

    /// Deletes up to [`SWEEP_BATCH`] guest carts expired by `now` (their lines with them);
    /// returns how many.
    pub async fn sweep_guests<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let ids: Vec<Uuid> = guest_cart::Entity::find()
            .select_only()
            .column(guest_cart::Column::Id)
            .filter(guest_cart::Column::ExpiresAt.lte(now))
            .order_by_asc(guest_cart::Column::ExpiresAt)
            .limit(SWEEP_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        guest_cart_item::Entity::delete_many()
            .filter(guest_cart_item::Column::CartId.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
        let gone = guest_cart::Entity::delete_many()
            .filter(guest_cart::Column::Id.is_in(ids))
            .filter(guest_cart::Column::ExpiresAt.lte(now))
            .exec(db)
            .await?;
        Ok(gone.rows_affected)
    }

    /// Pushes the expiry of guest cart `id` back to `guest_ttl` from `now`.
    async fn touch<C: ConnectionTrait>(&self, db: &C, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        guest_cart::Entity::update_many()
            .col_expr(
                guest_cart::Column::ExpiresAt,
                Expr::value(now + self.guest_ttl),
            )
            .filter(guest_cart::Column::Id.eq(id))
            .exec(db)
            .await?;
        Ok(())
    }
}

/// The guest cart `id` while it can be used (not expired by `now`, not merged), its row locked
/// for the transaction when `lock`; 404 otherwise.
async fn live<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    now: DateTime<Utc>,
    lock: bool,
) -> Result<guest_cart::Model> {
    let mut q = guest_cart::Entity::find_by_id(id);
    if lock {
        q = q.lock_exclusive();
    }
    match q.one(db).await? {
        Some(c) if c.merged_at.is_none() && c.expires_at > now => Ok(c),
        _ => Err(not_found()),
    }
}

/// The lines of guest cart `id`, oldest first.
async fn guest_rows<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Vec<Row>> {
    Ok(guest_cart_item::Entity::find()
        .filter(guest_cart_item::Column::CartId.eq(id))
        .order_by_asc(guest_cart_item::Column::AddedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|r| Row {
            variant_id: r.variant_id,
            quantity: r.quantity,
            seen: r.unit_price_seen,
        })
        .collect())
}

/// The job that deletes expired guest carts, a batch a run; once none is left, it looks again
/// after `every`. Any number of instances may run it.
pub struct SweepGuestCarts {
    carts: Carts,
    db: sea_orm::DatabaseConnection,
    every: std::time::Duration,
}

impl SweepGuestCarts {
    /// `carts` swept from `db`, looking every `every` once none is due.
    pub fn new(carts: Carts, db: sea_orm::DatabaseConnection, every: std::time::Duration) -> Self {
        Self { carts, db, every }
    }
}

#[jobs::async_trait]
impl jobs::Job for SweepGuestCarts {
    fn kind(&self) -> &'static str {
        "guest_carts_sweep"
    }

    fn schedule(&self) -> jobs::Schedule {
        jobs::Schedule::Drain {
            batch: SWEEP_BATCH,
            idle: self.every,
        }
    }

    async fn run(&self) -> std::result::Result<u64, jobs::JobError> {
        Ok(self
            .carts
            .sweep_guests(&self.db, Utc::now())
            .await
            .map_err(common::Error::from)?)
    }
}
