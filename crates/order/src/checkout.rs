//! Checkout: the cart becomes one order per stall under one checkout, with names and prices
//! snapshotted and stock reserved by a conditional update in the same transaction, so no
//! product is ever oversold. An `Idempotency-Key` makes a retried checkout return the first
//! result.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use chrono::Utc;
use common::{Actor, phone::normalize_vn_phone, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    SqliteTransactionMode, TransactionOptions, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    OrderError,
    cart::Carts,
    entity::{cart_item, checkout, order, order_event, order_item},
    error::{Result, Shortage},
    orders::{OrderView, Orders},
    payment::{PaymentMethod, PaymentProvider, PaymentRequest, PaymentStart, ProviderError},
    status::OrderStatus,
};

/// Where to deliver.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Shipping {
    /// Who receives it.
    pub recipient: String,
    /// A Vietnamese phone number.
    pub phone: String,
    /// Commune code.
    pub commune_code: String,
    /// Street address within the commune.
    pub street: String,
}

/// A checkout request.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// Delivery address.
    pub shipping: Shipping,
    /// `cod` or `card`.
    pub payment_method: PaymentMethod,
    /// A note for the stalls.
    pub note: Option<String>,
    /// The total the buyer was shown, in đồng. When the server's total differs (a price
    /// changed since), the checkout is refused with 409 `total_changed` and the new breakdown,
    /// and nothing is ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_total: Option<i64>,
}

/// The outcome of a checkout.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutResult {
    /// The checkout.
    pub checkout_id: Uuid,
    /// Total of all orders, in đồng.
    pub total: i64,
    /// One order per stall.
    pub orders: Vec<OrderView>,
    /// For card payments: what the buyer's client needs to pay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentStart>,
}

/// Turns carts into orders.
#[derive(Clone, Debug)]
pub struct Checkouts {
    catalog: catalog::Catalog,
    card: Option<Arc<dyn PaymentProvider>>,
    payment_ttl: chrono::Duration,
}

fn request_hash(req: &CheckoutRequest) -> String {
    let json = serde_json::to_vec(req).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Checkouts {
    /// Checkouts over `catalog`.
    pub fn new(catalog: catalog::Catalog) -> Self {
        Self {
            catalog,
            card: None,
            payment_ttl: chrono::Duration::minutes(30),
        }
    }

    /// Takes card payments through `provider`; a checkout left unpaid for `ttl` expires.
    pub fn with_card(mut self, provider: Arc<dyn PaymentProvider>, ttl: chrono::Duration) -> Self {
        self.card = Some(provider);
        self.payment_ttl = ttl;
        self
    }

    fn validate(&self, req: &CheckoutRequest) -> Result<(Shipping, Option<String>)> {
        let mut v = Validator::new();
        let recipient = v.text("shipping.recipient", &req.shipping.recipient, 2, 100);
        let phone = normalize_vn_phone(&req.shipping.phone);
        v.check(
            phone.is_some(),
            "shipping.phone",
            "must be a Vietnamese phone number such as 0912 345 678",
        );
        v.check(
            self.catalog
                .regions()
                .get(&req.shipping.commune_code)
                .is_some(),
            "shipping.commune_code",
            "is not a commune of this province",
        );
        let street = v.text("shipping.street", &req.shipping.street, 3, 255);
        let note = req
            .note
            .as_deref()
            .map(|n| v.text("note", n, 0, 1000))
            .filter(|n| !n.is_empty());
        v.finish()?;
        Ok((
            Shipping {
                recipient,
                phone: phone.unwrap_or_default(),
                commune_code: req.shipping.commune_code.clone(),
                street,
            },
            note,
        ))
    }

    /// Checks the caller's cart out. The same key with the same request returns the first
    /// result; with another request it is refused.
    pub async fn checkout<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        key: &str,
        req: CheckoutRequest,
    ) -> Result<CheckoutResult> {
        let buyer = actor.require_user()?;
        let key = key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(common::Error::invalid_field(
                "Idempotency-Key",
                "must be 1 to 200 characters",
            )
            .into());
        }
        let hash = request_hash(&req);
        if let Some(done) = self.replay(db, buyer, key, &hash).await? {
            return Ok(done);
        }
        let (shipping, note) = self.validate(&req)?;
        if req.payment_method == PaymentMethod::Card && self.card.is_none() {
            return Err(common::Error::invalid_field(
                "payment_method",
                "card payments are not available; choose cod",
            )
            .into());
        }

        // What the buyer's cart holds as the checkout starts; the same lines must still be
        // there under the lock below.
        let seen = cart_key(
            &cart_item::Entity::find()
                .filter(cart_item::Column::UserId.eq(buyer))
                .all(db)
                .await?,
        );
        if seen.is_empty() {
            // A twin request with this key may have just emptied it: answer as it did.
            if let Some(done) = self.replay(db, buyer, key, &hash).await? {
                return Ok(done);
            }
            return Err(OrderError::CartNotReady("The cart is empty.".into()));
        }

        // SQLite: take the write lock up front, so concurrent checkouts queue instead of
        // failing on a lock upgrade. PostgreSQL: row locks of the conditional updates suffice.
        let txn = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        let now = Utc::now();
        let checkout_id = Uuid::now_v7();
        // The key is claimed first: a concurrent twin waits here on the unique index, then
        // finds this checkout and returns it.
        let inserted = checkout::ActiveModel {
            id: Set(checkout_id),
            buyer_id: Set(buyer),
            idempotency_key: Set(key.to_owned()),
            request_hash: Set(hash.clone()),
            total: Set(0),
            payment_method: Set(req.payment_method.as_str().to_owned()),
            status: Set(match req.payment_method {
                PaymentMethod::Cod => "completed",
                PaymentMethod::Card => "awaiting_payment",
            }
            .to_owned()),
            payment_intent_id: Set(None),
            client_secret: Set(None),
            created_at: Set(now),
            expires_at: Set(
                (req.payment_method == PaymentMethod::Card).then(|| now + self.payment_ttl)
            ),
            paid_at: Set(None),
        }
        .insert(&txn)
        .await;
        if let Err(e) = inserted {
            drop(txn);
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) {
                return self
                    .replay(db, buyer, key, &hash)
                    .await?
                    .ok_or(OrderError::NotFound("Checkout"));
            }
            return Err(e.into());
        }

        // The buyer's cart lines are locked (PostgreSQL; SQLite's write lock already
        // serialises) so two checkouts of one cart cannot both read it before either empties it.
        // The second finds the lines gone or different and is refused: the cart changed.
        let lines = cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(buyer))
            .lock_exclusive()
            .all(&txn)
            .await?;
        if cart_key(&lines) != seen {
            return Err(OrderError::CartChanged);
        }
        let products = self.priced_products(&txn, &lines).await?;
        let plan = Plan::new(&lines, &products);
        if let Some(expected) = req.expected_total
            && expected != plan.total
        {
            return Err(OrderError::TotalChanged {
                expected,
                breakdown: plan.breakdown(),
            });
        }
        let initial = match req.payment_method {
            PaymentMethod::Cod => OrderStatus::Placed,
            PaymentMethod::Card => OrderStatus::PendingPayment,
        };
        let now_order = NewOrder {
            checkout_id,
            buyer,
            status: initial,
            payment_method: req.payment_method,
            shipping: &shipping,
            note: note.as_deref(),
            at: now,
        };
        let mut order_ids = Vec::with_capacity(plan.stalls.len());
        for stall in &plan.stalls {
            order_ids.push(insert_order(&txn, &now_order, stall).await?);
        }
        let total = plan.total;
        checkout::Entity::update_many()
            .col_expr(checkout::Column::Total, Expr::value(total))
            .filter(checkout::Column::Id.eq(checkout_id))
            .exec(&txn)
            .await?;
        Carts::clear(&txn, buyer).await?;
        // Stock is reserved last, just before the commit: the conditional updates lock the
        // product rows, and a popular product's row is what concurrent checkouts queue on, so
        // it is held for as short a time as possible.
        reserve_stock(&txn, &plan, &products).await?;
        txn.commit().await?;
        // The payment starts only once the orders are committed: a provider that is slow or
        // down never holds the transaction (or its stock locks) open.
        let payment = match self
            .card
            .as_ref()
            .filter(|_| req.payment_method == PaymentMethod::Card)
        {
            Some(card) => {
                self.start_payment(db, card.as_ref(), checkout_id, buyer, total)
                    .await?
            }
            None => None,
        };
        Ok(CheckoutResult {
            checkout_id,
            total,
            orders: Orders::views(db, &order_ids).await?,
            payment,
        })
    }

    /// The visible products of the cart's lines, refusing a line that can no longer be bought.
    async fn priced_products<C: ConnectionTrait>(
        &self,
        txn: &C,
        lines: &[cart_item::Model],
    ) -> Result<HashMap<Uuid, catalog::product::Product>> {
        let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
        let products = self.catalog.visible_products_by_id(txn, &ids).await?;
        if let Some(gone) = lines.iter().find(|l| !products.contains_key(&l.product_id)) {
            return Err(OrderError::CartNotReady(format!(
                "A product in the cart ({}) is no longer sold; remove it first.",
                gone.product_id
            )));
        }
        Ok(products)
    }

    /// Asks the provider for a payment of the checkout's total and keeps its answer. The
    /// provider's idempotency key is the checkout id, so asking again (a replayed request)
    /// returns the same payment. If it cannot start, the checkout is undone.
    async fn start_payment<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        card: &dyn PaymentProvider,
        checkout_id: Uuid,
        buyer: Uuid,
        total: i64,
    ) -> Result<Option<PaymentStart>> {
        let started = card
            .start(&PaymentRequest {
                checkout_id,
                amount: total,
            })
            .await;
        match started {
            Ok(Some(start)) => {
                checkout::Entity::update_many()
                    .col_expr(
                        checkout::Column::PaymentIntentId,
                        Expr::value(start.payment_intent_id.clone()),
                    )
                    .col_expr(
                        checkout::Column::ClientSecret,
                        Expr::value(start.client_secret.clone()),
                    )
                    .filter(checkout::Column::Id.eq(checkout_id))
                    .filter(checkout::Column::PaymentIntentId.is_null())
                    .exec(db)
                    .await?;
                Ok(Some(start))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::warn!(checkout = %checkout_id, error = %e, "card payment could not start; checkout undone");
                crate::payments::abandon_checkout(
                    db,
                    checkout_id,
                    buyer,
                    "the card payment could not be started",
                )
                .await?;
                Err(match e {
                    ProviderError::Unavailable(m) => OrderError::PaymentUnavailable(m),
                    ProviderError::Refused(m) => OrderError::PaymentRefused(m),
                })
            }
        }
    }

    /// The first result of an earlier checkout with this key, if there was one.
    async fn replay<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        buyer: Uuid,
        key: &str,
        hash: &str,
    ) -> Result<Option<CheckoutResult>> {
        let Some(done) = checkout::Entity::find()
            .filter(checkout::Column::BuyerId.eq(buyer))
            .filter(checkout::Column::IdempotencyKey.eq(key))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        if done.request_hash != hash {
            return Err(OrderError::KeyReused);
        }
        let ids: Vec<Uuid> = order::Entity::find()
            .filter(order::Column::CheckoutId.eq(done.id))
            .all(db)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        let payment = match (&done.payment_intent_id, &done.client_secret) {
            (Some(id), Some(secret)) => Some(PaymentStart {
                provider: "stripe".into(),
                payment_intent_id: id.clone(),
                client_secret: secret.clone(),
            }),
            // The first request committed but its payment has not started (it is still
            // running, or it died): ask again; the provider answers with the same payment.
            _ if done.status == "awaiting_payment" => match &self.card {
                Some(card) => {
                    self.start_payment(db, card.as_ref(), done.id, buyer, done.total)
                        .await?
                }
                None => None,
            },
            _ => None,
        };
        Ok(Some(CheckoutResult {
            checkout_id: done.id,
            total: done.total,
            orders: Orders::views(db, &ids).await?,
            payment,
        }))
    }
}

/// A cart's lines as (product, quantity) pairs in product order, to compare two reads.
fn cart_key(lines: &[cart_item::Model]) -> Vec<(Uuid, i64)> {
    let mut key: Vec<(Uuid, i64)> = lines.iter().map(|l| (l.product_id, l.quantity)).collect();
    key.sort_unstable();
    key
}

/// One line of a stall's order, priced.
struct PlannedItem {
    product_id: Uuid,
    name: String,
    unit: String,
    unit_price: i64,
    quantity: i64,
}

/// One stall's order, priced.
struct StallPlan {
    stall_id: Uuid,
    subtotal: i64,
    items: Vec<PlannedItem>,
}

/// The orders a cart becomes: one per stall, priced from the catalogue now.
struct Plan {
    stalls: Vec<StallPlan>,
    total: i64,
}

impl Plan {
    fn new(
        lines: &[cart_item::Model],
        products: &HashMap<Uuid, catalog::product::Product>,
    ) -> Self {
        // Quantities of one product are summed (a cart has one line per product, but be sure).
        let mut wanted: BTreeMap<Uuid, i64> = BTreeMap::new();
        for l in lines {
            *wanted.entry(l.product_id).or_default() += l.quantity;
        }
        let mut by_stall: BTreeMap<Uuid, StallPlan> = BTreeMap::new();
        for (id, quantity) in wanted {
            let Some(p) = products.get(&id) else { continue };
            let stall = by_stall.entry(p.stall.id).or_insert_with(|| StallPlan {
                stall_id: p.stall.id,
                subtotal: 0,
                items: Vec::new(),
            });
            stall.subtotal = stall
                .subtotal
                .saturating_add(p.price.dong().saturating_mul(quantity));
            stall.items.push(PlannedItem {
                product_id: id,
                name: p.name.clone(),
                unit: p.unit.clone(),
                unit_price: p.price.dong(),
                quantity,
            });
        }
        let stalls: Vec<StallPlan> = by_stall.into_values().collect();
        let total = stalls
            .iter()
            .fold(0i64, |sum, s| sum.saturating_add(s.subtotal));
        Self { stalls, total }
    }

    /// What the buyer would pay now, for a `total_changed` answer.
    fn breakdown(&self) -> serde_json::Value {
        serde_json::json!({
            "total": self.total,
            "orders": self.stalls.iter().map(|s| serde_json::json!({
                "stall_id": s.stall_id,
                "subtotal": s.subtotal,
                "items": s.items.iter().map(|i| serde_json::json!({
                    "product_id": i.product_id,
                    "name": i.name,
                    "unit_price": i.unit_price,
                    "quantity": i.quantity,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// What every order of one checkout shares.
struct NewOrder<'a> {
    checkout_id: Uuid,
    buyer: Uuid,
    status: OrderStatus,
    payment_method: PaymentMethod,
    shipping: &'a Shipping,
    note: Option<&'a str>,
    at: chrono::DateTime<Utc>,
}

/// Writes one stall's order, its items and its first history entry; returns its id.
async fn insert_order<C: ConnectionTrait>(
    txn: &C,
    o: &NewOrder<'_>,
    stall: &StallPlan,
) -> Result<Uuid> {
    let order_id = Uuid::now_v7();
    order::ActiveModel {
        id: Set(order_id),
        checkout_id: Set(o.checkout_id),
        buyer_id: Set(o.buyer),
        stall_id: Set(stall.stall_id),
        status: Set(o.status.as_str().to_owned()),
        subtotal: Set(stall.subtotal),
        payment_method: Set(o.payment_method.as_str().to_owned()),
        paid: Set(false),
        shipping_recipient: Set(o.shipping.recipient.clone()),
        shipping_phone: Set(o.shipping.phone.clone()),
        shipping_commune_code: Set(o.shipping.commune_code.clone()),
        shipping_street: Set(o.shipping.street.clone()),
        note: Set(o.note.map(str::to_owned)),
        tracking_no: Set(None),
        created_at: Set(o.at),
        updated_at: Set(o.at),
    }
    .insert(txn)
    .await?;
    for item in &stall.items {
        order_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(order_id),
            product_id: Set(item.product_id),
            name: Set(item.name.clone()),
            unit: Set(item.unit.clone()),
            unit_price: Set(item.unit_price),
            quantity: Set(item.quantity),
        }
        .insert(txn)
        .await?;
        catalog::outbox::enqueue(txn, catalog::outbox::Entity::Product, item.product_id).await?;
    }
    order_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        from_status: Set(None),
        to_status: Set(o.status.as_str().to_owned()),
        actor_id: Set(Some(o.buyer)),
        reason: Set(None),
        created_at: Set(o.at),
    }
    .insert(txn)
    .await?;
    Ok(order_id)
}

/// Takes the planned quantities out of stock with conditional updates; any shortage fails the
/// whole checkout (the caller's transaction rolls back).
async fn reserve_stock<C: ConnectionTrait>(
    txn: &C,
    plan: &Plan,
    products: &HashMap<Uuid, catalog::product::Product>,
) -> Result<()> {
    use catalog::entity::product as p;
    let mut wanted: Vec<(Uuid, i64)> = plan
        .stalls
        .iter()
        .flat_map(|s| s.items.iter().map(|i| (i.product_id, i.quantity)))
        .collect();
    // One order of locking for every checkout, so two never wait on each other in a circle.
    wanted.sort_unstable();
    let mut short = Vec::new();
    for (id, qty) in wanted {
        let res = p::Entity::update_many()
            .col_expr(p::Column::Stock, Expr::col(p::Column::Stock).sub(qty))
            .col_expr(
                p::Column::SalesCount,
                Expr::col(p::Column::SalesCount).add(qty),
            )
            .filter(p::Column::Id.eq(id))
            .filter(p::Column::Stock.gte(qty))
            .exec(txn)
            .await?;
        if res.rows_affected == 0 {
            let available = p::Entity::find_by_id(id)
                .one(txn)
                .await?
                .map_or(0, |p| p.stock);
            short.push(Shortage {
                product_id: id,
                name: products
                    .get(&id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                requested: qty,
                available,
            });
        }
    }
    if short.is_empty() {
        Ok(())
    } else {
        Err(OrderError::OutOfStock(short))
    }
}
