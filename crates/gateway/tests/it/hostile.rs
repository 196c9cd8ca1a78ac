//! What a hostile client tried, kept as regression tests: NUL bytes in paths and queries,
//! invented methods that grew `/metrics`, deep search pages, lax parsing, missing security
//! headers, slow headers and connection bursts, a damaged embedded index (or one of an older
//! schema). On SQLite and
//! PostgreSQL.

use std::time::Duration;

use axum::{
    body::Body,
    http::{Method, Request},
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

db_test!(
    control_characters_in_paths_and_queries_are_refused,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        for path in [
            "/api/v1/products/a%00b",
            "/api/v1/stalls/a%00b",
            "/api/v1/stalls/a%00b/products",
            "/api/v1/categories/a%00b/products",
            "/api/v1/products/a%1Fb",
        ] {
            let body = app.get(path, None).await.problem(400, "bad_request");
            assert_eq!(body["errors"][0]["field"], "path", "{path}: {body}");
        }
        for (path, field) in [
            ("/api/v1/stalls?commune=a%00b", "commune"),
            ("/api/v1/search/products?stall=a%00b", "stall"),
            ("/api/v1/search/products?q=n%C6%B0%E1%BB%9Bc%00", "q"),
        ] {
            let body = app.get(path, None).await.problem(422, "validation_failed");
            assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        }
        let body = app
            .get("/api/v1/admin/audit-log?subject_type=%00", Some(&admin))
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "subject_type");
        // In a JSON body, the field is named; nothing is written.
        let owner = app.signed_in("a@example.vn").await;
        let res = app
            .post(
                "/api/v1/stalls",
                Some(&owner),
                json!({
                    "name": "HTX\u{0}Cửa Tùng",
                    "description": "Đặc sản",
                    "commune_code": "19414",
                    "address": "Thôn Tân Lý",
                    "phone": "0233 3823 456",
                    "business_type": "cooperative",
                }),
            )
            .await;
        let body = res.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "name");
        let mine = app.get("/api/v1/me/stalls", Some(&owner)).await.json();
        assert_eq!(mine.as_array().unwrap().len(), 0, "{mine}");
        // C1 controls are control characters too, as the document's text pattern says; a
        // line break written as a Windows client writes it is text.
        let body = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "c1@example.vn", "password": "mat-ong-hoa-nhan",
                       "full_name": "Lan\u{9b}"}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "full_name", "{body}");
        let res = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "crlf@example.vn", "password": "mat-ong-hoa-nhan",
                       "full_name": "Nguyễn\r\nLan"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
);

db_test!(
    invented_methods_share_one_metrics_series,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        for i in 0..50 {
            let method = Method::from_bytes(format!("M{i}").as_bytes()).unwrap();
            let res = app
                .send(
                    Request::builder()
                        .method(method)
                        .uri(format!("/api/v1/products/{i}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(res.status, 405);
        }
        let text = app.get("/metrics", None).await.text();
        assert!(!text.contains("method=\"M1"), "{text}");
        assert!(
            text.contains(
                r#"marketplace_http_requests_total{method="other",route="/api/v1/products/{id}",status="405"} 50"#
            ),
            "{text}"
        );
    }
);

db_test!(search_pages_stop_at_the_window, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app
        .get(
            "/api/v1/search/products?sort=price_asc&page=1000000&per_page=100",
            None,
        )
        .await;
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "page");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 to 10 "),
        "{body}"
    );
    // The last page inside the window answers (empty here).
    let res = app
        .get("/api/v1/search/products?page=10&per_page=100", None)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    app.get("/api/v1/search/stalls?page=51", None)
        .await
        .problem(422, "validation_failed");
    // SQL lists stop at 100 000 items.
    app.get("/api/v1/stalls?page=1001&per_page=100", None)
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        app.get("/api/v1/stalls?page=1000&per_page=100", None)
            .await
            .status,
        200
    );
});

db_test!(parsing_is_strict_and_explained, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    // Trailing garbage after the JSON value.
    let res = app
        .send(
            Request::post("/api/v1/auth/login")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"email":"a@b.vn","password":"x"} garbage"#))
                .unwrap(),
        )
        .await;
    res.problem(400, "malformed_json");
    // A negative page is explained in words, not by the number parser.
    let body = app
        .get("/api/v1/stalls?page=-1", None)
        .await
        .problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "page");
    assert_eq!(
        body["errors"][0]["message"],
        "must be a whole number within range"
    );
    // A path id that cannot be a product is 404 for DELETE as for PUT.
    let buyer = app.signed_in("mua@example.vn").await;
    app.delete("/api/v1/cart/items/not-a-uuid", Some(&buyer))
        .await
        .problem(404, "not_found");
    // A whole number written as 2.0 is the integer 2.
    let m = crate::orders::market(&app).await;
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/cart/items/{}", m.sauce),
            Some(&m.buyer),
            Some(json!({"quantity": 2.0})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["items"][0]["quantity"], 2);
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/cart/items/{}", m.sauce),
            Some(&m.buyer),
            Some(json!({"quantity": 2.5})),
        )
        .await;
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "quantity");
});

db_test!(security_headers, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app.get("/api/v1/categories", None).await;
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    // Public reads may be kept by shared caches for a minute (and revalidated by their tag).
    assert_eq!(res.header("cache-control"), Some("public, max-age=60"));
    let res = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    // Answers carrying a token or personal data are not stored by any cache.
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "lan@example.vn", "password": PASSWORD, "full_name": "Lan"}),
        )
        .await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "lan@example.vn", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let token = res.json()["token"].as_str().unwrap().to_owned();
    let res = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    // The docs page may not be framed and runs only its own scripts.
    let res = app.get("/docs/", None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    let csp = res.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
});

/// Serves `app` on a random loopback port with the gateway's own connection loop.
async fn serve(app: &TestApp) -> (std::net::SocketAddr, tokio::sync::watch::Sender<bool>) {
    let listener = gateway::serve::bind("127.0.0.1:0".parse().unwrap(), 1024).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let http = &app.state.config.http;
    let limits = gateway::serve::ConnectionLimits {
        header_read_timeout: Duration::from_secs(http.header_read_timeout_secs),
        max_connections: http.max_connections,
    };
    tokio::spawn(gateway::serve::serve_connections(
        listener,
        app.router.clone(),
        limits,
        stop_rx,
    ));
    (addr, stop_tx)
}

/// Sends a whole GET and returns the status line.
async fn get_status(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

db_test!(
    slow_headers_are_cut_off_and_connections_capped,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[http]\nheader_read_timeout_secs = 1\nmax_connections = 20",
        );
        let (addr, _stop) = serve(&app).await;
        // Twenty slow clients take every connection, each sending half a request line.
        let mut slow = Vec::new();
        for _ in 0..20 {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
                .await
                .unwrap();
            slow.push(s);
        }
        // Within the header timeout (and some slack) every one of them is closed.
        for mut s in slow {
            let mut buf = [0u8; 512];
            let read = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
                .await
                .expect("the server closes a connection whose headers never come");
            // hyper answers 408 or just closes; either way the connection ends.
            if let Ok(n) = read
                && n > 0
            {
                assert!(
                    String::from_utf8_lossy(&buf[..n]).contains("408"),
                    "{}",
                    String::from_utf8_lossy(&buf[..n])
                );
            }
        }
        // A well-behaved client is served.
        assert!(get_status(addr, "/healthz").await.contains("200"));
    }
);

db_test!(
    a_burst_of_connections_waits_in_the_listen_queue,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        // 400 clients connect before the server accepts any: the default queue of 128 would
        // drop most of their SYNs (seen as resets or second-long retries).
        let listener = gateway::serve::bind("127.0.0.1:0".parse().unwrap(), 1024).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut clients = Vec::new();
        for _ in 0..400 {
            clients.push(tokio::spawn(async move {
                tokio::time::timeout(
                    Duration::from_millis(900),
                    tokio::net::TcpStream::connect(addr),
                )
                .await
            }));
        }
        let mut connected = Vec::new();
        for c in clients {
            connected.push(
                c.await
                    .unwrap()
                    .expect("connected without a SYN retry")
                    .expect("not refused"),
            );
        }
        assert_eq!(connected.len(), 400);
        // And then they are served.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let limits = gateway::serve::ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
        };
        tokio::spawn(gateway::serve::serve_connections(
            listener,
            app.router.clone(),
            limits,
            stop_rx,
        ));
        let mut s = connected.pop().unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 200"));
        let _ = stop_tx.send(true);
    }
);

db_test!(
    metrics_move_to_the_operators_listener,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[http]\nops_listen = \"127.0.0.1:0\"");
        // Not on the public listener...
        app.get("/metrics", None).await.problem(404, "not_found");
        assert_eq!(app.get("/healthz", None).await.status, 200);
        // ...but on the operators' one.
        let ops = gateway::app::ops_router(app.state.clone());
        let res =
            tower::ServiceExt::oneshot(ops, Request::get("/metrics").body(Body::empty()).unwrap())
                .await
                .unwrap();
        assert_eq!(res.status(), 200);
        let res = tower::ServiceExt::oneshot(
            gateway::app::ops_router(app.state.clone()),
            Request::get("/api/v1/categories")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            res.status(),
            404,
            "the API is not on the operators' listener"
        );
    }
);

/// A way to damage an embedded index under its root directory.
type Damage = fn(&std::path::Path);

/// The live generation's directory under an embedded index root.
fn live_generation(root: &std::path::Path) -> std::path::PathBuf {
    let name = std::fs::read_to_string(root.join("CURRENT")).unwrap();
    root.join(name.trim())
}

db_test!(
    a_damaged_embedded_index_is_rebuilt_from_the_database,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        crate::orders::market(&app).await;
        app.index().await;
        let root = app.search_dir.clone();
        let all = || search::ProductSearch::default();
        let damages: [(&str, Damage); 6] = [
            ("index directory removed", |root| {
                std::fs::remove_dir_all(root).unwrap();
            }),
            ("CURRENT holds garbage", |root| {
                std::fs::write(root.join("CURRENT"), "\u{0}\u{1}garbage/..").unwrap();
            }),
            ("CURRENT removed", |root| {
                std::fs::remove_file(root.join("CURRENT")).unwrap();
            }),
            ("meta.json holds garbage", |root| {
                std::fs::write(
                    live_generation(root).join("products").join("meta.json"),
                    "{not json",
                )
                .unwrap();
            }),
            ("a segment file truncated", |root| {
                let dir = live_generation(root).join("products");
                let file = std::fs::read_dir(&dir)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "store" || e == "idx"))
                    .max_by_key(|p| std::fs::metadata(p).unwrap().len())
                    .expect("a segment file");
                let len = std::fs::metadata(&file).unwrap().len();
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&file)
                    .unwrap()
                    .set_len(len / 2)
                    .unwrap();
            }),
            // An index written before a field was added (`price_max`, with pack sizes): its
            // schema is not the one this build writes.
            ("an index of an older schema", |root| {
                let meta = live_generation(root).join("products").join("meta.json");
                let mut json: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
                let fields = json["schema"].as_array_mut().unwrap();
                let before = fields.len();
                fields.retain(|f| f["name"] != "price_max");
                assert_eq!(fields.len(), before - 1, "the schema names price_max");
                std::fs::write(&meta, serde_json::to_vec(&json).unwrap()).unwrap();
            }),
        ];
        for (what, damage) in damages {
            let before: Vec<_> = std::fs::read_dir(&root)
                .map(|d| {
                    d.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_dir())
                        .collect()
                })
                .unwrap_or_default();
            damage(&root);
            // It opens (the marketplace starts), says what is wrong...
            let engine = std::sync::Arc::new(
                search::embedded::Embedded::open(&root)
                    .unwrap_or_else(|e| panic!("{what}: the index does not open: {e}")),
            );
            let search = search::Search::new(engine);
            let why = search.needs_rebuild(&app.db.conn).await.unwrap();
            assert!(why.is_some(), "{what}: damage not noticed");
            // ...and deletes no generation before one that replaces it is built.
            for dir in &before {
                let kept = dir.exists()
                    || std::fs::read_dir(&root).unwrap().flatten().any(|e| {
                        e.file_name().to_string_lossy().starts_with(&format!(
                            "damaged-{}",
                            dir.file_name().unwrap().to_string_lossy()
                        ))
                    });
                assert!(
                    kept || what == "index directory removed",
                    "{what}: {dir:?} deleted"
                );
            }
            let (_stop, stop_rx) = tokio::sync::watch::channel(false);
            assert!(
                search
                    .recover(
                        &app.db.conn,
                        &app.state.catalog,
                        Duration::from_millis(100),
                        stop_rx.clone()
                    )
                    .await,
                "{what}"
            );
            assert_eq!(
                search.recovery(),
                search::service::Recovery::Healthy,
                "{what}"
            );
            let found = search
                .products(
                    &app.db.conn,
                    &app.state.catalog,
                    all(),
                    search::service::Lang::En,
                )
                .await
                .unwrap();
            assert_eq!(found.total, 3, "{what}: search finds the catalogue again");
            // Nothing left to rebuild.
            assert!(
                search.needs_rebuild(&app.db.conn).await.unwrap().is_none(),
                "{what}"
            );
            assert!(
                !search
                    .recover(
                        &app.db.conn,
                        &app.state.catalog,
                        Duration::from_millis(100),
                        stop_rx
                    )
                    .await
            );
        }
    }
);
