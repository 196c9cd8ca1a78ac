//! Searches that found nothing, counted by their folded words and day (`search_misses`), so
//! the province learns what buyers look for and cannot find. Counts gather in memory and are
//! written at most every 30 seconds (or when read), so a burst of searches costs one write;
//! what a client can add is bounded: a query is at most 100 characters once folded, a window
//! holds at most 1 000 distinct queries and a day at most 10 000.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::NaiveDate;
use common::{Page, PageRequest, text::fold};
use sea_orm::{
    ConnectionTrait, DbErr, FromQueryResult,
    sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Order, Query},
};
use serde::Serialize;

use crate::exact::words;

/// Longest query kept, in characters once folded.
const MAX_QUERY: usize = 100;
/// Most distinct queries gathered between two writes.
const MAX_PENDING: usize = 1000;
/// Most distinct queries kept for one day.
const MAX_PER_DAY: u64 = 10_000;
/// How often gathered counts are written.
const FLUSH_EVERY: Duration = Duration::from_secs(30);

/// A query that found nothing, with how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromQueryResult)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Miss {
    /// The words searched, folded (without diacritics), one space apart.
    #[cfg_attr(feature = "openapi", schema(example = "mut gung"))]
    pub query: String,
    /// How many searches found nothing for it in the period.
    #[cfg_attr(feature = "openapi", schema(example = 14))]
    pub count: i64,
}

#[derive(Default)]
struct Pending {
    counts: HashMap<(String, NaiveDate), i64>,
    since: Option<Instant>,
}

/// The counter of searches that found nothing.
#[derive(Clone, Default)]
pub struct Misses {
    pending: Arc<Mutex<Pending>>,
}

/// The words of `text` as they are counted: folded, one space apart, at most 100 characters.
pub fn key(text: &str) -> String {
    let mut key = words(&fold(text)).join(" ");
    if key.chars().count() > MAX_QUERY {
        key = key.chars().take(MAX_QUERY).collect();
        key = key.trim_end().to_owned();
    }
    key
}

impl Misses {
    /// Counts a search for `text` that found nothing on `day`; returns whether the gathered
    /// counts are due to be written.
    pub fn record(&self, text: &str, day: NaiveDate) -> bool {
        let key = key(text);
        if key.is_empty() {
            return false;
        }
        let Ok(mut p) = self.pending.lock() else {
            return false;
        };
        let full = p.counts.len() >= MAX_PENDING;
        if let Some(n) = p.counts.get_mut(&(key.clone(), day)) {
            *n += 1;
        } else if !full {
            p.counts.insert((key, day), 1);
        }
        let since = *p.since.get_or_insert_with(Instant::now);
        since.elapsed() >= FLUSH_EVERY
    }

    /// Writes the gathered counts, adding to what the database holds (other instances count
    /// too). A day that already holds 10 000 queries only gains counts, not new queries.
    pub async fn flush<C: ConnectionTrait>(&self, db: &C) -> Result<(), DbErr> {
        let batch = {
            let Ok(mut p) = self.pending.lock() else {
                return Ok(());
            };
            p.since = None;
            std::mem::take(&mut p.counts)
        };
        let mut full_days: HashMap<NaiveDate, bool> = HashMap::new();
        for ((query, day), n) in batch {
            let full = match full_days.get(&day) {
                Some(f) => *f,
                None => {
                    let count = Query::select()
                        .expr(Func::count(Expr::col(Alias::new("query"))))
                        .from(Alias::new("search_misses"))
                        .and_where(Expr::col(Alias::new("day")).eq(day))
                        .to_owned();
                    let row = db.query_one(&count).await?;
                    let held: i64 = row.map_or(Ok(0), |r| r.try_get_by_index(0))?;
                    let f = held.unsigned_abs() >= MAX_PER_DAY;
                    full_days.insert(day, f);
                    f
                }
            };
            if full {
                let update = Query::update()
                    .table(Alias::new("search_misses"))
                    .value(Alias::new("count"), Expr::col(Alias::new("count")).add(n))
                    .and_where(Expr::col(Alias::new("query")).eq(query))
                    .and_where(Expr::col(Alias::new("day")).eq(day))
                    .to_owned();
                db.execute(&update).await?;
                continue;
            }
            let upsert = Query::insert()
                .into_table(Alias::new("search_misses"))
                .columns([Alias::new("query"), Alias::new("day"), Alias::new("count")])
                .values_panic([query.into(), day.into(), n.into()])
                .on_conflict(
                    OnConflict::columns([Alias::new("query"), Alias::new("day")])
                        .value(
                            Alias::new("count"),
                            Expr::col((Alias::new("search_misses"), Alias::new("count"))).add(n),
                        )
                        .to_owned(),
                )
                .to_owned();
            db.execute(&upsert).await?;
        }
        Ok(())
    }

    /// The queries that found nothing from `since` on, the most frequent first (ties by
    /// query), one page of them; counts gathered in memory are written first.
    pub async fn top<C: ConnectionTrait>(
        &self,
        db: &C,
        since: NaiveDate,
        page: PageRequest,
    ) -> Result<Page<Miss>, DbErr> {
        self.flush(db).await?;
        let list = Query::select()
            .column(Alias::new("query"))
            .expr_as(
                Func::sum(Expr::col(Alias::new("count"))).cast_as(Alias::new("BIGINT")),
                Alias::new("count"),
            )
            .from(Alias::new("search_misses"))
            .and_where(Expr::col(Alias::new("day")).gte(since))
            .group_by_col(Alias::new("query"))
            .order_by_expr(
                Func::sum(Expr::col(Alias::new("count"))).into(),
                Order::Desc,
            )
            .order_by(Alias::new("query"), Order::Asc)
            .to_owned();
        common::page::fetch_statement(db, list, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_counted_by_their_folded_words_and_bounded() {
        assert_eq!(key("  Mứt   GỪNG!! "), "mut gung");
        assert!(key(&"ab ".repeat(200)).chars().count() <= MAX_QUERY);
        let m = Misses::default();
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        for _ in 0..3 {
            m.record("mứt gừng", day);
        }
        m.record("MUT GUNG", day);
        for i in 0..(MAX_PENDING + 50) {
            m.record(&format!("q{i}"), day);
        }
        let p = m.pending.lock().unwrap();
        assert_eq!(p.counts[&("mut gung".to_owned(), day)], 4);
        assert_eq!(
            p.counts.len(),
            MAX_PENDING,
            "a window holds at most 1 000 queries"
        );
    }
}
