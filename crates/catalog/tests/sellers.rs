//! The catalogue enforces what the compliance office tells it about sellers: no approval
//! without a verified identity, a suspension for selling without one that only verifying (or
//! an administrator, once verified) lifts, and the list of the stalls the grace period is for.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use accounts::{Accounts, NewUser};
use catalog::{
    Catalog, Regions,
    audit::SYSTEM,
    entity::stall,
    service::AuditQuery,
    stall::{BusinessType, NewStall, StallAction, StallStatus},
};
use common::{Actor, PageRequest};
use sea_orm::{DatabaseConnection, EntityTrait};
use testkit::{TestDb, db_test};
use uuid::Uuid;

struct World {
    catalog: Catalog,
    admin: Actor,
    owner: Actor,
}

async fn world(db: &DatabaseConnection) -> World {
    let accounts = Accounts::new(chrono::Duration::hours(1));
    let mut actors = Vec::new();
    for (email, is_admin) in [("admin@tinh.vn", true), ("owner@example.vn", false)] {
        let user = accounts
            .create(
                db,
                NewUser {
                    email: email.into(),
                    password: "tieu-phu-quoc-2025".into(),
                    full_name: "Trần Văn Minh".into(),
                    phone: None,
                },
                is_admin,
            )
            .await
            .unwrap();
        actors.push(user.actor());
    }
    World {
        catalog: Catalog::new(Regions::builtin()),
        owner: actors.pop().unwrap(),
        admin: actors.pop().unwrap(),
    }
}

impl World {
    async fn stall(&self, db: &DatabaseConnection, name: &str) -> Uuid {
        self.catalog
            .apply(
                db,
                &self.owner,
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

    async fn moderate(
        &self,
        db: &DatabaseConnection,
        id: Uuid,
        action: StallAction,
        reason: Option<&str>,
    ) -> Result<StallStatus, &'static str> {
        self.catalog
            .moderate_stall(db, &self.admin, &id.to_string(), action, reason)
            .await
            .map(|s| s.status)
            .map_err(|e| e.code())
    }

    fn admin_id(&self) -> Uuid {
        self.admin.user_id().unwrap()
    }

    /// Approves `id` as it is done now: the seller verified first.
    async fn approved(&self, db: &DatabaseConnection, name: &str) -> Uuid {
        let id = self.stall(db, name).await;
        self.catalog
            .set_seller_verified(db, self.admin_id(), id, true)
            .await
            .unwrap();
        self.moderate(db, id, StallAction::Approve, None)
            .await
            .unwrap();
        id
    }
}

async fn row(db: &DatabaseConnection, id: Uuid) -> stall::Model {
    stall::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// Turns the fact off again, as an approved stall of before the rule has it.
async fn unverified(w: &World, db: &DatabaseConnection, id: Uuid) {
    w.catalog
        .set_seller_verified(db, w.admin_id(), id, false)
        .await
        .unwrap();
}

db_test!(
    a_stall_is_approved_only_once_its_seller_is_verified,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let id = w.stall(db, "HTX Nước mắm Cửa Tùng").await;
        assert!(
            !row(db, id).await.seller_verified,
            "a new stall has no verified seller"
        );
        assert_eq!(
            w.moderate(db, id, StallAction::Approve, None).await,
            Err("identity_unverified")
        );
        assert_eq!(row(db, id).await.status, "pending", "nothing changed");
        // A rejection needs no identity: the province may refuse any application.
        w.catalog
            .set_seller_verified(db, w.admin_id(), id, true)
            .await
            .unwrap();
        assert_eq!(
            w.moderate(db, id, StallAction::Approve, None).await,
            Ok(StallStatus::Approved)
        );
        // A move the state machine refuses is still `invalid_transition`, identity or not.
        let other = w.stall(db, "HTX Tiêu Vĩnh Linh").await;
        w.moderate(db, other, StallAction::Reject, Some("Thiếu hồ sơ"))
            .await
            .unwrap();
        assert_eq!(
            w.moderate(db, other, StallAction::Approve, None).await,
            Err("invalid_transition")
        );
    }
);

db_test!(
    a_seller_unverified_past_the_grace_is_suspended_until_verified,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let old = w.approved(db, "HTX Nước mắm Cửa Tùng").await;
        let fine = w.approved(db, "HTX Tiêu Vĩnh Linh").await;
        let pending = w.stall(db, "HTX Gạo Triệu Phong").await;
        // `old` sold before the rule: its seller is not verified.
        unverified(&w, db, old).await;
        let listed: Vec<Uuid> = w
            .catalog
            .unverified_sellers(db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.stall_id)
            .collect();
        assert_eq!(
            listed,
            [old],
            "only approved stalls without a verified seller"
        );

        let reason = "Chưa xác minh danh tính người bán";
        for (id, expected) in [(old, true), (fine, false), (pending, false)] {
            let suspended = w
                .catalog
                .suspend_unverified_seller(db, id, reason)
                .await
                .unwrap();
            assert_eq!(suspended, expected, "{id}");
        }
        let s = row(db, old).await;
        assert_eq!(s.status, "suspended");
        assert_eq!(s.status_reason.as_deref(), Some(reason));
        assert_eq!(s.suspension_cause.as_deref(), Some("identity_unverified"));
        assert!(
            !w.catalog
                .suspend_unverified_seller(db, old, reason)
                .await
                .unwrap(),
            "a second run changes nothing"
        );
        let audit = w
            .catalog
            .audit_log(
                db,
                &w.admin,
                AuditQuery {
                    subject_id: Some(old),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(audit.items[0].action, catalog::audit::Action::StallSuspend);
        assert_eq!(audit.items[0].actor_id, SYSTEM, "the marketplace did it");

        // An administrator cannot put it back while the seller is unverified...
        assert_eq!(
            w.moderate(db, old, StallAction::Reinstate, None).await,
            Err("identity_unverified")
        );
        // ...and verifying the seller does, by itself.
        w.catalog
            .set_seller_verified(db, w.admin_id(), old, true)
            .await
            .unwrap();
        let s = row(db, old).await;
        assert_eq!((s.status.as_str(), s.suspension_cause), ("approved", None));
        assert!(w.catalog.unverified_sellers(db).await.unwrap().is_empty());
    }
);

db_test!(
    verifying_a_seller_lifts_no_other_suspension,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let id = w.approved(db, "HTX Nước mắm Cửa Tùng").await;
        unverified(&w, db, id).await;
        w.moderate(db, id, StallAction::Suspend, Some("Bán hàng giả"))
            .await
            .unwrap();
        // A stall an administrator suspended is no longer selling: the grace is not for it.
        assert!(w.catalog.unverified_sellers(db).await.unwrap().is_empty());
        assert!(
            !w.catalog
                .suspend_unverified_seller(db, id, "Chưa xác minh danh tính người bán")
                .await
                .unwrap()
        );
        w.catalog
            .set_seller_verified(db, w.admin_id(), id, true)
            .await
            .unwrap();
        let s = row(db, id).await;
        assert_eq!(s.status, "suspended", "only an administrator lifts theirs");
        assert_eq!(s.suspension_cause.as_deref(), Some("moderation"));
        // Lifting it needs nothing more than before.
        assert_eq!(
            w.moderate(db, id, StallAction::Reinstate, None).await,
            Ok(StallStatus::Approved)
        );
    }
);
