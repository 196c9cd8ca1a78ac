//! Keeping the roll-ups as facts are written, in the same transaction.
//!
//! A delivery sets its day's bit for its buyer, its stall and (OCOP) its products under each
//! of its keys, in one statement that returns only the marks it changed: a party whose bit
//! was unset is new to that day, and, as its other bits of the month, quarter and year say,
//! perhaps to those too. Its sums, its order (once per key) and those new parties are then
//! added to the day, month, quarter and year rows of each key in one more statement. A refund
//! adds its (negative) sums only: it counts no order, buyer or stall.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use common::Result;
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};
use uuid::Uuid;

use super::{Kind, Party, Span, month_col, ph};
use crate::entity::trade_fact;

/// A roll-up row: grouping, unit, its `at`, key.
pub(super) type Cell = (Kind, Span, i32, Vec<u8>);

/// What a roll-up row gains: gmv, units, orders, buyers, stalls, products.
pub(super) type Gain = [i64; 6];

/// A mark to set: grouping, party, key, party's id.
type Mark = (Kind, Party, Vec<u8>, Uuid);

/// Rows per statement (SQLite takes 999 parameters in older builds).
const CHUNK: usize = 90;

/// Adds the roll-ups' share of fact rows just written (a delivery's or a refund's).
pub(crate) async fn add<C: ConnectionTrait>(db: &C, rows: &[trade_fact::Model]) -> Result<()> {
    let mut cells: BTreeMap<Cell, Gain> = BTreeMap::new();
    let mut counted: HashSet<(Kind, Vec<u8>, Uuid)> = HashSet::new();
    for r in rows {
        for kind in Kind::ALL {
            let k = kind.key(r);
            let order = !r.refund && counted.insert((kind, k.clone(), r.order_id));
            for span in Span::ALL {
                let g = cells
                    .entry((kind, span, span.at(r.day), k.clone()))
                    .or_default();
                g[0] += r.gmv;
                g[1] += r.units;
                g[2] += i64::from(order);
            }
        }
    }
    for (cell, party) in mark(db, rows).await? {
        cells.entry(cell).or_default()[3 + party as usize] += 1;
    }
    upsert(db, &cells).await
}

/// Sets the delivery rows' marks; returns, for each party new to a unit, the unit's cell.
async fn mark<C: ConnectionTrait>(
    db: &C,
    rows: &[trade_fact::Model],
) -> Result<Vec<(Cell, Party)>> {
    let mut by_day: BTreeMap<i32, BTreeSet<Mark>> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r.refund) {
        let set = by_day.entry(r.day).or_default();
        for kind in Kind::ALL {
            let k = kind.key(r);
            set.insert((kind, Party::Buyer, k.clone(), r.buyer_id));
            set.insert((kind, Party::Stall, k, r.stall_id));
        }
        if r.ocop_stars.is_some() {
            set.insert((
                Kind::Stars,
                Party::Product,
                Kind::Stars.key(r),
                r.product_id,
            ));
        }
    }
    let mut fresh = Vec::new();
    for (day, marks) in by_day {
        let marks: Vec<Mark> = marks.into_iter().collect();
        for chunk in marks.chunks(CHUNK) {
            for r in set_marks(db, day, chunk).await? {
                fresh.extend(new_to(day, &r)?);
            }
        }
    }
    Ok(fresh)
}

/// One statement setting `day`'s bit of `marks`; the rows it changed.
async fn set_marks<C: ConnectionTrait>(
    db: &C,
    day: i32,
    marks: &[Mark],
) -> Result<Vec<QueryResult>> {
    let b = db.get_database_backend();
    let (year, month) = (day / 10_000, (day / 100 % 100) as u32);
    let bit = 1_i32 << (day % 100 - 1);
    let col = month_col(month);
    let mut values = Vec::with_capacity(marks.len() * 6);
    let mut tuples = Vec::with_capacity(marks.len());
    for (kind, party, k, id) in marks {
        let n = values.len();
        tuples.push(format!(
            "({}, {}, {}, {}, {}, {})",
            ph(b, n + 1),
            ph(b, n + 2),
            ph(b, n + 3),
            ph(b, n + 4),
            ph(b, n + 5),
            ph(b, n + 6)
        ));
        values.extend([
            Value::SmallInt(Some(kind.code())),
            Value::SmallInt(Some(*party as i16)),
            Value::Bytes(Some(k.clone())),
            Value::Uuid(Some(*id)),
            Value::Int(Some(year)),
            Value::Int(Some(bit)),
        ]);
    }
    let months: Vec<String> = (1..=12).map(month_col).collect();
    let sql = format!(
        "INSERT INTO trade_marks (kind, party, k, id, year, {col}) VALUES {} \
         ON CONFLICT (kind, party, k, id, year) DO UPDATE SET {col} = trade_marks.{col} | excluded.{col} \
         WHERE (trade_marks.{col} & excluded.{col}) = 0 \
         RETURNING kind, party, k, {}",
        tuples.join(", "),
        months.join(", ")
    );
    Ok(db
        .query_all_raw(Statement::from_sql_and_values(b, sql, values))
        .await?)
}

/// The units a changed mark's party is new to: the day always; the month, quarter and year
/// when no other day of them was marked before.
fn new_to(day: i32, r: &QueryResult) -> Result<Vec<(Cell, Party)>> {
    let kind: i16 = r.try_get("", "kind")?;
    let party: i16 = r.try_get("", "party")?;
    let k: Vec<u8> = r.try_get("", "k")?;
    let month = (day / 100 % 100) as u32;
    let bit = 1_i32 << (day % 100 - 1);
    let mut before = [0_i32; 12];
    for m in 1..=12 {
        before[m as usize - 1] = r.try_get("", &month_col(m))?;
    }
    before[month as usize - 1] &= !bit;
    let q = (month as usize - 1) / 3 * 3;
    let new = [
        (Span::Day, true),
        (Span::Month, before[month as usize - 1] == 0),
        (Span::Quarter, before[q..q + 3].iter().all(|m| *m == 0)),
        (Span::Year, before.iter().all(|m| *m == 0)),
    ];
    let (Some(kind), Some(party)) = (
        Kind::ALL.into_iter().find(|x| x.code() == kind),
        [Party::Buyer, Party::Stall, Party::Product]
            .into_iter()
            .find(|p| *p as i16 == party),
    ) else {
        return Err(common::Error::internal(format!(
            "trade_marks returned kind {kind}, party {party}"
        )));
    };
    Ok(new
        .into_iter()
        .filter(|(_, is_new)| *is_new)
        .map(|(span, _)| ((kind, span, span.at(day), k.clone()), party))
        .collect())
}

/// Adds `cells` to the roll-up rows, making those missing.
pub(super) async fn upsert<C: ConnectionTrait>(db: &C, cells: &BTreeMap<Cell, Gain>) -> Result<()> {
    let b = db.get_database_backend();
    let cells: Vec<(&Cell, &Gain)> = cells.iter().collect();
    for chunk in cells.chunks(CHUNK) {
        let mut values = Vec::with_capacity(chunk.len() * 10);
        let mut tuples = Vec::with_capacity(chunk.len());
        for ((kind, span, at, k), gain) in chunk {
            let n = values.len();
            let marks: Vec<String> = (1..=10).map(|i| ph(b, n + i)).collect();
            tuples.push(format!("({})", marks.join(", ")));
            values.extend([
                Value::SmallInt(Some(kind.code())),
                Value::SmallInt(Some(*span as i16)),
                Value::Int(Some(*at)),
                Value::Bytes(Some(k.clone())),
            ]);
            values.extend(gain.iter().map(|g| Value::BigInt(Some(*g))));
        }
        let sums = ["gmv", "units", "orders", "buyers", "stalls", "products"]
            .map(|c| format!("{c} = trade_rollups.{c} + excluded.{c}"))
            .join(", ");
        let sql = format!(
            "INSERT INTO trade_rollups (kind, span, at, k, gmv, units, orders, buyers, stalls, \
             products) VALUES {} ON CONFLICT (kind, span, at, k) DO UPDATE SET {sums}",
            tuples.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(b, sql, values))
            .await?;
    }
    Ok(())
}
