//! Search over HTTP: only what the public may see is found, changes show after the indexer's
//! next pass, bad parameters are 422, and an engine outage loses nothing.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use async_trait::async_trait;
use search::{
    EngineError, SearchEngine,
    document::{ProductDoc, StallDoc},
    engine::IndexBuild,
    query::{ProductQuery, SearchResult, StallQuery},
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::*;

/// A fresh pair of Meilisearch indexes at `MEILI_URL`.
fn meilisearch() -> Arc<dyn SearchEngine> {
    let url = std::env::var("MEILI_URL").expect("set MEILI_URL to run the Meilisearch twins");
    let key = std::env::var("MEILI_MASTER_KEY").ok();
    let prefix = format!("g{}_", Uuid::now_v7().simple());
    Arc::new(search::meili::Meili::new(&url, key.as_deref(), &prefix).unwrap())
}

/// `db_test!` with a third twin: SQLite with Meilisearch as the engine (the body's engine
/// argument), run with `--ignored` when `MEILI_URL` names a server.
macro_rules! engine_test {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = TestDb::new(testkit::Backend::Sqlite).await;
                ($body)(db, None).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
            async fn postgres() {
                let db = TestDb::new(testkit::Backend::Postgres).await;
                ($body)(db, None).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs Meilisearch: set MEILI_URL and run with --ignored"]
            async fn meilisearch() {
                let db = TestDb::new(testkit::Backend::Sqlite).await;
                ($body)(db, Some(super::meilisearch())).await;
            }
        }
    };
}

fn names(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Sets up an approved stall with products; returns (admin, owner, stall id).
async fn shop(app: &TestApp) -> (String, String, String) {
    let admin = app.admin("admin@tinh.vn").await;
    let owner = app.signed_in("owner@example.vn").await;
    let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.approve(&admin, &stall).await;
    let sauce = app.category("gia-vi-nuoc-cham").await;
    let coffee = app.category("ca-phe").await;
    let mut body = app.product_body(&sauce, "Nước mắm Cửa Tùng 40 độ đạm", 120_000);
    body["ocop"] = json!({"stars": 4, "certificate_no": "12/QĐ-UBND", "issued_on": "2025-06-01"});
    let p = app.product(&owner, &stall, body).await;
    app.request(
        axum::http::Method::POST,
        &format!(
            "/api/v1/admin/products/{}/ocop/verify",
            p["id"].as_str().unwrap()
        ),
        Some(&admin),
        None,
    )
    .await;
    app.product(
        &owner,
        &stall,
        app.product_body(&coffee, "Cà phê Khe Sanh rang mộc", 165_000),
    )
    .await;
    (admin, owner, stall)
}

engine_test!(search_finds_what_buyers_type, |db: TestDb,
                                             meili: Option<
    Arc<dyn SearchEngine>,
>| async move {
    let app = TestApp::with_engine(db, "", |e| meili.unwrap_or(e));
    shop(&app).await;
    app.index().await;
    let res = app.get("/api/v1/search/products?q=nuoc%20mam", None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    // The coffee matches too, through its stall's name; the sauce itself ranks first.
    assert_eq!(
        names(&body),
        ["Nước mắm Cửa Tùng 40 độ đạm", "Cà phê Khe Sanh rang mộc"]
    );
    let hit = &body["hits"][0];
    assert_eq!(hit["ocop_stars"], 4);
    assert_eq!(hit["price"], 120_000);
    assert_eq!(hit["stall"]["slug"], "htx-nuoc-mam-cua-tung");
    assert_eq!(hit["commune"]["code"], "19414");
    assert_eq!(hit["category"]["slug"], "gia-vi-nuoc-cham");
    // A hit is the product's summary: every field it has, the product page has, the same.
    let page = app
        .get(
            &format!("/api/v1/products/{}", hit["slug"].as_str().unwrap()),
            None,
        )
        .await
        .json();
    for (field, value) in hit.as_object().unwrap() {
        // The page's rating adds how many reviews give each number of stars.
        let on_page = match field.as_str() {
            "rating" => json!({"average": page[field]["average"], "count": page[field]["count"]}),
            _ => page[field].clone(),
        };
        assert_eq!(
            &on_page, value,
            "{field} differs between the hit and the page"
        );
    }
    assert_eq!(
        (
            body["total"].as_u64(),
            body["page"].as_u64(),
            body["per_page"].as_u64()
        ),
        (Some(2), Some(1), Some(20))
    );
    assert!(body["took_ms"].is_u64());
    assert_eq!(
        body["facets"]["ocop_stars"],
        json!([{"value": "4", "label": "4 stars", "count": 1}])
    );

    let all = app
        .get(
            "/api/v1/search/products?category=thuc-pham&sort=price_desc",
            None,
        )
        .await
        .json();
    assert_eq!(names(&all), ["Nước mắm Cửa Tùng 40 độ đạm"]);
    let coffee = app
        .get("/api/v1/search/products?q=ca%20ph&ocop_stars=4", None)
        .await
        .json();
    assert_eq!(coffee["total"], 0, "the coffee has no certificate");
    let stalls = app
        .get("/api/v1/search/stalls?q=cua%20tung", None)
        .await
        .json();
    assert_eq!(stalls["hits"][0]["slug"], "htx-nuoc-mam-cua-tung");
    assert_eq!(stalls["hits"][0]["commune"]["name"], "Xã Cửa Tùng");
    assert!(stalls.get("facets").is_none(), "stalls have no facets");
    let stall = app
        .get("/api/v1/stalls/htx-nuoc-mam-cua-tung", None)
        .await
        .json();
    for (field, value) in stalls["hits"][0].as_object().unwrap() {
        assert_eq!(
            &stall[field], value,
            "{field} differs between the hit and the stall"
        );
    }
});

engine_test!(only_the_public_catalogue_is_found, |db: TestDb,
                                                  meili: Option<
    Arc<dyn SearchEngine>,
>| async move {
    let app = TestApp::with_engine(db, "", |e| meili.unwrap_or(e));
    let (admin, owner, stall) = shop(&app).await;
    // A pending stall's products are never found.
    let other = app.stall(&owner, "Gian hàng chờ duyệt").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let honey = app.category("mat-ong").await;
    app.product(
        &owner,
        &other,
        app.product_body(&honey, "Mật ong rừng", 380_000),
    )
    .await;
    app.index().await;
    assert_eq!(
        app.get("/api/v1/search/products?q=mat%20ong", None)
            .await
            .json()["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/search/stalls?q=cho%20duyet", None)
            .await
            .json()["total"],
        0
    );

    // Approval brings it in; hiding a product and suspending a stall take things out.
    app.approve(&admin, &other).await;
    app.index().await;
    assert_eq!(
        app.get("/api/v1/search/products?q=mat%20ong", None)
            .await
            .json()["total"],
        1
    );
    let p = app
        .get("/api/v1/search/products?q=ca%20phe", None)
        .await
        .json()["hits"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/admin/products/{p}/hide"),
        Some(&admin),
        json!({"reason": "Sai nhãn"}),
    )
    .await;
    app.post(
        &format!("/api/v1/admin/stalls/{other}/suspend"),
        Some(&admin),
        json!({"reason": "Kiểm tra"}),
    )
    .await;
    app.index().await;
    assert_eq!(
        app.get("/api/v1/search/products?q=ca%20phe", None)
            .await
            .json()["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/search/products?q=mat%20ong", None)
            .await
            .json()["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/search/stalls?q=cho%20duyet", None)
            .await
            .json()["total"],
        0
    );
    // An edit shows after the indexer's pass.
    let sauce = app
        .get("/api/v1/search/products?q=nuoc%20mam", None)
        .await
        .json()["hits"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let version = app
        .get(&format!("/api/v1/products/{sauce}"), Some(&owner))
        .await
        .json()["version"]
        .clone();
    app.patch(
        &format!("/api/v1/products/{sauce}"),
        Some(&owner),
        json!({"version": version, "name": "Nước mắm nhĩ Cửa Tùng"}),
    )
    .await;
    app.index().await;
    assert_eq!(
        names(
            &app.get("/api/v1/search/products?q=mam%20nhi", None)
                .await
                .json()
        ),
        ["Nước mắm nhĩ Cửa Tùng"]
    );
    let _ = stall;
});

db_test!(bad_parameters_are_422, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let long = "a".repeat(201);
    for (query, field) in [
        (format!("q={long}"), "q"),
        ("sort=cheapest".into(), "sort"),
        ("ocop_stars=2".into(), "ocop_stars"),
        ("ocop_stars=many".into(), "ocop_stars"),
        ("price_min=500&price_max=100".into(), "price_max"),
        ("price_min=-1".into(), "price_min"),
        ("commune=00000".into(), "commune"),
        ("category=khong-co".into(), "category"),
        ("stall=khong-co".into(), "stall"),
        ("per_page=500".into(), "per_page"),
        ("filter=price%3E1".into(), "filter"),
    ] {
        let res = app
            .get(&format!("/api/v1/search/products?{query}"), None)
            .await;
        let body = res.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    // Quotes and filter syntax in a query are just words.
    let res = app
        .get("/api/v1/search/products?q=%22%20OR%20price%20%3E%200", None)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
});

/// An engine that can be switched off.
struct Flaky {
    inner: Arc<dyn SearchEngine>,
    down: Arc<AtomicBool>,
}

impl Flaky {
    fn check(&self) -> Result<(), EngineError> {
        if self.down.load(Ordering::SeqCst) {
            Err(EngineError::Unavailable("switched off by the test".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl SearchEngine for Flaky {
    fn name(&self) -> &'static str {
        "flaky"
    }
    async fn upsert_products(&self, docs: Vec<ProductDoc>) -> Result<(), EngineError> {
        self.check()?;
        self.inner.upsert_products(docs).await
    }
    async fn delete_products(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.check()?;
        self.inner.delete_products(ids).await
    }
    async fn upsert_stalls(&self, docs: Vec<StallDoc>) -> Result<(), EngineError> {
        self.check()?;
        self.inner.upsert_stalls(docs).await
    }
    async fn delete_stalls(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.check()?;
        self.inner.delete_stalls(ids).await
    }
    async fn search_products(
        &self,
        q: &ProductQuery,
    ) -> Result<SearchResult<ProductDoc>, EngineError> {
        self.check()?;
        self.inner.search_products(q).await
    }
    async fn search_stalls(&self, q: &StallQuery) -> Result<SearchResult<StallDoc>, EngineError> {
        self.check()?;
        self.inner.search_stalls(q).await
    }
    async fn health(&self) -> Result<(), EngineError> {
        self.check()
    }
    async fn rebuild(&self) -> Result<Box<dyn IndexBuild + '_>, EngineError> {
        self.check()?;
        self.inner.rebuild().await
    }
}

engine_test!(an_engine_outage_loses_nothing, |db: TestDb,
                                              meili: Option<
    Arc<dyn SearchEngine>,
>| async move {
    let down = Arc::new(AtomicBool::new(true));
    let switch = down.clone();
    let app = TestApp::with_engine(db, "", move |inner| {
        Arc::new(Flaky {
            inner: meili.unwrap_or(inner),
            down: switch,
        })
    });
    shop(&app).await;

    let indexer =
        search::indexer::Indexer::new(app.state.search.engine().clone(), app.state.catalog.clone());
    assert!(
        indexer.run_once(&app.db.conn).await.is_err(),
        "the engine is down"
    );
    // The instance stays in rotation: degraded, not down; only search is refused.
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    let ready = ready.json();
    assert_eq!(
        (ready["status"].as_str(), ready["search"]["state"].as_str()),
        (Some("degraded"), Some("unavailable"))
    );
    let refused = app.get("/api/v1/search/products?q=nuoc", None).await;
    assert_eq!(refused.header("retry-after"), Some("5"));
    refused.problem(503, "search_unavailable");
    app.get("/api/v1/search/stalls?q=cua", None)
        .await
        .problem(503, "search_unavailable");
    assert_eq!(app.get("/api/v1/stalls", None).await.status, 200);
    assert_eq!(app.get("/api/v1/categories", None).await.status, 200);
    let metrics = app.get("/metrics", None).await.text();
    assert!(
        metrics.contains("marketplace_search_backlog_rows "),
        "{metrics}"
    );
    assert!(
        metrics.contains("marketplace_search_engine_up 0"),
        "{metrics}"
    );
    let backlog = search::indexer::backlog(&app.db.conn).await.unwrap();
    assert!(backlog.rows >= 3, "rows wait for the engine: {backlog:?}");

    // The engine returns; once the claims lapse the rows are retried and the index converges.
    down.store(false, Ordering::SeqCst);
    use sea_orm::{ConnectionTrait, Statement};
    app.db
        .conn
        .execute_raw(Statement::from_string(
            app.db.conn.get_database_backend(),
            "UPDATE search_outbox SET claimed_until = NULL",
        ))
        .await
        .unwrap();
    app.index().await;
    assert_eq!(
        search::indexer::backlog(&app.db.conn).await.unwrap().rows,
        0
    );
    let found = app
        .get("/api/v1/search/products?q=nuoc%20mam%2040", None)
        .await
        .json();
    assert_eq!(names(&found), ["Nước mắm Cửa Tùng 40 độ đạm"]);
    let ready = app.get("/readyz", None).await.json();
    assert_eq!(ready["search"]["backlog"], 0);
});

engine_test!(a_reindex_leaves_no_backlog_to_reapply, |db: TestDb,
                                                      meili: Option<
    Arc<dyn SearchEngine>,
>| async move {
    let app = TestApp::with_engine(db, "", |e| meili.unwrap_or(e));
    // A catalogue written without the indexer running, as a bulk import leaves it.
    shop(&app).await;
    let waiting = search::indexer::backlog(&app.db.conn).await.unwrap().rows;
    assert!(waiting >= 3, "{waiting} rows wait");
    let done = search::indexer::reindex(
        &app.db.conn,
        app.state.search.engine().as_ref(),
        &app.state.catalog,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(done.covered_rows, waiting, "every waiting row was covered");
    assert_eq!(
        search::indexer::backlog(&app.db.conn).await.unwrap().rows,
        0,
        "nothing is left to re-apply"
    );
    let found = app
        .get("/api/v1/search/products?q=nuoc%20mam%2040", None)
        .await
        .json();
    assert_eq!(names(&found), ["Nước mắm Cửa Tùng 40 độ đạm"]);
});

/// GETs `path` with `Accept-Language: vi`.
async fn get_vi(app: &TestApp, path: &str) -> Value {
    let req = axum::http::Request::builder()
        .uri(path)
        .header(axum::http::header::ACCEPT_LANGUAGE, "vi")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

engine_test!(
    facets_carry_labels_and_disjunctive_counts,
    |db: TestDb, meili: Option<Arc<dyn SearchEngine>>| async move {
        let app = TestApp::with_engine(db, "", |e| meili.unwrap_or(e));
        let (_, owner, stall) = shop(&app).await;
        let coffee = app.category("ca-phe").await;
        let mut body = app.product_body(&coffee, "Cà phê Arabica Hướng Phùng", 210_000);
        body["origin_commune_code"] = json!("19429");
        app.product(&owner, &stall, body).await;
        app.index().await;
        let facet = |value: &str, label: &str, count: u64| json!({"value": value, "label": label, "count": count});

        // Filtered by commune: every commune counted as if none were chosen; the other groups
        // within the commune.
        let found = get_vi(&app, "/api/v1/search/products?commune=19414").await;
        assert_eq!(found["total"], 2);
        let facets = &found["facets"];
        assert_eq!(
            facets["commune"],
            json!([
                facet("19414", "Xã Cửa Tùng", 2),
                facet("19429", "Xã Khe Sanh", 1)
            ])
        );
        assert_eq!(
            facets["category"],
            json!([
                facet("ca-phe", "Cà phê", 1),
                facet("gia-vi-nuoc-cham", "Gia vị và nước chấm", 1)
            ])
        );
        assert_eq!(facets["ocop_stars"], json!([facet("4", "4 sao", 1)]));

        // Filtered by category: the other categories still counted.
        let found = app
            .get("/api/v1/search/products?category=ca-phe", None)
            .await
            .json();
        assert_eq!(found["total"], 2);
        assert_eq!(
            found["facets"]["category"],
            json!([
                facet("ca-phe", "Cà phê", 2),
                facet("gia-vi-nuoc-cham", "Gia vị và nước chấm", 1)
            ])
        );
        assert_eq!(found["facets"]["ocop_stars"], json!([]));

        // Both: each group under the other's filter only, and the words.
        let found = app
            .get(
                "/api/v1/search/products?q=ca%20phe&category=ca-phe&commune=19429",
                None,
            )
            .await
            .json();
        assert_eq!(names(&found), ["Cà phê Arabica Hướng Phùng"]);
        assert_eq!(
            found["facets"]["commune"],
            json!([
                facet("19414", "Xã Cửa Tùng", 1),
                facet("19429", "Xã Khe Sanh", 1)
            ])
        );
        assert_eq!(
            found["facets"]["category"],
            json!([facet("ca-phe", "Cà phê", 1)])
        );
    }
);

engine_test!(buyers_spellings_are_understood, |db: TestDb,
                                               meili: Option<
    Arc<dyn SearchEngine>,
>| async move {
    let app = TestApp::with_engine(db, "", |e| meili.unwrap_or(e));
    shop(&app).await;
    app.index().await;
    for typed in [
        "cafe%20khe%20sanh",
        "Caf%C3%A9%20Khe%20Sanh",
        "cf%20khe%20sanh",
    ] {
        let found = app
            .get(&format!("/api/v1/search/products?q={typed}"), None)
            .await
            .json();
        assert_eq!(names(&found), ["Cà phê Khe Sanh rang mộc"], "{typed}");
        assert!(found.get("did_you_mean").is_none(), "{found}");
    }
    // Nothing found with a spelling in it: the spelling is no typo to correct.
    let found = app
        .get(
            "/api/v1/search/products?q=cafe%20khe%20sanh&commune=19429",
            None,
        )
        .await
        .json();
    assert_eq!(found["total"], 0);
    assert!(found.get("did_you_mean").is_none(), "{found}");

    // A category is suggested only when the words match its name: `nuoc` is not a typo of
    // `dược` (Mỹ phẩm thảo dược).
    let got = app
        .get("/api/v1/search/suggest?q=nuoc%20m", None)
        .await
        .json();
    let categories: Vec<&str> = got["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert!(categories.is_empty(), "{categories:?}");
    let got = app
        .get("/api/v1/search/suggest?q=thao%20duo", None)
        .await
        .json();
    assert!(
        got["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["slug"] == "my-pham-thao-duoc"),
        "{got}"
    );
});

engine_test!(suggestions_come_as_the_buyer_types, |db: TestDb,
                                                   meili: Option<
    Arc<dyn SearchEngine>,
>| async move {
    let app = TestApp::with_engine(db, "", |e| meili.unwrap_or(e));
    shop(&app).await;
    app.index().await;
    let got = app.get("/api/v1/search/suggest?q=nuoc%20ma", None).await;
    assert_eq!(got.status, 200, "{}", got.text());
    let got = got.json();
    assert_eq!(
        got["products"][0]["name"], "Nước mắm Cửa Tùng 40 độ đạm",
        "the last word is a prefix: {got}"
    );
    assert_eq!(got["stalls"][0]["name"], "HTX Nước mắm Cửa Tùng");
    let categories: Vec<&str> = got["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert!(
        categories.is_empty(),
        "no category is named so: {categories:?}"
    );
    // A typo, no diacritics, an unfinished word; a category by its name.
    let got = app
        .get("/api/v1/search/suggest?q=ca%20phe%20khe%20sabh", None)
        .await
        .json();
    assert_eq!(
        got["products"][0]["name"], "Cà phê Khe Sanh rang mộc",
        "{got}"
    );
    let got = app
        .get("/api/v1/search/suggest?q=ca%20p", None)
        .await
        .json();
    assert!(
        got["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["slug"] == "ca-phe"),
        "{got}"
    );
    // Only the public catalogue: a hidden product is not suggested.
    let app_admin = app.admin("moderator@tinh.vn").await;
    let id = got["products"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &format!("/api/v1/admin/products/{id}/hide"),
            Some(&app_admin),
            json!({"reason": "Nhãn sai quy định"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    app.index().await;
    let got = app
        .get("/api/v1/search/suggest?q=ca%20phe%20khe", None)
        .await
        .json();
    assert!(got["products"].as_array().unwrap().is_empty(), "{got}");
    // Nothing typed, or too much, is a clear error.
    app.get("/api/v1/search/suggest?q=", None)
        .await
        .problem(422, "validation_failed");
    let long = "a".repeat(101);
    app.get(&format!("/api/v1/search/suggest?q={long}"), None)
        .await
        .problem(422, "validation_failed");
});

engine_test!(
    nothing_found_offers_a_correction_and_is_counted,
    |db: TestDb, meili: Option<Arc<dyn SearchEngine>>| async move {
        let app = TestApp::with_engine(db, "", |e| meili.unwrap_or(e));
        let (admin, owner, _) = shop(&app).await;
        app.index().await;
        // `mxm` is three letters, too short to forgive a typo in: nothing is found.
        for _ in 0..2 {
            let res = app.get("/api/v1/search/products?q=nuocc%20mxm", None).await;
            assert_eq!(res.status, 200, "{}", res.text());
            let body = res.json();
            assert_eq!(body["total"], 0, "{body}");
            assert_eq!(body["did_you_mean"], "nuoc mam", "{body}");
        }
        let fixed = app
            .get("/api/v1/search/products?q=nuoc%20mam", None)
            .await
            .json();
        assert!(fixed["total"].as_u64().unwrap() > 0);
        assert!(
            fixed.get("did_you_mean").is_none(),
            "only when nothing is found"
        );
        // Nothing near enough: no suggestion, still counted.
        let far = app
            .get("/api/v1/search/products?q=qqqqzzzz", None)
            .await
            .json();
        assert_eq!(far["total"], 0);
        assert!(far.get("did_you_mean").is_none(), "{far}");

        let metrics = app.get("/metrics", None).await.text();
        assert!(
            metrics.contains("marketplace_search_zero_results_total 3"),
            "{metrics}"
        );
        let misses = app
            .get("/api/v1/admin/search/misses?days=7", Some(&admin))
            .await;
        assert_eq!(misses.status, 200, "{}", misses.text());
        let misses = misses.json();
        assert_eq!(misses["total"], 2);
        assert_eq!(
            misses["items"][0],
            json!({"query": "nuocc mxm", "count": 2})
        );
        assert_eq!(misses["items"][1], json!({"query": "qqqqzzzz", "count": 1}));
        app.get("/api/v1/admin/search/misses", Some(&owner))
            .await
            .problem(403, "forbidden");
        app.get("/api/v1/admin/search/misses?days=0", Some(&admin))
            .await
            .problem(422, "validation_failed");
    }
);
