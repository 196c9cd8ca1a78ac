//! Every way a client can get a request wrong answers problem+json with a stable code.

use axum::{
    body::Body,
    http::{Method, Request},
};
use serde_json::json;

use crate::support::*;

fn raw(
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.body(body.into()).unwrap()
}

db_test!(unknown_route_is_404, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app.get("/api/v1/no-such-thing", None).await;
    let body = res.problem(404, "not_found");
    insta::assert_json_snapshot!("problem_not_found", body);
    app.get("/nothing/here", None)
        .await
        .problem(404, "not_found");
});

db_test!(wrong_method_is_405_with_allow, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app.get("/api/v1/auth/login", None).await;
    res.problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("POST"));
});

db_test!(malformed_json_is_400, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app
        .send(raw(
            Method::POST,
            "/api/v1/auth/login",
            Some("application/json"),
            r#"{"email": "a@b.vn", "password": "#,
        ))
        .await;
    res.problem(400, "malformed_json");
});

db_test!(
    wrong_or_missing_content_type_is_415,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let body = json!({"email": "a@b.vn", "password": PASSWORD}).to_string();
        let res = app
            .send(raw(
                Method::POST,
                "/api/v1/auth/login",
                Some("text/plain"),
                body.clone(),
            ))
            .await;
        res.problem(415, "unsupported_media_type");
        let res = app
            .send(raw(Method::POST, "/api/v1/auth/login", None, body.clone()))
            .await;
        res.problem(415, "unsupported_media_type");
        // A charset parameter is fine.
        let res = app
            .send(raw(
                Method::POST,
                "/api/v1/auth/login",
                Some("application/json; charset=utf-8"),
                body,
            ))
            .await;
        res.problem(401, "invalid_credentials");
    }
);

db_test!(unknown_field_is_named, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "a@b.vn", "password": PASSWORD, "full_name": "A", "is_admin": true}),
        )
        .await;
    let body = res.problem(422, "validation_failed");
    insta::assert_json_snapshot!("problem_unknown_field", body);
    // Mass assignment is impossible: nothing was created.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "a@b.vn", "password": PASSWORD}),
    )
    .await
    .problem(401, "invalid_credentials");
});

db_test!(wrong_type_is_named, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": 42, "password": PASSWORD}),
        )
        .await;
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "email");
});

db_test!(oversized_body_is_413, |db: TestDb| async move {
    let app = TestApp::with_config(db, "[http]\nbody_limit_bytes = 1024");
    let big = json!({"email": "a@b.vn", "password": "x".repeat(4096)}).to_string();
    let res = app
        .send(raw(
            Method::POST,
            "/api/v1/auth/login",
            Some("application/json"),
            big,
        ))
        .await;
    res.problem(413, "payload_too_large");
});
