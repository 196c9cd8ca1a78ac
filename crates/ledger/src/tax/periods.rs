//! Closing a month of the declaration: its figures stored, its certificates issued, both never
//! changed after.

use chrono::{DateTime, SubsecRound, Utc};
use common::{Actor, Error, Result, Stored};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set,
    TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use serde::Serialize;
use uuid::Uuid;

use super::{Month, certificates, declaration};
use crate::{
    Ledger, access,
    entity::{tax_period, tax_period_seller},
};

/// A closed month.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxPeriodView {
    /// `yyyy-mm`.
    #[cfg_attr(feature = "openapi", schema(example = "2026-11"))]
    pub month: String,
    /// When it was closed.
    pub closed_at: DateTime<Utc>,
    /// The administrator who closed it.
    pub closed_by: Option<Uuid>,
    /// Sellers declared.
    pub sellers: i32,
    /// Their revenue.
    pub revenue: i64,
    /// VAT withheld.
    pub vat: i64,
    /// PIT withheld.
    pub pit: i64,
}

impl From<tax_period::Model> for TaxPeriodView {
    fn from(p: tax_period::Model) -> Self {
        Self {
            month: p.month,
            closed_at: p.closed_at,
            closed_by: p.closed_by,
            sellers: p.sellers,
            revenue: p.revenue,
            vat: p.vat,
            pit: p.pit,
        }
    }
}

impl Ledger {
    /// Closes `yyyy-mm` (administrators): only a month that has ended, after the month before
    /// it (unless no month is closed yet); closing a closed month returns it as it was. Stores
    /// each withheld seller's figures and issues a certificate to each seller with tax
    /// withheld, in one transaction.
    ///
    /// Errors: `period_not_ended` (conflict), `period_out_of_order` (conflict).
    pub async fn close_tax_period<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        month: &str,
    ) -> Result<TaxPeriodView> {
        let admin = access::admin(actor)?;
        let month = Month::parse(month, "month")?;
        // Stored to the microsecond (PostgreSQL's precision), so the answer is what is read.
        let now = Utc::now().trunc_subsecs(6);
        if month.bounds().1 > now {
            return Err(Error::conflict(
                "period_not_ended",
                "only a month that has ended can be closed",
            ));
        }
        if let Some(p) = tax_period::Entity::find_by_id(month.key()).one(db).await? {
            return Ok(p.into());
        }
        let txn = common::begin_write(db).await?;
        // Closed meanwhile (SQLite's writers take turns): answered as that close stored it.
        if let Some(p) = tax_period::Entity::find_by_id(month.key())
            .one(&txn)
            .await?
        {
            return Ok(p.into());
        }
        let any_closed = tax_period::Entity::find().count(&txn).await? > 0;
        let previous = tax_period::Entity::find_by_id(month.previous().key())
            .one(&txn)
            .await?;
        if any_closed && previous.is_none() {
            return Err(Error::conflict(
                "period_out_of_order",
                format!("close {} first", month.previous().key()),
            ));
        }
        let sellers = declaration::compute(&txn, month, self.settings.tax.delivery_fee).await?;
        let period = tax_period::Model {
            month: month.key(),
            closed_at: now,
            closed_by: Some(admin),
            sellers: i32::try_from(sellers.len()).unwrap_or(i32::MAX),
            revenue: sellers.iter().map(|s| s.revenue).sum(),
            vat: sellers.iter().map(|s| s.vat).sum(),
            pit: sellers.iter().map(|s| s.pit).sum(),
        };
        // Whoever inserts the month closes it; another close at the same time waits on the
        // key, then finds it taken and answers the month as that one stored it.
        let inserted =
            tax_period::Entity::insert(tax_period::ActiveModel::from(period.clone()).reset_all())
                .on_conflict(
                    OnConflict::column(tax_period::Column::Month)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        if inserted == 0 {
            txn.rollback().await?;
            return tax_period::Entity::find_by_id(month.key())
                .one(db)
                .await?
                .map(Into::into)
                .ok_or_else(|| Error::internal("a closed month vanished"));
        }
        self.store_sellers(&txn, month, &sellers, admin, now)
            .await?;
        txn.commit().await?;
        Ok(period.into())
    }

    /// Stores each seller's figures of a month being closed and issues the certificates of
    /// those with tax withheld, in the closing transaction.
    async fn store_sellers<C: ConnectionTrait>(
        &self,
        txn: &C,
        month: Month,
        sellers: &[declaration::DeclaredSeller],
        admin: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for s in sellers {
            tax_period_seller::Entity::insert(tax_period_seller::ActiveModel {
                month: Set(month.key()),
                stall_id: Set(s.stall_id),
                name: Set(s.name.clone()),
                business_type: Set(s.business_type.as_str().to_owned()),
                tax_code: Set(s.tax_code.clone()),
                citizen_id: Set(s.citizen_id.clone()),
                resident: Set(s.resident),
                address: Set(s.address.clone()),
                revenue: Set(s.revenue),
                vat: Set(s.vat),
                pit: Set(s.pit),
                carry_revenue: Set(s.carry_revenue),
                carry_vat: Set(s.carry_vat),
                carry_pit: Set(s.carry_pit),
            })
            .exec_without_returning(txn)
            .await?;
            if s.vat > 0 || s.pit > 0 {
                let issue = certificates::Issue {
                    month: month.key(),
                    seller: s,
                    platform: &self.settings.tax.platform,
                    by: Some(admin),
                    replaces: None,
                    reason: None,
                };
                certificates::issue(txn, issue, now).await?;
            }
        }
        Ok(())
    }

    /// Every closed month, newest first (administrators).
    pub async fn tax_periods<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
    ) -> Result<Vec<TaxPeriodView>> {
        access::admin(actor)?;
        Ok(tax_period::Entity::find()
            .order_by_desc(tax_period::Column::Month)
            .all(db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
