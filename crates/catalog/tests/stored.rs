//! A row holding a status, legal form, role or kind that is no member of its set is corrupt
//! data: reading it is an internal error (a 500 that is logged), never a default that would let
//! the row be shown or moved as if it were valid.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use catalog::{
    Catalog, CatalogError, Regions,
    audit::Subject,
    entity::{audit_log, product, stall, stall_member},
    product::{NewProduct, OcopInput},
    service::AuditQuery,
    stall::{BusinessType, NewStall, StallAction},
};
use chrono::Utc;
use common::{Actor, ErrorKind, PageRequest};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::{Expr, Query},
};
use testkit::{TestDb, db_test};
use uuid::Uuid;

/// A user row, as the accounts crate would write it.
async fn user(db: &DatabaseConnection, is_admin: bool) -> Actor {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let stmt = Query::insert()
        .into_table("users")
        .columns([
            "id",
            "email",
            "password_hash",
            "full_name",
            "is_admin",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            id.into(),
            format!("{id}@example.vn").into(),
            "x".into(),
            "Nguyễn Văn A".into(),
            is_admin.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    db.execute(&stmt).await.unwrap();
    Actor::User { id, is_admin }
}

fn catalog() -> Catalog {
    Catalog::new(Regions::builtin())
}

/// A pending stall of a new owner, and the owner.
async fn stall_of_new_owner(db: &DatabaseConnection, c: &Catalog) -> (Uuid, Actor) {
    let owner = user(db, false).await;
    let commune = c.regions().all()[0].code.clone();
    let s = c
        .apply(
            db,
            &owner,
            NewStall {
                name: format!("HTX Nước mắm {}", Uuid::now_v7().simple()),
                description: String::new(),
                commune_code: commune,
                address: "Thôn Tân Mỹ, xã Cửa Tùng".into(),
                phone: "0233 3852 123".into(),
                business_type: BusinessType::Cooperative,
                registration_no: None,
                logo: None,
                banner: None,
            },
        )
        .await
        .unwrap();
    (s.id, owner)
}

/// Overwrites `column` of the stall's row with `value`, as a hand edit would.
async fn set_stall(db: &DatabaseConnection, id: Uuid, column: stall::Column, value: &str) {
    let res = stall::Entity::update_many()
        .col_expr(column, Expr::value(value))
        .filter(stall::Column::Id.eq(id))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 1);
}

fn assert_internal<T: std::fmt::Debug>(r: Result<T, CatalogError>, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.kind(), ErrorKind::Internal, "{what}: {e:?}");
    assert_eq!(e.code(), "internal", "{what}");
}

db_test!(
    a_corrupt_stall_status_is_an_error_not_pending,
    |db: TestDb| async move {
        let db = &db.conn;
        let c = catalog();
        let admin = user(db, true).await;
        let (id, owner) = stall_of_new_owner(db, &c).await;
        set_stall(db, id, stall::Column::Status, "aproved").await;
        let key = id.to_string();
        assert_internal(c.stall(db, &owner, &key).await, "the owner's view");
        assert_internal(c.my_stalls(db, &owner).await, "the owner's list");
        let Actor::User { id: owner_id, .. } = owner else {
            unreachable!()
        };
        let accounts = accounts::Accounts::new(chrono::Duration::hours(1));
        assert_internal(
            c.disable_account(db, &accounts, &admin, owner_id, None)
                .await,
            "disabling its owner",
        );
        let queue = c
            .stall_queue(
                db,
                &admin,
                catalog::stall::StallStatus::Pending,
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(queue.total, 0, "a corrupt stall is in no queue");
        // Not approved as if it were pending, nor resubmitted as if it were rejected.
        assert_internal(
            c.moderate_stall(db, &admin, &key, StallAction::Approve, None)
                .await,
            "approving it",
        );
        assert_internal(
            c.update_stall(db, &owner, &key, Default::default()).await,
            "editing it",
        );
        let row = stall::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, "aproved", "the row is left as it was");
        assert!(row.approved_at.is_none());
    }
);

db_test!(
    a_corrupt_business_type_or_role_is_an_error_not_a_default,
    |db: TestDb| async move {
        let db = &db.conn;
        let c = catalog();
        let (id, owner) = stall_of_new_owner(db, &c).await;
        let key = id.to_string();
        set_stall(db, id, stall::Column::BusinessType, "co-op").await;
        assert_internal(c.stall(db, &owner, &key).await, "an unknown legal form");
        set_stall(db, id, stall::Column::BusinessType, "cooperative").await;
        assert_eq!(c.stall(db, &owner, &key).await.unwrap().id, id);

        let Actor::User { id: owner_id, .. } = owner else {
            unreachable!()
        };
        stall_member::Entity::update_many()
            .col_expr(stall_member::Column::Role, Expr::value("Owner"))
            .filter(stall_member::Column::StallId.eq(id))
            .exec(db)
            .await
            .unwrap();
        // Not staff (nor a stranger) by default: the role cannot be read.
        assert_internal(c.role_in(db, owner_id, id).await, "the role");
        assert_internal(c.stall(db, &owner, &key).await, "the viewer");
        assert_internal(c.my_stalls(db, &owner).await, "the owner's list");
    }
);

db_test!(
    a_corrupt_product_status_is_an_error_not_active,
    |db: TestDb| async move {
        let db = &db.conn;
        let c = catalog();
        let admin = user(db, true).await;
        let (stall_id, owner) = stall_of_new_owner(db, &c).await;
        let category = c.categories(db).await.unwrap()[0].id;
        let p = c
            .create_product(
                db,
                &owner,
                &stall_id.to_string(),
                NewProduct {
                    name: "Nước mắm cá cơm".into(),
                    description: String::new(),
                    category_id: category,
                    price: Some(120_000),
                    sale_price: None,
                    sale_starts_at: None,
                    sale_ends_at: None,
                    unit: "chai 500 ml".into(),
                    stock: Some(10),
                    variants: None,
                    images: Vec::new(),
                    origin_commune_code: None,
                    weight_grams: None,
                    ocop: Some(OcopInput {
                        stars: 4,
                        certificate_no: "1234/QĐ-UBND".into(),
                        issuer: None,
                        issued_on: Catalog::today() - chrono::Duration::days(30),
                        expires_on: None,
                    }),
                    facts: Some(serde_json::from_value(testkit::facts::complete()).unwrap()),
                },
            )
            .await
            .unwrap();
        let key = p.id.to_string();
        let set = |column: product::Column, value: &'static str| async move {
            product::Entity::update_many()
                .col_expr(column, Expr::value(value))
                .filter(product::Column::Id.eq(p.id))
                .exec(db)
                .await
                .unwrap();
        };
        set(product::Column::Status, "deleted").await;
        assert_internal(c.product(db, &owner, &key).await, "an unknown status");
        set(product::Column::Status, "active").await;
        set(product::Column::OcopStatus, "checked").await;
        assert_internal(c.product(db, &owner, &key).await, "an unknown OCOP status");
        // Not verified as if it were unverified.
        assert_internal(c.verify_ocop(db, &admin, &key).await, "verifying it");
        let row = product::Entity::find_by_id(p.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.ocop_status.as_deref(), Some("checked"));
        set(product::Column::OcopStatus, "unverified").await;
        set(product::Column::OcopIssuer, "district").await;
        assert_internal(c.product(db, &owner, &key).await, "an unknown issuer");
        set(product::Column::OcopIssuer, "province").await;
        assert_eq!(c.product(db, &owner, &key).await.unwrap().id, p.id);
    }
);

db_test!(
    a_corrupt_audit_subject_type_or_action_is_an_error,
    |db: TestDb| async move {
        let db = &db.conn;
        let c = catalog();
        let admin = user(db, true).await;
        let Actor::User { id: admin_id, .. } = admin else {
            unreachable!()
        };
        let subject = Uuid::now_v7();
        catalog::audit::record(
            db,
            admin_id,
            catalog::audit::Action::StallApprove,
            Subject::Stall(subject),
            None,
            None,
            None,
        )
        .await
        .unwrap();
        let page = c
            .audit_log(db, &admin, AuditQuery::default(), PageRequest::default())
            .await
            .unwrap();
        let json = serde_json::to_value(&page.items[0]).unwrap();
        assert_eq!(json["subject_type"], "stall", "shown as it is stored");
        assert_eq!(json["action"], "stall.approve", "shown as it is stored");
        audit_log::Entity::update_many()
            .col_expr(audit_log::Column::SubjectType, Expr::value("stalls"))
            .filter(audit_log::Column::SubjectId.eq(subject))
            .exec(db)
            .await
            .unwrap();
        assert_internal(
            c.audit_log(db, &admin, AuditQuery::default(), PageRequest::default())
                .await,
            "the audit log",
        );
        let corrupt = |column: audit_log::Column, value: &'static str| async move {
            audit_log::Entity::update_many()
                .col_expr(column, Expr::value(value))
                .filter(audit_log::Column::SubjectId.eq(subject))
                .exec(db)
                .await
                .unwrap();
        };
        corrupt(audit_log::Column::SubjectType, "stall").await;
        let page = c
            .audit_log(db, &admin, AuditQuery::default(), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.items[0].action, catalog::audit::Action::StallApprove);
        // An action no version ever wrote is not read as some other act.
        corrupt(audit_log::Column::Action, "stall.delete").await;
        assert_internal(
            c.audit_log(db, &admin, AuditQuery::default(), PageRequest::default())
                .await,
            "an unknown audit action",
        );
    }
);
