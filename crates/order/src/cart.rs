//! The buyer's cart: one line per variant of a product, priced at read time from the catalogue.
//! A line whose variant can no longer be bought is flagged, not silently dropped.

use chrono::Utc;
use common::{Actor, FieldCode, Money};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::OnConflict,
};
use serde::Serialize;
use uuid::Uuid;

use std::sync::Arc;

use catalog::nation::Nation;

use crate::{
    OrderError,
    entity::cart_item,
    error::Result,
    pricing::{Place, Quote, StallTotal, Unbuyable, buyable},
    shipping::ShippingRates,
    store::{self, Named},
};

/// Most units of one variant in a cart.
pub const MAX_QUANTITY: i64 = 1000;
/// Most lines in a cart.
pub const MAX_LINES: usize = 100;
/// Days a guest cart lives after its last change, unless configured otherwise.
pub const GUEST_TTL_DAYS: u32 = 30;

/// One line of a cart.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    /// The product.
    pub product_id: Uuid,
    /// The variant (what `PUT /api/v1/cart/items/{id}` names; a product's first variant of a
    /// product listed before variants has the product's id).
    pub variant_id: Uuid,
    /// The variant's name, e.g. "Hộp 3 chai".
    pub variant_name: Option<String>,
    /// Its stall.
    pub stall_id: Option<Uuid>,
    /// Its stall's id, slug and name.
    pub stall: Option<catalog::product::StallRef>,
    /// Its name now.
    pub name: String,
    /// Its slug, for a link to its page.
    pub slug: Option<String>,
    /// Its unit of sale (`chai 500 ml`).
    pub unit: Option<String>,
    /// The variant's first image, else the product's.
    pub image: Option<String>,
    /// The variant's unit price now, in đồng (the name order lines use): its price in force,
    /// a sale's during its window.
    pub unit_price: i64,
    /// The same as `unit_price`: its former name, kept for clients written against it.
    #[cfg_attr(feature = "openapi", schema(deprecated))]
    pub price: i64,
    /// The variant's regular price (before a promotion), in đồng, to show struck through when
    /// `on_sale` (null when it is no longer sold).
    #[cfg_attr(feature = "openapi", schema(example = 120000))]
    pub regular_price: Option<i64>,
    /// Whether `unit_price` is a sale's price, in force until `sale_ends_at`.
    pub on_sale: bool,
    /// When the sale in force ends (null when none is).
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-20T00:00:00Z"))]
    pub sale_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Units wanted.
    pub quantity: i64,
    /// `unit_price × quantity`.
    pub line_total: i64,
    /// Units of the variant in stock now.
    pub stock: i64,
    /// Whether it can be bought now (visible and in stock for this quantity).
    pub available: bool,
    /// Why not, when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<LineProblem>,
}

/// Why a cart line cannot be bought as it is: a closed set clients branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LineProblemCode {
    /// Fewer units are in stock than the line wants (`available` says how many are).
    OutOfStock,
    /// The unit price is not the one the line was put at (`price_was`, `price_now`); the line
    /// can still be bought, at `price_now`. Setting the line's quantity again (any quantity)
    /// accepts the new price.
    PriceChanged,
    /// The product is no longer sold: archived, hidden, or its stall is not open.
    Unavailable,
}

/// What is wrong with a cart line: a code, a sentence in the client's language (Vietnamese
/// with `Accept-Language: vi`) and the numbers it speaks of, as fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineProblem {
    /// What is wrong.
    pub code: LineProblemCode,
    /// The same in words, for a person.
    pub message: String,
    /// With `out_of_stock`: the units in stock now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// With `price_changed`: the unit price before, in đồng.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_was: Option<i64>,
    /// With `price_changed`: the unit price now, in đồng.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_now: Option<i64>,
}

/// The cart.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cart {
    /// Lines, oldest first.
    pub items: Vec<CartLine>,
    /// Total of the available lines' goods, in đồng.
    pub total: i64,
    /// With a destination: per stall, its goods, its delivery line and how it was reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalls: Option<Vec<StallTotal>>,
    /// With a destination: goods and delivery of the available lines, what checkout charges
    /// (send it back as `expected_total`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grand_total: Option<i64>,
    /// With `voucher_codes` (and a destination): what the codes would take off at checkout,
    /// in đồng, by the checkout's rules; `grand_total` is then the discounted total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<i64>,
    /// With `voucher_codes`: each code's part of `discount`, per stall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discounts: Option<Vec<CartDiscount>>,
}

/// What a voucher would take off one stall's part of the cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartDiscount {
    /// The voucher's code.
    pub code: String,
    /// The stall whose order it would discount.
    pub stall_id: Uuid,
    /// Goods and delivery taken off, in đồng.
    pub amount: i64,
    /// Who would pay for it.
    pub funded_by: promotions::FundedBy,
}

/// Where the buyer would have the cart delivered, to price delivery.
#[derive(Clone, Debug)]
pub enum CartDestination {
    /// An address of the buyer's book.
    Address(Uuid),
    /// A commune of the national map (the province may be left out).
    Place {
        /// Province code.
        province_code: Option<String>,
        /// Commune code.
        commune_code: String,
    },
}

impl CartDestination {
    /// The destination a cart request names with its optional `address_id`, `province_code`
    /// and `commune_code`: none of them is no destination; an address of the book and a
    /// commune together are refused (`conflicting_fields` on `address_id`), as is a province
    /// without its commune.
    pub fn from_request(
        address_id: Option<Uuid>,
        province_code: Option<String>,
        commune_code: Option<String>,
    ) -> Result<Option<Self>> {
        let written = (province_code.is_some() || commune_code.is_some())
            .then_some((province_code, commune_code));
        let named = store::named_destination(
            address_id,
            written,
            "give either address_id or a commune, not both",
        )
        .map_err(|f| common::Error::validation(vec![f]))?;
        Ok(match named {
            None => None,
            Some(Named::Book(id)) => Some(CartDestination::Address(id)),
            Some(Named::Written((province_code, Some(commune_code)))) => {
                Some(CartDestination::Place {
                    province_code,
                    commune_code,
                })
            }
            Some(Named::Written((_, None))) => {
                return Err(common::Error::invalid_field(
                    "commune_code",
                    FieldCode::Required,
                    "is required with province_code",
                )
                .into());
            }
        })
    }
}

/// Reads and changes carts.
#[derive(Clone, Debug)]
pub struct Carts {
    pub(crate) catalog: catalog::Catalog,
    pub(crate) nation: &'static Nation,
    pub(crate) rates: Arc<ShippingRates>,
    /// How long a guest cart lives after its last change.
    pub(crate) guest_ttl: chrono::Duration,
    /// The vouchers a priced cart may preview.
    vouchers: promotions::Vouchers,
    /// The stalls' carriers, pricing their parcels where set up.
    pub(crate) carrier_quoting: Option<crate::carrier_quotes::CarrierQuoting>,
}

impl Carts {
    /// Carts priced from `catalog`, delivery from the built-in rate table; guest carts live
    /// [`GUEST_TTL_DAYS`] days.
    pub fn new(catalog: catalog::Catalog) -> Self {
        Self {
            vouchers: promotions::Vouchers::new(catalog.clone()),
            catalog,
            nation: Nation::builtin(),
            rates: Arc::new(ShippingRates::builtin()),
            guest_ttl: chrono::Duration::days(GUEST_TTL_DAYS.into()),
            carrier_quoting: None,
        }
    }

    /// Prices the parcels of stalls that ship with a carrier from the carrier's quotes.
    pub fn with_carriers(mut self, quoting: crate::carrier_quotes::CarrierQuoting) -> Self {
        self.carrier_quoting = Some(quoting);
        self
    }

    /// Guest carts live `days` days after their last change.
    pub fn with_guest_ttl_days(mut self, days: u32) -> Self {
        self.guest_ttl = chrono::Duration::days(days.into());
        self
    }

    /// Prices delivery with `rates` instead of the built-in table.
    pub fn with_rates(mut self, rates: Arc<ShippingRates>) -> Self {
        self.rates = rates;
        self
    }

    /// The caller's cart as the buyer asks for it: priced for delivery when the request names
    /// a destination ([`CartDestination::from_request`]), with current prices alone otherwise;
    /// with voucher `codes` (which need a destination), the discount they would give, or the
    /// checkout's 422 naming each refused code.
    pub async fn read<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        to: Option<CartDestination>,
        codes: &[String],
    ) -> Result<Cart> {
        match to {
            Some(to) if !codes.is_empty() => self.with_vouchers(db, actor, to, codes).await,
            Some(to) => self.priced(db, actor, to).await,
            None if !codes.is_empty() => Err(common::Error::invalid_field(
                "commune_code",
                FieldCode::Required,
                "is required (or give address_id)",
            )
            .into()),
            None => self.cart(db, actor).await,
        }
    }

    /// The caller's cart priced for delivery to `to`, with what voucher `codes` would take off.
    async fn with_vouchers<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        to: CartDestination,
        codes: &[String],
    ) -> Result<Cart> {
        let user = actor.require_user()?;
        let (province, commune) = self.place(db, user, to).await?;
        let mut cart = self.cart(db, actor).await?;
        let (quote, offers) = self.quote(db, &cart, &province, &commune).await?;
        let basket = crate::vouchers::basket(&quote, &offers);
        let found = self
            .vouchers
            .discounts(db, user, codes, &basket, Utc::now())
            .await?;
        let discount: i64 = found.iter().map(crate::vouchers::amount).sum();
        cart.stalls = Some(quote.stalls.iter().map(StallTotal::from).collect());
        cart.grand_total = Some(quote.total.saturating_sub(discount));
        cart.discount = Some(discount);
        cart.discounts = Some(
            found
                .into_iter()
                .map(|d| CartDiscount {
                    amount: crate::vouchers::amount(&d),
                    code: d.code,
                    stall_id: d.stall_id,
                    funded_by: d.funded_by,
                })
                .collect(),
        );
        Ok(cart)
    }

    /// The caller's cart priced for delivery to `to`: per stall, the delivery line, and the
    /// grand total.
    pub async fn priced<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        to: CartDestination,
    ) -> Result<Cart> {
        let user = actor.require_user()?;
        let (province, commune) = self.place(db, user, to).await?;
        let cart = self.cart(db, actor).await?;
        self.with_delivery(db, cart, &province, &commune).await
    }

    /// `cart` with, per stall, its delivery line to the checked `province` and `commune`, and
    /// the grand total.
    pub(crate) async fn with_delivery<C: ConnectionTrait>(
        &self,
        db: &C,
        mut cart: Cart,
        province: &str,
        commune: &str,
    ) -> Result<Cart> {
        let (quote, _) = self.quote(db, &cart, province, commune).await?;
        cart.stalls = Some(quote.stalls.iter().map(StallTotal::from).collect());
        cart.grand_total = Some(quote.total);
        Ok(cart)
    }

    /// The available lines of `cart` priced for delivery to `province` and `commune`, with
    /// the offers they were priced from.
    async fn quote<C: ConnectionTrait>(
        &self,
        db: &C,
        cart: &Cart,
        province: &str,
        commune: &str,
    ) -> Result<(
        Quote,
        std::collections::HashMap<Uuid, catalog::offer::Offer>,
    )> {
        let lines: Vec<(Uuid, i64)> = cart
            .items
            .iter()
            .filter(|l| l.available)
            .map(|l| (l.variant_id, l.quantity))
            .collect();
        let ids: Vec<Uuid> = lines.iter().map(|l| l.0).collect();
        let offers = self.catalog.visible_offers(db, &ids).await?;
        let place = Place { province, commune };
        let quote = crate::pricing::quote_to(
            db,
            &self.catalog,
            (self.nation, &self.rates),
            &lines,
            &offers,
            place,
            crate::pricing::Fees::ask(self.carrier_quoting.as_ref()),
        )
        .await?;
        Ok((quote, offers))
    }

    /// The province and commune codes of `to`, checked.
    async fn place<C: ConnectionTrait>(
        &self,
        db: &C,
        user: Uuid,
        to: CartDestination,
    ) -> Result<(String, String)> {
        let (field, province, commune) = match to {
            CartDestination::Address(id) => match store::book_address(db, user, id).await? {
                Some(a) => ("address_id", a.province_code, a.commune_code),
                None => {
                    return Err(common::Error::invalid_field(
                        "address_id",
                        FieldCode::UnknownAddress,
                        "is not an address of yours",
                    )
                    .into());
                }
            },
            CartDestination::Place {
                province_code,
                commune_code,
            } => ("commune_code", province_code, commune_code),
        };
        self.checked_place(field, province, commune)
    }

    /// The province and commune codes of a commune named by the request (in `field`) and of
    /// the province it may name, checked against the national map.
    pub(crate) fn checked_place(
        &self,
        field: &str,
        province: Option<String>,
        commune: String,
    ) -> Result<(String, String)> {
        let Some((_, p)) = self.nation.commune(&commune) else {
            return Err(common::Error::invalid_field(
                field,
                FieldCode::UnknownCommune,
                "is not a commune, ward or special zone code of Vietnam",
            )
            .into());
        };
        if province.as_deref().is_some_and(|code| code != p.code) {
            return Err(common::Error::invalid_field(
                "province_code",
                FieldCode::CommuneOutsideProvince,
                "is not the province of commune_code",
            )
            .into());
        }
        Ok((p.code.clone(), commune))
    }

    /// The caller's cart with current prices.
    pub async fn cart<C: ConnectionTrait>(&self, db: &C, actor: &Actor) -> Result<Cart> {
        let user = actor.require_user()?;
        let rows = cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(user))
            .order_by_asc(cart_item::Column::AddedAt)
            .all(db)
            .await?;
        let rows = rows
            .into_iter()
            .map(|r| Row {
                variant_id: r.variant_id,
                quantity: r.quantity,
                seen: r.unit_price_seen,
            })
            .collect();
        self.view(db, rows).await
    }

    /// The cart of `rows` (oldest first) with current prices: the signed-in cart and a
    /// guest's have one view.
    pub(crate) async fn view<C: ConnectionTrait>(&self, db: &C, rows: Vec<Row>) -> Result<Cart> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.variant_id).collect();
        let offers = self.catalog.visible_offers(db, &ids).await?;
        // Lines of variants no longer sold still name their product.
        let gone: Vec<Uuid> = ids
            .iter()
            .copied()
            .filter(|id| !offers.contains_key(id))
            .collect();
        let gone = catalog::service::variants::products_of(db, &gone).await?;
        let mut total = Money::ZERO;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let line = match offers.get(&r.variant_id) {
                Some(o) => {
                    let p = &o.product;
                    let line_total = Money::from_dong(o.price())
                        .checked_mul(r.quantity)
                        .unwrap_or(Money::ZERO);
                    let state = buyable(r.quantity, Some(o));
                    if state.is_ok() {
                        total = total.checked_add(line_total).unwrap_or(total);
                    }
                    CartLine {
                        product_id: p.id,
                        variant_id: r.variant_id,
                        variant_name: Some(o.variant.name.clone()),
                        stall_id: Some(p.stall.id),
                        stall: Some(p.stall.clone()),
                        name: p.name.clone(),
                        slug: Some(p.slug.clone()),
                        unit: Some(p.unit.clone()),
                        image: o.image(),
                        unit_price: o.price(),
                        price: o.price(),
                        regular_price: Some(o.regular_price()),
                        on_sale: o.variant.on_sale,
                        sale_ends_at: o.variant.sale_ends_at.filter(|_| o.variant.on_sale),
                        quantity: r.quantity,
                        line_total: line_total.dong(),
                        stock: o.stock(),
                        available: state.is_ok(),
                        // Stock or sale first: a line that cannot be bought says so.
                        problem: match state {
                            Err(why) => Some(problem(why)),
                            Ok(_) => price_changed(r.seen, o.price()),
                        },
                    }
                }
                None => CartLine {
                    product_id: gone.get(&r.variant_id).map_or(r.variant_id, |g| g.0),
                    variant_id: r.variant_id,
                    variant_name: gone.get(&r.variant_id).map(|g| g.1.clone()),
                    stall_id: None,
                    stall: None,
                    name: String::new(),
                    slug: None,
                    unit: None,
                    image: None,
                    unit_price: 0,
                    price: 0,
                    regular_price: None,
                    on_sale: false,
                    sale_ends_at: None,
                    quantity: r.quantity,
                    line_total: 0,
                    stock: 0,
                    available: false,
                    problem: Some(problem(Unbuyable::NotSold)),
                },
            };
            items.push(line);
        }
        Ok(Cart {
            items,
            total: total.dong(),
            stalls: None,
            grand_total: None,
            discount: None,
            discounts: None,
        })
    }

    /// Sets a line's quantity (0 removes it). `id` names a variant, or a product (its first
    /// variant), which must be on sale.
    pub async fn set<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        quantity: i64,
    ) -> Result<Cart> {
        let user = actor.require_user()?;
        check_quantity(quantity)?;
        if quantity == 0 {
            self.remove(db, actor, id).await?;
            return self.cart(db, actor).await;
        }
        let Some(offer) = self.catalog.visible_offers(db, &[id]).await?.remove(&id) else {
            return Err(OrderError::NotFound("Product"));
        };
        let variant_id = offer.variant.id;
        let lines = cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(user))
            .all(db)
            .await?;
        if lines.len() >= MAX_LINES && !lines.iter().any(|l| l.variant_id == variant_id) {
            return Err(common::Error::invalid_field(
                "product_id",
                FieldCode::TooMany,
                format!("a cart holds at most {MAX_LINES} products"),
            )
            .into());
        }
        cart_item::Entity::insert(cart_item::ActiveModel {
            user_id: Set(user),
            variant_id: Set(variant_id),
            quantity: Set(quantity),
            added_at: Set(Utc::now()),
            unit_price_seen: Set(Some(offer.price())),
        })
        .on_conflict(
            // Setting the line again accepts the price it has now.
            OnConflict::columns([cart_item::Column::UserId, cart_item::Column::VariantId])
                .update_columns([
                    cart_item::Column::Quantity,
                    cart_item::Column::UnitPriceSeen,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
        self.cart(db, actor).await
    }

    /// Removes the line of variant `id`, or every line of product `id`; removing an absent
    /// line is not an error.
    pub async fn remove<C: ConnectionTrait>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<()> {
        let user = actor.require_user()?;
        let ids = catalog::service::variants::line_ids(db, id).await?;
        cart_item::Entity::delete_many()
            .filter(cart_item::Column::UserId.eq(user))
            .filter(cart_item::Column::VariantId.is_in(ids))
            .exec(db)
            .await?;
        Ok(())
    }
}

/// One line of a stored cart, as the view reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    pub variant_id: Uuid,
    pub quantity: i64,
    /// The unit price when the line was last set; `None` for lines put before it was kept.
    pub seen: Option<i64>,
}

/// A quantity a request sets for a line: 0 (removes it) to [`MAX_QUANTITY`].
pub(crate) fn check_quantity(quantity: i64) -> Result<()> {
    if !(0..=MAX_QUANTITY).contains(&quantity) {
        return Err(common::Error::invalid_field(
            "quantity",
            FieldCode::OutOfRange,
            format!("must be from 0 to {MAX_QUANTITY}"),
        )
        .into());
    }
    Ok(())
}

/// What a line that cannot be bought says about itself (in English: the gateway puts the
/// message in the client's language by its code).
fn problem(why: Unbuyable) -> LineProblem {
    let (code, message, available) = match why {
        Unbuyable::NotSold => (
            LineProblemCode::Unavailable,
            "This product is no longer sold.".to_owned(),
            None,
        ),
        Unbuyable::Short { stock } => (
            LineProblemCode::OutOfStock,
            format!("Only {stock} left in stock."),
            Some(stock),
        ),
    };
    LineProblem {
        code,
        message,
        available,
        price_was: None,
        price_now: None,
    }
}

/// `price_changed` for a line put at unit price `seen` that costs `now`; nothing when the
/// price is the same, or was not kept (in English: the gateway translates it by its code).
fn price_changed(seen: Option<i64>, now: i64) -> Option<LineProblem> {
    let was = seen.filter(|&was| was != now)?;
    Some(LineProblem {
        code: LineProblemCode::PriceChanged,
        message: format!("The price changed from {was} đồng to {now} đồng."),
        available: None,
        price_was: Some(was),
        price_now: Some(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: OrderError) -> Vec<(String, String)> {
        common::Error::from(e)
            .fields
            .into_iter()
            .map(|f| (f.field, f.message))
            .collect()
    }

    #[test]
    fn a_cart_request_names_an_address_or_a_commune_never_both() {
        let id = Uuid::now_v7();
        let code = |c: &str| Some(c.to_owned());
        assert!(matches!(
            CartDestination::from_request(None, None, None),
            Ok(None)
        ));
        assert!(matches!(
            CartDestination::from_request(Some(id), None, None),
            Ok(Some(CartDestination::Address(a))) if a == id
        ));
        assert!(matches!(
            CartDestination::from_request(None, code("01"), code("00070")),
            Ok(Some(CartDestination::Place { province_code: Some(p), commune_code: c }))
                if p == "01" && c == "00070"
        ));
        assert!(matches!(
            CartDestination::from_request(None, None, code("00070")),
            Ok(Some(CartDestination::Place {
                province_code: None,
                ..
            }))
        ));
        let both = (
            "address_id".to_owned(),
            "give either address_id or a commune, not both".to_owned(),
        );
        for (province, commune) in [
            (None, code("00070")),
            (code("01"), None),
            (code("01"), code("00070")),
        ] {
            let e = CartDestination::from_request(Some(id), province, commune).unwrap_err();
            assert_eq!(fields(e), std::slice::from_ref(&both));
        }
        let e = CartDestination::from_request(None, code("01"), None).unwrap_err();
        assert_eq!(
            fields(e),
            [(
                "commune_code".to_owned(),
                "is required with province_code".to_owned()
            )]
        );
    }
}
