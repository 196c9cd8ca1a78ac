//! Registration, login, `me` and logout over HTTP.

use serde_json::json;

use crate::support::*;

db_test!(register_login_me_logout, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({
                "email": " Hoa.Le@Example.VN ",
                "password": PASSWORD,
                "full_name": "Lê Thị Hoa",
                "phone": "0912 345 678"
            }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let user = res.json();
    assert_eq!(user["email"], "hoa.le@example.vn");
    assert_eq!(user["full_name"], "Lê Thị Hoa");
    assert_eq!(user["phone"], "0912345678");
    assert_eq!(user["is_admin"], false);
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());

    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "HOA.LE@example.vn", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let login = res.json();
    let token = login["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 32, "at least 128 bits: {token}");
    assert_eq!(login["user"]["id"], user["id"]);
    assert!(login["expires_at"].as_str().unwrap().ends_with('Z'));

    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["id"], user["id"]);
    assert_eq!(me.json()["email"], "hoa.le@example.vn");

    let out = app
        .request(
            axum::http::Method::POST,
            "/api/v1/auth/logout",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(out.status, 204);
    assert!(out.body.is_empty());

    let after = app.get("/api/v1/me", Some(&token)).await;
    after.problem(401, "unauthorized");
    let again = app
        .request(
            axum::http::Method::POST,
            "/api/v1/auth/logout",
            Some(&token),
            None,
        )
        .await;
    again.problem(401, "unauthorized");
});

db_test!(duplicate_email_is_409, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    app.signed_in("minh@example.vn").await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "MINH@example.vn", "password": PASSWORD, "full_name": "Minh"}),
        )
        .await;
    res.problem(409, "email_taken");
});

db_test!(validation_names_each_field, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "minh", "password": "short", "full_name": "", "phone": "123"}),
        )
        .await;
    let body = res.problem(422, "validation_failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password", "full_name", "phone"]);
    assert!(body["errors"][1]["message"].as_str().unwrap().contains('8'));

    let missing = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "minh@example.vn"}),
        )
        .await;
    let body = missing.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(body["errors"][0]["message"], "is required");

    // Nothing was created by the failed attempts.
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "minh@example.vn", "password": PASSWORD}),
        )
        .await;
    login.problem(401, "invalid_credentials");
});

db_test!(
    wrong_password_and_unknown_email_look_alike,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        app.signed_in("minh@example.vn").await;
        let wrong = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "minh@example.vn", "password": "not the password"}),
            )
            .await
            .problem(401, "invalid_credentials");
        let unknown = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": "nobody@example.vn", "password": PASSWORD}),
            )
            .await
            .problem(401, "invalid_credentials");
        assert_eq!(wrong["detail"], unknown["detail"]);
    }
);

db_test!(
    bad_tokens_are_401_with_a_challenge,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let none = app.get("/api/v1/me", None).await;
        none.problem(401, "unauthorized");
        assert_eq!(none.header("www-authenticate"), Some("Bearer"));

        app.get("/api/v1/me", Some("garbage"))
            .await
            .problem(401, "unauthorized");
        let forged = "0".repeat(64);
        app.get("/api/v1/me", Some(&forged))
            .await
            .problem(401, "unauthorized");

        let basic = app
            .send(
                axum::http::Request::get("/api/v1/me")
                    .header("authorization", "Basic bWluaDpwYXNz")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        basic.problem(401, "unauthorized");
    }
);

/// A sign-in from `ip` (the gateway trusts X-Forwarded-For in these tests).
async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> TestResponse {
    app.send(
        axum::http::Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .header("x-forwarded-for", ip)
            .body(axum::body::Body::from(
                json!({"email": email, "password": password}).to_string(),
            ))
            .unwrap(),
    )
    .await
}

db_test!(
    wrong_passwords_from_one_address_cannot_lock_the_owner_out,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[http]\ntrust_forwarded_for = true\n[rate_limit]\nlogin_per_email_per_minute = 3",
        );
        app.signed_in("minh@example.vn").await;
        let attacker = "203.0.113.9";
        for _ in 0..3 {
            login_from(&app, attacker, "minh@example.vn", "wrong password")
                .await
                .problem(401, "invalid_credentials");
        }
        // The guessing address is held back, even with the right password and the email
        // written another way.
        let res = login_from(&app, attacker, " MINH@example.vn", PASSWORD).await;
        res.problem(429, "rate_limited");
        let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=20).contains(&retry), "{retry}");
        // The owner, from their own address, signs in.
        let res = login_from(&app, "198.51.100.7", "minh@example.vn", PASSWORD).await;
        assert_eq!(res.status, 200, "{}", res.text());
        // Successes do not count: the owner can sign in again and again.
        for _ in 0..5 {
            let res = login_from(&app, "198.51.100.7", "minh@example.vn", PASSWORD).await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
        // Another email from the guessing address is not held back.
        app.signed_in("lan@example.vn").await;
    }
);

db_test!(login_is_rate_limited_per_address, |db: TestDb| async move {
    let app = TestApp::with_config(
        db,
        "[http]\ntrust_forwarded_for = true\n[rate_limit]\nlogin_per_ip_per_minute = 3",
    );
    app.signed_in("minh@example.vn").await;
    for _ in 0..3 {
        let res = login_from(&app, "203.0.113.9", "minh@example.vn", PASSWORD).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    // An abusive address is stopped whatever it sends.
    login_from(&app, "203.0.113.9", "minh@example.vn", PASSWORD)
        .await
        .problem(429, "rate_limited");
    let res = login_from(&app, "198.51.100.7", "minh@example.vn", PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.text());
});

db_test!(
    registration_is_rate_limited_per_address,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[rate_limit]\nregister_per_ip_per_minute = 2");
        for i in 0..2 {
            let res = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": format!("u{i}@example.vn"), "password": PASSWORD, "full_name": "U"}),
            )
            .await;
            assert_eq!(res.status, 201);
        }
        let res = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "u9@example.vn", "password": PASSWORD, "full_name": "U"}),
            )
            .await;
        res.problem(429, "rate_limited");
        assert!(res.header("retry-after").is_some());
    }
);

/// Two instances over databases of their own, their rate limits in the Redis of
/// `TEST_REDIS_URL` under a key prefix of this test's.
async fn instances_sharing_redis(db: TestDb, url: &str, per_minute: u32) -> (TestApp, TestApp) {
    let prefix = format!("test-{}", uuid::Uuid::now_v7().simple());
    let toml = format!(
        "[http]\ntrust_forwarded_for = true\n[rate_limit]\nlogin_per_ip_per_minute = {per_minute}\n[redis]\nurl = {url:?}\nkey_prefix = {prefix:?}"
    );
    let other = TestDb::new(db.backend).await;
    let (a, b) = (
        TestApp::with_config(db, &toml),
        TestApp::with_config(other, &toml),
    );
    for app in [&a, &b] {
        app.signed_in("minh@example.vn").await;
    }
    (a, b)
}

/// Waits until both instances reach Redis (they connect in the background).
async fn until_shared(apps: [&TestApp; 2]) {
    let started = std::time::Instant::now();
    while !apps.iter().all(|a| a.state.limits.login_ip.is_shared()) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "Redis was not reached"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").expect("set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set TEST_REDIS_URL and run with --ignored"]
async fn rate_limits_hold_across_instances_with_redis() {
    let db = TestDb::new(testkit::Backend::Sqlite).await;
    let (a, b) = instances_sharing_redis(db, &redis_url(), 3).await;
    until_shared([&a, &b]).await;
    for app in [&a, &b, &a] {
        let res = login_from(app, "203.0.113.9", "minh@example.vn", PASSWORD).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    // The fourth attempt from that address, whichever instance it reaches, waits.
    for app in [&b, &a] {
        let res = login_from(app, "203.0.113.9", "minh@example.vn", PASSWORD).await;
        res.problem(429, "rate_limited");
        let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=20).contains(&retry), "{retry}");
    }
    let res = login_from(&b, "198.51.100.7", "minh@example.vn", PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_each_instance_still_limits() {
    // Nothing listens on port 1: the instance warns and keeps limits of its own.
    let db = TestDb::new(testkit::Backend::Sqlite).await;
    let (a, _) = instances_sharing_redis(db, "redis://127.0.0.1:1/0", 3).await;
    for _ in 0..3 {
        let res = login_from(&a, "203.0.113.9", "minh@example.vn", PASSWORD).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    login_from(&a, "203.0.113.9", "minh@example.vn", PASSWORD)
        .await
        .problem(429, "rate_limited");
    assert!(!a.state.limits.login_ip.is_shared());
}

db_test!(
    a_reset_asked_for_text_that_is_no_address_is_refused_naming_the_field,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let too_long = format!("lan@{}.vn", "a".repeat(250));
        for bad in ["", "khong-phai-email", "a@b", "lan @example.vn", &too_long] {
            let body = app
                .post("/api/v1/auth/password-reset", None, json!({"email": bad}))
                .await
                .problem(422, "validation_failed");
            assert_eq!(body["errors"][0]["field"], "email", "{bad:?}: {body}");
            assert_eq!(
                body["errors"][0]["code"], "invalid_email",
                "{bad:?}: {body}"
            );
        }
        // An address without an account is answered as one with: nothing is told.
        let res = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({"email": "chua-co@example.vn"}),
            )
            .await;
        assert_eq!(res.status, 202);
    }
);
