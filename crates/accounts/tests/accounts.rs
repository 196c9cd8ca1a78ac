//! The accounts service against real SQLite and PostgreSQL databases.

use accounts::{Accounts, AccountsError, NewUser};
use chrono::Duration;
use testkit::{TestDb, db_test};

fn lan() -> NewUser {
    NewUser {
        email: "  Lan.Nguyen@Example.VN ".into(),
        password: "nuoc-mam-cua-tung".into(),
        full_name: "Nguyễn Thị Lan".into(),
        phone: Some("+84 912 345 678".into()),
    }
}

fn service() -> Accounts {
    Accounts::new(Duration::hours(1))
}

db_test!(
    register_normalises_and_refuses_duplicates,
    |db: TestDb| async move {
        let svc = service();
        let user = svc.register(&db.conn, lan()).await.unwrap();
        assert_eq!(user.email, "lan.nguyen@example.vn");
        assert_eq!(user.phone.as_deref(), Some("0912345678"));
        assert_eq!(user.full_name, "Nguyễn Thị Lan");
        assert!(!user.is_admin);

        let mut again = lan();
        again.email = "LAN.NGUYEN@example.vn".into();
        let err = svc.register(&db.conn, again).await.unwrap_err();
        assert!(matches!(err, AccountsError::EmailTaken), "{err:?}");
    }
);

db_test!(register_names_every_bad_field, |db: TestDb| async move {
    let err = service()
        .register(
            &db.conn,
            NewUser {
                email: "not-an-email".into(),
                password: "short".into(),
                full_name: "   ".into(),
                phone: Some("12345".into()),
            },
        )
        .await
        .unwrap_err();
    let AccountsError::Invalid(e) = err else {
        panic!("expected a validation error, got {err:?}");
    };
    let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["email", "password", "full_name", "phone"]);
});

db_test!(login_authenticate_logout, |db: TestDb| async move {
    let svc = service();
    let user = svc.register(&db.conn, lan()).await.unwrap();

    let wrong = svc
        .login(&db.conn, "lan.nguyen@example.vn", "wrong password")
        .await
        .unwrap_err();
    assert!(matches!(wrong, AccountsError::InvalidCredentials));
    let unknown = svc
        .login(&db.conn, "nobody@example.vn", "nuoc-mam-cua-tung")
        .await
        .unwrap_err();
    assert!(matches!(unknown, AccountsError::InvalidCredentials));

    let out = svc
        .login(&db.conn, " LAN.NGUYEN@example.vn", "nuoc-mam-cua-tung")
        .await
        .unwrap();
    assert_eq!(out.user.id, user.id);
    assert!(out.expires_at > chrono::Utc::now() + Duration::minutes(59));
    let me = svc.authenticate(&db.conn, &out.token).await.unwrap();
    assert_eq!(me.id, user.id);

    // A second login is a second, independent session.
    let other = svc
        .login(&db.conn, "lan.nguyen@example.vn", "nuoc-mam-cua-tung")
        .await
        .unwrap();
    svc.logout(&db.conn, &out.token).await.unwrap();
    assert!(matches!(
        svc.authenticate(&db.conn, &out.token).await,
        Err(AccountsError::InvalidToken)
    ));
    assert_eq!(
        svc.authenticate(&db.conn, &other.token).await.unwrap().id,
        user.id
    );
});

db_test!(expired_tokens_stop_working, |db: TestDb| async move {
    let svc = Accounts::new(Duration::seconds(-1));
    svc.register(&db.conn, lan()).await.unwrap();
    let out = svc
        .login(&db.conn, "lan.nguyen@example.vn", "nuoc-mam-cua-tung")
        .await
        .unwrap();
    assert!(matches!(
        svc.authenticate(&db.conn, &out.token).await,
        Err(AccountsError::InvalidToken)
    ));
});

db_test!(admins_are_made_only_by_create, |db: TestDb| async move {
    let svc = service();
    let admin = svc.create(&db.conn, lan(), true).await.unwrap();
    assert!(admin.is_admin);
    assert!(admin.actor().is_admin());
});

/// A closed set of policy kinds, as the compliance crate passes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Terms,
}

impl common::Stored for Kind {
    const WHAT: &'static str = "policy kind";
    const ALL: &'static [Self] = &[Self::Terms];
    fn as_str(self) -> &'static str {
        "terms"
    }
}

db_test!(
    a_consent_of_an_unknown_kind_is_an_error_not_a_default,
    |db: TestDb| async move {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        let svc = service();
        let user = svc.register(&db.conn, lan()).await.unwrap();
        let accepted = [accounts::consent::Acceptance {
            kind: Kind::Terms,
            version: 1,
        }];
        svc.record_consents(&db.conn, user.id, &accepted, None, chrono::Utc::now())
            .await
            .unwrap();
        let read = svc.consents::<Kind, _>(&db.conn, user.id).await.unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].kind, Kind::Terms);

        accounts::entity::consent::Entity::insert(accounts::entity::consent::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            user_id: Set(user.id),
            kind: Set("cookie_banner".into()),
            version: Set(1),
            accepted_at: Set(chrono::Utc::now()),
            client_address: Set(None),
        })
        .exec_without_returning(&db.conn)
        .await
        .unwrap();
        let err = svc
            .consents::<Kind, _>(&db.conn, user.id)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), common::ErrorKind::Internal, "{err:?}");
    }
);
