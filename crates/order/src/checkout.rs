//! Checkout: the cart becomes one order per stall under one checkout, with names and prices
//! snapshotted and stock reserved by a conditional update in the same transaction, so no
//! product is ever oversold. An `Idempotency-Key` makes a retried checkout return the first
//! result.

use std::{collections::BTreeMap, sync::Arc};

use chrono::Utc;
use common::{Actor, phone::normalize_vn_phone, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
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

        let lines = cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(buyer))
            .all(&txn)
            .await?;
        if lines.is_empty() {
            return Err(OrderError::CartNotReady("The cart is empty.".into()));
        }
        let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
        let products = self.catalog.visible_products_by_id(&txn, &ids).await?;
        if let Some(gone) = lines.iter().find(|l| !products.contains_key(&l.product_id)) {
            return Err(OrderError::CartNotReady(format!(
                "A product in the cart ({}) is no longer sold; remove it first.",
                gone.product_id
            )));
        }
        // Quantities of one product are summed before the check (a cart has one line per
        // product, but be sure).
        let mut wanted: BTreeMap<Uuid, i64> = BTreeMap::new();
        for l in &lines {
            *wanted.entry(l.product_id).or_default() += l.quantity;
        }
        let initial = match req.payment_method {
            PaymentMethod::Cod => OrderStatus::Placed,
            PaymentMethod::Card => OrderStatus::PendingPayment,
        };
        let mut by_stall: BTreeMap<Uuid, Vec<(Uuid, i64)>> = BTreeMap::new();
        for (id, qty) in &wanted {
            if let Some(p) = products.get(id) {
                by_stall.entry(p.stall.id).or_default().push((*id, *qty));
            }
        }
        let mut total: i64 = 0;
        let mut order_ids = Vec::new();
        for (stall_id, items) in by_stall {
            let order_id = Uuid::now_v7();
            let mut subtotal: i64 = 0;
            for (pid, qty) in &items {
                let p = &products[pid];
                subtotal = subtotal.saturating_add(p.price.dong().saturating_mul(*qty));
            }
            order::ActiveModel {
                id: Set(order_id),
                checkout_id: Set(checkout_id),
                buyer_id: Set(buyer),
                stall_id: Set(stall_id),
                status: Set(initial.as_str().to_owned()),
                subtotal: Set(subtotal),
                payment_method: Set(req.payment_method.as_str().to_owned()),
                paid: Set(false),
                shipping_recipient: Set(shipping.recipient.clone()),
                shipping_phone: Set(shipping.phone.clone()),
                shipping_commune_code: Set(shipping.commune_code.clone()),
                shipping_street: Set(shipping.street.clone()),
                note: Set(note.clone()),
                tracking_no: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            for (pid, qty) in &items {
                let p = &products[pid];
                order_item::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    order_id: Set(order_id),
                    product_id: Set(*pid),
                    name: Set(p.name.clone()),
                    unit: Set(p.unit.clone()),
                    unit_price: Set(p.price.dong()),
                    quantity: Set(*qty),
                }
                .insert(&txn)
                .await?;
                catalog::outbox::enqueue(&txn, catalog::outbox::Entity::Product, *pid).await?;
            }
            order_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(order_id),
                from_status: Set(None),
                to_status: Set(initial.as_str().to_owned()),
                actor_id: Set(Some(buyer)),
                reason: Set(None),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            total = total.saturating_add(subtotal);
            order_ids.push(order_id);
        }
        checkout::Entity::update_many()
            .col_expr(checkout::Column::Total, Expr::value(total))
            .filter(checkout::Column::Id.eq(checkout_id))
            .exec(&txn)
            .await?;
        Carts::clear(&txn, buyer).await?;
        // Stock is reserved last, just before the commit: the conditional updates lock the
        // product rows, and a popular product's row is what concurrent checkouts queue on, so
        // it is held for as short a time as possible.
        let mut short = Vec::new();
        for (id, qty) in &wanted {
            let res = catalog::entity::product::Entity::update_many()
                .col_expr(
                    catalog::entity::product::Column::Stock,
                    Expr::col(catalog::entity::product::Column::Stock).sub(*qty),
                )
                .col_expr(
                    catalog::entity::product::Column::SalesCount,
                    Expr::col(catalog::entity::product::Column::SalesCount).add(*qty),
                )
                .filter(catalog::entity::product::Column::Id.eq(*id))
                .filter(catalog::entity::product::Column::Stock.gte(*qty))
                .exec(&txn)
                .await?;
            if res.rows_affected == 0 {
                let available = catalog::entity::product::Entity::find_by_id(*id)
                    .one(&txn)
                    .await?
                    .map_or(0, |p| p.stock);
                short.push(Shortage {
                    product_id: *id,
                    name: products.get(id).map(|p| p.name.clone()).unwrap_or_default(),
                    requested: *qty,
                    available,
                });
            }
        }
        if !short.is_empty() {
            // Dropping the transaction rolls the reservations and the orders back.
            return Err(OrderError::OutOfStock(short));
        }
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
