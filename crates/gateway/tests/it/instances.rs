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
    let started = Instant::now();
    loop {
        let out = marketplace()
            .arg("healthcheck")
            .env("MARKETPLACE_HTTP__LISTEN", &listen)
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first instance did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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
    let started = Instant::now();
    loop {
        let ok = marketplace()
            .arg("healthcheck")
            .env("MARKETPLACE_HTTP__LISTEN", &listen)
            .output()
            .unwrap()
            .status
            .success();
        if ok {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the second instance did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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
