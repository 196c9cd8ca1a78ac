//! The indexes' schemas, and the tantivy document each search document becomes: text folded
//! (no diacritics) and as written, the joined runs of syllables, and the fields filters, sorts
//! and facets read.

use common::text::fold;
use tantivy::{
    TantivyDocument,
    schema::{FAST, Field, INDEXED, STORED, STRING, Schema, SchemaBuilder, TEXT, TextOptions},
};

use super::internal;
use crate::{
    document::{ProductDoc, StallDoc, rating_rank},
    engine::EngineError,
    exact::joined,
};

/// The fields every index has: the id, the stored document, and the text a query searches.
#[derive(Clone, Copy)]
pub(super) struct BaseFields {
    pub(super) id: Field,
    pub(super) doc: Field,
    pub(super) text: TextFields,
}

impl BaseFields {
    fn add(b: &mut SchemaBuilder) -> Self {
        Self {
            id: b.add_text_field("id", STRING | STORED),
            doc: b.add_text_field("doc", TextOptions::default().set_stored()),
            text: TextFields {
                name_f: b.add_text_field("name_f", TEXT),
                name_x: b.add_text_field("name_x", TEXT),
                body_f: b.add_text_field("body_f", TEXT),
                joined: b.add_text_field("joined", TEXT),
            },
        }
    }

    /// A document with these fields filled: `body` is folded here, `joined` names the parts
    /// whose syllables are joined.
    fn document<T: serde::Serialize>(
        &self,
        id: uuid::Uuid,
        whole: &T,
        (name, name_folded): (&str, &str),
        body: &str,
        joined_parts: &[&str],
    ) -> Result<TantivyDocument, EngineError> {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, id.to_string());
        doc.add_text(self.doc, serde_json::to_string(whole).map_err(internal)?);
        doc.add_text(self.text.name_f, name_folded);
        doc.add_text(self.text.name_x, name);
        doc.add_text(self.text.body_f, fold(body));
        doc.add_text(self.text.joined, joined(joined_parts));
        Ok(doc)
    }
}

#[derive(Clone, Copy)]
pub(super) struct ProductFields {
    pub(super) base: BaseFields,
    pub(super) category_path: Field,
    pub(super) category_slug: Field,
    pub(super) commune: Field,
    pub(super) stall: Field,
    pub(super) stars: Field,
    pub(super) valid: Field,
    pub(super) price: Field,
    pub(super) price_max: Field,
    pub(super) created: Field,
    pub(super) sales: Field,
    pub(super) rating: Field,
}

pub(super) fn product_schema() -> (Schema, ProductFields) {
    let mut b = Schema::builder();
    let f = ProductFields {
        base: BaseFields::add(&mut b),
        category_path: b.add_text_field("category_path", STRING),
        category_slug: b.add_text_field("category_slug", STRING | FAST),
        commune: b.add_text_field("commune", STRING | FAST),
        stall: b.add_text_field("stall", STRING),
        stars: b.add_u64_field("stars", INDEXED | FAST),
        valid: b.add_i64_field("valid", INDEXED | FAST),
        price: b.add_i64_field("price", INDEXED | FAST),
        price_max: b.add_i64_field("price_max", INDEXED | FAST),
        created: b.add_i64_field("created", FAST),
        sales: b.add_i64_field("sales", FAST),
        rating: b.add_i64_field("rating", INDEXED | FAST),
    };
    (b.build(), f)
}

#[derive(Clone, Copy)]
pub(super) struct StallFields {
    pub(super) base: BaseFields,
    pub(super) commune: Field,
    pub(super) approved: Field,
}

pub(super) fn stall_schema() -> (Schema, StallFields) {
    let mut b = Schema::builder();
    let f = StallFields {
        base: BaseFields::add(&mut b),
        commune: b.add_text_field("commune", STRING | FAST),
        approved: b.add_i64_field("approved", FAST),
    };
    (b.build(), f)
}

pub(super) fn product_document(
    f: &ProductFields,
    d: &ProductDoc,
) -> Result<TantivyDocument, EngineError> {
    let mut doc = f.base.document(
        d.id,
        d,
        (&d.name, &d.name_folded),
        &format!("{} {} {}", d.stall_name, d.category_name, d.description),
        &[&d.name, &d.stall_name, &d.category_name],
    )?;
    for slug in &d.category_path {
        doc.add_text(f.category_path, slug);
    }
    doc.add_text(f.category_slug, &d.category_slug);
    doc.add_text(f.commune, &d.commune_code);
    doc.add_text(f.stall, d.stall_id.to_string());
    doc.add_u64(f.stars, u64::from(d.ocop_stars));
    doc.add_i64(f.valid, d.ocop_valid_until);
    doc.add_i64(f.price, d.price);
    doc.add_i64(f.price_max, d.price_max.max(d.price));
    doc.add_i64(f.created, d.created_at);
    doc.add_i64(f.sales, d.sales_count);
    doc.add_i64(f.rating, rating_rank(d.rating_average, d.rating_count));
    Ok(doc)
}

pub(super) fn stall_document(
    f: &StallFields,
    d: &StallDoc,
) -> Result<TantivyDocument, EngineError> {
    let mut doc = f.base.document(
        d.id,
        d,
        (&d.name, &d.name_folded),
        &format!("{} {}", d.description, d.commune_name),
        &[&d.name, &d.commune_name],
    )?;
    doc.add_text(f.commune, &d.commune_code);
    doc.add_i64(f.approved, d.approved_at);
    Ok(doc)
}

/// The text fields a query searches.
#[derive(Clone, Copy)]
pub(super) struct TextFields {
    pub(super) name_f: Field,
    pub(super) name_x: Field,
    pub(super) body_f: Field,
    pub(super) joined: Field,
}
