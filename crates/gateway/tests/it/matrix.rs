//! The authorization matrix: every catalogue, account and notification endpoint against every
//! kind of caller. Another
//! user's private stall or product answers 404; a public one the caller may not change, 403.

use std::{future::Future, sync::Arc};

use axum::http::Method;
use serde_json::{Value, json};

use crate::support::*;

/// The callers, in the order of each row's expectations.
const ROLES: [&str; 6] = [
    "anonymous",
    "buyer",
    "staff",
    "owner",
    "other owner",
    "admin",
];

struct Fixture {
    app: TestApp,
    /// Tokens by role (anonymous has none).
    tokens: [Option<String>; 6],
    /// An approved stall of `owner` with `staff`.
    open: String,
    /// A pending stall of `owner` with `staff`.
    closed: String,
    /// A visible product of `open`.
    product: String,
    /// A product of `closed`.
    hidden_product: String,
    category: String,
}

impl Fixture {
    async fn new(db: TestDb) -> Arc<Self> {
        Self::with_config(db, "").await
    }

    async fn with_config(db: TestDb, toml: &str) -> Arc<Self> {
        Self::with_app(TestApp::with_config(db, toml)).await
    }

    async fn with_app(app: TestApp) -> Arc<Self> {
        let admin = app.admin("admin@tinh.vn").await;
        let buyer = app.signed_in("buyer@example.vn").await;
        let staff = app.signed_in("staff@example.vn").await;
        let owner = app.signed_in("owner@example.vn").await;
        let other = app.signed_in("other@example.vn").await;

        let open = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let closed = app.stall(&owner, "Cà phê Khe Sanh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let theirs = app.stall(&other, "Tiêu Vĩnh Linh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.approve(&admin, &open).await;
        app.approve(&admin, &theirs).await;
        for stall in [&open, &closed] {
            let res = app
                .post(
                    &format!("/api/v1/stalls/{stall}/members"),
                    Some(&owner),
                    json!({"email": "staff@example.vn", "role": "staff"}),
                )
                .await;
            assert_eq!(res.status, 201, "{}", res.text());
        }
        let category = app.category("gia-vi-nuoc-cham").await;
        let product = app
            .product(
                &owner,
                &open,
                app.product_body(&category, "Nước mắm 40 độ đạm", 120_000),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let hidden_product = app
            .product(
                &owner,
                &closed,
                app.product_body(&category, "Cà phê rang mộc", 150_000),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        Arc::new(Self {
            app,
            tokens: [
                None,
                Some(buyer),
                Some(staff),
                Some(owner),
                Some(other),
                Some(admin),
            ],
            open,
            closed,
            product,
            hidden_product,
            category,
        })
    }

    fn owner(&self) -> &str {
        self.tokens[3].as_deref().unwrap()
    }

    fn admin(&self) -> &str {
        self.tokens[5].as_deref().unwrap()
    }

    /// A fresh product of `open`, for rows that use one up.
    async fn fresh_product(&self) -> String {
        self.app
            .product(
                self.owner(),
                &self.open,
                self.app.product_body(&self.category, "Mắm ruốc", 50_000),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A fresh pending stall of `owner`.
    async fn fresh_stall(&self) -> String {
        self.app.stall(self.owner(), "Gian hàng mới").await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

type Request = (Method, String, Option<Value>);

/// Runs one row: for each role, `make` builds the request (it may set things up first), and
/// the status must match. Returns the mismatches rather than stopping at the first.
async fn row<F, Fut>(fx: &Arc<Fixture>, name: &str, expected: [u16; 6], make: F) -> Vec<String>
where
    F: Fn(Arc<Fixture>, usize) -> Fut,
    Fut: Future<Output = Request>,
{
    let mut failures = Vec::new();
    for (i, role) in ROLES.iter().enumerate() {
        let (method, path, body) = make(fx.clone(), i).await;
        let res = fx
            .app
            .request(method.clone(), &path, fx.tokens[i].as_deref(), body)
            .await;
        if res.status.as_u16() != expected[i] {
            failures.push(format!(
                "{name} as {role}: {method} {path} answered {} (expected {}): {}",
                res.status.as_u16(),
                expected[i],
                res.text()
            ));
        }
        if res.status.is_client_error() {
            // Every refusal is a problem document, whatever the endpoint.
            assert_eq!(
                res.header("content-type"),
                Some("application/problem+json"),
                "{name} as {role}"
            );
        }
    }
    failures
}

fn get(path: String) -> Request {
    (Method::GET, path, None)
}

db_test!(catalog_authorization_matrix, |db: TestDb| async move {
    let fx = Fixture::new(db).await;
    let mut failures = Vec::new();
    let (open, closed) = (fx.open.clone(), fx.closed.clone());
    let (product, hidden) = (fx.product.clone(), fx.hidden_product.clone());

    failures.extend(
        row(&fx, "GET regions", [200; 6], |_, _| async {
            get("/api/v1/regions".into())
        })
        .await,
    );
    for path in [
        "/api/v1/regions/provinces",
        "/api/v1/regions/provinces/44/communes",
        "/api/v1/regions/lookup?q=cua%20tung",
    ] {
        failures.extend(
            row(
                &fx,
                &format!("GET {path}"),
                [200; 6],
                move |_, _| async move { get(path.into()) },
            )
            .await,
        );
    }
    failures.extend(
        row(
            &fx,
            "GET me/addresses",
            [401, 200, 200, 200, 200, 200],
            |_, _| async { get("/api/v1/me/addresses".into()) },
        )
        .await,
    );
    // An address of the buyer's: everyone else is told it does not exist.
    let buyer_address = fx
        .app
        .post(
            "/api/v1/me/addresses",
            fx.tokens[1].as_deref(),
            json!({"recipient": "Trần Mai", "phone": "0912345678", "commune_code": "00070", "street": "12 Lê Thái Tổ"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = buyer_address.clone();
    failures.extend(
        row(
            &fx,
            "PATCH another's address",
            [401, 200, 404, 404, 404, 404],
            move |_, _| {
                let a = a.clone();
                async move {
                    (
                        Method::PATCH,
                        format!("/api/v1/me/addresses/{a}"),
                        Some(json!({"street": "14 Lê Thái Tổ"})),
                    )
                }
            },
        )
        .await,
    );
    for (name, stall, expected) in [
        (
            "PUT approved stall delivery",
            open.clone(),
            [401, 403, 403, 200, 403, 403],
        ),
        (
            "PUT pending stall delivery",
            closed.clone(),
            [401, 404, 403, 200, 404, 403],
        ),
    ] {
        failures.extend(
            row(&fx, name, expected, move |_, _| {
                let stall = stall.clone();
                async move {
                    (
                        Method::PUT,
                        format!("/api/v1/stalls/{stall}/delivery"),
                        Some(json!({"free_above": 500_000})),
                    )
                }
            })
            .await,
        );
    }
    failures.extend(
        row(&fx, "GET categories", [200; 6], |_, _| async {
            get("/api/v1/categories".into())
        })
        .await,
    );
    failures.extend(
        row(&fx, "GET category products", [200; 6], |_, _| async {
            get("/api/v1/categories/thuc-pham/products".into())
        })
        .await,
    );
    failures.extend(
        row(&fx, "GET stalls", [200; 6], |_, _| async {
            get("/api/v1/stalls".into())
        })
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST stalls",
            [401, 201, 201, 201, 201, 201],
            |_, i| async move {
                (
                    Method::POST,
                    "/api/v1/stalls".into(),
                    Some(json!({
                        "name": format!("Gian hàng thử {i}"),
                        "commune_code": "19429",
                        "address": "Khối 3, xã Khe Sanh",
                        "phone": "0914 221 387",
                        "business_type": "household_business",
                    })),
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "GET me/stalls",
            [401, 200, 200, 200, 200, 200],
            |_, _| async { get("/api/v1/me/stalls".into()) },
        )
        .await,
    );

    let o = open.clone();
    failures.extend(
        row(&fx, "GET approved stall", [200; 6], move |_, _| {
            let o = o.clone();
            async move { get(format!("/api/v1/stalls/{o}")) }
        })
        .await,
    );
    let c = closed.clone();
    failures.extend(
        row(
            &fx,
            "GET pending stall",
            [404, 404, 200, 200, 404, 200],
            move |_, _| {
                let c = c.clone();
                async move { get(format!("/api/v1/stalls/{c}")) }
            },
        )
        .await,
    );
    let o = open.clone();
    failures.extend(
        row(
            &fx,
            "PATCH approved stall",
            [401, 403, 200, 200, 403, 403],
            move |_, _| {
                let o = o.clone();
                async move {
                    (
                        Method::PATCH,
                        format!("/api/v1/stalls/{o}"),
                        Some(json!({"description": "Mô tả mới"})),
                    )
                }
            },
        )
        .await,
    );
    let c = closed.clone();
    failures.extend(
        row(
            &fx,
            "PATCH pending stall",
            [401, 404, 200, 200, 404, 403],
            move |_, _| {
                let c = c.clone();
                async move {
                    (
                        Method::PATCH,
                        format!("/api/v1/stalls/{c}"),
                        Some(json!({"description": "Mô tả mới"})),
                    )
                }
            },
        )
        .await,
    );
    let o = open.clone();
    failures.extend(
        row(
            &fx,
            "GET members",
            [401, 403, 200, 200, 403, 200],
            move |_, _| {
                let o = o.clone();
                async move { get(format!("/api/v1/stalls/{o}/members")) }
            },
        )
        .await,
    );
    let c = closed.clone();
    failures.extend(
        row(
            &fx,
            "GET members of pending stall",
            [401, 404, 200, 200, 404, 200],
            move |_, _| {
                let c = c.clone();
                async move { get(format!("/api/v1/stalls/{c}/members")) }
            },
        )
        .await,
    );
    let o = open.clone();
    failures.extend(
        row(
            &fx,
            "POST members",
            [401, 403, 403, 201, 403, 403],
            move |fx, i| {
                let o = o.clone();
                async move {
                    let email = format!("new-staff-{i}@example.vn");
                    fx.app.signed_in(&email).await;
                    (
                        Method::POST,
                        format!("/api/v1/stalls/{o}/members"),
                        Some(json!({"email": email, "role": "staff"})),
                    )
                }
            },
        )
        .await,
    );
    let o = open.clone();
    failures.extend(
        row(
            &fx,
            "DELETE member",
            [401, 403, 403, 204, 403, 403],
            move |fx, i| {
                let o = o.clone();
                async move {
                    let email = format!("leaving-{i}@example.vn");
                    let token = fx.app.signed_in(&email).await;
                    let me = fx.app.get("/api/v1/me", Some(&token)).await.json();
                    let res = fx
                        .app
                        .post(
                            &format!("/api/v1/stalls/{o}/members"),
                            Some(fx.owner()),
                            json!({"email": email, "role": "staff"}),
                        )
                        .await;
                    assert_eq!(res.status, 201);
                    (
                        Method::DELETE,
                        format!("/api/v1/stalls/{o}/members/{}", me["id"].as_str().unwrap()),
                        None,
                    )
                }
            },
        )
        .await,
    );
    let o = open.clone();
    failures.extend(
        row(
            &fx,
            "POST product on approved stall",
            [401, 403, 201, 201, 403, 403],
            move |fx, _| {
                let o = o.clone();
                async move {
                    (
                        Method::POST,
                        format!("/api/v1/stalls/{o}/products"),
                        Some(fx.app.product_body(&fx.category, "Nước mắm mới", 90_000)),
                    )
                }
            },
        )
        .await,
    );
    let c = closed.clone();
    failures.extend(
        row(
            &fx,
            "POST product on pending stall",
            [401, 404, 201, 201, 404, 403],
            move |fx, _| {
                let c = c.clone();
                async move {
                    (
                        Method::POST,
                        format!("/api/v1/stalls/{c}/products"),
                        Some(fx.app.product_body(&fx.category, "Cà phê mới", 90_000)),
                    )
                }
            },
        )
        .await,
    );
    let o = open.clone();
    failures.extend(
        row(
            &fx,
            "GET products of approved stall",
            [200; 6],
            move |_, _| {
                let o = o.clone();
                async move { get(format!("/api/v1/stalls/{o}/products")) }
            },
        )
        .await,
    );
    let c = closed.clone();
    failures.extend(
        row(
            &fx,
            "GET products of pending stall",
            [404, 404, 200, 200, 404, 200],
            move |_, _| {
                let c = c.clone();
                async move { get(format!("/api/v1/stalls/{c}/products")) }
            },
        )
        .await,
    );
    let p = product.clone();
    failures.extend(
        row(&fx, "GET visible product", [200; 6], move |_, _| {
            let p = p.clone();
            async move { get(format!("/api/v1/products/{p}")) }
        })
        .await,
    );
    let h = hidden.clone();
    failures.extend(
        row(
            &fx,
            "GET product of pending stall",
            [404, 404, 200, 200, 404, 200],
            move |_, _| {
                let h = h.clone();
                async move { get(format!("/api/v1/products/{h}")) }
            },
        )
        .await,
    );
    let p = product.clone();
    failures.extend(
        row(
            &fx,
            "PATCH visible product",
            [401, 403, 200, 200, 403, 403],
            move |fx, _| {
                let p = p.clone();
                async move {
                    let version = fx
                        .app
                        .get(&format!("/api/v1/products/{p}"), Some(fx.owner()))
                        .await
                        .json()["version"]
                        .clone();
                    (
                        Method::PATCH,
                        format!("/api/v1/products/{p}"),
                        Some(json!({"version": version, "stock": 33})),
                    )
                }
            },
        )
        .await,
    );
    let h = hidden.clone();
    failures.extend(
        row(
            &fx,
            "PATCH product of pending stall",
            [401, 404, 200, 200, 404, 403],
            move |fx, _| {
                let h = h.clone();
                async move {
                    let version = fx
                        .app
                        .get(&format!("/api/v1/products/{h}"), Some(fx.owner()))
                        .await
                        .json()["version"]
                        .clone();
                    (
                        Method::PATCH,
                        format!("/api/v1/products/{h}"),
                        Some(json!({"version": version, "stock": 33})),
                    )
                }
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "DELETE product",
            [401, 403, 204, 204, 403, 403],
            |fx, _| async move {
                let id = fx.fresh_product().await;
                (Method::DELETE, format!("/api/v1/products/{id}"), None)
            },
        )
        .await,
    );

    // Administration.
    failures.extend(
        row(
            &fx,
            "GET admin/stalls",
            [401, 403, 403, 403, 403, 200],
            |_, _| async { get("/api/v1/admin/stalls?status=pending".into()) },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "GET admin/audit-log",
            [401, 403, 403, 403, 403, 200],
            |_, _| async { get("/api/v1/admin/audit-log".into()) },
        )
        .await,
    );
    for (action, body) in [
        ("approve", None),
        (
            "reject",
            Some(json!({"reason": "Thiếu giấy đăng ký kinh doanh"})),
        ),
    ] {
        failures.extend(
            row(
                &fx,
                &format!("POST admin/stalls/{{pending}}/{action}"),
                [401, 403, 403, 403, 403, 200],
                move |fx, _| {
                    let body = body.clone();
                    async move {
                        let id = fx.fresh_stall().await;
                        // Approval needs the seller identified first.
                        fx.app.verify_seller(fx.admin(), &id).await;
                        (
                            Method::POST,
                            format!("/api/v1/admin/stalls/{id}/{action}"),
                            body,
                        )
                    }
                },
            )
            .await,
        );
    }
    failures.extend(
        row(
            &fx,
            "POST admin/stalls/{approved}/suspend",
            [401, 403, 403, 403, 403, 200],
            |fx, _| async move {
                let id = fx.fresh_stall().await;
                fx.app.approve(fx.admin(), &id).await;
                (
                    Method::POST,
                    format!("/api/v1/admin/stalls/{id}/suspend"),
                    Some(json!({"reason": "Bán hàng giả"})),
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST admin/stalls/{suspended}/reinstate",
            [401, 403, 403, 403, 403, 200],
            |fx, _| async move {
                let id = fx.fresh_stall().await;
                fx.app.approve(fx.admin(), &id).await;
                let res = fx
                    .app
                    .post(
                        &format!("/api/v1/admin/stalls/{id}/suspend"),
                        Some(fx.admin()),
                        json!({"reason": "Kiểm tra"}),
                    )
                    .await;
                assert_eq!(res.status, 200);
                (
                    Method::POST,
                    format!("/api/v1/admin/stalls/{id}/reinstate"),
                    None,
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST admin/products/hide",
            [401, 403, 403, 403, 403, 200],
            |fx, _| async move {
                let id = fx.fresh_product().await;
                (
                    Method::POST,
                    format!("/api/v1/admin/products/{id}/hide"),
                    Some(json!({"reason": "Ảnh không đúng sản phẩm"})),
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST admin/products/unhide",
            [401, 403, 403, 403, 403, 200],
            |fx, _| async move {
                let id = fx.fresh_product().await;
                let res = fx
                    .app
                    .post(
                        &format!("/api/v1/admin/products/{id}/hide"),
                        Some(fx.admin()),
                        json!({"reason": "Kiểm tra"}),
                    )
                    .await;
                assert_eq!(res.status, 200);
                (
                    Method::POST,
                    format!("/api/v1/admin/products/{id}/unhide"),
                    None,
                )
            },
        )
        .await,
    );
    for action in ["verify", "reject"] {
        failures.extend(
            row(&fx, &format!("POST admin/products/ocop/{action}"), [401, 403, 403, 403, 403, 200], move |fx, _| async move {
                let mut body = fx.app.product_body(&fx.category, "Nước mắm OCOP", 120_000);
                body["ocop"] = json!({"stars": 4, "certificate_no": "123/QĐ-UBND", "issued_on": "2025-06-01"});
                let id = fx.app.product(fx.owner(), &fx.open, body).await["id"].as_str().unwrap().to_owned();
                let reason = (action == "reject").then(|| json!({"reason": "Số quyết định không khớp"}));
                (Method::POST, format!("/api/v1/admin/products/{id}/ocop/{action}"), reason)
            })
            .await,
        );
    }
    failures.extend(
        row(
            &fx,
            "POST admin/categories",
            [401, 403, 403, 403, 403, 201],
            |_, i| async move {
                (
                    Method::POST,
                    "/api/v1/admin/categories".into(),
                    Some(json!({"name": format!("Danh mục {i}")})),
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "PATCH admin/categories",
            [401, 403, 403, 403, 403, 200],
            |_, _| async move {
                (
                    Method::PATCH,
                    "/api/v1/admin/categories/mat-ong".into(),
                    Some(json!({"position": 9})),
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "DELETE admin/categories",
            [401, 403, 403, 403, 403, 204],
            |fx, i| async move {
                let res = fx
                    .app
                    .post(
                        "/api/v1/admin/categories",
                        Some(fx.admin()),
                        json!({"name": format!("Tạm {i}")}),
                    )
                    .await;
                let id = res.json()["id"].as_str().unwrap().to_owned();
                (
                    Method::DELETE,
                    format!("/api/v1/admin/categories/{id}"),
                    None,
                )
            },
        )
        .await,
    );

    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
});

/// A fresh webhook of `open`, made by its owner (the earlier ones deleted: a stall has at
/// most five).
async fn fresh_hook(fx: &Fixture) -> String {
    let list = fx
        .app
        .get(
            &format!("/api/v1/stalls/{}/webhooks", fx.open),
            Some(fx.owner()),
        )
        .await
        .json();
    for w in list.as_array().unwrap() {
        let id = w["id"].as_str().unwrap();
        fx.app
            .delete(
                &format!("/api/v1/stalls/{}/webhooks/{id}", fx.open),
                Some(fx.owner()),
            )
            .await;
    }
    let res = fx
        .app
        .post(
            &format!("/api/v1/stalls/{}/webhooks", fx.open),
            Some(fx.owner()),
            json!({"url": "http://127.0.0.1:9/hook"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

/// A fresh account's id.
async fn fresh_user(fx: &Fixture, i: usize, what: &str) -> String {
    let token = fx.app.signed_in(&format!("{what}{i}@example.vn")).await;
    fx.app.get("/api/v1/me", Some(&token)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A fresh pending stall of `owner` whose seller identity waits for an administrator.
async fn stall_with_pending_identity(fx: &Fixture) -> String {
    let id = fx.fresh_stall().await;
    let res = fx
        .app
        .post(
            &format!("/api/v1/stalls/{id}/identity"),
            Some(fx.owner()),
            identity_body(),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    id
}

db_test!(
    seller_identity_authorization_matrix,
    |db: TestDb| async move {
        let fx = Fixture::new(db).await;
        let mut failures = Vec::new();
        // The owner submits; staff, other users and administrators may not. Of a pending
        // stall, those who may not see it are told it does not exist.
        for (name, stall, expected) in [
            (
                "POST pending stall identity",
                fx.closed.clone(),
                [401, 404, 403, 201, 404, 403],
            ),
            // Its seller is verified already (the fixture approved it).
            (
                "POST approved stall identity",
                fx.open.clone(),
                [401, 403, 403, 409, 403, 403],
            ),
        ] {
            failures.extend(
                row(&fx, name, expected, move |_, _| {
                    let stall = stall.clone();
                    async move {
                        (
                            Method::POST,
                            format!("/api/v1/stalls/{stall}/identity"),
                            Some(identity_body()),
                        )
                    }
                })
                .await,
            );
        }
        // The number is the owner's and the administrators' to read, not the staff's.
        for (name, stall, expected) in [
            (
                "GET pending stall identity",
                fx.closed.clone(),
                [401, 404, 403, 200, 404, 200],
            ),
            (
                "GET approved stall identity",
                fx.open.clone(),
                [401, 403, 403, 200, 403, 200],
            ),
        ] {
            failures.extend(
                row(&fx, name, expected, move |_, _| {
                    let stall = stall.clone();
                    async move { get(format!("/api/v1/stalls/{stall}/identity")) }
                })
                .await,
            );
        }
        let admin_only = [401, 403, 403, 403, 403, 200];
        for (action, body) in [
            ("verify", None),
            ("reject", Some(json!({"reason": "Ảnh căn cước bị mờ"}))),
        ] {
            failures.extend(
                row(
                    &fx,
                    &format!("POST admin/stalls/{{id}}/identity/{action}"),
                    admin_only,
                    move |fx, _| {
                        let body = body.clone();
                        async move {
                            let id = stall_with_pending_identity(&fx).await;
                            let path = format!("/api/v1/admin/stalls/{id}/identity/{action}");
                            (Method::POST, path, body)
                        }
                    },
                )
                .await,
            );
        }
        failures.extend(
            row(&fx, "GET admin/identities", admin_only, |_, _| async {
                get("/api/v1/admin/identities?status=pending".into())
            })
            .await,
        );
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
);

/// A voucher body with `code`, valid from now for a week.
fn voucher_body(code: &str) -> Value {
    json!({
        "code": code,
        "kind": "percent",
        "value": 10,
        "starts_at": chrono::Utc::now(),
        "ends_at": chrono::Utc::now() + chrono::Duration::days(7),
    })
}

db_test!(vouchers_authorization_matrix, |db: TestDb| async move {
    let fx = Fixture::new(db).await;
    let mut failures = Vec::new();
    // A stall's owner makes and changes its vouchers; its members and administrators read
    // them; those who may not see a pending stall are told it does not exist.
    for (name, stall, write, read) in [
        (
            "pending stall vouchers",
            fx.closed.clone(),
            [401, 404, 403, 201, 404, 403],
            [401, 404, 200, 200, 404, 200],
        ),
        (
            "approved stall vouchers",
            fx.open.clone(),
            [401, 403, 403, 201, 403, 403],
            [401, 403, 200, 200, 403, 200],
        ),
    ] {
        let path = format!("/api/v1/stalls/{stall}/vouchers");
        let made = fx
            .app
            .post(
                &path,
                Some(fx.owner()),
                voucher_body(&format!("M{}", &stall[stall.len() - 8..])),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let one = format!("{path}/{}", made.json()["id"].as_str().unwrap());
        let (p, o) = (path.clone(), one.clone());
        failures.extend(
            row(&fx, &format!("POST {name}"), write, move |_, i| {
                let p = p.clone();
                let code = format!("R{i}{}", &stall[stall.len() - 8..]);
                async move { (Method::POST, p, Some(voucher_body(&code))) }
            })
            .await,
        );
        let p = path.clone();
        failures.extend(
            row(&fx, &format!("GET {name}"), read, move |_, _| {
                let p = p.clone();
                async move { get(p) }
            })
            .await,
        );
        let p = one.clone();
        failures.extend(
            row(&fx, &format!("GET one of {name}"), read, move |_, _| {
                let p = p.clone();
                async move { get(p) }
            })
            .await,
        );
        let mut patch = write;
        patch[3] = 200;
        failures.extend(
            row(&fx, &format!("PATCH one of {name}"), patch, move |_, _| {
                let o = o.clone();
                async move { (Method::PATCH, o, Some(json!({"value": 12}))) }
            })
            .await,
        );
    }
    // The platform's vouchers are administrators' alone.
    let made = fx
        .app
        .post(
            "/api/v1/admin/vouchers",
            Some(fx.admin()),
            voucher_body("PLATFORM"),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text());
    let one = format!(
        "/api/v1/admin/vouchers/{}",
        made.json()["id"].as_str().unwrap()
    );
    failures.extend(
        row(
            &fx,
            "POST admin/vouchers",
            [401, 403, 403, 403, 403, 201],
            |_, i| async move {
                let body = voucher_body(&format!("ADMIN{i}"));
                (
                    Method::POST,
                    "/api/v1/admin/vouchers".to_owned(),
                    Some(body),
                )
            },
        )
        .await,
    );
    let admin_only = [401, 403, 403, 403, 403, 200];
    failures.extend(
        row(&fx, "GET admin/vouchers", admin_only, |_, _| async {
            get("/api/v1/admin/vouchers".into())
        })
        .await,
    );
    let o = one.clone();
    failures.extend(
        row(&fx, "GET admin/vouchers/{vid}", admin_only, move |_, _| {
            let o = o.clone();
            async move { get(o) }
        })
        .await,
    );
    failures.extend(
        row(
            &fx,
            "PATCH admin/vouchers/{vid}",
            admin_only,
            move |_, _| {
                let o = one.clone();
                async move { (Method::PATCH, o, Some(json!({"usage_limit": 100}))) }
            },
        )
        .await,
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
});

/// A fresh food-safety certificate of `open`, submitted by its owner and waiting; its id.
async fn submitted_document(fx: &Fixture) -> String {
    let res = fx
        .app
        .post(
            &format!("/api/v1/stalls/{}/documents", fx.open),
            Some(fx.owner()),
            document_body("food_safety"),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

db_test!(
    business_documents_authorization_matrix,
    |db: TestDb| async move {
        let fx = Fixture::new(db).await;
        let mut failures = Vec::new();
        // The owner submits; staff, other users and administrators may not. Of a pending stall,
        // those who may not see it are told it does not exist.
        for (name, stall, expected) in [
            (
                "POST pending stall documents",
                fx.closed.clone(),
                [401, 404, 403, 201, 404, 403],
            ),
            (
                "POST approved stall documents",
                fx.open.clone(),
                [401, 403, 403, 201, 403, 403],
            ),
        ] {
            failures.extend(
                row(&fx, name, expected, move |_, _| {
                    let stall = stall.clone();
                    async move {
                        (
                            Method::POST,
                            format!("/api/v1/stalls/{stall}/documents"),
                            Some(document_body("business_registration")),
                        )
                    }
                })
                .await,
            );
        }
        // The owner and administrators read them.
        for (name, stall, expected) in [
            (
                "GET pending stall documents",
                fx.closed.clone(),
                [401, 404, 403, 200, 404, 200],
            ),
            (
                "GET approved stall documents",
                fx.open.clone(),
                [401, 403, 403, 200, 403, 200],
            ),
        ] {
            failures.extend(
                row(&fx, name, expected, move |_, _| {
                    let stall = stall.clone();
                    async move { get(format!("/api/v1/stalls/{stall}/documents")) }
                })
                .await,
            );
        }
        let admin_only = [401, 403, 403, 403, 403, 200];
        for (action, body) in [
            ("verify", None),
            (
                "reject",
                Some(json!({"reason": "Ảnh giấy chứng nhận bị mờ"})),
            ),
        ] {
            failures.extend(
                row(
                    &fx,
                    &format!("POST admin/documents/{{id}}/{action}"),
                    admin_only,
                    move |fx, _| {
                        let body = body.clone();
                        async move {
                            let id = submitted_document(&fx).await;
                            let path = format!("/api/v1/admin/documents/{id}/{action}");
                            (Method::POST, path, body)
                        }
                    },
                )
                .await,
            );
        }
        failures.extend(
            row(&fx, "GET admin/documents", admin_only, |_, _| async {
                get("/api/v1/admin/documents?status=submitted".into())
            })
            .await,
        );
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
);

db_test!(
    account_and_notification_authorization_matrix,
    |db: TestDb| async move {
        let fx = Fixture::with_config(db, "[notify]\nwebhooks_allow_private = true").await;
        let mut failures = Vec::new();
        let user = [401, 200, 200, 200, 200, 200];
        for (name, method, path, body) in [
            (
                "GET me/notifications",
                Method::GET,
                "/api/v1/me/notifications",
                None,
            ),
            (
                "POST me/notifications/read-all",
                Method::POST,
                "/api/v1/me/notifications/read-all",
                None,
            ),
            (
                "GET me/notification-settings",
                Method::GET,
                "/api/v1/me/notification-settings",
                None,
            ),
            (
                "PUT me/notification-settings",
                Method::PUT,
                "/api/v1/me/notification-settings",
                Some(json!({"email": {"order_shipped": true}})),
            ),
            (
                "PATCH me",
                Method::PATCH,
                "/api/v1/me",
                Some(json!({"full_name": "Nguyễn Văn Tư"})),
            ),
            ("GET me/sessions", Method::GET, "/api/v1/me/sessions", None),
            ("GET me/export", Method::GET, "/api/v1/me/export", None),
        ] {
            failures.extend(
                row(&fx, name, user, move |_, _| {
                    let (method, body) = (method.clone(), body.clone());
                    async move { (method, path.into(), body) }
                })
                .await,
            );
        }
        failures.extend(
            row(
                &fx,
                "POST me/verify-email",
                [401, 202, 202, 202, 202, 202],
                |_, _| async { (Method::POST, "/api/v1/me/verify-email".into(), None) },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "POST me/password (wrong current)",
                [401, 422, 422, 422, 422, 422],
                |_, _| async {
                    (
                        Method::POST,
                        "/api/v1/me/password".into(),
                        Some(json!({"current": "not-it-at-all", "new": "mat-khau-moi-2026"})),
                    )
                },
            )
            .await,
        );
        // The owner's notification (the stall's approval): nobody else's to mark.
        let owner_note = fx
            .app
            .get("/api/v1/me/notifications", Some(fx.owner()))
            .await
            .json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        failures.extend(
            row(
                &fx,
                "POST another's notification read",
                [401, 404, 404, 200, 404, 404],
                move |_, _| {
                    let id = owner_note.clone();
                    async move {
                        (
                            Method::POST,
                            format!("/api/v1/me/notifications/{id}/read"),
                            None,
                        )
                    }
                },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "DELETE another's session",
                [401, 404, 404, 204, 404, 404],
                |fx, _| async move {
                    fx.app.login("owner@example.vn").await;
                    let list = fx
                        .app
                        .get("/api/v1/me/sessions", Some(fx.owner()))
                        .await
                        .json();
                    let id = list
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|s| s["current"] == false)
                        .unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    (Method::DELETE, format!("/api/v1/me/sessions/{id}"), None)
                },
            )
            .await,
        );
        for (name, path, body, expected) in [
            (
                "POST auth/password-reset/confirm (bad token)",
                "/api/v1/auth/password-reset/confirm",
                json!({"token": "0".repeat(64), "password": "mat-khau-moi-2026"}),
                [422; 6],
            ),
            (
                "POST auth/verify-email (bad token)",
                "/api/v1/auth/verify-email",
                json!({"token": "0".repeat(64)}),
                [422; 6],
            ),
        ] {
            failures.extend(
                row(&fx, name, expected, move |_, _| {
                    let body = body.clone();
                    async move { (Method::POST, path.into(), Some(body)) }
                })
                .await,
            );
        }
        // One email each: the same email is limited to three requests a minute, whoever asks.
        failures.extend(
            row(
                &fx,
                "POST auth/password-reset",
                [202; 6],
                |_, i| async move {
                    (
                        Method::POST,
                        "/api/v1/auth/password-reset".into(),
                        Some(json!({"email": format!("reset{i}@example.vn")})),
                    )
                },
            )
            .await,
        );
        let admin_only = [401, 403, 403, 403, 403, 200];
        failures.extend(
            row(&fx, "GET admin/users", admin_only, |_, _| async {
                get("/api/v1/admin/users?email=buyer@example.vn".into())
            })
            .await,
        );
        for action in ["disable", "enable"] {
            failures.extend(
                row(
                    &fx,
                    &format!("POST admin/users/{{id}}/{action}"),
                    admin_only,
                    move |fx, i| async move {
                        let id = fresh_user(&fx, i, action).await;
                        (
                            Method::POST,
                            format!("/api/v1/admin/users/{id}/{action}"),
                            None,
                        )
                    },
                )
                .await,
            );
        }
        let (open, closed) = (fx.open.clone(), fx.closed.clone());
        for (name, stall, expected) in [
            (
                "GET approved stall webhooks",
                open.clone(),
                [401, 403, 403, 200, 403, 403],
            ),
            (
                "GET pending stall webhooks",
                closed.clone(),
                [401, 404, 403, 200, 404, 403],
            ),
        ] {
            failures.extend(
                row(&fx, name, expected, move |_, _| {
                    let stall = stall.clone();
                    async move { get(format!("/api/v1/stalls/{stall}/webhooks")) }
                })
                .await,
            );
        }
        let owner_only = [401, 403, 403, 200, 403, 403];
        let o = open.clone();
        failures.extend(
            row(
                &fx,
                "POST stall webhooks",
                [401, 403, 403, 201, 403, 403],
                move |_, _| {
                    let o = o.clone();
                    async move {
                        (
                            Method::POST,
                            format!("/api/v1/stalls/{o}/webhooks"),
                            Some(json!({"url": "http://127.0.0.1:9/other"})),
                        )
                    }
                },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "DELETE stall webhook",
                [401, 403, 403, 204, 403, 403],
                |fx, _| async move {
                    let wid = fresh_hook(&fx).await;
                    (
                        Method::DELETE,
                        format!("/api/v1/stalls/{}/webhooks/{wid}", fx.open),
                        None,
                    )
                },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "POST webhook rotate-secret",
                owner_only,
                |fx, _| async move {
                    let wid = fresh_hook(&fx).await;
                    let path = format!("/api/v1/stalls/{}/webhooks/{wid}/rotate-secret", fx.open);
                    (Method::POST, path, None)
                },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "GET webhook deliveries",
                owner_only,
                |fx, _| async move {
                    let list = fx
                        .app
                        .get(
                            &format!("/api/v1/stalls/{}/webhooks", fx.open),
                            Some(fx.owner()),
                        )
                        .await
                        .json();
                    let wid = list[0]["id"].as_str().unwrap().to_owned();
                    get(format!(
                        "/api/v1/stalls/{}/webhooks/{wid}/deliveries",
                        fx.open
                    ))
                },
            )
            .await,
        );
        // Published policies: anyone reads them, every user accepts and reads their own
        // consents, only administrators publish. A kind no user must accept, so the rows
        // change nothing the other rows depend on.
        for (name, path) in [
            ("GET policies", "/api/v1/policies"),
            ("GET policies/{kind}", "/api/v1/policies/returns?version=1"),
        ] {
            failures.extend(
                row(
                    &fx,
                    name,
                    [200; 6],
                    move |_, _| async move { get(path.into()) },
                )
                .await,
            );
        }
        failures.extend(
            row(&fx, "GET me/consents", user, |_, _| async {
                get("/api/v1/me/consents".into())
            })
            .await,
        );
        failures.extend(
            row(
                &fx,
                "POST me/consents",
                [401, 201, 201, 201, 201, 201],
                |_, _| async {
                    (
                        Method::POST,
                        "/api/v1/me/consents".into(),
                        Some(json!({"kind": "returns", "version": 1})),
                    )
                },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "POST admin/policies/{kind}",
                [401, 403, 403, 403, 403, 201],
                |_, i| async move {
                    (
                        Method::POST,
                        "/api/v1/admin/policies/shipping".into(),
                        Some(json!({
                            "title": format!("Chính sách vận chuyển {i}"),
                            "body": "Giao trong tỉnh trong 2 ngày.",
                            "effective_from": "2030-01-01T00:00:00Z",
                        })),
                    )
                },
            )
            .await,
        );
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
);

/// A fresh product of `open`, reported and taken down; its id and the takedown's.
async fn taken_down_product(fx: &Fixture) -> (String, String) {
    let product = fx.fresh_product().await;
    let takedown = take_down(fx, &format!("/api/v1/products/{product}/reports")).await;
    (product, takedown)
}

/// Reports what `reports` names, takes it down as the administrator; the takedown's id.
async fn take_down(fx: &Fixture, reports: &str) -> String {
    let body = json!({"reason": "counterfeit"});
    let report = fx.app.post(reports, None, body).await;
    assert_eq!(report.status, 201, "{}", report.text());
    let id = report.json()["id"].as_str().unwrap().to_owned();
    let res = fx
        .app
        .post(
            &format!("/api/v1/admin/reports/{id}/takedown"),
            Some(fx.admin()),
            json!({"reason": "Hàng giả nhãn hiệu"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["takedown_id"].as_str().unwrap().to_owned()
}

/// A fresh open report of a fresh product of `open`.
async fn fresh_report(fx: &Fixture) -> String {
    let product = fx.fresh_product().await;
    let res = fx
        .app
        .post(
            &format!("/api/v1/products/{product}/reports"),
            None,
            json!({"reason": "misleading"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

db_test!(report_authorization_matrix, |db: TestDb| async move {
    let fx = Fixture::with_config(
        db,
        "[rate_limit]\nreports_per_ip_per_hour = 10000\nreports_per_user_per_hour = 10000",
    )
    .await;
    let mut failures = Vec::new();
    let admin_only = [401, 403, 403, 403, 403, 200];
    let report = json!({"reason": "counterfeit", "detail": "Hàng nhái"});
    // Anyone reports what the public sees; nobody reports what it does not, members and
    // administrators included.
    for (name, path, expected) in [
        (
            "POST products/{visible}/reports",
            format!("/api/v1/products/{}/reports", fx.product),
            [201; 6],
        ),
        (
            "POST products/{of pending stall}/reports",
            format!("/api/v1/products/{}/reports", fx.hidden_product),
            [404; 6],
        ),
        (
            "POST stalls/{approved}/reports",
            format!("/api/v1/stalls/{}/reports", fx.open),
            [201; 6],
        ),
        (
            "POST stalls/{pending}/reports",
            format!("/api/v1/stalls/{}/reports", fx.closed),
            [404; 6],
        ),
    ] {
        let body = report.clone();
        failures.extend(
            row(&fx, name, expected, move |_, _| {
                let (path, body) = (path.clone(), body.clone());
                async move { (Method::POST, path, Some(body)) }
            })
            .await,
        );
    }
    let product = fx.product.clone();
    failures.extend(
        row(
            &fx,
            "POST admin/reports",
            [401, 403, 403, 403, 403, 201],
            move |_, _| {
                let product = product.clone();
                async move {
                    (
                        Method::POST,
                        "/api/v1/admin/reports".into(),
                        Some(json!({
                            "subject": {"product_id": product},
                            "authority": "Chi cục Quản lý thị trường",
                            "reference": "125/QLTT-NV",
                        })),
                    )
                }
            },
        )
        .await,
    );
    for path in ["/api/v1/admin/reports", "/api/v1/admin/takedowns"] {
        failures.extend(
            row(
                &fx,
                &format!("GET {path}"),
                admin_only,
                move |_, _| async move { get(path.into()) },
            )
            .await,
        );
    }
    for action in ["takedown", "dismiss"] {
        failures.extend(
            row(
                &fx,
                &format!("POST admin/reports/{{id}}/{action}"),
                admin_only,
                move |fx, _| async move {
                    let id = fresh_report(&fx).await;
                    (
                        Method::POST,
                        format!("/api/v1/admin/reports/{id}/{action}"),
                        Some(json!({"reason": "Đã kiểm tra"})),
                    )
                },
            )
            .await,
        );
    }
    // A product taken down is hidden: only its stall's members see it, and only they ask.
    failures.extend(
        row(
            &fx,
            "POST products/{taken down}/review-request",
            [401, 404, 200, 200, 404, 403],
            |fx, _| async move {
                let (product, _) = taken_down_product(&fx).await;
                (
                    Method::POST,
                    format!("/api/v1/products/{product}/review-request"),
                    Some(json!({"message": "Đã sửa nhãn"})),
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST stalls/{taken down}/review-request",
            [401, 404, 200, 200, 404, 403],
            |fx, _| async move {
                let stall = fx.fresh_stall().await;
                fx.app.approve(fx.admin(), &stall).await;
                let res = fx
                    .app
                    .post(
                        &format!("/api/v1/stalls/{stall}/members"),
                        Some(fx.owner()),
                        json!({"email": "staff@example.vn", "role": "staff"}),
                    )
                    .await;
                assert_eq!(res.status, 201, "{}", res.text());
                take_down(&fx, &format!("/api/v1/stalls/{stall}/reports")).await;
                (
                    Method::POST,
                    format!("/api/v1/stalls/{stall}/review-request"),
                    Some(json!({"message": "Đã gỡ hàng cấm"})),
                )
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST admin/takedowns/{id}/lift",
            admin_only,
            |fx, _| async move {
                let (_, takedown) = taken_down_product(&fx).await;
                let path = format!("/api/v1/admin/takedowns/{takedown}/lift");
                (Method::POST, path, None)
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST admin/takedowns/{id}/uphold",
            admin_only,
            |fx, _| async move {
                let (product, takedown) = taken_down_product(&fx).await;
                let res = fx
                    .app
                    .post(
                        &format!("/api/v1/products/{product}/review-request"),
                        Some(fx.owner()),
                        json!({"message": "Đã sửa nhãn"}),
                    )
                    .await;
                assert_eq!(res.status, 200, "{}", res.text());
                let path = format!("/api/v1/admin/takedowns/{takedown}/uphold");
                (Method::POST, path, Some(json!({"reason": "Ảnh vẫn sai"})))
            },
        )
        .await,
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
});

db_test!(erasure_authorization_matrix, |db: TestDb| async move {
    // Its own fixture: the row erases the callers it lets through.
    let fx = Fixture::new(db).await;
    // Staff, owners and other owners hold stalls (409 `erasure_blocked`); a buyer is erased;
    // the administrator is the marketplace's only one (409 `last_administrator`).
    let failures = row(
        &fx,
        "DELETE me",
        [401, 204, 409, 409, 409, 409],
        |_, _| async { (Method::DELETE, "/api/v1/me".into(), None) },
    )
    .await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (i, expected) in [(1, 401), (2, 200), (5, 200)] {
        let token = fx.tokens[i].as_deref();
        assert_eq!(
            fx.app.get("/api/v1/me", token).await.status,
            expected,
            "{} after the row",
            ROLES[i]
        );
    }
});

/// An order of a fresh product of `open`, bought by `buyer` and delivered; its id.
async fn delivered_order(fx: &Fixture) -> String {
    let product = fx.fresh_product().await;
    let buyer = fx.tokens[1].as_deref().unwrap();
    let res = crate::orders::put_item(&fx.app, buyer, &product, 1).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let key = uuid::Uuid::now_v7().to_string();
    let res = crate::orders::checkout(&fx.app, buyer, &key, crate::orders::shipping()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let order = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
    for step in ["confirm", "ship", "deliver"] {
        let res = fx
            .app
            .post(
                &format!("/api/v1/orders/{order}/{step}"),
                Some(fx.owner()),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{step}: {}", res.text());
    }
    order
}

/// A case of `kind` on a fresh delivered order, moved by the stall's `answer` if any; its id.
async fn fresh_case(fx: &Fixture, kind: &str, answer: Option<&str>) -> String {
    let order = delivered_order(fx).await;
    let res = fx
        .app
        .post(
            &format!("/api/v1/orders/{order}/cases"),
            fx.tokens[1].as_deref(),
            json!({"kind": kind, "reason": "Hàng bị lỗi"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let case = res.json()["id"].as_str().unwrap().to_owned();
    if let Some(decision) = answer {
        let res = fx
            .app
            .post(
                &format!("/api/v1/cases/{case}/respond"),
                Some(fx.owner()),
                json!({"decision": decision, "message": "Shop đã xem."}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    case
}

db_test!(case_authorization_matrix, |db: TestDb| async move {
    let fx = Fixture::new(db).await;
    let mut failures = Vec::new();
    let admin_only = [401, 403, 403, 403, 403, 200];
    // Only the buyer opens a case; the stall and administrators are told they may not, and
    // anyone else that the order does not exist.
    failures.extend(
        row(
            &fx,
            "POST orders/{id}/cases",
            [401, 201, 403, 403, 404, 403],
            |fx, _| async move {
                let order = delivered_order(&fx).await;
                let body = json!({"kind": "complaint", "reason": "Giao thiếu hàng"});
                (
                    Method::POST,
                    format!("/api/v1/orders/{order}/cases"),
                    Some(body),
                )
            },
        )
        .await,
    );
    let case = fresh_case(&fx, "complaint", None).await;
    let parties = [401, 200, 200, 200, 404, 200];
    let c = case.clone();
    failures.extend(
        row(&fx, "GET cases/{id}", parties, move |_, _| {
            let c = c.clone();
            async move { get(format!("/api/v1/cases/{c}")) }
        })
        .await,
    );
    let c = case.clone();
    failures.extend(
        row(
            &fx,
            "POST cases/{id}/messages",
            [401, 201, 201, 201, 404, 201],
            move |_, _| {
                let c = c.clone();
                async move {
                    let body = json!({"message": "Xin cho biết thêm."});
                    (
                        Method::POST,
                        format!("/api/v1/cases/{c}/messages"),
                        Some(body),
                    )
                }
            },
        )
        .await,
    );
    // The stall answers and receives; the buyer escalates; each on a fresh case.
    for (name, kind, answer, action, body, expected) in [
        (
            "POST cases/{id}/respond",
            "refund",
            None,
            "respond",
            Some(json!({"decision": "accept", "message": "Đồng ý hoàn tiền."})),
            [401, 403, 200, 200, 404, 403],
        ),
        (
            "POST cases/{id}/escalate",
            "refund",
            Some("reject"),
            "escalate",
            None,
            [401, 200, 403, 403, 404, 403],
        ),
        (
            "POST cases/{id}/received",
            "return",
            Some("accept"),
            "received",
            None,
            [401, 403, 200, 200, 404, 403],
        ),
    ] {
        failures.extend(
            row(&fx, name, expected, move |fx, _| {
                let body = body.clone();
                async move {
                    let c = fresh_case(&fx, kind, answer).await;
                    (Method::POST, format!("/api/v1/cases/{c}/{action}"), body)
                }
            })
            .await,
        );
    }
    failures.extend(
        row(
            &fx,
            "GET me/cases",
            [401, 200, 200, 200, 200, 200],
            |_, _| async { get("/api/v1/me/cases".into()) },
        )
        .await,
    );
    let open = fx.open.clone();
    failures.extend(
        row(
            &fx,
            "GET stalls/{id}/cases",
            [401, 403, 200, 200, 403, 403],
            move |_, _| {
                let open = open.clone();
                async move { get(format!("/api/v1/stalls/{open}/cases?status=open")) }
            },
        )
        .await,
    );
    failures.extend(
        row(&fx, "GET admin/cases", admin_only, |_, _| async {
            get("/api/v1/admin/cases?status=escalated".into())
        })
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST admin/cases/{id}/resolve",
            admin_only,
            |fx, _| async move {
                let c = fresh_case(&fx, "refund", Some("accept")).await;
                let body = json!({"decision": "refund", "refund_amount": 1000, "message": "Hoàn một phần."});
                (Method::POST, format!("/api/v1/admin/cases/{c}/resolve"), Some(body))
            },
        )
        .await,
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
});

/// A fresh guest cart holding one `product` of `open`; its id.
async fn guest_cart(fx: &Fixture) -> String {
    let res = fx.app.post("/api/v1/carts", None, json!({})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let cart = res.json()["id"].as_str().unwrap().to_owned();
    let res = fx
        .app
        .request(
            Method::PUT,
            &format!("/api/v1/carts/{cart}/items/{}", fx.product),
            None,
            Some(json!({"quantity": 1})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    cart
}

/// A fresh cash-on-delivery checkout of `buyer` for a fresh product of `open`: its id and
/// its order's.
async fn fresh_checkout(fx: &Fixture) -> (String, String) {
    let product = fx.fresh_product().await;
    let buyer = fx.tokens[1].as_deref().unwrap();
    let res = crate::orders::put_item(&fx.app, buyer, &product, 1).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let key = uuid::Uuid::now_v7().to_string();
    let res = crate::orders::checkout(&fx.app, buyer, &key, crate::orders::shipping()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let out = res.json();
    let checkout = out["checkout_id"].as_str().unwrap().to_owned();
    (
        checkout,
        out["orders"][0]["id"].as_str().unwrap().to_owned(),
    )
}

fn refund_account() -> Value {
    json!({"bank_bin": "970436", "account_no": "0011004123456", "account_name": "NGUYEN THI LAN"})
}

/// The status of `GET checkouts/{id}/events` as each role, the stream left unread.
async fn event_stream_statuses(fx: &Fixture, checkout: &str) -> [u16; 6] {
    use tower::ServiceExt;
    let mut statuses = [0; 6];
    for (i, token) in fx.tokens.iter().enumerate() {
        let mut req = axum::http::Request::get(format!("/api/v1/checkouts/{checkout}/events"))
            .header(axum::http::header::ACCEPT, "text/event-stream");
        if let Some(token) = token {
            req = req.header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let req = req.body(axum::body::Body::empty()).unwrap();
        statuses[i] = fx
            .app
            .router
            .clone()
            .oneshot(req)
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    statuses
}

db_test!(
    cart_and_checkout_authorization_matrix,
    |db: TestDb| async move {
        let fx = Fixture::new(db).await;
        let mut failures = Vec::new();
        // A guest cart is open to whoever holds its id, signed in or not.
        failures.extend(
            row(&fx, "POST carts", [201; 6], |_, _| async {
                (Method::POST, "/api/v1/carts".into(), Some(json!({})))
            })
            .await,
        );
        let cart = guest_cart(&fx).await;
        let c = cart.clone();
        failures.extend(
            row(&fx, "GET carts/{id}", [200; 6], move |_, _| {
                let c = c.clone();
                async move { get(format!("/api/v1/carts/{c}")) }
            })
            .await,
        );
        let (c, p) = (cart.clone(), fx.product.clone());
        failures.extend(
            row(&fx, "PUT carts/{id}/items/{id}", [200; 6], move |_, i| {
                let (c, p) = (c.clone(), p.clone());
                async move {
                    let body = json!({"quantity": i + 1});
                    (
                        Method::PUT,
                        format!("/api/v1/carts/{c}/items/{p}"),
                        Some(body),
                    )
                }
            })
            .await,
        );
        failures.extend(
            row(
                &fx,
                "DELETE carts/{id}/items/{id}",
                [204; 6],
                |fx, _| async move {
                    let c = guest_cart(&fx).await;
                    let p = fx.product.clone();
                    (Method::DELETE, format!("/api/v1/carts/{c}/items/{p}"), None)
                },
            )
            .await,
        );
        // Merging needs an account to merge into.
        failures.extend(
            row(
                &fx,
                "POST cart/merge",
                [401, 200, 200, 200, 200, 200],
                |fx, _| async move {
                    let c = guest_cart(&fx).await;
                    let body = json!({"cart_id": c});
                    (Method::POST, "/api/v1/cart/merge".into(), Some(body))
                },
            )
            .await,
        );
        // A quote is public for a visible product; one that cannot be bought (its stall pending)
        // has none, whoever asks.
        let p = fx.product.clone();
        failures.extend(
            row(
                &fx,
                "GET products/{id}/delivery-quote",
                [200; 6],
                move |_, _| {
                    let p = p.clone();
                    async move {
                        get(format!(
                            "/api/v1/products/{p}/delivery-quote?commune_code=00070"
                        ))
                    }
                },
            )
            .await,
        );
        let h = fx.hidden_product.clone();
        failures.extend(
            row(
                &fx,
                "GET hidden products/{id}/delivery-quote",
                [404; 6],
                move |_, _| {
                    let h = h.clone();
                    async move {
                        get(format!(
                            "/api/v1/products/{h}/delivery-quote?commune_code=00070"
                        ))
                    }
                },
            )
            .await,
        );
        // A checkout's events are its buyer's; anyone else is told it does not exist.
        let (checkout, order) = fresh_checkout(&fx).await;
        let heard = event_stream_statuses(&fx, &checkout).await;
        let expected = [401, 200, 404, 404, 404, 404];
        if heard != expected {
            failures.push(format!(
                "GET checkouts/{{id}}/events answered {heard:?} (expected {expected:?})"
            ));
        }
        // The account a refund by hand goes to is given by the buyer alone; administrators, who
        // pay it, read it too; the stall is told the order has none.
        let res = fx
            .app
            .request(
                Method::PUT,
                &format!("/api/v1/orders/{order}/refund-account"),
                fx.tokens[1].as_deref(),
                Some(refund_account()),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let o = order.clone();
        failures.extend(
            row(
                &fx,
                "GET orders/{id}/refund-account",
                [401, 200, 404, 404, 404, 200],
                move |_, _| {
                    let o = o.clone();
                    async move { get(format!("/api/v1/orders/{o}/refund-account")) }
                },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "PUT orders/{id}/refund-account",
                [401, 200, 404, 404, 404, 404],
                |fx, _| async move {
                    let (_, o) = fresh_checkout(&fx).await;
                    let path = format!("/api/v1/orders/{o}/refund-account");
                    (Method::PUT, path, Some(refund_account()))
                },
            )
            .await,
        );
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
);

db_test!(
    stall_money_and_queue_authorization_matrix,
    |db: TestDb| async move {
        let fx = Fixture::new(db).await;
        let mut failures = Vec::new();
        // A stall's payouts and figures are its members' and administrators'; as all of a
        // stall's money, anyone else is told the stall does not exist, approved or not.
        for (name, path) in [
            ("GET stalls/{id}/payouts", "payouts"),
            (
                "GET stalls/{id}/stats",
                "stats?from=2026-11-01&to=2026-11-30",
            ),
        ] {
            for (stall, expected) in [
                (fx.open.clone(), [401, 404, 200, 200, 404, 200]),
                (fx.closed.clone(), [401, 404, 200, 200, 404, 200]),
            ] {
                failures.extend(
                    row(&fx, name, expected, move |_, _| {
                        let stall = stall.clone();
                        async move { get(format!("/api/v1/stalls/{stall}/{path}")) }
                    })
                    .await,
                );
            }
        }
        let admin_only = [401, 403, 403, 403, 403, 200];
        for path in [
            "/api/v1/admin/ocop-certificates",
            "/api/v1/admin/products",
            "/api/v1/admin/orders",
        ] {
            failures.extend(
                row(
                    &fx,
                    &format!("GET {path}"),
                    admin_only,
                    move |_, _| async move { get(path.into()) },
                )
                .await,
            );
        }
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
);

/// A fresh product of `open` bought by `buyer` and delivered: the product's id and the order's.
async fn received_product(fx: &Fixture) -> (String, String) {
    let (_, order) = fresh_checkout(fx).await;
    for step in ["confirm", "ship", "deliver"] {
        let res = fx
            .app
            .post(
                &format!("/api/v1/orders/{order}/{step}"),
                Some(fx.owner()),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{step}: {}", res.text());
    }
    let buyer = fx.tokens[1].as_deref();
    let seen = fx.app.get(&format!("/api/v1/orders/{order}"), buyer).await;
    let product = seen.json()["items"][0]["product_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (product, order)
}

/// The buyer's review of a fresh received product, hidden by the administrator if `hidden`;
/// its id.
async fn fresh_review(fx: &Fixture, hidden: bool) -> String {
    let (product, order) = received_product(fx).await;
    let res = fx
        .app
        .post(
            &format!("/api/v1/products/{product}/reviews"),
            fx.tokens[1].as_deref(),
            json!({"order_id": order, "rating": 4}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let review = res.json()["id"].as_str().unwrap().to_owned();
    if hidden {
        let res = fx
            .app
            .post(
                &format!("/api/v1/admin/reviews/{review}/hide"),
                Some(fx.admin()),
                json!({"reason": "Thông tin cá nhân"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    review
}

db_test!(review_authorization_matrix, |db: TestDb| async move {
    let fx = Fixture::new(db).await;
    let mut failures = Vec::new();
    let admin_only = [401, 403, 403, 403, 403, 200];
    // Only the buyer of a delivered line reviews it; everyone else has bought nothing there.
    failures.extend(
        row(
            &fx,
            "POST products/{id}/reviews",
            [401, 201, 409, 409, 409, 409],
            |fx, _| async move {
                let (product, order) = received_product(&fx).await;
                let body = json!({"order_id": order, "rating": 5, "text": "Ngon"});
                (
                    Method::POST,
                    format!("/api/v1/products/{product}/reviews"),
                    Some(body),
                )
            },
        )
        .await,
    );
    let review = fresh_review(&fx, false).await;
    let (product, open) = (fx.product.clone(), fx.open.clone());
    for path in [
        format!("/api/v1/products/{product}/reviews"),
        format!("/api/v1/stalls/{open}/reviews"),
        format!("/api/v1/reviews/{review}"),
    ] {
        failures.extend(
            row(&fx, &format!("GET {path}"), [200; 6], move |_, _| {
                let path = path.clone();
                async move { get(path) }
            })
            .await,
        );
    }
    // Its author edits it; to anyone else it is not there.
    let r = review.clone();
    failures.extend(
        row(
            &fx,
            "PATCH reviews/{id}",
            [401, 200, 404, 404, 404, 404],
            move |_, _| {
                let r = r.clone();
                async move {
                    let body = json!({"text": "Đã sửa"});
                    (Method::PATCH, format!("/api/v1/reviews/{r}"), Some(body))
                }
            },
        )
        .await,
    );
    failures.extend(
        row(
            &fx,
            "POST reviews/{id}/reply",
            [401, 403, 201, 201, 403, 403],
            |fx, _| async move {
                let r = fresh_review(&fx, false).await;
                let body = json!({"text": "Cảm ơn bạn!"});
                (
                    Method::POST,
                    format!("/api/v1/reviews/{r}/reply"),
                    Some(body),
                )
            },
        )
        .await,
    );
    let r = review.clone();
    failures.extend(
        row(
            &fx,
            "POST reviews/{id}/reports",
            [401, 201, 201, 201, 201, 201],
            move |_, _| {
                let r = r.clone();
                async move {
                    let body = json!({"reason": "spam"});
                    (
                        Method::POST,
                        format!("/api/v1/reviews/{r}/reports"),
                        Some(body),
                    )
                }
            },
        )
        .await,
    );
    failures.extend(
        row(&fx, "GET admin/review-reports", admin_only, |_, _| async {
            get("/api/v1/admin/review-reports?status=open".into())
        })
        .await,
    );
    for (action, hidden, body) in [
        ("hide", false, json!({"reason": "Ngôn từ xúc phạm"})),
        ("unhide", true, json!({})),
    ] {
        failures.extend(
            row(
                &fx,
                &format!("POST admin/reviews/{{id}}/{action}"),
                admin_only,
                move |fx, _| {
                    let body = body.clone();
                    async move {
                        let r = fresh_review(&fx, hidden).await;
                        let path = format!("/api/v1/admin/reviews/{r}/{action}");
                        (Method::POST, path, Some(body))
                    }
                },
            )
            .await,
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
});

db_test!(figures_authorization_matrix, |db: TestDb| async move {
    // The reports to the authorities carry every stall's money and identity: administrators
    // only, in JSON and in CSV alike.
    let fx = Fixture::new(db).await;
    let mut failures = Vec::new();
    let admin_only = [401, 403, 403, 403, 403, 200];
    for path in [
        "/api/v1/admin/reports/trade?from=2026-10-01&to=2026-12-31&group_by=commune",
        "/api/v1/admin/reports/trade?from=2026-10-01&to=2026-12-31&group_by=stall&period=month",
        "/api/v1/admin/reports/sellers/2026-Q4",
    ] {
        failures.extend(
            row(
                &fx,
                &format!("GET {path}"),
                admin_only,
                move |_, _| async move { get(path.into()) },
            )
            .await,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
});

db_test!(withholding_authorization_matrix, |db: TestDb| async move {
    // Closing months and reissuing certificates: administrators only. A certificate (of a
    // month or a span of months): the stall's owner and administrators; its staff is refused,
    // anyone else told it is not there.
    let fx = Fixture::new(db).await;
    let res = fx
        .app
        .request(
            Method::PATCH,
            &format!("/api/v1/stalls/{}", fx.open),
            Some(fx.owner()),
            Some(json!({"business_type": "household_business"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let last = chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Months::new(1);
    let month = last.format("%Y-%m").to_string();
    for (kind, amount) in [
        ("sale", 100_000),
        ("vat_withheld", -1_000),
        ("pit_withheld", -500),
    ] {
        use ledger::entity::entry;
        use sea_orm::{EntityTrait, Set};
        let at = last - chrono::Duration::hours(7);
        entry::Entity::insert(entry::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            stall_id: Set(fx.open.parse().unwrap()),
            kind: Set(kind.to_owned()),
            amount: Set(amount),
            order_id: Set(None),
            payout_id: Set(None),
            rule: Set(None),
            reverses: Set(None),
            note: Set(None),
            actor_id: Set(None),
            available_at: Set(at),
            created_at: Set(at),
        })
        .exec(&fx.app.db.conn)
        .await
        .unwrap();
    }
    // The month before it closed first (nothing withheld in it), so the two make a span.
    let before = (last - chrono::Months::new(1)).format("%Y-%m").to_string();
    let res = fx
        .app
        .post(
            &format!("/api/v1/admin/tax-periods/{before}/close"),
            Some(fx.admin()),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let admin_only = [401, 403, 403, 403, 403, 200];
    let mut failures = Vec::new();
    let close = format!("/api/v1/admin/tax-periods/{month}/close");
    failures.extend(
        row(&fx, "close a month", admin_only, |_, _| {
            let close = close.clone();
            async move { (Method::POST, close, None) }
        })
        .await,
    );
    failures.extend(
        row(&fx, "list closed months", admin_only, |_, _| async move {
            get("/api/v1/admin/tax-periods".into())
        })
        .await,
    );
    let cert = format!(
        "/api/v1/stalls/{}/withholding-certificates/{month}",
        fx.open
    );
    failures.extend(
        row(
            &fx,
            "a certificate",
            [401, 404, 403, 200, 404, 200],
            |_, _| {
                let cert = cert.clone();
                async move { get(cert) }
            },
        )
        .await,
    );
    let span = format!(
        "/api/v1/stalls/{}/withholding-certificates/{before}..{month}",
        fx.open
    );
    failures.extend(
        row(
            &fx,
            "a span's certificate",
            [401, 404, 403, 200, 404, 200],
            |_, _| {
                let span = span.clone();
                async move { get(span) }
            },
        )
        .await,
    );
    let res = fx.app.get(&cert, Some(fx.admin())).await;
    let number = res.json()["number"].as_str().unwrap().to_owned();
    let reissue = format!("/api/v1/admin/withholding-certificates/{number}/reissue");
    failures.extend(
        row(
            &fx,
            "reissue a certificate",
            [401, 403, 403, 403, 403, 201],
            |_, _| {
                let reissue = reissue.clone();
                async move {
                    (
                        Method::POST,
                        reissue,
                        Some(json!({"reason": "Sửa địa chỉ"})),
                    )
                }
            },
        )
        .await,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
});

db_test!(
    stall_carrier_authorization_matrix,
    |db: TestDb| async move {
        let fx = Fixture::new(db).await;
        let mut failures = Vec::new();
        // Only the owner sets or removes the stall's carrier (here the default configuration maps
        // no commune for GHN, so the owner's request reaches the 409 that says so); the owner and
        // administrators read it (none set: 404); staff may not; outsiders of a pending stall are
        // told it does not exist.
        let body = json!({"carrier": "ghn", "shop_id": "885"});
        for (name, stall, method, expected) in [
            (
                "PUT open stall carrier",
                fx.open.clone(),
                Method::PUT,
                [401, 403, 403, 409, 403, 403],
            ),
            (
                "PUT pending stall carrier",
                fx.closed.clone(),
                Method::PUT,
                [401, 404, 403, 409, 404, 403],
            ),
            (
                "GET open stall carrier",
                fx.open.clone(),
                Method::GET,
                [401, 403, 403, 404, 403, 404],
            ),
            (
                "GET pending stall carrier",
                fx.closed.clone(),
                Method::GET,
                [401, 404, 403, 404, 404, 404],
            ),
            (
                "DELETE open stall carrier",
                fx.open.clone(),
                Method::DELETE,
                [401, 403, 403, 404, 403, 403],
            ),
        ] {
            let body = body.clone();
            failures.extend(
                row(&fx, name, expected, move |_, _| {
                    let (stall, method, body) = (stall.clone(), method.clone(), body.clone());
                    async move {
                        let with_body = (method == Method::PUT).then_some(body);
                        (method, format!("/api/v1/stalls/{stall}/carrier"), with_body)
                    }
                })
                .await,
            );
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
);

db_test!(
    cod_remittances_authorization_matrix,
    |db: TestDb| async move {
        // Carriers' remittance statements and the cash they hold: administrators only.
        let fx = Fixture::new(db).await;
        let mut failures = Vec::new();
        let admin_only = [401, 403, 403, 403, 403, 200];
        for path in [
            "/api/v1/admin/cod-remittances?carrier=ghn".to_owned(),
            "/api/v1/admin/cod-receivables?carrier=ghn".to_owned(),
        ] {
            failures.extend(
                row(&fx, &format!("GET {path}"), admin_only, move |_, _| {
                    let path = path.clone();
                    async move { get(path) }
                })
                .await,
            );
        }
        failures.extend(
            row(
                &fx,
                "GET admin/cod-remittances/{id}",
                [401, 403, 403, 403, 403, 404],
                |_, _| async {
                    get(format!(
                        "/api/v1/admin/cod-remittances/{}",
                        uuid::Uuid::now_v7()
                    ))
                },
            )
            .await,
        );
        failures.extend(
            row(
                &fx,
                "POST admin/cod-remittances",
                [401, 403, 403, 403, 403, 201],
                |_, _| async {
                    let body = json!({"carrier": "ghn", "reference": "GHN-DS-MATRIX",
                    "remitted_on": "2026-12-04",
                    "lines": [{"tracking_no": "GHNKHONGCO", "cod_amount": 99_000, "fee": 15_000}]});
                    (
                        Method::POST,
                        "/api/v1/admin/cod-remittances".to_owned(),
                        Some(body),
                    )
                },
            )
            .await,
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
);

/// A confirmed order of `open`, which ships with the GHN stand-in; its id.
async fn confirmed_order(fx: &Fixture) -> String {
    let (_, order) = fresh_checkout(fx).await;
    let path = format!("/api/v1/orders/{order}/confirm");
    let res = fx.app.post(&path, Some(fx.owner()), json!({})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    order
}

db_test!(shipment_authorization_matrix, |db: TestDb| async move {
    let ghn = testkit::ghn::StubGhn::start().await;
    let app = TestApp::from_config(db, crate::shipments::ghn_config(&ghn), |e| e);
    let fx = Fixture::with_app(app).await;
    crate::shipments::connect_ghn(&fx.app, fx.owner(), &fx.open).await;
    let mut failures = Vec::new();
    // The stall's members book the carrier; the buyer and administrators may not ship; an
    // outsider is told the order does not exist.
    failures.extend(
        row(
            &fx,
            "POST orders/{id}/ship with a carrier",
            [401, 409, 200, 200, 404, 409],
            |fx, _| async move {
                let order = confirmed_order(&fx).await;
                let body = json!({"carrier": "ghn"});
                (
                    Method::POST,
                    format!("/api/v1/orders/{order}/ship"),
                    Some(body),
                )
            },
        )
        .await,
    );
    // The carrier's webhook answers whoever calls with its secret, and no one without it.
    let shipped = |fx: Arc<Fixture>, ghn: testkit::ghn::StubGhn, secret: Option<&'static str>| async move {
        let order = confirmed_order(&fx).await;
        let path = format!("/api/v1/orders/{order}/ship");
        let res = fx
            .app
            .post(&path, Some(fx.owner()), json!({"carrier": "ghn"}))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let code = res.json()["shipment"]["tracking_no"]
            .as_str()
            .unwrap()
            .to_owned();
        let body: Value = serde_json::from_slice(&ghn.advance(&code, "picked")).unwrap();
        let query = secret.map_or_else(String::new, |s| format!("?secret={s}"));
        (
            Method::POST,
            format!("/api/v1/carriers/ghn/webhook{query}"),
            Some(body),
        )
    };
    let g = ghn.clone();
    failures.extend(
        row(
            &fx,
            "POST carriers/{carrier}/webhook",
            [200; 6],
            move |fx, _| shipped(fx, g.clone(), Some(crate::shipments::SECRET)),
        )
        .await,
    );
    let g = ghn.clone();
    failures.extend(
        row(
            &fx,
            "POST carriers/{carrier}/webhook forged",
            [401; 6],
            move |fx, _| shipped(fx, g.clone(), None),
        )
        .await,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
});
