//! The roll-ups of the trade facts (tables `trade_rollups` and `trade_marks`, migration
//! `m20261205_000043_trade_rollups`): what the trade report reads instead of the facts.
//!
//! For every grouping ([`Kind`]) and key, and every day, month, quarter and year of Vietnam's
//! calendar ([`Span`]), a row holds the sums (goods value, units), the orders, and the
//! distinct buyers, stalls and (by OCOP stars) products with a delivery in that unit. Sums and
//! orders add up over units (an order is delivered once, on one day); distinct counts do not,
//! so each party's days of delivery are also kept as bits ([`write`]), which say exactly
//! whether a delivery brings a new buyer to a day, a month, a quarter or a year, and count the
//! distinct parties over any other range of days ([`read`]). Nothing is estimated: a report
//! from the roll-ups equals the one computed from the facts (`trade::recompute`), to the unit.
//!
//! Written with the facts, in the same transaction ([`write::add`]); rebuilt from the facts
//! when missing ([`rebuild::rebuild_if_missing`], after the migrations).

pub(crate) mod read;
pub mod rebuild;
pub(crate) mod write;

use chrono::{Datelike, NaiveDate};
use sea_orm::DbBackend;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::trade_fact;

/// Rows by period too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// By day (`2026-11-30`).
    Day,
    /// By month (`2026-11`).
    Month,
    /// By quarter (`2026-Q4`).
    Quarter,
}

impl Period {
    /// The key of the period holding `day`: `yyyymmdd`, `yyyymm` or `yyyyq`.
    pub(crate) fn key(self, day: NaiveDate) -> i64 {
        let (y, m) = (i64::from(day.year()), i64::from(day.month()));
        match self {
            Self::Day => i64::from(day_key(day)),
            Self::Month => y * 100 + m,
            Self::Quarter => y * 10 + (m + 2) / 3,
        }
    }
}

/// A day of Vietnam's calendar as the facts and roll-ups store it: `yyyymmdd`.
pub fn day_key(day: NaiveDate) -> i32 {
    day.year() * 10_000 + day.month() as i32 * 100 + day.day() as i32
}

/// A grouping of the roll-ups: the report's groupings and the totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// Everything (key: empty).
    Total = 0,
    /// The stall's commune (its code).
    Commune = 1,
    /// The buyer's province (its code).
    Province = 2,
    /// OCOP stars (a digit; `0`: not OCOP).
    Stars = 3,
    /// OCOP group (its id's bytes).
    Group = 4,
    /// Category (its id's bytes).
    Category = 5,
    /// Stall (its id's bytes).
    Stall = 6,
}

impl Kind {
    /// Every grouping.
    pub(crate) const ALL: [Self; 7] = [
        Self::Total,
        Self::Commune,
        Self::Province,
        Self::Stars,
        Self::Group,
        Self::Category,
        Self::Stall,
    ];

    /// Its code in the tables.
    pub(crate) fn code(self) -> i16 {
        self as i16
    }

    /// The key of a fact row.
    pub(crate) fn key(self, r: &trade_fact::Model) -> Vec<u8> {
        match self {
            Self::Total => Vec::new(),
            Self::Commune => r.stall_commune.as_bytes().to_vec(),
            Self::Province => r.buyer_province.as_bytes().to_vec(),
            Self::Stars => r.ocop_stars.unwrap_or(0).to_string().into_bytes(),
            Self::Group => r.ocop_group.as_bytes().to_vec(),
            Self::Category => r.category_id.as_bytes().to_vec(),
            Self::Stall => r.stall_id.as_bytes().to_vec(),
        }
    }

    /// [`Kind::key`] as SQL over `trade_facts`.
    pub(crate) fn key_sql(self, b: DbBackend) -> &'static str {
        let pg = b == DbBackend::Postgres;
        match (self, pg) {
            (Self::Total, true) => "'\\x'::bytea",
            (Self::Total, false) => "X''",
            (Self::Commune, true) => "convert_to(stall_commune, 'UTF8')",
            (Self::Commune, false) => "CAST(stall_commune AS BLOB)",
            (Self::Province, true) => "convert_to(buyer_province, 'UTF8')",
            (Self::Province, false) => "CAST(buyer_province AS BLOB)",
            (Self::Stars, true) => "convert_to(CAST(COALESCE(ocop_stars, 0) AS TEXT), 'UTF8')",
            (Self::Stars, false) => "CAST(CAST(COALESCE(ocop_stars, 0) AS TEXT) AS BLOB)",
            (Self::Group, true) => "uuid_send(ocop_group)",
            (Self::Category, true) => "uuid_send(category_id)",
            (Self::Stall, true) => "uuid_send(stall_id)",
            (Self::Group, false) => "ocop_group",
            (Self::Category, false) => "category_id",
            (Self::Stall, false) => "stall_id",
        }
    }

    /// A key as the report shows it: the code, the stars, or the id.
    pub(crate) fn key_text(self, k: &[u8]) -> String {
        match self {
            Self::Group | Self::Category | Self::Stall => Uuid::from_slice(k)
                .map(|u| u.to_string())
                .unwrap_or_default(),
            _ => String::from_utf8_lossy(k).into_owned(),
        }
    }
}

/// Whose days of delivery `trade_marks` keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Party {
    /// The buyer.
    Buyer = 0,
    /// The stall.
    Stall = 1,
    /// The product (under OCOP stars only).
    Product = 2,
}

/// A unit of Vietnam's calendar a roll-up row covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Span {
    /// A day (`at`: `yyyymmdd`).
    Day = 0,
    /// A month (`at`: `yyyymm00`).
    Month = 1,
    /// A quarter (`at`: its first month, `yyyymm00`).
    Quarter = 2,
    /// A year (`at`: `yyyy0000`).
    Year = 3,
}

impl Span {
    /// Every unit.
    pub(crate) const ALL: [Self; 4] = [Self::Day, Self::Month, Self::Quarter, Self::Year];

    /// The `at` of the unit holding `day` (`yyyymmdd`).
    pub(crate) fn at(self, day: i32) -> i32 {
        let (y, m) = (day / 10_000, day / 100 % 100);
        match self {
            Self::Day => day,
            Self::Month => day / 100 * 100,
            Self::Quarter => y * 10_000 + ((m - 1) / 3 * 3 + 1) * 100,
            Self::Year => y * 10_000,
        }
    }
}

/// The `n`th (from 1) placeholder of a statement.
pub(crate) fn ph(b: DbBackend, n: usize) -> String {
    match b {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// The month columns of `trade_marks`, `m01` to `m12`.
pub(crate) fn month_col(m: u32) -> String {
    format!("m{m:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_start_where_the_calendar_says() {
        assert_eq!(Span::Day.at(20_261_130), 20_261_130);
        assert_eq!(Span::Month.at(20_261_130), 20_261_100);
        assert_eq!(Span::Quarter.at(20_261_130), 20_261_000);
        assert_eq!(Span::Quarter.at(20_260_331), 20_260_100);
        assert_eq!(Span::Quarter.at(20_260_401), 20_260_400);
        assert_eq!(Span::Year.at(20_261_130), 20_260_000);
    }
}
