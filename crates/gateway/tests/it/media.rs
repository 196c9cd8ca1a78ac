//! Photos over HTTP: a phone photo uploaded as multipart comes back upright and without its
//! metadata at `/media/...` and `/api/v1/media/...`, cached for a year; the type is the
//! content's, not the name's; refused uploads (text, truncated, a pixel bomb, a body over the
//! limit, read only as far as the limit) store nothing; who may upload; a CDN's base URL.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use futures_util::StreamExt;
use media::samples;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

use crate::support::*;

use testkit::multipart::BOUNDARY;

/// A multipart body with the file under `filename` (declared `content_type`) and the stall.
fn multipart(file: &[u8], filename: &str, content_type: &str, stall_id: &str) -> Vec<u8> {
    testkit::multipart::form(&[("stall_id", stall_id)], file, filename, content_type)
}

fn upload_request(token: Option<&str>, body: Body) -> Request<Body> {
    let mut req = Request::post("/api/v1/media")
        .header(header::CONTENT_TYPE, testkit::multipart::content_type());
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    req.body(body).unwrap()
}

struct Photos {
    app: TestApp,
    root: std::path::PathBuf,
    owner: String,
    stall: String,
}

impl Drop for Photos {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn photos(db: TestDb, extra: &str) -> Photos {
    let root = std::env::temp_dir().join(format!("marketplace-data-{}", uuid::Uuid::now_v7()));
    let app = TestApp::with_config(
        db,
        &format!("[data]\ndir = \"{}\"\n{extra}", root.display()),
    );
    let owner = app.signed_in("htx@example.vn").await;
    let stall = app.stall(&owner, "Nước mắm Cửa Tùng").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Photos {
        app,
        root,
        owner,
        stall,
    }
}

impl Photos {
    async fn upload(&self, token: Option<&str>, file: &[u8], filename: &str) -> TestResponse {
        let body = multipart(file, filename, "image/jpeg", &self.stall);
        self.app.send(upload_request(token, Body::from(body))).await
    }

    async fn get(&self, path: &str, accept: Option<&str>) -> TestResponse {
        let mut req = Request::get(path);
        if let Some(accept) = accept {
            req = req.header(header::ACCEPT, accept);
        }
        self.app.send(req.body(Body::empty()).unwrap()).await
    }

    async fn rows(&self) -> u64 {
        media::entity::Entity::find()
            .count(&self.app.db.conn)
            .await
            .unwrap()
    }

    fn stored(&self) -> usize {
        fn walk(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        }
        walk(&self.root.join("media"))
    }
}

db_test!(
    a_phone_photo_is_served_upright_without_its_metadata,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let res = p
            .upload(
                Some(&p.owner),
                &samples::phone_jpeg(1200, 900, 6),
                "IMG_0001.JPG",
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let photo = res.json();
        assert_eq!(
            (photo["width"].as_i64(), photo["height"].as_i64()),
            (Some(900), Some(1200))
        );
        let id = photo["id"].as_str().unwrap();
        assert_eq!(photo["urls"]["thumb"], format!("/media/{id}/thumb"));
        assert_eq!(
            photo["jpeg_urls"]["medium"],
            format!("/media/{id}/medium?format=jpeg")
        );

        for size in ["thumb", "medium", "large"] {
            for (path, accept, mime) in [
                (format!("/media/{id}/{size}"), None, "image/webp"),
                (
                    format!("/api/v1/media/{id}/{size}"),
                    Some("image/avif,image/webp,*/*"),
                    "image/webp",
                ),
                (
                    format!("/media/{id}/{size}"),
                    Some("image/jpeg"),
                    "image/jpeg",
                ),
                (
                    format!("/media/{id}/{size}?format=jpeg"),
                    None,
                    "image/jpeg",
                ),
            ] {
                let res = p.get(&path, accept).await;
                assert_eq!(res.status, StatusCode::OK, "{path}");
                assert_eq!(res.header("content-type"), Some(mime), "{path} {accept:?}");
                assert_eq!(
                    res.header("cache-control"),
                    Some("public, max-age=31536000, immutable"),
                    "{path}"
                );
                assert_eq!(
                    samples::metadata_in(&res.body),
                    Vec::<&str>::new(),
                    "{path} {mime}"
                );
                let (width, height) = samples::decoded_size(&res.body).unwrap();
                assert!(height > width, "{path}: upright");
            }
        }
        for missing in [
            format!("/media/{id}/huge"),
            "/media/not-an-id/thumb".to_owned(),
            format!("/media/{}/thumb", uuid::Uuid::now_v7()),
        ] {
            p.get(&missing, None).await.problem(404, "not_found");
        }
        assert_eq!(p.stored(), 6);

        // The same photo again: the photo the stall holds (200), nothing more stored.
        let res = p
            .upload(
                Some(&p.owner),
                &samples::phone_jpeg(1200, 900, 6),
                "copy.jpg",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(res.json()["id"], photo["id"]);
        assert_eq!((p.rows().await, p.stored()), (1, 6));
    }
);

db_test!(
    the_content_decides_the_type_not_the_name,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let res = p
            .upload(Some(&p.owner), &samples::png(640, 480, 2, false), "anh.jpg")
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let id: uuid::Uuid = res.json()["id"].as_str().unwrap().parse().unwrap();
        let row = p.app.state.media.find(&p.app.db.conn, id).await.unwrap();
        assert_eq!(row.source_mime, "image/png");
    }
);

db_test!(refused_uploads_store_nothing, |db: TestDb| async move {
    let p = photos(db, "[media]\nmax_bytes = 65536").await;
    let text = p
        .upload(Some(&p.owner), b"Nuoc mam Cua Tung 500 ml", "nuoc-mam.jpg")
        .await;
    let problem = text.problem(415, "unsupported_media_type");
    assert_eq!(
        problem["details"]["accepted"],
        "image/jpeg, image/png, image/webp"
    );
    // In Vietnamese for a client that asks.
    let mut req = upload_request(
        Some(&p.owner),
        Body::from(multipart(b"Xin chao", "a.jpg", "image/jpeg", &p.stall)),
    );
    req.headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "vi".parse().unwrap());
    let vi = p.app.send(req).await.problem(415, "unsupported_media_type");
    assert!(
        vi["detail"].as_str().unwrap().contains("không phải ảnh"),
        "{vi}"
    );

    let whole = samples::jpeg(300, 200, 3);
    let cut = p
        .upload(Some(&p.owner), &whole[..whole.len() / 2], "cut.jpg")
        .await;
    cut.problem(422, "image_unreadable");

    let bomb = p
        .upload(
            Some(&p.owner),
            &samples::png_header(20_000, 20_000),
            "bom.png",
        )
        .await;
    let problem = bomb.problem(413, "image_too_large");
    assert_eq!(problem["details"]["width"], "20000");

    let big = p
        .upload(Some(&p.owner), &vec![0xFF; 65_537], "big.jpg")
        .await;
    big.problem(413, "file_too_large");

    assert_eq!((p.rows().await, p.stored()), (0, 0));
});

db_test!(
    a_body_over_the_limit_is_refused_before_it_is_read,
    |db: TestDb| async move {
        let p = photos(db, "[media]\nmax_bytes = 65536").await;
        let pulled = Arc::new(AtomicUsize::new(0));
        // The stall, the file's part, then 4 MiB in 16 KiB chunks, never all read.
        let head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"stall_id\"\r\n\r\n{}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n",
            p.stall
        );
        let mut chunks = vec![head.into_bytes()];
        chunks.extend((0..256).map(|_| vec![0xFF; 16 * 1024]));
        let counter = pulled.clone();
        let stream = futures_util::stream::iter(chunks).map(move |c| {
            counter.fetch_add(c.len(), Ordering::SeqCst);
            Ok::<_, std::io::Error>(c)
        });
        let res = p
            .app
            .send(upload_request(Some(&p.owner), Body::from_stream(stream)))
            .await;
        res.problem(413, "file_too_large");
        let read = pulled.load(Ordering::SeqCst);
        assert!(read < 512 * 1024, "{read} bytes were read of 4 MiB");
        assert_eq!((p.rows().await, p.stored()), (0, 0));
    }
);

db_test!(
    only_the_stalls_members_and_administrators_upload,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let app = &p.app;
        let admin = app.admin("quantri@tinh.vn").await;
        let buyer = app.signed_in("khach@example.vn").await;
        let staff = app.signed_in("nhanvien@example.vn").await;
        let other = app.signed_in("chu-khac@example.vn").await;
        app.stall(&other, "Tiêu Vĩnh Linh").await;
        // `p.stall` is approved, `closed` pending; `staff` works in both.
        app.approve(&admin, &p.stall).await;
        let closed = app.stall(&p.owner, "Cà phê Khe Sanh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for stall in [&p.stall, &closed] {
            let res = app
                .post(
                    &format!("/api/v1/stalls/{stall}/members"),
                    Some(&p.owner),
                    serde_json::json!({"email": "nhanvien@example.vn", "role": "staff"}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        }
        let roles = [
            ("anonymous", None),
            ("buyer", Some(&buyer)),
            ("staff", Some(&staff)),
            ("owner", Some(&p.owner)),
            ("other owner", Some(&other)),
            ("admin", Some(&admin)),
        ];
        let mut seed = 10;
        let mut failures = Vec::new();
        for (stall, expected) in [
            (&p.stall, [401, 403, 201, 201, 403, 201]),
            (&closed, [401, 404, 201, 201, 404, 201]),
        ] {
            for ((role, token), want) in roles.iter().zip(expected) {
                seed += 1;
                let body = multipart(&samples::jpeg(64, 48, seed), "a.jpg", "image/jpeg", stall);
                let res = app
                    .send(upload_request(token.map(String::as_str), Body::from(body)))
                    .await;
                if res.status.as_u16() != want {
                    failures.push(format!("{role} on {stall}: {} {}", res.status, res.text()));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
        assert_eq!(p.rows().await, 6);
        // A form without the stall, or with a field of its own.
        let body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nx\r\n--{BOUNDARY}--\r\n"
        );
        let res = p
            .app
            .send(upload_request(Some(&p.owner), Body::from(body)))
            .await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "caption");
        // Not multipart at all.
        let res = p
            .app
            .post(
                "/api/v1/media",
                Some(&p.owner),
                serde_json::json!({"file": "x"}),
            )
            .await;
        res.problem(415, "unsupported_media_type");
    }
);

db_test!(
    with_a_public_url_answers_and_reads_go_there,
    |db: TestDb| async move {
        let p = photos(db, "[media]\npublic_url = \"https://anh.cho-tinh.vn/m/\"").await;
        let res = p
            .upload(Some(&p.owner), &samples::jpeg(400, 300, 5), "a.jpg")
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let photo: Value = res.json();
        let thumb = photo["urls"]["thumb"].as_str().unwrap();
        assert!(thumb.starts_with("https://anh.cho-tinh.vn/m/"), "{thumb}");
        assert!(thumb.ends_with("/thumb.webp"), "{thumb}");
        let id = photo["id"].as_str().unwrap();
        let res = p.get(&format!("/media/{id}/thumb"), None).await;
        assert_eq!(res.status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(res.header("location"), Some(thumb));
        let jpeg = photo["jpeg_urls"]["large"].as_str().unwrap();
        assert!(jpeg.ends_with("/large.jpeg"), "{jpeg}");
        // The objects are in the store under the keys the URLs name.
        let key = thumb.trim_start_matches("https://anh.cho-tinh.vn/m/");
        assert!(p.root.join("media").join(key).is_file(), "{key}");
    }
);

db_test!(
    products_name_the_stalls_photos_by_id,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let app = &p.app;
        let upload = |seed: u8| {
            let p = &p;
            async move {
                let res = p
                    .upload(Some(&p.owner), &samples::jpeg(640, 480, seed), "a.jpg")
                    .await;
                assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
                res.json()["id"].as_str().unwrap().to_owned()
            }
        };
        let cover = upload(21).await;
        let unused = upload(22).await;
        // A photo of another stall of another owner.
        let other = app.signed_in("chu-khac@example.vn").await;
        let theirs_stall = app.stall(&other, "Tiêu Vĩnh Linh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = multipart(
            &samples::jpeg(640, 480, 23),
            "b.jpg",
            "image/jpeg",
            &theirs_stall,
        );
        let theirs = app
            .send(upload_request(Some(&other), Body::from(body)))
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let category = app.category("gia-vi-nuoc-cham").await;
        let mut body = app.product_body(&category, "Nước mắm 40 độ đạm", 120_000);
        body["images"] = serde_json::json!([cover, "https://anh.example.com/a.jpg"]);
        let product = app.product(&p.owner, &p.stall, body.clone()).await;
        assert_eq!(product["images"][0], format!("/media/{cover}/large"));
        assert_eq!(product["images"][1], "https://anh.example.com/a.jpg");
        assert_eq!(product["image"], format!("/media/{cover}/large"));
        // Another stall's photo, or an id of nothing, is named.
        let nothing = uuid::Uuid::now_v7().to_string();
        body["images"] = serde_json::json!(["https://anh.example.com/a.jpg", theirs, nothing]);
        let res = app
            .post(
                &format!("/api/v1/stalls/{}/products", p.stall),
                Some(&p.owner),
                body,
            )
            .await;
        let problem = res.problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["images[1]", "images[2]"], "{problem}");
        // A product's photos change by id too.
        let id = product["id"].as_str().unwrap();
        let res = app
            .patch(
                &format!("/api/v1/products/{id}"),
                Some(&p.owner),
                serde_json::json!({"version": product["version"], "images": [theirs]}),
            )
            .await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "images[0]");

        // Past the grace period the photo no product names goes; the cover stays.
        let old = chrono::Utc::now() - chrono::Duration::hours(25);
        for m in [&cover, &unused] {
            let row = media::entity::ActiveModel {
                id: sea_orm::Set(m.parse().unwrap()),
                created_at: sea_orm::Set(old),
                ..Default::default()
            };
            media::entity::Entity::update(row)
                .exec(&app.db.conn)
                .await
                .unwrap();
        }
        assert_eq!(app.state.media.collect(&app.db.conn).await.unwrap(), 1);
        p.get(&format!("/media/{unused}/thumb"), None)
            .await
            .problem(404, "not_found");
        let res = p.get(&format!("/media/{cover}/large"), None).await;
        assert_eq!(res.status, StatusCode::OK);
    }
);

db_test!(
    a_business_document_names_the_stalls_photos_only,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let res = p
            .upload(Some(&p.owner), &samples::jpeg(640, 480, 31), "giay.jpg")
            .await;
        let photo = res.json()["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/stalls/{}/documents", p.stall);
        let mut body = document_body("food_safety");
        body["media_ids"] = serde_json::json!([photo, uuid::Uuid::now_v7()]);
        let res = p.app.post(&path, Some(&p.owner), body.clone()).await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "media_ids[1]", "{problem}");
        assert_eq!(problem["errors"].as_array().unwrap().len(), 1);
        body["media_ids"] = serde_json::json!([photo]);
        let res = p.app.post(&path, Some(&p.owner), body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    }
);

impl Photos {
    /// Uploads a generated JPEG to `stall` as `token`; the photo's id.
    async fn upload_to(&self, token: &str, stall: &str, seed: u8) -> String {
        let body = multipart(&samples::jpeg(640, 480, seed), "a.jpg", "image/jpeg", stall);
        let res = self
            .app
            .send(upload_request(Some(token), Body::from(body)))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        res.json()["id"].as_str().unwrap().to_owned()
    }

    /// Makes `ids` older than the collection's grace period.
    async fn age(&self, ids: &[&str]) {
        let old = chrono::Utc::now() - chrono::Duration::hours(25);
        for id in ids {
            let row = media::entity::ActiveModel {
                id: sea_orm::Set(id.parse().unwrap()),
                created_at: sea_orm::Set(old),
                ..Default::default()
            };
            media::entity::Entity::update(row)
                .exec(&self.app.db.conn)
                .await
                .unwrap();
        }
    }
}

/// The fields a refusal names.
fn refused_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap()
            )
        })
        .collect()
}

db_test!(
    a_stalls_logo_and_banner_are_its_photos,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let app = &p.app;
        let admin = app.admin("quantri@tinh.vn").await;
        app.approve(&admin, &p.stall).await;
        let staff = app.signed_in("nhanvien@example.vn").await;
        let res = app
            .post(
                &format!("/api/v1/stalls/{}/members", p.stall),
                Some(&p.owner),
                serde_json::json!({"email": "nhanvien@example.vn", "role": "staff"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let logo = p.upload_to(&staff, &p.stall, 41).await;
        let banner = p.upload_to(&p.owner, &p.stall, 42).await;
        let path = format!("/api/v1/stalls/{}", p.stall);
        let before = app.get(&path, None).await.json();
        assert_eq!(
            (&before["logo"], &before["banner"]),
            (&Value::Null, &Value::Null)
        );

        // A member sets them by id; the answer shows their renditions' URLs.
        let res = app
            .patch(
                &path,
                Some(&staff),
                serde_json::json!({"logo": logo, "banner": banner}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let (logo_url, banner_url) = (
            format!("/media/{logo}/medium"),
            format!("/media/{banner}/large"),
        );
        let stall = res.json();
        assert_eq!(stall["logo"], logo_url.as_str());
        assert_eq!(stall["banner"], banner_url.as_str());
        // The public page, by id and by slug, and the list of stalls show them too.
        let slug = stall["slug"].as_str().unwrap();
        for page in [
            app.get(&path, None).await.json(),
            app.get(&format!("/api/v1/stalls/{slug}"), None)
                .await
                .json(),
        ] {
            assert_eq!(page["logo"], logo_url.as_str(), "{page}");
            assert_eq!(page["banner"], banner_url.as_str(), "{page}");
        }
        let list = app.get("/api/v1/stalls", None).await.json();
        let listed = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == p.stall.as_str())
            .expect("the approved stall is listed");
        assert_eq!(listed["logo"], logo_url.as_str());
        // Each URL serves an image.
        for url in [&logo_url, &banner_url] {
            let res = p.get(url, None).await;
            assert_eq!(res.status, StatusCode::OK, "{url}");
            assert_eq!(res.header("content-type"), Some("image/webp"), "{url}");
            assert!(samples::decoded_size(&res.body).is_some(), "{url}");
        }

        // Another stall's photo, an id of nothing, or no URL is refused, naming the field,
        // and changes nothing.
        let other = app.signed_in("chu-khac@example.vn").await;
        let theirs_stall = app.stall(&other, "Tiêu Vĩnh Linh").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let theirs = p.upload_to(&other, &theirs_stall, 43).await;
        for (body, want) in [
            (serde_json::json!({"logo": theirs}), vec!["logo:invalid"]),
            (
                serde_json::json!({"banner": theirs}),
                vec!["banner:invalid"],
            ),
            (
                serde_json::json!({"logo": uuid::Uuid::now_v7(), "banner": "ftp://anh.example.vn/a.jpg"}),
                vec!["logo:invalid", "banner:invalid_url"],
            ),
        ] {
            let res = app.patch(&path, Some(&p.owner), body.clone()).await;
            let problem = res.problem(422, "validation_failed");
            assert_eq!(refused_fields(&problem), want, "{body}");
        }
        // In Vietnamese for a client that asks.
        let req = Request::patch(&path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {}", p.owner))
            .header(header::ACCEPT_LANGUAGE, "vi");
        let body = serde_json::json!({"logo": theirs}).to_string();
        let vi = app.send(req.body(Body::from(body)).unwrap()).await;
        let problem = vi.problem(422, "validation_failed");
        assert_eq!(
            problem["errors"][0]["message"],
            "không phải ảnh đã tải lên cho gian hàng này"
        );
        let now = app.get(&path, None).await.json();
        assert_eq!(now["logo"], logo_url.as_str());
        assert_eq!(now["banner"], banner_url.as_str());

        // A URL stays a URL; `null` removes one and leaves the other.
        let res = app
            .patch(
                &path,
                Some(&p.owner),
                serde_json::json!({"banner": "https://anh.example.vn/cua-tung.jpg"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(res.json()["banner"], "https://anh.example.vn/cua-tung.jpg");
        let res = app
            .patch(&path, Some(&p.owner), serde_json::json!({"logo": null}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let stall = res.json();
        assert_eq!(stall["logo"], Value::Null);
        assert_eq!(stall["banner"], "https://anh.example.vn/cua-tung.jpg");
        assert_eq!(app.get(&path, None).await.json()["logo"], Value::Null);

        // A new stall holds no photo: it may start with URLs only.
        let mut body = serde_json::json!({
            "name": "Cà phê Khe Sanh",
            "commune_code": "19414",
            "address": "Thôn Tân Lý, xã Cửa Tùng",
            "phone": "0233 3823 456",
            "business_type": "cooperative",
            "logo": logo,
            "banner": "https://anh.example.vn/khe-sanh.jpg",
        });
        let res = app
            .post("/api/v1/stalls", Some(&p.owner), body.clone())
            .await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(refused_fields(&problem), ["logo:invalid"]);
        body["logo"] = "https://anh.example.vn/khe-sanh-logo.png".into();
        let res = app.post("/api/v1/stalls", Some(&p.owner), body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let created = res.json();
        assert_eq!(created["logo"], "https://anh.example.vn/khe-sanh-logo.png");
        assert_eq!(created["banner"], "https://anh.example.vn/khe-sanh.jpg");
    }
);

db_test!(
    a_photo_used_only_by_a_stall_is_not_collected,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let app = &p.app;
        let logo = p.upload_to(&p.owner, &p.stall, 51).await;
        let banner = p.upload_to(&p.owner, &p.stall, 52).await;
        let unused = p.upload_to(&p.owner, &p.stall, 53).await;
        let path = format!("/api/v1/stalls/{}", p.stall);
        let res = app
            .patch(
                &path,
                Some(&p.owner),
                serde_json::json!({"logo": logo, "banner": banner}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        p.age(&[&logo, &banner, &unused]).await;
        assert_eq!(app.state.media.collect(&app.db.conn).await.unwrap(), 1);
        p.get(&format!("/media/{unused}/thumb"), None)
            .await
            .problem(404, "not_found");
        // Once the banner is removed, its photo goes too; the logo stays.
        let res = app
            .patch(&path, Some(&p.owner), serde_json::json!({"banner": null}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(app.state.media.collect(&app.db.conn).await.unwrap(), 1);
        p.get(&format!("/media/{banner}/large"), None)
            .await
            .problem(404, "not_found");
        let res = p.get(&format!("/media/{logo}/medium"), None).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(p.rows().await, 1);
    }
);

db_test!(
    a_stalls_logo_goes_to_the_public_url,
    |db: TestDb| async move {
        let p = photos(db, "[media]\npublic_url = \"https://anh.cho-tinh.vn/m/\"").await;
        let logo = p.upload_to(&p.owner, &p.stall, 61).await;
        let res = p
            .app
            .patch(
                &format!("/api/v1/stalls/{}", p.stall),
                Some(&p.owner),
                serde_json::json!({"logo": logo, "banner": logo}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let stall = res.json();
        for (field, size) in [("logo", "medium"), ("banner", "large")] {
            let url = stall[field].as_str().unwrap();
            assert_eq!(url, format!("/media/{logo}/{size}"));
            let res = p.get(url, None).await;
            assert_eq!(res.status, StatusCode::PERMANENT_REDIRECT, "{url}");
            let location = res.header("location").unwrap();
            assert!(
                location.starts_with("https://anh.cho-tinh.vn/m/")
                    && location.ends_with(&format!("/{size}.webp")),
                "{location}"
            );
        }
    }
);

db_test!(
    a_sellers_identity_shows_the_stalls_own_photos_of_its_documents,
    |db: TestDb| async move {
        let p = photos(db, "").await;
        let app = &p.app;
        let front = p.upload_to(&p.owner, &p.stall, 51).await;
        let other_owner = app.signed_in("khac@example.vn").await;
        let other_stall = app.stall(&other_owner, "Mật ong Hướng Hóa").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let elsewhere = p.upload_to(&other_owner, &other_stall, 52).await;
        let path = format!("/api/v1/stalls/{}/identity", p.stall);
        let with = |ids: Vec<&str>| {
            let mut body = identity_body();
            body["document_media_ids"] = serde_json::json!(ids);
            body
        };
        // Another stall's photo, or an id of no photo, is named; nothing is submitted.
        for bad in [elsewhere.clone(), uuid::Uuid::now_v7().to_string()] {
            let problem = app
                .post(&path, Some(&p.owner), with(vec![&front, &bad]))
                .await
                .problem(422, "validation_failed");
            assert_eq!(
                problem["errors"][0]["field"], "document_media_ids[1]",
                "{problem}"
            );
        }
        app.get(&path, Some(&p.owner))
            .await
            .problem(404, "not_found");
        let res = app.post(&path, Some(&p.owner), with(vec![&front])).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        assert_eq!(res.json()["document_media_ids"], serde_json::json!([front]));
    }
);
