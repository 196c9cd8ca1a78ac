//! Reports of listings and takedowns through the API: anyone reports, within limits per client
//! address and per user; administrators record authority requests (their overdue ones on
//! `/metrics`), work the queue, take down or dismiss; the stall hears why and asks for a
//! review; a stall's repeat takedowns show.

use axum::{
    body::Body,
    http::{Request, header},
};
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::*;

/// An approved stall of `owner@example.vn` with one visible product; the tokens of the
/// administrator and the owner, the stall and the product ids.
struct Shop {
    admin: String,
    owner: String,
    stall: String,
    product: String,
    category: String,
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin("admin@tinh.vn").await;
    let owner = app.signed_in("owner@example.vn").await;
    let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.approve(&admin, &stall).await;
    let category = app.category("gia-vi-nuoc-cham").await;
    let product = app
        .product(
            &owner,
            &stall,
            app.product_body(&category, "Nước mắm cá cơm 40 độ đạm", 120_000),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Shop {
        admin,
        owner,
        stall,
        product,
        category,
    }
}

impl Shop {
    async fn another_product(&self, app: &TestApp, name: &str) -> String {
        app.product(
            &self.owner,
            &self.stall,
            app.product_body(&self.category, name, 50_000),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn counterfeit() -> Value {
    json!({"reason": "counterfeit", "detail": "Nhãn giống hệt sản phẩm của HTX khác."})
}

/// `POST path` with `body` from client address `ip`, as `token` if given.
async fn post_from(
    app: &TestApp,
    ip: &str,
    token: Option<&str>,
    path: &str,
    body: Value,
) -> TestResponse {
    let mut req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", ip);
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

/// The events of the caller's inbox, newest first.
async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/api/v1/me/notifications", Some(token)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"].as_array().unwrap().clone()
}

db_test!(
    reports_are_limited_per_client_address_and_per_user_whatever_the_address,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[http]\ntrust_forwarded_for = true\n[rate_limit]\nreports_per_ip_per_hour = 3\nreports_per_user_per_hour = 2",
        );
        let s = shop(&app).await;
        let product = format!("/api/v1/products/{}/reports", s.product);
        let stall = format!("/api/v1/stalls/{}/reports", s.stall);
        // Anonymous reports from one address: three an hour.
        for _ in 0..3 {
            let res = post_from(&app, "203.0.113.9", None, &product, counterfeit()).await;
            assert_eq!(res.status, 201, "{}", res.text());
            assert_eq!(res.json()["status"], "open");
        }
        let res = post_from(&app, "203.0.113.9", None, &stall, counterfeit()).await;
        res.problem(429, "rate_limited");
        // One comes back every 20 minutes.
        let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1100..=1200).contains(&wait), "{wait}");
        let res = post_from(&app, "198.51.100.7", None, &product, counterfeit()).await;
        assert_eq!(res.status, 201, "another address is not held back");

        // A signed-in user is limited on their own, from any address: a new address each
        // time changes nothing.
        let buyer = app.signed_in("lan@example.vn").await;
        let first = post_from(&app, "192.0.2.1", Some(&buyer), &product, counterfeit()).await;
        assert_eq!(first.status, 201, "{}", first.text());
        // The same report again is the same report, not a second one in the queue.
        let again = post_from(&app, "192.0.2.2", Some(&buyer), &product, counterfeit()).await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json()["id"], first.json()["id"]);
        post_from(&app, "192.0.2.3", Some(&buyer), &stall, counterfeit())
            .await
            .problem(429, "rate_limited");
        let queue = app
            .get("/api/v1/admin/reports", Some(&s.admin))
            .await
            .json();
        assert_eq!(queue["total"], 5, "{queue}");
    }
);

db_test!(
    a_report_is_checked_and_names_only_what_the_public_sees,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        let path = format!("/api/v1/products/{}/reports", s.product);
        let body = app
            .post(
                &path,
                None,
                json!({"reason": "intellectual_property", "detail": "Nhãn hiệu của chúng tôi"}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "evidence");
        assert_eq!(body["errors"][0]["code"], "required");
        let body = app
            .post(
                &path,
                None,
                json!({"reason": "other", "evidence": ["http://x.vn/a"]}),
            )
            .await
            .problem(422, "validation_failed");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["detail", "evidence[0]"]);
        app.post(&path, None, json!({"reason": "fake"}))
            .await
            .problem(422, "validation_failed");
        let res = app
            .post(
                &path,
                None,
                json!({"reason": "intellectual_property",
                       "evidence": ["https://ipvietnam.gov.vn/vbbh/4-0123456"]}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let report = res.json();
        assert_eq!(report["reason"], "intellectual_property");
        assert!(report.get("reporter_id").is_none() && report.get("stall_takedowns").is_none());

        // Unknown, hidden and pending listings are not found, as their pages are.
        let hidden = s.another_product(&app, "Mắm ruốc").await;
        let res = app
            .post(
                &format!("/api/v1/admin/products/{hidden}/hide"),
                Some(&s.admin),
                json!({"reason": "Kiểm tra"}),
            )
            .await;
        assert_eq!(res.status, 200);
        let pending = app.stall(&s.owner, "Cà phê Khe Sanh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for path in [
            format!("/api/v1/products/{hidden}/reports"),
            format!("/api/v1/products/{}/reports", uuid::Uuid::now_v7()),
            format!("/api/v1/stalls/{pending}/reports"),
            "/api/v1/stalls/khong-co/reports".to_owned(),
        ] {
            app.post(&path, None, counterfeit())
                .await
                .problem(404, "not_found");
        }
    }
);

db_test!(
    a_takedown_hides_the_product_from_search_and_its_page_and_the_stall_hears_why,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        app.index().await;
        let search = "/api/v1/search/products?q=nuoc%20mam%20ca%20com";
        assert_eq!(app.get(search, None).await.json()["total"], 1);
        let path = format!("/api/v1/products/{}/reports", s.product);
        let first = app.post(&path, None, counterfeit()).await.json()["id"].clone();
        let buyer = app.signed_in("lan@example.vn").await;
        let second = app.post(&path, Some(&buyer), counterfeit()).await.json()["id"].clone();

        let queue = app
            .get("/api/v1/admin/reports", Some(&s.admin))
            .await
            .json();
        assert_eq!(queue["items"][0]["id"], first, "oldest first");
        assert!(queue["items"][1]["reporter_id"].is_string(), "{queue}");
        assert_eq!(queue["counts"]["user_report"], 2);
        assert_eq!(queue["items"][0]["stall_takedowns"], 0);

        let reason = "Hàng giả nhãn hiệu đã đăng ký";
        let res = app
            .post(
                &format!(
                    "/api/v1/admin/reports/{}/takedown",
                    second.as_str().unwrap()
                ),
                Some(&s.admin),
                json!({"reason": reason}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let report = res.json();
        assert_eq!(report["status"], "taken_down");
        assert_eq!(report["stall_takedowns"], 1);

        app.get(&format!("/api/v1/products/{}", s.product), None)
            .await
            .problem(404, "not_found");
        app.index().await;
        assert_eq!(app.get(search, None).await.json()["total"], 0);
        let heard = &inbox(&app, &s.owner).await[0];
        assert_eq!(heard["event"], "product_taken_down");
        assert!(heard["body"].as_str().unwrap().contains(reason), "{heard}");
        let closed = app
            .get("/api/v1/admin/reports?status=taken_down", Some(&s.admin))
            .await
            .json();
        assert_eq!(closed["total"], 2, "every open report of it closed");
        assert_eq!(closed["items"][0]["takedown_id"], report["takedown_id"]);
        app.post(
            &format!("/api/v1/admin/reports/{}/takedown", first.as_str().unwrap()),
            Some(&s.admin),
            json!({"reason": reason}),
        )
        .await
        .problem(409, "report_closed");

        // The stall fixes it and asks for a review; an administrator lifts the takedown.
        let review = format!("/api/v1/products/{}/review-request", s.product);
        let res = app
            .post(
                &review,
                Some(&s.owner),
                json!({"message": "Đã in lại nhãn đúng"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "review_requested");
        app.post(&review, Some(&s.owner), json!({"message": "Nhắc lại"}))
            .await
            .problem(409, "review_pending");
        assert_eq!(
            inbox(&app, &s.admin).await[0]["event"],
            "takedown_review_requested"
        );
        let waiting = app
            .get("/api/v1/admin/takedowns", Some(&s.admin))
            .await
            .json();
        assert_eq!(waiting["total"], 1);
        let takedown = waiting["items"][0]["id"].as_str().unwrap().to_owned();
        let res = app
            .post(
                &format!("/api/v1/admin/takedowns/{takedown}/lift"),
                Some(&s.admin),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "lifted");
        let res = app
            .get(&format!("/api/v1/products/{}", s.product), None)
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(inbox(&app, &s.owner).await[0]["event"], "product_restored");
    }
);

db_test!(
    a_dismissed_report_leaves_the_listing_as_it_is,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        let id = app
            .post(
                &format!("/api/v1/stalls/{}/reports", s.stall),
                None,
                counterfeit(),
            )
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let dismiss = format!("/api/v1/admin/reports/{id}/dismiss");
        app.request(axum::http::Method::POST, &dismiss, Some(&s.admin), None)
            .await
            .problem(422, "validation_failed");
        let res = app
            .post(
                &dismiss,
                Some(&s.admin),
                json!({"reason": "Nhãn đúng như đăng ký"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "dismissed");
        assert_eq!(res.json()["resolution"], "Nhãn đúng như đăng ký");
        app.post(&dismiss, Some(&s.admin), json!({"reason": "Lần hai"}))
            .await
            .problem(409, "report_closed");
        let stall = app.get(&format!("/api/v1/stalls/{}", s.stall), None).await;
        assert_eq!(stall.status, 200);
        let queue = app
            .get("/api/v1/admin/reports", Some(&s.admin))
            .await
            .json();
        assert_eq!(queue["total"], 0);
        // Reviews of nothing taken down are refused.
        app.post(
            &format!("/api/v1/stalls/{}/review-request", s.stall),
            Some(&s.owner),
            json!({"message": "Xin xem lại"}),
        )
        .await
        .problem(409, "not_taken_down");
    }
);

db_test!(
    an_authority_request_comes_first_and_shows_overdue_on_metrics,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        app.post(
            &format!("/api/v1/products/{}/reports", s.product),
            None,
            counterfeit(),
        )
        .await;
        // Received 25 hours ago, recorded now: past its 24 hours already.
        let received =
            (Utc::now() - Duration::hours(25)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let res = app
            .post(
                "/api/v1/admin/reports",
                Some(&s.admin),
                json!({
                    "subject": {"product_id": s.product},
                    "authority": "Chi cục Quản lý thị trường tỉnh Quảng Trị",
                    "reference": "125/QLTT-NV",
                    "detail": "Yêu cầu gỡ sản phẩm giả mạo nhãn hiệu.",
                    "received_at": received,
                }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let request = res.json();
        assert_eq!(request["kind"], "authority_request");
        assert_eq!(request["overdue"], true);
        assert!(request["due_at"].is_string());

        let queue = app
            .get("/api/v1/admin/reports", Some(&s.admin))
            .await
            .json();
        assert_eq!(
            queue["items"][0]["id"], request["id"],
            "authority requests first"
        );
        assert_eq!(queue["counts"]["authority_request"], 1);
        assert_eq!(queue["counts"]["overdue"], 1);
        let only = app
            .get("/api/v1/admin/reports?kind=user_report", Some(&s.admin))
            .await
            .json();
        assert_eq!(only["total"], 1);

        let heard = &inbox(&app, &s.admin).await[0];
        assert_eq!(heard["event"], "authority_request");
        assert!(
            heard["title"].as_str().unwrap().contains("hạn xử lý"),
            "{heard}"
        );

        let metrics = app.get("/metrics", None).await.text();
        for line in [
            "marketplace_reports_authority_overdue 1",
            "marketplace_reports_open{kind=\"authority_request\"} 1",
            "marketplace_reports_open{kind=\"user_report\"} 1",
        ] {
            assert!(metrics.contains(line), "{line} in\n{metrics}");
        }
        let oldest: f64 = metrics
            .lines()
            .find(|l| {
                l.starts_with("marketplace_reports_oldest_open_seconds{kind=\"authority_request\"}")
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        assert!(oldest >= 0.0);

        // Taking it down clears the alarm.
        let id = request["id"].as_str().unwrap();
        let res = app
            .post(
                &format!("/api/v1/admin/reports/{id}/takedown"),
                Some(&s.admin),
                json!({"reason": "Theo yêu cầu số 125/QLTT-NV"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let metrics = app.get("/metrics", None).await.text();
        assert!(
            metrics.contains("marketplace_reports_authority_overdue 0"),
            "{metrics}"
        );
        assert!(metrics.contains("marketplace_reports_open{kind=\"user_report\"} 0"));

        // One listing, named once; never received in the future.
        let body = app
            .post(
                "/api/v1/admin/reports",
                Some(&s.admin),
                json!({
                    "subject": {"product_id": s.product, "stall_id": s.stall},
                    "authority": "Sở Công Thương",
                    "reference": "88/SCT",
                    "received_at": (Utc::now() + Duration::hours(2)).to_rfc3339(),
                }),
            )
            .await
            .problem(422, "validation_failed");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["subject", "received_at"]);
    }
);

db_test!(
    repeat_takedowns_of_a_stall_show_beside_its_reports,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let s = shop(&app).await;
        for (i, name) in ["Mắm ruốc", "Mắm tôm"].into_iter().enumerate() {
            let p = s.another_product(&app, name).await;
            let id = app
                .post(
                    &format!("/api/v1/products/{p}/reports"),
                    None,
                    counterfeit(),
                )
                .await
                .json()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let res = app
                .post(
                    &format!("/api/v1/admin/reports/{id}/takedown"),
                    Some(&s.admin),
                    json!({"reason": "Hàng giả"}),
                )
                .await;
            assert_eq!(res.json()["stall_takedowns"], i + 1);
        }
        app.post(
            &format!("/api/v1/stalls/{}/reports", s.stall),
            None,
            counterfeit(),
        )
        .await;
        let queue = app
            .get("/api/v1/admin/reports", Some(&s.admin))
            .await
            .json();
        assert_eq!(queue["items"][0]["subject"]["type"], "stall");
        assert_eq!(queue["items"][0]["stall_takedowns"], 2);
        let id = queue["items"][0]["id"].as_str().unwrap();
        let res = app
            .post(
                &format!("/api/v1/admin/reports/{id}/takedown"),
                Some(&s.admin),
                json!({"reason": "Tái phạm nhiều lần"}),
            )
            .await;
        assert_eq!(res.json()["stall_takedowns"], 3);
        let stall = app
            .get(&format!("/api/v1/stalls/{}", s.stall), Some(&s.owner))
            .await
            .json();
        assert_eq!(stall["status"], "suspended");
        assert_eq!(inbox(&app, &s.owner).await[0]["event"], "stall_taken_down");
    }
);
