//! A variant on sale with its product: what a cart line prices.

use crate::{product::Product, variant::Variant};

/// A variant on sale with its product, as carts and checkouts price it: the variant's price in
/// force when it was read (a sale's during its window, see [`crate::sale::price_at`]), stock
/// and weight (the product's when it has none).
#[derive(Clone, Debug)]
pub struct Offer {
    /// The product as the public sees it.
    pub product: Product,
    /// The variant.
    pub variant: Variant,
}

impl Offer {
    /// The price charged: the price in force when the offer was read, in whole đồng.
    #[expect(
        clippy::misnamed_getters,
        reason = "what a cart charges is the price in force, not the variant's regular price"
    )]
    pub fn price(&self) -> i64 {
        self.variant.price_in_force
    }

    /// The regular price (the price before a promotion), in whole đồng.
    pub fn regular_price(&self) -> i64 {
        self.variant.price
    }

    /// Units in stock.
    pub fn stock(&self) -> i64 {
        self.variant.stock
    }

    /// Shipping weight of one unit.
    pub fn weight_grams(&self) -> Option<i32> {
        self.variant.weight_grams.or(self.product.weight_grams)
    }

    /// Its first image, else the product's cover.
    pub fn image(&self) -> Option<String> {
        self.variant
            .images
            .first()
            .cloned()
            .or_else(|| self.product.image.clone())
    }
}
