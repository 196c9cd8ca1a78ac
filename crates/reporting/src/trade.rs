//! The province's trade report (for the Department of Industry and Trade): over days `from`
//! to `to` of Vietnam's calendar, both included, the delivered goods value net of refunds and
//! of the stalls' own discounts (delivery fees excluded: `gmv`), orders delivered, units (less
//! those of lines refunded whole), distinct buyers and active stalls (with a delivery in the
//! period), grouped by one of [`GroupBy`] and, if asked, by day, month or quarter
//! ([`Period`]); the totals count each buyer, order and stall once however many groups it
//! falls in; the stalls first approved in the period; and the OCOP products listed (now) and
//! sold (in the period) by stars.
//!
//! Read from the trade facts ([`crate::facts`]) in one grouped query over a range of days, so
//! it takes the same time whatever the stalls' ledgers hold; its `gmv` over a period is, to
//! the đồng, the sum over the same stalls' statements of the sales, the stalls' discounts on
//! goods and the reversals of both.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, TimeDelta};
use common::{Actor, Error, FieldCode, Result, calendar};
use sea_orm::{ConnectionTrait, QueryResult, Statement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{facts::day_key, labels};

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
    fn sql(self) -> &'static str {
        match self {
            Self::Commune => "stall_commune",
            Self::Province => "buyer_province",
            Self::OcopStars => "CAST(COALESCE(ocop_stars, 0) AS BIGINT)",
            Self::OcopGroup => "ocop_group",
            Self::Category => "category_id",
            Self::Stall => "stall_id",
        }
    }
}

impl Period {
    fn sql(self) -> &'static str {
        match self {
            Self::Day => "CAST(day AS BIGINT)",
            Self::Month => "CAST(day / 100 AS BIGINT)",
            Self::Quarter => "CAST((day / 10000) * 10 + ((day / 100) % 100 + 2) / 3 AS BIGINT)",
        }
    }

    /// The period's name from its key as [`Period::sql`] computes it.
    fn name(self, key: i64) -> String {
        match self {
            Self::Day => format!("{}-{:02}-{:02}", key / 10_000, key / 100 % 100, key % 100),
            Self::Month => format!("{}-{:02}", key / 100, key % 100),
            Self::Quarter => format!("{}-Q{}", key / 10, key % 10),
        }
    }
}

/// The figures of a group, as SQL over `trade_facts` (a refund's row counts in the money and
/// units, never as an order, buyer or stall).
const FIGURES: &str = "CAST(COALESCE(SUM(gmv), 0) AS BIGINT) AS gmv, \
     CAST(COALESCE(SUM(units), 0) AS BIGINT) AS units, \
     COUNT(DISTINCT CASE WHEN NOT refund THEN order_id END) AS orders, \
     COUNT(DISTINCT CASE WHEN NOT refund THEN buyer_id END) AS buyers, \
     COUNT(DISTINCT CASE WHEN NOT refund THEN stall_id END) AS stalls";

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

/// The trade report asked for (administrators).
pub async fn report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    q: &TradeQuery,
) -> Result<TradeReport> {
    crate::admin(actor)?;
    check_period(q.from, q.to)?;
    let range = format!(
        "FROM trade_facts WHERE day >= {} AND day <= {}",
        day_key(q.from),
        day_key(q.to)
    );
    let key = q.group_by.sql();
    let (period_col, period_group) = match q.period {
        Some(p) => (format!(", {} AS p", p.sql()), ", p"),
        None => (String::new(), ""),
    };
    let rows = query(
        db,
        format!("SELECT {key} AS k{period_col}, {FIGURES} {range} GROUP BY k{period_group}"),
    )
    .await?;
    let totals = query(db, format!("SELECT {FIGURES} {range}")).await?;
    let ocop = query(
        db,
        format!(
            "SELECT CAST(ocop_stars AS BIGINT) AS k, {FIGURES}, \
             COUNT(DISTINCT CASE WHEN NOT refund THEN product_id END) AS products \
             {range} AND ocop_stars IS NOT NULL GROUP BY k"
        ),
    )
    .await?;
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
        rows: labelled(db, q, &rows).await?,
        totals: TradeTotals {
            figures: totals.first().map(figures).transpose()?.unwrap_or_default(),
            new_stalls,
        },
        ocop: ocop_figures(db, q.to.min(calendar::today()), &ocop).await?,
    })
}

async fn query<C: ConnectionTrait>(db: &C, sql: String) -> Result<Vec<QueryResult>> {
    Ok(db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?)
}

fn figures(r: &QueryResult) -> Result<TradeFigures> {
    Ok(TradeFigures {
        gmv: r.try_get("", "gmv")?,
        orders: r.try_get("", "orders")?,
        units: r.try_get("", "units")?,
        buyers: r.try_get("", "buyers")?,
        stalls: r.try_get("", "stalls")?,
    })
}

/// The group's key of a row, as text.
fn key_of(g: GroupBy, r: &QueryResult) -> Result<String> {
    Ok(match g {
        GroupBy::Commune | GroupBy::Province => r.try_get::<String>("", "k")?,
        GroupBy::OcopStars => r.try_get::<i64>("", "k")?.to_string(),
        GroupBy::OcopGroup | GroupBy::Category | GroupBy::Stall => {
            r.try_get::<Uuid>("", "k")?.to_string()
        }
    })
}

/// The rows with their labels, in order.
async fn labelled<C: ConnectionTrait>(
    db: &C,
    q: &TradeQuery,
    rows: &[QueryResult],
) -> Result<Vec<TradeRow>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut periods = Vec::with_capacity(rows.len());
    for r in rows {
        periods.push(match q.period {
            Some(_) => r.try_get::<i64>("", "p")?,
            None => 0,
        });
        out.push(TradeRow {
            period: q.period.map(|_| String::new()),
            key: key_of(q.group_by, r)?,
            label: String::new(),
            figures: figures(r)?,
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
    rows: &[QueryResult],
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
        let stars: i64 = r.try_get("", "k")?;
        let f = figures(r)?;
        let o = by_stars.entry(stars).or_insert_with(|| empty(stars));
        o.sold = r.try_get("", "products")?;
        o.units = f.units;
        o.gmv = f.gmv;
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
