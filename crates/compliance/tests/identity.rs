//! Seller identity against real SQLite and PostgreSQL databases: the grace period of stalls
//! that sold before the rule (the owner told at its start and a week before its end, the stall
//! suspended at its end and selling again once verified), with time moved by the test; the
//! test kit's automatic stand-in; and id numbers kept out of logs and audit entries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use std::sync::{Arc, Mutex};

use accounts::{Accounts, NewUser, User};
use catalog::{
    Catalog, Regions,
    entity::{audit_log, stall},
    stall::{BusinessType, NewStall, Role, StallAction},
};
use chrono::{DateTime, Duration, Utc};
use compliance::identity::{
    Grace, Identities, IdentityStatus, NewIdentity,
    grace::{SUSPENSION_REASON, Swept},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use testkit::{TestDb, db_test};
use uuid::Uuid;

const NUMBER: &str = "045080001234";

struct World {
    catalog: Catalog,
    identities: Identities,
    admin: User,
    owner: User,
    staff: User,
}

async fn person(db: &DatabaseConnection, accounts: &Accounts, email: &str, admin: bool) -> User {
    accounts
        .create(
            db,
            NewUser {
                email: email.into(),
                password: "tieu-phu-quoc-2025".into(),
                full_name: "Trần Văn Minh".into(),
                phone: None,
            },
            admin,
        )
        .await
        .unwrap()
}

async fn world(db: &DatabaseConnection) -> World {
    let accounts = Accounts::new(Duration::hours(1));
    let catalog = Catalog::new(Regions::builtin());
    World {
        identities: Identities::new(catalog.clone()),
        admin: person(db, &accounts, "quantri@tinh.vn", true).await,
        owner: person(db, &accounts, "htx@example.vn", false).await,
        staff: person(db, &accounts, "nhanvien@example.vn", false).await,
        catalog,
    }
}

impl World {
    async fn stall(&self, db: &DatabaseConnection, name: &str) -> Uuid {
        self.catalog
            .apply(
                db,
                &self.owner.actor(),
                NewStall {
                    name: name.into(),
                    description: String::new(),
                    commune_code: self.catalog.regions().all()[0].code.clone(),
                    address: "Thôn Tân Mỹ, xã Cửa Tùng".into(),
                    phone: "0233 3852 123".into(),
                    business_type: BusinessType::Cooperative,
                    registration_no: None,
                    logo: None,
                    banner: None,
                },
            )
            .await
            .unwrap()
            .id
    }

    /// A stall approved before the rule: selling, its seller never identified (as the
    /// migration leaves every stall of before).
    async fn old_stall(&self, db: &DatabaseConnection, name: &str) -> Uuid {
        let id = self.approved(db, name).await;
        self.catalog
            .set_seller_verified(db, self.admin.id, id, false)
            .await
            .unwrap();
        id
    }

    /// A stall approved as it is now: its seller verified first.
    async fn approved(&self, db: &DatabaseConnection, name: &str) -> Uuid {
        let id = self.stall(db, name).await;
        self.catalog
            .set_seller_verified(db, self.admin.id, id, true)
            .await
            .unwrap();
        self.catalog
            .moderate_stall(
                db,
                &self.admin.actor(),
                &id.to_string(),
                StallAction::Approve,
                None,
            )
            .await
            .unwrap();
        id
    }

    async fn submit(
        &self,
        db: &DatabaseConnection,
        stall: Uuid,
        number: &str,
        now: DateTime<Utc>,
    ) -> IdentityStatus {
        self.identities
            .submit(
                db,
                &self.owner.actor(),
                &stall.to_string(),
                identity(number),
                now,
            )
            .await
            .unwrap()
            .status
    }
}

fn identity(number: &str) -> NewIdentity {
    NewIdentity {
        method: compliance::identity::IdentityMethod::CitizenIdCard,
        full_name: "Lê Văn Tùng".into(),
        id_number: number.into(),
        date_of_birth: "1980-05-12".parse().unwrap(),
        document_urls: vec!["https://anh.example.vn/cccd.jpg".into()],
        document_media_ids: Vec::new(),
    }
}

/// The events `user` was told in the inbox, oldest first, with their facts.
async fn told(db: &DatabaseConnection, user: Uuid) -> Vec<(String, serde_json::Value)> {
    notify::entity::notification::Entity::find()
        .filter(notify::entity::notification::Column::UserId.eq(user))
        .order_by_asc(notify::entity::notification::Column::CreatedAt)
        .order_by_asc(notify::entity::notification::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.event, serde_json::from_str(&n.data).unwrap()))
        .collect()
}

/// The subjects of the emails waiting for `address`.
async fn mailed(db: &DatabaseConnection, address: &str) -> Vec<String> {
    notify::entity::delivery::Entity::find()
        .filter(notify::entity::delivery::Column::Target.eq(address))
        .order_by_asc(notify::entity::delivery::Column::CreatedAt)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.subject)
        .collect()
}

async fn row(db: &DatabaseConnection, id: Uuid) -> stall::Model {
    stall::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

fn swept(started: u64, reminded: u64, suspended: u64) -> Swept {
    Swept {
        started,
        reminded,
        suspended,
    }
}

db_test!(
    an_old_stall_is_told_reminded_then_suspended_until_verified,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let old = w.old_stall(db, "HTX Nước mắm Cửa Tùng").await;
        w.catalog
            .add_member(
                db,
                &Accounts::new(Duration::hours(1)),
                &w.owner.actor(),
                &old.to_string(),
                "nhanvien@example.vn",
                Role::Staff,
            )
            .await
            .unwrap();
        let verified = w.approved(db, "HTX Tiêu Vĩnh Linh").await;
        let pending = w.stall(db, "HTX Gạo Triệu Phong").await;
        let grace = Grace::new(w.catalog.clone(), 30);
        let t0 = Utc::now();
        let day = Duration::days(1);

        // The first sweep finds it and tells its owner the deadline, by inbox and email.
        assert_eq!(grace.sweep(db, t0).await.unwrap(), swept(1, 0, 0));
        let deadline = common::calendar::day_of(t0 + day * 30)
            .format("%d/%m/%Y")
            .to_string();
        let heard = told(db, w.owner.id).await;
        let last = heard.last().unwrap();
        assert_eq!(last.0, "identity_required");
        assert_eq!(last.1["deadline"], deadline);
        assert_eq!(last.1["days"], 30);
        assert_eq!(last.1["stall"], "HTX Nước mắm Cửa Tùng");
        let mails = mailed(db, "htx@example.vn").await;
        assert!(mails.last().unwrap().contains(&deadline), "{mails:?}");
        assert!(
            told(db, w.staff.id).await.is_empty(),
            "the owner is told, not the staff"
        );

        // Nothing more until a week before the deadline, then one reminder.
        for at in [t0, t0 + day, t0 + day * 22] {
            assert_eq!(grace.sweep(db, at).await.unwrap(), swept(0, 0, 0), "{at}");
        }
        assert_eq!(
            grace.sweep(db, t0 + day * 23).await.unwrap(),
            swept(0, 1, 0)
        );
        assert_eq!(
            grace.sweep(db, t0 + day * 29).await.unwrap(),
            swept(0, 0, 0)
        );
        assert_eq!(
            told(db, w.owner.id).await.last().unwrap().0,
            "identity_reminder"
        );

        // At the deadline it is suspended with the reason, and its members hear of it.
        assert_eq!(
            grace.sweep(db, t0 + day * 30).await.unwrap(),
            swept(0, 0, 1)
        );
        let s = row(db, old).await;
        assert_eq!(s.status, "suspended");
        assert_eq!(s.status_reason.as_deref(), Some(SUSPENSION_REASON));
        assert_eq!(s.suspension_cause.as_deref(), Some("identity_unverified"));
        for user in [w.owner.id, w.staff.id] {
            let heard = told(db, user).await;
            let (event, facts) = heard.last().unwrap();
            assert_eq!(event, "stall_suspended");
            assert_eq!(facts["reason"], SUSPENSION_REASON);
        }
        assert_eq!(
            grace.sweep(db, t0 + day * 31).await.unwrap(),
            swept(0, 0, 0)
        );
        // The others were never concerned.
        assert_eq!(row(db, verified).await.status, "approved");
        assert_eq!(row(db, pending).await.status, "pending");

        // The owner identifies the seller; once an administrator verifies, it sells again.
        let later = t0 + day * 32;
        assert_eq!(
            w.submit(db, old, NUMBER, later).await,
            IdentityStatus::Pending
        );
        assert_eq!(
            row(db, old).await.status,
            "suspended",
            "pending is not verified"
        );
        let v = w
            .identities
            .verify(db, &w.admin.actor(), &old.to_string(), later)
            .await
            .unwrap();
        assert_eq!(v.status, IdentityStatus::Verified);
        let s = row(db, old).await;
        assert_eq!((s.status.as_str(), s.seller_verified), ("approved", true));
        assert_eq!(grace.sweep(db, later + day).await.unwrap(), swept(0, 0, 0));
    }
);

db_test!(
    a_grace_of_a_week_or_less_needs_no_reminder,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let old = w.old_stall(db, "HTX Nước mắm Cửa Tùng").await;
        let grace = Grace::new(w.catalog.clone(), 5);
        let t0 = Utc::now();
        assert_eq!(grace.sweep(db, t0).await.unwrap(), swept(1, 0, 0));
        assert_eq!(
            grace.sweep(db, t0 + Duration::days(4)).await.unwrap(),
            swept(0, 0, 0)
        );
        assert_eq!(
            grace.sweep(db, t0 + Duration::days(5)).await.unwrap(),
            swept(0, 0, 1)
        );
        assert_eq!(row(db, old).await.status, "suspended");
        // Verified within the grace period, a stall is never touched again.
        let other = w.old_stall(db, "HTX Tiêu Vĩnh Linh").await;
        let t1 = t0 + Duration::days(6);
        assert_eq!(grace.sweep(db, t1).await.unwrap(), swept(1, 0, 0));
        w.submit(db, other, NUMBER, t1).await;
        w.identities
            .verify(db, &w.admin.actor(), &other.to_string(), t1)
            .await
            .unwrap();
        assert_eq!(
            grace.sweep(db, t1 + Duration::days(30)).await.unwrap(),
            swept(0, 0, 0)
        );
        assert_eq!(row(db, other).await.status, "approved");
    }
);

db_test!(
    the_automatic_stand_in_answers_by_its_rule,
    |db: TestDb| async move {
        let db = &db.conn;
        let mut w = world(db).await;
        w.identities = w
            .identities
            .clone()
            .with_verifier(Arc::new(testkit::identity::RuleVerifier));
        let now = Utc::now();
        for (number, status) in [
            ("045080001234", IdentityStatus::Verified),
            ("045080001000", IdentityStatus::Rejected),
            ("045080001999", IdentityStatus::Pending),
            ("045080001998", IdentityStatus::Pending),
        ] {
            let stall = w.stall(db, &format!("Gian hàng {number}")).await;
            assert_eq!(w.submit(db, stall, number, now).await, status, "{number}");
            assert_eq!(
                row(db, stall).await.seller_verified,
                status == IdentityStatus::Verified,
                "{number}"
            );
        }
    }
);

/// What the code under test logs, at every level, on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

db_test!(
    no_id_number_reaches_the_logs_or_the_audit_log,
    |db: TestDb| async move {
        // The subscriber below is this thread's; tracing keeps which callsites are enabled per
        // process, so tests of other threads of one `cargo test` process can leave the
        // service's callsites off for it. nextest runs each test in a process of its own, as
        // CI does after `cargo test`.
        if std::env::var_os("NEXTEST").is_none() {
            eprintln!("skipped: needs a process of its own (cargo nextest)");
            return;
        }
        let db = &db.conn;
        let mut w = world(db).await;
        w.identities = w
            .identities
            .clone()
            .with_verifier(Arc::new(testkit::identity::RuleVerifier));
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(logs.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let now = Utc::now();
        let numbers = ["045080001998", "045080001999", "045080002000"];
        let stall = w.stall(db, "HTX Nước mắm Cửa Tùng").await;
        // The provider fails (it is logged), then needs a person who rejects, then rejects.
        for number in &numbers[..2] {
            w.submit(db, stall, number, now).await;
        }
        w.identities
            .reject(
                db,
                &w.admin.actor(),
                &stall.to_string(),
                Some("Ảnh bị mờ"),
                now,
            )
            .await
            .unwrap();
        w.submit(db, stall, numbers[2], now).await;
        // A refused form names the field, never the value.
        let bad = w
            .identities
            .submit(
                db,
                &w.owner.actor(),
                &stall.to_string(),
                identity("999080001234"),
                now,
            )
            .await
            .unwrap_err();
        assert!(!format!("{bad} {bad:?}").contains("999080001234"));

        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("seller identity submitted"),
            "the logs were read: {text}"
        );
        assert!(text.contains("the identity check failed"), "{text}");
        let audit = audit_log::Entity::find()
            .filter(audit_log::Column::SubjectId.eq(stall))
            .all(db)
            .await
            .unwrap();
        assert!(audit.iter().any(|e| e.action == "identity.submit"));
        let audit = format!("{audit:?}");
        for number in numbers {
            assert!(!text.contains(number), "{number} in the logs");
            assert!(!audit.contains(number), "{number} in the audit log");
            assert!(!text.contains(&number[..9]), "most of {number} in the logs");
        }
    }
);
