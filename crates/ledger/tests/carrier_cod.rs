//! Cash on delivery collected by a carrier, against real SQLite and PostgreSQL databases: the
//! cash is held by the carrier (`cod_receivable`) and is not payable until the carrier remits
//! it (`cod_remitted`, `carrier_fee`); a remittance of the wrong amount, of an order whose
//! cash no carrier collected, or a second one, writes nothing; and over a randomised run of
//! orders held by the marketplace, by the stall and by carriers, remitted or not, refunded or
//! not, the money adds up, the cash held by carriers included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use catalog::stall::BusinessType;
use chrono::{Duration, Utc};
use ledger::{
    DeliveredOrder, Discount, Funder, Holder, Remittance, Remitted, SaleLine, Settings,
    entity::entry, reading::Balance,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use support::{rng::Lcg, stall::Stall};
use testkit::{TestDb, db_test};
use uuid::Uuid;

mod support {
    pub mod rng;
    pub mod stall;
}

/// A household business (withheld on) with a 5 % commission, its earnings payable at once.
async fn stall(db: &DatabaseConnection) -> Stall {
    let settings = Settings {
        holding: Duration::zero(),
        ..Settings::default()
    };
    let (stall, _owner) =
        support::stall::open(db, BusinessType::HouseholdBusiness, settings, Some(500)).await;
    stall
}

fn order(
    s: &Stall,
    goods: i64,
    delivery_fee: i64,
    platform: i64,
    holder: Holder,
) -> DeliveredOrder {
    DeliveredOrder {
        order_id: Uuid::now_v7(),
        stall_id: s.id,
        lines: vec![SaleLine {
            category_id: Uuid::now_v7(),
            amount: goods,
            label: "Cà phê Arabica (Gói 500 g) × 1".into(),
        }],
        delivery_fee,
        discounts: (platform > 0)
            .then(|| Discount {
                funded_by: Funder::Platform,
                code: "SAN".into(),
                voucher_id: Some(Uuid::now_v7()),
                goods: platform,
                delivery: 0,
            })
            .into_iter()
            .collect(),
        holder,
        delivered_at: Utc::now(),
    }
}

fn remittance(o: &DeliveredOrder, cod_amount: i64, fee: i64, reference: &str) -> Remittance {
    Remittance {
        order_id: o.order_id,
        carrier: "ghn".into(),
        statement_id: Uuid::now_v7(),
        reference: reference.into(),
        cod_amount,
        fee,
        actor_id: None,
        at: Utc::now(),
    }
}

async fn all(db: &DatabaseConnection, s: &Stall) -> Vec<entry::Model> {
    entry::Entity::find()
        .filter(entry::Column::StallId.eq(s.id))
        .all(db)
        .await
        .unwrap()
}

/// The sum of the entries of `kind` (written as that kind: reversals are not counted).
fn sum(rows: &[entry::Model], kind: &str) -> i64 {
    rows.iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.amount)
        .sum()
}

async fn payable(db: &DatabaseConnection, s: &Stall) -> i64 {
    let b: Balance = s
        .ledger
        .balance(db, &s.admin, &s.id.to_string())
        .await
        .unwrap();
    b.payable
}

/// What the marketplace keeps of an order: its commission and tax, net of reversals.
fn deductions(rows: &[entry::Model], order: Uuid) -> i64 {
    rows.iter()
        .filter(|e| e.order_id == Some(order))
        .filter(|e| {
            let kind = e.reverses.as_deref().unwrap_or(&e.kind);
            matches!(kind, "commission" | "vat_withheld" | "pit_withheld")
        })
        .map(|e| -e.amount)
        .sum()
}

db_test!(
    a_carriers_cash_is_payable_only_once_remitted,
    |db: TestDb| async move {
        let db = &db.conn;
        let s = stall(db).await;
        let o = order(&s, 200_000, 30_000, 0, Holder::Carrier);
        s.ledger.earn(db, &o).await.unwrap();
        let rows = all(db, &s).await;
        assert_eq!(sum(&rows, "cod_receivable"), -230_000);
        assert_eq!(sum(&rows, "cash_collected"), 0);
        // The commission and the tax withheld are owed; the cash is not there yet.
        let kept = deductions(&rows, o.order_id);
        assert!(kept > 10_000, "{kept}");
        assert_eq!(payable(db, &s).await, -kept);
        let held = s.ledger.receivable(db, o.order_id).await.unwrap();
        assert_eq!((held.collected, held.outstanding()), (230_000, 230_000));

        // The wrong amount, and an order whose cash no carrier collected: nothing written.
        let wrong = s
            .ledger
            .remit(db, &remittance(&o, 229_000, 20_000, "DS-1"))
            .await
            .unwrap();
        assert_eq!(wrong, Remitted::AmountMismatch { expected: 230_000 });
        let online = order(&s, 100_000, 0, 0, Holder::Marketplace);
        s.ledger.earn(db, &online).await.unwrap();
        let not_carriers = s
            .ledger
            .remit(db, &remittance(&online, 100_000, 0, "DS-1"))
            .await
            .unwrap();
        assert_eq!(not_carriers, Remitted::NotCarrierCod);
        let online_net = 100_000 - deductions(&all(db, &s).await, online.order_id);
        assert_eq!(payable(db, &s).await, -kept + online_net);

        // Remitted, less the carrier's fee: now payable.
        let done = s
            .ledger
            .remit(db, &remittance(&o, 230_000, 20_000, "DS-2"))
            .await
            .unwrap();
        assert_eq!(done, Remitted::Booked(230_000));
        assert_eq!(payable(db, &s).await, 230_000 - 20_000 - kept + online_net);
        let again = s
            .ledger
            .remit(db, &remittance(&o, 230_000, 20_000, "DS-3"))
            .await
            .unwrap();
        assert_eq!(again, Remitted::AlreadyRemitted);
        let rows = all(db, &s).await;
        assert_eq!(sum(&rows, "cod_remitted"), 230_000);
        assert_eq!(sum(&rows, "carrier_fee"), -20_000);
        let remitted = rows.iter().find(|e| e.kind == "cod_remitted").unwrap();
        assert!(remitted.note.as_deref().unwrap().contains("DS-2"));

        // Refunded after the remittance: the order's entries are undone, its receivable with
        // them, and the carrier's transfer stays: the stall, which gives the buyer back the
        // cash as for its own cash on delivery, is paid the transfer, and is out the fee.
        s.ledger
            .reverse_order(db, o.order_id, None, "trả hàng")
            .await
            .unwrap();
        assert_eq!(payable(db, &s).await, 230_000 - 20_000 + online_net);
    }
);

db_test!(
    the_ledger_adds_up_with_carriers_cash_over_a_randomised_run,
    |db: TestDb| async move {
        let db = &db.conn;
        let s = stall(db).await;
        let mut rng = Lcg::seeded();
        // Worked out from the orders alone.
        let (mut online_received, mut carrier_net, mut platform_paid) = (0, 0, 0);
        let (mut held_by_carriers, mut expected) = (0, 0);
        let mut kinds_seen = [0; 3];
        let mut orders = Vec::new();
        for _ in 0..40 {
            let goods = 10_000 + rng.next(400_000);
            let delivery = [0, 22_000, 35_000][usize::try_from(rng.next(3)).unwrap()];
            let platform = if rng.next(3) == 0 { goods / 10 } else { 0 };
            let which = usize::try_from(rng.next(3)).unwrap();
            kinds_seen[which] += 1;
            let holder = [Holder::Marketplace, Holder::Stall, Holder::Carrier][which];
            let o = order(&s, goods, delivery, platform, holder);
            s.ledger.earn(db, &o).await.unwrap();
            let paid = o.paid();
            let refunded = rng.next(4) == 0;
            let mut remitted = false;
            let fee = 15_000 + rng.next(10_000);
            if holder == Holder::Carrier {
                held_by_carriers += paid;
                // Some remittances come, some before a refund and some after, some not yet;
                // a wrong amount first, sometimes, changes nothing.
                if rng.next(4) == 0 {
                    let r = s
                        .ledger
                        .remit(db, &remittance(&o, paid + 1, fee, "SAI"))
                        .await;
                    assert_eq!(r.unwrap(), Remitted::AmountMismatch { expected: paid });
                }
                remitted = rng.next(3) > 0;
            }
            // A refund comes before the remittance or after it.
            let refund_first = refunded && rng.next(2) == 0;
            if refund_first {
                s.ledger
                    .reverse_order(db, o.order_id, None, "trả hàng")
                    .await
                    .unwrap();
            }
            if remitted {
                let r = s.ledger.remit(db, &remittance(&o, paid, fee, "DS")).await;
                assert_eq!(r.unwrap(), Remitted::Booked(paid));
                held_by_carriers -= paid;
                carrier_net += paid - fee;
                expected += paid - fee;
            }
            if refunded && !refund_first {
                s.ledger
                    .reverse_order(db, o.order_id, None, "trả hàng")
                    .await
                    .unwrap();
            }
            let rows = all(db, &s).await;
            let kept = deductions(&rows, o.order_id);
            let reversed = rows
                .iter()
                .any(|e| e.order_id == Some(o.order_id) && e.kind == "refund_reversal");
            if !reversed {
                // What the order is worth to the stall before the carrier's transfer.
                expected += match holder {
                    Holder::Marketplace => goods + delivery,
                    Holder::Stall | Holder::Carrier => platform,
                } - kept;
                if holder == Holder::Marketplace {
                    online_received += paid;
                }
                platform_paid += platform;
            }
            orders.push((o, reversed, kept));
        }
        assert!(kinds_seen.iter().all(|n| *n > 0), "{kinds_seen:?}");

        let rows = all(db, &s).await;
        let ledger_total: i64 = rows.iter().map(|e| e.amount).sum();
        assert_eq!(ledger_total, expected);
        assert_eq!(payable(db, &s).await, expected);
        // The cash carriers hold: what they collected less what they remitted, refunded or
        // not.
        assert_eq!(
            -sum(&rows, "cod_receivable") - sum(&rows, "cod_remitted"),
            held_by_carriers
        );
        let mut outstanding = 0;
        for (o, _, _) in &orders {
            outstanding += s
                .ledger
                .receivable(db, o.order_id)
                .await
                .unwrap()
                .outstanding();
        }
        assert_eq!(outstanding, held_by_carriers);
        // The marketplace's money: what buyers paid online and carriers transferred, and what
        // its vouchers cost it, is what it owes the stall and keeps.
        let kept: i64 = orders.iter().map(|(_, _, k)| k).sum();
        assert_eq!(
            sum(&rows, "cod_remitted") + sum(&rows, "carrier_fee"),
            carrier_net
        );
        assert_eq!(
            ledger_total + kept,
            online_received + carrier_net + platform_paid
        );
        assert!(held_by_carriers > 0 && carrier_net > 0);
    }
);
