//! The administrators' work queues of the catalogue: OCOP certificates by review status
//! (those awaiting verification first of all), and every product by status, stall and words.
//! Administrators only; paginated like every list.

use chrono::{DateTime, NaiveDate, Utc};
use common::{Actor, FieldCode, Page, PageRequest, Stored, stored::stored_opt};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Condition, Expr, ExprTrait, Func},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Catalog, ProductSort, product_refs};
use crate::{
    entity::product,
    error::Result,
    product::{OcopIssuer, OcopStatus, Product, ProductStatus, StallRef},
};

/// Which OCOP certificates a queue lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateQueue {
    /// Claimed by the stall, awaiting an administrator's verification (the default).
    #[default]
    Pending,
    /// Verified.
    Verified,
    /// Rejected, with a reason.
    Rejected,
}

impl CertificateQueue {
    fn status(self) -> OcopStatus {
        match self {
            Self::Pending => OcopStatus::Unverified,
            Self::Verified => OcopStatus::Verified,
            Self::Rejected => OcopStatus::Rejected,
        }
    }
}

/// A product named in a queue.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductLink {
    /// Id.
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A product's OCOP certificate as the administrators' queue shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateItem {
    /// The product claiming it.
    pub product: ProductLink,
    /// Its stall.
    pub stall: StallRef,
    /// Stars claimed (3 to 5).
    pub stars: u8,
    /// The decision number.
    pub certificate_no: String,
    /// Who issued it (`province` for 3–4 stars, `national` for 5).
    pub issuer: OcopIssuer,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Last valid day.
    pub expires_on: NaiveDate,
    /// Whether its last valid day has passed (Vietnam's calendar).
    pub expired: bool,
    /// `unverified` (pending), `verified` or `rejected`.
    pub status: OcopStatus,
    /// Why it was rejected.
    pub status_reason: Option<String>,
    /// When an administrator last decided on it.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The product's last change (a claim waits since then).
    pub updated_at: DateTime<Utc>,
}

/// Which products the administrators' list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductQueue {
    /// Listed by its stall and not hidden by an administrator.
    Active,
    /// Hidden by an administrator (or taken down on a report).
    Hidden,
    /// Withdrawn by its stall.
    Archived,
}

/// The filters of the administrators' product list.
#[derive(Clone, Debug, Default)]
pub struct ProductFilter {
    /// In this status.
    pub status: Option<ProductQueue>,
    /// Of this stall.
    pub stall: Option<Uuid>,
    /// Words its name (with or without diacritics) or slug contains.
    pub q: Option<String>,
}

/// The longest `q` the product list takes.
pub const MAX_QUERY_CHARS: usize = 100;

impl Catalog {
    /// Products' OCOP certificates in one review status, the longest waiting first
    /// (administrators).
    pub async fn certificate_queue<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: CertificateQueue,
        page: PageRequest,
    ) -> Result<Page<CertificateItem>> {
        actor.require_admin()?;
        let mut q = product::Entity::find()
            .filter(product::Column::OcopStars.is_not_null())
            .filter(product::Column::OcopCertificateNo.is_not_null());
        q = match status {
            // Claims from before review statuses were kept have none: they are unverified.
            CertificateQueue::Pending => q.filter(
                Condition::any()
                    .add(product::Column::OcopStatus.is_null())
                    .add(product::Column::OcopStatus.eq(OcopStatus::Unverified.as_str())),
            ),
            other => q.filter(product::Column::OcopStatus.eq(other.status().as_str())),
        };
        let q = q
            .order_by_asc(product::Column::UpdatedAt)
            .order_by_asc(product::Column::Id);
        let rows = common::page::fetch(db, q, page).await?;
        let (stalls, _) = product_refs(db, &rows.items).await?;
        let today = Self::today();
        let mut items = Vec::with_capacity(rows.items.len());
        for p in rows.items {
            let Some(s) = stalls.get(&p.stall_id) else {
                continue;
            };
            if let Some(item) = certificate_item(p, s, today)? {
                items.push(item);
            }
        }
        Ok(Page::new(items, rows.total, page))
    }

    /// Every product (whatever the public sees), newest first, by status, stall and words
    /// of its name (administrators).
    pub async fn product_queue<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        filter: ProductFilter,
        page: PageRequest,
    ) -> Result<Page<Product>> {
        actor.require_admin()?;
        let mut q = product::Entity::find();
        q = match filter.status {
            None => q,
            Some(ProductQueue::Active) => q
                .filter(product::Column::Status.eq(ProductStatus::Active.as_str()))
                .filter(product::Column::Hidden.eq(false)),
            Some(ProductQueue::Hidden) => q.filter(product::Column::Hidden.eq(true)),
            Some(ProductQueue::Archived) => {
                q.filter(product::Column::Status.eq(ProductStatus::Archived.as_str()))
            }
        };
        if let Some(stall) = filter.stall {
            q = q.filter(product::Column::StallId.eq(stall));
        }
        if let Some(words) = filter.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            q = q.filter(words_match(words)?);
        }
        self.page_of(db, q, ProductSort::Newest, page, true).await
    }
}

/// The condition "the name holds `words` (letter case aside), or the slug their folded form":
/// `nuoc mam` finds "Nước mắm" by its slug.
fn words_match(words: &str) -> Result<Condition> {
    if words.chars().count() > MAX_QUERY_CHARS {
        return Err(common::Error::invalid_field(
            "q",
            FieldCode::TooLong,
            format!("must have at most {max} characters", max = MAX_QUERY_CHARS),
        )
        .into());
    }
    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    let name = format!("%{}%", escape(&words.to_lowercase()));
    let slug = format!("%{}%", escape(&common::text::slugify(words, 200)));
    let lower = Func::lower(Expr::col((product::Entity, product::Column::Name)));
    Ok(Condition::any()
        .add(Expr::expr(lower).like(sea_orm::sea_query::LikeExpr::new(name).escape('\\')))
        .add(
            Expr::col((product::Entity, product::Column::Slug))
                .like(sea_orm::sea_query::LikeExpr::new(slug).escape('\\')),
        ))
}

/// The certificate a product claims, `None` when it claims none whole.
fn certificate_item(
    p: product::Model,
    s: &crate::entity::stall::Model,
    today: NaiveDate,
) -> Result<Option<CertificateItem>> {
    let (Some(stars), Some(certificate_no), Some(issued_on), Some(expires_on)) = (
        p.ocop_stars,
        p.ocop_certificate_no,
        p.ocop_issued_on,
        p.ocop_expires_on,
    ) else {
        return Ok(None);
    };
    Ok(Some(CertificateItem {
        product: ProductLink {
            id: p.id,
            slug: p.slug,
            name: p.name,
        },
        stall: StallRef {
            id: s.id,
            slug: s.slug.clone(),
            name: s.name.clone(),
        },
        stars: u8::try_from(stars).unwrap_or_default(),
        certificate_no,
        issuer: stored_opt(p.ocop_issuer.as_deref())?.unwrap_or(OcopIssuer::Province),
        issued_on,
        expires_on,
        expired: expires_on < today,
        status: stored_opt(p.ocop_status.as_deref())?.unwrap_or(OcopStatus::Unverified),
        status_reason: p.ocop_status_reason,
        reviewed_at: p.ocop_reviewed_at,
        updated_at: p.updated_at,
    }))
}
