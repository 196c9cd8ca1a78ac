//! A test application over a fresh database, and helpers to send requests to it.

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use gateway::{AppState, Config};
use http_body_util::BodyExt;
use serde_json::{Value, json};
pub use testkit::{TestDb, db_test};
use tower::ServiceExt;

/// The gateway's router over its own database.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: TestDb,
    /// The embedded search index's directory, removed with the app.
    pub search_dir: std::path::PathBuf,
    /// The token of each stall's owner, by stall id, for what the owner does before an
    /// approval (`TestApp::stall` records it).
    owners: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.search_dir);
    }
}

/// A response, read whole.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json error with `status` and `code`, and returns its body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status, "{body}");
        assert_eq!(
            body["type"],
            format!("urn:problem:marketplace:{code}"),
            "{body}"
        );
        assert!(
            body["title"].is_string() && body["detail"].is_string(),
            "{body}"
        );
        body
    }
}

impl TestApp {
    pub async fn new(db: TestDb) -> Self {
        Self::with_config(db, "")
    }

    /// An app whose configuration is the defaults with `toml` over them.
    pub fn with_config(db: TestDb, toml: &str) -> Self {
        Self::with_engine(db, toml, |engine| engine)
    }

    /// An app whose embedded search engine is wrapped by `wrap` (to make it fail, say).
    pub fn with_engine(
        db: TestDb,
        toml: &str,
        wrap: impl FnOnce(
            std::sync::Arc<dyn search::SearchEngine>,
        ) -> std::sync::Arc<dyn search::SearchEngine>,
    ) -> Self {
        let config = Config::with_overrides(toml).expect("test configuration is valid");
        Self::from_config(db, config, wrap)
    }

    /// An app with card payments through the Stripe double at `stripe_base`, its webhooks
    /// signed with any of `secrets`.
    pub fn with_stripe(db: TestDb, stripe_base: &str, secrets: &str) -> Self {
        let mut config = Config::with_overrides("").expect("defaults are valid");
        config.stripe.secret_key = Some("sk_test_marketplace".into());
        config.stripe.webhook_secret = Some(secrets.into());
        config.stripe.api_base = Some(stripe_base.into());
        Self::from_config(db, config, |engine| engine)
    }

    /// An app over `config`, its embedded search engine wrapped by `wrap`.
    pub fn from_config(
        db: TestDb,
        config: Config,
        wrap: impl FnOnce(
            std::sync::Arc<dyn search::SearchEngine>,
        ) -> std::sync::Arc<dyn search::SearchEngine>,
    ) -> Self {
        let search_dir =
            std::env::temp_dir().join(format!("marketplace-search-{}", uuid::Uuid::now_v7()));
        let engine = wrap(std::sync::Arc::new(
            search::embedded::Embedded::open(&search_dir).expect("search index opens"),
        ));
        let built = config.build().expect("test configuration builds");
        let state = AppState::new(config, built, db.conn.clone(), engine);
        Self {
            router: gateway::router(state.clone()),
            state,
            db,
            search_dir,
            owners: Default::default(),
        }
    }

    /// The same app with its seller identities checked by `verifier` first (the test kit's
    /// stand-in for an automatic provider) instead of by administrators only.
    pub fn with_identity_verifier(
        mut self,
        verifier: std::sync::Arc<dyn compliance::IdentityVerifier>,
    ) -> Self {
        self.state.identities = self.state.identities.clone().with_verifier(verifier);
        self.router = gateway::router(self.state.clone());
        self
    }

    /// Sends `req` and reads the answer whole; the answer is held to `/openapi.json`
    /// (`conform::check`).
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let method = req.method().to_string();
        let uri = req.uri().to_string();
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("the router never fails");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("body is readable").to_bytes();
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !parts.headers.contains_key(header::CONTENT_ENCODING) {
            crate::conform::check(&method, &uri, parts.status.as_u16(), content_type, &body);
        }
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let req = match body {
            Some(body) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => req.body(Body::empty()),
        };
        self.send(req.expect("request is well-formed")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// Registers `email` with a fixed password, accepting the policies a user must accept as
    /// a client would (their versions in effect, from `GET /api/v1/policies`), and returns a
    /// login token.
    pub async fn signed_in(&self, email: &str) -> String {
        let accepted = self.policies_to_accept().await;
        let res = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": PASSWORD, "full_name": "Trần Văn Minh",
                       "accepted_policies": accepted}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        self.login(email).await
    }

    /// `[{kind, version}]` of the versions in effect of the policies every user accepts.
    pub async fn policies_to_accept(&self) -> Value {
        let res = self.get("/api/v1/policies", None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let accepted: Vec<Value> = res
            .json()
            .as_array()
            .expect("the policies are a list")
            .iter()
            .filter(|p| {
                compliance::policies::ACCEPTED_BY_USERS
                    .iter()
                    .any(|k| p["kind"] == common::Stored::as_str(*k))
            })
            .map(|p| json!({"kind": p["kind"], "version": p["version"]}))
            .collect();
        Value::from(accepted)
    }

    pub async fn login(&self, email: &str) -> String {
        let res = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        res.json()["token"]
            .as_str()
            .expect("login returns a token")
            .to_owned()
    }
}

pub const PASSWORD: &str = "tieu-phu-quoc-2025";

impl TestApp {
    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Makes an administrator (only the CLI can, in real life) who accepted the policies in
    /// effect, as every user the tests make, and returns their token.
    pub async fn admin(&self, email: &str) -> String {
        self.state
            .accounts
            .create(
                &self.db.conn,
                accounts::NewUser {
                    email: email.into(),
                    password: PASSWORD.into(),
                    full_name: "Quản trị".into(),
                    phone: None,
                },
                true,
            )
            .await
            .unwrap();
        let token = self.login(email).await;
        for p in self.policies_to_accept().await.as_array().unwrap() {
            let res = self
                .post("/api/v1/me/consents", Some(&token), p.clone())
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        }
        token
    }

    /// Applies for a stall named `name` as `token`'s user; returns the stall.
    pub async fn stall(&self, token: &str, name: &str) -> Value {
        let res = self
            .post(
                "/api/v1/stalls",
                Some(token),
                json!({
                    "name": name,
                    "description": "Đặc sản địa phương",
                    "commune_code": "19414",
                    "address": "Thôn Tân Lý, xã Cửa Tùng",
                    "phone": "0233 3823 456",
                    "business_type": "cooperative",
                }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let stall = res.json();
        let id = stall["id"].as_str().expect("a stall has an id").to_owned();
        crate::support::lock(&self.owners).insert(id, token.to_owned());
        stall
    }

    /// Approves a stall as an administrator, as it is done: its owner submits the seller's
    /// identity and the administrator verifies it first. The stall also holds the business
    /// documents food and drinks need (`hold_documents`), so its products show.
    pub async fn approve(&self, admin: &str, stall_id: &str) {
        self.verify_seller(admin, stall_id).await;
        self.hold_documents(admin, stall_id).await;
        let res = self
            .request(
                Method::POST,
                &format!("/api/v1/admin/stalls/{stall_id}/approve"),
                Some(admin),
                None,
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }

    /// The seller of `stall_id` identified as a client does it: its owner submits the identity
    /// (`identity_body`), `admin` verifies it. One verified already is left as it is.
    pub async fn verify_seller(&self, admin: &str, stall_id: &str) {
        let owner = self.owner_token(admin, stall_id).await;
        let path = format!("/api/v1/stalls/{stall_id}/identity");
        let res = self.post(&path, Some(&owner), identity_body()).await;
        if res.status == 409 {
            res.problem(409, "already_verified");
            return;
        }
        assert_eq!(res.status, 201, "{}", res.text());
        if res.json()["status"] == "verified" {
            return;
        }
        let verify = format!("/api/v1/admin/stalls/{stall_id}/identity/verify");
        let res = self.request(Method::POST, &verify, Some(admin), None).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }

    /// The business documents that the shipped requirements name (a food-safety certificate
    /// and an alcohol licence), submitted by the owner of `stall_id` as a client does and
    /// verified by `admin`. Kinds it holds verified already are left as they are.
    pub async fn hold_documents(&self, admin: &str, stall_id: &str) {
        let owner = self.owner_token(admin, stall_id).await;
        let path = format!("/api/v1/stalls/{stall_id}/documents");
        let held = self.get(&path, Some(&owner)).await;
        assert_eq!(held.status, 200, "{}", held.text());
        for kind in ["food_safety", "alcohol_licence"] {
            let valid = held.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["kind"] == kind && d["valid"] == true);
            if valid {
                continue;
            }
            let res = self.post(&path, Some(&owner), document_body(kind)).await;
            assert_eq!(res.status, 201, "{}", res.text());
            let verify = format!(
                "/api/v1/admin/documents/{}/verify",
                res.json()["id"].as_str().unwrap()
            );
            let res = self.request(Method::POST, &verify, Some(admin), None).await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
    }

    /// A token of the owner of `stall_id`: the one it applied with, else a new sign-in (every
    /// test user has [`PASSWORD`]).
    async fn owner_token(&self, admin: &str, stall_id: &str) -> String {
        if let Some(token) = crate::support::lock(&self.owners).get(stall_id) {
            return token.clone();
        }
        let stall = self
            .get(&format!("/api/v1/stalls/{stall_id}"), Some(admin))
            .await
            .json();
        let owner = uuid::Uuid::parse_str(stall["owner_id"].as_str().unwrap()).unwrap();
        let user = self
            .state
            .accounts
            .users_by_ids(&self.db.conn, &[owner])
            .await
            .unwrap()
            .pop()
            .expect("the stall's owner exists");
        let token = self.login(&user.email).await;
        crate::support::lock(&self.owners).insert(stall_id.to_owned(), token.clone());
        token
    }

    /// The id of the category with `slug`.
    pub async fn category(&self, slug: &str) -> String {
        let tree = self.get("/api/v1/categories", None).await.json();
        fn find(nodes: &Value, slug: &str) -> Option<String> {
            nodes.as_array()?.iter().find_map(|n| {
                if n["slug"] == slug {
                    n["id"].as_str().map(str::to_owned)
                } else {
                    find(&n["children"], slug)
                }
            })
        }
        find(&tree, slug).unwrap_or_else(|| panic!("no category {slug}"))
    }

    /// Lists a product on a stall; returns it.
    pub async fn product(&self, token: &str, stall_id: &str, body: Value) -> Value {
        let res = self
            .post(
                &format!("/api/v1/stalls/{stall_id}/products"),
                Some(token),
                body,
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()
    }

    /// A valid product body in category `category_id`, with every fact a category may
    /// require.
    pub fn product_body(&self, category_id: &str, name: &str, price: i64) -> Value {
        json!({
            "name": name,
            "description": "Sản phẩm làng nghề",
            "category_id": category_id,
            "price": price,
            "unit": "chai 500 ml",
            "stock": 20,
            "images": ["https://anh.example.com/a.jpg"],
            "facts": testkit::facts::complete(),
        })
    }

    /// Drains the search outbox into the index, as the worker would.
    pub async fn index(&self) {
        let indexer = search::indexer::Indexer::new(
            self.state.search.engine().clone(),
            self.state.catalog.clone(),
        );
        while indexer
            .run_once(&self.db.conn)
            .await
            .expect("indexing succeeds")
            > 0
        {}
    }

    /// How many search outbox rows name `entity_id`.
    pub async fn outbox_rows(&self, entity_id: &str) -> u64 {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        catalog::entity::search_outbox::Entity::find()
            .filter(
                catalog::entity::search_outbox::Column::EntityId
                    .eq(uuid::Uuid::parse_str(entity_id).unwrap()),
            )
            .count(&self.db.conn)
            .await
            .unwrap()
    }
}

/// A seller identity as an owner submits it: a citizen id card of a seller born in 1980.
pub fn identity_body() -> Value {
    json!({
        "method": "citizen_id_card",
        "full_name": "Lê Văn Tùng",
        "id_number": "045080001234",
        "date_of_birth": "1980-05-12",
        "document_urls": ["https://anh.example.vn/cccd-mat-truoc.jpg"],
    })
}

/// The field names a validation problem names, in order.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// A business document of `kind` as an owner submits it: issued in March 2026, valid three
/// years.
pub fn document_body(kind: &str) -> Value {
    let (number, issuer) = match kind {
        "alcohol_licence" => ("45/2026/GP-BLR", "Sở Công Thương tỉnh Quảng Trị"),
        _ => ("123/2026/ATTP-CNĐK", "Sở Y tế tỉnh Quảng Trị"),
    };
    json!({
        "kind": kind,
        "number": number,
        "issued_by": issuer,
        "issued_on": "2026-03-02",
        "expires_on": "2029-03-01",
        "evidence_urls": ["https://anh.example.vn/giay-chung-nhan.jpg"],
    })
}

/// The value behind `inner`'s lock, even after a test panicked holding it.
pub fn lock<T>(inner: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
