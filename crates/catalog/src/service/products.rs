//! Listing, editing and archiving products; public product lists.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use common::{
    Actor, FieldCode, Money, Page, PageRequest, Stored,
    stored::{stored, stored_opt},
    validate::Validator,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    Set, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    Catalog, SlugTable, Viewer, find_category, find_product, find_stall, is_unique_violation,
    product_refs, unique_slug, visible_products,
};
use crate::{
    CatalogError,
    category::descendants,
    entity::{category, product, stall},
    error::Result,
    facts::{self, ProductFacts},
    outbox,
    product::{
        CategoryRef, NewProduct, Ocop, OcopClaim, OcopIssuer, OcopStatus, Product, ProductPatch,
        ProductStatus, StallRef, rules,
    },
    variant::CheckedVariant,
};

use super::variants::sale_given;

/// The orders of a product listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ListSort, rename_all = "snake_case"))]
pub enum ProductSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first (by its dearest variant).
    PriceDesc,
}

impl ProductSort {
    /// Parses `newest`, `price_asc` or `price_desc`; anything else names the field `sort`.
    pub fn parse(s: Option<&str>) -> Result<Self> {
        match s {
            None | Some("newest") => Ok(ProductSort::Newest),
            Some("price_asc") => Ok(ProductSort::PriceAsc),
            Some("price_desc") => Ok(ProductSort::PriceDesc),
            Some(_) => Err(common::Error::invalid_field(
                "sort",
                FieldCode::NotOneOf,
                "must be one of newest, price_asc, price_desc",
            )
            .into()),
        }
    }

    fn apply(self, q: Select<product::Entity>) -> Select<product::Entity> {
        match self {
            ProductSort::Newest => q
                .order_by_desc(product::Column::CreatedAt)
                .order_by_desc(product::Column::Id),
            // By the prices in force (a sale's during its window), as search sorts.
            ProductSort::PriceAsc => q
                .order_by_asc(product::Column::PriceNow)
                .order_by_desc(product::Column::Id),
            ProductSort::PriceDesc => q
                .order_by_desc(product::Column::PriceNowMax)
                .order_by_desc(product::Column::Id),
        }
    }
}

/// The certificate a product's row claims, whole, as a viewer may see it on `today`: its review
/// status for members and admins only. No review status yet reads as unverified; one that is no
/// known status, or an unknown issuer, is an error.
fn ocop_view(p: &product::Model, today: NaiveDate, privileged: bool) -> Result<Option<Ocop>> {
    let (Some(stars), Some(certificate_no), Some(issued_on), Some(expires_on)) = (
        p.ocop_stars,
        p.ocop_certificate_no.clone(),
        p.ocop_issued_on,
        p.ocop_expires_on,
    ) else {
        return Ok(None);
    };
    let status = stored_opt(p.ocop_status.as_deref())?.unwrap_or(OcopStatus::Unverified);
    let issuer = stored_opt(p.ocop_issuer.as_deref())?.unwrap_or(OcopIssuer::Province);
    Ok(Some(Ocop {
        stars: u8::try_from(stars).unwrap_or(0),
        certificate_no,
        issuer,
        issued_on,
        expires_on,
        valid: status == OcopStatus::Verified && today <= expires_on,
        status: privileged.then_some(status),
        status_reason: p.ocop_status_reason.clone().filter(|_| privileged),
    }))
}

/// The product's category as a product shows it; empty names if the row is gone.
fn category_ref(id: Uuid, category: Option<&category::Model>) -> CategoryRef {
    category.map_or_else(
        || CategoryRef {
            id,
            slug: String::new(),
            name: String::new(),
        },
        |c| CategoryRef {
            id: c.id,
            slug: c.slug.clone(),
            name: c.name.clone(),
        },
    )
}

use crate::visibility::product_is_public as is_visible;

/// A new product's row refused: by the unique slug when another product took the name
/// between the choice of its slug and the insert.
fn name_taken(e: sea_orm::DbErr) -> CatalogError {
    if is_unique_violation(&e) {
        CatalogError::InvalidTransition(
            "Another product took this name a moment ago; try again.".into(),
        )
    } else {
        e.into()
    }
}

/// Which of a body's `price` and `stock` are given (a product's one variant's, beside its
/// `variants` list).
fn given(price: Option<i64>, stock: Option<i64>) -> Vec<&'static str> {
    [("price", price.is_some()), ("stock", stock.is_some())]
        .into_iter()
        .filter_map(|(field, is)| is.then_some(field))
        .collect()
}

impl Catalog {
    /// Converts a stored product into what a viewer may see (`privileged`: member or admin,
    /// who also read which of the `required` facts it lacks). A status in the row that is no
    /// known one is an error, never read as a default.
    pub(crate) fn product_view(
        &self,
        p: product::Model,
        stall: &stall::Model,
        category: Option<&category::Model>,
        privileged: bool,
        required: &[&'static str],
        variants: Vec<crate::variant::Variant>,
    ) -> Result<Product> {
        let ocop = ocop_view(&p, Self::today(), privileged)?;
        let facts = ProductFacts::from_stored(p.facts.as_deref())?;
        let missing_facts = privileged.then(|| {
            facts
                .missing(required)
                .into_iter()
                .map(|k| format!("facts.{k}"))
                .collect()
        });
        let missing_documents = if privileged {
            Some(crate::documents::from_stored(
                p.missing_documents.as_deref(),
            )?)
        } else {
            None
        };
        let status = stored(&p.status)?;
        let rating = crate::ratings::ProductRating::of(&p);
        let ocop_stars = ocop.as_ref().filter(|o| o.valid).map(|o| o.stars);
        let images = crate::photos::image_urls(&p.images);
        let commune = self.regions.get(p.commune_code(stall)).cloned();
        let origin_commune = p
            .origin_commune_code
            .as_deref()
            .and_then(|c| self.regions.get(c))
            .cloned();
        let price_in_force = variants
            .iter()
            .map(|v| v.price_in_force)
            .min()
            .unwrap_or(p.price);
        Ok(Product {
            id: p.id,
            slug: p.slug,
            stall: StallRef {
                id: stall.id,
                slug: stall.slug.clone(),
                name: stall.name.clone(),
            },
            category: category_ref(p.category_id, category),
            name: p.name,
            description: p.description,
            price: Money::from_dong(p.price),
            price_max: p.price_max,
            price_in_force,
            unit: p.unit,
            stock: p.stock,
            in_stock: p.stock > 0,
            variants,
            image: images.first().cloned(),
            images,
            commune,
            origin_commune,
            weight_grams: p.weight_grams,
            ocop_stars,
            ocop: ocop.filter(|o| privileged || o.valid),
            facts,
            missing_facts,
            missing_documents,
            status,
            hidden: p.hidden,
            hidden_reason: p.hidden_reason.filter(|_| privileged),
            sales_count: p.sales_count,
            rating,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }

    pub(crate) async fn views<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: Vec<product::Model>,
        privileged: bool,
    ) -> Result<Vec<Product>> {
        let (stalls, categories) = product_refs(db, &rows).await?;
        let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
        let mut variants = super::variants::of(db, &ids, Utc::now()).await?;
        // Which facts each category requires depends on its ancestors: only the privileged
        // views, which list what is missing, need the whole (small) tree.
        let tree = if privileged {
            category::Entity::find().all(db).await?
        } else {
            Vec::new()
        };
        let mut views = Vec::with_capacity(rows.len());
        for p in rows {
            let Some(stall) = stalls.get(&p.stall_id) else {
                continue;
            };
            let category = categories.get(&p.category_id);
            let required = if privileged {
                self.required_facts(&tree, p.category_id)
            } else {
                Vec::new()
            };
            let own = variants.remove(&p.id).unwrap_or_default();
            views.push(self.product_view(p, stall, category, privileged, &required, own)?);
        }
        Ok(views)
    }

    /// One product's full view for a known viewer.
    pub(crate) async fn one_view<C: ConnectionTrait>(
        &self,
        db: &C,
        p: product::Model,
        privileged: bool,
    ) -> Result<Product> {
        self.views(db, vec![p], privileged)
            .await?
            .pop()
            .ok_or(CatalogError::NotFound("Product"))
    }

    fn ocop_columns(am: &mut product::ActiveModel, claim: Option<OcopClaim>) {
        match claim {
            Some(c) => {
                am.ocop_stars = Set(Some(i16::from(c.stars)));
                am.ocop_certificate_no = Set(Some(c.certificate_no));
                am.ocop_issuer = Set(Some(c.issuer.as_str().to_owned()));
                am.ocop_issued_on = Set(Some(c.issued_on));
                am.ocop_expires_on = Set(Some(c.expires_on));
                am.ocop_status = Set(Some(OcopStatus::Unverified.as_str().to_owned()));
            }
            None => {
                am.ocop_stars = Set(None);
                am.ocop_certificate_no = Set(None);
                am.ocop_issuer = Set(None);
                am.ocop_issued_on = Set(None);
                am.ocop_expires_on = Set(None);
                am.ocop_status = Set(None);
            }
        }
        am.ocop_status_reason = Set(None);
        am.ocop_reviewed_at = Set(None);
    }

    async fn check_category<C: ConnectionTrait>(db: &C, v: &mut Validator, id: Uuid) -> Result<()> {
        let exists = category::Entity::find_by_id(id).one(db).await?.is_some();
        v.check(
            exists,
            "category_id",
            FieldCode::UnknownCategory,
            "is not a category (see GET /api/v1/categories)",
        );
        Ok(())
    }

    /// Records each fact that category `category_id` requires and `facts` lacks, as a
    /// required field `facts.<key>`: a product cannot be listed without them.
    async fn check_facts<C: ConnectionTrait>(
        &self,
        db: &C,
        v: &mut Validator,
        category_id: Uuid,
        facts: &ProductFacts,
    ) -> Result<()> {
        let tree = category::Entity::find().all(db).await?;
        let required = self.required_facts(&tree, category_id);
        facts::require(v, &facts.missing(&required));
        Ok(())
    }

    /// Lists a new product on a stall (members). An OCOP claim starts `unverified`.
    pub async fn create_product<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall_id_or_slug: &str,
        input: NewProduct,
    ) -> Result<Product> {
        let (stall, _) = self
            .stall_for_member(db, actor, stall_id_or_slug, false)
            .await?;
        let mut v = Validator::new();
        let name = rules::name(&mut v, &input.name);
        let description = rules::description(&mut v, &input.description);
        let unit = rules::unit(&mut v, &input.unit);
        let variants = self.new_variants(&mut v, &input, &unit);
        rules::weight(&mut v, input.weight_grams);
        let images = rules::images(&mut v, &input.images);
        if let Some(code) = input.origin_commune_code.as_deref() {
            rules::commune(&mut v, &self.regions, "origin_commune_code", code);
        }
        let claim = input
            .ocop
            .as_ref()
            .and_then(|o| o.validate(&mut v, "ocop", Self::today()));
        let product_facts = input
            .facts
            .as_ref()
            .map(|f| f.validate(&mut v, Self::today()))
            .unwrap_or_default();
        Self::check_category(db, &mut v, input.category_id).await?;
        self.check_facts(db, &mut v, input.category_id, &product_facts)
            .await?;
        self.check_product_photos(&mut v, stall.id, &images, &variants)
            .await?;
        v.finish()?;
        let now = Utc::now();
        let sums = super::variants::sums(variants.iter().map(|v| {
            let in_force = crate::sale::price_at(v.price, v.sale.as_ref(), now);
            (v.price, in_force, v.stock.unwrap_or(0))
        }));

        let txn = common::begin_write(db).await?;
        let slug = unique_slug(&txn, SlugTable::Product, &name, "san-pham").await?;
        let mut am = product::ActiveModel {
            id: Set(Uuid::now_v7()),
            slug: Set(slug),
            stall_id: Set(stall.id),
            category_id: Set(input.category_id),
            name: Set(name),
            description: Set(description),
            price: Set(sums.price),
            price_max: Set(sums.price_max),
            price_now: Set(sums.price_now),
            price_now_max: Set(sums.price_now_max),
            unit: Set(unit),
            stock: Set(sums.stock),
            images: Set(serde_json::to_string(&images).unwrap_or_else(|_| "[]".into())),
            origin_commune_code: Set(input.origin_commune_code),
            weight_grams: Set(input.weight_grams),
            facts: Set(product_facts.to_stored()),
            missing_documents: Set(self
                .missing_documents_of(&txn, &stall, input.category_id)
                .await?),
            status: Set(ProductStatus::Active.as_str().to_owned()),
            hidden: Set(false),
            hidden_reason: Set(None),
            sales_count: Set(0),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        Self::ocop_columns(&mut am, claim);
        let model = am.insert(&txn).await.map_err(name_taken)?;
        super::variants::store(&txn, model.id, &variants, now).await?;
        outbox::enqueue(&txn, outbox::Entity::Product, model.id).await?;
        txn.commit().await?;
        self.one_view(db, model, true).await
    }

    /// The variants a new product is listed with: those of `variants`, else one named after
    /// its `unit` of `price` and `stock` (which are then required, and refused beside
    /// `variants`).
    fn new_variants(
        &self,
        v: &mut Validator,
        input: &NewProduct,
        unit: &str,
    ) -> Vec<CheckedVariant> {
        let sale = input.sale_input();
        if let Some(list) = &input.variants {
            let mut fields = given(input.price, input.stock);
            fields.extend(sale_given(sale));
            for field in fields {
                v.add(
                    field,
                    FieldCode::ConflictingFields,
                    "give prices and stock in variants, or price and stock without variants",
                );
            }
            let mut checked = crate::variant::check(v, list);
            crate::variant::check_sales(v, list, &mut checked, &[], self.sale_rules_now());
            return checked;
        }
        for field in ["price", "stock"] {
            if !given(input.price, input.stock).contains(&field) {
                v.add(field, FieldCode::Required, "is required");
            }
        }
        let (Some(price), Some(stock)) = (input.price, input.stock) else {
            return Vec::new();
        };
        rules::price(v, price);
        rules::stock(v, stock);
        let sale = crate::sale::check(v, "", price, sale, self.sale_rules_now());
        vec![CheckedVariant {
            id: None,
            name: if unit.is_empty() {
                "Mặc định".into()
            } else {
                unit.to_owned()
            },
            sku: None,
            barcode: None,
            price,
            compare_at_price: None,
            sale,
            stock: Some(stock),
            weight_grams: input.weight_grams,
            images: Vec::new(),
        }]
    }

    /// Names each photo of `images` (`images[N]`) and of the variants
    /// (`variants[N].images[M]`) that the stall does not hold.
    async fn check_product_photos(
        &self,
        v: &mut Validator,
        stall_id: Uuid,
        images: &[String],
        variants: &[CheckedVariant],
    ) -> Result<()> {
        crate::photos::check(self.photos.as_ref(), v, stall_id, images).await?;
        for (i, variant) in variants.iter().enumerate() {
            crate::photos::check_named(
                self.photos.as_ref(),
                v,
                stall_id,
                &format!("variants[{i}].images"),
                &variant.images,
            )
            .await?;
        }
        Ok(())
    }

    /// The variants an edit leaves `current` with, checked, when it changes them: the list of
    /// `variants` (each id one of the product's), or its one variant with a new `price`,
    /// `stock` or weight. A product of several variants changes prices and stock in
    /// `variants` only.
    async fn patched_variants<C: ConnectionTrait>(
        &self,
        db: &C,
        v: &mut Validator,
        current: &product::Model,
        patch: &ProductPatch,
    ) -> Result<Option<Vec<CheckedVariant>>> {
        let rows = super::variants::rows(db, current.id).await?;
        if let Some(list) = &patch.variants {
            let mut fields = given(patch.price, patch.stock);
            fields.extend(patch.sale_change().map(sale_given).unwrap_or_default());
            for field in fields {
                v.add(
                    field,
                    FieldCode::ConflictingFields,
                    "give prices and stock in variants, or price and stock without variants",
                );
            }
            let mut checked = crate::variant::check(v, list);
            let stored: Vec<_> = rows
                .iter()
                .map(|r| (r.id, r.price, super::variants::sale_of(r)))
                .collect();
            crate::variant::check_sales(v, list, &mut checked, &stored, self.sale_rules_now());
            for (i, c) in checked.iter().enumerate() {
                if let Some(id) = c.id {
                    v.check(
                        rows.iter().any(|r| r.id == id),
                        &format!("variants[{i}].id"),
                        FieldCode::Invalid,
                        "is not a variant of this product",
                    );
                }
            }
            self.check_product_photos(v, current.stall_id, &[], &checked)
                .await?;
            return Ok(Some(checked));
        }
        let weight = patch.weight_grams;
        let sale_change = patch.sale_change();
        if patch.price.is_none()
            && patch.stock.is_none()
            && weight.is_none()
            && sale_change.is_none()
        {
            return Ok(None);
        }
        let [only] = rows.as_slice() else {
            let mut fields = given(patch.price, patch.stock);
            fields.extend(sale_change.map(sale_given).unwrap_or_default());
            for field in fields {
                v.add(
                    field,
                    FieldCode::ConflictingFields,
                    "this product has several variants: change each in variants",
                );
            }
            return Ok(None);
        };
        Ok(Some(vec![self.patched_only(v, only, patch)]))
    }

    /// A product by id or slug: public while visible, otherwise to its stall's members and
    /// admins only.
    pub async fn product<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<Product> {
        let (p, stall) = product_and_stall(db, id_or_slug).await?;
        let privileged = self.viewer(db, actor, stall.id).await?.privileged();
        if !privileged && !is_visible(&p, &stall) {
            return Err(CatalogError::NotFound("Product"));
        }
        self.views(db, vec![p], privileged)
            .await?
            .pop()
            .ok_or(CatalogError::NotFound("Product"))
    }

    /// The product `id_or_slug` for a member of its stall to change.
    async fn product_for_member<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<product::Model> {
        actor.require_user()?;
        let (p, stall) = product_and_stall(db, id_or_slug).await?;
        match self.viewer(db, actor, stall.id).await? {
            Viewer::Member(_) => Ok(p),
            _ if is_visible(&p, &stall) || actor.is_admin() => Err(CatalogError::Forbidden(
                "Only the stall's members may change its products.",
            )),
            _ => Err(CatalogError::NotFound("Product")),
        }
    }

    /// Sets the patch's facts on `am`. A listed product whose facts or category change must
    /// state all its category requires; other edits leave a product listed before the
    /// requirement as it is (its stall sees `missing_facts`).
    async fn patch_facts<C: ConnectionTrait>(
        &self,
        db: &C,
        v: &mut Validator,
        am: &mut product::ActiveModel,
        current: &product::Model,
        patch: &ProductPatch,
    ) -> Result<()> {
        let new_facts = patch.facts.as_ref().map(|f| f.validate(v, Self::today()));
        if let Some(f) = &new_facts {
            am.facts = Set(f.to_stored());
        }
        if (new_facts.is_none() && patch.category_id.is_none())
            || current.status != ProductStatus::Active.as_str()
        {
            return Ok(());
        }
        let facts = match new_facts {
            Some(f) => f,
            None => ProductFacts::from_stored(current.facts.as_deref())?,
        };
        let category_id = patch.category_id.unwrap_or(current.category_id);
        self.check_facts(db, v, category_id, &facts).await
    }

    /// Moves the product `current` into category `c` on `am`, with the documents its stall
    /// lacks for it.
    async fn patch_category<C: ConnectionTrait>(
        &self,
        db: &C,
        v: &mut Validator,
        am: &mut product::ActiveModel,
        current: &product::Model,
        c: Uuid,
    ) -> Result<()> {
        Self::check_category(db, v, c).await?;
        am.category_id = Set(c);
        if let Some(s) = stall::Entity::find_by_id(current.stall_id).one(db).await? {
            am.missing_documents = Set(self.missing_documents_of(db, &s, c).await?);
        }
        Ok(())
    }

    /// Edits a product (members), refusing a stale `version`. A new OCOP claim goes back to
    /// `unverified`.
    pub async fn update_product<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        patch: ProductPatch,
    ) -> Result<Product> {
        let current = self.product_for_member(db, actor, id_or_slug).await?;
        let mut v = Validator::new();
        let mut am: product::ActiveModel = Default::default();
        if let Some(n) = &patch.name {
            am.name = Set(rules::name(&mut v, n));
        }
        if let Some(d) = &patch.description {
            am.description = Set(rules::description(&mut v, d));
        }
        if let Some(u) = &patch.unit {
            am.unit = Set(rules::unit(&mut v, u));
        }
        let variants = self.patched_variants(db, &mut v, &current, &patch).await?;
        if let Some(w) = patch.weight_grams {
            rules::weight(&mut v, w);
            am.weight_grams = Set(w);
        }
        if let Some(images) = &patch.images {
            am.images = Set(self.checked_images(&mut v, &current, images).await?);
        }
        if let Some(code) = &patch.origin_commune_code {
            if let Some(code) = code {
                rules::commune(&mut v, &self.regions, "origin_commune_code", code);
            }
            am.origin_commune_code = Set(code.clone());
        }
        if let Some(c) = patch.category_id {
            self.patch_category(db, &mut v, &mut am, &current, c)
                .await?;
        }
        if let Some(ocop) = &patch.ocop {
            let claim = ocop
                .as_ref()
                .and_then(|o| o.validate(&mut v, "ocop", Self::today()));
            if ocop.is_none() || claim.is_some() {
                Self::ocop_columns(&mut am, claim);
            }
        }
        self.patch_facts(db, &mut v, &mut am, &current, &patch)
            .await?;
        v.finish()?;

        let txn = common::begin_write(db).await?;
        am.version = Set(patch.version + 1);
        am.updated_at = Set(Utc::now());
        // Optimistic concurrency: the row changes only if nobody changed it since it was read.
        let res = product::Entity::update_many()
            .set(am)
            .filter(product::Column::Id.eq(current.id))
            .filter(product::Column::Version.eq(patch.version))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            let now = product::Entity::find_by_id(current.id)
                .one(&txn)
                .await?
                .map_or(current.version, |p| p.version);
            return Err(CatalogError::VersionConflict { current: now });
        }
        if let Some(variants) = &variants {
            super::variants::store(&txn, current.id, variants, Utc::now()).await?;
        }
        outbox::enqueue(&txn, outbox::Entity::Product, current.id).await?;
        let updated = product::Entity::find_by_id(current.id)
            .one(&txn)
            .await?
            .ok_or(CatalogError::NotFound("Product"))?;
        txn.commit().await?;
        self.one_view(db, updated, true).await
    }

    /// `images` of `product` checked (URLs, and photos its stall holds), as the table keeps
    /// them.
    async fn checked_images(
        &self,
        v: &mut Validator,
        product: &product::Model,
        images: &[String],
    ) -> Result<String> {
        let images = crate::product::rules::images(v, images);
        crate::photos::check(self.photos.as_ref(), v, product.stall_id, &images).await?;
        Ok(serde_json::to_string(&images).unwrap_or_else(|_| "[]".into()))
    }

    /// Archives a product (members): it leaves the shop but stays for order history.
    pub async fn archive_product<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<()> {
        let current = self.product_for_member(db, actor, id_or_slug).await?;
        let txn = common::begin_write(db).await?;
        product::Entity::update_many()
            .col_expr(
                product::Column::Status,
                Expr::value(ProductStatus::Archived.as_str()),
            )
            .col_expr(
                product::Column::Version,
                Expr::col(product::Column::Version).add(1),
            )
            .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(product::Column::Id.eq(current.id))
            .exec(&txn)
            .await?;
        outbox::enqueue(&txn, outbox::Entity::Product, current.id).await?;
        txn.commit().await?;
        Ok(())
    }

    /// A stall's products: the visible ones for the public; all for members and admins.
    pub async fn stall_products<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall_id_or_slug: &str,
        category: Option<&str>,
        sort: ProductSort,
        page: PageRequest,
    ) -> Result<Page<Product>> {
        let stall = find_stall(db, stall_id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Stall"))?;
        let privileged = self.viewer(db, actor, stall.id).await?.privileged();
        if !privileged && !crate::visibility::stall_is_public(&stall) {
            return Err(CatalogError::NotFound("Stall"));
        }
        let mut q = if privileged {
            product::Entity::find()
        } else {
            visible_products()
        }
        .filter(product::Column::StallId.eq(stall.id));
        if let Some(c) = category {
            q = q.filter(product::Column::CategoryId.is_in(self.category_ids(db, c).await?));
        }
        self.page_of(db, q, sort, page, privileged).await
    }

    /// Visible products of a category and its subcategories.
    pub async fn category_products<C: ConnectionTrait>(
        &self,
        db: &C,
        category: &str,
        sort: ProductSort,
        page: PageRequest,
    ) -> Result<Page<Product>> {
        let ids = self.category_ids(db, category).await?;
        let q = visible_products().filter(product::Column::CategoryId.is_in(ids));
        self.page_of(db, q, sort, page, false).await
    }

    async fn category_ids<C: ConnectionTrait>(
        &self,
        db: &C,
        id_or_slug: &str,
    ) -> Result<Vec<Uuid>> {
        let root = find_category(db, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Category"))?;
        let all = category::Entity::find().all(db).await?;
        Ok(descendants(&all, root.id))
    }

    pub(super) async fn page_of<C: ConnectionTrait>(
        &self,
        db: &C,
        q: Select<product::Entity>,
        sort: ProductSort,
        page: PageRequest,
        privileged: bool,
    ) -> Result<Page<Product>> {
        let rows = common::page::fetch(db, sort.apply(q), page).await?;
        let items = self.views(db, rows.items, privileged).await?;
        Ok(Page::new(items, rows.total, page))
    }

    /// Products by id, as the public sees them (for other crates: carts, search).
    pub async fn visible_products_by_id<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Product>> {
        let rows = visible_products()
            .filter(product::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        Ok(self
            .views(db, rows, false)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }
}

/// The product `id_or_slug` and its stall, whoever may see them.
async fn product_and_stall<C: ConnectionTrait>(
    db: &C,
    id_or_slug: &str,
) -> Result<(product::Model, stall::Model)> {
    let p = find_product(db, id_or_slug)
        .await?
        .ok_or(CatalogError::NotFound("Product"))?;
    let stall = stall::Entity::find_by_id(p.stall_id)
        .one(db)
        .await?
        .ok_or(CatalogError::NotFound("Product"))?;
    Ok((p, stall))
}
