//! Token-bucket rate limits kept in this process's memory, keyed by client address or email.
//!
//! Each key has a bucket of `per_minute` tokens refilled evenly over a minute; an attempt takes
//! one. With several gateway instances each keeps its own buckets, so the effective limit is
//! multiplied by the instance count: acceptable against password guessing at argon2's cost, and
//! simple to replace with a shared store later.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Keys are dropped once idle this long (their bucket is full again by then).
const IDLE: Duration = Duration::from_secs(120);
/// Above this many keys, idle ones are swept on the next attempt.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// One named limit.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` attempts per key per minute, in bursts of as many.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `key`; when none is left, the whole seconds until one is.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now(), true)
    }

    /// Whether an attempt for `key` would be allowed now, without taking it (for limits that
    /// count only failures: look first, take when the attempt failed).
    pub fn peek(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now(), false)
    }

    fn check_at(&self, key: &str, now: Instant, take: bool) -> Result<(), u64> {
        let rate_per_sec = self.per_minute / 60.0;
        // A poisoned lock only means another thread panicked mid-update of plain numbers.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| now.saturating_duration_since(b.at) < IDLE);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.per_minute,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate_per_sec).min(self.per_minute);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            if take {
                bucket.tokens -= 1.0;
            }
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate_per_sec;
            // Whole seconds, at least one, as Retry-After wants.
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The limits the gateway applies.
#[derive(Debug)]
pub struct Limits {
    /// Logins per client address.
    pub login_ip: RateLimiter,
    /// Failed logins per email and client address together: guessing from one address is
    /// stopped, while the account's owner, elsewhere, still signs in.
    pub login_failures: RateLimiter,
    /// Registrations per client address.
    pub register_ip: RateLimiter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refills_evenly() {
        let l = RateLimiter::new(6); // one token every 10 s
        let t0 = Instant::now();
        for _ in 0..6 {
            assert_eq!(l.check_at("a", t0, true), Ok(()));
        }
        assert_eq!(l.check_at("a", t0, true), Err(10));
        // Other keys are unaffected.
        assert_eq!(l.check_at("b", t0, true), Ok(()));
        assert_eq!(l.check_at("a", t0 + Duration::from_secs(4), true), Err(6));
        assert_eq!(l.check_at("a", t0 + Duration::from_secs(10), true), Ok(()));
        assert_eq!(l.check_at("a", t0 + Duration::from_secs(10), true), Err(10));
        // A long pause refills to the burst size, not beyond.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..6 {
            assert_eq!(l.check_at("a", later, true), Ok(()));
        }
        assert!(l.check_at("a", later, true).is_err());
    }
}
