//! The province's trade report (for the Department of Industry and Trade): over days `from`
//! to `to` of Vietnam's calendar, both included, the delivered goods value net of refunds and
//! of the stalls' own discounts (delivery fees excluded: `gmv`), orders delivered, units (less
//! those of lines refunded whole), distinct buyers and active stalls (with a delivery in the
//! period), grouped by one of [`GroupBy`] and, if asked, by day, month or quarter
//! ([`Period`]); the totals count each buyer, order and stall once however many groups it
//! falls in; the stalls first approved in the period; and the OCOP products listed (now) and
//! sold (in the period) by stars.
//!
//! Read from the roll-ups of the trade facts ([`crate::rollup`]): a few grouped queries over
//! the days, months, quarters and years of the range, so it takes about the same time for a
//! month or a year of a national floor; [`crate::recompute`] computes the same report straight
//! from the facts ([`crate::facts`]). Its `gmv` over a period is, to the đồng, the sum over the
//! same stalls' statements of the sales, the stalls' discounts on goods and the reversals of
//! both.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, TimeDelta};
use common::{Actor, Error, FieldCode, Result, calendar};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    labels,
    rollup::{Kind, Party, read},
};

/// The longest period a report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// What the rows are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The stall's commune when it sold (`key`: the commune's code).
    Commune,
    /// The province of the order's delivery address (`key`: the province's code).
    Province,
    /// The product's OCOP stars on the day it sold (`key`: `3`, `4`, `5`; `0`: not OCOP).
    OcopStars,
    /// The product's OCOP group: its category's top-level ancestor (`key`: its id).
    OcopGroup,
    /// The product's category (`key`: its id).
    Category,
    /// The stall (`key`: its id).
    Stall,
}

pub use crate::rollup::Period;

/// A report asked for.
#[derive(Clone, Copy, Debug)]
pub struct TradeQuery {
    /// The first day.
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// What the rows are grouped by.
    pub group_by: GroupBy,
    /// By period too, if given.
    pub period: Option<Period>,
}

/// The figures of a row or of the whole report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TradeFigures {
    /// Delivered goods value net of refunds and of the stalls' own discounts, đồng.
    pub gmv: i64,
    /// Orders delivered.
    pub orders: i64,
    /// Units delivered, less those of lines refunded whole.
    pub units: i64,
    /// Distinct buyers.
    pub buyers: i64,
    /// Distinct stalls with a delivery.
    pub stalls: i64,
}

/// One group's row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TradeRow {
    /// The period (with `period=`): `2026-11-30`, `2026-11` or `2026-Q4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The group's code or id.
    pub key: String,
    /// Its Vietnamese name.
    pub label: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: TradeFigures,
}

/// The totals, each buyer, order and stall counted once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TradeTotals {
    /// The figures over every row.
    #[serde(flatten)]
    pub figures: TradeFigures,
    /// Stalls first approved in the period.
    pub new_stalls: u64,
}

/// OCOP products of a number of stars.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OcopFigures {
    /// Stars.
    pub stars: i64,
    /// "3 sao".
    pub label: String,
    /// Products the public sees with these stars now.
    pub listed: u64,
    /// Distinct products of these stars delivered in the period.
    pub sold: i64,
    /// Units of them, net.
    pub units: i64,
    /// Their goods value, net.
    pub gmv: i64,
}

/// The trade report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TradeReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// What the rows are grouped by.
    pub group_by: GroupBy,
    /// By period too, if asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// One per group (and period) with a delivery or a refund, by period, then by `gmv`
    /// (largest first).
    pub rows: Vec<TradeRow>,
    /// The totals.
    pub totals: TradeTotals,
    /// OCOP products by stars (3, 4, 5, and any other seen).
    pub ocop: Vec<OcopFigures>,
}

impl GroupBy {
    /// The roll-ups' grouping.
    fn kind(self) -> Kind {
        match self {
            Self::Commune => Kind::Commune,
            Self::Province => Kind::Province,
            Self::OcopStars => Kind::Stars,
            Self::OcopGroup => Kind::Group,
            Self::Category => Kind::Category,
            Self::Stall => Kind::Stall,
        }
    }
}

impl Period {
    /// The period's name from its key as [`Period::key`] gives it.
    fn name(self, key: i64) -> String {
        match self {
            Self::Day => format!("{}-{:02}-{:02}", key / 10_000, key / 100 % 100, key % 100),
            Self::Month => format!("{}-{:02}", key / 100, key % 100),
            Self::Quarter => format!("{}-Q{}", key / 10, key % 10),
        }
    }
}

/// `to` not before `from`, and at most [`MAX_DAYS`] days in all (422 naming `to`).
pub fn check_period(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(Error::invalid_field(
            "to",
            FieldCode::BeforeOther,
            "must not be before from",
        ));
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(Error::invalid_field(
            "to",
            FieldCode::OutOfRange,
            "must be at most 366 days after from",
        ));
    }
    Ok(())
}

/// A group's figures before its label: its period's key (0 without a period), its key, its
/// figures and, for OCOP stars, the distinct products.
pub(crate) struct Raw {
    pub p: i64,
    pub key: String,
    pub figures: TradeFigures,
    pub products: i64,
}

/// The trade report asked for (administrators), from the roll-ups.
pub async fn report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    q: &TradeQuery,
) -> Result<TradeReport> {
    crate::admin(actor)?;
    check_period(q.from, q.to)?;
    let raw = |kind: Kind, rows: Vec<(i64, Vec<u8>, read::Figures)>| -> Vec<Raw> {
        rows.into_iter()
            .map(|(p, k, f)| Raw {
                p,
                key: kind.key_text(&k),
                figures: TradeFigures {
                    gmv: f.gmv,
                    orders: f.orders,
                    units: f.units,
                    buyers: f.buyers,
                    stalls: f.stalls,
                },
                products: f.products,
            })
            .collect()
    };
    let kind = q.group_by.kind();
    let (range, both) = ((q.from, q.to), [Party::Buyer, Party::Stall]);
    let rows = read::figures(db, kind, range, q.period, &both).await?;
    let totals = read::figures(db, Kind::Total, range, None, &both).await?;
    let ocop = read::figures(db, Kind::Stars, range, None, &[Party::Product]).await?;
    let ocop = raw(Kind::Stars, ocop)
        .into_iter()
        .filter(|r| r.key != "0")
        .collect();
    let totals = raw(Kind::Total, totals).first().map(|t| t.figures);
    assemble(db, q, raw(kind, rows), totals.unwrap_or_default(), ocop).await
}

/// The report from its figures: labels, order, new stalls and the OCOP products listed.
pub(crate) async fn assemble<C: ConnectionTrait>(
    db: &C,
    q: &TradeQuery,
    rows: Vec<Raw>,
    totals: TradeFigures,
    ocop: Vec<Raw>,
) -> Result<TradeReport> {
    let (start, end) = (
        calendar::start_of(q.from),
        calendar::start_of(q.to + TimeDelta::days(1)),
    );
    let new_stalls = catalog::figures::stalls_approved_between(db, start, end).await?;
    Ok(TradeReport {
        from: q.from,
        to: q.to,
        group_by: q.group_by,
        period: q.period,
        rows: labelled(db, q, rows).await?,
        totals: TradeTotals {
            figures: totals,
            new_stalls,
        },
        ocop: ocop_figures(db, q.to.min(calendar::today()), &ocop).await?,
    })
}

/// The rows with their labels, in order.
async fn labelled<C: ConnectionTrait>(
    db: &C,
    q: &TradeQuery,
    rows: Vec<Raw>,
) -> Result<Vec<TradeRow>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut periods = Vec::with_capacity(rows.len());
    for r in rows {
        periods.push(r.p);
        out.push(TradeRow {
            period: q.period.map(|_| String::new()),
            key: r.key,
            label: String::new(),
            figures: r.figures,
        });
    }
    let names: HashMap<String, String> = match q.group_by {
        GroupBy::Category | GroupBy::OcopGroup => labels::categories(db)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        GroupBy::Stall => {
            let ids = out.iter().filter_map(|r| r.key.parse::<Uuid>().ok());
            catalog::lookup::stall_refs(db, ids)
                .await?
                .into_iter()
                .map(|(id, s)| (id.to_string(), s.name))
                .collect()
        }
        _ => HashMap::new(),
    };
    for (row, p) in out.iter_mut().zip(&periods) {
        row.label = match q.group_by {
            GroupBy::Commune => labels::commune(&row.key),
            GroupBy::Province => labels::province(&row.key),
            GroupBy::OcopStars => labels::stars(row.key.parse().unwrap_or(0)),
            _ => names
                .get(&row.key)
                .cloned()
                .unwrap_or_else(|| row.key.clone()),
        };
        if let Some(period) = q.period {
            row.period = Some(period.name(*p));
        }
    }
    let mut keyed: Vec<(i64, TradeRow)> = periods.into_iter().zip(out).collect();
    keyed.sort_by(|(pa, a), (pb, b)| {
        pa.cmp(pb)
            .then(b.figures.gmv.cmp(&a.figures.gmv))
            .then(a.key.cmp(&b.key))
    });
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

/// OCOP products by stars: listed on `day`, and sold as the rows say.
async fn ocop_figures<C: ConnectionTrait>(
    db: &C,
    day: NaiveDate,
    rows: &[Raw],
) -> Result<Vec<OcopFigures>> {
    let listed = catalog::figures::ocop_listed(db, day).await?;
    let mut by_stars: BTreeMap<i64, OcopFigures> = BTreeMap::new();
    let empty = |stars: i64| OcopFigures {
        stars,
        label: labels::stars(stars),
        listed: 0,
        sold: 0,
        units: 0,
        gmv: 0,
    };
    for stars in [3, 4, 5]
        .into_iter()
        .chain(listed.keys().map(|s| i64::from(*s)))
    {
        by_stars.entry(stars).or_insert_with(|| empty(stars));
    }
    for (stars, n) in &listed {
        if let Some(o) = by_stars.get_mut(&i64::from(*stars)) {
            o.listed = *n;
        }
    }
    for r in rows {
        let stars: i64 = r.key.parse().unwrap_or(0);
        let o = by_stars.entry(stars).or_insert_with(|| empty(stars));
        o.sold = r.products;
        o.units = r.figures.units;
        o.gmv = r.figures.gmv;
    }
    Ok(by_stars.into_values().collect())
}

/// The report as CSV (UTF-8 with a byte-order mark, Vietnamese headers): a line per row, a
/// blank line and the totals, then the OCOP products by stars.
pub fn csv(r: &TradeReport) -> String {
    let mut header = vec![];
    if r.period.is_some() {
        header.push("Kỳ");
    }
    header.extend([
        "Mã",
        "Tên",
        "Giá trị hàng đã giao (đồng)",
        "Số đơn hàng",
        "Số lượng",
        "Số người mua",
        "Số gian hàng bán",
    ]);
    let mut c = ledger::csv::Csv::new(&header);
    let line = |period: Option<&str>, key: &str, label: &str, f: &TradeFigures| {
        let mut v: Vec<String> = period.map(str::to_owned).into_iter().collect();
        v.extend([key.to_owned(), label.to_owned()]);
        v.extend([f.gmv, f.orders, f.units, f.buyers, f.stalls].map(|n| n.to_string()));
        v
    };
    for row in &r.rows {
        let v = line(row.period.as_deref(), &row.key, &row.label, &row.figures);
        c.row(&v.iter().map(String::as_str).collect::<Vec<_>>());
    }
    c.blank();
    let period = r.period.map(|_| "");
    let v = line(period, "", "Tổng cộng", &r.totals.figures);
    c.row(&v.iter().map(String::as_str).collect::<Vec<_>>());
    c.row(&["Gian hàng mới được duyệt", &r.totals.new_stalls.to_string()]);
    c.blank();
    c.row(&[
        "Hạng sao OCOP",
        "Sản phẩm đang bày bán",
        "Sản phẩm đã bán",
        "Số lượng",
        "Giá trị hàng đã giao (đồng)",
    ]);
    for o in &r.ocop {
        c.row(&[
            &o.label,
            &o.listed.to_string(),
            &o.sold.to_string(),
            &o.units.to_string(),
            &o.gmv.to_string(),
        ]);
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_named_from_their_keys() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(Period::Day.key(d), 20_261_130);
        assert_eq!(Period::Month.key(d), 202_611);
        assert_eq!(Period::Quarter.key(d), 20_264);
        assert_eq!(Period::Day.name(20_261_130), "2026-11-30");
        assert_eq!(Period::Month.name(202_611), "2026-11");
        assert_eq!(Period::Quarter.name(20_264), "2026-Q4");
    }

    #[test]
    fn a_period_is_ordered_and_bounded() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_period(d("2026-01-01"), d("2026-12-31")).is_ok());
        assert!(check_period(d("2024-01-01"), d("2024-12-31")).is_ok());
        assert!(check_period(d("2026-01-01"), d("2027-01-01")).is_ok());
        let e = check_period(d("2026-01-01"), d("2027-01-02")).unwrap_err();
        assert_eq!(e.code, "validation_failed");
        assert!(check_period(d("2026-02-01"), d("2026-01-31")).is_err());
    }
}
