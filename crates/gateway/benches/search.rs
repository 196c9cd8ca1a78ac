//! Search benchmark: synthetic products, reindex time, search latency and throughput through
//! the gateway for each engine (and straight to Meilisearch, for the gateway's overhead), and
//! how soon a change becomes searchable.
//!
//! `cargo bench -p gateway --bench search`; settings from the environment:
//! `BENCH_PRODUCTS` (100000), `BENCH_REQUESTS` (2000), `BENCH_CONCURRENCY` (8),
//! `BENCH_FRESHNESS` (50), `MEILI_URL` / `MEILI_MASTER_KEY` to include Meilisearch, and
//! `BENCH_ENGINES` (`embedded,meilisearch`) to run fewer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary"
)]

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use gateway::{AppState, Config};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
// The fields a hit shows, as the gateway asks Meilisearch for them: the direct side asks for
// the same, so both make Meilisearch do the same work.
use search::meili::{PRODUCT_HIT as PRODUCT_FIELDS, STALL_HIT as STALL_FIELDS};

mod common;

use common::{Server, Stats, env};

/// The query mix: what buyers type and how they narrow.
const QUERIES: &[&str] = &[
    "q=nuoc%20mam",
    "q=ca%20phe%20khe%20san",
    "q=mat%20ong",
    "q=tieu%20vinh%20linh",
    "q=dau%20tram",
    "q=gao&sort=price_asc",
    "q=tra&ocop_stars=4",
    "q=ca%20ph",
    "category=thuc-pham&sort=newest",
    "commune=19429&price_min=50000&price_max=200000",
    "q=banh%20it&category=banh-keo-mut",
    "sort=bestselling",
];

/// The same searches as Meilisearch's own JSON, for the direct comparison.
fn meili_body(i: usize, today: i64) -> serde_json::Value {
    use serde_json::json;
    let facets = ["category_slug", "commune_code", "ocop_stars"];
    let base = |q: &str| {
        json!({"q": q, "page": 1, "hitsPerPage": 20, "matchingStrategy": "all", "facets": facets,
            "attributesToRetrieve": PRODUCT_FIELDS})
    };
    let mut b = match i % QUERIES.len() {
        0 => base("nuoc mam"),
        1 => base("ca phe khe san"),
        2 => base("mat ong"),
        3 => base("tieu vinh linh"),
        4 => base("dau tram"),
        5 => {
            let mut b = base("gao");
            b["sort"] = json!(["price:asc"]);
            b
        }
        6 => {
            let mut b = base("tra");
            b["filter"] = json!(format!("ocop_stars >= 4 AND ocop_valid_until >= {today}"));
            b
        }
        7 => base("ca ph"),
        8 => {
            let mut b = base("");
            b["filter"] = json!("category_path = \"thuc-pham\"");
            b["sort"] = json!(["created_at:desc"]);
            b
        }
        9 => {
            let mut b = base("");
            b["filter"] = json!("commune_code = \"19429\" AND price >= 50000 AND price <= 200000");
            b
        }
        10 => {
            let mut b = base("banh it");
            b["filter"] = json!("category_path = \"banh-keo-mut\"");
            b
        }
        _ => {
            let mut b = base("");
            b["sort"] = json!(["sales_count:desc"]);
            b
        }
    };
    if b.get("sort").is_none() && b["q"] == "" {
        b["sort"] = json!(["created_at:desc"]);
    }
    b
}

/// Partial queries as a buyer types them, for suggestions.
const PARTIAL: &[&str] = &[
    "nuoc m",
    "ca ph",
    "mat o",
    "tieu vinh l",
    "khe s",
    "banh i",
    "tra h",
    "gao l",
    "dau tr",
    "nuocma",
    "ca phe khe",
    "mut g",
];

/// Meilisearch's own answer to a suggestion: the products and stalls a suggestion shows, in
/// one multi-search (the gateway adds categories from its database).
fn meili_suggest_body(i: usize, products: &str, stalls: &str) -> serde_json::Value {
    let q = PARTIAL[i % PARTIAL.len()];
    serde_json::json!({"queries": [
        {"indexUid": products, "q": q, "limit": 5, "matchingStrategy": "all",
         "attributesToRetrieve": PRODUCT_FIELDS},
        {"indexUid": stalls, "q": q, "limit": 3, "matchingStrategy": "all",
         "attributesToRetrieve": STALL_FIELDS},
    ]})
}

/// One client alternating two kinds of request on the same index `i` (`a(i)` and `b(i)`, which
/// goes first alternating too, so neither always meets the caches the other warmed), so both
/// meet the same machine state: the fair way to compare them on two cores.
async fn interleaved<A, B>(n: usize, a: A, b: B) -> (Stats, Stats)
where
    A: Fn(usize) -> reqwest::RequestBuilder,
    B: Fn(usize) -> reqwest::RequestBuilder,
{
    let (mut sa, mut sb) = (Stats::default(), Stats::default());
    let started = Instant::now();
    for i in 0..n {
        let mut pair = [
            (&a as &dyn Fn(usize) -> reqwest::RequestBuilder, &mut sa),
            (&b, &mut sb),
        ];
        if i % 2 == 1 {
            pair.reverse();
        }
        for (make, stats) in pair {
            let t = Instant::now();
            let res = make(i).send().await.expect("request sent");
            assert!(res.status().is_success(), "{}", res.status());
            let _ = res.bytes().await.expect("body read");
            stats.latencies.push(t.elapsed());
        }
    }
    sa.wall = started.elapsed() / 2;
    sb.wall = sa.wall;
    (sa, sb)
}

/// Per query of an interleaved run (request `i` asked `queries[i % len]`): the gateway's
/// median over Meilisearch's, and Meilisearch's median in ms.
fn by_query(gateway: &Stats, own: &Stats, queries: &[&str]) -> String {
    let of = |s: &Stats, k: usize| Stats {
        latencies: s
            .latencies
            .iter()
            .skip(k)
            .step_by(queries.len())
            .copied()
            .collect(),
        wall: s.wall,
    };
    (0..queries.len())
        .map(|k| {
            let (g, o) = (of(gateway, k), of(own, k));
            format!(
                "`{}` {:.2} ({:.2} ms)",
                queries[k],
                g.pct(0.5) / o.pct(0.5),
                o.pct(0.5)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sends `n` requests from `clients` concurrent clients; `make(i)` builds request `i`.
async fn load<F>(n: usize, clients: usize, make: F) -> Stats
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = c;
            while i < n {
                let t = Instant::now();
                let res = make(i).send().await.expect("request sent");
                assert!(res.status().is_success(), "{}", res.status());
                let _ = res.bytes().await.expect("body read");
                lat.push(t.elapsed());
                i += clients;
            }
            lat
        }));
    }
    let mut stats = Stats::default();
    for t in tasks {
        stats.latencies.extend(t.await.unwrap());
    }
    stats.wall = started.elapsed();
    stats
}

fn row(label: &str, s: &Stats) -> String {
    format!(
        "| {label} | {} | {:.2} | {:.2} | {:.0} |",
        s.latencies.len(),
        s.pct(0.50),
        s.pct(0.99),
        s.throughput()
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let products = env("BENCH_PRODUCTS", 100_000);
    let requests = env("BENCH_REQUESTS", 2000) as usize;
    let clients = env("BENCH_CONCURRENCY", 8) as usize;
    let fresh_n = env("BENCH_FRESHNESS", 50) as usize;
    let dir = std::env::temp_dir().join(format!("marketplace-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let base_toml = format!(
        "[data]\ndir = {:?}\n[demo]\nseed = false\n[log]\nfilter = \"warn\"\n",
        dir.display().to_string()
    );
    let config = Config::with_overrides(&base_toml).unwrap();
    let db = gateway::serve::open_database(&config).await.unwrap();
    gateway::serve::migrate(&db).await.unwrap();

    let seed_started = Instant::now();
    let state = AppState::new(
        config.clone(),
        config.build().unwrap(),
        db.clone(),
        config.search_engine().unwrap(),
    );
    gateway::seed::synthetic(&state.db, &state.accounts, &state.catalog, products)
        .await
        .unwrap();
    println!(
        "seeded {products} products in {:.1} s",
        seed_started.elapsed().as_secs_f64()
    );
    // The bulk seed queued every product; the first reindex below covers those rows and
    // removes them.

    // `BENCH_ENGINES=meilisearch` (or `embedded`) runs one engine only.
    let only = std::env::var("BENCH_ENGINES").ok();
    let wanted = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|e| e == name))
    };
    let mut engines = Vec::new();
    if wanted("embedded") {
        engines.push(("embedded", base_toml.clone()));
    }
    if let Ok(url) = std::env::var("MEILI_URL")
        && wanted("meilisearch")
    {
        let prefix = format!("bench{}_", uuid::Uuid::now_v7().simple());
        engines.push((
            "meilisearch",
            format!("{base_toml}[search]\nmeili_url = {url:?}\nindex_prefix = {prefix:?}\n"),
        ));
    }
    let mut report = vec![
        format!(
            "products: {products}, requests per run: {requests}, concurrent clients: {clients}"
        ),
        String::new(),
        "| run | requests | p50 ms | p99 ms | req/s |".into(),
        "|---|---|---|---|---|".into(),
    ];
    let mut notes = Vec::new();
    for (name, toml) in engines {
        // SAFETY of the environment: the Meilisearch key comes from the environment as in
        // production; Config::with_overrides reads files only, so pass it through figment.
        let mut config = Config::with_overrides(&toml).unwrap();
        config.search.meili_key = std::env::var("MEILI_MASTER_KEY").ok();
        let engine = config.search_engine().unwrap();
        let state = AppState::new(
            config.clone(),
            config.build().unwrap(),
            db.clone(),
            engine.clone(),
        );
        let t = Instant::now();
        let n = search::indexer::reindex(&state.db, engine.as_ref(), &state.catalog, |_, _| {})
            .await
            .unwrap()
            .products;
        let reindex = t.elapsed();
        notes.push(format!(
            "{name}: full reindex of {n} products in {:.1} s",
            reindex.as_secs_f64()
        ));

        let server = Server::start(state.clone()).await;
        let base = server.origin.clone();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap();
        let url = {
            let base = base.clone();
            move |i: usize| {
                format!(
                    "{base}/api/v1/search/products?{}",
                    QUERIES[i % QUERIES.len()]
                )
            }
        };
        // Warm up caches and connections.
        let (h, u) = (http.clone(), url.clone());
        load(200, 4, move |i| h.get(u(i))).await;
        let (h, u) = (http.clone(), url.clone());
        let one = load(requests, 1, move |i| h.get(u(i))).await;
        report.push(row(&format!("{name} via gateway, 1 client"), &one));
        let (h, u) = (http.clone(), url.clone());
        let many = load(requests, clients, move |i| h.get(u(i))).await;
        report.push(row(
            &format!("{name} via gateway, {clients} clients"),
            &many,
        ));

        // The same searches through the search service in-process (parameter checks, the
        // engine's client, the mapping of hits): what the gateway adds beyond that is HTTP.
        let inproc = {
            let started = Instant::now();
            let mut latencies = Vec::with_capacity(requests);
            for i in 0..requests {
                let params: search::service::ProductSearch =
                    serde_urlencoded::from_str(QUERIES[i % QUERIES.len()]).unwrap();
                let t = Instant::now();
                state
                    .search
                    .products(&state.db, &state.catalog, params, search::service::Lang::Vi)
                    .await
                    .unwrap();
                latencies.push(t.elapsed());
            }
            Stats {
                latencies,
                wall: started.elapsed(),
            }
        };
        report.push(row(
            &format!("{name} via the service in-process, 1 client"),
            &inproc,
        ));

        // Suggestions as the buyer types.
        let suggest = {
            let base = base.clone();
            move |i: usize| {
                let q: String = form_urlencoded_q(PARTIAL[i % PARTIAL.len()]);
                format!("{base}/api/v1/search/suggest?q={q}")
            }
        };
        let (h, u) = (http.clone(), suggest.clone());
        load(200, 1, move |i| h.get(u(i))).await;
        let (h, u) = (http.clone(), suggest.clone());
        let s1 = load(requests, 1, move |i| h.get(u(i))).await;
        report.push(row(&format!("{name} suggest via gateway, 1 client"), &s1));

        if name == "meilisearch" {
            let meili = std::env::var("MEILI_URL").unwrap();
            let key = std::env::var("MEILI_MASTER_KEY").unwrap_or_default();
            let index = format!("{}products", config.search.index_prefix);
            let today = search::document::day_number(catalog::Catalog::today());
            let direct = move |h: reqwest::Client| {
                let endpoint = format!("{meili}/indexes/{index}/search");
                let key = key.clone();
                move |i: usize| {
                    h.post(&endpoint)
                        .bearer_auth(&key)
                        .json(&meili_body(i, today))
                }
            };
            let d1 = load(requests, 1, direct(http.clone())).await;
            report.push(row("meilisearch direct, 1 client", &d1));
            let dn = load(requests, clients, direct(http.clone())).await;
            report.push(row(&format!("meilisearch direct, {clients} clients"), &dn));
            notes.push(format!(
                "gateway overhead over direct Meilisearch, 1 client: p50 {:+.1}%, p99 {:+.1}%; {clients} clients: p50 {:+.1}%, p99 {:+.1}%, throughput {:+.1}%",
                (one.pct(0.5) / d1.pct(0.5) - 1.0) * 100.0,
                (one.pct(0.99) / d1.pct(0.99) - 1.0) * 100.0,
                (many.pct(0.5) / dn.pct(0.5) - 1.0) * 100.0,
                (many.pct(0.99) / dn.pct(0.99) - 1.0) * 100.0,
                (many.throughput() / dn.throughput() - 1.0) * 100.0
            ));
            notes.push(format!(
                "service in-process over direct Meilisearch, 1 client: p50 {:+.1}%, p99 {:+.1}%",
                (inproc.pct(0.5) / d1.pct(0.5) - 1.0) * 100.0,
                (inproc.pct(0.99) / d1.pct(0.99) - 1.0) * 100.0
            ));
            // Interleaved, one client: each search through the gateway, then the same straight
            // to Meilisearch, request by request.
            let (h, u) = (http.clone(), url.clone());
            let (gw, own) = interleaved(requests, move |i| h.get(u(i)), direct(http.clone())).await;
            report.push(row("meilisearch via gateway, interleaved", &gw));
            report.push(row("meilisearch direct, interleaved", &own));
            notes.push(format!(
                "interleaved, one client: gateway median / Meilisearch median = {:.3} (p99 {:.3}); by query: {}",
                gw.pct(0.5) / own.pct(0.5),
                gw.pct(0.99) / own.pct(0.99),
                by_query(&gw, &own, QUERIES)
            ));
            // The search service in-process against Meilisearch's own answer, interleaved the
            // same way: what the service costs without the HTTP hop into the gateway.
            let (mut sv, mut dv) = (Stats::default(), Stats::default());
            let started = Instant::now();
            let direct_one = direct(http.clone());
            for i in 0..requests {
                let params: search::service::ProductSearch =
                    serde_urlencoded::from_str(QUERIES[i % QUERIES.len()]).unwrap();
                for first in [i % 2 == 0, i % 2 == 1] {
                    let t = Instant::now();
                    if first {
                        state
                            .search
                            .products(
                                &state.db,
                                &state.catalog,
                                params.clone(),
                                search::service::Lang::Vi,
                            )
                            .await
                            .unwrap();
                        sv.latencies.push(t.elapsed());
                    } else {
                        let res = direct_one(i).send().await.unwrap();
                        let _ = res.bytes().await.unwrap();
                        dv.latencies.push(t.elapsed());
                    }
                }
            }
            sv.wall = started.elapsed() / 2;
            dv.wall = sv.wall;
            report.push(row(
                "meilisearch via the service in-process, interleaved",
                &sv,
            ));
            report.push(row("meilisearch direct, interleaved with the service", &dv));
            notes.push(format!(
                "interleaved, one client: service in-process median / Meilisearch median = {:.3} (p99 {:.3}); by query: {}",
                sv.pct(0.5) / dv.pct(0.5),
                sv.pct(0.99) / dv.pct(0.99),
                by_query(&sv, &dv, QUERIES)
            ));
            let (products, stalls) = (
                format!("{}products", config.search.index_prefix),
                format!("{}stalls", config.search.index_prefix),
            );
            let (meili, key) = (
                std::env::var("MEILI_URL").unwrap(),
                std::env::var("MEILI_MASTER_KEY").unwrap_or_default(),
            );
            let own_suggest = {
                let h = http.clone();
                move |i: usize| {
                    h.post(format!("{meili}/multi-search"))
                        .bearer_auth(&key)
                        .json(&meili_suggest_body(i, &products, &stalls))
                }
            };
            let (h, u) = (http.clone(), suggest.clone());
            let (gs, os) = interleaved(requests, move |i| h.get(u(i)), own_suggest).await;
            report.push(row("meilisearch suggest via gateway, interleaved", &gs));
            report.push(row("meilisearch multi-search direct, interleaved", &os));
            notes.push(format!(
                "suggest, interleaved, one client: gateway median / Meilisearch median = {:.3} (p99 {:.3}); by query: {}",
                gs.pct(0.5) / os.pct(0.5),
                gs.pct(0.99) / os.pct(0.99),
                by_query(&gs, &os, PARTIAL)
            ));
        }

        // Freshness: commit a rename, then poll search until the new name is found.
        let mut fresh = Vec::new();
        let sample: Vec<catalog::entity::product::Model> = catalog::entity::product::Entity::find()
            .filter(catalog::entity::product::Column::Slug.starts_with("synthetic-00001"))
            .all(&db)
            .await
            .unwrap();
        for (k, p) in sample.iter().take(fresh_n).enumerate() {
            // Short enough to stay one token (the tokenizer drops words over 40 bytes).
            let token = format!(
                "moi{k}x{}",
                &uuid::Uuid::now_v7().simple().to_string()[24..]
            );
            {
                use sea_orm::{ActiveModelTrait, IntoActiveModel, Set, TransactionTrait};
                let txn = db.begin().await.unwrap();
                let mut am = p.clone().into_active_model();
                am.name = Set(format!("{} {token}", p.name));
                am.update(&txn).await.unwrap();
                catalog::outbox::enqueue(&txn, catalog::outbox::Entity::Product, p.id)
                    .await
                    .unwrap();
                txn.commit().await.unwrap();
            }
            let committed = Instant::now();
            loop {
                let res: serde_json::Value = http
                    .get(format!("{base}/api/v1/search/products?q={token}"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if res["total"].as_u64() == Some(1) {
                    break;
                }
                assert!(
                    committed.elapsed() < Duration::from_secs(30),
                    "change never became searchable"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            fresh.push(committed.elapsed());
        }
        let fresh = Stats {
            latencies: fresh,
            wall: Duration::from_secs(1),
        };
        notes.push(format!(
            "{name}: a committed change is searchable after p50 {:.0} ms, p99 {:.0} ms ({} changes)",
            fresh.pct(0.5),
            fresh.pct(0.99),
            fresh.latencies.len()
        ));
        server.stop().await;
    }
    println!("\n{}\n", report.join("\n"));
    for n in notes {
        println!("- {n}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `text` for a query string (spaces as `%20`).
fn form_urlencoded_q(text: &str) -> String {
    text.replace(' ', "%20")
}
