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

/// `POST` of `body` to `path` as `token`, asking for Vietnamese.
async fn in_vietnamese(app: &TestApp, path: &str, token: &str, body: &str) -> TestResponse {
    let req = Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept-language", "vi")
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send(req).await
}

db_test!(
    a_body_of_the_wrong_shape_is_told_in_our_words_and_in_vietnamese,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = crate::orders::market(&app).await;
        // Wrong types, a null, an unknown value, a number out of its type's range: each has a
        // code and a sentence of ours (never the parser's) in English and in Vietnamese.
        let cases = [
            (
                json!({"email": 42, "password": "x"}),
                "email",
                "invalid_type",
                "must be text",
                "phải là chuỗi ký tự",
            ),
            (
                json!({"email": null, "password": "x"}),
                "email",
                "required",
                "must not be null",
                "không được để null (hãy bỏ trường này đi hoặc gửi một giá trị)",
            ),
            (
                json!(null),
                "body",
                "required",
                "must not be null",
                "không được để null (hãy bỏ trường này đi hoặc gửi một giá trị)",
            ),
        ];
        for (body, field, code, en, vi) in cases {
            let res = app.post("/api/v1/auth/login", None, body.clone()).await;
            let p = res.problem(422, "validation_failed");
            assert_eq!(
                (
                    &p["errors"][0]["field"],
                    &p["errors"][0]["code"],
                    &p["errors"][0]["message"]
                ),
                (&json!(field), &json!(code), &json!(en)),
                "{body}: {p}"
            );
            let p = in_vietnamese(&app, "/api/v1/auth/login", "none", &body.to_string())
                .await
                .problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["message"], vi, "{body}: {p}");
            assert_eq!(p["detail"], "Một số trường không hợp lệ.");
            assert_eq!(p["title"], "Dữ liệu không hợp lệ");
        }
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/cart/items/{}", m.sauce),
                Some(&m.buyer),
                Some(json!({"quantity": 1e20})),
            )
            .await;
        let p = res.problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "quantity", "{p}");
        assert!(
            ["invalid_type", "out_of_range"].contains(&p["errors"][0]["code"].as_str().unwrap()),
            "{p}"
        );
        // A malformed body says where, in Vietnamese too.
        let p = in_vietnamese(&app, "/api/v1/auth/login", "none", "{\"email\": ")
            .await
            .problem(400, "malformed_json");
        assert_eq!(p["details"]["line"], 1, "{p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .starts_with("Nội dung JSON không hợp lệ (dòng 1, cột"),
            "{p}"
        );
    }
);

db_test!(
    problem_details_are_vietnamese_with_their_numbers,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = crate::orders::market(&app).await;
        crate::orders::put_item(&app, &m.buyer, &m.sauce, 1).await;
        let placed = crate::orders::checkout(&app, &m.buyer, "vi", crate::orders::shipping()).await;
        let order = placed.json()["orders"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let confirm = format!("/api/v1/orders/{order}/confirm");
        assert_eq!(
            in_vietnamese(&app, &confirm, &m.owner_a, "null")
                .await
                .status,
            200
        );
        // A move the order's status does not allow: English whatever the words, Vietnamese
        // when asked.
        let p = in_vietnamese(&app, &confirm, &m.owner_a, "{}")
            .await
            .problem(409, "invalid_transition");
        assert_eq!(
            p["detail"],
            "Không thể làm việc này ở trạng thái hiện tại; hãy tải lại để xem trạng thái mới."
        );
        // Out of stock at checkout: the count is a field, and the Vietnamese names it.
        crate::orders::put_item(&app, &m.buyer, &m.coffee, 7).await;
        let p = app
            .send(
                Request::post("/api/v1/checkout")
                    .header("authorization", format!("Bearer {}", m.buyer))
                    .header("content-type", "application/json")
                    .header("accept-language", "vi")
                    .header("idempotency-key", "vi-short")
                    .body(Body::from(crate::orders::shipping().to_string()))
                    .unwrap(),
            )
            .await
            .problem(409, "out_of_stock");
        assert_eq!(p["details"]["count"], 1, "{p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .starts_with("Không đủ hàng cho 1 sản phẩm"),
            "{p}"
        );
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("đặt 7, chỉ còn 6"),
            "{p}"
        );
    }
);

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

db_test!(
    field_errors_carry_codes_and_speak_vietnamese_when_asked,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let body = json!({"email": "lan", "password": "ngan", "full_name": " ", "phone": "12"});
        let ask = |lang: Option<&'static str>| {
            let mut req =
                Request::post("/api/v1/auth/register").header("content-type", "application/json");
            if let Some(l) = lang {
                req = req.header("accept-language", l);
            }
            req.body(Body::from(body.to_string())).unwrap()
        };
        let en = app.send(ask(None)).await;
        let en_body = en.problem(422, "validation_failed");
        assert!(en.header("vary").unwrap_or("").contains("accept-language"));
        assert_eq!(en.header("content-language"), None);
        let codes = |b: &serde_json::Value| -> Vec<(String, String)> {
            b["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        let expected = vec![
            ("email".to_owned(), "invalid_email".to_owned()),
            ("password".to_owned(), "length_out_of_range".to_owned()),
            ("full_name".to_owned(), "required".to_owned()),
            ("phone".to_owned(), "invalid_phone".to_owned()),
        ];
        assert_eq!(codes(&en_body), expected);
        assert_eq!(
            en_body["errors"][1]["message"],
            "must have 8 to 128 characters"
        );

        let vi = app.send(ask(Some("vi-VN,vi;q=0.9,en;q=0.5"))).await;
        let vi_body = vi.problem(422, "validation_failed");
        assert_eq!(vi.header("content-language"), Some("vi"));
        assert_eq!(
            codes(&vi_body),
            expected,
            "the codes do not change with the language"
        );
        assert_eq!(vi_body["detail"], "Một số trường không hợp lệ.");
        assert_eq!(
            vi_body["errors"][1]["message"],
            "phải có từ 8 đến 128 ký tự"
        );
        assert_eq!(
            vi_body["errors"][3]["message"],
            "phải là số điện thoại Việt Nam, ví dụ 0912 345 678"
        );
        // English ranked first keeps English.
        let en2 = app.send(ask(Some("en-US,en;q=0.9,vi;q=0.8"))).await;
        assert_eq!(
            en2.json()["errors"][1]["message"],
            "must have 8 to 128 characters"
        );
    }
);
