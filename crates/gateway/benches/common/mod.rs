//! What the benchmark binaries share: settings from the environment and latency statistics.
#![allow(dead_code, reason = "each benchmark uses part of it")]

use std::time::Duration;

/// The setting `name` from the environment, or `default`.
pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The latencies of one run and its wall time.
#[derive(Default)]
pub struct Stats {
    pub latencies: Vec<Duration>,
    pub wall: Duration,
}

impl Stats {
    /// The `p` quantile (0.5, 0.99) in milliseconds, nearest rank.
    pub fn pct(&self, p: f64) -> f64 {
        let mut v = self.latencies.clone();
        v.sort();
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        v[i].as_secs_f64() * 1000.0
    }

    /// Requests per second over the wall time.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}
