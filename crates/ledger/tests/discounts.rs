//! Discounts in the vendors' ledger, against real SQLite and PostgreSQL databases: a stall's
//! voucher lowers its revenue (and the commission and withholding bases), a platform's voucher
//! is paid to the stall by the marketplace, by card as by cash on delivery; partial refunds
//! reverse every goods part in proportion, to the đồng, and the money adds up over a
//! randomised run of orders, discounts and refunds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use chrono::Utc;
use ledger::{
    DeliveredOrder, Discount, Funder, Holder, PartialRefund, PartialReversal, SaleLine,
    entity::entry,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use support::{
    goods::{Household, net_of, net_of_rows, rows},
    month::this_month,
    rng::Lcg,
};
use testkit::{TestDb, db_test};
use uuid::Uuid;

mod support {
    pub mod goods;
    pub mod month;
    pub mod rng;
    pub mod stall;
}

/// The stall of these tests, selling goods of a seeded category (`tra`).
async fn household(db: &DatabaseConnection) -> Household {
    support::goods::household(db, "tra").await
}

fn discount(funded_by: Funder, code: &str, goods: i64, delivery: i64) -> Discount {
    Discount {
        funded_by,
        code: code.into(),
        voucher_id: Some(Uuid::now_v7()),
        goods,
        delivery,
    }
}

/// An order of `lines` (đồng each, one category), delivered now.
fn order(
    s: &Household,
    lines: &[i64],
    delivery_fee: i64,
    discounts: Vec<Discount>,
    holder: Holder,
) -> DeliveredOrder {
    let category_id = s.category;
    DeliveredOrder {
        order_id: Uuid::now_v7(),
        stall_id: s.id,
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, &amount)| SaleLine {
                category_id,
                amount,
                label: format!("Trà (Gói {i}) × 1"),
            })
            .collect(),
        delivery_fee,
        discounts,
        holder,
        delivered_at: Utc::now(),
    }
}

fn refund(s: &Household, o: &DeliveredOrder, amount: i64) -> PartialRefund {
    PartialRefund {
        order_id: o.order_id,
        stall_id: s.id,
        amount,
        goods_total: o.goods(),
        actor_id: None,
        note: "hoàn tiền một phần".into(),
        at: Utc::now(),
    }
}

/// The sum of every entry of an order: what it comes to for the stall.
async fn net(db: &DatabaseConnection, order: Uuid) -> i64 {
    rows(db, order).await.iter().map(|e| e.amount).sum()
}

fn share(amount: i64, bp: i64) -> i64 {
    (amount * bp + 5_000) / 10_000
}

/// Commission, VAT and PIT on a revenue from goods.
fn deductions(revenue: i64) -> i64 {
    share(revenue, 500) + share(revenue, 100) + share(revenue, 50)
}

db_test!(
    each_discount_is_written_by_who_funds_it,
    |db: TestDb| async move {
        let db = &db.conn;
        let s = household(db).await;
        // 300 000 đồng of goods and a 30 000 đồng delivery.
        let stall_voucher = || discount(Funder::Stall, "TRA10", 30_000, 0);
        let platform_voucher = || discount(Funder::Platform, "OCOPTET", 50_000, 30_000);
        let free_delivery = || discount(Funder::Stall, "FREESHIP", 0, 30_000);
        let mut revenue_of_month = 0;
        for holder in [Holder::Marketplace, Holder::Stall] {
            for (discounts, stall_goods, stall_delivery, platform) in [
                (vec![stall_voucher()], 30_000, 0, 0),
                (vec![platform_voucher()], 0, 0, 80_000),
                (vec![stall_voucher(), platform_voucher()], 30_000, 0, 80_000),
                (vec![free_delivery()], 0, 30_000, 0),
            ] {
                let o = order(&s, &[200_000, 100_000], 30_000, discounts, holder);
                s.ledger.earn(db, &o).await.unwrap();
                let id = o.order_id;
                let case = format!("{holder:?} {stall_goods} {stall_delivery} {platform}");
                // The sale and delivery at the prices charged; each discount by its funder.
                assert_eq!(net_of(db, id, "sale").await, 300_000, "{case}");
                assert_eq!(net_of(db, id, "delivery").await, 30_000, "{case}");
                assert_eq!(
                    net_of(db, id, "stall_discount").await,
                    -(stall_goods + stall_delivery),
                    "{case}"
                );
                assert_eq!(
                    net_of(db, id, "platform_discount").await,
                    -platform,
                    "{case}"
                );
                assert_eq!(net_of(db, id, "platform_funding").await, platform, "{case}");
                // Commission and withholding on the goods less the stall's own discount.
                let revenue = 300_000 - stall_goods;
                revenue_of_month += revenue;
                assert_eq!(
                    net_of(db, id, "commission").await,
                    -share(revenue, 500),
                    "{case}"
                );
                assert_eq!(
                    net_of(db, id, "vat_withheld").await,
                    -share(revenue, 100),
                    "{case}"
                );
                assert_eq!(
                    net_of(db, id, "pit_withheld").await,
                    -share(revenue, 50),
                    "{case}"
                );
                // What the buyer paid, and what the stall is owed for it.
                let paid = 330_000 - stall_goods - stall_delivery - platform;
                assert_eq!(o.paid(), paid, "{case}");
                let owed = match holder {
                    // The marketplace holds the buyer's payment and pays the platform's part.
                    Holder::Marketplace => {
                        assert_eq!(net_of(db, id, "cash_collected").await, 0, "{case}");
                        paid + platform
                    }
                    // The stall holds the buyer's cash; the marketplace owes the platform's part.
                    Holder::Stall => {
                        assert_eq!(net_of(db, id, "cash_collected").await, -paid, "{case}");
                        platform
                    }
                    // A carrier holds it until it remits it (tests/carrier_cod.rs).
                    Holder::Carrier => {
                        assert_eq!(net_of(db, id, "cod_receivable").await, -paid, "{case}");
                        platform
                    }
                };
                assert_eq!(net(db, id).await, owed - deductions(revenue), "{case}");
                // Each discount entry names its voucher and part.
                for e in rows(db, id).await {
                    if e.kind.contains("discount") || e.kind == "platform_funding" {
                        let rule: serde_json::Value =
                            serde_json::from_str(e.rule.as_deref().unwrap()).unwrap();
                        assert!(["goods", "delivery"].contains(&rule["part"].as_str().unwrap()));
                        assert_eq!(rule["code"].as_str(), e.note.as_deref(), "{case}");
                    }
                }
            }
        }
        // Decree 117's report counts the goods less the sellers' own discounts.
        let report = s
            .ledger
            .withholding_report(db, &s.admin, &this_month())
            .await
            .unwrap();
        assert_eq!(report.total_revenue, revenue_of_month);
        // Discounts above what they take off are corrupt data, never written.
        let bad = order(
            &s,
            &[100_000],
            0,
            vec![discount(Funder::Platform, "X", 0, 1)],
            Holder::Marketplace,
        );
        let e = s.ledger.earn(db, &bad).await.unwrap_err();
        assert_eq!(e.kind, common::ErrorKind::Internal);
        assert_eq!(rows(db, bad.order_id).await.len(), 0);
    }
);

db_test!(
    a_partial_refund_of_a_discounted_order_reverses_in_proportion,
    |db: TestDb| async move {
        let db = &db.conn;
        let s = household(db).await;
        // Goods 300 000 less the stall's 30 000 and the platform's 50 000: the buyer paid
        // 220 000 for them; the platform's free delivery (30 000) stays as it is.
        let o = order(
            &s,
            &[200_000, 100_000],
            30_000,
            vec![
                discount(Funder::Stall, "TRA10", 30_000, 0),
                discount(Funder::Platform, "OCOPTET", 50_000, 30_000),
            ],
            Holder::Marketplace,
        );
        s.ledger.earn(db, &o).await.unwrap();
        let before = net(db, o.order_id).await;
        let first = s
            .ledger
            .reverse_part(db, &refund(&s, &o, 100_000))
            .await
            .unwrap();
        // 100 000 / 220 000 of the platform's 50 000 is 22 727.27; the revenue given back is
        // the refund and that part; commission, VAT and PIT in proportion to what remains.
        assert_eq!(
            first,
            PartialReversal {
                stall: 114_750,
                platform: 22_727,
                commission: 6_136,
                vat: 1_227,
                pit: 614,
            }
        );
        assert_eq!(
            first.stall + first.commission + first.vat + first.pit,
            100_000 + first.platform
        );
        // The sale and the stall's discount by the revenue's share of them.
        assert_eq!(net_of(db, o.order_id, "sale").await, 300_000 - 136_363);
        assert_eq!(
            net_of(db, o.order_id, "stall_discount").await,
            -30_000 + 13_636
        );
        // The platform's goods discount and its funding, by its share; delivery untouched.
        assert_eq!(
            net_of(db, o.order_id, "platform_discount").await,
            -80_000 + 22_727
        );
        assert_eq!(
            net_of(db, o.order_id, "platform_funding").await,
            80_000 - 22_727
        );
        assert_eq!(net_of(db, o.order_id, "delivery").await, 30_000);
        assert_eq!(net(db, o.order_id).await, before - first.stall);

        // More than remains paid for the goods is refused; the rest clears every goods part.
        let too_much = s
            .ledger
            .reverse_part(db, &refund(&s, &o, 120_001))
            .await
            .unwrap_err();
        assert_eq!(too_much.code, "refund_exceeds_remaining");
        let last = s
            .ledger
            .reverse_part(db, &refund(&s, &o, 120_000))
            .await
            .unwrap();
        assert_eq!(first.platform + last.platform, 50_000);
        for (kind, left) in [
            ("sale", 0),
            ("stall_discount", 0),
            ("platform_discount", -30_000),
            ("platform_funding", 30_000),
            ("commission", 0),
            ("vat_withheld", 0),
            ("pit_withheld", 0),
        ] {
            assert_eq!(net_of(db, o.order_id, kind).await, left, "{kind}");
        }
        // The stall keeps its delivery fee, which the platform paid.
        assert_eq!(net(db, o.order_id).await, 30_000);
        let report = s
            .ledger
            .withholding_report(db, &s.admin, &this_month())
            .await
            .unwrap();
        assert_eq!((report.total_revenue, report.total_vat), (0, 0));
        let nothing_left = s
            .ledger
            .reverse_part(db, &refund(&s, &o, 1))
            .await
            .unwrap_err();
        assert_eq!(nothing_left.code, "refund_exceeds_remaining");
    }
);

/// A random order: one to three lines, a delivery fee, a stall's and a platform's voucher or
/// not, each on the goods (up to half of what is left of them) or the delivery fee.
fn random_order(s: &Household, rng: &mut Lcg) -> DeliveredOrder {
    let lines: Vec<i64> = (0..=rng.next(3))
        .map(|_| 1_000 + rng.next(500_000))
        .collect();
    let delivery = [0, 15_000, 30_000][usize::try_from(rng.next(3)).unwrap()];
    let (mut goods_left, mut delivery_left) = (lines.iter().sum::<i64>(), delivery);
    let mut discounts = Vec::new();
    for (funder, code) in [(Funder::Stall, "GIANHANG"), (Funder::Platform, "SAN")] {
        if rng.next(3) == 0 {
            continue;
        }
        let goods = rng.next(goods_left / 2 + 1);
        let off = if rng.next(2) == 0 { delivery_left } else { 0 };
        goods_left -= goods;
        delivery_left -= off;
        discounts.push(discount(funder, code, goods, off));
    }
    let holder = if rng.next(2) == 0 {
        Holder::Stall
    } else {
        Holder::Marketplace
    };
    order(s, &lines, delivery, discounts, holder)
}

db_test!(
    the_ledger_adds_up_with_discounts_over_a_randomised_run,
    |db: TestDb| async move {
        let db = &db.conn;
        let s = household(db).await;
        let mut rng = Lcg::seeded();
        // The marketplace's money, worked out from the orders alone.
        let (mut online_received, mut refunded, mut platform_paid) = (0, 0, 0);
        for i in 0..40 {
            let o = random_order(&s, &mut rng);
            s.ledger.earn(db, &o).await.unwrap();
            let id = o.order_id;
            let stall_goods = o.discount(Funder::Stall, ledger::Part::Goods);
            let stall_delivery = o.discount(Funder::Stall, ledger::Part::Delivery);
            let platform = o.discount(Funder::Platform, ledger::Part::Goods)
                + o.discount(Funder::Platform, ledger::Part::Delivery);
            let revenue = o.goods() - stall_goods;
            let owed = match o.holder {
                Holder::Marketplace => o.goods() + o.delivery_fee - stall_goods - stall_delivery,
                Holder::Stall | Holder::Carrier => platform,
            };
            assert_eq!(net(db, id).await, owed - deductions(revenue), "order {i}");
            if o.holder == Holder::Marketplace {
                online_received += o.paid();
            }
            platform_paid += platform;
            match rng.next(4) {
                // Refunded whole: nothing of it is left.
                0 => {
                    s.ledger
                        .reverse_order(db, id, None, "trả hàng")
                        .await
                        .unwrap();
                    assert_eq!(net(db, id).await, 0, "order {i}");
                    // Cash on delivery: the stall's cash goes back with the entries it undoes.
                    if o.holder == Holder::Marketplace {
                        refunded += o.paid();
                    }
                    platform_paid -= platform;
                }
                // Refunded in parts, sometimes to the last đồng of the goods.
                1 | 2 => {
                    let platform_goods = o.discount(Funder::Platform, ledger::Part::Goods);
                    let paid_goods = revenue - platform_goods;
                    let mut left = paid_goods;
                    let mut given_back = 0;
                    for _ in 0..=rng.next(3) {
                        if left == 0 {
                            break;
                        }
                        let amount = if rng.next(3) == 0 {
                            left
                        } else {
                            1 + rng.next(left)
                        };
                        let before = net(db, id).await;
                        let r = s
                            .ledger
                            .reverse_part(db, &refund(&s, &o, amount))
                            .await
                            .unwrap();
                        assert_eq!(r.stall + r.commission + r.vat + r.pit, amount + r.platform);
                        assert_eq!(net(db, id).await, before - r.stall, "order {i}");
                        left -= amount;
                        refunded += amount;
                        given_back += r.platform;
                        platform_paid -= r.platform;
                    }
                    // The platform gets back its share of what was refunded, to a đồng or two.
                    let refunded_goods = paid_goods - left;
                    if paid_goods > 0 {
                        let exact =
                            platform_goods as f64 * refunded_goods as f64 / paid_goods as f64;
                        assert!((given_back as f64 - exact).abs() <= 2.0, "order {i}");
                    }
                    if left == 0 {
                        for kind in ["sale", "commission", "vat_withheld", "pit_withheld"] {
                            assert_eq!(net_of(db, id, kind).await, 0, "order {i} {kind}");
                        }
                        assert_eq!(given_back, platform_goods, "order {i}");
                        assert_eq!(
                            net_of(db, id, "stall_discount").await,
                            -stall_delivery,
                            "order {i}"
                        );
                    }
                }
                _ => {}
            }
            // A platform's discount and its funding always cancel out in the stall's ledger.
            assert_eq!(
                net_of(db, id, "platform_discount").await,
                -net_of(db, id, "platform_funding").await,
                "order {i}"
            );
        }
        // Over the run: the stalls' ledger and what the marketplace keeps (commission and
        // tax) are what buyers paid online, less refunds, plus what the platform paid.
        let all = entry::Entity::find()
            .filter(entry::Column::StallId.eq(s.id))
            .all(db)
            .await
            .unwrap();
        let of = |k: &str| net_of_rows(&all, k);
        let total: i64 = all.iter().map(|e| e.amount).sum();
        let kept = -(of("commission") + of("vat_withheld") + of("pit_withheld"));
        assert_eq!(of("platform_funding"), platform_paid);
        assert_eq!(total + kept, online_received - refunded + platform_paid);
    }
);
