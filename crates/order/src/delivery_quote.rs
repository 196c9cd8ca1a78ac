//! The delivery quote of a product page: what delivering some units of one product to a
//! commune would cost and take, priced as the cart prices its stall's delivery line (the rate
//! table, the stall's own rules, the estimated days of the zone).

use common::{Actor, FieldCode, validate::Validator};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    OrderError,
    cart::{Carts, MAX_QUANTITY},
    error::Result,
    pricing::Place,
    shipping::Delivery,
};

/// What a delivery quote asks.
#[derive(Clone, Debug)]
pub struct QuoteRequest {
    /// A variant of the product (its pack size); none: its first.
    pub variant_id: Option<Uuid>,
    /// The destination's province, which may be left out.
    pub province_code: Option<String>,
    /// The destination's commune.
    pub commune_code: Option<String>,
    /// Units, 1 to [`MAX_QUANTITY`]; none: one.
    pub quantity: Option<i64>,
}

impl Carts {
    /// The delivery of `r.quantity` units of the product `id_or_slug` (visible to the public)
    /// from its stall to `r.commune_code`: fee, zone, weight and estimated days, as the cart
    /// would show its stall's line with these units alone.
    pub async fn delivery_quote<C: ConnectionTrait>(
        &self,
        db: &C,
        id_or_slug: &str,
        r: QuoteRequest,
    ) -> Result<Delivery> {
        let quantity = r.quantity.unwrap_or(1);
        let mut v = Validator::new();
        v.check(
            (1..=MAX_QUANTITY).contains(&quantity),
            "quantity",
            FieldCode::OutOfRange,
            format!("must be from 1 to {MAX_QUANTITY}"),
        );
        v.check(
            r.commune_code.is_some(),
            "commune_code",
            FieldCode::Required,
            "is required",
        );
        v.finish()?;
        let commune = r.commune_code.unwrap_or_default();
        let (province, commune) = self.checked_place("commune_code", r.province_code, commune)?;
        let product = self
            .catalog
            .product(db, &Actor::Anonymous, id_or_slug)
            .await?;
        let id = r.variant_id.unwrap_or(product.id);
        let offers = self.catalog.visible_offers(db, &[id]).await?;
        if offers.get(&id).is_none_or(|o| o.product.id != product.id) {
            return Err(common::Error::invalid_field(
                "variant_id",
                FieldCode::Invalid,
                "is not a variant of this product",
            )
            .into());
        }
        let place = Place {
            province: &province,
            commune: &commune,
        };
        let quote = crate::pricing::quote_to(
            db,
            &self.catalog,
            (self.nation, &self.rates),
            &[(id, quantity)],
            &offers,
            place,
            crate::pricing::Fees::ask(self.carrier_quoting.as_ref()),
        )
        .await?;
        quote
            .stalls
            .into_iter()
            .next()
            .and_then(|s| s.delivery)
            .ok_or(OrderError::NotFound("Product"))
    }
}
