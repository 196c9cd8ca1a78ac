//! Withholding certificates: per seller and closed month, what was withheld, with both
//! parties' identities as they stood, numbered `CT-yyyy-nnnnnn` (a counter per year of issue,
//! raised by one atomic upsert in the issuing transaction, so concurrent issues never share a
//! number). A certificate never changes; a correction is a new one that `replaces` it.

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use common::{Actor, Error, FieldCode, Result, Stored, calendar, stored, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DeclaredSeller, Month, PlatformIdentity, declaration};
use crate::{
    Ledger, access,
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

/// A withholding certificate.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateView {
    /// Its number, unique.
    #[cfg_attr(feature = "openapi", schema(example = "CT-2026-000123"))]
    pub number: String,
    /// The stall.
    pub stall_id: Uuid,
    /// The month, `yyyy-mm`.
    #[cfg_attr(feature = "openapi", schema(example = "2026-11"))]
    pub period: String,
    /// Revenue declared for the month, in đồng.
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
async fn next_number<C: ConnectionTrait>(db: &C, year: i32) -> Result<String> {
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

impl Ledger {
    /// The stall's certificate for a closed month, the latest correction if any (the owner
    /// and administrators). Errors: `period_open` (conflict) while the month is open; 404
    /// when nothing was withheld from the stall that month.
    pub async fn withholding_certificate<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        month: &str,
    ) -> Result<CertificateView> {
        let (stall, standing) = access::stall_for(&self.catalog, db, actor, stall).await?;
        if standing == access::Standing::Staff {
            return Err(Error::forbidden(
                "Only the owner and administrators see the stall's withholding certificates.",
            ));
        }
        let month = Month::parse(month, "month")?;
        if declaration::stored_figures(db, month).await?.is_none() {
            return Err(Error::conflict(
                "period_open",
                "the month is not closed yet; its certificates are issued when it closes",
            ));
        }
        current(db, stall.id, &month.key())
            .await?
            .map(Into::into)
            .ok_or_else(|| Error::not_found("Withholding certificate"))
    }

    /// Reissues a certificate (administrators): a new number, the same figures, the seller's
    /// and the platform's identities as they are now, naming the one it replaces. Errors:
    /// `certificate_replaced` (conflict) when it was replaced already.
    pub async fn reissue_certificate<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        number: &str,
        body: Reissue,
    ) -> Result<CertificateView> {
        let admin = access::admin(actor)?;
        let reason = body.reason.trim().to_owned();
        let mut v = Validator::new();
        v.check(
            !reason.is_empty(),
            "reason",
            FieldCode::Required,
            "must not be empty",
        );
        v.check(
            reason.chars().count() <= 500,
            "reason",
            FieldCode::TooLong,
            "must have at most 500 characters",
        );
        v.finish()?;
        if number.len() > 20 {
            return Err(Error::not_found("Withholding certificate"));
        }
        let txn = common::begin_write(db).await?;
        let old = cert::Entity::find()
            .filter(cert::Column::Number.eq(number))
            .one(&txn)
            .await?
            .ok_or_else(|| Error::not_found("Withholding certificate"))?;
        let replaced = cert::Entity::find()
            .filter(cert::Column::Replaces.eq(number))
            .one(&txn)
            .await?;
        if replaced.is_some() {
            return Err(Error::conflict(
                "certificate_replaced",
                "the certificate was already replaced",
            ));
        }
        let seller = seller_now(&txn, &old).await?;
        let issue = Issue {
            month: old.period.clone(),
            seller: &seller,
            platform: &self.settings.tax.platform,
            by: Some(admin),
            replaces: Some(old.number.clone()),
            reason: Some(reason),
        };
        let new = issue_in(&txn, issue).await?;
        txn.commit().await?;
        Ok(new.into())
    }
}

async fn issue_in<C: ConnectionTrait>(txn: &C, i: Issue<'_>) -> Result<cert::Model> {
    issue(txn, i, Utc::now().trunc_subsecs(6)).await
}

/// The certificate's figures with the seller's identity as it is now.
async fn seller_now<C: ConnectionTrait>(db: &C, old: &cert::Model) -> Result<DeclaredSeller> {
    let stall = store::stall(db, old.stall_id).await?;
    let profile = tax_profile::Entity::find_by_id(old.stall_id)
        .one(db)
        .await?;
    Ok(DeclaredSeller {
        stall_id: old.stall_id,
        name: stall
            .as_ref()
            .map_or_else(|| old.seller_name.clone(), |s| s.name.clone()),
        business_type: stored(&old.business_type)?,
        tax_code: profile.as_ref().and_then(|p| p.tax_code.clone()),
        citizen_id: profile.as_ref().and_then(|p| p.citizen_id.clone()),
        resident: profile.is_none_or(|p| p.resident),
        address: stall.map_or_else(|| old.seller_address.clone(), |s| s.address),
        revenue: old.revenue,
        vat: old.vat,
        pit: old.pit,
        carry_revenue: 0,
        carry_vat: 0,
        carry_pit: 0,
    })
}
