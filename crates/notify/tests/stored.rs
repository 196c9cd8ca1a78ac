//! A delivery row whose channel is no known one is corrupt: the worker gives it up, saying
//! why, instead of sending it as an email.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use chrono::Utc;
use notify::{
    channel::{Channel, Message, SendError, WebhookSender},
    entity::delivery,
    worker::{Deliverer, Retry},
};
use sea_orm::{ActiveValue::Set, EntityTrait};
use testkit::{TestDb, db_test};
use uuid::Uuid;

/// A mail channel that counts what it is asked to send.
#[derive(Default)]
struct Counted(AtomicUsize);

#[async_trait]
impl Channel for Counted {
    fn name(&self) -> &'static str {
        notify::channels::EMAIL
    }

    async fn send(&self, _: &Message) -> Result<Option<u16>, SendError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(None)
    }
}

/// A pending delivery by `channel`.
fn row(channel: &str) -> delivery::ActiveModel {
    let now = Utc::now();
    delivery::ActiveModel {
        public_id: Set(Uuid::now_v7()),
        channel: Set(channel.into()),
        source_id: Set(Uuid::now_v7()),
        ordering_key: Set(Uuid::now_v7()),
        target: Set("chu.gian.hang@example.vn".into()),
        event: Set(notify::Event::NewOrder.as_str().into()),
        subject: Set("Đơn hàng mới".into()),
        body: Set("Có đơn hàng mới.".into()),
        sensitive: Set(false),
        status: Set("pending".into()),
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

db_test!(
    a_delivery_with_an_unknown_channel_is_given_up_not_emailed,
    |db: TestDb| async move {
        let db = &db.conn;
        for channel in ["sms", "email"] {
            delivery::Entity::insert(row(channel))
                .exec_without_returning(db)
                .await
                .unwrap();
        }
        let mail = Arc::new(Counted::default());
        let worker = Deliverer::new(
            Some(mail.clone()),
            Arc::new(WebhookSender::new(Duration::from_secs(1), true)),
            Retry::default(),
        );
        let round = worker.round(db, Utc::now()).await.unwrap();
        assert_eq!((round.sent, round.failed, round.retrying), (1, 1, 0));
        assert_eq!(mail.0.load(Ordering::SeqCst), 1, "only the email was sent");
        let rows = delivery::Entity::find().all(db).await.unwrap();
        let corrupt = rows.iter().find(|d| d.channel == "sms").unwrap();
        assert_eq!(corrupt.status, "failed");
        assert_eq!(
            corrupt.last_error.as_deref(),
            Some(r#"delivery channel "sms" is not known"#)
        );
        let email = rows.iter().find(|d| d.channel == "email").unwrap();
        assert_eq!(email.status, "sent");
    }
);
