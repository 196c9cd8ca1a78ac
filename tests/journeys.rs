//! End-to-end journeys: a real server on a loopback port, driven over HTTP by a real client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing journey should stop loudly"
)]

use std::net::SocketAddr;

use gateway::{AppState, Config};
use serde_json::{Value, json};
use testkit::{TestDb, db_test};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// A running server and the means to stop it.
struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    handle: JoinHandle<Result<(), String>>,
    _db: TestDb,
}

async fn start(db: TestDb) -> Server {
    let dir = std::env::temp_dir().join(format!("marketplace-e2e-{}", uuid::Uuid::now_v7()));
    let config = Config::with_overrides(&format!("[data]\ndir = {:?}", dir.display().to_string()))
        .expect("defaults are valid");
    let engine = config.search_engine().expect("the embedded index opens");
    let state = AppState::new(config, db.conn.clone(), engine);
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a loopback port is free");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        gateway::serve::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await
        .map_err(|e| e.to_string())
    });
    Server {
        base,
        stop,
        handle,
        _db: db,
    }
}

db_test!(buyer_registers_signs_in_and_out, |db: TestDb| async move {
    let server = start(db).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base);

    let health = http.get(url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    let res = http
        .post(url("/api/v1/auth/register"))
        .json(&json!({
            "email": "an.pham@example.vn",
            "password": "mat-ong-rung-u-minh",
            "full_name": "Phạm Văn An",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();

    let res = http
        .post(url("/api/v1/auth/login"))
        .json(&json!({"email": "an.pham@example.vn", "password": "mat-ong-rung-u-minh"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let me: Value = http
        .get(url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], user["id"]);
    assert_eq!(me["full_name"], "Phạm Văn An");

    let out = http
        .post(url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = http
        .get(url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(after.headers()["content-type"], "application/problem+json");

    // Shutdown is graceful and the server task ends cleanly.
    server.stop.send(()).unwrap();
    server.handle.await.unwrap().unwrap();
    assert!(http.get(url("/healthz")).send().await.is_err());
});
