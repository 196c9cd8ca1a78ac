//! Checkout: the cart becomes one order per stall under one checkout, with names and prices
//! snapshotted and stock reserved through the catalogue in the same transaction, so no product
//! is ever oversold. An `Idempotency-Key` makes a retried checkout return the first result.
//!
//! The steps, in order: check the request; replay an earlier checkout with the same key; read
//! the cart; in one transaction claim the key, lock and re-read the cart, price it into one
//! order per stall (refusing a total that differs from the one the buyer saw), write the
//! orders, empty the cart and reserve the stock; commit; then, for a provider that collects up
//! front, start the payment (outside the transaction) and undo the checkout if it cannot start.

use std::{collections::HashMap, sync::Arc};

use catalog::{nation::Nation, offer::Offer};
use chrono::{DateTime, Utc};
use common::{Actor, FieldCode, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

mod placing;

use crate::{
    OrderError,
    destination::{Destination, Shipping},
    entity::{cart_item, checkout, order},
    error::{Result, Shortage},
    pricing::{Place, Quote, StallTotal, Unbuyable, buyable},
    provider::{
        CashOnDelivery, Kept, PaymentProvider, PaymentRequest, PaymentStart, ProviderError,
    },
    shipping::ShippingRates,
    store::{self, Named},
    types::{CheckoutStatus, PaymentMethod, Stored, stored},
    views::{self, OrderView},
    vouchers,
};

/// A checkout request.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// Delivery address; or `address_id` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Shipping>,
    /// An address of the buyer's address book, instead of `shipping`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<Uuid>,
    /// `cod` or `card`.
    pub payment_method: PaymentMethod,
    /// A note for the stalls.
    pub note: Option<String>,
    /// The total the buyer was shown, in đồng. When the server's total differs (a price
    /// changed since), the checkout is refused with 409 `total_changed` and the new breakdown,
    /// and nothing is ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_total: Option<i64>,
    /// Voucher codes (any case), at most 10: one of the platform and one per stall. Stall
    /// vouchers apply first, to their stall's goods; the platform's then applies to the goods
    /// of all stalls after those, split across the orders in proportion to each order's
    /// eligible goods (rounded to the đồng by largest remainder, ties to the lower stall id).
    /// Each refused code is a 422 naming it in `errors[].field` as `voucher_codes.<CODE>`, and
    /// nothing is ordered. `expected_total` and the payment are of the discounted total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_codes: Option<Vec<String>>,
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
    vouchers: promotions::Vouchers,
    nation: &'static Nation,
    rates: Arc<ShippingRates>,
    cod: Arc<dyn PaymentProvider>,
    card: Option<Arc<dyn PaymentProvider>>,
    bank: Option<Arc<dyn PaymentProvider>>,
    payment_ttl: chrono::Duration,
    bank_ttl: chrono::Duration,
    carrier_quoting: Option<crate::carrier_quotes::CarrierQuoting>,
}

fn request_hash(req: &CheckoutRequest) -> String {
    let json = serde_json::to_vec(req).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A checkout being written: what the transaction needs to know.
struct Draft<'a> {
    id: Uuid,
    buyer: Uuid,
    key: &'a str,
    hash: &'a str,
    method: PaymentMethod,
    up_front: bool,
    destination: Destination,
    note: Option<String>,
    expected_total: Option<i64>,
    /// The voucher codes given, upper-case.
    codes: Vec<String>,
    at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    /// The transfer reference, for a bank transfer.
    reference: Option<String>,
    /// The stalls' carriers' prices, asked before the transaction.
    carrier_fees: crate::carrier_quotes::CarrierFees,
}

impl Checkouts {
    /// Checkouts over `catalog`, paid cash on delivery.
    pub fn new(catalog: catalog::Catalog) -> Self {
        Self {
            vouchers: promotions::Vouchers::new(catalog.clone()),
            catalog,
            nation: Nation::builtin(),
            rates: Arc::new(ShippingRates::builtin()),
            cod: Arc::new(CashOnDelivery),
            card: None,
            bank: None,
            payment_ttl: chrono::Duration::minutes(30),
            bank_ttl: chrono::Duration::minutes(30),
            carrier_quoting: None,
        }
    }

    /// Prices the parcels of stalls that ship with a carrier from the carrier's quotes, asked
    /// before the checkout's transaction.
    pub fn with_carriers(mut self, quoting: crate::carrier_quotes::CarrierQuoting) -> Self {
        self.carrier_quoting = Some(quoting);
        self
    }

    /// Prices delivery with `rates` instead of the built-in table.
    pub fn with_rates(mut self, rates: Arc<ShippingRates>) -> Self {
        self.rates = rates;
        self
    }

    /// Takes card payments through `provider`; a checkout left unpaid for `ttl` expires.
    pub fn with_card(mut self, provider: Arc<dyn PaymentProvider>, ttl: chrono::Duration) -> Self {
        self.card = Some(provider);
        self.payment_ttl = ttl;
        self
    }

    /// Takes bank transfers by VietQR to `provider`'s account; a checkout left unpaid for `ttl`
    /// expires.
    pub fn with_bank_transfer(
        mut self,
        provider: Arc<dyn PaymentProvider>,
        ttl: chrono::Duration,
    ) -> Self {
        self.bank = Some(provider);
        self.bank_ttl = ttl;
        self
    }

    /// The provider of a payment method; refused when that method is off.
    fn provider(&self, method: PaymentMethod) -> Result<&Arc<dyn PaymentProvider>> {
        match method {
            PaymentMethod::Cod => Ok(&self.cod),
            PaymentMethod::Card => self.card.as_ref().ok_or_else(|| {
                common::Error::invalid_field(
                    "payment_method",
                    FieldCode::MethodUnavailable, "card payments are not available; choose cod",
                )
                .into()
            }),
            PaymentMethod::BankTransfer => self.bank.as_ref().ok_or_else(|| {
                common::Error::invalid_field(
                    "payment_method",
                    FieldCode::MethodUnavailable, "bank transfers are not available until the marketplace's receiving account is configured; choose cod",
                )
                .into()
            }),
        }
    }

    /// Checks the request: a destination (inline, or from the buyer's address book) and the
    /// note.
    async fn validate<C: ConnectionTrait>(
        &self,
        db: &C,
        buyer: Uuid,
        req: &CheckoutRequest,
    ) -> Result<(Destination, Option<String>)> {
        let mut v = Validator::new();
        let note = req
            .note
            .as_deref()
            .map(|n| v.text("note", n, 0, 1000))
            .filter(|n| !n.is_empty());
        let named = store::named_destination(
            req.address_id,
            req.shipping.as_ref(),
            "give either shipping or address_id, not both",
        );
        let destination = match named {
            Ok(Some(Named::Written(s))) => Destination::check(&mut v, "shipping.", s, self.nation),
            Ok(Some(Named::Book(id))) => match store::book_address(db, buyer, id).await? {
                Some(s) => Destination::check(&mut v, "address_id.", &s, self.nation),
                None => {
                    v.add(
                        "address_id",
                        FieldCode::UnknownAddress,
                        "is not an address of yours",
                    );
                    None
                }
            },
            Ok(None) => {
                v.add(
                    "shipping",
                    FieldCode::Required,
                    "is required (or give address_id)",
                );
                None
            }
            Err(conflict) => {
                v.add(&conflict.field, conflict.code, conflict.message);
                None
            }
        };
        v.finish()?;
        let destination = destination.ok_or_else(|| {
            OrderError::from(common::Error::invalid_field(
                "shipping",
                FieldCode::InvalidAddress,
                "is not a valid address",
            ))
        })?;
        Ok((destination, note))
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
        let key = checked_key(key)?;
        let hash = request_hash(&req);
        if let Some(done) = self.replay(db, buyer, key, &hash).await? {
            return Ok(done);
        }
        let (destination, note) = self.validate(db, buyer, &req).await?;
        let codes = promotions::redeem::normalized(req.voucher_codes.as_deref().unwrap_or(&[]))?;
        let provider = self.provider(req.payment_method)?.clone();
        // What the cart holds as the checkout starts; the same lines must still be there under
        // the lock inside the transaction.
        let seen = cart_key(&cart_lines(db, buyer).await?);
        if seen.is_empty() {
            // A twin request with this key may have just emptied it: answer as it did.
            if let Some(done) = self.replay(db, buyer, key, &hash).await? {
                return Ok(done);
            }
            return Err(OrderError::CartNotReady("The cart is empty.".into()));
        }
        // Microseconds, as the databases keep them, so a replayed answer equals the first.
        let at = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let up_front = provider.collects_up_front();
        let ttl = match req.payment_method {
            PaymentMethod::BankTransfer => self.bank_ttl,
            _ => self.payment_ttl,
        };
        let carrier_fees = self.carrier_fees(db, &seen, &destination).await?;
        let draft = Draft {
            id: Uuid::now_v7(),
            buyer,
            key,
            hash: &hash,
            method: req.payment_method,
            up_front,
            destination,
            note,
            expected_total: req.expected_total,
            codes,
            at,
            expires_at: up_front.then(|| at + ttl),
            reference: provider.new_reference(),
            carrier_fees,
        };
        let Some((total, written)) = self.write(db, &draft, &seen).await? else {
            // The key was claimed by a concurrent twin that committed first.
            return self
                .replay(db, buyer, key, &hash)
                .await?
                .ok_or(OrderError::NotFound("Checkout"));
        };
        // The payment starts only once the orders are committed: a provider that is slow or
        // down never holds the transaction (or its stock locks) open.
        let request = PaymentRequest {
            checkout_id: draft.id,
            amount: total,
            reference: draft.reference.clone(),
            expires_at: draft.expires_at,
            kept: None,
        };
        let payment = self
            .start_payment(db, provider.as_ref(), &request, buyer)
            .await?;
        Ok(CheckoutResult {
            checkout_id: draft.id,
            total,
            // As written: the views of the orders just committed need no read.
            orders: views::written_views(written)?,
            payment,
        })
    }

    /// The checkout's transaction: claim the key, lock and price the cart, write the orders,
    /// empty the cart, reserve the stock. `None` when the key was already claimed.
    async fn write<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        d: &Draft<'_>,
        seen: &[(Uuid, i64)],
    ) -> Result<Option<(i64, views::Written)>> {
        let txn = common::begin_write(db).await?;
        // The buyer's account is held first, against its erasure (which locks it before it
        // looks for open orders): the orders are either committed before and block the
        // erasure, or the account is found erased (or disabled) here and nothing is written.
        if !accounts::hold::hold_active(&txn, d.buyer).await? {
            return Err(OrderError::Common(common::Error::unauthorized(
                "The account is closed.",
            )));
        }
        if !claim_key(&txn, d).await? {
            return Ok(None);
        }
        // The buyer's cart lines are locked (PostgreSQL; SQLite's write lock already
        // serialises), so two checkouts of one cart cannot both read it before either empties
        // it: the second finds the lines gone or different and is refused.
        let lines = cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(d.buyer))
            .lock_exclusive()
            .all(&txn)
            .await?;
        if cart_key(&lines) != seen {
            return Err(OrderError::CartChanged);
        }
        let offers = self.priced_offers(&txn, &lines).await?;
        let plan = self.price(&txn, &lines, &offers, d).await?;
        let discounts = self.discounts(&txn, d, &plan, &offers).await?;
        let total = plan
            .total
            .saturating_sub(discounts.iter().map(vouchers::amount).sum());
        if let Some(expected) = d.expected_total
            && expected != total
        {
            return Err(OrderError::TotalChanged {
                expected,
                breakdown: breakdown(&plan, &discounts),
            });
        }
        // The stalls and the buyer hear of it in this transaction, written together.
        let notifier = notify::Notifier::default();
        let mut notices = notifier.batch();
        let mut written = placing::place_orders(&txn, d, &plan, &discounts, &mut notices).await?;
        written.discounts = vouchers::record(&txn, &written.orders, &discounts, d.at).await?;
        written.stalls = offers
            .values()
            .map(|o| (o.product.stall.id, o.product.stall.clone()))
            .collect();
        let orders = &written.orders;
        self.vouchers
            .redeem(&txn, d.buyer, d.id, &discounts, d.at)
            .await?;
        let placed = crate::notices::Placed {
            checkout_id: d.id,
            orders,
            total,
            method: d.method,
            reference: d.reference.as_deref(),
            expires_at: d.expires_at,
        };
        crate::notices::checkout_placed(&mut notices, d.buyer, &placed);
        notices.write(&txn).await?;
        checkout::Entity::update_many()
            .col_expr(checkout::Column::Total, Expr::value(total))
            .filter(checkout::Column::Id.eq(d.id))
            .exec(&txn)
            .await?;
        store::clear_cart(&txn, d.buyer).await?;
        // Stock is reserved last, just before the commit: the conditional updates lock the
        // product rows, and a popular product's row is what concurrent checkouts queue on, so
        // it is held for as short a time as possible.
        reserve_stock(&txn, &plan, &offers).await?;
        txn.commit().await?;
        Ok(Some((total, written)))
    }

    /// What the checkout's voucher codes take off each stall's order of `plan`, checked
    /// against the cart (refused codes are a 422 naming each).
    async fn discounts<C: ConnectionTrait>(
        &self,
        txn: &C,
        d: &Draft<'_>,
        plan: &Quote,
        offers: &HashMap<Uuid, Offer>,
    ) -> Result<Vec<promotions::OrderDiscount>> {
        if d.codes.is_empty() {
            return Ok(Vec::new());
        }
        let basket = vouchers::basket(plan, offers);
        Ok(self
            .vouchers
            .discounts(txn, d.buyer, &d.codes, &basket, d.at)
            .await?)
    }

    /// Prices the cart for the destination, delivery included.
    async fn price<C: ConnectionTrait>(
        &self,
        txn: &C,
        lines: &[cart_item::Model],
        offers: &HashMap<Uuid, Offer>,
        d: &Draft<'_>,
    ) -> Result<Quote> {
        let lines: Vec<(Uuid, i64)> = lines.iter().map(|l| (l.variant_id, l.quantity)).collect();
        let place = Place {
            province: &d.destination.province.0,
            commune: &d.destination.commune.0,
        };
        crate::pricing::quote_to(
            txn,
            &self.catalog,
            (self.nation, &self.rates),
            &lines,
            offers,
            place,
            crate::pricing::Fees::Asked(&d.carrier_fees),
        )
        .await
    }

    /// The stalls' carriers' prices for the cart's `lines` to `destination`, asked outside
    /// any transaction (none without carriers).
    async fn carrier_fees<C: ConnectionTrait>(
        &self,
        db: &C,
        lines: &[(Uuid, i64)],
        destination: &Destination,
    ) -> Result<crate::carrier_quotes::CarrierFees> {
        let Some(quoting) = &self.carrier_quoting else {
            return Ok(Default::default());
        };
        let place = Place {
            province: &destination.province.0,
            commune: &destination.commune.0,
        };
        crate::pricing::carrier_fees(
            db,
            &self.catalog,
            (self.nation, &self.rates),
            lines,
            place,
            quoting,
        )
        .await
    }

    /// The variants on sale of the cart's lines, refusing the cart as the cart shows it
    /// ([`buyable`]): a line no longer sold, then every line short of stock, by name.
    async fn priced_offers<C: ConnectionTrait>(
        &self,
        txn: &C,
        lines: &[cart_item::Model],
    ) -> Result<HashMap<Uuid, Offer>> {
        let ids: Vec<Uuid> = lines.iter().map(|l| l.variant_id).collect();
        let offers = self.catalog.visible_offers(txn, &ids).await?;
        let mut short = Vec::new();
        for l in lines {
            match buyable(l.quantity, offers.get(&l.variant_id)) {
                Ok(_) => {}
                Err(Unbuyable::NotSold) => {
                    return Err(OrderError::CartNotReady(format!(
                        "A product in the cart ({}) is no longer sold; remove it first.",
                        l.variant_id
                    )));
                }
                Err(Unbuyable::Short { stock }) => short.push(Shortage {
                    product_id: offers
                        .get(&l.variant_id)
                        .map_or(l.variant_id, |o| o.product.id),
                    variant_id: l.variant_id,
                    name: offers.get(&l.variant_id).map(named).unwrap_or_default(),
                    requested: l.quantity,
                    available: stock,
                }),
            }
        }
        if !short.is_empty() {
            return Err(OrderError::OutOfStock(short));
        }
        Ok(offers)
    }

    /// Asks the provider for a payment of the checkout's total and keeps its answer. The
    /// provider's idempotency key is the checkout id, so asking again (a replayed request)
    /// returns the same payment. If it cannot start, the checkout is undone.
    async fn start_payment<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        provider: &dyn PaymentProvider,
        request: &PaymentRequest,
        buyer: Uuid,
    ) -> Result<Option<PaymentStart>> {
        let checkout_id = request.checkout_id;
        match provider.start(request).await {
            Ok(Some(start)) => {
                if let Some(kept) = provider.keep(&start) {
                    checkout::Entity::update_many()
                        .col_expr(
                            checkout::Column::PaymentIntentId,
                            Expr::value(kept.payment_id),
                        )
                        .col_expr(
                            checkout::Column::ClientSecret,
                            Expr::value(kept.client_secret),
                        )
                        .filter(checkout::Column::Id.eq(checkout_id))
                        .filter(checkout::Column::PaymentIntentId.is_null())
                        .exec(db)
                        .await?;
                }
                Ok(Some(start))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::warn!(checkout = %checkout_id, error = %e, "payment could not start; checkout undone");
                undo(db, checkout_id, buyer, "the payment could not be started").await?;
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
        let provider = self.provider(stored(&done.payment_method)?)?;
        let awaiting = stored::<CheckoutStatus>(&done.status)? == CheckoutStatus::AwaitingPayment;
        let request = request_of(&done);
        let payment = match provider.again(&request) {
            // As first answered (a card payment's kept intent), or made again from the
            // checkout while it waits (a bank transfer).
            Some(p) if awaiting || request.kept.is_some() => Some(p),
            // The payment has not started (a card payment still starting, or that died): ask
            // again; the provider answers with the same payment.
            None if awaiting => {
                self.start_payment(db, provider.as_ref(), &request, buyer)
                    .await?
            }
            _ => None,
        };
        Ok(Some(CheckoutResult {
            checkout_id: done.id,
            total: done.total,
            orders: views::order_views(db, &ids).await?,
            payment,
        }))
    }
}

/// Where a checkout's payment stands, for its buyer.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutState {
    /// The checkout.
    pub checkout_id: Uuid,
    /// Completed (nothing to collect up front), awaiting payment, paid, failed, expired, or
    /// cancelled (every order cancelled before it was paid).
    pub status: CheckoutStatus,
    /// How it is paid.
    pub payment_method: PaymentMethod,
    /// Goods and delivery of all its orders, in đồng.
    pub total: i64,
    /// Received so far (bank transfers may come in parts).
    pub amount_paid: i64,
    /// Still to pay while awaiting payment; 0 otherwise.
    pub amount_due: i64,
    /// Pay before this, or it is cancelled.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// What the buyer's client needs to pay, while awaiting payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentStart>,
}

impl Checkouts {
    /// The caller's checkout `id` and where its payment stands; another user's is "not found".
    pub async fn state<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<CheckoutState> {
        let buyer = actor.require_user()?;
        let c = checkout::Entity::find_by_id(id)
            .filter(checkout::Column::BuyerId.eq(buyer))
            .one(db)
            .await?
            .ok_or(OrderError::NotFound("Checkout"))?;
        let status = stored::<CheckoutStatus>(&c.status)?;
        let method = stored::<PaymentMethod>(&c.payment_method)?;
        let awaiting = status == CheckoutStatus::AwaitingPayment;
        // What the provider answered, or makes again from the checkout; nothing is called.
        let payment = match awaiting {
            true => self.provider(method)?.again(&request_of(&c)),
            false => None,
        };
        Ok(CheckoutState {
            checkout_id: c.id,
            status,
            payment_method: method,
            total: c.total,
            amount_paid: c.amount_paid,
            amount_due: if awaiting {
                (c.total - c.amount_paid).max(0)
            } else {
                0
            },
            expires_at: c.expires_at,
            paid_at: c.paid_at,
            payment,
        })
    }
}

/// What a provider is asked for a stored checkout (a replay, a buyer looking at it).
fn request_of(c: &checkout::Model) -> PaymentRequest {
    PaymentRequest {
        checkout_id: c.id,
        amount: c.total,
        reference: c.reference.clone(),
        expires_at: c.expires_at,
        kept: c
            .payment_intent_id
            .clone()
            .zip(c.client_secret.clone())
            .map(|(payment_id, client_secret)| Kept {
                payment_id,
                client_secret,
            }),
    }
}

/// The idempotency key, trimmed; 1 to 200 characters.
fn checked_key(key: &str) -> Result<&str> {
    let key = key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(common::Error::invalid_field(
            "Idempotency-Key",
            FieldCode::LengthOutOfRange,
            "must be 1 to 200 characters",
        )
        .into());
    }
    Ok(key)
}

/// A cart's lines as (product, quantity) pairs in product order, to compare two reads.
fn cart_key(lines: &[cart_item::Model]) -> Vec<(Uuid, i64)> {
    let mut key: Vec<(Uuid, i64)> = lines.iter().map(|l| (l.variant_id, l.quantity)).collect();
    key.sort_unstable();
    key
}

/// The buyer's cart lines, unlocked.
async fn cart_lines<C: ConnectionTrait>(db: &C, buyer: Uuid) -> Result<Vec<cart_item::Model>> {
    Ok(cart_item::Entity::find()
        .filter(cart_item::Column::UserId.eq(buyer))
        .all(db)
        .await?)
}

/// Claims the idempotency key by inserting the checkout row first: a concurrent twin waits
/// on the unique index, then finds it taken (`false`) and replays this checkout.
async fn claim_key<C: ConnectionTrait>(txn: &C, d: &Draft<'_>) -> Result<bool> {
    let status = if d.up_front {
        CheckoutStatus::AwaitingPayment
    } else {
        CheckoutStatus::Completed
    };
    let inserted = checkout::ActiveModel {
        id: Set(d.id),
        buyer_id: Set(d.buyer),
        idempotency_key: Set(d.key.to_owned()),
        request_hash: Set(d.hash.to_owned()),
        total: Set(0),
        payment_method: Set(d.method.as_str().to_owned()),
        status: Set(status.as_str().to_owned()),
        payment_intent_id: Set(None),
        client_secret: Set(None),
        created_at: Set(d.at),
        expires_at: Set(d.expires_at),
        paid_at: Set(None),
        reference: Set(d.reference.clone()),
        amount_paid: Set(0),
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if common::db::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Undoes a checkout whose payment could not be started: its orders are cancelled (the stock
/// comes back), the cart is filled again, and the idempotency key is freed so that the same
/// request can be retried.
async fn undo<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    checkout_id: Uuid,
    buyer: Uuid,
    reason: &str,
) -> Result<()> {
    let txn = common::begin_write(db).await?;
    if !store::settle_unpaid(&txn, checkout_id, CheckoutStatus::Failed, true).await? {
        // Someone else (a webhook, the sweep) settled it first.
        return Ok(());
    }
    let cancelled = store::cancel_unpaid(&txn, checkout_id, reason).await?;
    store::refill_cart(&txn, buyer, &cancelled).await?;
    txn.commit().await?;
    Ok(())
}

/// What the buyer would pay now, for a `total_changed` answer: the discounts of the codes
/// given taken off.
fn breakdown(q: &Quote, discounts: &[promotions::OrderDiscount]) -> serde_json::Value {
    let off = |stall: Uuid| vouchers::of_stall(discounts, stall);
    let all: i64 = discounts.iter().map(vouchers::amount).sum();
    serde_json::json!({
        "total": q.total.saturating_sub(all),
        "discount": all,
        "orders": q.stalls.iter().map(|s| {
            let mut v = serde_json::to_value(StallTotal::from(s)).unwrap_or_default();
            v["discount"] = off(s.stall_id).into();
            v["total"] = s.total().saturating_sub(off(s.stall_id)).into();
            v["items"] = s.items.iter().map(|i| serde_json::json!({
                "product_id": i.product_id,
                "variant_id": i.variant_id,
                "variant_name": i.variant_name,
                "name": i.name,
                "unit_price": i.unit_price,
                "quantity": i.quantity,
            })).collect();
            v
        }).collect::<Vec<_>>(),
    })
}

/// Takes the planned quantities out of stock through the catalogue; any shortage fails the
/// whole checkout (the caller's transaction rolls back).
async fn reserve_stock<C: ConnectionTrait>(
    txn: &C,
    plan: &Quote,
    offers: &HashMap<Uuid, Offer>,
) -> Result<()> {
    let lines: Vec<catalog::stock::StockLine> = plan
        .stalls
        .iter()
        .flat_map(|s| {
            s.items.iter().map(|i| catalog::stock::StockLine {
                product_id: i.product_id,
                variant_id: i.variant_id,
                quantity: i.quantity,
            })
        })
        .collect();
    let short = catalog::stock::reserve(txn, &lines).await?;
    if short.is_empty() {
        return Ok(());
    }
    Err(OrderError::OutOfStock(
        short
            .into_iter()
            .map(|s| Shortage {
                product_id: s.product_id,
                variant_id: s.variant_id,
                name: offers.get(&s.variant_id).map(named).unwrap_or_default(),
                requested: s.requested,
                available: s.available,
            })
            .collect(),
    ))
}

/// A variant as a shortage names it: the product's name, and the variant's when the product
/// has several.
fn named(o: &Offer) -> String {
    if o.product.variants.len() > 1 {
        format!("{} ({})", o.product.name, o.variant.name)
    } else {
        o.product.name.clone()
    }
}
