//! Statement benchmark: a stall with a month of many ledger entries, and several of its members
//! downloading that month's statement at once (JSON and CSV alternately) from a gateway on a
//! loopback port. Reports the time of each download and the process's peak resident memory
//! (`VmHWM`, reset before each round) above what it held before the round, and what it still
//! holds after. On PostgreSQL the table is analysed after the bulk load, as autovacuum would.
//!
//! `cargo bench -p gateway --bench statement`; settings from the environment:
//! `BENCH_ENTRIES` (200000), `BENCH_CONCURRENCY` (1,8), `BENCH_BACKENDS` (`sqlite`, plus
//! `postgres` when `TEST_POSTGRES_URL` is set), `BENCH_EXPORT_PERMITS` (sets
//! `ledger.max_concurrent_exports`; unset: the default).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary"
)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{TimeZone, Utc};
use gateway::{AppState, Config};
use ledger::entity::entry;
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};
use uuid::Uuid;

mod common;

use common::{Server, Stats, env, open_stall, reset_peak, sign_in, vm};

/// The month the entries are written in: a closed one, as most statements are.
const MONTH: &str = "2026-11";

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let entries = env("BENCH_ENTRIES", 200_000);
    let levels: Vec<usize> = std::env::var("BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "1,8".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| {
        if std::env::var(testkit::POSTGRES_URL_VAR).is_ok() {
            "sqlite,postgres".into()
        } else {
            "sqlite".into()
        }
    });
    let permits = std::env::var("BENCH_EXPORT_PERMITS").ok();
    let mut report = vec![
        format!(
            "{entries} entries in {MONTH}, permits {}",
            permits.as_deref().unwrap_or("default")
        ),
        String::new(),
        "| database | at once | downloads | bytes each (JSON / CSV) | p50 s | max s | peak RSS above start MiB | RSS after MiB (start) |".into(),
        "|---|---|---|---|---|---|---|---|".into(),
    ];
    for backend in backends.split(',').map(str::trim) {
        let backend = match backend {
            "postgres" => testkit::Backend::Postgres,
            _ => testkit::Backend::Sqlite,
        };
        run(backend, entries, &levels, permits.as_deref(), &mut report).await;
    }
    println!("{}", report.join("\n"));
}

async fn run(
    backend: testkit::Backend,
    entries: u64,
    levels: &[usize],
    permits: Option<&str>,
    report: &mut Vec<String>,
) {
    let test_db = testkit::TestDb::new(backend).await;
    let dir = std::env::temp_dir().join(format!("marketplace-bench-{}", Uuid::now_v7()));
    let mut overrides = format!(
        "[data]\ndir = {:?}\n[demo]\nseed = false\n[log]\nfilter = \"warn\"\n[search]\nworker = false\n[payments]\nworker = false\n",
        dir.display().to_string()
    );
    if let Some(n) = permits {
        overrides.push_str(&format!("[ledger]\nmax_concurrent_exports = {n}\n"));
    }
    let mut config = Config::with_overrides(&overrides).unwrap();
    config.database.url = Some(test_db.url.clone());
    let db = test_db.conn.clone();
    let state = AppState::new(
        config.clone(),
        config.build().unwrap(),
        db.clone(),
        config.search_engine().unwrap(),
    );

    let server = Server::start(state.clone()).await;
    let base = format!("{}/api/v1", server.origin);
    let http = reqwest::Client::new();
    let token = sign_in(&http, &base, "chu-sap@bench.test", "Chủ sạp").await;
    let stall = open_stall(&http, &base, &token, "Sạp đo tải")
        .await
        .parse::<Uuid>()
        .unwrap();

    let seeded = Instant::now();
    seed(&db, stall, entries).await;
    if backend == testkit::Backend::Postgres {
        // As autovacuum does within a minute of a bulk load: without statistics the planner
        // reads a chunk by sorting every later entry of the month (tens of ms, not one).
        db.execute_unprepared("ANALYZE ledger_entries")
            .await
            .unwrap();
    }
    let seed_secs = seeded.elapsed().as_secs_f64();
    let label = match backend {
        testkit::Backend::Sqlite => "SQLite",
        testkit::Backend::Postgres => "PostgreSQL",
    };
    eprintln!("{label}: {entries} entries seeded in {seed_secs:.1} s");

    let url = format!("{base}/stalls/{stall}/statements/{MONTH}");
    for &clients in levels {
        // Settle, then measure from here: the peak is reset and sampled as well.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let start_rss = vm("VmRSS:");
        reset_peak();
        let sampler = Sampler::start();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            let csv = c % 2 == 1;
            tasks.push(tokio::spawn(async move {
                let t = Instant::now();
                let got = download(&http, &url, &token, csv).await;
                (t.elapsed(), csv, got)
            }));
        }
        let mut stats = Stats::default();
        let (mut json_bytes, mut csv_bytes) = (0, 0);
        let mut refused = 0;
        for t in tasks {
            let (took, csv, got) = t.await.unwrap();
            match got {
                Download::Whole { bytes, items } => {
                    assert_eq!(
                        items,
                        entries,
                        "every entry once ({})",
                        if csv { "CSV" } else { "JSON" }
                    );
                    if csv {
                        csv_bytes = bytes;
                    } else {
                        json_bytes = bytes;
                    }
                    stats.latencies.push(took);
                }
                Download::Refused(status) => {
                    eprintln!("refused: {status}");
                    refused += 1;
                }
            }
        }
        stats.wall = started.elapsed();
        let sampled = sampler.stop();
        let peak = vm("VmHWM:").max(sampled);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = vm("VmRSS:");
        let mib = |kib: u64| kib as f64 / 1024.0;
        let max = stats
            .latencies
            .iter()
            .max()
            .map_or(0.0, Duration::as_secs_f64);
        report.push(format!(
            "| {label} | {clients} | {}{} | {:.1} / {:.1} MiB | {:.2} | {:.2} | {:.0} | {:.0} ({:.0}) |",
            stats.latencies.len(),
            if refused > 0 {
                format!(" ({refused} refused)")
            } else {
                String::new()
            },
            mib(json_bytes / 1024),
            mib(csv_bytes / 1024),
            if stats.latencies.is_empty() {
                0.0
            } else {
                stats.pct(0.5) / 1000.0
            },
            max,
            mib(peak.saturating_sub(start_rss)),
            mib(after),
            mib(start_rss),
        ));
        eprintln!("{}", report.last().unwrap());
    }
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `n` entries of one stall spread over [`MONTH`], written as the ledger writes them (a sale,
/// its commission with the rule applied, a delivery fee), in batches of 1 000 rows.
async fn seed(db: &sea_orm::DatabaseConnection, stall: Uuid, n: u64) {
    let start = Utc.with_ymd_and_hms(2026, 10, 31, 17, 0, 0).unwrap();
    let month = Duration::from_secs(30 * 24 * 3600);
    let step = month.as_nanos() / u128::from(n.max(1));
    let tx = db.begin().await.unwrap();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        // Three entries of an order share their instant, as a delivery writes them together.
        let order = i / 3;
        let at = start
            + chrono::Duration::nanoseconds(i64::try_from(u128::from(order * 3) * step).unwrap());
        let (kind, amount, rule) = match i % 3 {
            0 => ("sale", 120_000 + (i % 7) as i64 * 1000, None),
            1 => (
                "commission",
                -8_400,
                Some(r#"{"rule_id":"0193a1b2-0000-7000-8000-000000000001","rate_bp":700,"scope":"default"}"#.to_owned()),
            ),
            _ => ("delivery", 20_000, None),
        };
        batch.push(entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            stall_id: Set(stall),
            kind: Set(kind.into()),
            amount: Set(amount),
            order_id: Set(Some(Uuid::from_u128(
                0x0193_0000_0000_7000_8000_0000_0000_0000 | u128::from(order),
            ))),
            payout_id: Set(None),
            rule: Set(rule),
            reverses: Set(None),
            note: Set(None),
            actor_id: Set(None),
            available_at: Set(at + chrono::Duration::days(7)),
            created_at: Set(at),
        });
        if batch.len() == 1000 {
            entry::Entity::insert_many(std::mem::take(&mut batch))
                .exec(&tx)
                .await
                .unwrap();
        }
    }
    if !batch.is_empty() {
        entry::Entity::insert_many(batch).exec(&tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

enum Download {
    /// Read to the end: its size and how many entries it held.
    Whole { bytes: u64, items: u64 },
    /// Not answered 200.
    Refused(u16),
}

/// Downloads a statement, counting its bytes and entries as they arrive (nothing is kept).
async fn download(http: &reqwest::Client, url: &str, token: &str, csv: bool) -> Download {
    let mut req = http.get(url).bearer_auth(token);
    if csv {
        req = req.header("accept", "text/csv");
    }
    let mut res = req.send().await.unwrap();
    if res.status() != 200 {
        return Download::Refused(res.status().as_u16());
    }
    // An entry is a CSV line; a JSON object with `available_at`.
    let needle: &[u8] = if csv { b"\n" } else { b"\"available_at\"" };
    let mut kinds_seen = 0u64;
    let mut bytes = 0u64;
    let mut carry: Vec<u8> = Vec::new();
    let mut tail: Vec<u8> = Vec::new();
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
        carry.extend_from_slice(&chunk);
        kinds_seen += carry.windows(needle.len()).filter(|w| *w == needle).count() as u64;
        let keep = carry.len().min(needle.len() - 1);
        carry.drain(..carry.len() - keep);
        tail.extend_from_slice(&chunk);
        if tail.len() > 256 {
            tail.drain(..tail.len() - 256);
        }
    }
    let tail = String::from_utf8_lossy(&tail);
    if csv {
        assert!(tail.contains("\r\nclosing_balance,"), "{tail}");
        // Besides the entries: the header, a blank line, the summary's header, the opening
        // balance, ten totals, the closing one.
        Download::Whole {
            bytes,
            items: kinds_seen.saturating_sub(15),
        }
    } else {
        assert!(tail.ends_with("]}"), "{tail}");
        Download::Whole {
            bytes,
            items: kinds_seen,
        }
    }
}

/// Samples `VmRSS` every 5 ms, in case `VmHWM` cannot be reset.
struct Sampler {
    done: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    fn start() -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let thread = std::thread::spawn({
            let (done, peak) = (done.clone(), peak.clone());
            move || {
                while !done.load(Ordering::Relaxed) {
                    peak.fetch_max(vm("VmRSS:"), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        });
        Self { done, peak, thread }
    }

    fn stop(self) -> u64 {
        self.done.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
        self.peak.load(Ordering::Relaxed)
    }
}
