//! Photos: `POST /api/v1/media` (a stall's member or an administrator uploads one for the
//! stall, or any signed-in user one of their own, as `multipart/form-data`), and its renditions at `GET /api/v1/media/{id}/{size}` and at
//! `/media/{id}/{size}` outside the API, cached for a year (a photo's renditions never change).

use axum::{
    body::Body,
    extract::{
        Path, Query, State,
        multipart::{Field, Multipart, MultipartError, MultipartRejection},
    },
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use common::{FieldCode, FieldError};
use media::{Encoding, MediaError, MediaView, Size};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::AuthUser,
    state::AppState,
};

/// How long a rendition is cached: a year, and never revalidated (its URL names one content).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The multipart body of an upload (for the API document; the handler reads the stream).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart body; the handler reads it as a stream"
)]
pub struct MediaUpload {
    /// The photo: JPEG, PNG or WebP by its content (its name and declared type are ignored),
    /// at most `media.max_bytes` bytes and `media.max_pixels` pixels.
    #[schema(value_type = String, format = Binary, example = "(the photo's bytes)")]
    file: Vec<u8>,
    /// The stall the photo belongs to (the caller is a member, or an administrator); absent:
    /// the caller's own photo (a buyer's, for a review), which only they may use.
    #[schema(example = "01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e6f")]
    stall_id: Option<Uuid>,
}

/// Uploads a photo for a stall (a member of the stall, or an administrator), or without
/// `stall_id` one of the caller's own (any signed-in user: a buyer's photo for a review, in
/// the user's own quota, usable by them alone): its type is
/// decided by its content, its EXIF orientation applied, all its metadata (GPS position
/// included) removed, and it is stored as three widths (thumb 200, medium 800, large 1600
/// pixels; never enlarged) in WebP (`urls`) and JPEG (`jpeg_urls`). The same pixels uploaded
/// again to the stall (or by the user) answer the photo it holds (200) and store nothing.
#[utoipa::path(post, operation_id = "upload_media", path = "/api/v1/media", tag = "media", security(("bearer" = [])),
    request_body(content = MediaUpload, content_type = "multipart/form-data",
        description = "Fields `file` (the photo) and `stall_id` (optional), in either order."),
    responses(
        (status = 201, description = "Stored", body = MediaView),
        (status = 200, description = "The stall already holds these pixels: that photo", body = MediaView),
        (status = 403, description = "`forbidden`: not a member of the stall", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such stall", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`media_quota_exceeded`: the stall (or the user, for their own photos) holds `media.stall_max_count` photos or `media.stall_max_bytes` bytes (`details.what`, `held`, `max`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`file_too_large` (over `media.max_bytes`, refused as soon as it passes) or `image_too_large` (over `media.max_pixels`, from the header)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: not multipart, or a file that is no JPEG, PNG or WebP", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`image_unreadable` (cut short or damaged), or `validation_failed`: `required` (file), `invalid` (stall_id), `unknown_field`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    auth: AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, axum::Json<MediaView>)> {
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the photo as multipart/form-data with the fields file and stall_id.",
        )
    })?;
    let max_bytes = state.media.settings().max_bytes;
    let (mut file, mut stall) = (None, None);
    let too_large = |e| multipart_error(e, max_bytes);
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        match field.name() {
            Some("file") if file.is_none() => file = Some(read(field, max_bytes, max_bytes).await?),
            Some("stall_id") if stall.is_none() => stall = Some(read(field, 64, max_bytes).await?),
            other => {
                let name = other.unwrap_or("").to_owned();
                return Err(ApiError::validation(vec![FieldError::new(
                    name,
                    FieldCode::UnknownField,
                    "is not a known field",
                )]));
            }
        }
    }
    let stall_id = stall.map(stall_id).transpose()?;
    let Some(file) = file else {
        return Err(required("file"));
    };
    let Some(stall_id) = stall_id else {
        let uploaded = state
            .media
            .upload_own(&state.db, auth.user.id, file)
            .await?;
        return Ok(answer(uploaded));
    };
    // A stall the caller may not see is not there (404); a public one not theirs, 403.
    let (stall, standing) = state
        .catalog
        .standing(&state.db, &auth.user.actor(), &stall_id.to_string())
        .await?;
    if standing.is_none() {
        return Err(if catalog::visibility::stall_is_public(&stall) {
            common::Error::forbidden("Only the stall's members may upload its photos.")
        } else {
            common::Error::not_found("Stall")
        }
        .into());
    }
    let uploaded = state
        .media
        .upload(&state.db, auth.user.id, stall_id, file)
        .await?;
    Ok(answer(uploaded))
}

/// 201 for a new photo, 200 for the one the holder already had.
fn answer(uploaded: media::Uploaded) -> (StatusCode, axum::Json<MediaView>) {
    let status = if uploaded.existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, axum::Json(uploaded.media))
}

/// A field's bytes, refused (413) as soon as they pass `limit`, before the rest is read.
async fn read(mut field: Field<'_>, limit: u64, max_bytes: u64) -> ApiResult<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(e, max_bytes))?
    {
        if (out.len() + chunk.len()) as u64 > limit {
            let e = MediaError::FileTooLarge { max_bytes: limit };
            return Err(common::Error::from(e).into());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A body cut off by the route's body limit (`media.max_bytes` and the form's framing) is a
/// file too large (413); any other unreadable multipart, 400.
fn multipart_error(e: MultipartError, max_bytes: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        common::Error::from(MediaError::FileTooLarge { max_bytes }).into()
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("The multipart body cannot be read: {}.", e.body_text()),
        )
    }
}

fn required(field: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(
        field,
        FieldCode::Required,
        "is required",
    )])
}

fn stall_id(text: Vec<u8>) -> ApiResult<Uuid> {
    std::str::from_utf8(&text)
        .ok()
        .and_then(|t| Uuid::parse_str(t.trim()).ok())
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "stall_id",
                FieldCode::Invalid,
                "must be a stall's id",
            )])
        })
}

/// `?format=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RenditionParams {
    /// `webp` or `jpeg`; unset: WebP when the client's `Accept` takes it, else JPEG.
    #[param(example = "jpeg")]
    pub format: Option<String>,
}

/// A photo's rendition (anyone): `thumb` (200 pixels wide), `medium` (800) or `large` (1600),
/// as WebP or JPEG (`?format=`, else by `Accept`), cached for a year
/// (`Cache-Control: public, max-age=31536000, immutable`). With `media.public_url` set, a
/// redirect (308) there. Served at `/media/{id}/{size}` too.
#[utoipa::path(get, operation_id = "get_media", path = "/api/v1/media/{id}/{size}", tag = "media",
    params(
        ("id" = Uuid, Path, description = "The photo's id", example = "01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e6f"),
        ("size" = String, Path, description = "`thumb`, `medium` or `large`", example = "medium"),
        RenditionParams,
    ),
    responses(
        (status = 200, description = "The rendition", content((String = "image/webp"), (String = "image/jpeg"))),
        (status = 308, description = "On `media.public_url`"),
        (status = 404, description = "`not_found`: no such photo or size", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rendition(
    State(state): State<AppState>,
    Path((id, size)): Path<(String, String)>,
    Query(q): Query<RenditionParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::from_status(StatusCode::NOT_FOUND);
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let size = Size::parse(&size).ok_or_else(not_found)?;
    let encoding = match q.format.as_deref() {
        Some(name) => Encoding::parse(name).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "format",
                FieldCode::NotOneOf,
                "must be webp or jpeg",
            )])
        })?,
        None => negotiated(&headers),
    };
    let row = state.media.find(&state.db, id).await?;
    if let Some(url) = state.media.public_url(&row, size, encoding) {
        return Ok(Redirect::permanent(&url).into_response());
    }
    let bytes = state.media.rendition(&state.db, id, size, encoding).await?;
    let mut response = Body::from(bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoding.mime()),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    if q.format.is_none() {
        h.insert(header::VARY, HeaderValue::from_static("accept"));
    }
    Ok(response)
}

/// WebP when `Accept` names it (every current browser does), else JPEG.
fn negotiated(headers: &HeaderMap) -> Encoding {
    let takes_webp = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim().starts_with("image/webp")));
    if takes_webp || !headers.contains_key(header::ACCEPT) {
        Encoding::Webp
    } else {
        Encoding::Jpeg
    }
}
