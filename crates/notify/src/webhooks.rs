//! The stalls' outgoing webhooks: registering endpoints, their secrets and rotation, the
//! Standard Webhooks signature, and the delivery log a stall reads.
//!
//! Each request carries `webhook-id` (the delivery's id, the same on every retry),
//! `webhook-timestamp` (Unix seconds) and `webhook-signature`: `v1,<base64 HMAC-SHA256>` of
//! `{id}.{timestamp}.{body}` under the secret (the base64 after `whsec_`). After a rotation the
//! previous secret signs too, space-separated, for [`ROTATION_OVERLAP_HOURS`].

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Duration, Utc};
use common::{
    Error, FieldCode, Stored, page::Page, page::PageRequest, stored, validate::Validator,
};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use sha2::Sha256;
use url::Url;
use uuid::Uuid;

use crate::{
    address::{Refused, Resolver},
    entity::{delivery, webhook},
    status::{ChannelKind, DeliveryState},
};

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// How many live webhooks one stall may have.
pub const MAX_PER_STALL: u64 = 5;

/// A webhook as its stall sees it. The secret is shown whole only when it is made.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookView {
    /// Its id.
    pub id: Uuid,
    /// Where events are posted.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://ketoan.htx-cuatung.vn/hooks/cho")
    )]
    pub url: String,
    /// The signing secret (`whsec_…`): whole on creation and rotation, its first characters
    /// otherwise.
    pub secret: String,
    /// Until when the previous secret signs too, after a rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// Where a webhook delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet accepted by the receiver; tried again later.
    Pending,
    /// The receiver answered 2xx.
    Sent,
    /// Given up after the last try.
    Failed,
}

impl DeliveryStatus {
    /// The status a webhook delivery's row holds; `off` (for email only) or anything unknown
    /// is corrupt.
    fn of_row(status: &str) -> Result<Self, Error> {
        Ok(match stored::<DeliveryState>(status)? {
            DeliveryState::Pending => Self::Pending,
            DeliveryState::Sent => Self::Sent,
            DeliveryState::Failed => Self::Failed,
            DeliveryState::Off => {
                return Err(Error::internal(common::stored::Corrupt {
                    what: "webhook delivery status",
                    value: status.to_owned(),
                }));
            }
        })
    }
}

/// One entry of a webhook's delivery log.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    /// The `webhook-id` it was sent with.
    pub id: Uuid,
    /// The event.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Event))]
    pub event: String,
    /// `pending`, `sent` or `failed`.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: i32,
    /// The receiver's last HTTP status.
    pub response_status: Option<i32>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the receiver accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// The JSON body sent.
    pub payload: serde_json::Value,
}

/// Registers a webhook for `stall_id` (the caller checked the owner). Its host must be public
/// ([`crate::address`]): an address outside the special-purpose blocks, or a name that resolves
/// to such addresses only; a name that does not resolve is refused too, until it does.
/// `allow_private` (development and tests) admits `http://` URLs and any host, unresolved.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    stall_id: Uuid,
    by: Uuid,
    url: &str,
    allow_private: bool,
) -> Result<WebhookView, Error> {
    let url = checked_url(url, allow_private)?;
    admitted(&Resolver::new(allow_private), &url).await?;
    let live = webhook::Entity::find()
        .filter(webhook::Column::StallId.eq(stall_id))
        .filter(webhook::Column::DeletedAt.is_null())
        .count(db)
        .await
        .map_err(Error::internal)?;
    if live >= MAX_PER_STALL {
        let mut err = Error::conflict(
            "too_many_webhooks",
            format!("A stall may have {MAX_PER_STALL} webhooks; delete one first."),
        );
        err.details = Some(serde_json::json!({ "max": MAX_PER_STALL }));
        return Err(err);
    }
    let model = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall_id),
        url: Set(url.into()),
        secret: Set(new_secret()),
        previous_secret: Set(None),
        previous_until: Set(None),
        created_by: Set(Some(by)),
        created_at: Set(Utc::now()),
        deleted_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(Error::internal)?;
    Ok(view(model, true))
}

/// The stall's live webhooks.
pub async fn list<C: ConnectionTrait>(db: &C, stall_id: Uuid) -> Result<Vec<WebhookView>, Error> {
    Ok(webhook::Entity::find()
        .filter(webhook::Column::StallId.eq(stall_id))
        .filter(webhook::Column::DeletedAt.is_null())
        .order_by_asc(webhook::Column::CreatedAt)
        .all(db)
        .await
        .map_err(Error::internal)?
        .into_iter()
        .map(|w| view(w, false))
        .collect())
}

/// Stops a webhook: nothing more is written for it, and what is still pending is given up.
/// Its log stays readable.
pub async fn delete<C: ConnectionTrait>(db: &C, stall_id: Uuid, id: Uuid) -> Result<(), Error> {
    let w = live(db, stall_id, id).await?;
    let now = Utc::now();
    let mut am = w.into_active_model();
    am.deleted_at = Set(Some(now));
    am.update(db).await.map_err(Error::internal)?;
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            sea_orm::sea_query::Expr::value(DeliveryState::Failed.as_str()),
        )
        .col_expr(
            delivery::Column::LastError,
            sea_orm::sea_query::Expr::value("the webhook was deleted"),
        )
        .filter(delivery::Column::Channel.eq(ChannelKind::Webhook.as_str()))
        .filter(delivery::Column::OrderingKey.eq(id))
        .filter(delivery::Column::Status.eq(DeliveryState::Pending.as_str()))
        .exec(db)
        .await
        .map_err(Error::internal)?;
    Ok(())
}

/// A new secret; the old one keeps signing for [`ROTATION_OVERLAP_HOURS`].
pub async fn rotate<C: ConnectionTrait>(
    db: &C,
    stall_id: Uuid,
    id: Uuid,
) -> Result<WebhookView, Error> {
    let w = live(db, stall_id, id).await?;
    let old = w.secret.clone();
    let mut am = w.into_active_model();
    am.secret = Set(new_secret());
    am.previous_secret = Set(Some(old));
    am.previous_until = Set(Some(Utc::now() + Duration::hours(ROTATION_OVERLAP_HOURS)));
    let model = am.update(db).await.map_err(Error::internal)?;
    Ok(view(model, true))
}

/// A webhook's deliveries, newest first.
pub async fn deliveries<C: ConnectionTrait>(
    db: &C,
    stall_id: Uuid,
    id: Uuid,
    page: PageRequest,
) -> Result<Page<DeliveryView>, Error> {
    let exists = webhook::Entity::find_by_id(id)
        .filter(webhook::Column::StallId.eq(stall_id))
        .one(db)
        .await
        .map_err(Error::internal)?;
    if exists.is_none() {
        return Err(Error::not_found("Webhook"));
    }
    let q = delivery::Entity::find()
        .filter(delivery::Column::Channel.eq(ChannelKind::Webhook.as_str()))
        .filter(delivery::Column::OrderingKey.eq(id))
        .order_by_desc(delivery::Column::Id);
    let rows = common::page::fetch(db, q, page)
        .await
        .map_err(Error::internal)?;
    rows.try_map(|d| {
        let status = DeliveryStatus::of_row(&d.status)?;
        Ok(DeliveryView {
            id: d.public_id,
            event: common::stored::<crate::Event>(&d.event)?
                .as_str()
                .to_owned(),
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            status,
            attempts: d.attempts,
            response_status: d.response_status,
            last_error: d.last_error,
            sent_at: d.sent_at,
            created_at: d.created_at,
            payload: serde_json::from_str(&d.body).unwrap_or(serde_json::Value::Null),
        })
    })
}

/// The headers that sign `body` as delivery `id` at `timestamp` (Unix seconds), with the
/// current secret and, while it overlaps, the previous one.
pub fn signature_headers(
    w: &webhook::Model,
    id: Uuid,
    timestamp: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Vec<(String, String)> {
    let mut sigs = vec![sign(&w.secret, &id.to_string(), timestamp, body)];
    if let (Some(prev), Some(until)) = (&w.previous_secret, w.previous_until)
        && until > now
    {
        sigs.push(sign(prev, &id.to_string(), timestamp, body));
    }
    vec![
        ("webhook-id".into(), id.to_string()),
        ("webhook-timestamp".into(), timestamp.to_string()),
        (
            "webhook-signature".into(),
            sigs.into_iter()
                .map(|s| format!("v1,{s}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]
}

/// The base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under `secret` (`whsec_<base64>`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key_text = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD
        .decode(key_text)
        .unwrap_or_else(|_| key_text.as_bytes().to_vec());
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    // The operating system's generator; it does not fail on the systems we run on, and a
    // zeroed key would still be refused by nobody, so fail loudly instead.
    if getrandom::fill(&mut bytes).is_err() {
        tracing::error!("the system's random generator failed");
    }
    format!("whsec_{}", STANDARD.encode(bytes))
}

fn view(w: webhook::Model, whole: bool) -> WebhookView {
    let secret = if whole {
        w.secret
    } else {
        format!("{}…", w.secret.chars().take(10).collect::<String>())
    };
    WebhookView {
        id: w.id,
        url: w.url,
        secret,
        previous_secret_until: w.previous_until.filter(|u| *u > Utc::now()),
        created_at: w.created_at,
    }
}

async fn live<C: ConnectionTrait>(
    db: &C,
    stall_id: Uuid,
    id: Uuid,
) -> Result<webhook::Model, Error> {
    webhook::Entity::find_by_id(id)
        .filter(webhook::Column::StallId.eq(stall_id))
        .filter(webhook::Column::DeletedAt.is_null())
        .one(db)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::not_found("Webhook"))
}

/// The URL, parsed (which also normalises the spelling of an address host), if its form is
/// allowed.
fn checked_url(url: &str, allow_insecure: bool) -> Result<Url, Error> {
    let mut v = Validator::new();
    let url = url.trim();
    let parsed = Url::parse(url).ok();
    let ok = url.len() <= 2048
        && parsed.as_ref().is_some_and(|u| {
            (u.scheme() == "https" || (allow_insecure && u.scheme() == "http"))
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
        });
    v.check(
        ok,
        "url",
        FieldCode::InvalidUrl,
        if allow_insecure {
            "must be an http or https URL without credentials, at most 2048 characters"
        } else {
            "must be an https URL without credentials, at most 2048 characters"
        },
    );
    v.finish()?;
    parsed
        .ok_or_else(|| Error::invalid_field("url", FieldCode::InvalidUrl, "must be an http(s) URL"))
}

/// Refuses, as an error of the `url` field, a URL whose host is not public.
async fn admitted(resolver: &Resolver, url: &Url) -> Result<(), Error> {
    match resolver.admit(url).await {
        Ok(()) => Ok(()),
        Err(Refused::Unresolved { .. }) => Err(Error::invalid_field(
            "url",
            FieldCode::InvalidUrl,
            "must name a host that can be found in DNS",
        )),
        Err(_) => Err(Error::invalid_field(
            "url",
            FieldCode::InvalidUrl,
            "must reach a public internet address (not loopback, private, link-local, multicast or reserved)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_scheme() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1_614_265_330, body),
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        assert!(checked_url("https://ketoan.example.vn/hook", false).is_ok());
        assert!(checked_url("http://ketoan.example.vn/hook", false).is_err());
        assert!(checked_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(checked_url("https://u:p@example.vn/", false).is_err());
        assert!(checked_url("ftp://example.vn/", true).is_err());
        assert!(checked_url("not a url", true).is_err());
    }

    #[test]
    fn the_log_shows_a_row_status_as_stored_and_refuses_one_a_webhook_cannot_have() {
        for (row, status) in [
            ("pending", DeliveryStatus::Pending),
            ("sent", DeliveryStatus::Sent),
            ("failed", DeliveryStatus::Failed),
        ] {
            assert_eq!(DeliveryStatus::of_row(row).unwrap(), status);
            assert_eq!(serde_json::to_value(status).unwrap(), row);
        }
        for bad in ["off", "", "Sent", "delivered"] {
            let e = DeliveryStatus::of_row(bad).unwrap_err();
            assert_eq!(e.kind, common::ErrorKind::Internal, "{bad:?}");
        }
    }
}
