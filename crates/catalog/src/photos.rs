//! Photos a product (its `images`) or a stall (its `logo` and `banner`) names by id, uploaded
//! through the media service: `images` holds each as its id (a UUID) among https URLs. The
//! catalogue asks the photos a stall holds through [`Photos`], which the gateway wires to the
//! media service, so it reads no table of another crate; answers show a photo as the gateway's
//! URL of its large rendition (a stall's logo, of its medium one).

use std::{collections::HashSet, sync::Arc};

use common::{FieldCode, validate::Validator};
use uuid::Uuid;

/// Most entries in one list of images (a product's, a variant's).
pub const MAX_IMAGES: usize = 10;

/// The entries of the list `field` (photo ids or http(s) URLs) as stored, each bad one
/// named `field[N]`.
pub fn image_entries(v: &mut Validator, field: &str, images: &[String]) -> Vec<String> {
    images
        .iter()
        .enumerate()
        .map(|(i, url)| image_entry(v, &format!("{field}[{i}]"), url))
        .collect()
}

/// One photo id or http(s) URL as stored (an id in its hyphenated form, a URL trimmed),
/// named `field` when it is neither.
pub fn image_entry(v: &mut Validator, field: &str, url: &str) -> String {
    let url = url.trim();
    // A photo uploaded to the stall, by its id (the service checks it is the stall's).
    if let Some(id) = crate::photos::photo_id(url) {
        return id.hyphenated().to_string();
    }
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    let host_ok = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    let chars_ok = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !(scheme_ok && host_ok && chars_ok) || url.len() > 2048 {
        v.add(field, FieldCode::InvalidUrl, "must be an http(s) URL");
    }
    url.to_owned()
}

/// The photos stalls hold.
#[async_trait::async_trait]
pub trait Photos: Send + Sync + std::fmt::Debug + 'static {
    /// The ids among `ids` of photos that exist and belong to `stall_id`.
    async fn held_by(&self, stall_id: Uuid, ids: &[Uuid]) -> common::Result<HashSet<Uuid>>;
}

/// The photo an entry of `images` names, if it is an id rather than a URL.
pub fn photo_id(entry: &str) -> Option<Uuid> {
    Uuid::parse_str(entry.trim()).ok()
}

/// What an answer shows for an entry of `images`: a photo's id becomes the URL of its large
/// rendition (`/media/{id}/large`, redirected to `media.public_url` when one is set); a URL
/// stays as it is.
pub fn image_url(entry: &str) -> String {
    match photo_id(entry) {
        Some(id) => format!("/media/{id}/large"),
        None => entry.to_owned(),
    }
}

/// What a stall's answer shows for its stored `logo`: a photo's id becomes the URL of its
/// medium rendition (`/media/{id}/medium`, 800 pixels wide); a URL stays as it is.
pub fn logo_url(entry: &str) -> String {
    match photo_id(entry) {
        Some(id) => format!("/media/{id}/medium"),
        None => entry.to_owned(),
    }
}

/// What a stall's answer shows for its stored `banner`: as an entry of `images`, a photo's
/// id becomes the URL of its large rendition (`/media/{id}/large`, 1600 pixels wide).
pub fn banner_url(entry: &str) -> String {
    image_url(entry)
}

/// The stored `images` (a JSON array) as answers show them.
pub fn image_urls(stored: &str) -> Vec<String> {
    let entries: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    entries.iter().map(|e| image_url(e)).collect()
}

/// Names each photo id among `images` that `stall_id` does not hold (`images[N]`); without
/// `photos` (a catalogue not wired to the media service) none is held.
pub(crate) async fn check(
    photos: Option<&Arc<dyn Photos>>,
    v: &mut Validator,
    stall_id: Uuid,
    images: &[String],
) -> common::Result<()> {
    check_named(photos, v, stall_id, "images", images).await
}

/// [`check`] of the entries of `field`.
pub(crate) async fn check_named(
    photos: Option<&Arc<dyn Photos>>,
    v: &mut Validator,
    stall_id: Uuid,
    field: &str,
    images: &[String],
) -> common::Result<()> {
    let named: Vec<(usize, Uuid)> = images
        .iter()
        .enumerate()
        .filter_map(|(i, e)| photo_id(e).map(|id| (i, id)))
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = named.iter().map(|(_, id)| *id).collect();
    let held = match photos {
        Some(photos) => photos.held_by(stall_id, &ids).await?,
        None => HashSet::new(),
    };
    for (i, id) in named {
        if !held.contains(&id) {
            v.add(
                &format!("{field}[{i}]"),
                FieldCode::Invalid,
                "is not a photo uploaded to this stall",
            );
        }
    }
    Ok(())
}

/// Names `field` itself when `entry` is a photo id that `stall_id` does not hold: a single
/// photo such as a stall's `logo`. Without `photos`, or for a stall that holds none yet, no
/// photo is held.
pub(crate) async fn check_one(
    photos: Option<&Arc<dyn Photos>>,
    v: &mut Validator,
    stall_id: Uuid,
    field: &str,
    entry: &str,
) -> common::Result<()> {
    let Some(id) = photo_id(entry) else {
        return Ok(());
    };
    let held = match photos {
        Some(photos) => photos.held_by(stall_id, &[id]).await?.contains(&id),
        None => false,
    };
    if !held {
        v.add(
            field,
            FieldCode::Invalid,
            "is not a photo uploaded to this stall",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_the_gateways_urls_and_urls_stay() {
        let id = Uuid::now_v7();
        let stored = format!("[\"{id}\",\"https://anh.example.vn/a.jpg\"]");
        assert_eq!(
            image_urls(&stored),
            [
                format!("/media/{id}/large"),
                "https://anh.example.vn/a.jpg".to_owned()
            ]
        );
        assert_eq!(photo_id("https://anh.example.vn/a.jpg"), None);
        assert_eq!(logo_url(&id.to_string()), format!("/media/{id}/medium"));
        assert_eq!(banner_url(&id.to_string()), format!("/media/{id}/large"));
        assert_eq!(
            logo_url("https://anh.example.vn/logo.png"),
            "https://anh.example.vn/logo.png"
        );
    }
}
