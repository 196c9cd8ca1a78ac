//! Several notifications of one change written together in the caller's transaction: the
//! recipients, their email choices and the stalls' webhooks read once for all of them, and the
//! inbox rows and deliveries written by one statement each. Each recipient hears exactly what
//! [`Notifier::to_users`], [`Notifier::to_buyer`] and [`Notifier::to_stall`] would tell them,
//! in the order they were asked.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::{
    Event, Facts, Notifier, Refs,
    enqueue::{Outgoing, webhook_payload},
    entity::{delivery, notification, optout, recipient, webhook},
    status::ChannelKind,
    templates::Voice,
};

/// One notice asked of a batch.
enum Entry {
    /// Users told of an event, in a voice.
    Users {
        users: Vec<Uuid>,
        event: Event,
        voice: Voice,
        facts: Facts,
        refs: Refs,
    },
    /// A stall's live webhooks posted an event.
    Hooks {
        stall_id: Uuid,
        event: Event,
        facts: Facts,
        refs: Refs,
    },
}

/// Notifications gathered to be written together ([`Notifier::batch`]).
pub struct Batch<'n> {
    notifier: &'n Notifier,
    entries: Vec<Entry>,
}

/// What a batch writes.
#[derive(Default)]
struct Rows {
    notifications: Vec<notification::ActiveModel>,
    deliveries: Vec<delivery::ActiveModel>,
}

impl Notifier {
    /// An empty batch of notifications with these texts.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            notifier: self,
            entries: Vec::new(),
        }
    }
}

impl Batch<'_> {
    /// Tells `users` of `event`, as [`Notifier::to_users`] does.
    pub fn to_users(&mut self, users: &[Uuid], event: Event, facts: &Facts, refs: Refs) {
        self.users(users, (event, Voice::Usual), facts, refs);
    }

    /// Tells a `buyer` of `event`, as [`Notifier::to_buyer`] does.
    pub fn to_buyer(&mut self, buyer: Uuid, event: Event, facts: &Facts, refs: Refs) {
        self.users(&[buyer], (event, Voice::Buyer), facts, refs);
    }

    /// Tells a stall of `event`: its `members` and its live webhooks, as
    /// [`Notifier::to_stall`] does.
    pub fn to_stall(
        &mut self,
        stall_id: Uuid,
        members: &[Uuid],
        event: Event,
        facts: &Facts,
        refs: Refs,
    ) {
        let refs = Refs {
            stall_id: Some(stall_id),
            ..refs
        };
        self.to_users(members, event, facts, refs);
        self.entries.push(Entry::Hooks {
            stall_id,
            event,
            facts: facts.clone(),
            refs,
        });
    }

    fn users(&mut self, users: &[Uuid], (event, voice): (Event, Voice), facts: &Facts, refs: Refs) {
        let mut seen = HashSet::new();
        let users: Vec<Uuid> = users.iter().copied().filter(|u| seen.insert(*u)).collect();
        if users.is_empty() {
            return;
        }
        self.entries.push(Entry::Users {
            users,
            event,
            voice,
            facts: facts.clone(),
            refs,
        });
    }

    /// Writes every notification gathered, in the caller's transaction: at most three reads
    /// and two inserts, however many notices.
    pub async fn write<C: ConnectionTrait>(self, db: &C) -> Result<(), DbErr> {
        let ids: HashSet<Uuid> = self
            .entries
            .iter()
            .flat_map(|e| match e {
                Entry::Users { users, .. } => users.clone(),
                Entry::Hooks { .. } => Vec::new(),
            })
            .collect();
        let people = match ids.is_empty() {
            true => Vec::new(),
            false => {
                recipient::Entity::find()
                    .filter(recipient::Column::Id.is_in(ids.iter().copied()))
                    .filter(recipient::Column::DisabledAt.is_null())
                    .all(db)
                    .await?
            }
        };
        let opted_out = self.opted_out(db, &people).await?;
        let hooks = self.hooks(db).await?;
        let mut rows = Rows::default();
        for entry in &self.entries {
            match entry {
                Entry::Users {
                    users,
                    event,
                    voice,
                    facts,
                    refs,
                } => {
                    let told = people.iter().filter(|p| users.contains(&p.id));
                    for person in told {
                        let out = opted_out.contains(&(person.id, event.as_str()));
                        self.tell(&mut rows, person, (*event, *voice), facts, *refs, out);
                    }
                }
                Entry::Hooks {
                    stall_id,
                    event,
                    facts,
                    refs,
                } => post(
                    &mut rows,
                    hooks.get(stall_id),
                    (*stall_id, *event),
                    facts,
                    *refs,
                ),
            }
        }
        notification::Entity::insert_many(rows.notifications)
            .exec_without_returning(db)
            .await?;
        delivery::Entity::insert_many(rows.deliveries)
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    /// Who of `people` turned the email of which of the batch's events off.
    async fn opted_out<C: ConnectionTrait>(
        &self,
        db: &C,
        people: &[recipient::Model],
    ) -> Result<HashSet<(Uuid, &'static str)>, DbErr> {
        let events: HashSet<&'static str> = self
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Users { event, .. } if event.email_optional() => Some(event.as_str()),
                _ => None,
            })
            .collect();
        if events.is_empty() || people.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(optout::Entity::find()
            .filter(optout::Column::UserId.is_in(people.iter().map(|p| p.id)))
            .filter(optout::Column::Event.is_in(events.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|o| {
                let event = events.iter().copied().find(|e| *e == o.event)?;
                Some((o.user_id, event))
            })
            .collect())
    }

    /// The live webhooks of the stalls the batch posts to, by stall.
    async fn hooks<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<HashMap<Uuid, Vec<webhook::Model>>, DbErr> {
        let stalls: HashSet<Uuid> = self
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Hooks { stall_id, .. } => Some(*stall_id),
                Entry::Users { .. } => None,
            })
            .collect();
        if stalls.is_empty() {
            return Ok(HashMap::new());
        }
        let mut by_stall: HashMap<Uuid, Vec<webhook::Model>> = HashMap::new();
        let rows = webhook::Entity::find()
            .filter(webhook::Column::StallId.is_in(stalls))
            .filter(webhook::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        for hook in rows {
            by_stall.entry(hook.stall_id).or_default().push(hook);
        }
        Ok(by_stall)
    }

    /// One person's inbox entry (unless the event is for the mailbox only) and email (unless
    /// they turned it off).
    fn tell(
        &self,
        rows: &mut Rows,
        person: &recipient::Model,
        (event, voice): (Event, Voice),
        facts: &Facts,
        refs: Refs,
        opted_out: bool,
    ) {
        let (title, body) = self.notifier.templates().render_for(
            event,
            voice,
            &facts.clone().with_name(&person.full_name),
        );
        let id = Uuid::now_v7();
        if event.in_inbox() {
            rows.notifications.push(notification::ActiveModel {
                id: Set(id),
                user_id: Set(person.id),
                event: Set(event.as_str().into()),
                title: Set(title.clone()),
                body: Set(body.clone()),
                data: Set(facts.to_data().to_string()),
                stall_id: Set(refs.stall_id),
                order_id: Set(refs.order_id),
                created_at: Set(Utc::now()),
                read_at: Set(None),
            });
        }
        if !opted_out {
            rows.deliveries.push(
                Outgoing {
                    channel: ChannelKind::Email,
                    source_id: id,
                    ordering_key: person.id,
                    target: person.email.clone(),
                    event,
                    subject: title,
                    body,
                    sensitive: !event.in_inbox(),
                }
                .row(),
            );
        }
    }
}

/// `event` posted to a stall's live `hooks`, as [`Notifier::to_webhooks`] does.
fn post(
    rows: &mut Rows,
    hooks: Option<&Vec<webhook::Model>>,
    (stall_id, event): (Uuid, Event),
    facts: &Facts,
    refs: Refs,
) {
    let Some(hooks) = hooks.filter(|h| !h.is_empty()) else {
        return;
    };
    let event_id = Uuid::now_v7();
    let payload = webhook_payload(stall_id, event, facts, refs);
    for hook in hooks {
        rows.deliveries.push(
            Outgoing {
                channel: ChannelKind::Webhook,
                source_id: event_id,
                ordering_key: hook.id,
                target: hook.url.clone(),
                event,
                subject: event.as_str().into(),
                body: payload.clone(),
                sensitive: false,
            }
            .row(),
        );
    }
}
