//! Token-bucket rate limits, keyed by client address or email.
//!
//! Each key has a bucket of `per_minute` tokens refilled evenly over a minute; an attempt takes
//! one. With `redis.url` set the buckets live in Redis, shared by every gateway instance (one
//! Lua script reads, refills and takes atomically, on Redis's own clock); otherwise, or while
//! Redis does not answer, in this process's memory. An outage degrades to the in-memory
//! buckets with a warning: never an error for the client, never an open door.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

/// The shared bucket: refill by elapsed time on Redis's clock, take one if asked, answer the
/// whole seconds to wait (0: allowed). Keys expire once idle (a full bucket needs no row).
const BUCKET_LUA: &str = r"
local per_min = tonumber(ARGV[1])
local take = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or per_min
local at = tonumber(b[2]) or now
local rate = per_min / 60
tokens = math.min(per_min, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  if take == 1 then tokens = tokens - 1 end
else
  wait = math.ceil((1 - tokens) / rate)
  if wait < 1 then wait = 1 end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 120)
return wait
";

/// Redis shared by the limiters, once connected.
#[derive(Clone)]
pub struct SharedStore {
    prefix: String,
    conn: Arc<RwLock<Option<redis::aio::ConnectionManager>>>,
    script: Arc<redis::Script>,
    warned: Arc<Mutex<Option<Instant>>>,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedStore")
    }
}

impl SharedStore {
    /// Connects to Redis at `url` in the background (retrying every few seconds until it
    /// answers); until then the limiters use their in-memory buckets.
    pub fn connect(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let store = Self {
            prefix: prefix.to_owned(),
            conn: Arc::new(RwLock::new(None)),
            script: Arc::new(redis::Script::new(BUCKET_LUA)),
            warned: Arc::new(Mutex::new(None)),
        };
        let slot = store.conn.clone();
        tokio::spawn(async move {
            let config = redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(Some(Duration::from_millis(500)))
                .set_response_timeout(Some(Duration::from_millis(250)));
            loop {
                match redis::aio::ConnectionManager::new_with_config(client.clone(), config.clone())
                    .await
                {
                    Ok(conn) => {
                        *slot
                            .write()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(conn);
                        tracing::info!("rate limits shared through Redis");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "Redis does not answer; rate limits are this instance's until it does");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
            }
        });
        Ok(store)
    }

    /// Whether a connection was made (it reconnects by itself after that).
    pub fn is_connected(&self) -> bool {
        self.conn
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    }

    /// Runs the bucket for `key`; `None` when Redis cannot answer now.
    async fn bucket(&self, key: &str, per_minute: u32, take: bool) -> Option<u64> {
        let mut conn = self
            .conn
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()?;
        let result: Result<u64, _> = self
            .script
            .key(key)
            .arg(per_minute)
            .arg(i32::from(take))
            .invoke_async(&mut conn)
            .await;
        match result {
            Ok(wait) => Some(wait),
            Err(e) => {
                let mut warned = self
                    .warned
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(30)) {
                    tracing::warn!(error = %e, "Redis failed; rate limits are this instance's until it answers");
                    *warned = Some(Instant::now());
                }
                None
            }
        }
    }
}

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
    name: &'static str,
    per_minute: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
    shared: Option<SharedStore>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` attempts per key per minute, in bursts of as many, in
    /// this process's memory.
    pub fn new(per_minute: u32) -> Self {
        Self::named("local", per_minute, None)
    }

    /// A limiter called `name` (its keys' namespace in Redis), shared through `shared` when
    /// given.
    pub fn named(name: &'static str, per_minute: u32, shared: Option<SharedStore>) -> Self {
        Self {
            name,
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
            shared,
        }
    }

    /// Whether its buckets are in Redis now.
    pub fn is_shared(&self) -> bool {
        self.shared.as_ref().is_some_and(SharedStore::is_connected)
    }

    /// Takes one attempt for `key`; when none is left, the whole seconds until one is.
    pub async fn check(&self, key: &str) -> Result<(), u64> {
        self.attempt(key, true).await
    }

    /// Whether an attempt for `key` would be allowed now, without taking it (for limits that
    /// count only failures: look first, take when the attempt failed).
    pub async fn peek(&self, key: &str) -> Result<(), u64> {
        self.attempt(key, false).await
    }

    async fn attempt(&self, key: &str, take: bool) -> Result<(), u64> {
        if let Some(shared) = &self.shared {
            // Keys hold emails and addresses: Redis sees only their digest.
            use sha2::Digest;
            let digest = hex::encode(&sha2::Sha256::digest(key.as_bytes())[..16]);
            let redis_key = format!("{}:rate:{}:{digest}", shared.prefix, self.name);
            let per_minute = self.per_minute as u32;
            if let Some(wait) = shared.bucket(&redis_key, per_minute, take).await {
                return if wait == 0 { Ok(()) } else { Err(wait) };
            }
        }
        self.check_at(key, Instant::now(), take)
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
    /// Password reset requests per client address.
    pub reset_ip: RateLimiter,
    /// Password reset requests per email (whether or not it has an account, so the answer
    /// tells nothing).
    pub reset_email: RateLimiter,
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
