//! Catalogue behaviour over HTTP: the stall life cycle, validation, slugs, versions, OCOP
//! certificates, hiding, category listings, audit entries and search outbox rows.

use axum::http::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn post_empty(app: &TestApp, path: &str, token: &str) -> TestResponse {
    app.request(Method::POST, path, Some(token), None).await
}

db_test!(
    stall_life_cycle_is_moderated_and_audited,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        let owner = app.signed_in("owner@example.vn").await;
        let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await;
        let id = stall["id"].as_str().unwrap().to_owned();
        assert_eq!(stall["status"], "pending");
        assert_eq!(stall["slug"], "htx-nuoc-mam-cua-tung");
        assert_eq!(stall["my_role"], "owner");
        assert_eq!(stall["commune"]["name"], "Xã Cửa Tùng");
        assert_eq!(stall["phone"], "02333823456");

        // Pending: invisible to the public, listed in the admin queue.
        app.get(&format!("/api/v1/stalls/{id}"), None)
            .await
            .problem(404, "not_found");
        let queue = app
            .get("/api/v1/admin/stalls?status=pending", Some(&admin))
            .await
            .json();
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["items"][0]["id"], id);

        // Reject needs a reason; without one nothing changes.
        let res = post_empty(&app, &format!("/api/v1/admin/stalls/{id}/reject"), &admin).await;
        assert_eq!(fields(&res.problem(422, "validation_failed")), ["reason"]);
        let res = app
            .post(
                &format!("/api/v1/admin/stalls/{id}/reject"),
                Some(&admin),
                json!({"reason": "Thiếu giấy phép"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let mine = app
            .get(&format!("/api/v1/stalls/{id}"), Some(&owner))
            .await
            .json();
        assert_eq!(mine["status"], "rejected");
        assert_eq!(mine["status_reason"], "Thiếu giấy phép");

        // Invalid moves are refused.
        post_empty(&app, &format!("/api/v1/admin/stalls/{id}/approve"), &admin)
            .await
            .problem(409, "invalid_transition");
        app.post(
            &format!("/api/v1/admin/stalls/{id}/suspend"),
            Some(&admin),
            json!({"reason": "Thử"}),
        )
        .await
        .problem(409, "invalid_transition");

        // Editing a rejected stall sends it back for review.
        let res = app
            .patch(
                &format!("/api/v1/stalls/{id}"),
                Some(&owner),
                json!({"registration_no": "3200123456"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "pending");
        assert!(res.json().get("status_reason").is_none());

        app.approve(&admin, &id).await;
        let public = app.get(&format!("/api/v1/stalls/{id}"), None).await.json();
        assert_eq!(public["status"], "approved");
        assert!(public.get("my_role").is_none());
        let list = app.get("/api/v1/stalls?commune=19414", None).await.json();
        assert_eq!(list["total"], 1);
        assert_eq!(
            app.get("/api/v1/stalls?commune=19429", None).await.json()["total"],
            0
        );
        // By slug too.
        assert_eq!(
            app.get("/api/v1/stalls/htx-nuoc-mam-cua-tung", None)
                .await
                .status,
            200
        );

        let res = app
            .post(
                &format!("/api/v1/admin/stalls/{id}/suspend"),
                Some(&admin),
                json!({"reason": "Bán hàng giả"}),
            )
            .await;
        assert_eq!(res.json()["status"], "suspended");
        app.get(&format!("/api/v1/stalls/{id}"), None)
            .await
            .problem(404, "not_found");
        let res = post_empty(
            &app,
            &format!("/api/v1/admin/stalls/{id}/reinstate"),
            &admin,
        )
        .await;
        assert_eq!(res.json()["status"], "approved");

        let log = app
            .get(
                &format!("/api/v1/admin/audit-log?subject_type=stall&subject_id={id}"),
                Some(&admin),
            )
            .await
            .json();
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "stall.reinstate",
                "stall.suspend",
                "stall.approve",
                // Its documents verified and its seller identified before the approval
                // (`TestApp::approve`).
                "document.verify",
                "document.submit",
                "document.verify",
                "document.submit",
                "identity.verify",
                "identity.submit",
                "stall.resubmit",
                "stall.reject"
            ]
        );
        let suspend = &log["items"][1];
        assert_eq!(suspend["reason"], "Bán hàng giả");
        assert_eq!(suspend["before"]["status"], "approved");
        assert_eq!(suspend["after"]["status"], "suspended");
        let admin_id = app.get("/api/v1/me", Some(&admin)).await.json()["id"].clone();
        assert_eq!(suspend["actor_id"], admin_id);
        let by_actor = app
            .get(
                &format!(
                    "/api/v1/admin/audit-log?actor_id={}",
                    admin_id.as_str().unwrap()
                ),
                Some(&admin),
            )
            .await
            .json();
        // Reject, verify the seller and two documents, approve, suspend, reinstate.
        assert_eq!(by_actor["total"], 7);
        // Each public change queued the stall for search.
        assert!(app.outbox_rows(&id).await >= 4);
    }
);

db_test!(stall_fields_are_validated, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let owner = app.signed_in("owner@example.vn").await;
    let res = app
        .post(
            "/api/v1/stalls",
            Some(&owner),
            json!({
                "name": "AB",
                "commune_code": "99999",
                "address": "x",
                "phone": "12345",
                "business_type": "cooperative",
                "registration_no": "bad no!"
            }),
        )
        .await;
    let body = res.problem(422, "validation_failed");
    assert_eq!(
        fields(&body),
        [
            "name",
            "address",
            "commune_code",
            "phone",
            "registration_no"
        ]
    );
    let res = app
        .post(
            "/api/v1/stalls",
            Some(&owner),
            json!({"name": "Gian hàng", "commune_code": "19414", "address": "Thôn 1", "phone": "0912345678", "business_type": "corporation"}),
        )
        .await;
    assert_eq!(
        fields(&res.problem(422, "validation_failed")),
        ["business_type"]
    );
    let res = app
        .post(
            "/api/v1/stalls",
            Some(&owner),
            json!({"name": "Gian hàng", "commune_code": "19414", "address": "Thôn 1", "phone": "0912345678", "business_type": "cooperative", "status": "approved"}),
        )
        .await;
    assert_eq!(fields(&res.problem(422, "validation_failed")), ["status"]);
    assert_eq!(
        app.get("/api/v1/me/stalls", Some(&owner))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
});

db_test!(
    slugs_fold_vietnamese_and_stay_unique,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let owner = app.signed_in("owner@example.vn").await;
        let a = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await;
        let b = app.stall(&owner, "HTX  Nước Mắm — Cửa Tùng!").await;
        assert_eq!(a["slug"], "htx-nuoc-mam-cua-tung");
        assert_eq!(b["slug"], "htx-nuoc-mam-cua-tung-2");
        let category = app.category("ca-phe").await;
        let p = app
            .product(
                &owner,
                a["id"].as_str().unwrap(),
                app.product_body(&category, "Cà phê Khe Sanh đặc biệt", 150_000),
            )
            .await;
        assert_eq!(p["slug"], "ca-phe-khe-sanh-dac-biet");
    }
);

db_test!(product_fields_are_validated, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let owner = app.signed_in("owner@example.vn").await;
    let stall = app.stall(&owner, "Gian hàng thử").await;
    let path = format!("/api/v1/stalls/{}/products", stall["id"].as_str().unwrap());
    let res = app
        .post(
            &path,
            Some(&owner),
            json!({
                "name": "AB",
                "category_id": "00000000-0000-7000-8000-000000000000",
                "price": 0,
                "unit": "",
                "stock": -1,
                "images": ["javascript:alert(1)", "https://anh.example.com/ok.jpg"],
                "origin_commune_code": "12345",
                "weight_grams": 0,
                "ocop": {"stars": 5, "certificate_no": "1/QĐ", "issuer": "province", "issued_on": "2099-01-01"}
            }),
        )
        .await;
    let body = res.problem(422, "validation_failed");
    assert_eq!(
        fields(&body),
        [
            "name",
            "unit",
            "price",
            "stock",
            "weight_grams",
            "images[0]",
            "origin_commune_code",
            "ocop.issuer",
            "ocop.issued_on",
            "category_id"
        ]
    );
    let category = app.category("ca-phe").await;
    let mut body = app.product_body(&category, "Cà phê", 1_000_000_001);
    body["images"] = json!(vec!["https://anh.example.com/a.jpg"; 11]);
    let res = app.post(&path, Some(&owner), body).await;
    assert_eq!(
        fields(&res.problem(422, "validation_failed")),
        ["price", "images"]
    );
    // Mass assignment: server-owned fields are unknown fields.
    for field in ["status", "hidden", "stall_id", "sales_count", "version"] {
        let mut body = app.product_body(&category, "Cà phê rang xay", 100_000);
        body[field] = json!(null);
        let res = app.post(&path, Some(&owner), body).await;
        assert_eq!(fields(&res.problem(422, "validation_failed")), [field]);
    }
    let list = app.get(&path, Some(&owner)).await.json();
    assert_eq!(list["total"], 0, "no invalid product was stored");
});

db_test!(stale_versions_are_refused, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let owner = app.signed_in("owner@example.vn").await;
    let stall = app.stall(&owner, "Gian hàng thử").await;
    let category = app.category("mat-ong").await;
    let p = app
        .product(
            &owner,
            stall["id"].as_str().unwrap(),
            app.product_body(&category, "Mật ong rừng", 380_000),
        )
        .await;
    let path = format!("/api/v1/products/{}", p["id"].as_str().unwrap());
    assert_eq!(p["version"], 1);

    let first = app
        .patch(&path, Some(&owner), json!({"version": 1, "price": 400_000}))
        .await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["version"], 2);
    assert_eq!(first.json()["price"], 400_000);

    // A second editor still holding version 1 is told, and changes nothing.
    let second = app
        .patch(
            &path,
            Some(&owner),
            json!({"version": 1, "price": 350_000, "stock": 0}),
        )
        .await;
    let body = second.problem(409, "version_conflict");
    assert!(body["detail"].as_str().unwrap().contains('2'), "{body}");
    let now = app.get(&path, Some(&owner)).await.json();
    assert_eq!(
        (
            now["price"].as_i64(),
            now["stock"].as_i64(),
            now["version"].as_i64()
        ),
        (Some(400_000), Some(20), Some(2))
    );

    // Explicit null clears an optional field; a missing version is a validation error.
    let res = app
        .patch(
            &path,
            Some(&owner),
            json!({"version": 2, "weight_grams": 500}),
        )
        .await;
    assert_eq!(res.json()["weight_grams"], 500);
    let res = app
        .patch(
            &path,
            Some(&owner),
            json!({"version": 3, "weight_grams": null}),
        )
        .await;
    assert_eq!(res.json()["weight_grams"], Value::Null);
    let res = app.patch(&path, Some(&owner), json!({"price": 1})).await;
    assert_eq!(fields(&res.problem(422, "validation_failed")), ["version"]);
    assert!(app.outbox_rows(p["id"].as_str().unwrap()).await >= 4);
});

db_test!(
    ocop_stars_show_only_while_verified_and_valid,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        let owner = app.signed_in("owner@example.vn").await;
        let stall = app.stall(&owner, "HTX Hồ tiêu Vĩnh Linh").await;
        let stall_id = stall["id"].as_str().unwrap();
        app.approve(&admin, stall_id).await;
        let category = app.category("gia-vi-nuoc-cham").await;
        let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();

        let mut body = app.product_body(&category, "Hồ tiêu đỏ", 220_000);
        body["ocop"] =
            json!({"stars": 4, "certificate_no": "1234/QĐ-UBND", "issued_on": "2025-06-01"});
        let p = app.product(&owner, stall_id, body).await;
        let id = p["id"].as_str().unwrap().to_owned();
        assert_eq!(p["ocop"]["status"], "unverified");
        assert_eq!(p["ocop"]["issuer"], "province");
        assert_eq!(p["ocop"]["expires_on"], "2028-05-31");
        assert_eq!(p["ocop_stars"], Value::Null);

        // Unverified: the public sees no certificate at all.
        let public = app
            .get(&format!("/api/v1/products/{id}"), None)
            .await
            .json();
        assert_eq!(public["ocop"], Value::Null);
        assert_eq!(public["ocop_stars"], Value::Null);

        let verified = post_empty(
            &app,
            &format!("/api/v1/admin/products/{id}/ocop/verify"),
            &admin,
        )
        .await;
        assert_eq!(verified.status, 200, "{}", verified.text());
        let public = app
            .get(&format!("/api/v1/products/{id}"), None)
            .await
            .json();
        assert_eq!(public["ocop_stars"], 4);
        assert_eq!(public["ocop"]["valid"], true);
        assert!(
            public["ocop"].get("status").is_none(),
            "review details are for members"
        );
        post_empty(
            &app,
            &format!("/api/v1/admin/products/{id}/ocop/verify"),
            &admin,
        )
        .await
        .problem(409, "invalid_transition");

        // A certificate whose last day was yesterday shows no stars, with nobody touching it.
        let mut body = app.product_body(&category, "Tiêu đen", 150_000);
        body["ocop"] = json!({
            "stars": 3, "certificate_no": "77/QĐ-UBND",
            "issued_on": (today - chrono::Duration::days(1000)).to_string(),
            "expires_on": (today - chrono::Duration::days(1)).to_string(),
        });
        let lapsed = app.product(&owner, stall_id, body).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        post_empty(
            &app,
            &format!("/api/v1/admin/products/{lapsed}/ocop/verify"),
            &admin,
        )
        .await;
        let public = app
            .get(&format!("/api/v1/products/{lapsed}"), None)
            .await
            .json();
        assert_eq!(public["ocop_stars"], Value::Null);
        assert_eq!(public["ocop"], Value::Null);
        let member = app
            .get(&format!("/api/v1/products/{lapsed}"), Some(&owner))
            .await
            .json();
        assert_eq!(member["ocop"]["status"], "verified");
        assert_eq!(member["ocop"]["valid"], false);

        // Its last day is still valid.
        let mut body = app.product_body(&category, "Tiêu trắng", 260_000);
        body["ocop"] = json!({
            "stars": 3, "certificate_no": "78/QĐ-UBND",
            "issued_on": (today - chrono::Duration::days(1000)).to_string(),
            "expires_on": today.to_string(),
        });
        let last_day = app.product(&owner, stall_id, body).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        post_empty(
            &app,
            &format!("/api/v1/admin/products/{last_day}/ocop/verify"),
            &admin,
        )
        .await;
        assert_eq!(
            app.get(&format!("/api/v1/products/{last_day}"), None)
                .await
                .json()["ocop_stars"],
            3
        );

        // A new claim goes back to unverified; rejecting needs a reason the vendor sees.
        let version = app
            .get(&format!("/api/v1/products/{id}"), Some(&owner))
            .await
            .json()["version"]
            .clone();
        let res = app
        .patch(
            &format!("/api/v1/products/{id}"),
            Some(&owner),
            json!({"version": version, "ocop": {"stars": 5, "certificate_no": "9/QĐ-TTg", "issued_on": "2025-09-01"}}),
        )
        .await;
        assert_eq!(res.json()["ocop"]["status"], "unverified");
        assert_eq!(res.json()["ocop"]["issuer"], "national");
        assert_eq!(
            app.get(&format!("/api/v1/products/{id}"), None)
                .await
                .json()["ocop_stars"],
            Value::Null
        );
        post_empty(
            &app,
            &format!("/api/v1/admin/products/{id}/ocop/reject"),
            &admin,
        )
        .await
        .problem(422, "validation_failed");
        let res = app
            .post(
                &format!("/api/v1/admin/products/{id}/ocop/reject"),
                Some(&admin),
                json!({"reason": "Không có trong danh sách 5 sao"}),
            )
            .await;
        assert_eq!(res.status, 200);
        let member = app
            .get(&format!("/api/v1/products/{id}"), Some(&owner))
            .await
            .json();
        assert_eq!(member["ocop"]["status"], "rejected");
        assert_eq!(
            member["ocop"]["status_reason"],
            "Không có trong danh sách 5 sao"
        );

        let log = app
            .get(
                &format!("/api/v1/admin/audit-log?subject_type=product&subject_id={id}"),
                Some(&admin),
            )
            .await
            .json();
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["ocop.reject", "ocop.verify"]);
    }
);

db_test!(
    hidden_and_archived_products_leave_the_public_catalogue,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        let owner = app.signed_in("owner@example.vn").await;
        let stall = app.stall(&owner, "Dầu tràm Gio Linh").await;
        let stall_id = stall["id"].as_str().unwrap().to_owned();
        app.approve(&admin, &stall_id).await;
        let category = app.category("tinh-dau").await;
        let a = app
            .product(
                &owner,
                &stall_id,
                app.product_body(&category, "Dầu tràm nguyên chất", 90_000),
            )
            .await;
        let b = app
            .product(
                &owner,
                &stall_id,
                app.product_body(&category, "Dầu tràm cho bé", 65_000),
            )
            .await;
        let (a, b) = (
            a["id"].as_str().unwrap().to_owned(),
            b["id"].as_str().unwrap().to_owned(),
        );
        let list = |token: Option<String>| {
            let app = &app;
            let path = format!("/api/v1/stalls/{stall_id}/products");
            async move {
                app.get(&path, token.as_deref()).await.json()["total"]
                    .as_u64()
                    .unwrap()
            }
        };
        assert_eq!(list(None).await, 2);

        let res = app
            .post(
                &format!("/api/v1/admin/products/{a}/hide"),
                Some(&admin),
                json!({"reason": "Nhãn sai thành phần"}),
            )
            .await;
        assert_eq!(res.json()["hidden"], true);
        app.get(&format!("/api/v1/products/{a}"), None)
            .await
            .problem(404, "not_found");
        let member = app
            .get(&format!("/api/v1/products/{a}"), Some(&owner))
            .await
            .json();
        assert_eq!(member["hidden_reason"], "Nhãn sai thành phần");
        assert_eq!(list(None).await, 1);
        assert_eq!(list(Some(owner.clone())).await, 2);
        app.post(
            &format!("/api/v1/admin/products/{a}/hide"),
            Some(&admin),
            json!({"reason": "Lần nữa"}),
        )
        .await
        .problem(409, "invalid_transition");
        post_empty(&app, &format!("/api/v1/admin/products/{a}/unhide"), &admin).await;
        assert_eq!(list(None).await, 2);

        assert_eq!(
            app.delete(&format!("/api/v1/products/{b}"), Some(&owner))
                .await
                .status,
            204
        );
        app.get(&format!("/api/v1/products/{b}"), None)
            .await
            .problem(404, "not_found");
        assert_eq!(
            app.get(&format!("/api/v1/products/{b}"), Some(&owner))
                .await
                .json()["status"],
            "archived"
        );
        assert_eq!(list(None).await, 1);

        // A suspended stall takes its products with it.
        app.post(
            &format!("/api/v1/admin/stalls/{stall_id}/suspend"),
            Some(&admin),
            json!({"reason": "Kiểm tra"}),
        )
        .await;
        app.get(&format!("/api/v1/products/{a}"), None)
            .await
            .problem(404, "not_found");
        assert_eq!(
            app.get("/api/v1/categories/thao-duoc/products", None)
                .await
                .json()["total"],
            0
        );
    }
);

db_test!(
    category_listings_include_subcategories_and_sort,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        let owner = app.signed_in("owner@example.vn").await;
        let stall = app.stall(&owner, "Cà phê Khe Sanh").await;
        let stall_id = stall["id"].as_str().unwrap().to_owned();
        app.approve(&admin, &stall_id).await;
        let coffee = app.category("ca-phe").await;
        let tea = app.category("tra").await;
        for (cat, name, price) in [
            (&coffee, "Cà phê Arabica", 165_000),
            (&coffee, "Cà phê Robusta", 120_000),
            (&tea, "Trà hoa cà phê", 95_000),
        ] {
            app.product(&owner, &stall_id, app.product_body(cat, name, price))
                .await;
        }
        let names = |v: Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let all = app
            .get("/api/v1/categories/do-uong/products?sort=price_asc", None)
            .await
            .json();
        assert_eq!(all["total"], 3);
        assert_eq!(
            names(all),
            ["Trà hoa cà phê", "Cà phê Robusta", "Cà phê Arabica"]
        );
        let desc = app
            .get(
                "/api/v1/categories/do-uong/products?sort=price_desc&per_page=2&page=2",
                None,
            )
            .await
            .json();
        assert_eq!(
            (
                desc["total"].as_u64(),
                desc["page"].as_u64(),
                desc["per_page"].as_u64()
            ),
            (Some(3), Some(2), Some(2))
        );
        assert_eq!(names(desc), ["Trà hoa cà phê"]);
        let newest = app
            .get("/api/v1/categories/ca-phe/products", None)
            .await
            .json();
        assert_eq!(names(newest), ["Cà phê Robusta", "Cà phê Arabica"]);
        let in_stall = app
            .get(
                &format!("/api/v1/stalls/{stall_id}/products?category=tra"),
                None,
            )
            .await
            .json();
        assert_eq!(names(in_stall), ["Trà hoa cà phê"]);

        app.get("/api/v1/categories/do-uong/products?sort=cheapest", None)
            .await
            .problem(422, "validation_failed");
        app.get("/api/v1/categories/do-uong/products?per_page=101", None)
            .await
            .problem(422, "validation_failed");
        app.get("/api/v1/categories/do-uong/products?page=abc", None)
            .await
            .problem(422, "validation_failed");
        app.get("/api/v1/categories/do-uong/products?colour=red", None)
            .await
            .problem(422, "validation_failed");
        app.get("/api/v1/categories/khong-co/products", None)
            .await
            .problem(404, "not_found");
    }
);

db_test!(categories_are_a_managed_tree, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let admin = app.admin("admin@tinh.vn").await;
    let tree = app.get("/api/v1/categories", None).await.json();
    let top: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        [
            "thuc-pham",
            "do-uong",
            "thao-duoc",
            "vai-may-mac",
            "luu-niem-noi-that-trang-tri",
            "dich-vu-du-lich-nong-thon"
        ]
    );
    let coffee = app.category("ca-phe").await;
    let res = app
        .post(
            "/api/v1/admin/categories",
            Some(&admin),
            json!({"name": "Cà phê đặc sản", "parent_id": coffee}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let child = res.json();
    assert_eq!(child["slug"], "ca-phe-dac-san");
    // No cycles: coffee cannot move under its own child.
    let res = app
        .patch(
            &format!("/api/v1/admin/categories/{coffee}"),
            Some(&admin),
            json!({"parent_id": child["id"]}),
        )
        .await;
    assert_eq!(
        fields(&res.problem(422, "validation_failed")),
        ["parent_id"]
    );
    let res = app
        .post(
            "/api/v1/admin/categories",
            Some(&admin),
            json!({"name": "Trùng", "slug": "ca-phe"}),
        )
        .await;
    assert_eq!(fields(&res.problem(422, "validation_failed")), ["slug"]);
    // In use: refused.
    app.delete(&format!("/api/v1/admin/categories/{coffee}"), Some(&admin))
        .await
        .problem(409, "in_use");
    let res = app
        .patch(
            &format!("/api/v1/admin/categories/{}", child["id"].as_str().unwrap()),
            Some(&admin),
            json!({"name": "Cà phê Arabica"}),
        )
        .await;
    assert_eq!(res.json()["name"], "Cà phê Arabica");
    assert_eq!(
        app.delete(
            &format!("/api/v1/admin/categories/{}", child["id"].as_str().unwrap()),
            Some(&admin)
        )
        .await
        .status,
        204
    );
    let log = app
        .get(
            "/api/v1/admin/audit-log?subject_type=category",
            Some(&admin),
        )
        .await
        .json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["category.delete", "category.update", "category.create"]
    );
    // A subject type the log does not know is named, not answered with an empty page.
    let problem = app
        .get("/api/v1/admin/audit-log?subject_type=categry", Some(&admin))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "subject_type", "{problem}");
});

db_test!(members_are_managed_by_the_owner, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let owner = app.signed_in("owner@example.vn").await;
    let staff = app.signed_in("staff@example.vn").await;
    let stall = app.stall(&owner, "HTX Gạo Triệu Phong").await;
    let path = format!("/api/v1/stalls/{}/members", stall["id"].as_str().unwrap());
    let res = app
        .post(
            &path,
            Some(&owner),
            json!({"email": "nobody@example.vn", "role": "staff"}),
        )
        .await;
    assert_eq!(fields(&res.problem(422, "validation_failed")), ["email"]);
    let res = app
        .post(
            &path,
            Some(&owner),
            json!({"email": "staff@example.vn", "role": "owner"}),
        )
        .await;
    assert_eq!(fields(&res.problem(422, "validation_failed")), ["role"]);
    let res = app
        .post(
            &path,
            Some(&owner),
            json!({"email": " STAFF@example.vn", "role": "staff"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["email"], "staff@example.vn");
    app.post(
        &path,
        Some(&owner),
        json!({"email": "staff@example.vn", "role": "staff"}),
    )
    .await
    .problem(409, "already_member");
    // Staff now edits the stall and sees it among theirs, with its role.
    let mine = app.get("/api/v1/me/stalls", Some(&staff)).await.json();
    assert_eq!(mine[0]["my_role"], "staff");
    let members = app.get(&path, Some(&staff)).await.json();
    assert_eq!(members.as_array().unwrap().len(), 2);
    let owner_id = stall["owner_id"].as_str().unwrap();
    app.delete(&format!("{path}/{owner_id}"), Some(&owner))
        .await
        .problem(409, "invalid_transition");
    app.delete(&format!("{path}/not-a-uuid"), Some(&owner))
        .await
        .problem(404, "not_found");
});

db_test!(
    the_demo_catalogue_seeds_from_its_data_file_once,
    |db: TestDb| async move {
        let root = std::env::temp_dir().join(format!("marketplace-data-{}", uuid::Uuid::now_v7()));
        let app = TestApp::with_config(db, &format!("[data]\ndir = \"{}\"\n", root.display()));
        let mut out = Vec::new();
        gateway::seed::demo(
            &app.db.conn,
            &app.state.accounts,
            &app.state.catalog,
            Some(&app.state.media),
            &mut out,
        )
        .await
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("seeded 11 demo stalls"), "{text}");
        assert!(!text.contains("demo photos could not be stored"), "{text}");
        let stalls = app.get("/api/v1/stalls?per_page=100", None).await.json();
        assert_eq!(stalls["total"], 10, "one stall waits for review: {stalls}");
        let cua_tung = app.get("/api/v1/stalls?commune=19414", None).await.json();
        let slug = cua_tung["items"][0]["slug"].as_str().unwrap().to_owned();
        let products = app
            .get(
                &format!("/api/v1/stalls/{slug}/products?per_page=100"),
                None,
            )
            .await
            .json();
        assert!(products["total"].as_u64().unwrap() >= 3, "{products}");
        // Verified OCOP claims show their stars.
        assert!(
            products["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["ocop"]["valid"] == true),
            "{products}"
        );
        // Every demo product shows its own photo, drawn at seeding and stored as an upload.
        let photo = regex::Regex::new("^/media/[0-9a-f-]{36}/large$").unwrap();
        let items = products["items"].as_array().unwrap();
        let covers: std::collections::HashSet<&str> = items
            .iter()
            .map(|p| {
                let images = p["images"].as_array().unwrap();
                assert_eq!(images.len(), 1, "{p}");
                let url = images[0].as_str().unwrap();
                assert!(photo.is_match(url), "{url}");
                url
            })
            .collect();
        assert_eq!(covers.len(), items.len(), "one photo each: {covers:?}");
        for url in covers.iter().take(2) {
            let res = app.get(url, None).await;
            assert_eq!(res.status, 200, "{url}");
            let kind = res.header("content-type").unwrap();
            assert!(
                kind == "image/webp" || kind == "image/jpeg",
                "{url}: {kind}"
            );
            assert!(res.body.len() > 1000, "{url}");
        }
        // The products sold in pack sizes show them.
        let sauce = items
            .iter()
            .find(|p| p["name"] == "Nước mắm Cửa Tùng 40 độ đạm")
            .unwrap_or_else(|| panic!("{products}"));
        let sauce = app
            .get(
                &format!("/api/v1/products/{}", sauce["slug"].as_str().unwrap()),
                None,
            )
            .await
            .json();
        let names = |p: &serde_json::Value| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&sauce),
            ["Chai 500 ml", "Hộp 3 chai", "Thùng 12 chai"],
            "{sauce}"
        );
        assert_eq!(sauce["price"], 120_000, "the cheapest variant's: {sauce}");
        assert_eq!(sauce["variants"][1]["sku"], "NMCT40-H3");
        assert_eq!(sauce["variants"][1]["compare_at_price"], 360_000);
        assert_eq!(sauce["variants"][2]["weight_grams"], 10_500);
        let honey_stall = app.get("/api/v1/stalls?commune=19441", None).await.json();
        let slug = honey_stall["items"][0]["slug"].as_str().unwrap();
        let honey = app
            .get(
                &format!("/api/v1/stalls/{slug}/products?per_page=100"),
                None,
            )
            .await
            .json();
        let honey = honey["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Mật ong rừng Hướng Phùng")
            .unwrap_or_else(|| panic!("{honey}"));
        let honey = app
            .get(
                &format!("/api/v1/products/{}", honey["slug"].as_str().unwrap()),
                None,
            )
            .await
            .json();
        assert_eq!(names(&honey), ["Hũ 500 ml", "Hũ 250 ml"], "{honey}");
        assert_eq!(honey["price"], 210_000, "{honey}");
        assert!(
            photo.is_match(honey["images"][0].as_str().unwrap()),
            "{honey}"
        );
        let mut again = Vec::new();
        gateway::seed::demo(
            &app.db.conn,
            &app.state.accounts,
            &app.state.catalog,
            Some(&app.state.media),
            &mut again,
        )
        .await
        .unwrap();
        assert!(
            String::from_utf8(again)
                .unwrap()
                .contains("already present")
        );
        let _ = std::fs::remove_dir_all(&root);
    }
);

db_test!(
    the_demo_without_a_media_service_is_listed_without_photos,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let mut out = Vec::new();
        gateway::seed::demo(
            &app.db.conn,
            &app.state.accounts,
            &app.state.catalog,
            None,
            &mut out,
        )
        .await
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("seeded 11 demo stalls"), "{text}");
        let stall = app.get("/api/v1/stalls?commune=19414", None).await.json();
        let slug = stall["items"][0]["slug"].as_str().unwrap();
        let products = app
            .get(
                &format!("/api/v1/stalls/{slug}/products?per_page=100"),
                None,
            )
            .await
            .json();
        for p in products["items"].as_array().unwrap() {
            assert_eq!(p["images"], serde_json::json!([]), "no dead links: {p}");
        }
    }
);

db_test!(
    enabling_an_account_reinstates_only_the_stalls_its_disabling_suspended,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let admin = app.admin("admin@tinh.vn").await;
        let owner = app.signed_in("owner@example.vn").await;
        let owner_id = app.get("/api/v1/me", Some(&owner)).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut ids = Vec::new();
        for name in [
            "HTX Nước mắm Cửa Tùng",
            "HTX Tiêu Vĩnh Linh",
            "HTX Gạo Triệu Phong",
            "HTX Chè Hướng Hóa",
        ] {
            let id = app.stall(&owner, name).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            ids.push(id);
        }
        let [selling, lookalike, moderated, pending] = ids.as_slice() else {
            unreachable!()
        };
        for id in [selling, lookalike, moderated] {
            app.approve(&admin, id).await;
        }
        // Suspended by an administrator before the account was disabled: one of them with a
        // reason that happens to read like the one disabling writes.
        for (id, reason) in [
            (
                lookalike,
                "Tài khoản chủ gian hàng đã bị khoá: bị tố cáo, đang xác minh",
            ),
            (moderated, "Bán hàng giả"),
        ] {
            let res = app
                .post(
                    &format!("/api/v1/admin/stalls/{id}/suspend"),
                    Some(&admin),
                    json!({ "reason": reason }),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
        let seen = |id: &str| {
            let app = &app;
            let admin = &admin;
            let path = format!("/api/v1/stalls/{id}");
            async move {
                let s = app.get(&path, Some(admin)).await.json();
                (
                    s["status"].as_str().unwrap().to_owned(),
                    s["status_reason"].clone(),
                )
            }
        };

        let res = app
            .post(
                &format!("/api/v1/admin/users/{owner_id}/disable"),
                Some(&admin),
                json!({"reason": "Bán hàng giả"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(
            seen(selling).await,
            (
                "suspended".into(),
                json!("Tài khoản chủ gian hàng đã bị khoá: Bán hàng giả")
            )
        );
        assert_eq!(seen(pending).await.0, "pending");

        let res = app
            .post(
                &format!("/api/v1/admin/users/{owner_id}/enable"),
                Some(&admin),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(seen(selling).await, ("approved".into(), Value::Null));
        assert_eq!(
            seen(lookalike).await,
            (
                "suspended".into(),
                json!("Tài khoản chủ gian hàng đã bị khoá: bị tố cáo, đang xác minh")
            )
        );
        assert_eq!(
            seen(moderated).await,
            ("suspended".into(), json!("Bán hàng giả"))
        );
        assert_eq!(seen(pending).await.0, "pending");

        // Without a reason, disabling still names why the stall stopped selling.
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/admin/users/{owner_id}/disable"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(
            seen(selling).await,
            (
                "suspended".into(),
                json!("Tài khoản chủ gian hàng đã bị khoá.")
            )
        );
    }
);
