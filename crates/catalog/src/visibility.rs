//! The one rule for what the public sees, in both its forms (on loaded rows, and as SQL):
//! a product is public when it is active, not hidden, its stall is approved, and its stall
//! holds every business document its category requires, verified and unexpired (the
//! `missing_documents` the catalogue keeps on the product: see [`crate::documents`]); a stall
//! when it is approved; OCOP stars show only while the certificate is verified and in force. The
//! catalogue's reads, the search documents and the indexer all ask here.

use chrono::NaiveDate;
use common::Stored;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Select,
    sea_query::Query,
};

use crate::{
    entity::{product, stall},
    product::{OcopStatus, ProductStatus},
    stall::StallStatus,
};

/// Whether the public sees this stall.
pub fn stall_is_public(s: &stall::Model) -> bool {
    s.status == StallStatus::Approved.as_str()
}

/// Whether the public sees this product of stall `s`.
pub fn product_is_public(p: &product::Model, s: &stall::Model) -> bool {
    p.status == ProductStatus::Active.as_str()
        && !p.hidden
        && p.missing_documents.is_none()
        && stall_is_public(s)
}

/// The approved stalls, as a query.
pub fn public_stalls() -> Select<stall::Entity> {
    stall::Entity::find().filter(stall::Column::Status.eq(StallStatus::Approved.as_str()))
}

/// The products the public sees, as a query: [`product_is_public`] in SQL.
pub fn public_products() -> Select<product::Entity> {
    product::Entity::find()
        .filter(product::Column::Status.eq(ProductStatus::Active.as_str()))
        .filter(product::Column::Hidden.eq(false))
        .filter(product::Column::MissingDocuments.is_null())
        .filter(
            product::Column::StallId.in_subquery(
                Query::select()
                    .column(stall::Column::Id)
                    .from(stall::Entity)
                    .and_where(stall::Column::Status.eq(StallStatus::Approved.as_str()))
                    .to_owned(),
            ),
        )
}

/// The names the public can find: of the public products and stalls, and of every category
/// (the words a search's "did you mean" draws on).
pub async fn public_names<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let mut names: Vec<String> = public_products()
        .select_only()
        .column(product::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    let stalls: Vec<String> = public_stalls()
        .select_only()
        .column(stall::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    names.extend(stalls);
    names.extend(
        crate::lookup::categories(db)
            .await?
            .into_iter()
            .map(|c| c.name),
    );
    Ok(names)
}

/// Until when the product's OCOP stars show, as of `today`: while its certificate is verified
/// and not expired; `None` otherwise.
pub fn stars_valid_until(p: &product::Model, today: NaiveDate) -> Option<NaiveDate> {
    let verified = p.ocop_status.as_deref() == Some(OcopStatus::Verified.as_str());
    p.ocop_expires_on
        .filter(|until| verified && p.ocop_stars.is_some() && *until >= today)
}
