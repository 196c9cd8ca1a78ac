//! Writing notifications in the caller's transaction: the inbox rows, the emails and the
//! stall's webhook deliveries of one event, all or nothing with the event itself.

use std::{collections::HashSet, sync::Arc};

use chrono::Utc;
use common::Stored;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::{
    Event, Facts, Templates,
    entity::{delivery, notification, optout, recipient, webhook},
    status::{ChannelKind, DeliveryState},
    templates::Voice,
};

/// What an event is about, for links and filters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Refs {
    /// The stall concerned.
    pub stall_id: Option<Uuid>,
    /// The order concerned.
    pub order_id: Option<Uuid>,
}

/// Writes notifications. Cheap to clone; every domain service holds one.
#[derive(Clone)]
pub struct Notifier {
    templates: Arc<Templates>,
}

/// The shipped templates, parsed once.
static SHIPPED: std::sync::LazyLock<Arc<Templates>> =
    std::sync::LazyLock::new(|| Arc::new(Templates::shipped()));

impl Default for Notifier {
    /// A notifier with the shipped texts (`config/notify/templates.toml`).
    fn default() -> Self {
        Self {
            templates: SHIPPED.clone(),
        }
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notifier")
    }
}

impl Notifier {
    /// A notifier with these texts.
    pub fn new(templates: Templates) -> Self {
        Self {
            templates: Arc::new(templates),
        }
    }

    /// The texts.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Tells `users` of `event`: an inbox entry each (unless the event is for the mailbox
    /// only), and an email each unless they turned this event's email off. Disabled accounts
    /// hear nothing; a user named twice hears once.
    pub async fn to_users<C: ConnectionTrait>(
        &self,
        db: &C,
        users: &[Uuid],
        event: Event,
        facts: &Facts,
        refs: Refs,
    ) -> Result<(), DbErr> {
        self.to_users_in(db, users, (event, Voice::Usual), facts, refs)
            .await
    }

    /// Tells a `buyer` of `event` as [`Notifier::to_users`] does, in the texts written for
    /// buyers when the event has them (a payment received: the stall hears it too, in its own
    /// words).
    pub async fn to_buyer<C: ConnectionTrait>(
        &self,
        db: &C,
        buyer: Uuid,
        event: Event,
        facts: &Facts,
        refs: Refs,
    ) -> Result<(), DbErr> {
        self.to_users_in(db, &[buyer], (event, Voice::Buyer), facts, refs)
            .await
    }

    async fn to_users_in<C: ConnectionTrait>(
        &self,
        db: &C,
        users: &[Uuid],
        (event, voice): (Event, Voice),
        facts: &Facts,
        refs: Refs,
    ) -> Result<(), DbErr> {
        let mut seen = HashSet::new();
        let ids: Vec<Uuid> = users.iter().copied().filter(|u| seen.insert(*u)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let people = recipient::Entity::find()
            .filter(recipient::Column::Id.is_in(ids.iter().copied()))
            .filter(recipient::Column::DisabledAt.is_null())
            .all(db)
            .await?;
        let opted_out: HashSet<Uuid> = if event.email_optional() {
            optout::Entity::find()
                .filter(optout::Column::UserId.is_in(ids.iter().copied()))
                .filter(optout::Column::Event.eq(event.as_str()))
                .all(db)
                .await?
                .into_iter()
                .map(|o| o.user_id)
                .collect()
        } else {
            HashSet::new()
        };
        let now = Utc::now();
        let data = facts.to_data().to_string();
        for person in people {
            let (title, body) = self.templates.render_for(
                event,
                voice,
                &facts.clone().with_name(&person.full_name),
            );
            let id = Uuid::now_v7();
            if event.in_inbox() {
                notification::Entity::insert(notification::ActiveModel {
                    id: Set(id),
                    user_id: Set(person.id),
                    event: Set(event.as_str().into()),
                    title: Set(title.clone()),
                    body: Set(body.clone()),
                    data: Set(data.clone()),
                    stall_id: Set(refs.stall_id),
                    order_id: Set(refs.order_id),
                    created_at: Set(now),
                    read_at: Set(None),
                })
                .exec_without_returning(db)
                .await?;
            }
            if opted_out.contains(&person.id) {
                continue;
            }
            insert_delivery(
                db,
                Outgoing {
                    channel: ChannelKind::Email,
                    source_id: id,
                    ordering_key: person.id,
                    target: person.email,
                    event,
                    subject: title,
                    body,
                    sensitive: !event.in_inbox(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Tells every administrator whose account is not disabled of `event`, as
    /// [`Notifier::to_users`] does.
    pub async fn to_admins<C: ConnectionTrait>(
        &self,
        db: &C,
        event: Event,
        facts: &Facts,
        refs: Refs,
    ) -> Result<(), DbErr> {
        let admins: Vec<Uuid> = recipient::Entity::find()
            .filter(recipient::Column::IsAdmin.eq(true))
            .filter(recipient::Column::DisabledAt.is_null())
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        self.to_users(db, &admins, event, facts, refs).await
    }

    /// Tells a stall of `event`: its `members` as [`Notifier::to_users`] does, and each of its
    /// live webhooks with the event's data as JSON.
    pub async fn to_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_id: Uuid,
        members: &[Uuid],
        event: Event,
        facts: &Facts,
        refs: Refs,
    ) -> Result<(), DbErr> {
        let refs = Refs {
            stall_id: Some(stall_id),
            ..refs
        };
        self.to_users(db, members, event, facts, refs).await?;
        self.to_webhooks(db, stall_id, event, facts, refs).await
    }

    /// Posts `event` to the stall's live webhooks only (the steps of its orders that its
    /// buyers hear of, which a stall's own systems want too).
    pub async fn to_webhooks<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_id: Uuid,
        event: Event,
        facts: &Facts,
        refs: Refs,
    ) -> Result<(), DbErr> {
        let hooks = webhook::Entity::find()
            .filter(webhook::Column::StallId.eq(stall_id))
            .filter(webhook::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        if hooks.is_empty() {
            return Ok(());
        }
        let event_id = Uuid::now_v7();
        let payload = webhook_payload(stall_id, event, facts, refs);
        for hook in hooks {
            insert_delivery(
                db,
                Outgoing {
                    channel: ChannelKind::Webhook,
                    source_id: event_id,
                    ordering_key: hook.id,
                    target: hook.url,
                    event,
                    subject: event.as_str().into(),
                    body: payload.clone(),
                    sensitive: false,
                },
            )
            .await?;
        }
        Ok(())
    }
}

/// What a stall's webhooks are posted for `event`: its type, when, and the facts with the
/// stall and order named.
pub(crate) fn webhook_payload(stall_id: Uuid, event: Event, facts: &Facts, refs: Refs) -> String {
    let mut data = facts.to_data();
    data["stall_id"] = stall_id.to_string().into();
    if let Some(order_id) = refs.order_id {
        data["order_id"] = order_id.to_string().into();
    }
    serde_json::json!({
        "type": event.as_str(),
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// A delivery to write: its channel, source, ordering key and target, what it says, and
/// whether it is kept out of logs.
pub(crate) struct Outgoing {
    pub(crate) channel: ChannelKind,
    pub(crate) source_id: Uuid,
    pub(crate) ordering_key: Uuid,
    pub(crate) target: String,
    pub(crate) event: Event,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) sensitive: bool,
}

impl Outgoing {
    /// The pending delivery row.
    pub(crate) fn row(self) -> delivery::ActiveModel {
        let now = Utc::now();
        delivery::ActiveModel {
            public_id: Set(Uuid::now_v7()),
            channel: Set(self.channel.as_str().into()),
            source_id: Set(self.source_id),
            ordering_key: Set(self.ordering_key),
            target: Set(self.target),
            event: Set(self.event.as_str().into()),
            subject: Set(self.subject),
            body: Set(self.body),
            sensitive: Set(self.sensitive),
            status: Set(DeliveryState::Pending.as_str().into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_until: Set(None),
            response_status: Set(None),
            last_error: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
    }
}

async fn insert_delivery<C: ConnectionTrait>(db: &C, o: Outgoing) -> Result<(), DbErr> {
    delivery::Entity::insert(o.row())
        .exec_without_returning(db)
        .await?;
    Ok(())
}
