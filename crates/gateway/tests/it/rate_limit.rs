//! Rate limits while Redis fails: a Redis that refuses connections, one that accepts and never
//! answers, one that comes back. No attempt waits on a Redis that cannot answer: each instance
//! decides on limits of its own at once, and shares the buckets again once Redis answers.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, Weak},
    time::{Duration, Instant},
};

use gateway::{
    config::RedisConfig,
    metrics::RateLimitMetrics,
    rate_limit::{RateLimiter, SharedStore},
};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    sync::watch,
};

use crate::support::*;

/// What an attempt may take while Redis fails: generous against a busy machine, far below the
/// seconds a request used to wait.
const BOUND: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Answers, or passes every byte to the real Redis behind.
    Serve,
    /// The port refuses connections; open ones are closed.
    Refuse,
    /// Connections are accepted and held open; nothing is ever answered.
    Silent,
}

/// A stand-in for Redis on a port of its own that can be made to fail. Alone it speaks just
/// enough RESP for the limiters (`+OK` to a connection's set-up, the bucket script as a bucket
/// without refill, shared by every connection); in front of a real Redis it passes bytes.
struct StandIn {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    /// Held also by the listener while it listens.
    listening: Arc<()>,
    /// Held also by each connection while it answers.
    serving: Arc<()>,
}

/// Shared by every connection of a stand-in.
#[derive(Clone)]
struct Shared {
    mode: watch::Receiver<Mode>,
    upstream: Option<SocketAddr>,
    buckets: Arc<Mutex<HashMap<Vec<u8>, u32>>>,
    /// The stand-in's count of connections answering.
    serving: Weak<()>,
}

impl StandIn {
    async fn start(upstream: Option<SocketAddr>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let (mode, rx) = watch::channel(Mode::Serve);
        let (listening, serving) = (Arc::new(()), Arc::new(()));
        let shared = Shared {
            mode: rx,
            upstream,
            buckets: Arc::new(Mutex::new(HashMap::new())),
            serving: Arc::downgrade(&serving),
        };
        tokio::spawn(listen(addr, shared, Arc::downgrade(&listening)));
        let redis = Self {
            addr,
            mode,
            listening,
            serving,
        };
        redis.settled(Mode::Serve).await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://{}/0", self.addr)
    }

    /// Switches to `mode` once every connection and the listener have: no answer given from
    /// then on comes from the mode before.
    async fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
        self.settled(mode).await;
    }

    async fn settled(&self, mode: Mode) {
        let (listeners, answering) = match mode {
            Mode::Serve => (1, None),
            Mode::Refuse => (0, Some(0)),
            Mode::Silent => (1, Some(0)),
        };
        let started = Instant::now();
        while Arc::strong_count(&self.listening) - 1 != listeners
            || answering.is_some_and(|n| Arc::strong_count(&self.serving) - 1 != n)
        {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{mode:?} not reached"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Listens on `addr` while the mode is not `Refuse`; ends with the stand-in.
async fn listen(addr: SocketAddr, shared: Shared, listening: Weak<()>) {
    let mut mode = shared.mode.clone();
    loop {
        if mode.wait_for(|m| *m != Mode::Refuse).await.is_err() {
            return;
        }
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(addr).unwrap();
        let listener = socket.listen(64).unwrap();
        let token = listening.upgrade();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = accepted.unwrap();
                    tokio::spawn(connection(stream, shared.clone()));
                }
                changed = mode.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if *mode.borrow() == Mode::Refuse {
                        break;
                    }
                }
            }
        }
        drop(listener);
        drop(token);
    }
}

/// Serves one connection while the mode is `Serve`; when it goes silent, holds the socket
/// without a word; closes it at the next change (its answers would be out of step).
async fn connection(mut stream: TcpStream, shared: Shared) {
    let mut mode = shared.mode.clone();
    if *mode.borrow_and_update() == Mode::Serve {
        let token = shared.serving.upgrade();
        let ended = tokio::select! {
            _ = serve(&mut stream, &shared) => true,
            _ = mode.changed() => false,
        };
        if ended || *mode.borrow_and_update() != Mode::Silent {
            // Closed before the stand-in counts the connection as no longer answering.
            drop(stream);
            drop(token);
            return;
        }
        drop(token);
    }
    if *mode.borrow_and_update() == Mode::Silent {
        let _ = mode.changed().await;
    }
}

/// Answers on `stream`, or passes its bytes to the real Redis, until the client leaves.
async fn serve(stream: &mut TcpStream, shared: &Shared) -> std::io::Result<()> {
    match shared.upstream {
        Some(up) => {
            let mut real = TcpStream::connect(up).await?;
            tokio::io::copy_bidirectional(stream, &mut real).await?;
            Ok(())
        }
        None => fake_redis(stream, &shared.buckets).await,
    }
}

/// Answers commands as Redis would, as far as the limiters go.
async fn fake_redis(
    stream: &mut TcpStream,
    buckets: &Mutex<HashMap<Vec<u8>, u32>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        while let Some((args, used)) = parse_command(&buf) {
            buf.drain(..used);
            let reply = answer(&args, buckets);
            stream.write_all(reply.as_bytes()).await?;
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
    }
}

/// One command (an array of bulk strings) from the front of `buf`, and the bytes it took.
fn parse_command(buf: &[u8]) -> Option<(Vec<Vec<u8>>, usize)> {
    fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
        let end = buf.get(at..)?.windows(2).position(|w| w == b"\r\n")? + at;
        Some((&buf[at..end], end + 2))
    }
    let (head, mut at) = line(buf, 0)?;
    let n: usize = std::str::from_utf8(head.strip_prefix(b"*")?)
        .ok()?
        .parse()
        .ok()?;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        let (len, next) = line(buf, at)?;
        let len: usize = std::str::from_utf8(len.strip_prefix(b"$")?)
            .ok()?
            .parse()
            .ok()?;
        args.push(buf.get(next..next + len)?.to_vec());
        at = next + len + 2;
    }
    (buf.len() >= at).then_some((args, at))
}

/// The stand-in's answer to one command.
fn answer(args: &[Vec<u8>], buckets: &Mutex<HashMap<Vec<u8>, u32>>) -> String {
    let arg = |i: usize| args.get(i).map(|a| String::from_utf8_lossy(a).into_owned());
    match arg(0).unwrap_or_default().to_uppercase().as_str() {
        // EVALSHA sha 1 key per_minute take
        "EVALSHA" | "EVAL" => {
            let per_minute: u32 = arg(4).unwrap().parse().unwrap();
            let take = arg(5).unwrap() == "1";
            let mut buckets = buckets.lock().unwrap();
            let taken = buckets.entry(args[3].clone()).or_default();
            if *taken < per_minute {
                *taken += u32::from(take);
                ":0\r\n".into()
            } else {
                ":60\r\n".into()
            }
        }
        "SCRIPT" => format!("$40\r\n{}\r\n", "0".repeat(40)),
        "PING" => "+PONG\r\n".into(),
        _ => "+OK\r\n".into(),
    }
}

/// The limiters of two instances, named alike and sharing the Redis at `url` (under a key
/// prefix of this test's, trying it again 200 ms after a failure), `per_minute` attempts each.
fn two_instances(url: &str, per_minute: u32) -> [RateLimiter; 2] {
    let config = RedisConfig {
        key_prefix: format!("test-{}", uuid::Uuid::now_v7().simple()),
        cool_down_ms: 200,
        ..RedisConfig::default()
    };
    [(); 2].map(|()| {
        let store = SharedStore::connect(url, &config, RateLimitMetrics::default()).unwrap();
        RateLimiter::named("login_ip", per_minute, Some(store))
    })
}

/// Waits until every limiter's buckets are in Redis.
async fn until_shared(limiters: &[&RateLimiter]) {
    let started = Instant::now();
    while !limiters.iter().all(|l| l.is_shared()) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Redis was not reached"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One attempt, which must be decided within `BOUND`.
async fn check(limiter: &RateLimiter, key: &str) -> Result<(), u64> {
    let started = Instant::now();
    let out = tokio::time::timeout(Duration::from_secs(60), limiter.check(key))
        .await
        .expect("an attempt is decided within a minute");
    let took = started.elapsed();
    assert!(took < BOUND, "an attempt took {took:?}");
    out
}

/// Three attempts for `key` through `a` and `b` together use up a shared limit of three.
async fn assert_shared(a: &RateLimiter, b: &RateLimiter, key: &str) {
    for l in [a, b, a] {
        assert_eq!(check(l, key).await, Ok(()));
    }
    assert!(check(b, key).await.is_err(), "b saw a's attempts");
    assert!(check(a, key).await.is_err());
}

/// The limit of three holds on `limiter` alone, every attempt decided at once.
async fn assert_limits_alone(limiter: &RateLimiter, key: &str) {
    let started = Instant::now();
    for _ in 0..3 {
        assert_eq!(check(limiter, key).await, Ok(()));
    }
    let wait = check(limiter, key)
        .await
        .expect_err("the fourth attempt waits");
    assert!((1..=20).contains(&wait), "{wait}");
    let took = started.elapsed();
    assert!(took < BOUND, "four attempts took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_refuses_leaves_each_instance_its_own_limits_at_once() {
    let redis = StandIn::start(None).await;
    let [a, b] = two_instances(&redis.url(), 3);
    until_shared(&[&a, &b]).await;
    assert_shared(&a, &b, "198.51.100.1").await;

    redis.set(Mode::Refuse).await;
    assert_limits_alone(&a, "203.0.113.9").await;
    assert_limits_alone(&b, "203.0.113.9").await;
    assert!(!a.is_shared() && !b.is_shared());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_never_answers_leaves_each_instance_its_own_limits_at_once() {
    let redis = StandIn::start(None).await;
    let [a, b] = two_instances(&redis.url(), 3);
    until_shared(&[&a, &b]).await;

    redis.set(Mode::Silent).await;
    assert_limits_alone(&a, "203.0.113.9").await;
    assert_limits_alone(&b, "203.0.113.9").await;
    assert!(!a.is_shared() && !b.is_shared());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_never_answers_from_the_start_delays_nothing() {
    let redis = StandIn::start(None).await;
    redis.set(Mode::Silent).await;
    let [a, _] = two_instances(&redis.url(), 3);
    assert_limits_alone(&a, "203.0.113.9").await;
    assert!(!a.is_shared());
}

/// Redis refuses, then answers again: each instance limits alone meanwhile, then both share
/// the buckets again.
async fn redis_comes_back(redis: &StandIn) {
    let [a, b] = two_instances(&redis.url(), 3);
    until_shared(&[&a, &b]).await;

    redis.set(Mode::Refuse).await;
    assert_limits_alone(&a, "203.0.113.9").await;
    redis.set(Mode::Silent).await;
    assert_limits_alone(&b, "203.0.113.9").await;

    redis.set(Mode::Serve).await;
    until_shared(&[&a, &b]).await;
    assert_shared(&a, &b, "198.51.100.2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_are_shared_again_when_redis_comes_back() {
    let redis = StandIn::start(None).await;
    redis_comes_back(&redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set TEST_REDIS_URL and run with --ignored"]
async fn limits_are_shared_again_when_a_real_redis_comes_back() {
    let url =
        std::env::var("TEST_REDIS_URL").expect("set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0");
    let host_port = url
        .trim_start_matches("redis://")
        .split(['/', '@'])
        .find(|part| part.contains(':'))
        .expect("TEST_REDIS_URL names host:port, without a password");
    let real = tokio::net::lookup_host(host_port)
        .await
        .unwrap()
        .next()
        .unwrap();
    let redis = StandIn::start(Some(real)).await;
    redis_comes_back(&redis).await;
}

/// A sign-in from `ip`, which must be answered within `limit`.
async fn timed_login(app: &TestApp, ip: &str, limit: Duration) -> TestResponse {
    let started = Instant::now();
    let res = app
        .send(
            axum::http::Request::post("/api/v1/auth/login")
                .header("content-type", "application/json")
                .header("x-forwarded-for", ip)
                .body(axum::body::Body::from(
                    json!({"email": "minh@example.vn", "password": PASSWORD}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    let took = started.elapsed();
    assert!(took < limit, "a sign-in took {took:?}");
    res
}

/// The value of the series `name` in the `/metrics` text.
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.get("/metrics", None).await.text();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_answers_at_once_on_the_instances_own_limits_while_redis_refuses() {
    let redis = StandIn::start(None).await;
    let db = TestDb::new(testkit::Backend::Sqlite).await;
    let app = TestApp::with_config(
        db,
        &format!(
            "[http]\ntrust_forwarded_for = true\n[rate_limit]\nlogin_per_ip_per_minute = 3\n[redis]\nurl = {:?}\ncool_down_ms = 200",
            redis.url()
        ),
    );
    app.signed_in("minh@example.vn").await;
    until_shared(&[&app.state.limits.login_ip]).await;
    assert_eq!(metric(&app, "marketplace_rate_limit_shared").await, 1.0);
    // A sign-in's own time (its password hash) on this machine, Redis answering.
    let started = Instant::now();
    let res = timed_login(&app, "198.51.100.1", Duration::from_secs(10)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let normal = started.elapsed();

    redis.set(Mode::Refuse).await;
    let limit = normal * 2 + BOUND;
    for _ in 0..3 {
        let res = timed_login(&app, "203.0.113.9", limit).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    timed_login(&app, "203.0.113.9", limit)
        .await
        .problem(429, "rate_limited");
    assert_eq!(metric(&app, "marketplace_rate_limit_shared").await, 0.0);
    // Each of the four sign-ins was decided at least once without Redis.
    assert!(metric(&app, "marketplace_rate_limit_redis_fallbacks_total").await >= 4.0);

    redis.set(Mode::Serve).await;
    until_shared(&[&app.state.limits.login_ip]).await;
    assert_eq!(metric(&app, "marketplace_rate_limit_shared").await, 1.0);
}
