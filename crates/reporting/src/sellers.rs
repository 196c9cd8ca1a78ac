//! The tax office's quarterly report of sellers (Decree 91/2022/NĐ-CP, amending Decree
//! 126/2020/NĐ-CP, Art. 27: the operator of an e-commerce floor reports, for each quarter, by
//! the last day of the following month, every seller trading on it whatever its legal form):
//! per stall with a sale, a delivery, a discount of its own or a refund of these in the quarter,
//! its name, legal form, tax code, personal identification number, address, phone and revenue.
//!
//! Revenue is what the stall earned from the sales of the quarter, from its ledger: the goods
//! and the delivery fees (`sale`, `delivery`), less its own discounts (`stall_discount`) and
//! the refunds of these (their `refund_reversal`s), dated as the ledger dates them. The
//! platform's discounts are paid to the stall by the platform and stay its revenue.
//!
//! Identity: the stall (the catalogue's name, legal form, address and phone), its tax profile
//! (the ledger's tax code and citizen id), and its seller's identity once verified (the
//! compliance office's id number, which wins over the profile's).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use common::{Actor, Error, FieldCode, Result, Stored, calendar, stored};
use compliance::identity::{IdentityStatus, entity::seller_identity};
use ledger::{
    EntryKind,
    entity::{entry, tax_profile},
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use crate::labels;

/// One seller of the quarter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerRow {
    /// The stall.
    pub stall_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its legal form.
    pub business_type: catalog::stall::BusinessType,
    /// Its tax code, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// Its seller's personal identification number (a verified identity's, else the tax
    /// profile's citizen id), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Its address, commune and province.
    pub address: String,
    /// Its phone.
    pub phone: String,
    /// Goods and delivery fees earned in the quarter, net of its own discounts and of refunds,
    /// đồng.
    pub revenue: i64,
}

/// The report of a quarter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerReport {
    /// `2026-Q3`.
    pub quarter: String,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// Every seller of the quarter, by name.
    pub sellers: Vec<SellerRow>,
    /// The sum of their revenue.
    pub total_revenue: i64,
}

/// The quarter `yyyy-Qn` as its first day and the next quarter's (422 naming `quarter`).
pub fn quarter_days(quarter: &str) -> Result<(NaiveDate, NaiveDate)> {
    let bad = || {
        Error::invalid_field(
            "quarter",
            FieldCode::Invalid,
            "must be yyyy-Qn with n from 1 to 4, e.g. 2026-Q3",
        )
    };
    let b = quarter.as_bytes();
    if b.len() != 7 || &b[4..6] != b"-Q" || !b[..4].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let year: i32 = quarter[..4].parse().map_err(|_| bad())?;
    let n: u32 = quarter[6..].parse().map_err(|_| bad())?;
    if !(2000..=2999).contains(&year) || !(1..=4).contains(&n) {
        return Err(bad());
    }
    let first = NaiveDate::from_ymd_opt(year, 3 * n - 2, 1).ok_or_else(bad)?;
    let next = first
        .checked_add_months(chrono::Months::new(3))
        .ok_or_else(bad)?;
    Ok((first, next))
}

/// The kinds of entry that make a stall's revenue, and the reversals of them.
const REVENUE: [EntryKind; 3] = [
    EntryKind::Sale,
    EntryKind::Delivery,
    EntryKind::StallDiscount,
];

/// The report of `quarter` (`yyyy-Qn`; administrators).
pub async fn report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    quarter: &str,
) -> Result<SellerReport> {
    crate::admin(actor)?;
    let (first, next) = quarter_days(quarter)?;
    let revenue = revenue_by_stall(db, calendar::start_of(first), calendar::start_of(next)).await?;
    let ids: Vec<Uuid> = revenue.keys().copied().collect();
    let stalls = catalog::figures::stalls_by_id(db, ids.iter().copied()).await?;
    let profiles: HashMap<Uuid, tax_profile::Model> = tax_profile::Entity::find()
        .filter(tax_profile::Column::StallId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.stall_id, p))
        .collect();
    let verified: HashMap<Uuid, String> = seller_identity::Entity::find()
        .filter(seller_identity::Column::StallId.is_in(ids.iter().copied()))
        .filter(seller_identity::Column::Status.eq(IdentityStatus::Verified.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.stall_id, i.id_number))
        .collect();
    let mut sellers = Vec::with_capacity(ids.len());
    for (id, revenue) in revenue {
        let Some(s) = stalls.get(&id) else {
            return Err(Error::internal(format!(
                "stall {id} of the ledger is missing"
            )));
        };
        let profile = profiles.get(&id);
        sellers.push(SellerRow {
            stall_id: id,
            name: s.name.clone(),
            business_type: stored(&s.business_type)?,
            tax_code: profile.and_then(|p| p.tax_code.clone()),
            id_number: verified
                .get(&id)
                .cloned()
                .or_else(|| profile.and_then(|p| p.citizen_id.clone())),
            address: labels::address(s),
            phone: s.phone.clone(),
            revenue,
        });
    }
    sellers.sort_by(|a, b| a.name.cmp(&b.name).then(a.stall_id.cmp(&b.stall_id)));
    Ok(SellerReport {
        quarter: quarter.to_owned(),
        from: first,
        to: next.pred_opt().unwrap_or(next),
        total_revenue: sellers.iter().map(|s| s.revenue).sum(),
        sellers,
    })
}

/// Each stall's revenue entries in `[start, end)`, summed, for the stalls that have any.
async fn revenue_by_stall<C: ConnectionTrait>(
    db: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<HashMap<Uuid, i64>> {
    let kinds = REVENUE.map(Stored::as_str);
    let rows: Vec<(Uuid, i64)> = entry::Entity::find()
        .select_only()
        .column(entry::Column::StallId)
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "revenue")
        .filter(entry::Column::CreatedAt.gte(start))
        .filter(entry::Column::CreatedAt.lt(end))
        .filter(
            Condition::any().add(entry::Column::Kind.is_in(kinds)).add(
                Condition::all()
                    .add(entry::Column::Kind.eq(EntryKind::RefundReversal.as_str()))
                    .add(entry::Column::Reverses.is_in(kinds)),
            ),
        )
        .group_by(entry::Column::StallId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The report as CSV (UTF-8 with a byte-order mark, Vietnamese headers): a line per seller,
/// then a blank line and the total.
pub fn csv(r: &SellerReport) -> String {
    let mut c = ledger::csv::Csv::new(&[
        "Mã gian hàng",
        "Tên người bán",
        "Loại hình",
        "Mã số thuế",
        "Số định danh cá nhân",
        "Địa chỉ",
        "Số điện thoại",
        "Doanh thu (đồng)",
    ]);
    for s in &r.sellers {
        c.row(&[
            &s.stall_id.to_string(),
            &s.name,
            business_type_vi(s.business_type),
            s.tax_code.as_deref().unwrap_or(""),
            s.id_number.as_deref().unwrap_or(""),
            &s.address,
            &s.phone,
            &s.revenue.to_string(),
        ]);
    }
    c.blank();
    c.row(&[
        "",
        "Tổng cộng",
        "",
        "",
        "",
        "",
        "",
        &r.total_revenue.to_string(),
    ]);
    c.finish()
}

fn business_type_vi(t: catalog::stall::BusinessType) -> &'static str {
    use catalog::stall::BusinessType as B;
    match t {
        B::HouseholdBusiness => "Hộ kinh doanh",
        B::Cooperative => "Hợp tác xã",
        B::Enterprise => "Doanh nghiệp",
        B::Individual => "Cá nhân",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_read_strictly() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            quarter_days("2026-Q3").unwrap(),
            (d("2026-07-01"), d("2026-10-01"))
        );
        assert_eq!(
            quarter_days("2026-Q4").unwrap(),
            (d("2026-10-01"), d("2027-01-01"))
        );
        for bad in [
            "2026-Q5",
            "2026-Q0",
            "2026Q3",
            "26-Q3",
            "2026-q3",
            "2026-Q3 ",
            "２０２６-Q1",
        ] {
            let e = quarter_days(bad).unwrap_err();
            assert_eq!(e.fields[0].field, "quarter", "{bad}");
        }
    }
}
