//! The use cases: take an upload, read a rendition, check the photos a product or document
//! names, and the settings they follow.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Statement, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::{
    entity::{self, Column},
    error::{MediaError, Result},
    format::{SNIFF_BYTES, SourceFormat},
    process::{Processed, process},
    rendition::{Encoding, Size, key},
    store::MediaStore,
    workers::Workers,
};

/// Who holds a photo: whose quota it counts in, who may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A stall: its members use it on the stall's products, logo, documents.
    Stall(Uuid),
    /// A user on their own (a buyer's photo for a review): only they use it.
    User(Uuid),
}

impl Holder {
    /// The key of the lock that one upload of the holder at a time takes.
    fn lock_key(self) -> String {
        match self {
            Holder::Stall(id) => format!("media:{id}"),
            Holder::User(id) => format!("media-user:{id}"),
        }
    }

    /// The condition selecting the holder's photos.
    fn filter(self) -> sea_orm::Condition {
        match self {
            Holder::Stall(id) => sea_orm::Condition::all().add(Column::StallId.eq(id)),
            Holder::User(id) => sea_orm::Condition::all()
                .add(Column::StallId.is_null())
                .add(Column::UploadedBy.eq(id)),
        }
    }
}

/// The settings of `[media]`.
#[derive(Clone, Debug)]
pub struct MediaSettings {
    /// The most bytes an upload may have.
    pub max_bytes: u64,
    /// The most pixels an image may have.
    pub max_pixels: u64,
    /// How many uploads are decoded and resized at once (each holds its pixels in memory).
    pub workers: usize,
    /// The most photos a stall may hold.
    pub stall_max_count: u64,
    /// The most bytes a stall's renditions may take.
    pub stall_max_bytes: u64,
    /// How long a photo nothing refers to is kept before it is collected.
    pub collect_after: chrono::Duration,
    /// The base URL renditions are served from (a CDN); `None`: the gateway's `/media/...`.
    pub public_url: Option<String>,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            stall_max_count: 2000,
            stall_max_bytes: 2 * 1024 * 1024 * 1024,
            collect_after: chrono::Duration::hours(24),
            public_url: None,
        }
    }
}

/// The URL of every size in one encoding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SizeUrls {
    /// 200 pixels wide at most.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "/media/01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e6f/thumb")
    )]
    pub thumb: String,
    /// 800 pixels wide at most.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "/media/01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e6f/medium")
    )]
    pub medium: String,
    /// 1600 pixels wide at most.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "/media/01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e6f/large")
    )]
    pub large: String,
}

/// A stored photo, as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaView {
    /// Its id, for a product's `images` or a document's `media_ids`.
    pub id: Uuid,
    /// Its renditions as WebP.
    pub urls: SizeUrls,
    /// The same renditions as JPEG, for clients that do not take WebP.
    pub jpeg_urls: SizeUrls,
    /// The upright picture's width, in pixels.
    #[cfg_attr(feature = "openapi", schema(example = 4000))]
    pub width: i32,
    /// The upright picture's height, in pixels.
    #[cfg_attr(feature = "openapi", schema(example = 3000))]
    pub height: i32,
}

/// The outcome of an upload.
#[derive(Clone, Debug)]
pub struct Uploaded {
    /// The photo.
    pub media: MediaView,
    /// Whether the stall already held these pixels (the answer is that photo, nothing new was
    /// stored).
    pub existing: bool,
}

/// The media service.
#[derive(Clone)]
pub struct Media {
    store: Arc<dyn MediaStore>,
    settings: Arc<MediaSettings>,
    /// The low-priority threads of the pixel work; `None` when they could not be started
    /// (then Tokio's blocking threads do it, at most `workers` at once).
    workers: Option<Arc<Workers>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Media")
            .field("store", &self.store.describe())
            .field("settings", &self.settings)
            .finish()
    }
}

impl Media {
    /// The service over `store`, following `settings`.
    pub fn new(store: Arc<dyn MediaStore>, settings: MediaSettings) -> Self {
        let permits = Arc::new(Semaphore::new(settings.workers.max(1)));
        let workers = match Workers::start(settings.workers) {
            Ok(workers) => Some(Arc::new(workers)),
            Err(e) => {
                tracing::warn!(error = %e, "no photo workers of their own; blocking threads do it");
                None
            }
        };
        Self {
            store,
            settings: Arc::new(settings),
            workers,
            permits,
        }
    }

    /// Its settings.
    pub fn settings(&self) -> &MediaSettings {
        &self.settings
    }

    /// Its store.
    pub fn store(&self) -> &Arc<dyn MediaStore> {
        &self.store
    }

    /// Takes an upload of `stall_id` by `uploader` (the caller has checked that the uploader
    /// may: a member of the stall or an administrator). `bytes` were read within
    /// `max_bytes`. The same pixels uploaded again by the stall are the photo it holds.
    pub async fn upload<C>(
        &self,
        db: &C,
        uploader: Uuid,
        stall_id: Uuid,
        bytes: Vec<u8>,
    ) -> Result<Uploaded>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        self.upload_for(db, uploader, Holder::Stall(stall_id), bytes)
            .await
    }

    /// Takes `uploader`'s own photo (a buyer's, for a review), held by no stall: it counts in
    /// the user's quota (the same limits as a stall's) and only they may use it. The same
    /// pixels uploaded again by the user are the photo they hold.
    pub async fn upload_own<C>(&self, db: &C, uploader: Uuid, bytes: Vec<u8>) -> Result<Uploaded>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        self.upload_for(db, uploader, Holder::User(uploader), bytes)
            .await
    }

    async fn upload_for<C>(
        &self,
        db: &C,
        uploader: Uuid,
        holder: Holder,
        bytes: Vec<u8>,
    ) -> Result<Uploaded>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        if bytes.len() as u64 > self.settings.max_bytes {
            return Err(MediaError::FileTooLarge {
                max_bytes: self.settings.max_bytes,
            });
        }
        let format = SourceFormat::sniff(&bytes[..bytes.len().min(SNIFF_BYTES)])
            .ok_or(MediaError::Unsupported)?;
        let source_bytes = bytes.len() as i64;
        let processed = self.process(bytes, format).await?;
        let row = entity::ActiveModel {
            id: Set(Uuid::now_v7()),
            stall_id: Set(match holder {
                Holder::Stall(id) => Some(id),
                Holder::User(_) => None,
            }),
            uploaded_by: Set(uploader),
            content_hash: Set(processed.hash.clone()),
            source_mime: Set(format.mime().to_owned()),
            width: Set(to_i32(processed.width)),
            height: Set(to_i32(processed.height)),
            source_bytes: Set(source_bytes),
            bytes: Set(processed.stored_bytes() as i64),
            created_at: Set(Utc::now()),
        };
        let Some(row) = self.record(db, holder, row, &processed).await? else {
            let held = self.held(db, holder, &processed.hash).await?;
            return Ok(Uploaded {
                media: self.view(&held),
                existing: true,
            });
        };
        // The row is written first and the objects after, so the collection of another row
        // of the same pixels, which deletes objects only when no row names them, leaves them.
        if let Err(e) = self.put_all(processed).await {
            entity::Entity::delete_by_id(row.id).exec(db).await?;
            return Err(e);
        }
        Ok(Uploaded {
            media: self.view(&row),
            existing: false,
        })
    }

    /// Decodes and resizes on one of the `workers` low-priority threads ([`Workers`]), at
    /// most `workers` at once.
    async fn process(&self, bytes: Vec<u8>, format: SourceFormat) -> Result<Processed> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| MediaError::Corrupt(e.to_string()))?;
        let max_pixels = self.settings.max_pixels;
        let work = move || process(&bytes, format, max_pixels);
        match &self.workers {
            Some(workers) => workers
                .run(work)
                .await
                .ok_or_else(|| MediaError::Corrupt("image worker panicked".into()))?,
            None => tokio::task::spawn_blocking(work)
                .await
                .map_err(|e| MediaError::Corrupt(format!("image worker: {e}")))?,
        }
    }

    /// Inserts `row` within the holder's quota; `None` when the holder already holds its
    /// pixels.
    async fn record<C>(
        &self,
        db: &C,
        holder: Holder,
        row: entity::ActiveModel,
        processed: &Processed,
    ) -> Result<Option<entity::Model>>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        let txn = common::begin_write(db).await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            // One upload of a stall at a time weighs against its quota.
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
                [holder.lock_key().into()],
            ))
            .await?;
        }
        if self
            .find_held(&txn, holder, &processed.hash)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        self.check_quota(&txn, holder, processed.stored_bytes())
            .await?;
        let row = entity::Entity::insert(row)
            .exec_with_returning(&txn)
            .await?;
        txn.commit().await?;
        Ok(Some(row))
    }

    async fn put_all(&self, processed: Processed) -> Result<()> {
        for r in processed.renditions {
            self.store
                .put(&key(&processed.hash, r.size, r.encoding), r.bytes)
                .await?;
        }
        Ok(())
    }

    async fn find_held<C: ConnectionTrait>(
        &self,
        db: &C,
        holder: Holder,
        hash: &str,
    ) -> Result<Option<entity::Model>> {
        Ok(entity::Entity::find()
            .filter(holder.filter())
            .filter(Column::ContentHash.eq(hash))
            .one(db)
            .await?)
    }

    async fn held<C: ConnectionTrait>(
        &self,
        db: &C,
        holder: Holder,
        hash: &str,
    ) -> Result<entity::Model> {
        self.find_held(db, holder, hash)
            .await?
            .ok_or_else(|| MediaError::Corrupt("a duplicate photo vanished".into()))
    }

    /// Refuses an upload that would take the holder past its count, or past its bytes once
    /// `adding` more are stored. Checked once the pixels are known, so a photo the holder
    /// holds is answered even at its quota.
    async fn check_quota<C: ConnectionTrait>(
        &self,
        db: &C,
        holder: Holder,
        adding: u64,
    ) -> Result<()> {
        #[derive(FromQueryResult)]
        struct Held {
            count: i64,
            bytes: Option<i64>,
        }
        let held = entity::Entity::find()
            .select_only()
            .column_as(Expr::col(Column::Id).count(), "count")
            .column_as(Expr::col(Column::Bytes).sum().cast_as("bigint"), "bytes")
            .filter(holder.filter())
            .into_model::<Held>()
            .one(db)
            .await?;
        let (count, bytes) = held.map_or((0, 0), |h| {
            (
                u64::try_from(h.count).unwrap_or(0),
                u64::try_from(h.bytes.unwrap_or(0)).unwrap_or(0),
            )
        });
        let s = &self.settings;
        if count >= s.stall_max_count {
            return Err(MediaError::QuotaExceeded {
                what: "photos",
                held: count,
                max: s.stall_max_count,
            });
        }
        if bytes + adding > s.stall_max_bytes {
            return Err(MediaError::QuotaExceeded {
                what: "bytes",
                held: bytes,
                max: s.stall_max_bytes,
            });
        }
        Ok(())
    }

    /// The photo `id`.
    pub async fn find<C: ConnectionTrait>(&self, db: &C, id: Uuid) -> Result<entity::Model> {
        entity::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(MediaError::NotFound)
    }

    /// The bytes of photo `id`'s rendition at `size` in `encoding`.
    pub async fn rendition<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
        size: Size,
        encoding: Encoding,
    ) -> Result<Vec<u8>> {
        let row = self.find(db, id).await?;
        self.store
            .get(&key(&row.content_hash, size, encoding))
            .await?
            .ok_or(MediaError::NotFound)
    }

    /// The ids among `ids` of photos that exist and belong to `stall_id`.
    pub async fn held_by<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_id: Uuid,
        ids: &[Uuid],
    ) -> Result<std::collections::HashSet<Uuid>> {
        existing_where(db, ids, Column::StallId.eq(stall_id)).await
    }

    /// The ids among `ids` of photos that exist and that `user` uploaded.
    pub async fn uploaded_by<C: ConnectionTrait>(
        &self,
        db: &C,
        user: Uuid,
        ids: &[Uuid],
    ) -> Result<std::collections::HashSet<Uuid>> {
        existing_where(db, ids, Column::UploadedBy.eq(user)).await
    }

    /// The photos among `ids` that exist, as clients see them, by id.
    pub async fn views<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, MediaView>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let rows = entity::Entity::find()
            .filter(Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        Ok(rows.iter().map(|r| (r.id, self.view(r))).collect())
    }

    /// Where `row`'s rendition at `size` in `encoding` is read: on `media.public_url` (a CDN
    /// or the bucket's public address, which serves the store's keys) when it is set, else at
    /// the gateway's `/media/{id}/{size}` (WebP; `?format=jpeg` for JPEG).
    pub fn url(&self, row: &entity::Model, size: Size, encoding: Encoding) -> String {
        match self.public_url(row, size, encoding) {
            Some(url) => url,
            None => match encoding {
                Encoding::Webp => format!("/media/{}/{}", row.id, size.as_str()),
                Encoding::Jpeg => format!("/media/{}/{}?format=jpeg", row.id, size.as_str()),
            },
        }
    }

    /// The rendition's URL on `media.public_url`, when it is set (the gateway redirects there).
    pub fn public_url(
        &self,
        row: &entity::Model,
        size: Size,
        encoding: Encoding,
    ) -> Option<String> {
        let base = self.settings.public_url.as_deref()?.trim_end_matches('/');
        Some(format!("{base}/{}", key(&row.content_hash, size, encoding)))
    }

    /// The URLs of every size of `row` in `encoding`.
    pub fn urls(&self, row: &entity::Model, encoding: Encoding) -> SizeUrls {
        SizeUrls {
            thumb: self.url(row, Size::Thumb, encoding),
            medium: self.url(row, Size::Medium, encoding),
            large: self.url(row, Size::Large, encoding),
        }
    }

    /// A stored photo as clients see it.
    pub fn view(&self, row: &entity::Model) -> MediaView {
        MediaView {
            id: row.id,
            urls: self.urls(row, Encoding::Webp),
            jpeg_urls: self.urls(row, Encoding::Jpeg),
            width: row.width,
            height: row.height,
        }
    }
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The ids among `ids` of photos that exist and meet `condition`.
async fn existing_where<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<std::collections::HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows = entity::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(condition)
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
