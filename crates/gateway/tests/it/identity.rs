//! The seller's identity over HTTP: a stall is approved only once its seller is verified,
//! administrators verify or reject (and the owner submits again), the test kit's automatic
//! stand-in answers at once, and the number reaches nobody but the owner and administrators.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{Method, Request},
};
use serde_json::{Value, json};

use crate::support::*;

const NUMBER: &str = "045080001234";
const MASKED: &str = "*********234";

/// An app with an administrator, an owner with a pending stall, and the owner's staff member.
struct World {
    app: TestApp,
    admin: String,
    owner: String,
    staff: String,
    stall: String,
}

async fn world(app: TestApp) -> World {
    let admin = app.admin("admin@tinh.vn").await;
    let owner = app.signed_in("owner@example.vn").await;
    let staff = app.signed_in("staff@example.vn").await;
    let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &format!("/api/v1/stalls/{stall}/members"),
            Some(&owner),
            json!({"email": "staff@example.vn", "role": "staff"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    World {
        app,
        admin,
        owner,
        staff,
        stall,
    }
}

impl World {
    fn path(&self) -> String {
        format!("/api/v1/stalls/{}/identity", self.stall)
    }

    async fn submit(&self, body: Value) -> TestResponse {
        self.app.post(&self.path(), Some(&self.owner), body).await
    }

    async fn decide(&self, action: &str, body: Option<Value>) -> TestResponse {
        let path = format!("/api/v1/admin/stalls/{}/identity/{action}", self.stall);
        self.app
            .request(Method::POST, &path, Some(&self.admin), body)
            .await
    }

    async fn approve(&self) -> TestResponse {
        let path = format!("/api/v1/admin/stalls/{}/approve", self.stall);
        self.app
            .request(Method::POST, &path, Some(&self.admin), None)
            .await
    }

    /// The events of the owner's inbox, newest first, with their texts.
    async fn owner_heard(&self) -> Vec<(String, String)> {
        let res = self
            .app
            .get("/api/v1/me/notifications", Some(&self.owner))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let text = format!("{} {}", n["title"], n["body"]);
                (n["event"].as_str().unwrap().to_owned(), text)
            })
            .collect()
    }
}

db_test!(
    a_stall_is_approved_only_after_its_seller_is_verified,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let body = w.approve().await.problem(409, "identity_unverified");
        assert!(
            body["detail"].as_str().unwrap().contains("identity"),
            "{body}"
        );
        // In Vietnamese for a client that asks.
        let req = Request::post(format!("/api/v1/admin/stalls/{}/approve", w.stall))
            .header("authorization", format!("Bearer {}", w.admin))
            .header("accept-language", "vi")
            .body(Body::empty())
            .unwrap();
        let body = w.app.send(req).await.problem(409, "identity_unverified");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with("Danh tính người bán của gian hàng chưa được xác minh"),
            "{body}"
        );
        w.app
            .get(&w.path(), Some(&w.owner))
            .await
            .problem(404, "not_found");

        let res = w.submit(identity_body()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let submitted = res.json();
        assert_eq!(submitted["status"], "pending");
        assert_eq!(submitted["id_number"], NUMBER, "the owner reads it whole");
        assert_eq!(submitted["method"], "citizen_id_card");
        assert_eq!(submitted["date_of_birth"], "1980-05-12");
        assert_eq!(submitted["stall_id"], w.stall);
        assert!(submitted["reviewed_at"].is_null());
        // Pending is not verified.
        w.approve().await.problem(409, "identity_unverified");

        let res = w.decide("verify", None).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "verified");
        assert!(res.json()["reviewed_at"].is_string());
        let res = w.approve().await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "approved");
        let heard = w.owner_heard().await;
        assert!(
            heard.iter().any(|(e, text)| e == "identity_verified"
                && text.contains("HTX Nước mắm Cửa Tùng")),
            "{heard:?}"
        );
        // Deciding again is refused; the audit log records who did what, never the number.
        w.decide("verify", None)
            .await
            .problem(409, "invalid_transition");
        let audit = w
            .app
            .get(
                &format!("/api/v1/admin/audit-log?subject_id={}", w.stall),
                Some(&w.admin),
            )
            .await;
        let entries = audit.json();
        let actions: Vec<&str> = entries["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["stall.approve", "identity.verify", "identity.submit"]
        );
        assert!(!audit.text().contains(NUMBER) && !audit.text().contains("1980-05-12"));
    }
);

db_test!(
    a_rejected_identity_is_submitted_again,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        assert_eq!(w.submit(identity_body()).await.status, 201);
        let body = w
            .decide("reject", Some(json!({"reason": ""})))
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "reason", "{body}");
        w.decide("reject", Some(json!({})))
            .await
            .problem(422, "validation_failed");
        let why = "Ảnh căn cước bị mờ, không đọc được số";
        let res = w.decide("reject", Some(json!({"reason": why}))).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "rejected");
        assert_eq!(res.json()["reason"], why);

        let mine = w.app.get(&w.path(), Some(&w.owner)).await.json();
        assert_eq!(
            (&mine["status"], &mine["reason"]),
            (&json!("rejected"), &json!(why))
        );
        let heard = w.owner_heard().await;
        assert!(
            heard
                .iter()
                .any(|(e, text)| e == "identity_rejected" && text.contains(why)),
            "{heard:?}"
        );
        w.decide("verify", None)
            .await
            .problem(409, "invalid_transition");
        w.approve().await.problem(409, "identity_unverified");

        // The owner sends it again, as a foreign seller's document this time: it replaces the
        // rejected one and waits again, without the old reason.
        let res = w
            .submit(json!({
                "method": "foreign_documents",
                "full_name": "Jean-Pierre O'Brien",
                "id_number": "c 7654321",
                "date_of_birth": "1975-03-01",
                "document_urls": ["https://anh.example.vn/ho-chieu.jpg"],
            }))
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let again = res.json();
        assert_eq!(again["status"], "pending");
        assert_eq!(again["id_number"], "C7654321");
        assert!(again.get("reason").is_none(), "{again}");
        // A pending one is replaced too.
        assert_eq!(w.submit(identity_body()).await.status, 201);
        assert_eq!(w.decide("verify", None).await.status, 200);
        assert_eq!(w.approve().await.status, 200);
        // A verified identity stays.
        w.submit(identity_body())
            .await
            .problem(409, "already_verified");
        let mine = w.app.get(&w.path(), Some(&w.owner)).await.json();
        assert_eq!(mine["status"], "verified");
    }
);

db_test!(
    a_submission_is_checked_field_by_field,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let with = |changes: Value| {
            let mut body = identity_body();
            for (k, v) in changes.as_object().unwrap() {
                body[k] = v.clone();
            }
            body
        };
        for (changes, field, code) in [
            (
                json!({"id_number": "04508000123"}),
                "id_number",
                "invalid_citizen_id",
            ),
            (
                json!({"id_number": "099080001234"}),
                "id_number",
                "invalid_citizen_id",
            ),
            (
                json!({"method": "foreign_documents", "id_number": "AB-12"}),
                "id_number",
                "invalid_document_number",
            ),
            (json!({"full_name": "L3 V4n"}), "full_name", "invalid_name"),
            // The stall is a cooperative: its seller must be 18.
            (
                json!({"date_of_birth": "2010-01-01"}),
                "date_of_birth",
                "too_young",
            ),
            (
                json!({"date_of_birth": "2999-01-01"}),
                "date_of_birth",
                "in_the_future",
            ),
            (
                json!({"document_urls": ["http://anh.example.vn/a.jpg"]}),
                "document_urls[0]",
                "invalid_url",
            ),
            (json!({"method": "passport"}), "method", "not_one_of"),
        ] {
            let body = w
                .submit(with(changes.clone()))
                .await
                .problem(422, "validation_failed");
            assert_eq!(body["errors"][0]["field"], field, "{changes}: {body}");
            assert_eq!(body["errors"][0]["code"], code, "{changes}: {body}");
            assert!(!body.to_string().contains(NUMBER), "{body}");
        }
        w.app
            .get(&w.path(), Some(&w.owner))
            .await
            .problem(404, "not_found");
        // Vietnamese texts for those who ask.
        let req = Request::post(w.path())
            .header("authorization", format!("Bearer {}", w.owner))
            .header("content-type", "application/json")
            .header("accept-language", "vi")
            .body(Body::from(
                with(json!({"id_number": "099080001234", "date_of_birth": "2010-01-01"}))
                    .to_string(),
            ))
            .unwrap();
        let body = w.app.send(req).await.problem(422, "validation_failed");
        let messages: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            messages,
            [
                "phải bắt đầu bằng mã tỉnh từ 001 đến 096",
                "người bán phải đủ 18 tuổi trở lên"
            ]
        );
        // An individual's stall may be run by a 15-year-old.
        let mine = w.app.stall(&w.owner, "Vườn tiêu nhà Lan").await;
        let id = mine["id"].as_str().unwrap();
        let res = w
            .app
            .patch(
                &format!("/api/v1/stalls/{id}"),
                Some(&w.owner),
                json!({"business_type": "individual"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let born = (chrono::Utc::now().date_naive() - chrono::Days::new(16 * 366)).to_string();
        let res = w
            .app
            .post(
                &format!("/api/v1/stalls/{id}/identity"),
                Some(&w.owner),
                with(json!({"date_of_birth": born})),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
);

db_test!(
    only_the_owner_and_administrators_read_the_number,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let buyer = w.app.signed_in("buyer@example.vn").await;
        assert_eq!(w.submit(identity_body()).await.status, 201);

        let admin_view = w.app.get(&w.path(), Some(&w.admin)).await;
        assert_eq!(admin_view.status, 200, "{}", admin_view.text());
        assert_eq!(admin_view.json()["id_number"], NUMBER);
        // Staff of the stall are refused, and so is anyone else; the stall is not public yet.
        let refused = w.app.get(&w.path(), Some(&w.staff)).await;
        refused.problem(403, "forbidden");
        assert!(!refused.text().contains(NUMBER));
        w.app
            .get(&w.path(), Some(&buyer))
            .await
            .problem(404, "not_found");
        w.app
            .get(&w.path(), None)
            .await
            .problem(401, "unauthorized");
        w.app
            .post(&w.path(), Some(&w.staff), identity_body())
            .await
            .problem(403, "forbidden");

        // In the administrators' queue the number is masked.
        let queue = w
            .app
            .get("/api/v1/admin/identities?status=pending", Some(&w.admin))
            .await;
        assert_eq!(queue.status, 200, "{}", queue.text());
        let queue = queue.json();
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["items"][0]["id_number"], MASKED);
        assert_eq!(queue["items"][0]["stall_id"], w.stall);
        assert!(!queue.to_string().contains(NUMBER));
        let verified = w
            .app
            .get("/api/v1/admin/identities?status=verified", Some(&w.admin))
            .await
            .json();
        assert_eq!(verified["total"], 0);
        w.app
            .get("/api/v1/admin/identities", Some(&w.owner))
            .await
            .problem(403, "forbidden");

        // Once the stall is public, another user is refused, not told it does not exist.
        assert_eq!(w.decide("verify", None).await.status, 200);
        assert_eq!(w.approve().await.status, 200);
        w.app
            .get(&w.path(), Some(&buyer))
            .await
            .problem(403, "forbidden");
        // Nothing else a member or the public reads carries it.
        for (path, token) in [
            (format!("/api/v1/stalls/{}", w.stall), Some(&w.staff)),
            (format!("/api/v1/stalls/{}", w.stall), None),
            ("/api/v1/me/stalls".to_owned(), Some(&w.staff)),
            ("/api/v1/me/notifications".to_owned(), Some(&w.owner)),
            ("/api/v1/me/notifications".to_owned(), Some(&w.staff)),
        ] {
            let res = w.app.get(&path, token.map(String::as_str)).await;
            assert_eq!(res.status, 200, "{path}: {}", res.text());
            assert!(!res.text().contains(NUMBER), "{path}: {}", res.text());
        }
    }
);

db_test!(
    an_automatic_provider_answers_at_once,
    |db: TestDb| async move {
        let app = TestApp::new(db)
            .await
            .with_identity_verifier(Arc::new(testkit::identity::RuleVerifier));
        let w = world(app).await;
        // The stand-in verifies a number by its rule: the stall may be approved at once.
        let res = w.submit(identity_body()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["status"], "verified");
        assert_eq!(w.approve().await.status, 200);
        let audit = w
            .app
            .get(
                &format!("/api/v1/admin/audit-log?subject_id={}", w.stall),
                Some(&w.admin),
            )
            .await
            .json();
        let verify = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "identity.verify")
            .cloned()
            .unwrap();
        assert_eq!(
            verify["actor_id"],
            uuid::Uuid::nil().to_string(),
            "the marketplace itself"
        );

        // Another stall: rejected by the rule, then left to a person, then unanswered.
        let stall = w.app.stall(&w.owner, "HTX Tiêu Vĩnh Linh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/stalls/{stall}/identity");
        let mut body = identity_body();
        for (number, status) in [
            ("045080001000", "rejected"),
            ("045080001999", "pending"),
            ("045080001998", "pending"),
        ] {
            body["id_number"] = json!(number);
            let res = w.app.post(&path, Some(&w.owner), body.clone()).await;
            assert_eq!(res.status, 201, "{}", res.text());
            assert_eq!(res.json()["status"], status, "{number}");
            if status == "rejected" {
                assert_eq!(res.json()["reason"], testkit::identity::REJECTED_REASON);
            }
        }
        // What waits for a person, an administrator decides.
        let verify = format!("/api/v1/admin/stalls/{stall}/identity/verify");
        let res = w
            .app
            .request(Method::POST, &verify, Some(&w.admin), None)
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
);

/// Everything the app logs, at every level, while `f` runs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A seller's identity submitted, refused, read, queued, verified and the stall approved, all
/// logged at the most verbose level: the log shows the requests, never the number.
async fn no_number_in_the_logs(backend: testkit::Backend) {
    // The subscriber below is this thread's; tracing keeps which callsites are enabled per
    // process, so tests of other threads of one `cargo test` process can leave the app's
    // callsites off for it. nextest runs each test in a process of its own, as CI does.
    if std::env::var_os("NEXTEST").is_none() {
        eprintln!("skipped: needs a process of its own (cargo nextest)");
        return;
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The runtime has this one thread, so every task of the app logs here.
    let _guard = tracing::subscriber::set_default(subscriber);
    let w = world(TestApp::new(testkit::TestDb::new(backend).await).await).await;
    let mut bad = identity_body();
    bad["id_number"] = json!("04508000123");
    w.submit(bad).await.problem(422, "validation_failed");
    let mut foreign = identity_body();
    foreign["method"] = json!("foreign_documents");
    foreign["id_number"] = json!("B1234567");
    let _ = w.submit(foreign).await;
    assert_eq!(w.submit(identity_body()).await.status, 201);
    assert_eq!(w.app.get(&w.path(), Some(&w.owner)).await.status, 200);
    let queue = w
        .app
        .get("/api/v1/admin/identities?status=pending", Some(&w.admin))
        .await;
    assert_eq!(queue.status, 200, "{}", queue.text());
    assert_eq!(w.decide("verify", None).await.status, 200);
    assert_eq!(w.approve().await.status, 200);

    let log = String::from_utf8(lock(&captured.0).clone()).unwrap();
    assert!(log.contains("request answered"), "the log was captured");
    assert!(log.contains("/identity"), "{log}");
    for secret in [NUMBER, "04508000123", "B1234567", "080001"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn identity_numbers_never_reach_the_logs_sqlite() {
    no_number_in_the_logs(testkit::Backend::Sqlite).await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
async fn identity_numbers_never_reach_the_logs_postgres() {
    no_number_in_the_logs(testkit::Backend::Postgres).await;
}
