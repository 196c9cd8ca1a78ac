//! Many instances on one PostgreSQL, as an operator starts them: migrations at once, the
//! embedded index refused for a second instance. Each test makes its own database (advisory
//! locks are a database's, not a schema's) and drops it.

use std::{
    io::Read,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database};

use crate::cli::marketplace;

/// A fresh database on the server of `TEST_POSTGRES_URL`; dropped by [`Fresh::drop`].
struct Fresh {
    admin_url: String,
    name: String,
    url: String,
}

impl Fresh {
    async fn new() -> Self {
        let base = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL names a server");
        let (server, _) = base.rsplit_once('/').unwrap();
        let admin_url = format!("{server}/postgres");
        let name = format!("marketplace_inst_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.ok();
        Self {
            url: format!("{server}/{name}"),
            admin_url,
            name,
        }
    }

    async fn drop(self) {
        let admin = Database::connect(&self.admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .unwrap();
    }
}

fn on(db: &Fresh, dir: &std::path::Path) -> Command {
    let mut cmd = marketplace();
    cmd.env("MARKETPLACE_DATABASE__URL", &db.url)
        .env("MARKETPLACE_DATA__DIR", dir)
        .env("MARKETPLACE_DEMO__SEED", "false");
    cmd
}

fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("marketplace-inst-{}", uuid::Uuid::now_v7()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
async fn migrations_started_at_once_all_succeed() {
    let db = Fresh::new().await;
    let dir = temp_dir();
    let runs: Vec<Child> = (0..4)
        .map(|_| {
            on(&db, &dir)
                .arg("migrate")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = on(&db, &dir)
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("applied m20261128_000001_accounts"), "{text}");
    assert!(text.contains(" 0 pending"), "{text}");
    assert!(!text.contains("pending m2"), "{text}");
    db.drop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
async fn a_second_instance_with_the_embedded_index_refuses_to_start() {
    let db = Fresh::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let first_dir = temp_dir();
    let mut first = on(&db, &first_dir)
        .arg("serve")
        .env("MARKETPLACE_HTTP__LISTEN", &listen)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(came_up(&mut first, &listen), "the first instance came up");
    // The second, on the same database with its own index, would never see the first's
    // changes: it says so and stops.
    let second_dir = temp_dir();
    let out = on(&db, &second_dir)
        .arg("serve")
        .env("MARKETPLACE_HTTP__LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Meilisearch (search.meili_url)"), "{err}");

    Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    let exit = first.wait().unwrap();
    let mut log = String::new();
    first
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(exit.success(), "{log}");
    // With the first gone, the lock is free again.
    let mut again = on(&db, &second_dir)
        .arg("serve")
        .env("MARKETPLACE_HTTP__LISTEN", &listen)
        .spawn()
        .unwrap();
    assert!(came_up(&mut again, &listen), "the second instance came up");
    Command::new("kill")
        .args(["-TERM", &again.id().to_string()])
        .status()
        .unwrap();
    again.wait().unwrap();
    db.drop().await;
    for d in [first_dir, second_dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// A `serve` on `db` listening on a port of its own; its address.
fn serve(db: &Fresh, dir: &std::path::Path, extra: &[(&str, String)]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut cmd = on(db, dir);
    cmd.arg("serve")
        .env("MARKETPLACE_HTTP__LISTEN", &listen)
        .env("MARKETPLACE_HTTP__TRUST_FORWARDED_FOR", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    (cmd.spawn().unwrap(), listen)
}

/// Waits for `listen` to answer `/healthz`; `false` when the process exited first.
fn came_up(child: &mut Child, listen: &str) -> bool {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let ok = marketplace()
            .arg("healthcheck")
            .env("MARKETPLACE_HTTP__LISTEN", listen)
            .output()
            .unwrap()
            .status
            .success();
        if ok {
            return true;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{listen} did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
async fn three_instances_started_at_once_with_the_embedded_index_one_serves() {
    let db = Fresh::new().await;
    let dirs: Vec<_> = (0..3).map(|_| temp_dir()).collect();
    let mut started: Vec<(Child, String)> = dirs.iter().map(|d| serve(&db, d, &[])).collect();
    let mut serving = 0;
    let mut refusals = Vec::new();
    for (child, listen) in &mut started {
        if came_up(child, listen) {
            serving += 1;
        } else {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            refusals.push(err);
        }
    }
    assert_eq!(serving, 1, "{refusals:?}");
    for err in &refusals {
        assert!(err.contains("Meilisearch (search.meili_url)"), "{err}");
    }
    for (child, _) in started {
        stop(child);
    }
    db.drop().await;
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Three instances on one fresh PostgreSQL and one Meilisearch (`MEILI_URL`), rate limits in
/// Redis (`TEST_REDIS_URL`): all start at once, and a marketplace journey runs with each
/// request sent to the next instance.
mod three_at_once {
    use serde_json::{Value, json};

    use super::*;

    struct RoundRobin {
        http: reqwest::Client,
        bases: Vec<String>,
        next: std::sync::atomic::AtomicUsize,
    }

    impl RoundRobin {
        async fn call(
            &self,
            method: reqwest::Method,
            path: &str,
            token: Option<&str>,
            body: Option<Value>,
        ) -> (u16, Value) {
            let i = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % self.bases.len();
            let mut req = self
                .http
                .request(method, format!("http://{}/api/v1{path}", self.bases[i]))
                .header("x-forwarded-for", "198.51.100.20")
                .header("idempotency-key", "three-at-once");
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(&b);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json().await.unwrap_or(Value::Null))
        }

        async fn ok(
            &self,
            method: reqwest::Method,
            path: &str,
            token: Option<&str>,
            body: Option<Value>,
        ) -> Value {
            let (s, v) = self.call(method.clone(), path, token, body).await;
            assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
            v
        }

        async fn login(&self, email: &str) -> String {
            self.ok(
                reqwest::Method::POST,
                "/auth/login",
                None,
                Some(json!({"email": email, "password": "mat-khau-rat-dai"})),
            )
            .await["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs PostgreSQL, Meilisearch and Redis: TEST_POSTGRES_URL, MEILI_URL, TEST_REDIS_URL"]
    async fn meilisearch() {
        use reqwest::Method;
        let meili = std::env::var("MEILI_URL").expect("MEILI_URL names a Meilisearch server");
        let key = std::env::var("MEILI_MASTER_KEY").unwrap_or_default();
        let redis = std::env::var("TEST_REDIS_URL").expect("TEST_REDIS_URL names a Redis");
        let db = Fresh::new().await;
        let prefix = format!("t{}_", uuid::Uuid::now_v7().simple());
        let extra = [
            ("MARKETPLACE_SEARCH__MEILI_URL", meili),
            ("MARKETPLACE_SEARCH__MEILI_KEY", key),
            ("MARKETPLACE_SEARCH__INDEX_PREFIX", prefix.clone()),
            ("MARKETPLACE_REDIS__URL", redis),
            ("MARKETPLACE_REDIS__KEY_PREFIX", prefix.clone()),
            (
                "MARKETPLACE_RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE",
                "8".into(),
            ),
        ];
        let dirs: Vec<_> = (0..3).map(|_| temp_dir()).collect();
        let mut started: Vec<(Child, String)> =
            dirs.iter().map(|d| serve(&db, d, &extra)).collect();
        for (child, listen) in &mut started {
            assert!(came_up(child, listen), "every instance starts");
        }
        let out = on(&db, &dirs[0])
            .args([
                "user",
                "create",
                "--email",
                "quantri@tinh.vn",
                "--password",
                "mat-khau-rat-dai",
                "--admin",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rr = RoundRobin {
            http: reqwest::Client::new(),
            bases: started.iter().map(|(_, l)| l.clone()).collect(),
            next: Default::default(),
        };
        // Users accept the operating rules and the privacy policy in effect, as a client asks.
        let accepted: Vec<Value> = rr
            .ok(Method::GET, "/policies", None, None)
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["kind"] == "operating_rules" || p["kind"] == "privacy")
            .map(|p| json!({"kind": p["kind"], "version": p["version"]}))
            .collect();
        for email in ["htx@example.vn", "khach@example.vn"] {
            rr.ok(Method::POST, "/auth/register", None, Some(json!({"email": email, "password": "mat-khau-rat-dai", "full_name": "Người dùng", "accepted_policies": accepted}))).await;
        }
        let admin = rr.login("quantri@tinh.vn").await;
        let vendor = rr.login("htx@example.vn").await;
        let buyer = rr.login("khach@example.vn").await;
        let stall = rr
            .ok(Method::POST, "/stalls", Some(&vendor), Some(json!({"name": "HTX Nước mắm Cửa Tùng", "description": "Nước mắm truyền thống", "commune_code": "19414", "address": "Thôn Tân Lý", "phone": "0233 3823 456", "business_type": "cooperative"})))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // The seller is identified, then the stall approved.
        rr.ok(
            Method::POST,
            &format!("/stalls/{stall}/identity"),
            Some(&vendor),
            Some(crate::support::identity_body()),
        )
        .await;
        for step in ["identity/verify", "approve"] {
            rr.ok(
                Method::POST,
                &format!("/admin/stalls/{stall}/{step}"),
                Some(&admin),
                None,
            )
            .await;
        }
        let tree = rr.ok(Method::GET, "/categories", None, None).await;
        let category = tree[0]["children"][0]["id"].as_str().unwrap().to_owned();
        let product = rr
            .ok(Method::POST, &format!("/stalls/{stall}/products"), Some(&vendor), Some(json!({"name": "Nước mắm nhĩ Cửa Tùng", "description": "Cá cơm ủ chượp", "category_id": category, "price": 150000, "unit": "chai 500 ml", "stock": 20, "images": ["https://anh.example.com/a.jpg"]})))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Whichever instance indexed it, every instance finds it.
        let started_at = Instant::now();
        loop {
            let mut hits = Vec::new();
            for _ in 0..3 {
                hits.push(
                    rr.call(
                        Method::GET,
                        "/search/products?q=nuoc%20mam%20nhi",
                        None,
                        None,
                    )
                    .await
                    .1,
                );
            }
            if hits.iter().all(|h| h["total"] == 1) {
                break;
            }
            assert!(
                started_at.elapsed() < Duration::from_secs(30),
                "not found everywhere: {hits:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        rr.ok(
            Method::PUT,
            &format!("/cart/items/{product}"),
            Some(&buyer),
            Some(json!({"quantity": 2})),
        )
        .await;
        let out = rr
            .ok(Method::POST, "/checkout", Some(&buyer), Some(json!({"shipping": {"recipient": "Lê Khách", "phone": "0905123456", "commune_code": "19333", "street": "5 Hùng Vương"}, "payment_method": "cod"})))
            .await;
        let order = out["orders"][0]["id"].as_str().unwrap().to_owned();
        for step in ["confirm", "ship", "deliver"] {
            rr.ok(
                Method::POST,
                &format!("/orders/{order}/{step}"),
                Some(&vendor),
                Some(json!({})),
            )
            .await;
        }
        let seen = rr
            .ok(Method::GET, &format!("/orders/{order}"), Some(&buyer), None)
            .await;
        assert_eq!(seen["status"], "delivered");
        let ledger = rr
            .ok(
                Method::GET,
                &format!("/stalls/{stall}/ledger"),
                Some(&vendor),
                None,
            )
            .await;
        assert!(
            ledger["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "sale" && e["amount"] == 300000),
            "{ledger}"
        );
        // Eight sign-ins a minute from one address across all three instances, not 24.
        let mut limited = 0;
        for _ in 0..10 {
            let (s, _) = rr
                .call(
                    Method::POST,
                    "/auth/login",
                    None,
                    Some(json!({"email": "khach@example.vn", "password": "mat-khau-rat-dai"})),
                )
                .await;
            if s == 429 {
                limited += 1;
            }
        }
        assert!(
            limited >= 5,
            "only {limited} of 10 were limited: the limit is not shared"
        );
        for (child, _) in started {
            stop(child);
        }
        db.drop().await;
        for d in dirs {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
async fn demo_seeding_started_at_once_seeds_once() {
    let db = Fresh::new().await;
    let dir = temp_dir();
    // Migrated first, so the seedings overlap each other rather than queue on migrations.
    assert!(on(&db, &dir).arg("migrate").status().unwrap().success());
    let runs: Vec<Child> = (0..3)
        .map(|_| {
            on(&db, &dir)
                .args(["seed", "--demo"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut said = Vec::new();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        said.push(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let seeded = said
        .iter()
        .filter(|s| s.contains("seeded 11 demo stalls"))
        .count();
    let found = said
        .iter()
        .filter(|s| s.contains("demo data already present"))
        .count();
    assert_eq!((seeded, found), (1, 2), "{said:?}");
    let conn = Database::connect(&db.url).await.unwrap();
    let count = |sql: &'static str| {
        let conn = &conn;
        async move {
            conn.query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql,
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap()
        }
    };
    assert_eq!(count("SELECT count(*) FROM stalls").await, 11);
    assert_eq!(
        count("SELECT count(*) - count(DISTINCT name) FROM stalls").await,
        0
    );
    conn.close().await.ok();
    db.drop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
async fn an_instance_that_disagrees_with_the_fleet_on_search_refuses_to_start() {
    let db = Fresh::new().await;
    let first_dir = temp_dir();
    let (mut first, listen) = serve(&db, &first_dir, &[]);
    assert!(
        came_up(&mut first, &listen),
        "the embedded instance came up"
    );
    // A Meilisearch instance beside it would lose half the changes to its indexer: it stops
    // before it touches anything, naming the difference.
    let other_dir = temp_dir();
    for command in ["serve", "worker"] {
        let out = on(&db, &other_dir)
            .arg(command)
            .env("MARKETPLACE_HTTP__LISTEN", "127.0.0.1:0")
            .env("MARKETPLACE_SEARCH__MEILI_URL", "http://127.0.0.1:9")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{command} started");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("configured with Meilisearch, but an instance with the embedded"),
            "{command}: {err}"
        );
    }
    stop(first);
    // Instances with Meilisearch hold the lock shared (as this connection does for them): an
    // embedded one refuses, saying what the others use.
    let conn = Database::connect(&db.url).await.unwrap();
    conn.execute_unprepared("SELECT pg_advisory_lock_shared(7881706628464273784)")
        .await
        .unwrap();
    let out = on(&db, &other_dir)
        .arg("serve")
        .env("MARKETPLACE_HTTP__LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already serve this PostgreSQL database with Meilisearch"),
        "{err}"
    );
    conn.close().await.ok();
    db.drop().await;
    for d in [first_dir, other_dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}
