//! Partial refunds against real SQLite and PostgreSQL databases: the sale, the commission and
//! Decree 117's withholding of a delivered order are undone in proportion, to the đồng, the
//! parts add up to each refund, several refunds never undo more than the order, and the
//! month's withholding report shows the reversal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use accounts::{Accounts, NewUser};
use catalog::{
    Catalog, Regions,
    stall::{BusinessType, NewStall},
};
use chrono::{Duration, Utc};
use common::{Actor, ErrorKind, calendar};
use ledger::{
    DeliveredOrder, Holder, Ledger, PartialRefund, PartialReversal, SaleLine, Settings,
    entity::entry, rules::NewRule,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use testkit::{TestDb, db_test};
use uuid::Uuid;

struct Stall {
    ledger: Ledger,
    admin: Actor,
    id: Uuid,
    /// A seeded category of goods (`mat-ong`), so the goods rates of Decree 117 apply.
    category: Uuid,
}

/// The seeded category `slug`.
async fn seeded_category(db: &DatabaseConnection, slug: &str) -> Uuid {
    use catalog::entity::category;
    category::Entity::find()
        .filter(category::Column::Slug.eq(slug))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A household business (withheld on) with a 5 % commission for everything.
async fn household(db: &DatabaseConnection) -> Stall {
    let user = Accounts::new(Duration::hours(1))
        .create(
            db,
            NewUser {
                email: "ho-kinh-doanh@example.vn".into(),
                password: "mat-ong-khe-sanh".into(),
                full_name: "Lê Văn Tâm".into(),
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
                name: "Mật ong Khe Sanh".into(),
                description: "Mật ong rừng".into(),
                commune_code: "19414".into(),
                address: "Thị trấn Khe Sanh".into(),
                phone: "0233 3880 123".into(),
                business_type: BusinessType::HouseholdBusiness,
                registration_no: None,
                logo: None,
                banner: None,
            },
        )
        .await
        .unwrap();
    let ledger = Ledger::new(
        Settings {
            holding: Duration::zero(),
            // The goods alone are withheld on here; the delivery fee at the transport rates
            // has its tests over HTTP (gateway's `withholding`).
            tax: ledger::tax::TaxSettings {
                delivery_fee: ledger::tax::DeliveryFeeWithholding::None,
                ..Default::default()
            },
            ..Settings::default()
        },
        catalog,
    );
    let admin = Actor::User {
        id: user.id,
        is_admin: true,
    };
    ledger
        .add_commission_rule(
            db,
            &admin,
            NewRule {
                rate_bp: 500,
                category_id: None,
                stall_id: None,
                min: None,
                max: None,
                valid_from: Some(Utc::now() - Duration::days(1)),
                valid_to: None,
            },
        )
        .await
        .unwrap();
    Stall {
        ledger,
        admin,
        id: applied.id,
        category: seeded_category(db, "mat-ong").await,
    }
}

/// A delivered order of `goods` đồng (in two lines) and a 30 000 đồng delivery.
async fn delivered(db: &DatabaseConnection, s: &Stall, goods: i64, holder: Holder) -> Uuid {
    let order_id = Uuid::now_v7();
    let category_id = s.category;
    s.ledger
        .earn(
            db,
            &DeliveredOrder {
                order_id,
                stall_id: s.id,
                lines: vec![
                    SaleLine {
                        category_id,
                        amount: goods / 3,
                        label: "Mật ong (Hũ 500 ml) × 1".into(),
                    },
                    SaleLine {
                        category_id,
                        amount: goods - goods / 3,
                        label: "Mật ong (Hũ 1 lít) × 1".into(),
                    },
                ],
                delivery_fee: 30_000,
                discounts: vec![],
                holder,
                delivered_at: Utc::now(),
            },
        )
        .await
        .unwrap();
    order_id
}

fn refund(s: &Stall, order_id: Uuid, amount: i64, goods_total: i64) -> PartialRefund {
    PartialRefund {
        order_id,
        stall_id: s.id,
        amount,
        goods_total,
        actor_id: None,
        note: "hoàn tiền một phần".into(),
        at: Utc::now(),
    }
}

/// The sum of the order's entries of `kind`, reversals of it included.
async fn net_of(db: &DatabaseConnection, order: Uuid, kind: &str) -> i64 {
    entry::Entity::find()
        .filter(entry::Column::OrderId.eq(order))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind || e.reverses.as_deref() == Some(kind))
        .map(|e| e.amount)
        .sum()
}

fn this_month() -> String {
    let (y, m) = calendar::month_of(Utc::now());
    format!("{y:04}-{m:02}")
}

db_test!(
    a_partial_refund_reverses_commission_and_withholding_in_proportion,
    |db: TestDb| async move {
        let db = &db.conn;
        let s = household(db).await;
        // 333 333 đồng of goods: commission 16 667, VAT 3 333, PIT 1 667.
        let goods = 333_333;
        let order = delivered(db, &s, goods, Holder::Marketplace).await;
        assert_eq!(net_of(db, order, "commission").await, -16_667);
        assert_eq!(net_of(db, order, "vat_withheld").await, -3_333);
        assert_eq!(net_of(db, order, "pit_withheld").await, -1_667);

        let first = s
            .ledger
            .reverse_part(db, &refund(&s, order, 100_000, goods))
            .await
            .unwrap();
        // 100 000 / 333 333 of each part, to the đồng, adding up to the refund.
        assert_eq!(
            first,
            PartialReversal {
                stall: 93_500,
                platform: 0,
                commission: 5_000,
                vat: 1_000,
                pit: 500,
            }
        );
        assert_eq!(
            first.stall + first.commission + first.vat + first.pit,
            100_000
        );
        assert_eq!(net_of(db, order, "sale").await, goods - 100_000);
        assert_eq!(net_of(db, order, "commission").await, -11_667);
        // The delivery stays the stall's: it took place.
        assert_eq!(net_of(db, order, "delivery").await, 30_000);

        // The report of the month counts the goods and tax net of the refund.
        let report = s
            .ledger
            .withholding_report(db, &s.admin, &this_month())
            .await
            .unwrap();
        assert_eq!(report.total_revenue, goods - 100_000);
        assert_eq!(report.total_vat, 3_333 - 1_000);
        assert_eq!(report.total_pit, 1_667 - 500);

        // Two more refunds take the rest; the last reverses exactly what was left.
        let second = s
            .ledger
            .reverse_part(db, &refund(&s, order, 33_333, goods))
            .await
            .unwrap();
        assert_eq!(
            second.stall + second.commission + second.vat + second.pit,
            33_333
        );
        let too_much = s
            .ledger
            .reverse_part(db, &refund(&s, order, 200_001, goods))
            .await
            .unwrap_err();
        assert_eq!(too_much.code, "refund_exceeds_remaining");
        s.ledger
            .reverse_part(db, &refund(&s, order, 200_000, goods))
            .await
            .unwrap();
        for kind in ["sale", "commission", "vat_withheld", "pit_withheld"] {
            assert_eq!(net_of(db, order, kind).await, 0, "{kind}");
        }
        let report = s
            .ledger
            .withholding_report(db, &s.admin, &this_month())
            .await
            .unwrap();
        assert_eq!((report.total_vat, report.total_pit), (0, 0));
        let nothing_left = s
            .ledger
            .reverse_part(db, &refund(&s, order, 1, goods))
            .await
            .unwrap_err();
        assert_eq!(nothing_left.code, "refund_exceeds_remaining");
    }
);

db_test!(
    a_partial_refund_needs_a_delivered_order_with_the_same_goods,
    |db: TestDb| async move {
        let db = &db.conn;
        let s = household(db).await;
        let never = s
            .ledger
            .reverse_part(db, &refund(&s, Uuid::now_v7(), 1_000, 10_000))
            .await
            .unwrap_err();
        assert_eq!(
            (never.kind, never.code),
            (ErrorKind::Conflict, "not_earned")
        );
        let order = delivered(db, &s, 90_000, Holder::Stall).await;
        let wrong = s
            .ledger
            .reverse_part(db, &refund(&s, order, 1_000, 80_000))
            .await
            .unwrap_err();
        assert_eq!(wrong.kind, ErrorKind::Internal);
        // Cash on delivery: the cash collected stays, the stall gives back its share.
        let r = s
            .ledger
            .reverse_part(db, &refund(&s, order, 45_000, 90_000))
            .await
            .unwrap();
        assert_eq!(r.stall + r.commission + r.vat + r.pit, 45_000);
        assert_eq!(net_of(db, order, "cash_collected").await, -120_000);
    }
);
