//! Ratings: what reviews' stars do to a product's and its stall's rating (moved by
//! `catalog::ratings::record` in the review's transaction), as answers show it, as search
//! sorts and filters by it, and that reviews written at once all count.

use catalog::ratings::{RatingChange, record};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::*;

/// An approved stall with three products; returns (stall id, product ids).
async fn shop(app: &TestApp) -> (String, Vec<String>) {
    let admin = app.admin("admin@tinh.vn").await;
    let owner = app.signed_in("owner@example.vn").await;
    let stall = app.stall(&owner, "HTX Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.approve(&admin, &stall).await;
    let sauce = app.category("gia-vi-nuoc-cham").await;
    let mut products = Vec::new();
    for (name, price) in [
        ("Nước mắm Cửa Tùng 40 độ đạm", 120_000),
        ("Nước mắm cá cơm Cửa Việt", 95_000),
        ("Nước mắm nhĩ Gio Linh", 150_000),
    ] {
        let p = app
            .product(&owner, &stall, app.product_body(&sauce, name, price))
            .await;
        products.push(p["id"].as_str().unwrap().to_owned());
    }
    (stall, products)
}

/// Applies `change` to `product`'s rating in a transaction of its own, as a review's write does.
async fn rate(app: &TestApp, product: &str, change: RatingChange) -> common::Result<()> {
    let txn = common::begin_write(&app.db.conn).await.unwrap();
    let id = Uuid::parse_str(product).unwrap();
    match record(&txn, id, change).await {
        Ok(()) => {
            txn.commit().await.unwrap();
            Ok(())
        }
        Err(e) => {
            txn.rollback().await.unwrap();
            Err(e)
        }
    }
}

async fn product_rating(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/products/{id}"), None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["rating"].clone()
}

async fn stall_rating(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/stalls/{id}"), None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["rating"].clone()
}

fn distribution(counts: [u64; 5]) -> Value {
    json!({"1": counts[0], "2": counts[1], "3": counts[2], "4": counts[3], "5": counts[4]})
}

db_test!(
    reviews_move_the_product_and_stall_ratings_answers_show,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let (stall, p) = shop(&app).await;
        // Nothing rated yet: no average, no reviews.
        assert_eq!(
            product_rating(&app, &p[0]).await,
            json!({"average": null, "count": 0, "distribution": distribution([0; 5])})
        );
        assert_eq!(
            stall_rating(&app, &stall).await,
            json!({"average": null, "count": 0})
        );

        app.index().await;
        let (product_rows, stall_rows) =
            (app.outbox_rows(&p[0]).await, app.outbox_rows(&stall).await);
        assert_eq!((product_rows, stall_rows), (0, 0));
        rate(&app, &p[0], RatingChange::add(5)).await.unwrap();
        // Search is told of the product and of its stall, in the same transaction.
        assert_eq!(app.outbox_rows(&p[0]).await, 1);
        assert_eq!(app.outbox_rows(&stall).await, 1);
        assert_eq!(app.outbox_rows(&p[1]).await, 0);

        rate(&app, &p[0], RatingChange::add(4)).await.unwrap();
        rate(&app, &p[0], RatingChange::add(4)).await.unwrap();
        rate(&app, &p[1], RatingChange::add(2)).await.unwrap();
        // An edited review: its 2 stars become 3.
        rate(&app, &p[1], RatingChange::change(2, 3)).await.unwrap();
        // 13 / 3 = 4.33… shows as 4.3.
        assert_eq!(
            product_rating(&app, &p[0]).await,
            json!({"average": 4.3, "count": 3, "distribution": distribution([0, 0, 0, 2, 1])})
        );
        assert_eq!(
            product_rating(&app, &p[1]).await,
            json!({"average": 3.0, "count": 1, "distribution": distribution([0, 0, 1, 0, 0])})
        );
        // The stall: 5 + 4 + 4 + 3 = 16 over 4 reviews.
        assert_eq!(
            stall_rating(&app, &stall).await,
            json!({"average": 4.0, "count": 4})
        );

        // A review withdrawn.
        rate(&app, &p[0], RatingChange::remove(5)).await.unwrap();
        assert_eq!(
            product_rating(&app, &p[0]).await,
            json!({"average": 4.0, "count": 2, "distribution": distribution([0, 0, 0, 2, 0])})
        );
        // 11 / 3 = 3.67 → 3.7.
        assert_eq!(
            stall_rating(&app, &stall).await,
            json!({"average": 3.7, "count": 3})
        );

        // What the sums do not hold, stars outside 1 to 5 and an unknown product are refused
        // as the caller's bug, and change nothing.
        for (product, change) in [
            (&p[0], RatingChange::remove(1)),
            (&p[2], RatingChange::remove(5)),
            (&p[0], RatingChange::add(0)),
            (&p[0], RatingChange::add(6)),
            (&p[0], RatingChange::change(7, 5)),
        ] {
            let e = rate(&app, product, change).await.unwrap_err();
            assert_eq!(e.kind, common::ErrorKind::Internal, "{change:?}");
        }
        let unknown = Uuid::now_v7().to_string();
        let e = rate(&app, &unknown, RatingChange::add(5))
            .await
            .unwrap_err();
        assert_eq!(e.kind, common::ErrorKind::Internal);
        assert_eq!(product_rating(&app, &p[0]).await["count"], 2);
        assert_eq!(product_rating(&app, &p[2]).await["count"], 0);
        assert_eq!(
            stall_rating(&app, &stall).await,
            json!({"average": 3.7, "count": 3})
        );
        // Stars kept as they were write nothing.
        app.index().await;
        rate(&app, &p[0], RatingChange::change(4, 4)).await.unwrap();
        assert_eq!(app.outbox_rows(&p[0]).await, 0);

        // The stall's product list shows ratings too.
        let res = app
            .get(&format!("/api/v1/stalls/{stall}/products"), None)
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let list = res.json();
        let items = list["items"].as_array().or(list.as_array()).unwrap();
        let first = items.iter().find(|i| i["id"] == p[0].as_str()).unwrap();
        assert_eq!(first["rating"]["average"], 4.0);
        assert_eq!(first["rating"]["count"], 2);
    }
);

db_test!(reviews_written_at_once_all_count, |db: TestDb| async move {
    let app = std::sync::Arc::new(TestApp::new(db).await);
    let (stall, p) = shop(&app).await;
    // Thirty reviews at once over two products of one stall: real threads, so on
    // PostgreSQL the transactions truly overlap.
    let mut tasks = Vec::new();
    for i in 0..30u8 {
        let (app, product) = (app.clone(), p[usize::from(i % 2)].clone());
        tasks.push(tokio::spawn(async move {
            rate(&app, &product, RatingChange::add(i % 5 + 1)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    // Then six edits at once (three reviews of product 0 raised from 1 star to 5, three of
    // product 1 from 2 stars to 5) beside ten new reviews of 3 stars.
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let product = i % 2;
        let change = if i < 6 {
            RatingChange::change(product + 1, 5)
        } else {
            RatingChange::add(3)
        };
        let (app, product) = (app.clone(), p[usize::from(product)].clone());
        tasks.push(tokio::spawn(
            async move { rate(&app, &product, change).await },
        ));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    // Each product first got three reviews of each number of stars (i % 5 + 1 over 15
    // values of i).
    let mut want: [[i64; 5]; 2] = [[3; 5]; 2];
    for (k, w) in want.iter_mut().enumerate() {
        w[k] -= 3;
        w[4] += 3;
        w[2] += 5;
    }
    let mut stall_count = 0;
    let mut stall_sum = 0;
    for (k, w) in want.iter().enumerate() {
        let count: i64 = w.iter().sum();
        let sum: i64 = w.iter().enumerate().map(|(s, n)| (s as i64 + 1) * n).sum();
        stall_count += count;
        stall_sum += sum;
        let r = product_rating(&app, &p[k]).await;
        assert_eq!(r["count"], count, "{r}");
        assert_eq!(
            r["distribution"],
            distribution(w.map(|n| n as u64)),
            "product {k}"
        );
        let average = ((sum * 20 + count) / (count * 2)) as f64 / 10.0;
        assert_eq!(r["average"], average, "{r}");
    }
    assert_eq!(stall_count, 40);
    let r = stall_rating(&app, &stall).await;
    assert_eq!(r["count"], stall_count);
    let average = ((stall_sum * 20 + stall_count) / (stall_count * 2)) as f64 / 10.0;
    assert_eq!(r["average"], average, "{r}");
});

fn hit_ids(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    search_sorts_by_rating_and_filters_by_its_average,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let (stall, p) = shop(&app).await;
        // p[0]: 4.5 of 2 reviews; p[1]: 4.5 of 4; p[2]: none.
        for (product, stars) in [
            (&p[0], 5),
            (&p[0], 4),
            (&p[1], 5),
            (&p[1], 5),
            (&p[1], 4),
            (&p[1], 4),
        ] {
            rate(&app, product, RatingChange::add(stars)).await.unwrap();
        }
        app.index().await;

        let res = app.get("/api/v1/search/products?sort=rating", None).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.json();
        assert_eq!(hit_ids(&body), [p[1].clone(), p[0].clone(), p[2].clone()]);
        assert_eq!(
            body["hits"][0]["rating"],
            json!({"average": 4.5, "count": 4})
        );
        assert_eq!(
            body["hits"][2]["rating"],
            json!({"average": null, "count": 0})
        );
        // A hit's rating is the page's, without the distribution.
        let page = product_rating(&app, &p[1]).await;
        assert_eq!(page["average"], body["hits"][0]["rating"]["average"]);
        assert_eq!(page["count"], body["hits"][0]["rating"]["count"]);

        let found = |query: &'static str| {
            let app = &app;
            async move {
                let res = app
                    .get(&format!("/api/v1/search/products?{query}"), None)
                    .await;
                assert_eq!(res.status, 200, "{}", res.text());
                let mut ids = hit_ids(&res.json());
                ids.sort();
                ids
            }
        };
        let mut rated = vec![p[0].clone(), p[1].clone()];
        rated.sort();
        assert_eq!(found("min_rating=4").await, rated);
        assert_eq!(found("min_rating=1&q=nuoc%20mam").await, rated);
        assert!(found("min_rating=5").await.is_empty());

        // A new review moves the hit once the indexer has run: p[2] gets 5 stars.
        rate(&app, &p[2], RatingChange::add(5)).await.unwrap();
        app.index().await;
        assert_eq!(found("min_rating=5").await, [p[2].clone()]);
        let body = app
            .get("/api/v1/search/products?sort=rating", None)
            .await
            .json();
        assert_eq!(hit_ids(&body), [p[2].clone(), p[1].clone(), p[0].clone()]);

        // The stall's hit carries its rating: 5+4+5+5+4+4+5 = 32 over 7.
        let res = app.get("/api/v1/search/stalls?q=cua%20tung", None).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let hits = res.json()["hits"].clone();
        assert_eq!(hits[0]["id"], stall.as_str());
        assert_eq!(hits[0]["rating"], json!({"average": 4.6, "count": 7}));

        // Out of bounds, or no number: 422 naming min_rating.
        for bad in ["0", "6", "255", "-1", "4.5", "x", "1000"] {
            let res = app
                .get(&format!("/api/v1/search/products?min_rating={bad}"), None)
                .await;
            let problem = res.problem(422, "validation_failed");
            assert_eq!(fields(&problem), ["min_rating"], "{bad}: {problem}");
        }
        let res = app.get("/api/v1/search/products?sort=stars", None).await;
        let problem = res.problem(422, "validation_failed");
        assert!(
            problem.to_string().contains("rating"),
            "the sorts listed name rating: {problem}"
        );
    }
);

/// The rating the product search shows for `product` (of stall `stall`), and whether
/// `min_rating=4` finds it.
async fn hit_rating(app: &TestApp, stall: &str, product: &str) -> (Value, bool) {
    let body = app
        .get(&format!("/api/v1/search/products?stall={stall}"), None)
        .await
        .json();
    let hit = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == product)
        .unwrap_or_else(|| panic!("{product} is found: {body}"))
        .clone();
    let good = app
        .get(
            &format!("/api/v1/search/products?stall={stall}&min_rating=4"),
            None,
        )
        .await
        .json();
    (
        hit["rating"].clone(),
        hit_ids(&good).contains(&product.to_owned()),
    )
}

/// The rating the stall search shows for `stall`.
async fn stall_hit_rating(app: &TestApp, stall: &str) -> Value {
    let body = app.get("/api/v1/search/stalls", None).await.json();
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == stall)
        .unwrap_or_else(|| panic!("{stall} is found: {body}"))["rating"]
        .clone()
}

db_test!(
    a_review_moves_the_search_hit_once_the_indexer_runs,
    |db: TestDb| async move {
        use crate::{
            money::deliver,
            orders::{checkout, market, put_item, shipping},
        };
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let res = put_item(&app, &m.buyer, &m.sauce, 1).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let res = checkout(&app, &m.buyer, "rating-1", shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let order = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
        deliver(&app, &m.owner_a, &order).await;
        app.index().await;
        let none = json!({"average": null, "count": 0});
        assert_eq!(
            hit_rating(&app, &m.stall_a, &m.sauce).await,
            (none.clone(), false)
        );

        let res = app
            .post(
                &format!("/api/v1/products/{}/reviews", m.sauce),
                Some(&m.buyer),
                json!({"order_id": order, "rating": 5, "text": "Thơm, đậm vị."}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let review = res.json()["id"].as_str().unwrap().to_owned();
        // The review queued both documents; search shows them once the indexer has run.
        assert!(app.outbox_rows(&m.sauce).await >= 1);
        assert!(app.outbox_rows(&m.stall_a).await >= 1);
        assert_eq!(
            hit_rating(&app, &m.stall_a, &m.sauce).await,
            (none.clone(), false)
        );
        app.index().await;
        let five = json!({"average": 5.0, "count": 1});
        assert_eq!(
            hit_rating(&app, &m.stall_a, &m.sauce).await,
            (five.clone(), true)
        );
        assert_eq!(stall_hit_rating(&app, &m.stall_a).await, five);

        // Edited down to 2 stars: out of min_rating=4.
        let res = app
            .patch(
                &format!("/api/v1/reviews/{review}"),
                Some(&m.buyer),
                json!({"rating": 2}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        app.index().await;
        let two = json!({"average": 2.0, "count": 1});
        assert_eq!(
            hit_rating(&app, &m.stall_a, &m.sauce).await,
            (two.clone(), false)
        );
        assert_eq!(stall_hit_rating(&app, &m.stall_a).await, two);

        // Hidden by an administrator: no longer counted.
        let res = app
            .post(
                &format!("/api/v1/admin/reviews/{review}/hide"),
                Some(&m.admin),
                json!({"reason": "Ngôn từ xúc phạm"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        app.index().await;
        assert_eq!(
            hit_rating(&app, &m.stall_a, &m.sauce).await,
            (none.clone(), false)
        );
        assert_eq!(stall_hit_rating(&app, &m.stall_a).await, none);
    }
);
