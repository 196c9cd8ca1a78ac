//! The random runs' numbers: the same run every time, another with `LEDGER_SEED`.

/// A small linear congruential generator: the same run every time, varied enough.
pub struct Lcg(u64);

impl Lcg {
    /// Seeded from `LEDGER_SEED`, or the usual seed.
    pub fn seeded() -> Self {
        let seed = std::env::var("LEDGER_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_261_205);
        Self(seed)
    }

    /// A number from 0 to `n` - 1.
    pub fn next(&mut self, n: i64) -> i64 {
        let n = u64::try_from(n).unwrap();
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        i64::try_from((self.0 >> 33) % n).unwrap()
    }
}
