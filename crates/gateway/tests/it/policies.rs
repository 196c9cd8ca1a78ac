//! Published policies and consents over HTTP, on SQLite and PostgreSQL: the public texts,
//! registration with and without `accepted_policies`, `pending_policies` on `me`, checkout
//! refused until the versions in effect are accepted, and accepted again after a new version.

use axum::{body::Body, http::Request};
use serde_json::{Value, json};

use crate::{
    orders::{checkout, market, put_item, shipping},
    support::*,
};

/// The `[kind, version]` pairs of a list of policies (or of pending ones).
fn pairs(list: &Value) -> Vec<(String, i64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_owned(),
                p["version"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn both_v1() -> Vec<(String, i64)> {
    vec![("operating_rules".into(), 1), ("privacy".into(), 1)]
}

async fn register(app: &TestApp, email: &str, accepted: Option<Value>) -> TestResponse {
    let mut body = json!({"email": email, "password": PASSWORD, "full_name": "Lê Thị Hoa"});
    if let Some(accepted) = accepted {
        body["accepted_policies"] = accepted;
    }
    app.post("/api/v1/auth/register", None, body).await
}

async fn pending(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let me = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(me.status, 200, "{}", me.text());
    pairs(&me.json()["pending_policies"])
}

db_test!(
    every_policy_is_published_and_readable_by_anyone,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let list = app.get("/api/v1/policies", None).await;
        assert_eq!(list.status, 200, "{}", list.text());
        let kinds: Vec<_> = pairs(&list.json()).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            [
                "operating_rules",
                "privacy",
                "returns",
                "shipping",
                "payment",
                "complaints"
            ]
        );
        let privacy = app.get("/api/v1/policies/privacy", None).await.json();
        assert_eq!(privacy["version"], 1);
        assert_eq!(privacy["title"], "Chính sách bảo vệ dữ liệu cá nhân");
        assert!(
            privacy["body"]
                .as_str()
                .unwrap()
                .contains("dữ liệu cá nhân")
        );
        assert!(privacy["effective_from"].is_string());
        let same = app.get("/api/v1/policies/privacy?version=1", None).await;
        assert_eq!(same.json(), privacy);
        app.get("/api/v1/policies/privacy?version=2", None)
            .await
            .problem(404, "not_found");
        app.get("/api/v1/policies/terms", None)
            .await
            .problem(404, "not_found");
    }
);

db_test!(
    registering_with_the_policies_records_each_consent_apart,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[http]\ntrust_forwarded_for = true");
        let accepted = app.policies_to_accept().await;
        let res = app
            .send(
                Request::post("/api/v1/auth/register")
                    .header("content-type", "application/json")
                    .header("x-forwarded-for", "203.113.7.42")
                    .body(Body::from(
                        json!({"email": "hoa@example.vn", "password": PASSWORD,
                               "full_name": "Lê Thị Hoa", "accepted_policies": accepted})
                        .to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let token = app.login("hoa@example.vn").await;
        assert!(pending(&app, &token).await.is_empty());
        let consents = app.get("/api/v1/me/consents", Some(&token)).await.json();
        let mut got = pairs(&consents);
        got.sort();
        assert_eq!(got, both_v1(), "one record for each policy");
        for c in consents.as_array().unwrap() {
            assert_eq!(c["client_address"], "203.113.7.42");
            assert!(c["accepted_at"].is_string());
        }
        // Privacy is its own consent: the operating rules alone do not open an account.
        let rules_only = json!([{"kind": "operating_rules", "version": 1}]);
        let body = register(&app, "tu@example.vn", Some(rules_only))
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "accepted_policies.privacy");
        assert_eq!(body["errors"][0]["code"], "required");
        // A version that is not in effect is named, in Vietnamese when asked.
        let stale =
            json!([{"kind": "operating_rules", "version": 1}, {"kind": "privacy", "version": 7}]);
        let res = app
            .send(
                Request::post("/api/v1/auth/register")
                    .header("content-type", "application/json")
                    .header("accept-language", "vi")
                    .body(Body::from(
                        json!({"email": "tu@example.vn", "password": PASSWORD,
                               "full_name": "Lê Văn Tú", "accepted_policies": stale})
                        .to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        let body = res.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "accepted_policies.privacy");
        assert_eq!(body["errors"][0]["code"], "not_in_effect");
        assert_eq!(
            body["errors"][0]["message"],
            "không phải phiên bản đang có hiệu lực (phiên bản 1)"
        );
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "tu@example.vn", "password": PASSWORD}),
        )
        .await
        .problem(401, "invalid_credentials");
    }
);

db_test!(
    checkout_waits_until_the_policies_are_accepted,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        // An older client registers without the field: the account works, nothing is taken
        // as accepted.
        assert_eq!(register(&app, "cu@example.vn", None).await.status, 201);
        let buyer = app.login("cu@example.vn").await;
        assert_eq!(pending(&app, &buyer).await, both_v1());
        let me = app.get("/api/v1/me", Some(&buyer)).await.json();
        assert_eq!(me["email"], "cu@example.vn", "the user's fields stay");
        assert!(me["pending_policies"][0]["title"].is_string());
        assert!(
            app.get("/api/v1/me/consents", Some(&buyer))
                .await
                .json()
                .as_array()
                .unwrap()
                .is_empty()
        );

        assert_eq!(put_item(&app, &buyer, &m.sauce, 2).await.status, 200);
        let refused = checkout(&app, &buyer, "k-1", shipping()).await;
        let body = refused.problem(409, "policy_not_accepted");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("operating_rules") && detail.contains("privacy"),
            "{detail}"
        );
        assert_eq!(pairs(&body["details"]["pending"]), both_v1());
        let vi = app
            .send(
                Request::post("/api/v1/checkout")
                    .header("authorization", format!("Bearer {buyer}"))
                    .header("content-type", "application/json")
                    .header("accept-language", "vi")
                    .header("idempotency-key", "k-1")
                    .body(Body::from(shipping().to_string()))
                    .unwrap(),
            )
            .await
            .problem(409, "policy_not_accepted");
        assert_eq!(
            vi["detail"],
            "Vui lòng đồng ý phiên bản đang có hiệu lực của các chính sách sau trước khi đặt \
             hàng: operating_rules, privacy."
        );
        // Nothing was ordered, nothing reserved: the cart is as it was.
        let cart = app.get("/api/v1/cart", Some(&buyer)).await.json();
        assert_eq!(cart["items"].as_array().unwrap().len(), 1);
        assert!(
            app.get("/api/v1/orders", Some(&buyer)).await.json()["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // Accepting one is not enough; accepting both opens checkout.
        let res = app
            .post(
                "/api/v1/me/consents",
                Some(&buyer),
                json!({"kind": "privacy", "version": 1}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["kind"], "privacy");
        let still = checkout(&app, &buyer, "k-2", shipping()).await;
        let body = still.problem(409, "policy_not_accepted");
        assert_eq!(body["details"]["kinds"], "operating_rules");
        let res = app
            .post(
                "/api/v1/me/consents",
                Some(&buyer),
                json!({"kind": "operating_rules", "version": 1}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(pending(&app, &buyer).await.is_empty());
        let ordered = checkout(&app, &buyer, "k-3", shipping()).await;
        assert_eq!(ordered.status, 201, "{}", ordered.text());
        // The market's own buyer, registered by the test support with the policies, orders
        // at once.
        assert_eq!(put_item(&app, &m.buyer, &m.coffee, 1).await.status, 200);
        let res = checkout(&app, &m.buyer, "k-4", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
);

db_test!(
    a_new_version_is_accepted_again_before_the_next_order,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let new_rules = json!({
            "title": "Quy chế hoạt động (sửa đổi 2027)",
            "body": "Nội dung sửa đổi của quy chế.",
        });
        let res = app
            .post(
                "/api/v1/admin/policies/operating_rules",
                Some(&m.admin),
                new_rules,
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let v2 = res.json();
        assert_eq!(
            (v2["kind"].as_str(), v2["version"].as_i64()),
            (Some("operating_rules"), Some(2))
        );
        let current = app
            .get("/api/v1/policies/operating_rules", None)
            .await
            .json();
        assert_eq!(current["version"], 2);
        assert_eq!(
            app.get("/api/v1/policies/operating_rules?version=1", None)
                .await
                .json()["version"],
            1
        );
        // The buyer who accepted version 1 must accept version 2 before ordering again.
        assert_eq!(
            pending(&app, &m.buyer).await,
            [("operating_rules".to_owned(), 2)]
        );
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 1).await.status, 200);
        checkout(&app, &m.buyer, "k-1", shipping())
            .await
            .problem(409, "policy_not_accepted");
        let old = app
            .post(
                "/api/v1/me/consents",
                Some(&m.buyer),
                json!({"kind": "operating_rules", "version": 1}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(old["errors"][0]["field"], "version");
        assert_eq!(old["errors"][0]["code"], "not_in_effect");
        let res = app
            .post(
                "/api/v1/me/consents",
                Some(&m.buyer),
                json!({"kind": "operating_rules", "version": 2}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let history = app.get("/api/v1/me/consents", Some(&m.buyer)).await.json();
        assert_eq!(
            pairs(&history)[0],
            ("operating_rules".to_owned(), 2),
            "newest first"
        );
        assert_eq!(
            history.as_array().unwrap().len(),
            3,
            "the earlier ones stay"
        );
        let res = checkout(&app, &m.buyer, "k-2", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());

        // Publishing is audited; a date in the past is refused, in Vietnamese when asked.
        let audit = app
            .get(
                "/api/v1/admin/audit-log?subject_type=policy",
                Some(&m.admin),
            )
            .await
            .json();
        let entry = &audit["items"][0];
        assert_eq!(entry["action"], "policy.publish");
        assert_eq!(entry["after"]["version"], 2);
        let past = app
            .send(
                Request::post("/api/v1/admin/policies/privacy")
                    .header("authorization", format!("Bearer {}", m.admin))
                    .header("content-type", "application/json")
                    .header("accept-language", "vi")
                    .body(Body::from(
                        json!({"title": "Bảo mật", "body": "Nội dung",
                               "effective_from": "2020-01-01T00:00:00Z"})
                        .to_string(),
                    ))
                    .unwrap(),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(past["errors"][0]["field"], "effective_from");
        assert_eq!(past["errors"][0]["code"], "in_the_past");
        assert_eq!(
            past["errors"][0]["message"],
            "không được ở trong quá khứ (bỏ trống để có hiệu lực ngay)"
        );
        // Announced for later: the version before stays in effect until then.
        let later = app
            .post(
                "/api/v1/admin/policies/privacy",
                Some(&m.admin),
                json!({"title": "Bảo mật 2030", "body": "Nội dung",
                       "effective_from": "2030-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(later.status, 201, "{}", later.text());
        assert_eq!(
            app.get("/api/v1/policies/privacy", None).await.json()["version"],
            1
        );
        assert!(pending(&app, &m.buyer).await.is_empty());
        let early = app
            .post(
                "/api/v1/me/consents",
                Some(&m.buyer),
                json!({"kind": "privacy", "version": 2}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(early["errors"][0]["code"], "not_in_effect");
    }
);
