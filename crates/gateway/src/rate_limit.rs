//! Token-bucket rate limits, keyed by client address, email or user.
//!
//! Each key has a bucket of as many tokens as the limit allows per period (a minute for
//! sign-ins, an hour for reports), refilled evenly over the period; an attempt takes one. With
//! `redis.url` set the buckets live in Redis, shared by every gateway instance (one Lua script
//! reads, refills and takes atomically, on Redis's own clock); otherwise, or while Redis does
//! not answer, in this process's memory. An outage degrades to the in-memory buckets at once (a
//! circuit breaker: no attempt waits on a Redis that is down), with one warning and the
//! `rate_limit_shared` gauge at 0: never an error for the client, never an open door, never a
//! wait of more than `redis.timeout_ms`.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{config::RedisConfig, error::ApiError, metrics::RateLimitMetrics};

/// The shared bucket: `ARGV[1]` tokens refilled over `ARGV[3]` seconds; refill by elapsed time
/// on Redis's clock, take one if asked, answer the whole seconds to wait (0: allowed). Keys
/// expire once idle (a full bucket needs no row).
const BUCKET_LUA: &str = r"
local burst = tonumber(ARGV[1])
local take = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
local rate = burst / period
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  if take == 1 then tokens = tokens - 1 end
else
  wait = math.ceil((1 - tokens) / rate)
  if wait < 1 then wait = 1 end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], period * 2)
return wait
";

/// Redis shared by the limiters, behind a circuit breaker. While Redis answers, each attempt
/// asks it, and waits for it at most `redis.timeout_ms`. The first failure or late answer opens
/// the breaker: from then on the limiters decide in memory without asking Redis at all (no
/// attempt waits on a Redis that is down), while one probe in the background tries a new
/// connection every `redis.cool_down_ms` and closes the breaker once Redis answers.
#[derive(Clone)]
pub struct SharedStore {
    inner: Arc<Store>,
}

struct Store {
    client: redis::Client,
    prefix: String,
    script: redis::Script,
    timeout: Duration,
    cool_down: Duration,
    /// The connection while the breaker is closed; `None` while it is open.
    link: RwLock<Option<Link>>,
    /// Numbers the connections, so that a failure seen on an old one cannot open the breaker
    /// over the new one.
    links_made: AtomicU64,
    metrics: RateLimitMetrics,
}

#[derive(Clone)]
struct Link {
    number: u64,
    conn: redis::aio::MultiplexedConnection,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedStore")
    }
}

impl SharedStore {
    /// Connects to Redis at `url` in the background, with `config`'s key prefix and timings;
    /// until it answers, the limiters use their in-memory buckets.
    pub fn connect(
        url: &str,
        config: &RedisConfig,
        metrics: RateLimitMetrics,
    ) -> Result<Self, redis::RedisError> {
        let store = Self {
            inner: Arc::new(Store {
                client: redis::Client::open(url)?,
                prefix: config.key_prefix.clone(),
                script: redis::Script::new(BUCKET_LUA),
                timeout: Duration::from_millis(config.timeout_ms),
                cool_down: Duration::from_millis(config.cool_down_ms),
                link: RwLock::new(None),
                links_made: AtomicU64::new(0),
                metrics,
            }),
        };
        tokio::spawn(reconnect(
            Arc::downgrade(&store.inner),
            Duration::ZERO,
            Outage::Start,
        ));
        Ok(store)
    }

    /// Whether the limiters ask Redis now (the breaker is closed).
    pub fn is_connected(&self) -> bool {
        self.inner.link().is_some()
    }

    /// Runs the bucket for `key`; `None` when Redis cannot answer now.
    async fn bucket(&self, key: &str, limit: Limit, take: bool) -> Option<u64> {
        let wait = self.inner.ask(key, limit, take).await;
        if wait.is_none() {
            self.inner.metrics.fallbacks.inc();
        }
        wait
    }
}

/// Why the breaker is open, for the log.
#[derive(Clone, Copy)]
enum Outage {
    /// Not connected yet.
    Start,
    /// Redis failed after answering.
    Failed,
}

impl Store {
    fn link(&self) -> Option<Link> {
        self.link
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Asks Redis, unless the breaker is open; a failure opens it.
    async fn ask(self: &Arc<Self>, key: &str, limit: Limit, take: bool) -> Option<u64> {
        let Link { number, mut conn } = self.link()?;
        let mut call = self.script.key(key);
        call.arg(limit.burst)
            .arg(i32::from(take))
            .arg(limit.period.as_secs());
        let error = match tokio::time::timeout(self.timeout, call.invoke_async(&mut conn)).await {
            Ok(Ok(wait)) => return Some(wait),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} ms", self.timeout.as_millis()),
        };
        self.open(number, &error);
        None
    }

    /// Opens the breaker, if connection `number` is still the one in use, and starts probing.
    fn open(self: &Arc<Self>, number: u64, error: &str) {
        {
            let mut link = self
                .link
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if link.as_ref().is_none_or(|l| l.number != number) {
                return;
            }
            *link = None;
        }
        self.metrics.shared.set(0);
        tracing::warn!(
            error,
            retry_in_ms = self.cool_down.as_millis(),
            "Redis failed; rate limits are this instance's until it answers"
        );
        tokio::spawn(reconnect(
            Arc::downgrade(self),
            self.cool_down,
            Outage::Failed,
        ));
    }

    /// A new connection, with the script loaded, if Redis answers in time.
    async fn probe(&self) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        let attempt = async {
            let mut conn = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            // The script loaded now spares the first attempt a round trip. (Not through
            // `Script::load_async`, which asserts the answer in debug builds.)
            let _: String = redis::cmd("SCRIPT")
                .arg("LOAD")
                .arg(BUCKET_LUA)
                .query_async(&mut conn)
                .await?;
            Ok(conn)
        };
        tokio::time::timeout(self.timeout * 2, attempt)
            .await
            .unwrap_or_else(|_| Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into()))
    }
}

/// The breaker's half-open side: after `first_wait`, then every cool-down, one probe, until
/// Redis answers (the breaker closes) or the store is dropped.
async fn reconnect(store: Weak<Store>, first_wait: Duration, outage: Outage) {
    let mut wait = first_wait;
    let mut announced = matches!(outage, Outage::Failed);
    loop {
        tokio::time::sleep(wait).await;
        let Some(store) = store.upgrade() else {
            return;
        };
        match store.probe().await {
            Ok(conn) => {
                let number = store.links_made.fetch_add(1, Ordering::Relaxed) + 1;
                *store
                    .link
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(Link { number, conn });
                store.metrics.shared.set(1);
                tracing::info!("rate limits shared through Redis");
                return;
            }
            Err(e) if !announced => {
                tracing::warn!(
                    error = %e,
                    retry_in_ms = store.cool_down.as_millis(),
                    "Redis does not answer; rate limits are this instance's until it does"
                );
                announced = true;
            }
            Err(e) => tracing::debug!(error = %e, "Redis still does not answer"),
        }
        wait = store.cool_down;
    }
}

/// How many attempts a limit allows per period: a burst of `burst` at once, refilled evenly
/// over `period` (whole seconds, at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limit {
    burst: u32,
    period: Duration,
}
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
    limit: Limit,
    buckets: Mutex<HashMap<String, Bucket>>,
    shared: Option<SharedStore>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` attempts per key per minute, in bursts of as many, in
    /// this process's memory.
    pub fn new(per_minute: u32) -> Self {
        Self::named("local", per_minute, None)
    }

    /// A limiter called `name` (its keys' namespace in Redis) allowing `per_minute` attempts
    /// per key per minute, shared through `shared` when given.
    pub fn named(name: &'static str, per_minute: u32, shared: Option<SharedStore>) -> Self {
        Self::per_period(name, per_minute, Duration::from_secs(60), shared)
    }

    /// A limiter called `name` allowing `per_hour` attempts per key per hour, in bursts of as
    /// many, refilled evenly over the hour; shared through `shared` when given.
    pub fn hourly(name: &'static str, per_hour: u32, shared: Option<SharedStore>) -> Self {
        Self::per_period(name, per_hour, Duration::from_secs(3600), shared)
    }

    /// A limiter called `name` allowing `per_day` attempts per key per day, in bursts of as
    /// many, refilled evenly over the day; shared through `shared` when given.
    pub fn daily(name: &'static str, per_day: u32, shared: Option<SharedStore>) -> Self {
        Self::per_period(name, per_day, Duration::from_secs(24 * 3600), shared)
    }

    fn per_period(
        name: &'static str,
        burst: u32,
        period: Duration,
        shared: Option<SharedStore>,
    ) -> Self {
        Self {
            name,
            limit: Limit {
                burst: burst.max(1),
                period: period.max(Duration::from_secs(1)),
            },
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

    /// [`check`](Self::check) as the API answers it: 429 `rate_limited` with `Retry-After`
    /// once none is left.
    pub async fn take(&self, key: &str) -> Result<(), ApiError> {
        self.check(key).await.map_err(ApiError::rate_limited)
    }

    /// [`peek`](Self::peek) as the API answers it.
    pub async fn allows(&self, key: &str) -> Result<(), ApiError> {
        self.peek(key).await.map_err(ApiError::rate_limited)
    }

    async fn attempt(&self, key: &str, take: bool) -> Result<(), u64> {
        if let Some(shared) = &self.shared {
            // Keys hold emails and addresses: Redis sees only their digest.
            use sha2::Digest;
            let digest = hex::encode(&sha2::Sha256::digest(key.as_bytes())[..16]);
            let redis_key = format!("{}:rate:{}:{digest}", shared.inner.prefix, self.name);
            if let Some(wait) = shared.bucket(&redis_key, self.limit, take).await {
                return if wait == 0 { Ok(()) } else { Err(wait) };
            }
        }
        self.check_at(key, Instant::now(), take)
    }

    fn check_at(&self, key: &str, now: Instant, take: bool) -> Result<(), u64> {
        let burst = f64::from(self.limit.burst);
        let rate_per_sec = burst / self.limit.period.as_secs_f64();
        // Keys are dropped once idle for two periods (their bucket is full again by then).
        let idle = self.limit.period * 2;
        // A poisoned lock only means another thread panicked mid-update of plain numbers.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| now.saturating_duration_since(b.at) < idle);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate_per_sec).min(burst);
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
    /// Reports of listings per client address, per hour.
    pub report_ip: RateLimiter,
    /// Reports of listings per signed-in user, per hour, from whatever address: a user cannot
    /// flood the queue by changing addresses.
    pub report_user: RateLimiter,
    /// Guest carts started per client address, per day.
    pub guest_cart_ip: RateLimiter,
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

    #[test]
    fn an_hourly_limit_refills_over_the_hour() {
        let l = RateLimiter::hourly("reports", 4, None); // one token every 15 minutes
        let t0 = Instant::now();
        for _ in 0..4 {
            assert_eq!(l.check_at("a", t0, true), Ok(()));
        }
        assert_eq!(l.check_at("a", t0, true), Err(900));
        // A third of a token is missing after 10 minutes (rounded up to the second).
        let wait = l
            .check_at("a", t0 + Duration::from_secs(600), true)
            .unwrap_err();
        assert!((300..=301).contains(&wait), "{wait}");
        let later = t0 + Duration::from_secs(901);
        assert_eq!(l.check_at("a", later, true), Ok(()));
        let wait = l.check_at("a", later, false).unwrap_err();
        assert!((898..=900).contains(&wait), "{wait}");
    }
}
