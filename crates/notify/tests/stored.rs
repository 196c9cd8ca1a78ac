//! Rows holding a value outside its closed set are corrupt. A delivery whose channel is no
//! known one: the worker gives it up, saying why, instead of sending it as an email. A
//! notification or an email opt-out naming no event: reading it is an error, never a default.
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
use common::ErrorKind;
use notify::{
    channel::{Channel, Message, SendError, WebhookSender},
    entity::{delivery, notification, optout},
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

/// A notification of `user` naming `event`.
fn notice(user: Uuid, event: &str) -> notification::ActiveModel {
    notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        event: Set(event.into()),
        title: Set("Đơn hàng mới".into()),
        body: Set("Có đơn hàng mới.".into()),
        data: Set("{}".into()),
        stall_id: Set(None),
        order_id: Set(None),
        created_at: Set(Utc::now()),
        read_at: Set(None),
    }
}

db_test!(
    a_notification_of_an_unknown_event_is_an_error_not_shown_as_text,
    |db: TestDb| async move {
        let db = &db.conn;
        let user = Uuid::now_v7();
        let known = notice(user, notify::Event::NewOrder.as_str());
        notification::Entity::insert(known)
            .exec_without_returning(db)
            .await
            .unwrap();
        let page = common::PageRequest::default();
        let inbox = notify::inbox::list(db, user, false, page).await.unwrap();
        assert_eq!(inbox.items.len(), 1);
        assert_eq!(inbox.items[0].event, "new_order");

        let corrupt = notice(user, "new_odrer");
        let id = corrupt.id.clone().unwrap();
        notification::Entity::insert(corrupt)
            .exec_without_returning(db)
            .await
            .unwrap();
        let e = notify::inbox::list(db, user, false, page)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Internal, "{e:?}");
        let e = notify::inbox::mark_read(db, user, id).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Internal, "{e:?}");
    }
);

db_test!(
    an_opt_out_of_an_unknown_event_is_an_error_not_ignored,
    |db: TestDb| async move {
        let db = &db.conn;
        let user = Uuid::now_v7();
        let settings = notify::prefs::email_settings(db, user).await.unwrap();
        assert!(
            settings.values().all(|on| *on),
            "every email is on at first"
        );
        optout::Entity::insert(optout::ActiveModel {
            user_id: Set(user),
            event: Set("no_such_event".into()),
        })
        .exec_without_returning(db)
        .await
        .unwrap();
        let e = notify::prefs::email_settings(db, user).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Internal, "{e:?}");
    }
);
