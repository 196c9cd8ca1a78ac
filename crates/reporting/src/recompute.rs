//! The trade report computed straight from the trade facts, as grouped queries with distinct
//! counts over every row of the range: the reference the roll-ups ([`crate::rollup`]) are
//! checked against, and what an auditor can read to see what each figure means. It takes
//! seconds on a year of a national floor; the report's route reads the roll-ups.

use common::{Actor, Result};
use sea_orm::{ConnectionTrait, QueryResult, Statement};
use uuid::Uuid;

use crate::{
    rollup::day_key,
    trade::{GroupBy, Period, Raw, TradeFigures, TradeQuery, TradeReport, assemble, check_period},
};

/// The figures of a group, as SQL over `trade_facts` (a refund's row counts in the money and
/// units, never as an order, buyer or stall).
const FIGURES: &str = "CAST(COALESCE(SUM(gmv), 0) AS BIGINT) AS gmv, \
     CAST(COALESCE(SUM(units), 0) AS BIGINT) AS units, \
     COUNT(DISTINCT CASE WHEN NOT refund THEN order_id END) AS orders, \
     COUNT(DISTINCT CASE WHEN NOT refund THEN buyer_id END) AS buyers, \
     COUNT(DISTINCT CASE WHEN NOT refund THEN stall_id END) AS stalls";

fn group_sql(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Commune => "stall_commune",
        GroupBy::Province => "buyer_province",
        GroupBy::OcopStars => "CAST(COALESCE(ocop_stars, 0) AS BIGINT)",
        GroupBy::OcopGroup => "ocop_group",
        GroupBy::Category => "category_id",
        GroupBy::Stall => "stall_id",
    }
}

fn period_sql(p: Period) -> &'static str {
    match p {
        Period::Day => "CAST(day AS BIGINT)",
        Period::Month => "CAST(day / 100 AS BIGINT)",
        Period::Quarter => "CAST((day / 10000) * 10 + ((day / 100) % 100 + 2) / 3 AS BIGINT)",
    }
}

/// The trade report asked for (administrators), computed from the facts.
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
    let key = group_sql(q.group_by);
    let (period_col, period_group) = match q.period {
        Some(p) => (format!(", {} AS p", period_sql(p)), ", p"),
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
    let mut raw = Vec::with_capacity(rows.len());
    for r in &rows {
        raw.push(Raw {
            p: match q.period {
                Some(_) => r.try_get("", "p")?,
                None => 0,
            },
            key: key_of(q.group_by, r)?,
            figures: figures(r)?,
            products: 0,
        });
    }
    let mut stars = Vec::with_capacity(ocop.len());
    for r in &ocop {
        stars.push(Raw {
            p: 0,
            key: r.try_get::<i64>("", "k")?.to_string(),
            figures: figures(r)?,
            products: r.try_get("", "products")?,
        });
    }
    let totals = totals.first().map(figures).transpose()?.unwrap_or_default();
    assemble(db, q, raw, totals, stars).await
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
