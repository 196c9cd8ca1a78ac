//! Checkout benchmark on PostgreSQL: buyers check out two-stall carts over HTTP at once, and we
//! count orders per second and the checkout's latency percentiles. Two mixes: carts spread over
//! many products, and every buyer after the same four (the hot products of a sale day, where
//! the conditional stock updates queue on the same rows).
//!
//! `cargo bench -p gateway --bench checkout`; settings from the environment:
//! `TEST_POSTGRES_URL` (postgres://postgres@127.0.0.1:5432/marketplace_test: a fresh schema
//! is made there), `BENCH_PRODUCTS` (2000), `BENCH_CHECKOUTS` (600 per run),
//! `BENCH_CONCURRENCY` (1,8,32), `BENCH_POOL` (database connections, 20).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary"
)]

use std::{sync::Arc, time::Instant};

use gateway::{AppState, Config};
use sea_orm::ConnectionTrait;
use serde_json::json;

mod common;

use common::{Server, Stats, env, sign_in};

/// A tiny deterministic generator, so every run buys the same carts.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if std::env::var(testkit::POSTGRES_URL_VAR).is_err() {
        rerun_with_default_database();
    }
    let products_n = env("BENCH_PRODUCTS", 2000);
    let checkouts = env("BENCH_CHECKOUTS", 600) as usize;
    let pool = env("BENCH_POOL", 20);
    let levels: Vec<usize> = std::env::var("BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "1,8,32".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();

    let test_db = testkit::TestDb::new(testkit::Backend::Postgres).await;
    let dir = std::env::temp_dir().join(format!("marketplace-bench-{}", uuid::Uuid::now_v7()));
    let mut config = Config::with_overrides(&format!(
        "[data]\ndir = {:?}\n[demo]\nseed = false\n[log]\nfilter = \"warn\"\n[search]\nworker = false\n[payments]\nworker = false\n[rate_limit]\nlogin_per_ip_per_minute = 100000\nlogin_per_email_per_minute = 100000\nregister_per_ip_per_minute = 100000\n",
        dir.display().to_string()
    ))
    .unwrap();
    config.database.url = Some(test_db.url.clone());
    config.database.max_connections = u32::try_from(pool).unwrap();
    // The benchmark's own schema, with a pool of the size asked for.
    let mut opts = migrations::connect_options(&test_db.url, config.database.max_connections);
    opts.set_schema_search_path(test_db.schema.clone().unwrap());
    let db = sea_orm::Database::connect(opts).await.unwrap();
    let state = AppState::new(
        config.clone(),
        config.build().unwrap(),
        db.clone(),
        config.search_engine().unwrap(),
    );
    gateway::seed::synthetic(&state.db, &state.accounts, &state.catalog, products_n)
        .await
        .unwrap();
    // Enough stock that no checkout runs short: this measures throughput, not refusals.
    db.execute_unprepared("UPDATE products SET stock = 1000000")
        .await
        .unwrap();
    // (product id, stall id) of every product on sale.
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT p.id::text, p.stall_id::text FROM products p JOIN stalls s ON s.id = p.stall_id WHERE s.status = 'approved' AND p.status = 'active' ORDER BY p.id",
        ))
        .await
        .unwrap();
    let catalogue: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<String>(1).unwrap(),
            )
        })
        .collect();
    assert!(catalogue.len() >= 4, "the synthetic catalogue is empty");

    let server = Server::start(state.clone()).await;
    let base = format!("{}/api/v1", server.origin);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .unwrap();

    let max_clients = levels.iter().copied().max().unwrap_or(1);
    let mut buyers = Vec::new();
    for i in 0..max_clients {
        let email = format!("buyer{i}@bench.test");
        buyers.push(sign_in(&http, &base, &email, "Người mua").await);
    }

    // Two products of different stalls for a cart: from all products, or from the hot four.
    let hot: Vec<(String, String)> = {
        let mut by_stall: std::collections::BTreeMap<&str, Vec<&(String, String)>> =
            Default::default();
        for p in &catalogue {
            by_stall.entry(p.1.as_str()).or_default().push(p);
        }
        by_stall
            .values()
            .filter(|ps| ps.len() >= 2)
            .take(2)
            .flat_map(|ps| ps[..2].iter().map(|p| (*p).clone()))
            .collect()
    };
    assert_eq!(hot.len(), 4, "need two stalls with two products each");
    let catalogue = Arc::new(catalogue);
    let hot = Arc::new(hot);
    let body = json!({
        "shipping": {"recipient": "Người mua", "phone": "0905123456", "commune_code": "19333", "street": "5 Hùng Vương"},
        "payment_method": "cod"
    });

    let mut report = vec![
        format!(
            "PostgreSQL, {} products on sale, {checkouts} checkouts per run, pool {pool}, two-stall carts (2 products, 1–3 units each)",
            catalogue.len()
        ),
        String::new(),
        "| mix | clients | checkouts | orders/s | checkout p50 ms | p99 ms |".into(),
        "|---|---|---|---|---|---|".into(),
    ];
    let mut run = 0u64;
    for mix in ["spread", "hot 4 products"] {
        for &clients in &levels {
            run += 1;
            let mut tasks = Vec::new();
            let started = Instant::now();
            for (c, token) in buyers.iter().take(clients).cloned().enumerate() {
                let (http, base, body) = (http.clone(), base.clone(), body.clone());
                let pool = if mix == "spread" {
                    catalogue.clone()
                } else {
                    hot.clone()
                };
                tasks.push(tokio::spawn(async move {
                    let mut rng = Lcg(run * 1000 + c as u64);
                    let mut lat = Vec::new();
                    let mut orders = 0usize;
                    let mut i = c;
                    while i < checkouts {
                        let a = &pool[rng.next(pool.len())];
                        let b = loop {
                            let b = &pool[rng.next(pool.len())];
                            if b.1 != a.1 {
                                break b;
                            }
                        };
                        for p in [a, b] {
                            let res = http
                                .put(format!("{base}/cart/items/{}", p.0))
                                .bearer_auth(&token)
                                .json(&json!({"quantity": 1 + rng.next(3)}))
                                .send()
                                .await
                                .unwrap();
                            assert!(res.status().is_success(), "{}", res.status());
                        }
                        let t = Instant::now();
                        let res = http
                            .post(format!("{base}/checkout"))
                            .bearer_auth(&token)
                            .header("idempotency-key", format!("bench-{run}-{c}-{i}"))
                            .json(&body)
                            .send()
                            .await
                            .unwrap();
                        let status = res.status();
                        let out: serde_json::Value = res.json().await.unwrap();
                        assert_eq!(status.as_u16(), 201, "{out}");
                        lat.push(t.elapsed());
                        orders += out["orders"].as_array().map_or(0, Vec::len);
                        i += clients;
                    }
                    (lat, orders)
                }));
            }
            let mut lat = Vec::new();
            let mut orders = 0;
            for t in tasks {
                let (l, o) = t.await.unwrap();
                lat.extend(l);
                orders += o;
            }
            // Wall time includes filling the carts; the rate counts only orders made.
            let stats = Stats {
                latencies: lat,
                wall: started.elapsed(),
            };
            report.push(format!(
                "| {mix} | {clients} | {} | {:.0} | {:.1} | {:.1} |",
                stats.latencies.len(),
                orders as f64 / stats.wall.as_secs_f64(),
                stats.pct(0.50),
                stats.pct(0.99)
            ));
            eprintln!("{}", report.last().unwrap());
        }
    }
    // Never oversold, never lost: stock taken equals units ordered.
    let check = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT (SELECT COALESCE(SUM(1000000 - stock), 0) FROM products)::bigint, (SELECT COALESCE(SUM(quantity), 0) FROM order_items)::bigint",
        ))
        .await
        .unwrap()
        .unwrap();
    let taken: i64 = check.try_get_by_index(0).unwrap();
    let ordered: i64 = check.try_get_by_index(1).unwrap();
    assert_eq!(taken, ordered, "stock taken must equal units ordered");
    report.push(String::new());
    report.push(format!(
        "stock taken = units ordered = {ordered} (checked after the runs)"
    ));
    server.stop().await;
    println!("{}", report.join("\n"));
}

/// Points the benchmark at the local PostgreSQL CI uses when nothing else is set.
fn rerun_with_default_database() {
    eprintln!(
        "{} is not set; using postgres://postgres@127.0.0.1:5432/marketplace_test",
        testkit::POSTGRES_URL_VAR
    );
    // Edition 2024 makes set_var unsafe and the workspace forbids unsafe code, so the default
    // is passed by re-running ourselves with the variable set.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(std::env::args().skip(1))
        .env(
            testkit::POSTGRES_URL_VAR,
            "postgres://postgres@127.0.0.1:5432/marketplace_test",
        )
        .status()
        .unwrap();
    std::process::exit(status.code().unwrap_or(1));
}
