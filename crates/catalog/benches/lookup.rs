//! The address lookup over the national map (3 321 communes), in-process: what an address form
//! calls on each keystroke. Prints p50, p99 and the worst time of `Nation::lookup` over queries
//! typed a letter at a time, with and without diacritics.
//!
//! `cargo bench -p catalog --bench lookup` (`BENCH_ROUNDS=200` by default).

use std::time::{Duration, Instant};

use catalog::nation::Nation;

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let nation = Nation::builtin();
    let words = [
        "hoan kiem",
        "Hoàn Kiếm",
        "phuong ben thanh",
        "xa cua tung",
        "khe sanh",
        "dac khu phu quoc",
        "thu duc",
        "Đồng Hới",
        "ngu hanh son",
        "zzz khong co",
    ];
    // Every prefix a buyer types on the way.
    let queries: Vec<String> = words
        .iter()
        .flat_map(|w| (1..=w.chars().count()).map(|n| w.chars().take(n).collect::<String>()))
        .collect();
    let mut times: Vec<Duration> = Vec::with_capacity(rounds * queries.len());
    let mut found = 0usize;
    for _ in 0..rounds {
        for q in &queries {
            let started = Instant::now();
            found += std::hint::black_box(nation.lookup(q, 20)).len();
            times.push(started.elapsed());
        }
    }
    times.sort_unstable();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "lookup over {} communes: {} calls, p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs ({} hits)",
        nation
            .provinces()
            .iter()
            .map(|p| nation.communes_of(&p.code).map_or(0, |c| c.len()))
            .sum::<usize>(),
        times.len(),
        at(0.50).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        times[times.len() - 1].as_secs_f64() * 1e6,
        found
    );
}
