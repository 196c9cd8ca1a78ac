//! A month's declaration: each withheld seller's revenue, VAT and PIT written in the month,
//! refunds netted, with the negative figures the month before carried in; read back as
//! stored once the month is closed.

use std::collections::BTreeMap;

use catalog::stall::BusinessType;
use common::{Result, Stored, stored};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

use super::{DeliveryFeeWithholding, Month};
use crate::{
    Part,
    entity::{entry, tax_period, tax_period_seller, tax_profile},
    kind::EntryKind,
    rates, store,
};

/// One withheld seller's month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeclaredSeller {
    /// The stall.
    pub stall_id: Uuid,
    /// Its name.
    pub name: String,
    /// `household_business` or `individual`.
    pub business_type: BusinessType,
    /// Its tax code, if recorded.
    pub tax_code: Option<String>,
    /// Its citizen id, if recorded.
    pub citizen_id: Option<String>,
    /// Resident for personal income tax.
    pub resident: bool,
    /// The stall's address.
    pub address: String,
    /// Revenue declared (never below zero).
    pub revenue: i64,
    /// VAT withheld declared (never below zero).
    pub vat: i64,
    /// PIT withheld declared (never below zero).
    pub pit: i64,
    /// What is carried into the next month (zero or below), revenue.
    pub carry_revenue: i64,
    /// Likewise, VAT.
    pub carry_vat: i64,
    /// Likewise, PIT.
    pub carry_pit: i64,
}

/// A month's declaration.
#[derive(Clone, Debug)]
pub struct Declared {
    /// `yyyy-mm`.
    pub month: String,
    /// Closed: read from what was stored at the close.
    pub closed: bool,
    /// Per seller, by stall id.
    pub sellers: Vec<DeclaredSeller>,
}

#[derive(Clone, Copy, Default)]
struct Sums {
    revenue: i64,
    vat: i64,
    pit: i64,
}

/// The sums written in the month, per stall, reversals netted.
async fn written<C: ConnectionTrait>(
    db: &C,
    month: Month,
    delivery: DeliveryFeeWithholding,
) -> Result<BTreeMap<Uuid, Sums>> {
    let (start, end) = month.bounds();
    let rows = entry::Entity::find()
        .filter(entry::Column::CreatedAt.gte(start))
        .filter(entry::Column::CreatedAt.lt(end))
        .filter(
            entry::Column::Kind.is_in(
                [
                    EntryKind::Sale,
                    EntryKind::Delivery,
                    EntryKind::StallDiscount,
                    EntryKind::VatWithheld,
                    EntryKind::PitWithheld,
                    EntryKind::RefundReversal,
                ]
                .map(Stored::as_str),
            ),
        )
        .order_by_asc(entry::Column::StallId)
        .all(db)
        .await?;
    let with_delivery = delivery == DeliveryFeeWithholding::Transport;
    let mut out: BTreeMap<Uuid, Sums> = BTreeMap::new();
    for r in rows {
        let kind = match (stored(&r.kind)?, r.reverses.as_deref()) {
            (EntryKind::RefundReversal, Some(k)) => stored(k)?,
            (EntryKind::RefundReversal, None) => continue,
            (k, _) => k,
        };
        let s = out.entry(r.stall_id).or_default();
        // Withholding entries are negative in the stall's ledger; the declaration counts tax.
        match kind {
            EntryKind::Sale => s.revenue += r.amount,
            EntryKind::Delivery if with_delivery => s.revenue += r.amount,
            EntryKind::StallDiscount => {
                let part = crate::store::part_of(&r)?;
                if part == Part::Goods || with_delivery {
                    s.revenue += r.amount;
                }
            }
            EntryKind::VatWithheld => s.vat -= r.amount,
            EntryKind::PitWithheld => s.pit -= r.amount,
            _ => {}
        }
    }
    Ok(out)
}

/// What the month before carries in, per stall, when it is closed.
async fn carried_in<C: ConnectionTrait>(db: &C, month: Month) -> Result<BTreeMap<Uuid, Sums>> {
    let rows = tax_period_seller::Entity::find()
        .filter(tax_period_seller::Column::Month.eq(month.previous().key()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = Sums {
                revenue: r.carry_revenue,
                vat: r.carry_vat,
                pit: r.carry_pit,
            };
            (r.stall_id, s)
        })
        .collect())
}

/// The month's figures as they stand, from the ledger: per withheld seller, what was written in
/// the month plus what the month before carried in; a figure below zero is declared as zero
/// and carried on.
pub(crate) async fn compute<C: ConnectionTrait>(
    db: &C,
    month: Month,
    delivery: DeliveryFeeWithholding,
) -> Result<Vec<DeclaredSeller>> {
    let mut sums = written(db, month, delivery).await?;
    for (stall, c) in carried_in(db, month).await? {
        let s = sums.entry(stall).or_default();
        s.revenue += c.revenue;
        s.vat += c.vat;
        s.pit += c.pit;
    }
    let mut out = Vec::new();
    for (stall_id, s) in sums {
        if s.revenue == 0 && s.vat == 0 && s.pit == 0 {
            continue;
        }
        let Some(stall) = store::stall(db, stall_id).await? else {
            continue;
        };
        let business_type = store::business_type(&stall)?;
        if !rates::withholds(business_type) {
            continue;
        }
        let profile = tax_profile::Entity::find_by_id(stall_id).one(db).await?;
        out.push(DeclaredSeller {
            stall_id,
            name: stall.name,
            business_type,
            tax_code: profile.as_ref().and_then(|p| p.tax_code.clone()),
            citizen_id: profile.as_ref().and_then(|p| p.citizen_id.clone()),
            resident: profile.is_none_or(|p| p.resident),
            address: stall.address,
            revenue: s.revenue.max(0),
            vat: s.vat.max(0),
            pit: s.pit.max(0),
            carry_revenue: s.revenue.min(0),
            carry_vat: s.vat.min(0),
            carry_pit: s.pit.min(0),
        });
    }
    Ok(out)
}

/// The month's figures as stored at its close; `None` while it is open.
pub(crate) async fn stored_figures<C: ConnectionTrait>(
    db: &C,
    month: Month,
) -> Result<Option<Vec<DeclaredSeller>>> {
    if tax_period::Entity::find_by_id(month.key())
        .one(db)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let rows = tax_period_seller::Entity::find()
        .filter(tax_period_seller::Column::Month.eq(month.key()))
        .order_by_asc(tax_period_seller::Column::StallId)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(DeclaredSeller {
                stall_id: r.stall_id,
                name: r.name,
                business_type: stored(&r.business_type)?,
                tax_code: r.tax_code,
                citizen_id: r.citizen_id,
                resident: r.resident,
                address: r.address,
                revenue: r.revenue,
                vat: r.vat,
                pit: r.pit,
                carry_revenue: r.carry_revenue,
                carry_vat: r.carry_vat,
                carry_pit: r.carry_pit,
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// The month's declaration: stored when closed, from the ledger while open.
pub(crate) async fn declaration<C: ConnectionTrait>(
    db: &C,
    month: Month,
    delivery: DeliveryFeeWithholding,
) -> Result<Declared> {
    if let Some(sellers) = stored_figures(db, month).await? {
        return Ok(Declared {
            month: month.key(),
            closed: true,
            sellers,
        });
    }
    Ok(Declared {
        month: month.key(),
        closed: false,
        sellers: compute(db, month, delivery).await?,
    })
}
