//! Decree 117/2025/NĐ-CP's declaration, month by month: what each withheld seller's month
//! comes to (`declaration`: revenue, VAT and PIT written in the month, refunds netted, a net
//! negative carried to the next month), closing a month so its figures never change
//! (`periods`) and the certificates of what was withheld that sellers claim refunds with
//! (`certificates`, printable by `html`).
//!
//! Periods. A month is closed by an administrator once it has ended, in order (the month
//! before it closed first, unless none is), and idempotently: closing writes each seller's
//! figures and the totals, and issues the month's certificates, in one transaction; after
//! that the declaration is read from what was stored. Entries are dated when they are
//! written, and a closed month has ended, so a refund or return after the close is dated in
//! an open month and nets there: the adjustment lands in the next open month.
//!
//! Offsets. Decree 117/2025/NĐ-CP, Article 5 (declaration and payment), as its published
//! summaries put it (the decree's own wording was not found in the sources searched): the
//! platform declares monthly and "taxes for cancelled/returned transactions may be offset
//! against taxes of other transactions within the same period". Refund reversals name what
//! they reverse and are dated when written, so a month's figures are its sales and withholding
//! less the reversals written in it: a return is offset in the period it happens in, whichever
//! month the sale was in. A seller whose month comes to less than zero (returns of sales
//! declared in a closed month) declares zero and carries the negative figure into the next
//! month, where it is taken off first (each figure, revenue, VAT and PIT, on its own); offsets
//! never cross sellers, since each seller's withheld tax is declared and certified as its own.
//!
//! Certificates of a span (`spans`): on request, the sums of consecutive closed months, at most
//! [`MAX_SPAN_MONTHS`], issued once per span and read back after.

mod certificates;
mod declaration;
pub(crate) use self::declaration::declaration;
mod html;
mod lookup;
mod periods;
mod spans;

use chrono::NaiveDate;
use common::{Error, FieldCode, Result, calendar};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use self::certificates::{CertificateMonth, CertificateView, Platform, Reissue, Seller};
pub use self::declaration::{Declared, DeclaredSeller};
pub use self::html::certificate_html;
pub use self::periods::TaxPeriodView;
pub use self::spans::MAX_SPAN_MONTHS;
use crate::{entity::tax_profile, rates::Residency};

/// Whether the delivery fee the stall earns is withheld on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryFeeWithholding {
    /// At the rates of transport and services attached to goods (Decree 117, Article 5,
    /// clause 2): the stall delivers its goods, and that is a service it earns from. A
    /// reading a tax adviser should confirm.
    #[default]
    Transport,
    /// Not at all: only the goods are withheld on (the reading before the decree's third kind).
    None,
}

/// The marketplace as its certificates name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformIdentity {
    /// Its registered name.
    #[cfg_attr(feature = "openapi", schema(example = "Sàn TMĐT OCOP Quảng Trị"))]
    pub name: String,
    /// Its tax code.
    #[cfg_attr(feature = "openapi", schema(example = "3200999999"))]
    pub tax_code: String,
    /// Its registered address.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "01 Hùng Vương, Đông Hà, Quảng Trị")
    )]
    pub address: String,
}

impl Default for PlatformIdentity {
    fn default() -> Self {
        Self {
            name: "Sàn TMĐT OCOP Quảng Trị".into(),
            tax_code: "0000000000".into(),
            address: "Quảng Trị".into(),
        }
    }
}

/// Decree 117's settings.
#[derive(Clone, Debug, Default)]
pub struct TaxSettings {
    /// Whether and how the delivery fee is withheld on.
    pub delivery_fee: DeliveryFeeWithholding,
    /// The platform's identity on certificates.
    pub platform: PlatformIdentity,
}

/// The seller's residency for personal income tax, from its tax profile (resident when it
/// has none).
pub(crate) async fn residency<C: ConnectionTrait>(db: &C, stall: Uuid) -> Result<Residency> {
    let resident = tax_profile::Entity::find_by_id(stall)
        .one(db)
        .await?
        .is_none_or(|p| p.resident);
    Ok(if resident {
        Residency::Resident
    } else {
        Residency::NonResident
    })
}

/// A month `yyyy-mm`, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month(NaiveDate);

impl Month {
    /// Reads `yyyy-mm` (2000 to 2999); a field error naming `field` otherwise.
    pub fn parse(s: &str, field: &'static str) -> Result<Self> {
        let bad = || {
            Error::invalid_field(
                field,
                FieldCode::InvalidMonth,
                "must be yyyy-mm, e.g. 2026-12",
            )
        };
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(2000..=2999).contains(&y) {
            return Err(bad());
        }
        NaiveDate::from_ymd_opt(y, m, 1).map(Self).ok_or_else(bad)
    }

    /// The month before.
    pub(crate) fn previous(self) -> Self {
        Self(self.0 - chrono::Months::new(1))
    }

    /// The month after.
    pub(crate) fn next(self) -> Self {
        Self(self.0 + chrono::Months::new(1))
    }

    /// How many months from `self` to `to`, both counted (zero when `to` is before).
    pub(crate) fn count_to(self, to: Self) -> u32 {
        use chrono::Datelike;
        let index = |d: NaiveDate| d.year() * 12 + i32::try_from(d.month0()).unwrap_or(0);
        u32::try_from(index(to.0) - index(self.0) + 1).unwrap_or(0)
    }

    /// The first instant of the month and of the next, in Vietnam.
    pub(crate) fn bounds(self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        use chrono::Datelike;
        match calendar::month_bounds(self.0.year(), self.0.month()) {
            Some(b) => b,
            None => unreachable!("a checked month has bounds"),
        }
    }

    /// `yyyy-mm`.
    pub(crate) fn key(self) -> String {
        self.0.format("%Y-%m").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_and_step_back() {
        let m = Month::parse("2026-01", "month").unwrap();
        assert_eq!(m.previous().key(), "2025-12");
        assert_eq!(m.previous().next(), m);
        assert_eq!(m.previous().count_to(m), 2);
        assert_eq!(m.count_to(m.previous()), 0);
        assert!(m.previous() < m);
        assert_eq!(m.bounds().0.to_rfc3339(), "2025-12-31T17:00:00+00:00");
        for bad in ["2026-13", "2026-1", "+026-01", "2026-0a", "1999-12", ""] {
            assert!(Month::parse(bad, "month").is_err(), "{bad}");
        }
    }
}
