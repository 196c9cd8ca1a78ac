//! Reading the roll-ups: a grouping's figures over a range of days, by period if asked.
//!
//! The range is cut into buckets (the whole range, or its days, months or quarters). Sums and
//! orders of a bucket add up from the largest units inside it (a year, quarters, months, then
//! days), in one grouped query. A bucket that is exactly one unit (a day, a whole month,
//! quarter or year) takes its distinct buyers, stalls and products from that unit's row, in
//! the same query. Any other bucket counts them from the marks: a party is in the bucket when
//! one of its days of delivery is, one conditional count per bucket in one query per party.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeDelta};
use common::Result;
use sea_orm::{ConnectionTrait, QueryResult, Statement};

use super::{Kind, Party, Period, Span, day_key, month_col};

/// A key's figures in a bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    pub gmv: i64,
    pub units: i64,
    pub orders: i64,
    pub buyers: i64,
    pub stalls: i64,
    pub products: i64,
}

/// A part of the range the report shows apart: `p` is its period's key (as
/// [`Period::key`] gives it; 0 without a period).
#[derive(Clone, Copy, Debug)]
struct Bucket {
    p: i64,
    from: NaiveDate,
    to: NaiveDate,
}

/// The figures of `kind`'s keys over `from..=to`, per period: `(period key, key, figures)`;
/// of the distinct counts, only those of `parties` (the others may be wrong).
pub(crate) async fn figures<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    (from, to): (NaiveDate, NaiveDate),
    period: Option<Period>,
    parties: &[Party],
) -> Result<Vec<(i64, Vec<u8>, Figures)>> {
    let buckets = buckets(from, to, period);
    let b = db.get_database_backend();
    let inexact: Vec<Bucket> = buckets
        .iter()
        .copied()
        .filter(|x| unit_of(x.from, x.to).is_none())
        .collect();
    let mut out: HashMap<(i64, Vec<u8>), Figures> = HashMap::new();
    for r in sums(db, kind, &buckets, period).await? {
        let (p, k): (i64, Vec<u8>) = (r.try_get("", "p")?, r.try_get("", "k")?);
        // An inexact bucket's distinct counts come from the marks below.
        let exact = !inexact.iter().any(|x| x.p == p);
        let distinct = |c: &str| -> Result<i64> { Ok(if exact { r.try_get("", c)? } else { 0 }) };
        let f = Figures {
            gmv: r.try_get("", "gmv")?,
            units: r.try_get("", "units")?,
            orders: r.try_get("", "orders")?,
            buyers: distinct("buyers")?,
            stalls: distinct("stalls")?,
            products: distinct("products")?,
        };
        out.insert((p, k), f);
    }
    if inexact.is_empty() {
        return Ok(out.into_iter().map(|((p, k), f)| (p, k, f)).collect());
    }
    for &party in parties {
        let sql = distinct_sql(kind, party, &inexact);
        for r in db.query_all_raw(Statement::from_string(b, sql)).await? {
            let k: Vec<u8> = r.try_get("", "k")?;
            for (i, bucket) in inexact.iter().enumerate() {
                let n: i64 = r.try_get("", &format!("c{i}"))?;
                let Some(f) = out.get_mut(&(bucket.p, k.clone())) else {
                    continue;
                };
                match party {
                    Party::Buyer => f.buyers = n,
                    Party::Stall => f.stalls = n,
                    Party::Product => f.products = n,
                }
            }
        }
    }
    Ok(out.into_iter().map(|((p, k), f)| (p, k, f)).collect())
}

/// The range cut by period.
fn buckets(from: NaiveDate, to: NaiveDate, period: Option<Period>) -> Vec<Bucket> {
    let Some(period) = period else {
        return vec![Bucket { p: 0, from, to }];
    };
    let mut out: Vec<Bucket> = Vec::new();
    let mut d = from;
    while d <= to {
        let p = period.key(d);
        match out.last_mut() {
            Some(last) if last.p == p => last.to = d,
            _ => out.push(Bucket { p, from: d, to: d }),
        }
        d += TimeDelta::days(1);
    }
    out
}

/// The last day of `d`'s month.
fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).map_or(d, |n| n - TimeDelta::days(1))
}

/// The largest unit starting on `d` and ending by `to`, and its last day.
fn unit_at(d: NaiveDate, to: NaiveDate) -> (Span, NaiveDate) {
    if d.day() == 1 {
        let month = month_end(d);
        let quarter = (0..2).fold(month, |e, _| month_end(e + TimeDelta::days(1)));
        let year = NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(d);
        if d.month() == 1 && year <= to {
            return (Span::Year, year);
        }
        if (d.month() - 1).is_multiple_of(3) && quarter <= to {
            return (Span::Quarter, quarter);
        }
        if month <= to {
            return (Span::Month, month);
        }
    }
    (Span::Day, d)
}

/// The units `from..=to` is made of, largest first from each day on.
fn units_in(from: NaiveDate, to: NaiveDate) -> Vec<(Span, NaiveDate)> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let (span, end) = unit_at(d, to);
        out.push((span, d));
        d = end + TimeDelta::days(1);
    }
    out
}

/// The unit that is exactly `from..=to`, if one is.
fn unit_of(from: NaiveDate, to: NaiveDate) -> Option<(Span, NaiveDate)> {
    match units_in(from, to).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// A row's period key from its `at`, as SQL.
fn period_sql(period: Option<Period>) -> &'static str {
    match period {
        None => "CAST(0 AS BIGINT)",
        Some(Period::Day) => "CAST(at AS BIGINT)",
        Some(Period::Month) => "CAST(at / 100 AS BIGINT)",
        Some(Period::Quarter) => "CAST(at / 10000 * 10 + (at / 100 % 100 + 2) / 3 AS BIGINT)",
    }
}

/// Every column summed over the buckets' units, by key and period.
async fn sums<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    buckets: &[Bucket],
    period: Option<Period>,
) -> Result<Vec<QueryResult>> {
    let mut days: Vec<(i32, i32)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for x in buckets {
        for (span, d) in units_in(x.from, x.to) {
            let at = span.at(day_key(d));
            match (span, days.last_mut()) {
                (Span::Day, Some(run)) if day_key(d - TimeDelta::days(1)) == run.1 => run.1 = at,
                (Span::Day, _) => days.push((at, at)),
                _ => others.push(format!("(span = {} AND at = {at})", span as i16)),
            }
        }
    }
    let mut parts: Vec<String> = days
        .iter()
        .map(|(a, z)| format!("(span = {} AND at BETWEEN {a} AND {z})", Span::Day as i16))
        .collect();
    parts.extend(others);
    let sum = |c: &str| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}");
    let cols = ["gmv", "units", "orders", "buyers", "stalls", "products"].map(sum);
    let sql = format!(
        "SELECT k, {} AS p, {} FROM trade_rollups WHERE kind = {} AND ({}) GROUP BY k, p",
        period_sql(period),
        cols.join(", "),
        kind.code(),
        parts.join(" OR ")
    );
    let b = db.get_database_backend();
    Ok(db.query_all_raw(Statement::from_string(b, sql)).await?)
}

/// Whether a mark row has a day of delivery in `from..=to`, as SQL.
fn hit_sql(from: NaiveDate, to: NaiveDate) -> String {
    let mut terms = Vec::new();
    let mut d = from;
    while d <= to {
        let end = month_end(d).min(to);
        let full = d.day() == 1 && end == month_end(d);
        let col = month_col(d.month());
        let test = if full {
            format!("{col} <> 0")
        } else {
            let bits = (1_i64 << end.day()) - (1_i64 << (d.day() - 1));
            format!("({col} & {bits}) <> 0")
        };
        terms.push(format!("(year = {} AND {test})", d.year()));
        d = end + TimeDelta::days(1);
    }
    format!("({})", terms.join(" OR "))
}

/// The distinct parties of each key in each bucket, from the marks (`c0`, `c1`, …).
fn distinct_sql(kind: Kind, party: Party, buckets: &[Bucket]) -> String {
    let of = format!(
        "FROM trade_marks WHERE kind = {} AND party = {}",
        kind.code(),
        party as i16
    );
    if let [one] = buckets
        && one.from.year() != one.to.year()
    {
        // A party marked in both years has a row in each: count it once.
        return format!(
            "SELECT k, COUNT(*) AS c0 FROM (SELECT k, id {of} AND {} GROUP BY k, id) s GROUP BY k",
            hit_sql(one.from, one.to)
        );
    }
    let (first, last) = (
        buckets
            .iter()
            .map(|x| x.from.year())
            .min()
            .unwrap_or_default(),
        buckets
            .iter()
            .map(|x| x.to.year())
            .max()
            .unwrap_or_default(),
    );
    let cols: Vec<String> = buckets
        .iter()
        .enumerate()
        .map(|(i, x)| {
            format!(
                "CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS BIGINT) AS c{i}",
                hit_sql(x.from, x.to)
            )
        })
        .collect();
    format!(
        "SELECT k, {} {of} AND year BETWEEN {first} AND {last} GROUP BY k",
        cols.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_range_is_made_of_its_largest_units() {
        let units = units_in(d("2025-12-30"), d("2026-08-02"));
        let spans: Vec<Span> = units.iter().map(|u| u.0).collect();
        use Span::*;
        assert_eq!(spans, [Day, Day, Quarter, Quarter, Month, Day, Day]);
        assert_eq!(unit_of(d("2026-01-01"), d("2026-12-31")).unwrap().0, Year);
        assert_eq!(
            unit_of(d("2026-04-01"), d("2026-06-30")).unwrap().0,
            Quarter
        );
        assert_eq!(unit_of(d("2026-02-01"), d("2026-02-28")).unwrap().0, Month);
        assert_eq!(unit_of(d("2026-02-03"), d("2026-02-03")).unwrap().0, Day);
        assert!(unit_of(d("2026-02-01"), d("2026-02-27")).is_none());
    }

    #[test]
    fn a_partial_month_tests_its_days_bits() {
        assert_eq!(
            hit_sql(d("2026-03-30"), d("2026-04-30")),
            "((year = 2026 AND (m03 & 1610612736) <> 0) OR (year = 2026 AND m04 <> 0))"
        );
        assert_eq!(
            hit_sql(d("2026-02-01"), d("2026-02-01")),
            "((year = 2026 AND (m02 & 1) <> 0))"
        );
    }
}
