//! A stall of its own for a test: its owner's account, the stall applied for in the catalogue,
//! a ledger over it and, where asked, one commission rate for everything.

use accounts::{Accounts, NewUser};
use catalog::{
    Catalog, Regions,
    stall::{BusinessType, NewStall},
};
use chrono::{Duration, Utc};
use common::Actor;
use ledger::{Ledger, Settings, rules::NewRule};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// A stall, the ledger that keeps its money, and an administrator of the marketplace.
pub struct Stall {
    pub ledger: Ledger,
    pub admin: Actor,
    pub id: Uuid,
}

/// Opens a stall of `business_type` with a ledger under `settings`, charged `commission_bp`
/// (basis points, on every category, since yesterday) where it is given; also its owner.
pub async fn open(
    db: &DatabaseConnection,
    business_type: BusinessType,
    settings: Settings,
    commission_bp: Option<i32>,
) -> (Stall, Actor) {
    let user = Accounts::new(Duration::hours(1))
        .create(
            db,
            NewUser {
                email: "chu-sap@example.vn".into(),
                password: "nuoc-mam-cua-tung".into(),
                full_name: "Đặng Thị Hà".into(),
                phone: None,
            },
            false,
        )
        .await
        .unwrap();
    let owner = Actor::User {
        id: user.id,
        is_admin: false,
    };
    let catalog = Catalog::new(Regions::builtin());
    let applied = catalog
        .apply(
            db,
            &owner,
            NewStall {
                name: "HTX Nước mắm Cửa Tùng".into(),
                description: "Đặc sản địa phương".into(),
                commune_code: "19414".into(),
                address: "Thôn Tân Lý, xã Cửa Tùng".into(),
                phone: "0233 3823 456".into(),
                business_type,
                registration_no: None,
                logo: None,
                banner: None,
            },
        )
        .await
        .unwrap();
    let stall = Stall {
        ledger: Ledger::new(settings, catalog),
        admin: Actor::User {
            id: Uuid::now_v7(),
            is_admin: true,
        },
        id: applied.id,
    };
    if let Some(rate_bp) = commission_bp {
        let rule = NewRule {
            rate_bp,
            category_id: None,
            stall_id: None,
            min: None,
            max: None,
            valid_from: Some(Utc::now() - Duration::days(1)),
            valid_to: None,
        };
        stall
            .ledger
            .add_commission_rule(db, &stall.admin, rule)
            .await
            .unwrap();
    }
    (stall, owner)
}
