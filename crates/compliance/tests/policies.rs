//! Published policies and consents against real SQLite and PostgreSQL databases: versions and
//! their dates, what a user must accept and when again, the consent records, and registration.
//! Time is passed in by each test, never slept.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use std::net::IpAddr;

use accounts::{Accounts, NewUser};
use chrono::{DateTime, Duration, Utc};
use common::{Actor, ErrorKind, FieldCode, Stored};
use compliance::{
    ComplianceError, Policies, PolicyKind,
    policies::{Acceptance, NewVersion},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use testkit::{TestDb, db_test};

fn policies() -> (Accounts, Policies) {
    let accounts = Accounts::new(Duration::hours(1));
    (accounts.clone(), Policies::new(accounts))
}

fn person(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        password: "nuoc-mam-cua-tung".into(),
        full_name: "Nguyễn Thị Lan".into(),
        phone: None,
    }
}

/// The next whole second: PostgreSQL keeps microseconds, SQLite more, and the tests compare
/// the times they pass in with the times they read back; rounded up, so it comes after the
/// starting texts took effect.
fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(0) + Duration::seconds(1)
}

fn client() -> Option<IpAddr> {
    Some("203.113.7.42".parse().unwrap())
}

fn accept(kind: PolicyKind, version: i32) -> Acceptance {
    Acceptance { kind, version }
}

/// An administrator, made as the CLI makes one.
async fn admin(db: &TestDb, accounts: &Accounts) -> Actor {
    let mut who = person("quantri@tinh.vn");
    who.full_name = "Quản trị".into();
    accounts.create(&db.conn, who, true).await.unwrap().actor()
}

fn version(title: &str, effective_from: Option<DateTime<Utc>>) -> NewVersion {
    NewVersion {
        title: title.into(),
        body: "Nội dung mới của chính sách.".into(),
        effective_from,
    }
}

/// The kinds and versions of a list of policies.
fn versions<'a>(list: impl IntoIterator<Item = &'a compliance::Policy>) -> Vec<(PolicyKind, i32)> {
    list.into_iter().map(|p| (p.kind, p.version)).collect()
}

db_test!(
    a_fresh_database_has_a_first_version_of_each_kind_in_effect,
    |db: TestDb| async move {
        let (_, p) = policies();
        let now = now();
        let current = p.current(&db.conn, now).await.unwrap();
        let expected: Vec<_> = PolicyKind::ALL.iter().map(|k| (*k, 1)).collect();
        assert_eq!(versions(&current), expected);
        for policy in &current {
            assert!(policy.effective_from <= now, "{policy:?}");
            assert!(!policy.title.is_empty() && !policy.title.starts_with('#'));
            assert!(
                policy.body.len() > 200,
                "{} has a body",
                policy.kind.as_str()
            );
        }
        let rules = &current[0];
        assert_eq!(
            rules.title,
            "Quy chế hoạt động sàn giao dịch thương mại điện tử"
        );
    }
);

db_test!(
    versions_are_numbered_in_order_and_take_effect_on_their_date,
    |db: TestDb| async move {
        let (accounts, p) = policies();
        let admin = admin(&db, &accounts).await;
        let now = now();
        let in_ten_days = now + Duration::days(10);
        let v2 = p
            .publish(
                &db.conn,
                &admin,
                PolicyKind::Privacy,
                version(
                    "Chính sách bảo vệ dữ liệu cá nhân (2027)",
                    Some(in_ten_days),
                ),
                now,
            )
            .await
            .unwrap();
        assert_eq!((v2.version, v2.effective_from), (2, in_ten_days));
        // Until its date, version 1 is in effect; from it, version 2.
        let privacy = |at| {
            let p = p.clone();
            let db = &db.conn;
            async move {
                p.get(db, PolicyKind::Privacy, None, at)
                    .await
                    .unwrap()
                    .version
            }
        };
        assert_eq!(privacy(in_ten_days - Duration::seconds(1)).await, 1);
        assert_eq!(privacy(in_ten_days).await, 2);
        // The older version stays readable by its number; an unknown one is not found.
        let v1 = p
            .get(&db.conn, PolicyKind::Privacy, Some(1), in_ten_days)
            .await
            .unwrap();
        assert_ne!(v1.title, v2.title);
        let missing = p
            .get(&db.conn, PolicyKind::Privacy, Some(3), in_ten_days)
            .await
            .unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        // Without a date it takes effect at once, as the next number.
        let v3 = p
            .publish(
                &db.conn,
                &admin,
                PolicyKind::Privacy,
                version("Bản sửa", None),
                now,
            )
            .await
            .unwrap();
        assert_eq!((v3.version, v3.effective_from), (3, now));
        assert_eq!(privacy(now).await, 3);
        // Other kinds keep their own numbering.
        let current = p.current(&db.conn, now).await.unwrap();
        assert!(versions(&current).contains(&(PolicyKind::Returns, 1)));
    }
);

db_test!(
    publishing_is_for_administrators_never_in_the_past_and_audited,
    |db: TestDb| async move {
        let (accounts, p) = policies();
        let admin = admin(&db, &accounts).await;
        let buyer = accounts
            .register(&db.conn, person("khach@example.vn"))
            .await
            .unwrap()
            .actor();
        let now = now();
        let refused = p
            .publish(
                &db.conn,
                &buyer,
                PolicyKind::Returns,
                version("Đổi trả", None),
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Forbidden);
        let anonymous = p
            .publish(
                &db.conn,
                &Actor::Anonymous,
                PolicyKind::Returns,
                version("Đổi trả", None),
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(anonymous.kind(), ErrorKind::Unauthorized);
        let past = p
            .publish(
                &db.conn,
                &admin,
                PolicyKind::Returns,
                version("Đổi trả", Some(now - Duration::minutes(1))),
                now,
            )
            .await
            .unwrap_err();
        let ComplianceError::Common(e) = past else {
            panic!("expected a validation error, got {past:?}");
        };
        assert_eq!(e.fields[0].field, "effective_from");
        assert_eq!(e.fields[0].code, FieldCode::InThePast);
        // Nothing of that reached the table.
        let current = p.current(&db.conn, now).await.unwrap();
        assert!(versions(&current).contains(&(PolicyKind::Returns, 1)));
        let published = p
            .publish(
                &db.conn,
                &admin,
                PolicyKind::Returns,
                version("Đổi trả 2027", None),
                now,
            )
            .await
            .unwrap();
        use catalog::entity::audit_log;
        let entries = audit_log::Entity::find()
            .filter(audit_log::Column::SubjectType.eq("policy"))
            .all(&db.conn)
            .await
            .unwrap();
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(Some(entry.actor_id), admin.user_id());
        assert_eq!(entry.action, "policy.publish");
        let after: serde_json::Value =
            serde_json::from_str(entry.after.as_deref().unwrap()).unwrap();
        assert_eq!(after["kind"], "returns");
        assert_eq!(after["version"], published.version);
    }
);

db_test!(
    a_user_accepts_again_when_a_new_version_takes_effect,
    |db: TestDb| async move {
        let (accounts, p) = policies();
        let admin = admin(&db, &accounts).await;
        let t0 = now();
        let user = p
            .register(
                &db.conn,
                person("lan@example.vn"),
                Some(vec![
                    accept(PolicyKind::OperatingRules, 1),
                    accept(PolicyKind::Privacy, 1),
                ]),
                client(),
                t0,
            )
            .await
            .unwrap();
        let pending = |at| {
            let p = p.clone();
            let db = &db.conn;
            async move {
                p.pending(db, user.id, at)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|x| (x.kind, x.version))
                    .collect::<Vec<_>>()
            }
        };
        assert!(pending(t0).await.is_empty());
        p.require_accepted(&db.conn, user.id, t0).await.unwrap();

        let takes_effect = t0 + Duration::days(30);
        p.publish(
            &db.conn,
            &admin,
            PolicyKind::OperatingRules,
            version("Quy chế hoạt động (sửa đổi)", Some(takes_effect)),
            t0,
        )
        .await
        .unwrap();
        // Announced but not in effect: nothing to accept yet, and it cannot be accepted early.
        assert!(
            pending(takes_effect - Duration::seconds(1))
                .await
                .is_empty()
        );
        let early = p
            .accept(
                &db.conn,
                &user.actor(),
                accept(PolicyKind::OperatingRules, 2),
                client(),
                t0,
            )
            .await
            .unwrap_err();
        let ComplianceError::Common(e) = early else {
            panic!("expected a validation error, got {early:?}");
        };
        assert_eq!(
            (e.fields[0].field.as_str(), e.fields[0].code),
            ("version", FieldCode::NotInEffect)
        );
        // From its date the user must accept it before ordering.
        assert_eq!(
            pending(takes_effect).await,
            [(PolicyKind::OperatingRules, 2)]
        );
        let refused = p
            .require_accepted(&db.conn, user.id, takes_effect)
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "policy_not_accepted");
        assert_eq!(refused.kind(), ErrorKind::Conflict);
        let e = common::Error::from(refused);
        assert_eq!(e.details.unwrap()["kinds"], "operating_rules");

        let consent = p
            .accept(
                &db.conn,
                &user.actor(),
                accept(PolicyKind::OperatingRules, 2),
                client(),
                takes_effect,
            )
            .await
            .unwrap();
        assert_eq!((consent.version, consent.accepted_at), (2, takes_effect));
        assert!(pending(takes_effect).await.is_empty());
        p.require_accepted(&db.conn, user.id, takes_effect)
            .await
            .unwrap();
    }
);

db_test!(
    consent_records_are_complete_and_only_ever_added,
    |db: TestDb| async move {
        let (accounts, p) = policies();
        let t0 = now();
        let user = p
            .register(
                &db.conn,
                person("lan@example.vn"),
                Some(vec![
                    accept(PolicyKind::Privacy, 1),
                    accept(PolicyKind::OperatingRules, 1),
                    accept(PolicyKind::Privacy, 1),
                ]),
                client(),
                t0,
            )
            .await
            .unwrap();
        let history = p.consents(&db.conn, &user.actor()).await.unwrap();
        // The privacy consent is a record of its own, apart from the operating rules'; named
        // twice, it is recorded once.
        let mut kinds: Vec<_> = history.iter().map(|c| (c.kind, c.version)).collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [(PolicyKind::OperatingRules, 1), (PolicyKind::Privacy, 1)]
        );
        for c in &history {
            assert_eq!(c.user_id, user.id);
            assert_eq!(c.accepted_at, t0);
            assert_eq!(c.client_address.as_deref(), Some("203.113.7.42"));
        }
        // Accepting again adds a record; the earlier ones stay as they were.
        let later = t0 + Duration::hours(2);
        let again = p
            .accept(
                &db.conn,
                &user.actor(),
                accept(PolicyKind::Privacy, 1),
                Some("2001:db8::7".parse().unwrap()),
                later,
            )
            .await
            .unwrap();
        let after = p.consents(&db.conn, &user.actor()).await.unwrap();
        assert_eq!(after.len(), 3);
        assert_eq!(after[0], again, "newest first");
        assert_eq!(after[0].client_address.as_deref(), Some("2001:db8::7"));
        for old in &history {
            assert!(after.contains(old), "{old:?} is still there, unchanged");
        }
        // Another user's consents are theirs alone; an anonymous caller has none to read.
        let other = accounts
            .register(&db.conn, person("khach@example.vn"))
            .await
            .unwrap();
        assert!(
            p.consents(&db.conn, &other.actor())
                .await
                .unwrap()
                .is_empty()
        );
        let anonymous = p.consents(&db.conn, &Actor::Anonymous).await.unwrap_err();
        assert_eq!(anonymous.kind(), ErrorKind::Unauthorized);
        // Erasing the account forgets where the consents came from, and only that.
        let forgotten = accounts
            .forget_consent_addresses(&db.conn, user.id)
            .await
            .unwrap();
        assert_eq!(forgotten, 3);
        let kept = p.consents(&db.conn, &user.actor()).await.unwrap();
        assert_eq!(kept.len(), 3);
        for (k, was) in kept.iter().zip(&after) {
            assert_eq!(
                (k.id, k.user_id, k.kind, k.version, k.accepted_at),
                (was.id, was.user_id, was.kind, was.version, was.accepted_at)
            );
            assert_eq!(k.client_address, None);
        }
        // A kind with no version in effect is refused naming the kind.
        use compliance::policies::entity as policy;
        policy::Entity::delete_many()
            .filter(policy::Column::Kind.eq("complaints"))
            .exec(&db.conn)
            .await
            .unwrap();
        let none = p
            .accept(
                &db.conn,
                &user.actor(),
                accept(PolicyKind::Complaints, 1),
                client(),
                later,
            )
            .await
            .unwrap_err();
        let ComplianceError::Common(e) = none else {
            panic!("expected a validation error, got {none:?}");
        };
        assert_eq!(e.fields[0].field, "kind");
    }
);

db_test!(
    registering_without_accepting_leaves_the_policies_pending,
    |db: TestDb| async move {
        let (_, p) = policies();
        let now = now();
        let user = p
            .register(&db.conn, person("lan@example.vn"), None, client(), now)
            .await
            .unwrap();
        // Silence is no consent: nothing recorded, both policies pending.
        assert!(
            p.consents(&db.conn, &user.actor())
                .await
                .unwrap()
                .is_empty()
        );
        let pending: Vec<_> = p
            .pending(&db.conn, user.id, now)
            .await
            .unwrap()
            .into_iter()
            .map(|x| (x.kind, x.version))
            .collect();
        assert_eq!(
            pending,
            [(PolicyKind::OperatingRules, 1), (PolicyKind::Privacy, 1)]
        );
    }
);

db_test!(
    registering_with_too_few_policies_names_every_bad_field_and_makes_nothing,
    |db: TestDb| async move {
        let (accounts, p) = policies();
        let now = now();
        let mut bad = person("not-an-email");
        bad.password = "short".into();
        let err = p
            .register(
                &db.conn,
                bad,
                Some(vec![
                    accept(PolicyKind::OperatingRules, 2),
                    accept(PolicyKind::Returns, 1),
                ]),
                client(),
                now,
            )
            .await
            .unwrap_err();
        let ComplianceError::Common(e) = err else {
            panic!("expected a validation error, got {err:?}");
        };
        let fields: Vec<_> = e
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("email", FieldCode::InvalidEmail),
                ("password", FieldCode::LengthOutOfRange),
                ("accepted_policies.operating_rules", FieldCode::NotInEffect),
                ("accepted_policies.privacy", FieldCode::Required),
            ]
        );
        // Privacy is asked for on its own: accepting the operating rules does not imply it.
        let err = p
            .register(
                &db.conn,
                person("lan@example.vn"),
                Some(vec![accept(PolicyKind::OperatingRules, 1)]),
                client(),
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "validation_failed");
        assert!(
            accounts
                .find_by_email(&db.conn, "lan@example.vn")
                .await
                .unwrap()
                .is_none()
        );
        let users = accounts::entity::user::Entity::find()
            .count(&db.conn)
            .await
            .unwrap();
        assert_eq!(users, 0);
    }
);

db_test!(
    a_policy_version_of_an_unknown_kind_is_an_error_not_left_out,
    |db: TestDb| async move {
        use compliance::policies::entity as policy;
        use sea_orm::ActiveValue::Set;
        let (_, p) = policies();
        let now = now();
        assert!(p.current(&db.conn, now).await.is_ok());
        policy::Entity::insert(policy::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            kind: Set("cookie_banner".into()),
            version: Set(1),
            title: Set("Cookie".into()),
            body: Set("Cookie".into()),
            effective_from: Set(now - Duration::days(1)),
            published_at: Set(now - Duration::days(1)),
            published_by: Set(None),
        })
        .exec_without_returning(&db.conn)
        .await
        .unwrap();
        let err: ComplianceError = p.current(&db.conn, now).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal, "{err:?}");
    }
);
