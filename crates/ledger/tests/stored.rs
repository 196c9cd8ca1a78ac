//! The ledger against real SQLite and PostgreSQL databases, on rows edited by hand: a stored
//! kind, status or legal form that is none of its set's is an error (internal, logged), never
//! read as a default nor skipped over, and nothing is written on the strength of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use catalog::stall::BusinessType;
use chrono::{Duration, Utc};
use common::{Actor, ErrorKind, PageRequest};
use ledger::{
    DeliveredOrder, Holder, SaleLine, Settings,
    entity::{entry, payout},
    payouts::BatchRequest,
    profile::BankAccountInput,
    reading::{EntryFilter, StatementFormat},
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set, sea_query::Expr,
};
use support::{month::this_month, stall::Stall};
use testkit::{TestDb, db_test};
use uuid::Uuid;

mod support {
    pub mod month;
    pub mod stall;
}

/// A stall of `business_type` with its owner, and a ledger that pays at once.
async fn stall(db: &DatabaseConnection, business_type: BusinessType) -> (Stall, Actor) {
    let settings = Settings {
        holding: Duration::zero(),
        cooling_off: Duration::zero(),
        ..Settings::default()
    };
    support::stall::open(db, business_type, settings, None).await
}

/// Writes an entry straight to the table, as a hand edit would.
async fn write_entry(
    db: &DatabaseConnection,
    stall: Uuid,
    kind: &str,
    reverses: Option<&str>,
    amount: i64,
    order: Option<Uuid>,
) {
    let now = Utc::now();
    entry::Entity::insert(entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall),
        kind: Set(kind.into()),
        amount: Set(amount),
        order_id: Set(order),
        payout_id: Set(None),
        rule: Set(None),
        reverses: Set(reverses.map(str::to_owned)),
        note: Set(None),
        actor_id: Set(None),
        available_at: Set(now),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
}

async fn entries_of_kind(db: &DatabaseConnection, stall: Uuid, kind: &str) -> u64 {
    entry::Entity::find()
        .filter(entry::Column::StallId.eq(stall))
        .filter(entry::Column::Kind.eq(kind))
        .count(db)
        .await
        .unwrap()
}

fn assert_internal<T: std::fmt::Debug>(r: common::Result<T>, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.kind, ErrorKind::Internal, "{what}: {e:?}");
}

db_test!(
    an_entry_of_an_unknown_kind_is_an_error_not_a_default,
    |db: TestDb| async move {
        let db = &db.conn;
        let (s, owner) = stall(db, BusinessType::Cooperative).await;
        s.ledger
            .adjust(db, &s.admin, &s.id.to_string(), 50_000, "số dư đầu kỳ")
            .await
            .unwrap();
        let order = Uuid::now_v7();
        write_entry(db, s.id, "sale", None, 120_000, Some(order)).await;
        write_entry(db, s.id, "bonus", None, 5_000, Some(order)).await;

        let listed = s
            .ledger
            .entries(
                db,
                &owner,
                &s.id.to_string(),
                EntryFilter::default(),
                PageRequest::default(),
            )
            .await;
        assert_internal(listed, "the ledger's entries");
        let statement = s
            .ledger
            .statement_export(
                db,
                &owner,
                &s.id.to_string(),
                &this_month(),
                StatementFormat::Json,
            )
            .await;
        assert_internal(statement, "the month's statement");
        // A refund does not reverse half an order: nothing is written.
        let reversed = s.ledger.reverse_order(db, order, None, "refund").await;
        assert_internal(reversed, "the order's reversal");
        assert_eq!(entries_of_kind(db, s.id, "refund_reversal").await, 0);
    }
);

db_test!(
    a_reversal_of_an_unknown_kind_is_an_error_in_the_tax_report,
    |db: TestDb| async move {
        let db = &db.conn;
        let (s, _) = stall(db, BusinessType::HouseholdBusiness).await;
        write_entry(db, s.id, "sale", None, 120_000, None).await;
        let report = s
            .ledger
            .withholding_report(db, &s.admin, &this_month())
            .await
            .unwrap();
        assert_eq!(report.total_revenue, 120_000);
        write_entry(db, s.id, "refund_reversal", Some("bonus"), -120_000, None).await;
        let report = s
            .ledger
            .withholding_report(db, &s.admin, &this_month())
            .await;
        assert_internal(report, "the withholding report");
    }
);

db_test!(
    a_payout_of_an_unknown_status_is_an_error_not_a_default,
    |db: TestDb| async move {
        let db = &db.conn;
        let (s, owner) = stall(db, BusinessType::Cooperative).await;
        s.ledger
            .adjust(db, &s.admin, &s.id.to_string(), 200_000, "số dư đầu kỳ")
            .await
            .unwrap();
        s.ledger
            .set_bank_account(
                db,
                &owner,
                &s.id.to_string(),
                BankAccountInput {
                    bank_bin: "970405".into(),
                    account_no: "3900205123456".into(),
                    account_name: "Hợp tác xã Cửa Tùng".into(),
                },
            )
            .await
            .unwrap();
        let batch = s
            .ledger
            .run_batch(db, &s.admin, BatchRequest::default())
            .await
            .unwrap();
        assert_eq!(batch.payouts.len(), 1, "{batch:?}");
        let id = batch.payouts[0].id;
        // Somebody edits the row by hand and leaves a status no payout can have.
        let changed = payout::Entity::update_many()
            .col_expr(payout::Column::Status, Expr::value("sent"))
            .filter(payout::Column::Id.eq(id))
            .exec(db)
            .await
            .unwrap();
        assert_eq!(changed.rows_affected, 1);

        assert_internal(
            s.ledger.batch(db, &s.admin, batch.id).await,
            "the batch's payouts",
        );
        // Nor is it taken for a pending payout and marked paid or returned.
        assert_internal(
            s.ledger.mark_paid(db, &s.admin, id, "FT26001").await,
            "marking it paid",
        );
        assert_internal(
            s.ledger
                .mark_returned(db, &s.admin, id, "tài khoản sai")
                .await,
            "marking it returned",
        );
        assert_eq!(entries_of_kind(db, s.id, "payout_returned").await, 0);
    }
);

db_test!(
    a_stall_of_an_unknown_legal_form_is_an_error_not_a_seller_spared_withholding,
    |db: TestDb| async move {
        let db = &db.conn;
        let (s, _) = stall(db, BusinessType::HouseholdBusiness).await;
        write_entry(db, s.id, "sale", None, 120_000, None).await;
        // Somebody edits the stall by hand and leaves a legal form the catalogue does not know.
        use catalog::entity::stall as st;
        let changed = st::Entity::update_many()
            .col_expr(st::Column::BusinessType, Expr::value("ho_gia_dinh"))
            .filter(st::Column::Id.eq(s.id))
            .exec(db)
            .await
            .unwrap()
            .rows_affected;
        assert_eq!(changed, 1);

        let delivered = DeliveredOrder {
            order_id: Uuid::now_v7(),
            stall_id: s.id,
            lines: vec![SaleLine {
                category_id: Uuid::now_v7(),
                amount: 240_000,
                label: "Nước mắm (Chai 500 ml) × 1".into(),
            }],
            delivery_fee: 30_000,
            discounts: vec![],
            holder: Holder::Marketplace,
            delivered_at: Utc::now(),
        };
        assert_internal(s.ledger.earn(db, &delivered).await, "a delivery's earning");
        assert_eq!(entries_of_kind(db, s.id, "sale").await, 1);
        assert_internal(
            s.ledger
                .withholding_report(db, &s.admin, &this_month())
                .await,
            "the withholding report",
        );
    }
);
