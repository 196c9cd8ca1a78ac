//! Required product facts: what a product of a category must state before it is listed
//! (config/compliance/facts.toml), named field by field, in Vietnamese for a client that asks;
//! fresh produce is exempt, and products listed before the requirement stay visible while their
//! stall sees what each must complete.

use axum::{body::Body, http::Request};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::*;

/// The label facts of packaged food, as `errors[].field` names them.
const FOOD: &[&str] = &[
    "facts.origin",
    "facts.producer",
    "facts.net_quantity",
    "facts.ingredients",
    "facts.warnings",
    "facts.usage",
    "facts.storage",
    "facts.shelf_life",
    "facts.nutrition.energy_kcal",
    "facts.nutrition.protein_g",
    "facts.nutrition.carbohydrate_g",
    "facts.nutrition.fat_g",
    "facts.nutrition.sodium_mg",
];

/// `body` with its facts replaced by `facts` (`Value::Null`: none).
fn with_facts(mut body: Value, facts: Value) -> Value {
    let map = body.as_object_mut().unwrap();
    if facts.is_null() {
        map.remove("facts");
    } else {
        map.insert("facts".into(), facts);
    }
    body
}

struct World {
    app: TestApp,
    owner: String,
    stall: String,
}

async fn world(db: TestDb) -> World {
    let app = TestApp::new(db).await;
    let admin = app.admin("admin@example.vn").await;
    let owner = app.signed_in("owner@example.vn").await;
    let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.approve(&admin, &stall).await;
    World { app, owner, stall }
}

impl World {
    fn path(&self) -> String {
        format!("/api/v1/stalls/{}/products", self.stall)
    }

    async fn body(&self, category: &str, name: &str, facts: Value) -> Value {
        let category = self.app.category(category).await;
        with_facts(self.app.product_body(&category, name, 120_000), facts)
    }
}

db_test!(
    a_food_product_names_every_missing_fact,
    |db: TestDb| async move {
        let w = world(db).await;
        let body = w
            .body("gia-vi-nuoc-cham", "Nước mắm nhĩ", Value::Null)
            .await;
        let res = w.app.post(&w.path(), Some(&w.owner), body.clone()).await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(fields(&problem), FOOD, "{problem}");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["code"] == "required"),
            "{problem}"
        );

        // In Vietnamese for a client that asks.
        let req = Request::post(w.path())
            .header("authorization", format!("Bearer {}", w.owner))
            .header("content-type", "application/json")
            .header("accept-language", "vi")
            .body(Body::from(body.to_string()))
            .unwrap();
        let problem = w.app.send(req).await.problem(422, "validation_failed");
        assert_eq!(
            problem["errors"][0]["message"],
            "phải được ghi cho sản phẩm thuộc danh mục này (nhãn hàng hóa theo Nghị định \
             43/2017, sửa đổi bởi Nghị định 111/2021)",
            "{problem}"
        );

        // One fact short: only it is named; nothing was listed meanwhile.
        let mut facts = testkit::facts::complete();
        facts["nutrition"]
            .as_object_mut()
            .unwrap()
            .remove("sodium_mg");
        facts["storage"] = json!("  ");
        let body = w.body("gia-vi-nuoc-cham", "Nước mắm nhĩ", facts).await;
        let problem = w
            .app
            .post(&w.path(), Some(&w.owner), body)
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            fields(&problem),
            ["facts.storage", "facts.nutrition.sodium_mg"]
        );
        let listed = w.app.get(&w.path(), None).await.json();
        assert_eq!(listed["total"], 0, "{listed}");

        // Bounds hold whatever the category.
        let mut facts = testkit::facts::complete();
        facts["nutrition"]["fat_g"] = json!(-1);
        facts["ingredients"] = json!("x".repeat(2001));
        let body = w.body("may-tre-dan", "Giỏ mây", facts).await;
        let problem = w
            .app
            .post(&w.path(), Some(&w.owner), body)
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            fields(&problem),
            ["facts.nutrition.fat_g", "facts.ingredients"]
        );
    }
);

db_test!(
    fresh_produce_and_crafts_need_no_label_alcohol_needs_a_licence,
    |db: TestDb| async move {
        let w = world(db).await;
        for (category, name) in [
            ("nong-san-tuoi", "Bưởi da xanh"),
            ("may-tre-dan", "Giỏ mây"),
        ] {
            let body = w.body(category, name, Value::Null).await;
            let res = w.app.post(&w.path(), Some(&w.owner), body).await;
            assert_eq!(res.status, 201, "{category}: {}", res.text());
            assert_eq!(res.json()["missing_facts"], json!([]));
        }

        let mut facts = testkit::facts::complete();
        facts.as_object_mut().unwrap().remove("licence");
        let body = w.body("ruou-do-uong-co-con", "Rượu nếp", facts).await;
        let problem = w
            .app
            .post(&w.path(), Some(&w.owner), body)
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            fields(&problem),
            [
                "facts.licence.number",
                "facts.licence.issued_on",
                "facts.licence.issued_by"
            ]
        );
    }
);

db_test!(
    a_complete_product_is_listed_with_its_facts,
    |db: TestDb| async move {
        let w = world(db).await;
        let body = w
            .body(
                "gia-vi-nuoc-cham",
                "Nước mắm nhĩ",
                testkit::facts::complete(),
            )
            .await;
        let res = w.app.post(&w.path(), Some(&w.owner), body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let created = res.json();
        assert_eq!(created["missing_facts"], json!([]));
        let id = created["id"].as_str().unwrap();
        let public = w.app.get(&format!("/api/v1/products/{id}"), None).await;
        assert_eq!(public.status, 200, "{}", public.text());
        let public = public.json();
        assert_eq!(public["facts"]["nutrition"]["sodium_mg"], 7000.0);
        assert_eq!(
            public["facts"]["producer"],
            testkit::facts::complete()["producer"]
        );
        assert!(public.get("missing_facts").is_none(), "{public}");
    }
);

db_test!(
    products_listed_before_the_requirement_stay_and_their_stall_sees_what_to_complete,
    |db: TestDb| async move {
        let w = world(db).await;
        let body = w
            .body(
                "gia-vi-nuoc-cham",
                "Nước mắm nhĩ",
                testkit::facts::complete(),
            )
            .await;
        let created = w.app.product(&w.owner, &w.stall, body).await;
        let id = created["id"].as_str().unwrap().to_owned();
        // As a product listed before facts were required.
        w.app
            .db
            .conn
            .execute_unprepared("UPDATE products SET facts = NULL")
            .await
            .unwrap();

        let public = w.app.get(&w.path(), None).await.json();
        assert_eq!(public["total"], 1, "still visible: {public}");
        assert!(public["items"][0].get("missing_facts").is_none());
        let mine = w.app.get(&w.path(), Some(&w.owner)).await.json();
        assert_eq!(mine["items"][0]["missing_facts"], json!(FOOD), "{mine}");

        // Other edits go through; an edit of its facts must complete them.
        let product = format!("/api/v1/products/{id}");
        let res = w
            .app
            .patch(
                &product,
                Some(&w.owner),
                json!({"version": 1, "price": 125_000}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let res = w
            .app
            .patch(
                &product,
                Some(&w.owner),
                json!({"version": 2, "facts": {"origin": "Quảng Trị"}}),
            )
            .await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(fields(&problem), &FOOD[1..]);
        let res = w
            .app
            .patch(
                &product,
                Some(&w.owner),
                json!({"version": 2, "facts": testkit::facts::complete()}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["missing_facts"], json!([]));

        // Moving a produce product into a food category needs the food's label.
        let body = w.body("nong-san-tuoi", "Bưởi da xanh", Value::Null).await;
        let fruit = w.app.product(&w.owner, &w.stall, body).await;
        let food = w.app.category("thuc-pham-che-bien").await;
        let res = w
            .app
            .patch(
                &format!("/api/v1/products/{}", fruit["id"].as_str().unwrap()),
                Some(&w.owner),
                json!({"version": 1, "category_id": food}),
            )
            .await;
        assert_eq!(fields(&res.problem(422, "validation_failed")), FOOD);
    }
);
