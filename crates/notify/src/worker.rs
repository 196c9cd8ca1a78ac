//! The delivery worker: sends what `deliveries` holds, oldest first per recipient or webhook,
//! with back-off, and keeps the log.
//!
//! Rows are claimed with a [`jobs::Lease`] before they are sent, so several instances never
//! send one at once; only the oldest pending row of a recipient or webhook is a candidate, so
//! a receiver that was down gets its events afterwards in order. Email is retried until the
//! mail server takes it (an outage loses nothing) unless the server refuses it for good; a
//! webhook is given up after `max_attempts`. A crash between sending and recording may send a
//! row once more, with the same id, so that the receiver can drop it. Two jobs run it:
//! [`SendDeliveries`] and the hourly [`PruneDeliveries`].

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use common::Stored;
use jobs::{Job, JobError, Lease, Schedule};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QuerySelect, sea_query::Expr,
};

use crate::{
    channel::{Channel, Message, SendError},
    entity::{delivery, webhook},
    status::{ChannelKind, DeliveryState},
    webhooks,
};

/// How the worker retries.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// The first wait; each further failure doubles it.
    pub base: Duration,
    /// The longest wait.
    pub max_wait: Duration,
    /// Tries before a webhook delivery is given up.
    pub max_webhook_attempts: i32,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(30),
            max_wait: Duration::from_secs(3600),
            max_webhook_attempts: 15,
        }
    }
}

impl Retry {
    fn wait(&self, attempts: i32) -> chrono::Duration {
        let factor = 1u32 << attempts.clamp(1, 20).saturating_sub(1);
        let wait = self.base.saturating_mul(factor).min(self.max_wait);
        chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
    }
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Accepted by the receiver.
    pub sent: usize,
    /// Failed this time, to be retried.
    pub retrying: usize,
    /// Given up.
    pub failed: usize,
}

/// Sends deliveries.
#[derive(Clone)]
pub struct Deliverer {
    email: Option<Arc<dyn Channel>>,
    webhook: Arc<dyn Channel>,
    retry: Retry,
    batch: u64,
}

impl Deliverer {
    /// A worker sending email through `email` (none: email is off and such rows are marked
    /// `off`) and webhooks through `webhook`.
    pub fn new(email: Option<Arc<dyn Channel>>, webhook: Arc<dyn Channel>, retry: Retry) -> Self {
        Self {
            email,
            webhook,
            retry,
            batch: 32,
        }
    }

    /// One round: every recipient's and webhook's oldest due delivery, sent at once.
    pub async fn round<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<Round, DbErr> {
        if self.email.is_none() {
            delivery::Entity::update_many()
                .col_expr(
                    delivery::Column::Status,
                    Expr::value(DeliveryState::Off.as_str()),
                )
                .filter(delivery::Column::Channel.eq(ChannelKind::Email.as_str()))
                .filter(delivery::Column::Status.eq(DeliveryState::Pending.as_str()))
                .exec(db)
                .await?;
        }
        let heads = self.claim(db, now).await?;
        let mut round = Round::default();
        let mut sends = tokio::task::JoinSet::new();
        for d in heads {
            match self.prepare(db, &d, now).await? {
                Ok((channel, message)) => {
                    sends.spawn(async move {
                        let result = channel.send(&message).await;
                        (d, result)
                    });
                }
                Err(e) => {
                    self.record(db, &d, Err(e), &mut round).await?;
                }
            }
        }
        // Different recipients and webhooks at once; a slow receiver holds up only itself.
        while let Some(joined) = sends.join_next().await {
            // A send that panicked stays claimed and is retried when the claim lapses.
            if let Ok((d, result)) = joined {
                self.record(db, &d, result, &mut round).await?;
            }
        }
        Ok(round)
    }

    /// Claims the oldest due delivery of each recipient and webhook, up to a batch, for two
    /// minutes: a later row of a key waits while an earlier one is pending, sent or not.
    async fn claim<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<Vec<delivery::Model>, DbErr> {
        use delivery::Column;
        let pending = DeliveryState::Pending.as_str();
        Lease::<delivery::Entity>::new(
            Column::Id,
            Column::ClaimedUntil,
            chrono::Duration::minutes(2),
        )
        .due(
            Condition::all()
                .add(Column::Status.eq(pending))
                .add(Column::NextAttemptAt.lte(now)),
        )
        .one_per_key(Column::OrderingKey, [(Column::Status, pending.into())])
        .batch(self.batch)
        .claim(db, now)
        .await
    }

    async fn prepare<C: ConnectionTrait>(
        &self,
        db: &C,
        d: &delivery::Model,
        now: DateTime<Utc>,
    ) -> Result<Result<(Arc<dyn Channel>, Message), SendError>, DbErr> {
        let mut message = Message {
            id: d.public_id,
            to: d.target.clone(),
            subject: d.subject.clone(),
            body: d.body.clone(),
            headers: Vec::new(),
        };
        let channel = match common::stored::read::<ChannelKind>(&d.channel) {
            Ok(channel) => channel,
            Err(corrupt) => {
                return Ok(Err(SendError::Permanent {
                    status: None,
                    message: corrupt.to_string(),
                }));
            }
        };
        if channel == ChannelKind::Webhook {
            let hook = webhook::Entity::find_by_id(d.ordering_key)
                .filter(webhook::Column::DeletedAt.is_null())
                .one(db)
                .await?;
            let Some(hook) = hook else {
                return Ok(Err(SendError::Permanent {
                    status: None,
                    message: "the webhook was deleted".into(),
                }));
            };
            message.headers =
                webhooks::signature_headers(&hook, d.public_id, now.timestamp(), &d.body, now);
            return Ok(Ok((self.webhook.clone(), message)));
        }
        match &self.email {
            Some(email) => Ok(Ok((email.clone(), message))),
            None => Ok(Err(SendError::Permanent {
                status: None,
                message: "email is off".into(),
            })),
        }
    }

    async fn record<C: ConnectionTrait>(
        &self,
        db: &C,
        d: &delivery::Model,
        result: Result<Option<u16>, SendError>,
        round: &mut Round,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let attempts = d.attempts.saturating_add(1);
        let mut update = delivery::Entity::update_many()
            .col_expr(delivery::Column::Attempts, Expr::value(attempts))
            .col_expr(
                delivery::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        match result {
            Ok(code) => {
                round.sent += 1;
                update = update
                    .col_expr(
                        delivery::Column::Status,
                        Expr::value(DeliveryState::Sent.as_str()),
                    )
                    .col_expr(delivery::Column::SentAt, Expr::value(now))
                    .col_expr(
                        delivery::Column::ResponseStatus,
                        Expr::value(code.map(i32::from)),
                    )
                    .col_expr(
                        delivery::Column::LastError,
                        Expr::value(Option::<String>::None),
                    );
                if d.sensitive {
                    // The single-use link lived here only until the mail server had it.
                    update = update.col_expr(delivery::Column::Body, Expr::value(""));
                }
            }
            Err(e) => {
                let give_up = match &e {
                    SendError::Permanent { .. } => true,
                    SendError::Transient { .. } => {
                        d.channel == ChannelKind::Webhook.as_str()
                            && attempts >= self.retry.max_webhook_attempts
                    }
                };
                tracing::warn!(
                    delivery = d.id, channel = %d.channel, attempts, give_up, error = %e,
                    "notification not delivered"
                );
                update = update
                    .col_expr(delivery::Column::LastError, Expr::value(e.to_string()))
                    .col_expr(
                        delivery::Column::ResponseStatus,
                        Expr::value(e.status().map(i32::from)),
                    );
                if give_up {
                    round.failed += 1;
                    update = update.col_expr(
                        delivery::Column::Status,
                        Expr::value(DeliveryState::Failed.as_str()),
                    );
                    if d.sensitive {
                        update = update.col_expr(delivery::Column::Body, Expr::value(""));
                    }
                } else {
                    round.retrying += 1;
                    update = update.col_expr(
                        delivery::Column::NextAttemptAt,
                        Expr::value(now + self.retry.wait(attempts)),
                    );
                }
            }
        }
        update
            .filter(delivery::Column::Id.eq(d.id))
            .exec(db)
            .await?;
        Ok(())
    }
}

/// How long finished deliveries (sent, failed, off) stay in the log, in days. The inbox keeps
/// its entries; only the outbox of deliveries is pruned.
pub const KEEP_DAYS: i64 = 30;

/// Deletes finished deliveries written before `before`; how many went. Pending ones stay,
/// however old.
pub async fn prune<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(delivery::Entity::delete_many()
        .filter(delivery::Column::Status.ne(DeliveryState::Pending.as_str()))
        .filter(delivery::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

/// How many deliveries wait, per channel (for `/metrics`).
pub async fn pending<C: ConnectionTrait>(db: &C) -> Result<Vec<(String, i64)>, DbErr> {
    use sea_orm::FromQueryResult;
    #[derive(FromQueryResult)]
    struct Row {
        channel: String,
        n: i64,
    }
    let rows = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Channel)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::Status.eq(DeliveryState::Pending.as_str()))
        .group_by(delivery::Column::Channel)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.channel, r.n)).collect())
}

/// The job that sends deliveries, a round a run: while rounds come back full the next follows
/// at once, else after the poll interval.
pub struct SendDeliveries {
    deliverer: Deliverer,
    db: DatabaseConnection,
    every: Duration,
}

impl SendDeliveries {
    /// `deliverer` sending what `db` holds, looking again every `every` once all is sent.
    pub fn new(deliverer: Deliverer, db: DatabaseConnection, every: Duration) -> Self {
        Self {
            deliverer,
            db,
            every,
        }
    }
}

#[jobs::async_trait]
impl Job for SendDeliveries {
    fn kind(&self) -> &'static str {
        "notify_deliveries"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Drain {
            batch: self.deliverer.batch,
            idle: self.every,
        }
    }

    async fn run(&self) -> Result<u64, JobError> {
        let r = self.deliverer.round(&self.db, Utc::now()).await?;
        Ok((r.sent + r.retrying + r.failed) as u64)
    }
}

/// The hourly job that prunes the delivery log of what is older than [`KEEP_DAYS`].
pub struct PruneDeliveries {
    db: DatabaseConnection,
}

impl PruneDeliveries {
    /// The prune of `db`'s log.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[jobs::async_trait]
impl Job for PruneDeliveries {
    fn kind(&self) -> &'static str {
        "notify_prune"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Every(Duration::from_secs(3600))
    }

    async fn run(&self) -> Result<u64, JobError> {
        let pruned = prune(&self.db, Utc::now() - chrono::Duration::days(KEEP_DAYS)).await?;
        if pruned > 0 {
            tracing::info!(deliveries = pruned, "pruned the delivery log");
        }
        Ok(pruned)
    }
}
