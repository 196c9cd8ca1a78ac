//! Rebuilding the roll-ups from the trade facts: after the migration that adds them (the
//! facts written before it), or whenever they are found empty while facts exist. A few grouped
//! statements per grouping, in one transaction: the days from the facts (sums, orders and the
//! distinct parties of each day), the marks from the facts, the months, quarters and years'
//! sums from the days and their distinct parties from the marks.

use std::collections::BTreeMap;

use common::Result;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionSession, TransactionTrait, Value};

use super::{Kind, Party, Span, month_col, ph, write};

/// Rebuilds the roll-ups when there are facts but no roll-ups; whether it did.
pub async fn rebuild_if_missing<C: ConnectionTrait + TransactionTrait>(db: &C) -> Result<bool> {
    let any = |table: &str| format!("SELECT 1 AS one FROM {table} LIMIT 1");
    let b = db.get_database_backend();
    let facts = db
        .query_one_raw(Statement::from_string(b, any("trade_facts")))
        .await?;
    let rollups = db
        .query_one_raw(Statement::from_string(b, any("trade_rollups")))
        .await?;
    if facts.is_none() || rollups.is_some() {
        return Ok(false);
    }
    rebuild(db).await?;
    Ok(true)
}

/// Recomputes every roll-up from the trade facts, in one transaction.
pub async fn rebuild<C: ConnectionTrait + TransactionTrait>(db: &C) -> Result<()> {
    let txn = common::begin_write(db).await?;
    let b = txn.get_database_backend();
    for table in ["trade_marks", "trade_rollups"] {
        txn.execute_unprepared(&format!("DELETE FROM {table}"))
            .await?;
    }
    for kind in Kind::ALL {
        txn.execute_unprepared(&days_sql(b, kind)).await?;
        for party in parties(kind) {
            txn.execute_unprepared(&marks_sql(b, kind, party)).await?;
        }
    }
    for span in [Span::Month, Span::Quarter, Span::Year] {
        txn.execute_unprepared(&units_sql(span)).await?;
    }
    for kind in Kind::ALL {
        for party in parties(kind) {
            units_parties(&txn, kind, party).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// The parties kept under a grouping.
fn parties(kind: Kind) -> Vec<Party> {
    match kind {
        Kind::Stars => vec![Party::Buyer, Party::Stall, Party::Product],
        _ => vec![Party::Buyer, Party::Stall],
    }
}

/// The day rows of a grouping, from the facts.
fn days_sql(b: DbBackend, kind: Kind) -> String {
    let k = kind.key_sql(b);
    let products = match kind {
        Kind::Stars => {
            "COUNT(DISTINCT CASE WHEN NOT refund AND ocop_stars IS NOT NULL THEN product_id END)"
        }
        _ => "0",
    };
    format!(
        "INSERT INTO trade_rollups (kind, span, at, k, gmv, units, orders, buyers, stalls, \
         products) SELECT {}, {}, day, {k}, SUM(gmv), SUM(units), \
         COUNT(DISTINCT CASE WHEN NOT refund THEN order_id END), \
         COUNT(DISTINCT CASE WHEN NOT refund THEN buyer_id END), \
         COUNT(DISTINCT CASE WHEN NOT refund THEN stall_id END), {products} \
         FROM trade_facts GROUP BY {k}, day",
        kind.code(),
        Span::Day as i16
    )
}

/// The marks of a grouping's parties, from the facts.
fn marks_sql(b: DbBackend, kind: Kind, party: Party) -> String {
    let k = kind.key_sql(b);
    let (id, only) = match party {
        Party::Buyer => ("buyer_id", ""),
        Party::Stall => ("stall_id", ""),
        Party::Product => ("product_id", " AND ocop_stars IS NOT NULL"),
    };
    let cols: Vec<String> = (1..=12).map(month_col).collect();
    let bits: Vec<String> = (1..=12)
        .map(|m| {
            format!(
                "SUM(DISTINCT CASE WHEN day / 100 % 100 = {m} THEN 1 << (day % 100 - 1) ELSE 0 END)"
            )
        })
        .collect();
    format!(
        "INSERT INTO trade_marks (kind, party, k, id, year, {}) \
         SELECT {}, {}, {k}, {id}, day / 10000, {} FROM trade_facts \
         WHERE NOT refund{only} GROUP BY {k}, {id}, day / 10000",
        cols.join(", "),
        kind.code(),
        party as i16,
        bits.join(", ")
    )
}

/// The sums and orders of a unit's rows, from the day rows.
fn units_sql(span: Span) -> String {
    let at = match span {
        Span::Month => "at / 100 * 100".to_owned(),
        Span::Quarter => "at / 10000 * 10000 + ((at / 100 % 100 - 1) / 3 * 3 + 1) * 100".to_owned(),
        _ => "at / 10000 * 10000".to_owned(),
    };
    format!(
        "INSERT INTO trade_rollups (kind, span, at, k, gmv, units, orders, buyers, stalls, \
         products) SELECT kind, {}, {at}, k, SUM(gmv), SUM(units), SUM(orders), 0, 0, 0 \
         FROM trade_rollups WHERE span = {} GROUP BY kind, {at}, k",
        span as i16,
        Span::Day as i16
    )
}

/// The distinct parties of the months, quarters and years of a grouping, from the marks.
async fn units_parties<C: ConnectionTrait>(db: &C, kind: Kind, party: Party) -> Result<()> {
    let b = db.get_database_backend();
    let any = |months: &[u32]| {
        let hit: Vec<String> = months
            .iter()
            .map(|m| format!("{} <> 0", month_col(*m)))
            .collect();
        format!("SUM(CASE WHEN {} THEN 1 ELSE 0 END)", hit.join(" OR "))
    };
    let mut cols: Vec<String> = (1..=12).map(|m| format!("{} AS c{m}", any(&[m]))).collect();
    for q in 0..4 {
        cols.push(format!(
            "{} AS q{q}",
            any(&[q * 3 + 1, q * 3 + 2, q * 3 + 3])
        ));
    }
    let sql = format!(
        "SELECT k, year, COUNT(*) AS y, {} FROM trade_marks WHERE kind = {} AND party = {} \
         GROUP BY k, year",
        cols.join(", "),
        ph(b, 1),
        ph(b, 2)
    );
    let values = [
        Value::SmallInt(Some(kind.code())),
        Value::SmallInt(Some(party as i16)),
    ];
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(b, sql, values))
        .await?;
    let mut cells = BTreeMap::new();
    let slot = 3 + party as usize;
    for r in rows {
        let k: Vec<u8> = r.try_get("", "k")?;
        let year: i32 = r.try_get("", "year")?;
        let mut put = |span: Span, at: i32, n: i64| {
            if n > 0 {
                let mut gain = [0; 6];
                gain[slot] = n;
                cells.insert((kind, span, at, k.clone()), gain);
            }
        };
        put(Span::Year, year * 10_000, r.try_get("", "y")?);
        for m in 1..=12 {
            put(
                Span::Month,
                year * 10_000 + m * 100,
                r.try_get("", &format!("c{m}"))?,
            );
        }
        for q in 0..4 {
            put(
                Span::Quarter,
                year * 10_000 + (q * 3 + 1) * 100,
                r.try_get("", &format!("q{q}"))?,
            );
        }
    }
    write::upsert(db, &cells).await
}
