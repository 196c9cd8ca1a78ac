//! Reviews over HTTP, on SQLite and PostgreSQL: only the buyer of a delivered order line
//! reviews it, once (also when requests race, on real threads); the author edits within the
//! window, nobody else; the stall replies once; reports reach the administrators, who hide a
//! review with a reason (audited, the author told, out of the lists and the rating) and show it
//! again; lists sort and filter by stars; the product's rating follows every step; a buyer
//! uploads photos of their own (no stall) and only they may put them on a review.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{Request, header},
};
use chrono::{Duration, Utc};
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};

use crate::{
    money::deliver,
    orders::{Market, checkout, market, put_item, shipping},
    support::*,
};

/// `quantity` of `product` bought by the buyer and delivered; the order as the buyer reads it.
async fn bought(app: &TestApp, m: &Market, key: &str, products: &[&str]) -> Value {
    for p in products {
        let res = put_item(app, &m.buyer, p, 1).await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    let res = checkout(app, &m.buyer, key, shipping()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["orders"][0].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// The id of the order's line of `product`.
fn line(order: &Value, product: &str) -> String {
    order["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["product_id"] == product)
        .map(id)
        .unwrap()
}

async fn review(app: &TestApp, token: &str, product: &str, body: Value) -> TestResponse {
    app.post(
        &format!("/api/v1/products/{product}/reviews"),
        Some(token),
        body,
    )
    .await
}

/// Reviews `product` of `order` with `stars`, 201 expected; the review.
async fn reviewed(app: &TestApp, token: &str, product: &str, order: &str, stars: i64) -> Value {
    let res = review(
        app,
        token,
        product,
        json!({"order_id": order, "rating": stars, "text": format!("{stars} sao")}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

/// The product's rating as stored: (count, sum of stars).
async fn rating(app: &TestApp, product: &str) -> (i64, i64) {
    let id: uuid::Uuid = product.parse().unwrap();
    let p = catalog::entity::product::Entity::find_by_id(id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    (p.rating_count, p.rating_sum)
}

/// The events `token`'s user heard of, newest first.
async fn heard(app: &TestApp, token: &str) -> Vec<String> {
    let res = app
        .get("/api/v1/me/notifications?per_page=100", Some(token))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap().to_owned())
        .collect()
}

/// The stars of a list's reviews, in order.
fn stars(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rating"].as_i64().unwrap())
        .collect()
}

db_test!(
    only_the_buyer_of_a_delivered_line_reviews_it_once,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let order = bought(&app, &m, "rv-1", &[&m.sauce, &m.pepper]).await;
        let order_id = id(&order);
        let body = json!({"order_id": order_id, "rating": 4, "text": "Nước mắm thơm, đậm vị."});
        // Not delivered yet.
        let res = review(&app, &m.buyer, &m.sauce, body.clone()).await;
        res.problem(409, "not_purchased");
        deliver(&app, &m.owner_a, &order_id).await;
        // Someone else's order.
        let other = app.signed_in("other@example.vn").await;
        review(&app, &other, &m.sauce, body.clone())
            .await
            .problem(409, "not_purchased");
        // A product that is not in the order.
        review(&app, &m.buyer, &m.coffee, body.clone())
            .await
            .problem(409, "not_purchased");
        // Bad fields, each named.
        let bad = review(
            &app,
            &m.buyer,
            &m.sauce,
            json!({"order_id": order_id, "rating": 6, "text": "a".repeat(2001),
                   "images": (0..7).map(|_| uuid::Uuid::now_v7()).collect::<Vec<_>>()}),
        )
        .await;
        let p = bad.problem(422, "validation_failed");
        assert_eq!(fields(&p), ["rating", "text", "images"]);
        let bad = review(
            &app,
            &m.buyer,
            &m.sauce,
            json!({"order_id": order_id, "rating": 5, "images": [uuid::Uuid::now_v7()]}),
        )
        .await;
        assert_eq!(
            fields(&bad.problem(422, "validation_failed")),
            ["images[0]"]
        );
        assert_eq!(rating(&app, &m.sauce).await, (0, 0));

        let res = review(&app, &m.buyer, &m.sauce, body.clone()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let r = res.json();
        assert_eq!(r["rating"], 4);
        assert_eq!(r["product_id"], m.sauce.as_str());
        assert_eq!(r["text"], "Nước mắm thơm, đậm vị.");
        assert!(r.get("reply").is_none() && r.get("edited_at").is_none());
        let name = r["author"]["name"].as_str().unwrap();
        assert!(name.ends_with('.'), "shortened: {name}");
        assert_eq!(rating(&app, &m.sauce).await, (1, 4));
        assert!(
            heard(&app, &m.owner_a)
                .await
                .contains(&"review_received".into())
        );

        // Twice, with or without naming the line.
        review(&app, &m.buyer, &m.sauce, body.clone())
            .await
            .problem(409, "already_reviewed");
        let mut named = body.clone();
        named["order_item_id"] = json!(line(&order, &m.sauce));
        review(&app, &m.buyer, &m.sauce, named)
            .await
            .problem(409, "already_reviewed");
        // A line of another product is not this product's.
        let mut wrong = body.clone();
        wrong["order_item_id"] = json!(line(&order, &m.pepper));
        review(&app, &m.buyer, &m.sauce, wrong)
            .await
            .problem(409, "not_purchased");
        assert_eq!(rating(&app, &m.sauce).await, (1, 4));
        let list = app
            .get(&format!("/api/v1/products/{}/reviews", m.sauce), None)
            .await
            .json();
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["id"], r["id"]);
        let stall = app
            .get(&format!("/api/v1/stalls/{}/reviews", m.stall_a), None)
            .await
            .json();
        assert_eq!(stall["total"], 1);
    }
);

db_test!(
    the_author_edits_within_the_window_and_nobody_else,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let order = bought(&app, &m, "rv-2", &[&m.sauce]).await;
        deliver(&app, &m.owner_a, &id(&order)).await;
        let r = reviewed(&app, &m.buyer, &m.sauce, &id(&order), 4).await;
        let path = format!("/api/v1/reviews/{}", id(&r));
        for someone in [&m.owner_a, &m.admin] {
            app.patch(&path, Some(someone), json!({"rating": 1}))
                .await
                .problem(404, "not_found");
        }
        let res = app
            .patch(
                &path,
                Some(&m.buyer),
                json!({"rating": 2, "text": "Hơi mặn"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let edited = res.json();
        assert_eq!(
            (edited["rating"].clone(), edited["text"].clone()),
            (json!(2), json!("Hơi mặn"))
        );
        assert!(edited["edited_at"].is_string());
        assert_eq!(rating(&app, &m.sauce).await, (1, 2));
        app.patch(&path, Some(&m.buyer), json!({"rating": 0}))
            .await
            .problem(422, "validation_failed");

        // Thirty-one days later the window (30 days by default) is closed.
        let review_id: uuid::Uuid = id(&r).parse().unwrap();
        reviews::entity::review::Entity::update(reviews::entity::review::ActiveModel {
            id: Set(review_id),
            created_at: Set(Utc::now() - Duration::days(31)),
            ..Default::default()
        })
        .exec(&app.db.conn)
        .await
        .unwrap();
        let p = app
            .patch(&path, Some(&m.buyer), json!({"rating": 5}))
            .await
            .problem(409, "edit_window_closed");
        assert_eq!(p["details"]["days"], "30");
        assert_eq!(rating(&app, &m.sauce).await, (1, 2));
    }
);

db_test!(
    a_window_of_zero_days_allows_no_edit,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[reviews]\nedit_window_days = 0");
        let m = market(&app).await;
        let order = bought(&app, &m, "rv-3", &[&m.sauce]).await;
        deliver(&app, &m.owner_a, &id(&order)).await;
        let r = reviewed(&app, &m.buyer, &m.sauce, &id(&order), 3).await;
        app.patch(
            &format!("/api/v1/reviews/{}", id(&r)),
            Some(&m.buyer),
            json!({"text": "Sửa"}),
        )
        .await
        .problem(409, "edit_window_closed");
    }
);

db_test!(the_stall_replies_once, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m = market(&app).await;
    let order = bought(&app, &m, "rv-4", &[&m.sauce]).await;
    deliver(&app, &m.owner_a, &id(&order)).await;
    let r = reviewed(&app, &m.buyer, &m.sauce, &id(&order), 5).await;
    let path = format!("/api/v1/reviews/{}/reply", id(&r));
    let body = json!({"text": "Cảm ơn anh chị đã tin dùng!"});
    for outsider in [&m.owner_b, &m.buyer, &m.admin] {
        app.post(&path, Some(outsider), body.clone())
            .await
            .problem(403, "forbidden");
    }
    app.post(&path, Some(&m.owner_a), json!({"text": "  "}))
        .await
        .problem(422, "validation_failed");
    let res = app.post(&path, Some(&m.owner_a), body.clone()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["reply"]["text"], "Cảm ơn anh chị đã tin dùng!");
    app.post(&path, Some(&m.owner_a), json!({"text": "Lần hai"}))
        .await
        .problem(409, "already_replied");
    let seen = app
        .get(&format!("/api/v1/reviews/{}", id(&r)), None)
        .await
        .json();
    assert_eq!(seen["reply"]["text"], "Cảm ơn anh chị đã tin dùng!");
    assert!(seen["reply"]["created_at"].is_string());
    // The author hears of it, once.
    let told = heard(&app, &m.buyer).await;
    assert_eq!(
        told.iter().filter(|e| *e == "review_replied").count(),
        1,
        "{told:?}"
    );
});

db_test!(
    reports_lead_to_a_hiding_the_author_hears_of,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let order = bought(&app, &m, "rv-5", &[&m.sauce, &m.pepper]).await;
        deliver(&app, &m.owner_a, &id(&order)).await;
        let r = reviewed(&app, &m.buyer, &m.sauce, &id(&order), 1).await;
        let kept = reviewed(&app, &m.buyer, &m.pepper, &id(&order), 5).await;
        let reporter = app.signed_in("reporter@example.vn").await;
        let reports = format!("/api/v1/reviews/{}/reports", id(&r));
        app.post(&reports, None, json!({"reason": "spam"}))
            .await
            .problem(401, "unauthorized");
        app.post(&reports, Some(&reporter), json!({"reason": "other"}))
            .await
            .problem(422, "validation_failed");
        let first = app
            .post(
                &reports,
                Some(&reporter),
                json!({"reason": "offensive", "detail": "Lời lẽ xúc phạm"}),
            )
            .await;
        assert_eq!(first.status, 201, "{}", first.text());
        let again = app
            .post(&reports, Some(&reporter), json!({"reason": "spam"}))
            .await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json()["id"], first.json()["id"]);
        app.post(&reports, Some(&m.owner_a), json!({"reason": "fake"}))
            .await;

        app.get("/api/v1/admin/review-reports", Some(&reporter))
            .await
            .problem(403, "forbidden");
        let queue = app
            .get("/api/v1/admin/review-reports", Some(&m.admin))
            .await
            .json();
        assert_eq!(queue["total"], 2);
        assert_eq!(queue["items"][0]["reason"], "offensive");
        assert_eq!(queue["items"][0]["review"]["id"], r["id"]);

        let hide = format!("/api/v1/admin/reviews/{}/hide", id(&r));
        app.post(
            &hide,
            Some(&m.owner_a),
            json!({"reason": "Gian hàng không muốn"}),
        )
        .await
        .problem(403, "forbidden");
        app.post(&hide, Some(&m.admin), json!({}))
            .await
            .problem(422, "validation_failed");
        let res = app
            .post(&hide, Some(&m.admin), json!({"reason": "Ngôn từ xúc phạm"}))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["hidden"]["reason"], "Ngôn từ xúc phạm");
        app.post(&hide, Some(&m.admin), json!({"reason": "Lần nữa"}))
            .await
            .problem(409, "already_hidden");

        // Out of the rating and the public lists; the author and administrators still see it.
        assert_eq!(rating(&app, &m.sauce).await, (0, 0));
        let product = app
            .get(&format!("/api/v1/products/{}", m.sauce), None)
            .await
            .json();
        assert_eq!(product["rating"]["count"], 0, "{}", product["rating"]);
        assert_eq!(rating(&app, &m.pepper).await, (1, 5));
        let public = app
            .get(&format!("/api/v1/stalls/{}/reviews", m.stall_a), None)
            .await
            .json();
        assert_eq!(public["total"], 1);
        assert_eq!(public["items"][0]["id"], kept["id"]);
        let admin_view = app
            .get(
                &format!("/api/v1/products/{}/reviews", m.sauce),
                Some(&m.admin),
            )
            .await
            .json();
        assert_eq!(admin_view["total"], 1);
        let one = format!("/api/v1/reviews/{}", id(&r));
        app.get(&one, None).await.problem(404, "not_found");
        let own = app.get(&one, Some(&m.buyer)).await.json();
        assert_eq!(own["hidden"]["reason"], "Ngôn từ xúc phạm");
        app.post(&reports, Some(&m.owner_b), json!({"reason": "spam"}))
            .await
            .problem(404, "not_found");

        // The author is told why, the act is audited, the reports are closed.
        assert!(
            heard(&app, &m.buyer)
                .await
                .contains(&"review_hidden".into())
        );
        let audit = app
            .get(
                &format!(
                    "/api/v1/admin/audit-log?subject_type=review&subject_id={}",
                    id(&r)
                ),
                Some(&m.admin),
            )
            .await;
        assert_eq!(audit.status, 200, "{}", audit.text());
        let entries = audit.json();
        assert_eq!(entries["items"][0]["action"], "review.hide");
        assert_eq!(entries["items"][0]["reason"], "Ngôn từ xúc phạm");
        let open = app
            .get("/api/v1/admin/review-reports", Some(&m.admin))
            .await
            .json();
        assert_eq!(open["total"], 0);
        let closed = app
            .get("/api/v1/admin/review-reports?status=hidden", Some(&m.admin))
            .await
            .json();
        assert_eq!(closed["total"], 2);

        // Shown again: back in the list and the rating.
        let unhide = format!("/api/v1/admin/reviews/{}/unhide", id(&r));
        let res = app.post(&unhide, Some(&m.admin), json!({})).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(res.json().get("hidden").is_none());
        app.post(&unhide, Some(&m.admin), json!({}))
            .await
            .problem(409, "not_hidden");
        assert_eq!(rating(&app, &m.sauce).await, (1, 1));
        assert_eq!(app.get(&one, None).await.status, 200);
        // As the product's and the stall's answers show it.
        let product = app
            .get(&format!("/api/v1/products/{}", m.sauce), None)
            .await
            .json();
        assert_eq!(product["rating"]["count"], 1, "{}", product["rating"]);
        assert_eq!(product["rating"]["distribution"]["1"], 1);
        let stall = app
            .get(&format!("/api/v1/stalls/{}", m.stall_a), None)
            .await
            .json();
        assert_eq!(stall["rating"]["count"], 2, "{}", stall["rating"]);
        assert_eq!(stall["rating"]["average"], 3.0);
    }
);

db_test!(lists_sort_and_filter_by_stars, |db: TestDb| async move {
    let app = TestApp::new(db).await;
    let m = market(&app).await;
    for (i, stars) in [3, 5, 1].into_iter().enumerate() {
        let order = bought(&app, &m, &format!("rv-list-{i}"), &[&m.sauce]).await;
        deliver(&app, &m.owner_a, &id(&order)).await;
        reviewed(&app, &m.buyer, &m.sauce, &id(&order), stars).await;
    }
    let list = |q: &'static str| {
        let path = format!("/api/v1/products/{}/reviews{q}", m.sauce);
        let app = &app;
        async move {
            let res = app.get(&path, None).await;
            assert_eq!(res.status, 200, "{q}: {}", res.text());
            res.json()
        }
    };
    assert_eq!(stars(&list("").await), [1, 5, 3]);
    assert_eq!(stars(&list("?sort=newest").await), [1, 5, 3]);
    assert_eq!(stars(&list("?sort=rating_desc").await), [5, 3, 1]);
    assert_eq!(stars(&list("?sort=rating_asc").await), [1, 3, 5]);
    let five = list("?rating=5").await;
    assert_eq!((five["total"].clone(), stars(&five)), (json!(1), vec![5]));
    let paged = list("?sort=rating_desc&per_page=2&page=2").await;
    assert_eq!((paged["total"].clone(), stars(&paged)), (json!(3), vec![1]));
    for bad in ["?rating=6", "?sort=best", "?rating=x"] {
        let res = app
            .get(&format!("/api/v1/products/{}/reviews{bad}", m.sauce), None)
            .await;
        assert_eq!(res.status, 422, "{bad}: {}", res.text());
    }
    assert_eq!(rating(&app, &m.sauce).await, (3, 9));
    let stall = app
        .get(
            &format!("/api/v1/stalls/{}/reviews?sort=rating_asc", m.stall_a),
            None,
        )
        .await
        .json();
    assert_eq!(stars(&stall), [1, 3, 5]);
    app.get(
        &format!("/api/v1/stalls/{}/reviews", uuid::Uuid::now_v7()),
        None,
    )
    .await
    .problem(404, "not_found");
});

db_test!(
    reviews_of_one_line_at_once_make_one,
    |db: TestDb| async move {
        let app = Arc::new(TestApp::new(db).await);
        let m = Arc::new(market(&app).await);
        let order = bought(&app, &m, "rv-race", &[&m.sauce]).await;
        let order_id = id(&order);
        deliver(&app, &m.owner_a, &order_id).await;
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (app, m, order_id) = (app.clone(), m.clone(), order_id.clone());
            tasks.push(tokio::spawn(async move {
                let body =
                    json!({"order_id": order_id, "rating": 1 + i, "text": format!("Lần {i}")});
                let res = review(&app, &m.buyer, &m.sauce, body).await;
                (res.status.as_u16(), res.json()["code"].clone())
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        answers.sort_by_key(|(s, _)| *s);
        assert_eq!(answers[0].0, 201, "{answers:?}");
        for (status, code) in &answers[1..] {
            assert_eq!(
                (*status, code),
                (409, &json!("already_reviewed")),
                "{answers:?}"
            );
        }
        assert_eq!(rating(&app, &m.sauce).await.0, 1);
    }
);

/// Uploads a photo as `token`'s user, for `stall` or (without) their own; the answer.
async fn upload(app: &TestApp, token: &str, stall: Option<&str>, seed: u8) -> TestResponse {
    let fields: Vec<(&str, &str)> = stall.map(|s| ("stall_id", s)).into_iter().collect();
    let file = media::samples::jpeg(64, 48, seed);
    let body = testkit::multipart::form(&fields, &file, "anh.jpg", "image/jpeg");
    let req = Request::post("/api/v1/media")
        .header(header::CONTENT_TYPE, testkit::multipart::content_type())
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

db_test!(
    a_buyer_puts_photos_of_their_own_on_a_review,
    |db: TestDb| async move {
        let root = std::env::temp_dir().join(format!("marketplace-data-{}", uuid::Uuid::now_v7()));
        let app = TestApp::with_config(db, &format!("[data]\ndir = \"{}\"", root.display()));
        let m = market(&app).await;
        let order = bought(&app, &m, "rv-photo", &[&m.sauce]).await;
        deliver(&app, &m.owner_a, &id(&order)).await;
        // A buyer holds no stall: the photo is their own.
        let res = upload(&app, &m.buyer, None, 1).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let mine = id(&res.json());
        let again = upload(&app, &m.buyer, None, 1).await;
        assert_eq!(
            (again.status.as_u16(), id(&again.json())),
            (200, mine.clone())
        );
        // Nobody else's photo may go on the buyer's review: the stall's, another buyer's.
        let stalls = upload(&app, &m.owner_a, Some(&m.stall_a), 2).await;
        assert_eq!(stalls.status, 201, "{}", stalls.text());
        let other = app.signed_in("other@example.vn").await;
        let others = upload(&app, &other, None, 3).await;
        assert_eq!(others.status, 201, "{}", others.text());
        let res = review(
            &app,
            &m.buyer,
            &m.sauce,
            json!({"order_id": id(&order), "rating": 5,
                   "images": [mine, id(&stalls.json()), id(&others.json())]}),
        )
        .await;
        assert_eq!(
            fields(&res.problem(422, "validation_failed")),
            ["images[1]", "images[2]"]
        );
        let res = review(
            &app,
            &m.buyer,
            &m.sauce,
            json!({"order_id": id(&order), "rating": 5, "text": "Ảnh chai nước mắm", "images": [mine]}),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let r = res.json();
        assert_eq!(r["images"][0]["id"], mine.as_str());
        let medium = r["images"][0]["urls"]["medium"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(app.get(&medium, None).await.status, 200, "{medium}");
        // A user's own photo is no stall's: it cannot go on a product.
        let owners = upload(&app, &m.owner_a, None, 4).await;
        assert_eq!(owners.status, 201, "{}", owners.text());
        let mut body =
            app.product_body(&app.category("gia-vi-nuoc-cham").await, "Mắm ruốc", 50_000);
        body["images"] = json!([id(&owners.json())]);
        let res = app
            .post(
                &format!("/api/v1/stalls/{}/products", m.stall_a),
                Some(&m.owner_a),
                body,
            )
            .await;
        assert_eq!(
            fields(&res.problem(422, "validation_failed")),
            ["images[0]"]
        );
        // Days later, the photos nothing names are collected; the review's stays.
        media::entity::Entity::update_many()
            .set(media::entity::ActiveModel {
                created_at: Set(Utc::now() - Duration::days(3)),
                ..Default::default()
            })
            .exec(&app.db.conn)
            .await
            .unwrap();
        let collected = app.state.media.collect(&app.db.conn).await.unwrap();
        assert_eq!(
            collected, 3,
            "the stall's, the other buyer's and the owner's own"
        );
        assert_eq!(app.get(&medium, None).await.status, 200, "{medium}");
        let gone = format!("/media/{}/medium", id(&others.json()));
        assert_eq!(app.get(&gone, None).await.status, 404);
        // The author takes the photo off again.
        let res = app
            .patch(
                &format!("/api/v1/reviews/{}", id(&r)),
                Some(&m.buyer),
                json!({"images": []}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["images"], json!([]));
        let _ = std::fs::remove_dir_all(&root);
    }
);

db_test!(
    a_buyers_reviews_are_in_their_export_and_erasure_keeps_only_the_stars,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let order = bought(&app, &m, "rv-erase", &[&m.sauce]).await;
        deliver(&app, &m.owner_a, &id(&order)).await;
        let r = reviewed(&app, &m.buyer, &m.sauce, &id(&order), 4).await;
        let res = app
            .post(
                &format!("/api/v1/reviews/{}/reports", id(&r)),
                Some(&m.buyer),
                json!({"reason": "other", "detail": "Tôi viết nhầm"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let export = app.get("/api/v1/me/export", Some(&m.buyer)).await;
        assert_eq!(export.status, 200, "{}", export.text());
        let tables = &export.json()["tables"];
        assert_eq!(tables["reviews"][0]["text"], "4 sao");
        assert_eq!(tables["reviews"][0]["rating"], 4);
        assert_eq!(tables["review_reports"][0]["detail"], "Tôi viết nhầm");

        let res = app.delete("/api/v1/me", Some(&m.buyer)).await;
        assert!(res.status.is_success(), "{}", res.text());
        // The review stays, anonymous and without its words; its stars still count.
        let kept = app
            .get(&format!("/api/v1/reviews/{}", id(&r)), None)
            .await
            .json();
        assert_eq!(kept["author"]["name"], "Người mua");
        assert_eq!(
            (kept["text"].clone(), kept["rating"].clone()),
            (json!(""), json!(4))
        );
        assert_eq!(rating(&app, &m.sauce).await, (1, 4));
        let queue = app
            .get("/api/v1/admin/review-reports", Some(&m.admin))
            .await
            .json();
        assert_eq!(queue["items"][0]["detail"], "");
    }
);
