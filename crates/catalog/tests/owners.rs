//! Disabling an account suspends the stalls its owner sells from, and enabling it reinstates
//! exactly those: what decides is the suspension's recorded cause, never its reason's text.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use accounts::{Accounts, NewUser, User};
use catalog::{
    Catalog, Regions,
    entity::stall,
    service::OWNER_DISABLED,
    stall::{BusinessType, NewStall, StallAction, StallStatus},
};
use common::Actor;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, EntityTrait};
use testkit::{TestDb, db_test};
use uuid::Uuid;

struct World {
    catalog: Catalog,
    accounts: Accounts,
    admin: Actor,
    owner: User,
}

async fn world(db: &DatabaseConnection) -> World {
    let accounts = Accounts::new(chrono::Duration::hours(1));
    let mut people = Vec::new();
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
        people.push(user);
    }
    let owner = people.pop().unwrap();
    let admin = people.pop().unwrap().actor();
    World {
        catalog: Catalog::new(Regions::builtin()),
        accounts,
        admin,
        owner,
    }
}

impl World {
    /// A stall of the owner's, approved unless `approve` is false.
    async fn stall(&self, db: &DatabaseConnection, name: &str, approve: bool) -> String {
        let s = self
            .catalog
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
            .unwrap();
        let id = s.id.to_string();
        if approve {
            // As the compliance office does once the seller's identity is verified.
            let admin = self.admin.user_id().unwrap();
            self.catalog
                .set_seller_verified(db, admin, s.id, true)
                .await
                .unwrap();
            self.moderate(db, &id, StallAction::Approve, None).await;
        }
        id
    }

    async fn moderate(
        &self,
        db: &DatabaseConnection,
        id: &str,
        action: StallAction,
        reason: Option<&str>,
    ) {
        self.catalog
            .moderate_stall(db, &self.admin, id, action, reason)
            .await
            .unwrap();
    }

    /// The stall's status, reason and stored cause.
    async fn seen(
        &self,
        db: &DatabaseConnection,
        id: &str,
    ) -> (StallStatus, Option<String>, Option<String>) {
        let s = self.catalog.stall(db, &self.admin, id).await.unwrap();
        let row = stall::Entity::find_by_id(s.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        (s.status, s.status_reason, row.suspension_cause)
    }
}

fn suspended(reason: &str, cause: &str) -> (StallStatus, Option<String>, Option<String>) {
    (
        StallStatus::Suspended,
        Some(reason.to_owned()),
        Some(cause.to_owned()),
    )
}

const LOOKALIKE: &str = "Tài khoản chủ gian hàng đã bị khoá: bị tố cáo, đang xác minh";

db_test!(
    enabling_an_account_reinstates_exactly_what_disabling_it_suspended,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let selling = w.stall(db, "HTX Nước mắm Cửa Tùng", true).await;
        let lookalike = w.stall(db, "HTX Tiêu Vĩnh Linh", true).await;
        let moderated = w.stall(db, "HTX Gạo Triệu Phong", true).await;
        let pending = w.stall(db, "HTX Chè Hướng Hóa", false).await;
        w.moderate(db, &lookalike, StallAction::Suspend, Some(LOOKALIKE))
            .await;
        w.moderate(db, &moderated, StallAction::Suspend, Some("Bán hàng giả"))
            .await;
        assert_eq!(
            w.seen(db, &lookalike).await,
            suspended(LOOKALIKE, "moderation")
        );

        let user = w
            .catalog
            .disable_account(
                db,
                &w.accounts,
                &w.admin,
                w.owner.id,
                Some(" Bán hàng giả "),
            )
            .await
            .unwrap();
        assert!(user.disabled_at.is_some());
        let why = format!("{OWNER_DISABLED}: Bán hàng giả");
        assert_eq!(
            w.seen(db, &selling).await,
            suspended(&why, "owner_disabled")
        );
        assert_eq!(
            w.seen(db, &lookalike).await,
            suspended(LOOKALIKE, "moderation")
        );
        assert_eq!(w.seen(db, &pending).await.0, StallStatus::Pending);

        let user = w
            .catalog
            .enable_account(db, &w.accounts, &w.admin, w.owner.id)
            .await
            .unwrap();
        assert!(user.disabled_at.is_none());
        assert_eq!(
            w.seen(db, &selling).await,
            (StallStatus::Approved, None, None)
        );
        assert_eq!(
            w.seen(db, &lookalike).await,
            suspended(LOOKALIKE, "moderation")
        );
        assert_eq!(
            w.seen(db, &moderated).await,
            suspended("Bán hàng giả", "moderation")
        );
        assert_eq!(w.seen(db, &pending).await.0, StallStatus::Pending);
    }
);

db_test!(
    a_refused_disabling_changes_neither_the_account_nor_its_stalls,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let selling = w.stall(db, "HTX Nước mắm Cửa Tùng", true).await;
        // A reason with a control character is refused when the stalls are suspended: the
        // account's flag, set first in the same transaction, is rolled back with them.
        let e = w
            .catalog
            .disable_account(db, &w.accounts, &w.admin, w.owner.id, Some("giả\u{7}"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "validation_failed");
        let owner = w.accounts.user(db, w.owner.id).await.unwrap();
        assert!(owner.disabled_at.is_none());
        assert_eq!(
            w.seen(db, &selling).await,
            (StallStatus::Approved, None, None)
        );
        // Only administrators disable, and not themselves.
        let e = w
            .catalog
            .disable_account(db, &w.accounts, &w.owner.actor(), w.owner.id, None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let Actor::User { id: admin_id, .. } = w.admin else {
            unreachable!()
        };
        let e = w
            .catalog
            .disable_account(db, &w.accounts, &w.admin, admin_id, None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "cannot_disable_self");
        let e = w
            .catalog
            .enable_account(db, &w.accounts, &w.admin, Uuid::now_v7())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "not_found");
    }
);

db_test!(
    stalls_suspended_before_the_cause_was_kept_get_it_from_their_reason,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let by_disabling = w.stall(db, "HTX Nước mắm Cửa Tùng", true).await;
        let by_moderator = w.stall(db, "HTX Tiêu Vĩnh Linh", true).await;
        let selling = w.stall(db, "HTX Gạo Triệu Phong", true).await;
        let old_reason = format!("{OWNER_DISABLED}: Bán hàng giả");
        w.moderate(db, &by_disabling, StallAction::Suspend, Some(&old_reason))
            .await;
        w.moderate(
            db,
            &by_moderator,
            StallAction::Suspend,
            Some("Bán hàng giả"),
        )
        .await;
        // Back to the schema before the column, then forward again: the migration fills the
        // cause from the reason, as the prefix was read until then.
        let names: Vec<String> = migrations::status(db)
            .await
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let at = names
            .iter()
            .position(|n| n.ends_with("_suspension_cause"))
            .unwrap();
        let later = u32::try_from(names.len() - at).unwrap();
        Migrator::down(db, Some(later)).await.unwrap();
        Migrator::up(db, None).await.unwrap();
        assert_eq!(
            w.seen(db, &by_disabling).await,
            suspended(&old_reason, "owner_disabled")
        );
        assert_eq!(
            w.seen(db, &by_moderator).await,
            suspended("Bán hàng giả", "moderation")
        );
        assert_eq!(
            w.seen(db, &selling).await,
            (StallStatus::Approved, None, None)
        );
        // And enabling the owner reinstates the first as it did before.
        w.catalog
            .disable_account(db, &w.accounts, &w.admin, w.owner.id, None)
            .await
            .unwrap();
        w.catalog
            .enable_account(db, &w.accounts, &w.admin, w.owner.id)
            .await
            .unwrap();
        assert_eq!(w.seen(db, &by_disabling).await.0, StallStatus::Approved);
        assert_eq!(w.seen(db, &selling).await.0, StallStatus::Approved);
        assert_eq!(w.seen(db, &by_moderator).await.0, StallStatus::Suspended);
    }
);
