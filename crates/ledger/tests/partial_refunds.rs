//! Partial refunds against real SQLite and PostgreSQL databases: the sale, the commission and
//! Decree 117's withholding of a delivered order are undone in proportion, to the đồng, the
//! parts add up to each refund, several refunds never undo more than the order, and the
//! month's withholding report shows the reversal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use chrono::Utc;
use common::ErrorKind;
use ledger::{DeliveredOrder, Holder, PartialRefund, PartialReversal, SaleLine};
use sea_orm::DatabaseConnection;
use support::{
    goods::{Household, net_of},
    month::this_month,
};
use testkit::{TestDb, db_test};
use uuid::Uuid;

mod support {
    pub mod goods;
    pub mod month;
    pub mod stall;
}

/// The stall of these tests, selling goods of a seeded category (`mat-ong`).
async fn household(db: &DatabaseConnection) -> Household {
    support::goods::household(db, "mat-ong").await
}

/// A delivered order of `goods` đồng (in two lines) and a 30 000 đồng delivery.
async fn delivered(db: &DatabaseConnection, s: &Household, goods: i64, holder: Holder) -> Uuid {
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

fn refund(s: &Household, order_id: Uuid, amount: i64, goods_total: i64) -> PartialRefund {
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
