//! Withholding certificates: per seller and closed month, what was withheld, with both
//! parties' identities as they stood, numbered `CT-yyyy-nnnnnn` (a counter per year of issue,
//! raised by one atomic upsert in the issuing transaction, so concurrent issues never share a
//! number). A certificate never changes; a correction is a new one that `replaces` it.

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use common::{Error, Result, Stored, calendar, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DeclaredSeller, Month, PlatformIdentity, declaration};
use crate::{
    entity::{tax_profile, withholding_certificate as cert},
    store,
};

/// The platform as a certificate names it.
pub type Platform = PlatformIdentity;

/// The seller as a certificate names it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Seller {
    /// The stall's name.
    #[cfg_attr(feature = "openapi", schema(example = "Cà phê Khe Sanh"))]
    pub name: String,
    /// `household_business` or `individual`.
    #[cfg_attr(feature = "openapi", schema(example = "household_business"))]
    pub business_type: String,
    /// Its tax code, if recorded.
    #[cfg_attr(feature = "openapi", schema(example = "3200123456"))]
    pub tax_code: Option<String>,
    /// Its citizen id, if recorded.
    #[cfg_attr(feature = "openapi", schema(example = "045190001234"))]
    pub citizen_id: Option<String>,
    /// Resident for personal income tax.
    pub resident: bool,
    /// The stall's address.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Thị trấn Khe Sanh, Hướng Hóa, Quảng Trị")
    )]
    pub address: String,
}

/// One month of a span certificate: as declared when the month closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateMonth {
    /// `yyyy-mm`.
    #[cfg_attr(feature = "openapi", schema(example = "2026-01"))]
    pub month: String,
    /// Revenue declared, in đồng.
    pub revenue: i64,
    /// VAT withheld, in đồng.
    pub vat: i64,
    /// PIT withheld, in đồng.
    pub pit: i64,
}

/// A withholding certificate.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateView {
    /// Its number, unique.
    #[cfg_attr(feature = "openapi", schema(example = "CT-2026-000123"))]
    pub number: String,
    /// The stall.
    pub stall_id: Uuid,
    /// The month, `yyyy-mm`, or the span of months, `yyyy-mm..yyyy-mm`.
    #[cfg_attr(feature = "openapi", schema(example = "2026-11"))]
    pub period: String,
    /// Revenue declared for the month (or the span's months together), in đồng.
    pub revenue: i64,
    /// VAT withheld, in đồng.
    pub vat: i64,
    /// PIT withheld, in đồng.
    pub pit: i64,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// The certificate it replaces, if a correction.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "CT-2026-000120"))]
    pub replaces: Option<String>,
    /// Why it replaced the other.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "Sửa mã số thuế của người bán"))]
    pub reason: Option<String>,
    /// The marketplace that withheld.
    pub platform: Platform,
    /// The seller withheld from.
    pub seller: Seller,
    /// A span's months, each as declared (every month of the span, zero where nothing was
    /// declared); absent from a month's certificate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<CertificateMonth>,
}

impl From<cert::Model> for CertificateView {
    fn from(c: cert::Model) -> Self {
        Self {
            number: c.number,
            stall_id: c.stall_id,
            period: c.period,
            revenue: c.revenue,
            vat: c.vat,
            pit: c.pit,
            issued_at: c.issued_at,
            replaces: c.replaces,
            reason: c.reason,
            platform: Platform {
                name: c.platform_name,
                tax_code: c.platform_tax_code,
                address: c.platform_address,
            },
            seller: Seller {
                name: c.seller_name,
                business_type: c.business_type,
                tax_code: c.tax_code,
                citizen_id: c.citizen_id,
                resident: c.resident,
                address: c.seller_address,
            },
            months: Vec::new(),
        }
    }
}

/// Why a certificate is reissued.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reissue {
    /// 1 to 500 characters.
    #[cfg_attr(feature = "openapi", schema(example = "Sửa mã số thuế của người bán"))]
    pub reason: String,
}

/// A certificate to issue.
pub(crate) struct Issue<'a> {
    pub month: String,
    pub seller: &'a DeclaredSeller,
    pub platform: &'a PlatformIdentity,
    pub by: Option<Uuid>,
    pub replaces: Option<String>,
    pub reason: Option<String>,
}

/// The next number of `year`: the counter raised by one in a single statement (an insert of
/// the year's first, or an update of its row, which PostgreSQL locks until the transaction
/// ends), so two transactions never take one number.
pub(super) async fn next_number<C: ConnectionTrait>(db: &C, year: i32) -> Result<String> {
    let table = "withholding_certificate_counters";
    let q = Query::insert()
        .into_table(table)
        .columns(["year", "last"])
        .values_panic([year.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column("year")
                .value("last", Expr::col((table, "last")).add(1))
                .to_owned(),
        )
        .returning_col("last")
        .to_owned();
    let row = db
        .query_one(&q)
        .await?
        .ok_or_else(|| Error::internal("the certificate counter returned nothing"))?;
    let last: i64 = row.try_get("", "last")?;
    Ok(format!("CT-{year}-{last:06}"))
}

/// Issues a certificate in the caller's transaction.
pub(crate) async fn issue<C: ConnectionTrait>(
    txn: &C,
    i: Issue<'_>,
    at: DateTime<Utc>,
) -> Result<cert::Model> {
    let number = next_number(txn, calendar::day_of(at).year()).await?;
    let s = i.seller;
    let model = cert::Model {
        id: Uuid::now_v7(),
        number,
        stall_id: s.stall_id,
        period: i.month,
        revenue: s.revenue,
        vat: s.vat,
        pit: s.pit,
        seller_name: s.name.clone(),
        business_type: s.business_type.as_str().to_owned(),
        tax_code: s.tax_code.clone(),
        citizen_id: s.citizen_id.clone(),
        resident: s.resident,
        seller_address: s.address.clone(),
        platform_name: i.platform.name.clone(),
        platform_tax_code: i.platform.tax_code.clone(),
        platform_address: i.platform.address.clone(),
        issued_at: at,
        issued_by: i.by,
        replaces: i.replaces,
        reason: i.reason,
    };
    cert::Entity::insert(cert::ActiveModel::from(model.clone()).reset_all())
        .exec_without_returning(txn)
        .await
        .map_err(|e| {
            if common::db::is_unique_violation(&e) {
                Error::conflict(
                    "certificate_replaced",
                    "the certificate was already replaced",
                )
            } else {
                e.into()
            }
        })?;
    Ok(model)
}

/// The certificate of the stall and month in force: the one no other replaces.
async fn current<C: ConnectionTrait>(
    db: &C,
    stall: Uuid,
    month: &str,
) -> Result<Option<cert::Model>> {
    let all = cert::Entity::find()
        .filter(cert::Column::StallId.eq(stall))
        .filter(cert::Column::Period.eq(month))
        .order_by_asc(cert::Column::IssuedAt)
        .all(db)
        .await?;
    Ok(all
        .iter()
        .find(|c| {
            !all.iter()
                .any(|o| o.replaces.as_deref() == Some(c.number.as_str()))
        })
        .cloned())
}

/// The stall's certificate of a closed month in force. Errors: `period_open` (conflict) while
/// the month is open; 404 when nothing was withheld from the stall that month.
pub(super) async fn month_certificate<C: ConnectionTrait>(
    db: &C,
    stall: Uuid,
    month: Month,
) -> Result<CertificateView> {
    if declaration::stored_figures(db, month).await?.is_none() {
        return Err(Error::conflict(
            "period_open",
            "the month is not closed yet; its certificates are issued when it closes",
        ));
    }
    current(db, stall, &month.key())
        .await?
        .map(Into::into)
        .ok_or_else(|| Error::not_found("Withholding certificate"))
}

/// Reissues the month's certificate `number` in the caller's transaction (administrators,
/// checked by the caller): a new number, the same figures, the seller's and the platform's
/// identities as they are now, naming the one it replaces. `None` when no month's certificate
/// has the number; `certificate_replaced` (conflict) when it was replaced already.
pub(super) async fn reissue_month<C: ConnectionTrait>(
    txn: &C,
    number: &str,
    by: Uuid,
    reason: &str,
    platform: &PlatformIdentity,
) -> Result<Option<CertificateView>> {
    let Some(old) = cert::Entity::find()
        .filter(cert::Column::Number.eq(number))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let replaced = cert::Entity::find()
        .filter(cert::Column::Replaces.eq(number))
        .one(txn)
        .await?;
    if replaced.is_some() {
        return Err(Error::conflict(
            "certificate_replaced",
            "the certificate was already replaced",
        ));
    }
    let seller = seller_now(txn, &old).await?;
    let issue = Issue {
        month: old.period.clone(),
        seller: &seller,
        platform,
        by: Some(by),
        replaces: Some(old.number.clone()),
        reason: Some(reason.to_owned()),
    };
    Ok(Some(issue_in(txn, issue).await?.into()))
}

async fn issue_in<C: ConnectionTrait>(txn: &C, i: Issue<'_>) -> Result<cert::Model> {
    issue(txn, i, Utc::now().trunc_subsecs(6)).await
}

/// The certificate's figures with the seller's identity as it is now.
async fn seller_now<C: ConnectionTrait>(db: &C, old: &cert::Model) -> Result<DeclaredSeller> {
    let was = DeclaredSeller {
        stall_id: old.stall_id,
        name: old.seller_name.clone(),
        business_type: stored(&old.business_type)?,
        tax_code: old.tax_code.clone(),
        citizen_id: old.citizen_id.clone(),
        resident: old.resident,
        address: old.seller_address.clone(),
        revenue: old.revenue,
        vat: old.vat,
        pit: old.pit,
        carry_revenue: 0,
        carry_vat: 0,
        carry_pit: 0,
    };
    identity_now(db, was).await
}

/// `was` with the seller's identity as it is now: the stall's name and address (kept when the
/// stall is gone) and its tax profile's codes and residency.
pub(super) async fn identity_now<C: ConnectionTrait>(
    db: &C,
    was: DeclaredSeller,
) -> Result<DeclaredSeller> {
    let stall = store::stall(db, was.stall_id).await?;
    let profile = tax_profile::Entity::find_by_id(was.stall_id)
        .one(db)
        .await?;
    Ok(DeclaredSeller {
        name: stall.as_ref().map_or(was.name, |s| s.name.clone()),
        tax_code: profile.as_ref().and_then(|p| p.tax_code.clone()),
        citizen_id: profile.as_ref().and_then(|p| p.citizen_id.clone()),
        resident: profile.is_none_or(|p| p.resident),
        address: stall.map_or(was.address, |s| s.address),
        ..was
    })
}
