//! Upload benchmark: phone photos of 12 megapixels uploaded to a gateway on a loopback port,
//! each decoded, turned, stripped and re-encoded to three renditions in WebP and JPEG; and the
//! searches of buyers beside them, to see whether uploads take the other requests' time.
//!
//! Rounds alternate in one run on the same data: searches alone, uploads alone, and both at
//! once, twice over. For each: p50 and p99 of each kind of request, uploads per second, the
//! process's CPU seconds per upload (uploads alone) and its peak resident memory above what it
//! held at the round's start (`VmHWM`, reset through `/proc/self/clear_refs`).
//!
//! `cargo bench -p gateway --bench media --features synthetic`; settings from the environment:
//! `BENCH_PRODUCTS` (2000 synthetic products to search), `BENCH_UPLOADS` (12 a round),
//! `BENCH_UPLOADERS` (2 at once), `BENCH_SEARCHERS` (4 at once), `BENCH_MEGAPIXELS` (12),
//! `BENCH_WORKERS` (sets `media.workers`; unset: the default).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a benchmark binary"
)]

use std::{
    io::Write,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use gateway::{AppState, Config};
use image::{ImageEncoder, RgbImage};

mod common;

use common::{Server, Stats, env, open_stall, reset_peak, sign_in, vm};

const QUERIES: &[&str] = &[
    "q=nuoc%20mam",
    "q=ca%20phe",
    "q=mat%20ong",
    "q=tieu%20vinh%20linh",
    "q=gao&sort=price_asc",
    "q=tra",
];

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let products = env("BENCH_PRODUCTS", 2000);
    let uploads = env("BENCH_UPLOADS", 12) as usize;
    let uploaders = env("BENCH_UPLOADERS", 2) as usize;
    let searchers = env("BENCH_SEARCHERS", 4) as usize;
    let megapixels = env("BENCH_MEGAPIXELS", 12);

    let dir = std::env::temp_dir().join(format!("marketplace-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut toml = format!(
        "[data]\ndir = {:?}\n[demo]\nseed = false\n[log]\nfilter = \"warn\"\n[media]\nstall_max_count = 100000\nstall_max_bytes = 100000000000\n",
        dir.display().to_string()
    );
    // `BENCH_WORKERS` sets media.workers (how many photos are worked on at once).
    if let Ok(n) = std::env::var("BENCH_WORKERS") {
        toml.push_str(&format!("workers = {n}\n"));
    }
    let config = Config::with_overrides(&toml).unwrap();
    let db = gateway::serve::open_database(&config).await.unwrap();
    gateway::serve::migrate(&db).await.unwrap();
    let engine = config.search_engine().unwrap();
    let state = AppState::new(
        config.clone(),
        config.build().unwrap(),
        db.clone(),
        engine.clone(),
    );
    gateway::seed::synthetic(&state.db, &state.accounts, &state.catalog, products)
        .await
        .unwrap();
    search::indexer::reindex(&state.db, engine.as_ref(), &state.catalog, |_, _| {})
        .await
        .unwrap();

    let server = Server::start(state.clone()).await;
    let api = format!("{}/api/v1", server.origin);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let token = sign_in(&http, &api, "chu-sap-anh@bench.test", "Chủ sạp").await;
    let stall = open_stall(&http, &api, &token, "Sạp ảnh đo tải").await;

    // Distinct photos (the store keeps one copy of a photo uploaded twice): 4:3, noisy as a
    // camera's picture is, JPEG quality 92 as phones write them.
    let width = ((megapixels as f64 * 1e6 * 4.0 / 3.0).sqrt()) as u32;
    let height = width * 3 / 4;
    let rounds = 2;
    // Every upload of the run a photo of its own, the warm-up's included.
    let needed = uploads * rounds * 2 + 1;
    let made = Instant::now();
    let picture = camera_picture(width, height);
    let photos: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..needed)
            .map(|i| phone_photo(&picture, i as u32))
            .collect(),
    );
    let mean_bytes = photos.iter().map(Vec::len).sum::<usize>() / photos.len();
    eprintln!(
        "{needed} photos of {width}×{height} made in {:.1} s, {:.1} MiB each on average",
        made.elapsed().as_secs_f64(),
        mean_bytes as f64 / 1048576.0
    );

    // Warm up: connections, the search engine's caches, one upload.
    let next = Arc::new(AtomicUsize::new(0));
    searches(&http, &api, 2, Duration::from_secs(2)).await;
    upload_many(&http, &api, &token, &stall, &photos, &next, 1, 1).await;

    let mut report = vec![
        format!(
            "{products} products; photos {width}×{height} ({:.1} MiB JPEG on average); \
             {uploaders} uploaders, {searchers} searchers",
            mean_bytes as f64 / 1048576.0
        ),
        String::new(),
        "| round | uploads | upload p50 s | upload p99 s | uploads/s | CPU s per upload | searches | search p50 ms | search p99 ms | peak RSS above start MiB |".into(),
        "|---|---|---|---|---|---|---|---|---|---|".into(),
    ];
    for round in 1..=rounds {
        for kind in ["searches alone", "uploads alone", "both"] {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let start_rss = vm("VmRSS:");
            reset_peak();
            let cpu0 = cpu_seconds();
            let started = Instant::now();
            let (up, found) = match kind {
                "searches alone" => (
                    Stats::default(),
                    searches(&http, &api, searchers, Duration::from_secs(8)).await,
                ),
                "uploads alone" => (
                    upload_many(
                        &http, &api, &token, &stall, &photos, &next, uploads, uploaders,
                    )
                    .await,
                    Stats::default(),
                ),
                _ => {
                    let stop = Arc::new(AtomicBool::new(false));
                    let s = {
                        let (http, api, stop) = (http.clone(), api.clone(), stop.clone());
                        tokio::spawn(
                            async move { searches_until(&http, &api, searchers, &stop).await },
                        )
                    };
                    let up = upload_many(
                        &http, &api, &token, &stall, &photos, &next, uploads, uploaders,
                    )
                    .await;
                    stop.store(true, Ordering::Relaxed);
                    (up, s.await.unwrap())
                }
            };
            let wall = started.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu0;
            let peak = vm("VmHWM:").saturating_sub(start_rss) as f64 / 1024.0;
            let cell = |s: &Stats, p: f64, scale: f64| {
                if s.latencies.is_empty() {
                    "–".to_owned()
                } else {
                    format!("{:.2}", s.pct(p) / scale)
                }
            };
            report.push(format!(
                "| {round}: {kind} | {} | {} | {} | {} | {} | {} | {} | {} | {peak:.0} |",
                up.latencies.len(),
                cell(&up, 0.5, 1000.0),
                cell(&up, 0.99, 1000.0),
                if up.latencies.is_empty() {
                    "–".into()
                } else {
                    format!("{:.2}", up.latencies.len() as f64 / wall)
                },
                if kind == "uploads alone" {
                    format!("{:.2}", cpu / up.latencies.len() as f64)
                } else {
                    "–".into()
                },
                found.latencies.len(),
                cell(&found, 0.5, 1.0),
                cell(&found, 0.99, 1.0),
            ));
            eprintln!("{}", report.last().unwrap());
        }
    }
    println!("{}", report.join("\n"));
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A camera-like picture: smooth light across the frame with grain on it, so the JPEG weighs
/// what a phone's does (a plain gradient compresses to a tenth of it).
fn camera_picture(width: u32, height: u32) -> RgbImage {
    let mut state = 0x9E37_79B9u32;
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state & 0x1F) as i32 - 16;
        let base = |v: u32, m: u32| (v * 255 / m.max(1)) as i32;
        let px = |v: i32| (v + grain).clamp(0, 255) as u8;
        image::Rgb([
            px(base(x, width)),
            px(base(y, height)),
            px(base(x + y, width + height)),
        ])
    })
}

/// `picture` with `seed` drawn in its corner as black and white squares, one a bit (so each
/// photo is another content after JPEG's rounding too), as a phone writes it: quality 92.
fn phone_photo(picture: &RgbImage, seed: u32) -> Vec<u8> {
    let mut img = picture.clone();
    for bit in 0..16 {
        let v = if seed >> bit & 1 == 1 { 255 } else { 0 };
        for x in 0..32 {
            for y in 0..32 {
                img.put_pixel(bit * 32 + x, y, image::Rgb([v, v, v]));
            }
        }
    }
    let (width, height) = img.dimensions();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// `count` uploads of the next photos, `at_once` at a time; each must be answered 201.
#[allow(clippy::too_many_arguments, reason = "a benchmark's one call site")]
async fn upload_many(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    stall: &str,
    photos: &Arc<Vec<Vec<u8>>>,
    next: &Arc<AtomicUsize>,
    count: usize,
    at_once: usize,
) -> Stats {
    let started = Instant::now();
    let left = Arc::new(AtomicUsize::new(count));
    let mut tasks = Vec::new();
    for _ in 0..at_once {
        let (http, url, token, stall) = (
            http.clone(),
            format!("{api}/media"),
            token.to_owned(),
            stall.to_owned(),
        );
        let (photos, next, left) = (photos.clone(), next.clone(), left.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let photo = &photos[next.fetch_add(1, Ordering::Relaxed) % photos.len()];
                let (body, boundary) = multipart(&stall, photo);
                let t = Instant::now();
                let res = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                let text = res.text().await.unwrap();
                assert_eq!(status, 201, "{text}");
                took.push(t.elapsed());
            }
            took
        }));
    }
    let mut stats = Stats::default();
    for t in tasks {
        stats.latencies.extend(t.await.unwrap());
    }
    stats.wall = started.elapsed();
    stats
}

/// A `multipart/form-data` body with `stall_id` and the photo as `file`.
fn multipart(stall: &str, photo: &[u8]) -> (Vec<u8>, &'static str) {
    let boundary = "----bench-boundary-7d3c9a";
    let mut body = Vec::with_capacity(photo.len() + 512);
    write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"stall_id\"\r\n\r\n{stall}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"IMG_0001.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .unwrap();
    body.extend_from_slice(photo);
    write!(body, "\r\n--{boundary}--\r\n").unwrap();
    (body, boundary)
}

/// Searches by `clients` at once for `length`.
async fn searches(http: &reqwest::Client, api: &str, clients: usize, length: Duration) -> Stats {
    let stop = Arc::new(AtomicBool::new(false));
    let s = {
        let (http, api, stop) = (http.clone(), api.to_owned(), stop.clone());
        tokio::spawn(async move { searches_until(&http, &api, clients, &stop).await })
    };
    tokio::time::sleep(length).await;
    stop.store(true, Ordering::Relaxed);
    s.await.unwrap()
}

/// Searches by `clients` at once until `stop`; each must be answered 200.
async fn searches_until(
    http: &reqwest::Client,
    api: &str,
    clients: usize,
    stop: &Arc<AtomicBool>,
) -> Stats {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, api, stop) = (http.clone(), api.to_owned(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let url = format!("{api}/search/products?{}", QUERIES[i % QUERIES.len()]);
                let t = Instant::now();
                let res = http.get(url).send().await.unwrap();
                assert_eq!(res.status(), 200);
                res.bytes().await.unwrap();
                took.push(t.elapsed());
                i += clients;
            }
            took
        }));
    }
    let mut stats = Stats::default();
    for t in tasks {
        stats.latencies.extend(t.await.unwrap());
    }
    stats.wall = started.elapsed();
    stats
}

/// The process's user and system CPU time, in seconds (`/proc/self/stat`, 100 ticks a second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The fields after the command's name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}
