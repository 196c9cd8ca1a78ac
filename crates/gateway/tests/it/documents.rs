//! Business documents over HTTP: the owner submits, administrators verify or reject (and work
//! a queue), a food product shows only while its stall holds a verified, unexpired
//! food-safety certificate, and the owner hears 30 and 7 days before the last valid day and on
//! the day the certificate expires, once each (time moved by the test).

use axum::{
    body::Body,
    http::{Method, Request},
};
use chrono::{Duration, NaiveDate};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::*;

/// An app with an administrator, a buyer, and an owner with an approved stall (its seller
/// verified) that holds no documents yet.
struct World {
    app: TestApp,
    admin: String,
    owner: String,
    stall: String,
}

async fn world(app: TestApp) -> World {
    let admin = app.admin("admin@tinh.vn").await;
    let owner = app.signed_in("owner@example.vn").await;
    let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.verify_seller(&admin, &stall).await;
    let path = format!("/api/v1/admin/stalls/{stall}/approve");
    let res = app.request(Method::POST, &path, Some(&admin), None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    World {
        app,
        admin,
        owner,
        stall,
    }
}

fn today() -> NaiveDate {
    common::calendar::today()
}

impl World {
    fn path(&self) -> String {
        format!("/api/v1/stalls/{}/documents", self.stall)
    }

    async fn submit(&self, body: Value) -> TestResponse {
        self.app.post(&self.path(), Some(&self.owner), body).await
    }

    /// Submits a food-safety certificate valid through `last_day`; its id.
    async fn food_safety(&self, last_day: NaiveDate) -> String {
        let mut body = document_body("food_safety");
        body["issued_on"] = json!(today() - Duration::days(300));
        body["expires_on"] = json!(last_day);
        let res = self.submit(body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_str().unwrap().to_owned()
    }

    async fn decide(&self, id: &str, action: &str, body: Option<Value>) -> TestResponse {
        let path = format!("/api/v1/admin/documents/{id}/{action}");
        self.app
            .request(Method::POST, &path, Some(&self.admin), body)
            .await
    }

    async fn verify(&self, id: &str) {
        let res = self.decide(id, "verify", None).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }

    /// A food product of the stall (fish sauce); its id.
    async fn fish_sauce(&self) -> String {
        let category = self.app.category("gia-vi-nuoc-cham").await;
        let body = self
            .app
            .product_body(&category, "Nước mắm Cửa Tùng 40 độ đạm", 120_000);
        self.app.product(&self.owner, &self.stall, body).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The events of the owner's inbox, newest first, with their texts.
    async fn owner_heard(&self) -> Vec<(String, String)> {
        let res = self
            .app
            .get("/api/v1/me/notifications?per_page=100", Some(&self.owner))
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

    async fn heard(&self, event: &str) -> usize {
        self.owner_heard()
            .await
            .iter()
            .filter(|(e, _)| e == event)
            .count()
    }

    /// Whether the public sees product `id`: its page, the stall's listing, the category's,
    /// and search once the index caught up, all agreeing.
    async fn public_sees(&self, id: &str) -> bool {
        let page = self.app.get(&format!("/api/v1/products/{id}"), None).await;
        let listed = self
            .app
            .get(&format!("/api/v1/stalls/{}/products", self.stall), None)
            .await
            .json();
        let in_category = self
            .app
            .get("/api/v1/categories/gia-vi-nuoc-cham/products", None)
            .await
            .json();
        self.app.index().await;
        let found = self
            .app
            .get("/api/v1/search/products?q=nuoc%20mam", None)
            .await
            .json();
        let has =
            |body: &Value, key: &str| body[key].as_array().unwrap().iter().any(|p| p["id"] == id);
        let seen = [
            page.status == 200,
            has(&listed, "items"),
            has(&in_category, "items"),
            has(&found, "hits"),
        ];
        assert!(
            seen.iter().all(|s| *s == seen[0]),
            "page, listings and search disagree: {seen:?}"
        );
        seen[0]
    }

    /// The product as its owner reads it.
    async fn owner_view(&self, id: &str) -> Value {
        let res = self
            .app
            .get(&format!("/api/v1/products/{id}"), Some(&self.owner))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }

    /// Runs the expiry sweep as of `day`.
    async fn sweep(&self, day: NaiveDate) -> compliance::documents::expiry::Swept {
        compliance::documents::Expiry::new(self.app.state.documents.clone())
            .sweep(&self.app.db.conn, day)
            .await
            .unwrap()
    }
}

db_test!(
    documents_are_submitted_verified_rejected_and_queued,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let res = w.submit(document_body("food_safety")).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let first = res.json();
        assert_eq!(first["status"], "submitted");
        assert_eq!(first["valid"], false);
        assert_eq!(first["kind"], "food_safety");
        assert!(
            first["kind_name"]
                .as_str()
                .unwrap()
                .contains("an toàn thực phẩm")
        );
        assert_eq!(first["expires_on"], "2029-03-01");
        let first = first["id"].as_str().unwrap().to_owned();
        // A second submission of the kind supersedes the one waiting; history stays.
        let mut again = document_body("food_safety");
        again["number"] = json!("124/2026/ATTP-CNĐK");
        let second = w.submit(again).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let licence = w.submit(document_body("alcohol_licence")).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mine = w.app.get(&w.path(), Some(&w.owner)).await.json();
        let statuses: Vec<(&str, &str)> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["id"].as_str().unwrap(), d["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            statuses,
            [
                (licence.as_str(), "submitted"),
                (second.as_str(), "submitted"),
                (first.as_str(), "superseded")
            ],
            "newest first"
        );
        // The queue: waiting documents, oldest first, bounded pages.
        let queue = w
            .app
            .get("/api/v1/admin/documents?status=submitted", Some(&w.admin))
            .await
            .json();
        assert_eq!(queue["total"], 2);
        assert_eq!(queue["items"][0]["id"], second.as_str());
        assert_eq!(queue["items"][1]["id"], licence.as_str());
        w.app
            .get("/api/v1/admin/documents?per_page=1000", Some(&w.admin))
            .await
            .problem(422, "validation_failed");
        w.app
            .get("/api/v1/admin/documents?status=lost", Some(&w.admin))
            .await
            .problem(422, "validation_failed");

        w.decide(&first, "verify", None)
            .await
            .problem(409, "invalid_transition");
        let res = w.decide(&second, "verify", None).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(
            (&res.json()["status"], &res.json()["valid"]),
            (&json!("verified"), &json!(true))
        );
        w.decide(&second, "verify", None)
            .await
            .problem(409, "invalid_transition");
        let body = w
            .decide(&licence, "reject", Some(json!({"reason": " "})))
            .await
            .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "reason", "{body}");
        let why = "Ảnh giấy phép bị mờ, không đọc được số";
        let res = w
            .decide(&licence, "reject", Some(json!({"reason": why})))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["rejection_reason"], why);
        let heard = w.owner_heard().await;
        assert!(
            heard
                .iter()
                .any(|(e, t)| e == "document_rejected" && t.contains(why)),
            "{heard:?}"
        );
        assert!(
            heard
                .iter()
                .any(|(e, t)| e == "document_verified" && t.contains("124/2026/ATTP-CNĐK")),
            "{heard:?}"
        );
        // Unknown and malformed ids name nothing.
        let unknown = uuid::Uuid::now_v7();
        w.decide(&unknown.to_string(), "verify", None)
            .await
            .problem(404, "not_found");
        w.decide("not-an-id", "verify", None)
            .await
            .problem(404, "not_found");
        // The audit log records who decided what on the stall.
        let audit = w
            .app
            .get(
                &format!("/api/v1/admin/audit-log?subject_id={}", w.stall),
                Some(&w.admin),
            )
            .await
            .json();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .filter(|a| a.starts_with("document."))
            .collect();
        assert_eq!(
            actions,
            [
                "document.reject",
                "document.verify",
                "document.submit",
                "document.submit",
                "document.submit"
            ]
        );
    }
);

db_test!(
    a_submission_is_checked_field_by_field_in_vietnamese_too,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let mut bad = document_body("giay_phep_bay");
        bad["number"] = json!("");
        bad["issued_by"] = json!("x".repeat(201));
        bad["issued_on"] = json!(today() + Duration::days(1));
        bad["expires_on"] = json!(today() - Duration::days(1));
        bad["evidence_urls"] = json!(["http://anh.example.vn/a.jpg"]);
        let body = w
            .submit(bad.clone())
            .await
            .problem(422, "validation_failed");
        let errors: Vec<(&str, &str)> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            errors,
            [
                ("kind", "not_one_of"),
                ("number", "required"),
                ("issued_by", "too_long"),
                ("issued_on", "in_the_future"),
                ("expires_on", "before_other"),
                ("evidence_urls[0]", "invalid_url"),
            ]
        );
        let mut expired = document_body("food_safety");
        expired["expires_on"] = json!(today() - Duration::days(1));
        let mut no_end = document_body("food_safety");
        no_end.as_object_mut().unwrap().remove("expires_on");
        for (body, field, code, vi) in [
            (
                expired,
                "expires_on",
                "in_the_past",
                "không được ở trong quá khứ: giấy tờ đã hết hiệu lực",
            ),
            (
                no_end,
                "expires_on",
                "required",
                "là bắt buộc với loại giấy tờ này",
            ),
        ] {
            let req = Request::post(w.path())
                .header("authorization", format!("Bearer {}", w.owner))
                .header("content-type", "application/json")
                .header("accept-language", "vi")
                .body(Body::from(body.to_string()))
                .unwrap();
            let problem = w.app.send(req).await.problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            assert_eq!(problem["errors"][0]["code"], code, "{problem}");
            assert_eq!(problem["errors"][0]["message"], vi, "{problem}");
        }
        // A field the body does not have, and nothing was stored by any of it.
        let mut extra = document_body("food_safety");
        extra["owner"] = json!("me");
        w.submit(extra).await.problem(422, "validation_failed");
        let mine = w.app.get(&w.path(), Some(&w.owner)).await.json();
        assert_eq!(mine["total"], 0, "{mine}");
    }
);

db_test!(
    a_food_product_shows_only_while_its_food_safety_certificate_is_verified_and_valid,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let sauce = w.fish_sauce().await;
        // Handicrafts need no document.
        let pottery = w
            .app
            .product(
                &w.owner,
                &w.stall,
                w.app.product_body(
                    &w.app.category("gom-su").await,
                    "Bình gốm Cửa Tùng",
                    300_000,
                ),
            )
            .await;
        assert_eq!(pottery["missing_documents"], json!([]));
        let res = w
            .app
            .get(
                &format!("/api/v1/products/{}", pottery["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(
            res.json().get("missing_documents").is_none(),
            "owner's only"
        );

        assert!(!w.public_sees(&sauce).await, "no certificate");
        assert_eq!(
            w.owner_view(&sauce).await["missing_documents"],
            json!(["food_safety"])
        );
        let last_day = today() + Duration::days(10);
        let certificate = w.food_safety(last_day).await;
        assert!(!w.public_sees(&sauce).await, "submitted is not verified");
        w.verify(&certificate).await;
        assert!(w.public_sees(&sauce).await, "verified and valid");
        assert_eq!(w.owner_view(&sauce).await["missing_documents"], json!([]));

        // Valid through its last day; hidden the day after, by the job, with time moved.
        let swept = w.sweep(last_day).await;
        assert_eq!(swept.expired, 0);
        assert!(w.public_sees(&sauce).await, "valid through its last day");
        let swept = w.sweep(last_day + Duration::days(1)).await;
        assert_eq!((swept.expired, swept.products), (1, 1), "{swept:?}");
        assert!(!w.public_sees(&sauce).await, "expired");
        assert_eq!(
            w.owner_view(&sauce).await["missing_documents"],
            json!(["food_safety"])
        );
        let res = w
            .app
            .get(
                &format!("/api/v1/products/{}", pottery["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(
            res.status,
            200,
            "the pottery needs no certificate: {}",
            res.text()
        );
        let mine = w.app.get(&w.path(), Some(&w.owner)).await.json();
        assert_eq!(mine["items"][0]["status"], "verified");

        // A renewed certificate, verified, shows the product again and supersedes the old one.
        let renewed = w.food_safety(today() + Duration::days(1000)).await;
        w.verify(&renewed).await;
        assert!(w.public_sees(&sauce).await, "renewed");
        let mine = w.app.get(&w.path(), Some(&w.owner)).await.json();
        assert_eq!(mine["items"][1]["status"], "superseded", "{mine}");
        // A product listed now, or moved into a food category, follows the stall's documents.
        let honey = w
            .app
            .product(
                &w.owner,
                &w.stall,
                w.app
                    .product_body(&w.app.category("mat-ong").await, "Mật ong rừng", 250_000),
            )
            .await;
        assert_eq!(honey["missing_documents"], json!([]));
    }
);

db_test!(
    a_renewal_verified_before_the_old_certificate_lapses_hides_nothing,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let sauce = w.fish_sauce().await;
        let last_day = today() + Duration::days(5);
        let old = w.food_safety(last_day).await;
        w.verify(&old).await;
        let renewal = w.food_safety(today() + Duration::days(1100)).await;
        assert!(
            w.public_sees(&sauce).await,
            "the old one is in force while the renewal waits"
        );
        w.verify(&renewal).await;
        let swept = w.sweep(last_day + Duration::days(1)).await;
        assert_eq!(
            swept,
            Default::default(),
            "the old one is superseded: no notice"
        );
        assert!(w.public_sees(&sauce).await);
        assert_eq!(w.heard("document_expired").await, 0);
        // A product of a category needing a document the stall lacks (an alcohol licence)
        // waits on it alone.
        let category = w.app.category("ruou-do-uong-co-con").await;
        let wine = w
            .app
            .product(
                &w.owner,
                &w.stall,
                w.app.product_body(&category, "Rượu men lá", 90_000),
            )
            .await;
        assert_eq!(wine["missing_documents"], json!(["alcohol_licence"]));
        let res = w
            .app
            .get(
                &format!("/api/v1/products/{}", wine["id"].as_str().unwrap()),
                None,
            )
            .await;
        res.problem(404, "not_found");
    }
);

db_test!(
    the_owner_hears_30_and_7_days_before_and_on_the_day_once_each,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let last_day = today() + Duration::days(40);
        let id = w.food_safety(last_day).await;
        w.verify(&id).await;
        let day = |n: i64| last_day + Duration::days(n);
        let mut warned = 0;
        let mut expired = 0;
        for n in [-31, -30, -30, -20, -8, -7, -7, 0, 1, 1, 2, 30] {
            // Two instances sweeping at once send each notice once.
            let (a, b) = tokio::join!(w.sweep(day(n)), w.sweep(day(n)));
            warned += a.warned + b.warned;
            expired += a.expired + b.expired;
            let expected = match n {
                -31 => (0, 0),
                -30..=-8 => (1, 0),
                -7..=0 => (2, 0),
                _ => (2, 1),
            };
            assert_eq!((warned, expired), expected, "day {n}");
        }
        assert_eq!(w.heard("document_expiring").await, 2);
        assert_eq!(w.heard("document_expired").await, 1);
        let heard = w.owner_heard().await;
        let texts: Vec<&str> = heard.iter().map(|(_, t)| t.as_str()).collect();
        let shown = last_day.format("%d/%m/%Y").to_string();
        assert!(
            texts
                .iter()
                .any(|t| t.contains("còn 30 ngày") && t.contains(&shown)),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t.contains("còn 7 ngày")), "{texts:?}");
        assert!(
            texts
                .iter()
                .any(|t| t.contains("đã hết hiệu lực") && t.contains("HTX Nước mắm Cửa Tùng")),
            "{texts:?}"
        );
    }
);

db_test!(
    a_product_follows_its_category_into_and_out_of_the_document_requirements,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        // A new category outside food: its products need no document.
        let res = w
            .app
            .post(
                "/api/v1/admin/categories",
                Some(&w.admin),
                json!({"name": "Quà biếu", "slug": "qua-bieu", "position": 9}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let gifts = res.json()["id"].as_str().unwrap().to_owned();
        let body = w.app.product_body(&gifts, "Hộp quà Cửa Tùng", 350_000);
        let gift = w.app.product(&w.owner, &w.stall, body).await;
        let gift = gift["id"].as_str().unwrap().to_owned();
        let public = |id: String| {
            let app = &w.app;
            async move {
                app.get(&format!("/api/v1/products/{id}"), None)
                    .await
                    .status
            }
        };
        assert_eq!(public(gift.clone()).await, 200);
        // The administrators move it under food: its products now wait for a certificate.
        let food = w.app.category("thuc-pham").await;
        let res = w
            .app
            .patch(
                &format!("/api/v1/admin/categories/{gifts}"),
                Some(&w.admin),
                json!({"parent_id": food}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(public(gift.clone()).await, 404);
        assert_eq!(
            w.owner_view(&gift).await["missing_documents"],
            json!(["food_safety"])
        );
        // And back out again.
        let res = w
            .app
            .patch(
                &format!("/api/v1/admin/categories/{gifts}"),
                Some(&w.admin),
                json!({"parent_id": null}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(public(gift.clone()).await, 200);
        // The owner moving a product into honey hides it the same way.
        let version = w.owner_view(&gift).await["version"].clone();
        let honey = w.app.category("mat-ong").await;
        let res = w
            .app
            .patch(
                &format!("/api/v1/products/{gift}"),
                Some(&w.owner),
                json!({"category_id": honey, "version": version}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["missing_documents"], json!(["food_safety"]));
        assert_eq!(public(gift.clone()).await, 404);
    }
);

impl World {
    /// Runs the daily recheck of every stall as of `day`; how many products changed.
    async fn recheck(&self, day: NaiveDate) -> u64 {
        compliance::documents::Expiry::new(self.app.state.documents.clone())
            .recheck(&self.app.db.conn, day)
            .await
            .unwrap()
    }

    /// The texts of the owner's notices that its products wait on documents, newest first.
    async fn told_missing(&self) -> Vec<String> {
        self.owner_heard()
            .await
            .into_iter()
            .filter(|(e, _)| e == "documents_missing")
            .map(|(_, text)| text)
            .collect()
    }
}

db_test!(
    the_owner_hears_once_which_documents_its_hidden_products_wait_on,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let sauce = w.fish_sauce().await;
        let honey = w.app.category("mat-ong").await;
        let body = w.app.product_body(&honey, "Mật ong rừng", 250_000);
        w.app.product(&w.owner, &w.stall, body).await;
        let pottery = w.app.category("gom-su").await;
        let body = w.app.product_body(&pottery, "Bình gốm Cửa Tùng", 300_000);
        w.app.product(&w.owner, &w.stall, body).await;
        // As products listed before documents were required: shown until the first recheck.
        w.app
            .db
            .conn
            .execute_unprepared("UPDATE products SET missing_documents = NULL")
            .await
            .unwrap();
        assert!(w.public_sees(&sauce).await, "before the upgrade's recheck");
        assert!(w.told_missing().await.is_empty());

        assert_eq!(w.recheck(today()).await, 2, "the two food products");
        assert!(!w.public_sees(&sauce).await, "no certificate");
        let told = w.told_missing().await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(told[0].contains("an toàn thực phẩm"), "{}", told[0]);
        assert!(told[0].contains("2 sản phẩm"), "{}", told[0]);
        assert!(told[0].contains("HTX Nước mắm Cửa Tùng"), "{}", told[0]);
        assert!(told[0].contains("Giấy tờ kinh doanh"), "{}", told[0]);
        assert!(!told[0].contains("rượu"), "{}", told[0]);
        // The next days' rechecks, and one more food product, tell nothing more.
        assert_eq!(w.recheck(today()).await, 0);
        let body = w.app.product_body(&honey, "Mật ong hoa cà phê", 270_000);
        let more = w.app.product(&w.owner, &w.stall, body).await;
        assert_eq!(more["missing_documents"], json!(["food_safety"]));
        assert_eq!(w.recheck(today() + Duration::days(1)).await, 0);
        assert_eq!(w.told_missing().await.len(), 1);

        // Verified: the products show, and nothing is told.
        let certificate = w.food_safety(today() + Duration::days(1000)).await;
        w.verify(&certificate).await;
        assert!(w.public_sees(&sauce).await, "verified");
        assert_eq!(w.recheck(today() + Duration::days(2)).await, 0);
        assert_eq!(w.told_missing().await.len(), 1);

        // Later the administrators move gift boxes under alcohol: the licence is told at once,
        // in a notice of its own.
        let res = w
            .app
            .post(
                "/api/v1/admin/categories",
                Some(&w.admin),
                json!({"name": "Quà biếu", "slug": "qua-bieu", "position": 9}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let gifts = res.json()["id"].as_str().unwrap().to_owned();
        let body = w.app.product_body(&gifts, "Hộp quà rượu ngô", 350_000);
        w.app.product(&w.owner, &w.stall, body).await;
        let alcohol = w.app.category("ruou-do-uong-co-con").await;
        let res = w
            .app
            .patch(
                &format!("/api/v1/admin/categories/{gifts}"),
                Some(&w.admin),
                json!({"parent_id": alcohol}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let told = w.told_missing().await;
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(told[0].contains("rượu"), "{}", told[0]);
        assert!(told[0].contains("1 sản phẩm"), "{}", told[0]);
        assert!(!told[0].contains("an toàn thực phẩm"), "{}", told[0]);
        assert_eq!(w.recheck(today() + Duration::days(4)).await, 0);
        assert_eq!(w.told_missing().await.len(), 2);
    }
);

db_test!(
    rechecks_running_at_once_tell_the_owner_once,
    |db: TestDb| async move {
        let w = world(TestApp::new(db).await).await;
        let sauce = w.fish_sauce().await;
        w.app
            .db
            .conn
            .execute_unprepared("UPDATE products SET missing_documents = NULL")
            .await
            .unwrap();
        let (a, b) = tokio::join!(w.recheck(today()), w.recheck(today()));
        assert!(a + b >= 1, "{a} {b}");
        assert!(!w.public_sees(&sauce).await);
        let told = w.told_missing().await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(told[0].contains("1 sản phẩm"), "{}", told[0]);
    }
);
