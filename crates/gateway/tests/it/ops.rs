//! Operator endpoints, request ids, compression, CORS and the API documents.

use axum::{body::Body, http::Request};

use crate::support::*;

db_test!(health_and_readiness, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ready");

    // With the database gone, the gateway is alive but not ready.
    app.db.conn.clone().close().await.unwrap();
    let res = app.get("/readyz", None).await;
    res.problem(503, "unavailable");
    assert!(res.header("retry-after").is_some());
    assert_eq!(app.get("/healthz", None).await.status, 200);
});

db_test!(
    metrics_count_requests_by_route_template,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        app.get("/healthz", None).await;
        app.get("/healthz", None).await;
        app.get("/api/v1/me", None).await;
        app.get("/no/such/path/123", None).await;
        let res = app.get("/metrics", None).await;
        assert_eq!(res.status, 200);
        let text = res.text();
        assert!(
            text.contains(
                r#"marketplace_http_requests_total{method="GET",route="/healthz",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"marketplace_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#
            ),
            "{text}"
        );
        // Unmatched paths share one series instead of one per path.
        assert!(
            text.contains(r#"route="unmatched",status="404"} 1"#),
            "{text}"
        );
        assert!(!text.contains("/no/such/path"), "{text}");
        assert!(
            text.contains("marketplace_http_request_duration_seconds_bucket"),
            "{text}"
        );
    }
);

db_test!(
    metrics_show_the_process_the_pool_the_build_and_todays_orders,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = crate::orders::market(&app).await;
        crate::orders::put_item(&app, &m.buyer, &m.sauce, 1).await;
        let res =
            crate::orders::checkout(&app, &m.buyer, "metrics-1", crate::orders::shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let text = app.get("/metrics", None).await.text();
        let value = |name: &str| -> f64 {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {text}"))
        };
        assert!(value("marketplace_process_resident_memory_bytes ") > 0.0);
        assert!(value("marketplace_process_open_fds ") > 0.0);
        assert!(value("marketplace_process_cpu_seconds ") >= 0.0);
        assert!(value(r#"marketplace_db_pool_connections{state="idle"}"#) >= 0.0);
        assert_eq!(value("marketplace_db_pool_max_connections "), 10.0);
        assert_eq!(value(r#"marketplace_orders_today{status="placed"}"#), 1.0);
        assert_eq!(
            value(r#"marketplace_orders_today{status="delivered"}"#),
            0.0
        );
        let build = text
            .lines()
            .find(|l| l.starts_with("marketplace_build_info{"))
            .expect("build info");
        assert!(
            build.contains(&format!(r#"version="{}""#, env!("CARGO_PKG_VERSION"))),
            "{build}"
        );
        assert!(build.contains("commit=\""), "{build}");
    }
);

db_test!(request_ids_are_made_or_echoed, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app.get("/healthz", None).await;
    let id = res.header("x-request-id").expect("a request id is made");
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);

    let res = app
        .send(
            Request::get("/api/v1/me")
                .header("x-request-id", "trace-abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.header("x-request-id"), Some("trace-abc-123"));
});

db_test!(
    openapi_document_describes_the_api,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let res = app.get("/openapi.json", None).await;
        assert_eq!(res.status, 200);
        let doc = res.json();
        assert!(doc["paths"]["/api/v1/auth/login"]["post"].is_object());
        assert!(doc["paths"]["/api/v1/me"]["get"]["security"].is_array());
        let stall_products = &doc["paths"]["/api/v1/stalls/{id}/products"];
        assert!(stall_products["get"].is_object() && stall_products["post"].is_object());
        assert!(doc["paths"]["/api/v1/admin/stalls/{id}/approve"]["post"].is_object());
        // One template per route: `{id}` and `{id_or_slug}` must not describe the same path twice.
        assert!(doc["paths"].get("/api/v1/stalls/{id_or_slug}").is_none());
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        insta::assert_json_snapshot!("openapi", doc, {".info.version" => "[version]"});
    }
);

db_test!(docs_page_is_self_contained, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app.get("/docs", None).await;
    assert!(res.status.is_redirection(), "{}", res.status);
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("swagger-ui"), "{html}");
    // Everything the page loads comes from this server: no CDN.
    for attr in ["src=\"http", "href=\"http", "src='http", "href='http"] {
        assert!(!html.contains(attr), "page loads a remote asset: {html}");
    }
    let init = app.get("/docs/swagger-initializer.js", None).await;
    assert_eq!(init.status, 200);
    assert!(init.text().contains("/openapi.json"), "{}", init.text());
    assert!(!init.text().contains("https://"), "{}", init.text());
    let bundle = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.body.len() > 100_000);
});

db_test!(
    responses_are_compressed_on_request,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let res = app
            .send(
                Request::get("/openapi.json")
                    .header("accept-encoding", "gzip")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-encoding"), Some("gzip"));
    }
);

db_test!(
    cors_allows_only_configured_origins,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[http]\ncors_origins = [\"https://cho.example.vn\"]");
        let preflight = |origin: &'static str| {
            Request::options("/api/v1/me")
                .header("origin", origin)
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "authorization")
                .body(Body::empty())
                .unwrap()
        };
        let ok = app.send(preflight("https://cho.example.vn")).await;
        assert_eq!(
            ok.header("access-control-allow-origin"),
            Some("https://cho.example.vn")
        );
        let other = app.send(preflight("https://evil.example")).await;
        assert_eq!(other.header("access-control-allow-origin"), None);
    }
);

db_test!(
    public_reads_carry_a_tag_and_revalidate,
    |db: TestDb| async move {
        use axum::{body::Body, http::Request};
        let app = TestApp::new(db).await;
        let res = app.get("/api/v1/categories", None).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("cache-control"), Some("public, max-age=60"));
        let tag = res.header("etag").expect("a tag").to_owned();
        assert!(tag.starts_with("W/\""), "{tag}");
        let again = |tag: String| {
            let app = &app;
            async move {
                app.send(
                    Request::get("/api/v1/categories")
                        .header("if-none-match", tag)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
            }
        };
        let res = again(tag.clone()).await;
        assert_eq!(res.status, 304);
        assert!(res.text().is_empty());
        assert_eq!(res.header("etag"), Some(tag.as_str()));
        // The catalogue changes: the old tag no longer matches.
        let admin = app.admin("admin@tinh.vn").await;
        let res = app
            .post(
                "/api/v1/admin/categories",
                Some(&admin),
                serde_json::json!({"slug": "ruou-can", "name": "Rượu cần"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let res = again(tag.clone()).await;
        assert_eq!(res.status, 200);
        assert_ne!(res.header("etag"), Some(tag.as_str()));
        // An answer for one caller is never stored by a shared cache.
        let res = app.get("/api/v1/categories", Some(&admin)).await;
        assert_eq!(res.header("cache-control"), Some("no-store"));
        assert_eq!(res.header("etag"), None);
        // Errors are not tagged.
        let res = app.get("/api/v1/products/no-such-product", None).await;
        assert_eq!(res.status, 404);
        assert_eq!(res.header("etag"), None);
        // A product page: unchanged, 304; after its vendor edits it, 200 with a new tag.
        let vendor = app.signed_in("lan@htx.vn").await;
        let stall = app.stall(&vendor, "HTX Nước mắm Cửa Tùng").await;
        let stall_id = stall["id"].as_str().unwrap().to_owned();
        app.approve(&admin, &stall_id).await;
        let category = app.category("gia-vi-nuoc-cham").await;
        let body = app.product_body(&category, "Nước mắm nhĩ", 120_000);
        let product = app.product(&vendor, &stall_id, body).await;
        let path = format!("/api/v1/products/{}", product["id"].as_str().unwrap());
        let conditional = |tag: String| {
            let (app, path) = (&app, path.clone());
            async move {
                app.send(
                    Request::get(path)
                        .header("if-none-match", tag)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
            }
        };
        let first = app.get(&path, None).await;
        let tag = first.header("etag").expect("a tag").to_owned();
        assert_eq!(conditional(tag.clone()).await.status, 304);
        let edit = app
            .patch(
                &path,
                Some(&vendor),
                serde_json::json!({"price": 125_000, "version": product["version"]}),
            )
            .await;
        assert_eq!(edit.status, 200, "{}", edit.text());
        let after = conditional(tag.clone()).await;
        assert_eq!(after.status, 200);
        assert_eq!(after.json()["price"], 125_000);
        let new_tag = after.header("etag").expect("a tag").to_owned();
        assert_ne!(new_tag, tag);
        assert_eq!(conditional(new_tag).await.status, 304);
    }
);

db_test!(
    the_public_cache_lifetime_is_configurable,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[http]\npublic_max_age_secs = 300");
        let res = app.get("/api/v1/regions/provinces", None).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("cache-control"), Some("public, max-age=300"));
        assert!(
            gateway::Config::with_overrides("[http]\npublic_max_age_secs = 90000").is_err(),
            "a lifetime over a day is refused"
        );
    }
);

db_test!(
    every_secured_operation_documents_401_and_bodies_their_errors,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let doc = app.get("/openapi.json", None).await.json();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
                if secured {
                    assert!(responses.contains_key("401"), "{method} {path} lacks 401");
                    checked += 1;
                }
                let json_body = op["requestBody"]["content"]
                    .as_object()
                    .is_some_and(|c| c.keys().any(|k| k.starts_with("application/json")));
                if json_body {
                    for code in ["400", "415", "422"] {
                        assert!(responses.contains_key(code), "{method} {path} lacks {code}");
                    }
                }
            }
        }
        assert!(checked > 40, "{checked} secured operations");
    }
);

/// The routes `app.rs` declares, as `(METHOD, path)` with `/api/v1` in front of the API's.
fn declared_routes() -> std::collections::BTreeSet<(String, String)> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/app.rs")).unwrap();
    // The API's areas, nested under /api/v1, come before the operators' endpoints, which come
    // before the docs page.
    let api_start = src
        .find("fn catalogue_routes()")
        .expect("the API's first area");
    let api_end = src
        .find("fn ops_routes(")
        .expect("the operators' endpoints");
    let ops_end = src.find("fn docs()").expect("the docs page");
    let mut out = std::collections::BTreeSet::new();
    for (block, prefix) in [
        (&src[api_start..api_end], "/api/v1"),
        (&src[api_end..ops_end], ""),
    ] {
        for (at, _) in block.match_indices(".route(") {
            let rest = &block[at + ".route(".len()..];
            let Some(open) = rest.find('"') else { continue };
            let close = rest[open + 1..].find('"').unwrap() + open + 1;
            let path = &rest[open + 1..close];
            // The handlers: up to this call's closing parenthesis.
            let (mut depth, mut end) = (1, close + 1);
            for (i, c) in rest[close + 1..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = close + 1 + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = &rest[close + 1..end];
            for m in ["get", "post", "put", "patch", "delete"] {
                let called = handlers
                    .match_indices(&format!("{m}("))
                    .any(|(i, _)| i == 0 || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric());
                if called {
                    out.insert((m.to_uppercase(), format!("{prefix}{path}")));
                }
            }
        }
    }
    out
}

db_test!(
    every_route_is_documented_and_every_documented_operation_is_routed,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let doc = app.get("/openapi.json", None).await.json();
        let mut documented = std::collections::BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for m in ["get", "post", "put", "patch", "delete"] {
                if item.get(m).is_some() {
                    documented.insert((m.to_uppercase(), path.clone()));
                }
            }
        }
        // Every operationId reads as a client method name: unique, and more than one word but
        // for a few that are verbs of their own.
        let mut ids = std::collections::BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                let Some(id) = op["operationId"].as_str() else {
                    continue;
                };
                assert!(ids.insert(id.to_owned()), "operationId {id} twice");
                let lone = [
                    "login", "logout", "register", "healthz", "readyz", "metrics",
                ];
                assert!(
                    id.contains('_') || lone.contains(&id),
                    "operationId {id} is too generic"
                );
            }
        }
        let routed = declared_routes();
        assert!(
            routed.len() > 100,
            "read {} routes from app.rs",
            routed.len()
        );
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from /openapi.json: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "documented but not routed: {unrouted:?}"
        );
        // And the router itself agrees: no documented operation answers 405.
        for (method, path) in &documented {
            let concrete = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "0193f0e0-0000-7000-8000-000000000000"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let res = app
                .request(method.parse().unwrap(), &concrete, None, None)
                .await;
            assert_ne!(res.status, 405, "{method} {path}");
        }
    }
);
