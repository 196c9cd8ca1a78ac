//! Uploads against real SQLite and PostgreSQL databases and a store on disk: what a phone
//! photo becomes (upright, no metadata left in any rendition), the uploads refused with
//! nothing stored, the same photo stored once, the stall's quotas, and the collection of
//! photos nothing refers to.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

#[path = "../src/samples.rs"]
#[allow(dead_code, reason = "each test binary uses some of the samples")]
mod samples;

use std::{path::PathBuf, sync::Arc};

use accounts::{Accounts, NewUser};
use catalog::{
    Catalog, Regions,
    stall::{BusinessType, NewStall},
};
use media::{
    Encoding, Media, MediaError, MediaSettings, Size, entity, rendition, store::files::FileStore,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, Statement,
};
use testkit::{TestDb, db_test};
use uuid::Uuid;

struct World {
    media: Media,
    root: PathBuf,
    owner: Uuid,
    stall: Uuid,
    other_stall: Uuid,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn world(db: &DatabaseConnection, settings: MediaSettings) -> World {
    let accounts = Accounts::new(chrono::Duration::hours(1));
    let owner = accounts
        .create(
            db,
            NewUser {
                email: "htx@example.vn".into(),
                password: "tieu-phu-quoc-2025".into(),
                full_name: "Trần Văn Minh".into(),
                phone: None,
            },
            false,
        )
        .await
        .unwrap();
    let catalog = Catalog::new(Regions::builtin());
    let mut stalls = Vec::new();
    for name in ["Nước mắm Cửa Tùng", "Tiêu Cồn Cỏ"] {
        let s = catalog
            .apply(
                db,
                &owner.actor(),
                NewStall {
                    name: name.into(),
                    description: String::new(),
                    commune_code: catalog.regions().all()[0].code.clone(),
                    address: "Thôn Tân Mỹ, xã Cửa Tùng".into(),
                    phone: "0233 3852 123".into(),
                    business_type: BusinessType::Cooperative,
                    registration_no: None,
                    logo: None,
                    banner: None,
                },
            )
            .await
            .unwrap();
        stalls.push(s.id);
    }
    let root = std::env::temp_dir().join(format!("marketplace-media-{}", Uuid::now_v7()));
    World {
        media: Media::new(Arc::new(FileStore::new(&root)), settings),
        root,
        owner: owner.id,
        stall: stalls[0],
        other_stall: stalls[1],
    }
}

impl World {
    async fn upload(
        &self,
        db: &DatabaseConnection,
        bytes: Vec<u8>,
    ) -> Result<media::Uploaded, MediaError> {
        self.media.upload(db, self.owner, self.stall, bytes).await
    }

    /// The files in the store.
    fn stored(&self) -> Vec<PathBuf> {
        fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    walk(&e.path(), out);
                } else {
                    out.push(e.path());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

async fn rows(db: &DatabaseConnection) -> u64 {
    entity::Entity::find().count(db).await.unwrap()
}

db_test!(
    a_phone_photo_is_upright_and_no_rendition_keeps_its_metadata,
    |t: TestDb| async move {
        let db = &t.conn;
        let w = world(db, MediaSettings::default()).await;
        let photo = samples::phone_jpeg(2400, 1800, 6);
        assert!(
            !samples::metadata_in(&photo).is_empty(),
            "the sample carries EXIF and XMP"
        );

        let up = w.upload(db, photo).await.unwrap();
        assert!(!up.existing);
        // Orientation 6: the camera was held upright, the sensor's picture is turned.
        assert_eq!((up.media.width, up.media.height), (1800, 2400));
        let row = w.media.find(db, up.media.id).await.unwrap();
        assert_eq!(row.source_mime, "image/jpeg");
        for size in Size::ALL {
            for encoding in Encoding::ALL {
                let bytes = w
                    .media
                    .rendition(db, up.media.id, size, encoding)
                    .await
                    .unwrap();
                assert_eq!(
                    samples::metadata_in(&bytes),
                    Vec::<&str>::new(),
                    "{size:?} {encoding:?}"
                );
                let decoded = image::load_from_memory(&bytes).unwrap();
                let (width, height) = rendition::fit(1800, 2400, size);
                assert_eq!(decoded.width(), width, "{size:?} {encoding:?}");
                assert_eq!(
                    decoded.height(),
                    height,
                    "{size:?} {encoding:?} stays upright"
                );
                assert!(height > width);
                let expected = match encoding {
                    Encoding::Webp => image::ImageFormat::WebP,
                    Encoding::Jpeg => image::ImageFormat::Jpeg,
                };
                assert_eq!(image::guess_format(&bytes).unwrap(), expected);
            }
        }
        assert_eq!(w.stored().len(), 6, "three sizes in two encodings");
        assert_eq!(up.media.urls.thumb, format!("/media/{}/thumb", up.media.id));
        assert_eq!(
            up.media.jpeg_urls.large,
            format!("/media/{}/large?format=jpeg", up.media.id)
        );
    }
);

db_test!(
    a_small_picture_is_never_enlarged_and_a_png_keeps_what_it_is,
    |t: TestDb| async move {
        let db = &t.conn;
        let w = world(db, MediaSettings::default()).await;
        // A PNG, whatever name it was sent under, is a PNG.
        let up = w.upload(db, samples::png(300, 150, 1, true)).await.unwrap();
        let row = w.media.find(db, up.media.id).await.unwrap();
        assert_eq!(row.source_mime, "image/png");
        let large = w
            .media
            .rendition(db, up.media.id, Size::Large, Encoding::Webp)
            .await
            .unwrap();
        let large = image::load_from_memory(&large).unwrap();
        assert_eq!((large.width(), large.height()), (300, 150));
        assert!(large.color().has_alpha(), "WebP keeps transparency");
        let thumb = w
            .media
            .rendition(db, up.media.id, Size::Thumb, Encoding::Jpeg)
            .await
            .unwrap();
        let thumb = image::load_from_memory(&thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (200, 100));
    }
);

db_test!(
    refused_uploads_leave_nothing_stored,
    |t: TestDb| async move {
        let db = &t.conn;
        let settings = MediaSettings {
            max_bytes: 200_000,
            ..MediaSettings::default()
        };
        let w = world(db, settings).await;
        // Text named .jpg.
        let e = w
            .upload(db, b"Nuoc mam Cua Tung, chai 500 ml".to_vec())
            .await
            .unwrap_err();
        assert!(matches!(e, MediaError::Unsupported), "{e:?}");
        assert_eq!(e.code(), "unsupported_media_type");
        // A JPEG cut short.
        let whole = samples::jpeg(800, 600, 3);
        let e = w
            .upload(db, whole[..whole.len() * 3 / 5].to_vec())
            .await
            .unwrap_err();
        assert!(matches!(e, MediaError::Unreadable(_)), "{e:?}");
        assert_eq!(common::Error::from(e).kind, common::ErrorKind::Invalid);
        // A header claiming 20000 × 20000 pixels: refused before a pixel is allocated.
        let bomb = samples::png_header(20_000, 20_000);
        assert!(bomb.len() < 100);
        let e = w.upload(db, bomb).await.unwrap_err();
        assert!(
            matches!(
                e,
                MediaError::TooManyPixels {
                    width: 20_000,
                    height: 20_000,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(common::Error::from(e).kind, common::ErrorKind::TooLarge);
        // More bytes than the limit.
        let e = w.upload(db, vec![0xFF; 200_001]).await.unwrap_err();
        assert!(
            matches!(e, MediaError::FileTooLarge { max_bytes: 200_000 }),
            "{e:?}"
        );
        assert_eq!(rows(db).await, 0);
        assert!(w.stored().is_empty(), "{:?}", w.stored());
    }
);

db_test!(
    the_same_photo_twice_is_stored_once,
    |t: TestDb| async move {
        let db = &t.conn;
        let w = world(db, MediaSettings::default()).await;
        let first = w
            .upload(db, samples::phone_jpeg(1000, 800, 1))
            .await
            .unwrap();
        // The same pixels without the metadata: one photo.
        let again = w.upload(db, samples::jpeg(1000, 800, 7)).await.unwrap();
        assert!(again.existing);
        assert_eq!(again.media.id, first.media.id);
        assert_eq!(rows(db).await, 1);
        assert_eq!(w.stored().len(), 6);
        // Another stall's upload of it is its own photo, on the same objects.
        let theirs = w
            .media
            .upload(db, w.owner, w.other_stall, samples::jpeg(1000, 800, 7))
            .await
            .unwrap();
        assert!(!theirs.existing);
        assert_ne!(theirs.media.id, first.media.id);
        assert_eq!(rows(db).await, 2);
        assert_eq!(w.stored().len(), 6, "one set of objects for one content");
        // Another photo is other objects.
        w.upload(db, samples::jpeg(1000, 800, 9)).await.unwrap();
        assert_eq!(w.stored().len(), 12);
    }
);

db_test!(
    a_stall_holds_photos_up_to_its_quotas,
    |t: TestDb| async move {
        let db = &t.conn;
        let settings = MediaSettings {
            stall_max_count: 2,
            ..MediaSettings::default()
        };
        let w = world(db, settings).await;
        w.upload(db, samples::jpeg(300, 200, 1)).await.unwrap();
        w.upload(db, samples::jpeg(300, 200, 2)).await.unwrap();
        let e = w.upload(db, samples::jpeg(300, 200, 3)).await.unwrap_err();
        assert!(
            matches!(
                e,
                MediaError::QuotaExceeded {
                    what: "photos",
                    held: 2,
                    max: 2
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.code(), "media_quota_exceeded");
        // A photo it holds is still answered: nothing new is stored.
        assert!(
            w.upload(db, samples::jpeg(300, 200, 2))
                .await
                .unwrap()
                .existing
        );
        // Other stalls have their own quota.
        w.media
            .upload(db, w.owner, w.other_stall, samples::jpeg(300, 200, 3))
            .await
            .unwrap();
        assert_eq!(rows(db).await, 3);

        // Bytes: the renditions of one photo fit, of a second do not.
        let t2 = TestDb::new(t.backend).await;
        let db = &t2.conn;
        let probe = world(db, MediaSettings::default()).await;
        let one = probe.upload(db, samples::jpeg(900, 600, 4)).await.unwrap();
        let size = probe.media.find(db, one.media.id).await.unwrap().bytes;
        let w = World {
            media: Media::new(
                Arc::new(FileStore::new(&probe.root)),
                MediaSettings {
                    stall_max_bytes: u64::try_from(size).unwrap() + 1000,
                    ..MediaSettings::default()
                },
            ),
            root: probe.root.clone(),
            owner: probe.owner,
            stall: probe.stall,
            other_stall: probe.other_stall,
        };
        let e = w.upload(db, samples::jpeg(900, 600, 5)).await.unwrap_err();
        assert!(
            matches!(e, MediaError::QuotaExceeded { what: "bytes", .. }),
            "{e:?}"
        );
        assert_eq!(rows(db).await, 1);
        assert_eq!(w.stored().len(), 6);
    }
);

/// Runs `sql` with `?` placeholders on either engine.
async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        let mut n = 0;
        sql.chars()
            .map(|c| {
                if c == '?' {
                    n += 1;
                    format!("${n}")
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        sql.to_owned()
    };
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap();
}

db_test!(
    photos_nothing_refers_to_are_collected_after_the_grace_period,
    |t: TestDb| async move {
        let db = &t.conn;
        let w = world(db, MediaSettings::default()).await;
        let used = w
            .upload(db, samples::jpeg(400, 300, 1))
            .await
            .unwrap()
            .media
            .id;
        let unused = w
            .upload(db, samples::jpeg(400, 300, 2))
            .await
            .unwrap()
            .media
            .id;
        let young = w
            .upload(db, samples::jpeg(400, 300, 3))
            .await
            .unwrap()
            .media
            .id;
        // The unused photo's pixels are another stall's photo too, unused as well.
        let shared = w
            .media
            .upload(db, w.owner, w.other_stall, samples::jpeg(400, 300, 2))
            .await
            .unwrap()
            .media
            .id;
        let old = chrono::Utc::now() - chrono::Duration::hours(25);
        for id in [used, unused, shared] {
            exec(
                db,
                "UPDATE media SET created_at = ? WHERE id = ?",
                vec![old.into(), id.into()],
            )
            .await;
        }
        // A business document names `used` among its evidence.
        let today = chrono::Utc::now().date_naive();
        exec(
            db,
            "INSERT INTO stall_documents (id, stall_id, kind, number, issued_by, issued_on, \
         evidence_urls, evidence_media_ids, status, submitted_by, created_at, updated_at) \
         VALUES (?, ?, 'food_safety', '123/ATTP', 'Sở Y tế', ?, '[]', ?, 'submitted', ?, ?, ?)",
            vec![
                Uuid::now_v7().into(),
                w.stall.into(),
                today.into(),
                format!("[\"{used}\"]").into(),
                w.owner.into(),
                old.into(),
                old.into(),
            ],
        )
        .await;
        assert_eq!(w.stored().len(), 18);

        let collected = w.media.collect(db).await.unwrap();
        // `unused` and `shared` are old and named by nothing; `young` is within its grace.
        assert_eq!(collected, 2);
        assert!(matches!(
            w.media.find(db, unused).await,
            Err(MediaError::NotFound)
        ));
        assert!(matches!(
            w.media.find(db, shared).await,
            Err(MediaError::NotFound)
        ));
        w.media.find(db, used).await.unwrap();
        w.media.find(db, young).await.unwrap();
        assert_eq!(
            w.stored().len(),
            12,
            "the collected pixels' objects are gone"
        );
        let used_row = w.media.find(db, used).await.unwrap();
        for key in rendition::keys(&used_row.content_hash) {
            assert!(w.root.join(key).exists());
        }
        assert_eq!(
            w.media.collect(db).await.unwrap(),
            0,
            "nothing more to collect"
        );
    }
);

db_test!(
    a_photo_shared_by_two_stalls_keeps_its_objects_while_one_holds_it,
    |t: TestDb| async move {
        let db = &t.conn;
        let w = world(db, MediaSettings::default()).await;
        let mine = w
            .upload(db, samples::jpeg(400, 300, 5))
            .await
            .unwrap()
            .media
            .id;
        let theirs = w
            .media
            .upload(db, w.owner, w.other_stall, samples::jpeg(400, 300, 5))
            .await
            .unwrap()
            .media
            .id;
        let old = chrono::Utc::now() - chrono::Duration::hours(25);
        exec(
            db,
            "UPDATE media SET created_at = ? WHERE id = ?",
            vec![old.into(), mine.into()],
        )
        .await;
        assert_eq!(w.media.collect(db).await.unwrap(), 1);
        assert_eq!(
            w.stored().len(),
            6,
            "the other stall's photo still has its renditions"
        );
        w.media
            .rendition(db, theirs, Size::Medium, Encoding::Webp)
            .await
            .unwrap();
    }
);
