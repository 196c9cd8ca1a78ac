//! What vouchers take off a checkout: pure arithmetic over plain data, no database.
//!
//! The order of application and the split, the one rule for checkout:
//! 1. Each stall's voucher applies to its stall's eligible goods (of its category, if it names
//!    one). Its goods discount is spread over those lines in proportion to their amounts.
//! 2. The platform voucher then applies to the eligible goods of every stall, counted after the
//!    stall discounts (its minimum is checked on that amount too). Its goods discount is split
//!    across the checkout's orders in proportion to each order's eligible amount, rounded to
//!    the đồng by largest remainder (ties go to the order of the lower stall id), so the parts
//!    sum exactly to the discount.
//! 3. A free-delivery voucher waives each order's delivery fee (its stall's order; for the
//!    platform's, every order with eligible goods) up to its value per order (0: all of it).
//!
//! The cap of Decree 81/2018, Art. 7 holds at checkout too: unless its programme is
//! concentrated, a voucher's goods discount is at most what keeps the whole cut (a sale price's
//! cut below the regular price, the stall's voucher, this voucher) within 50 % of the eligible
//! goods at their regular price.

use std::collections::HashSet;

use uuid::Uuid;

use crate::voucher::{CAP_PERCENT, FundedBy, VoucherKind};

/// One line of a stall's order, as far as vouchers care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasketLine {
    /// The product's category.
    pub category_id: Uuid,
    /// What the line costs: the unit price charged times the quantity, in đồng.
    pub amount: i64,
    /// The same at the regular price (before any promotion), in đồng.
    pub regular_amount: i64,
}

/// One stall's order of a checkout, as far as vouchers care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasketOrder {
    /// The stall.
    pub stall_id: Uuid,
    /// Its lines.
    pub lines: Vec<BasketLine>,
    /// Its delivery fee, in đồng.
    pub delivery_fee: i64,
}

/// A voucher as the arithmetic sees it.
#[derive(Clone, Debug)]
pub(crate) struct Offered {
    pub id: Uuid,
    pub code: String,
    pub kind: VoucherKind,
    pub value: i64,
    pub min_subtotal: Option<i64>,
    pub max_discount: Option<i64>,
    pub concentrated: bool,
    pub funded_by: FundedBy,
    pub stall_id: Option<Uuid>,
    /// The categories it is valid in, if it names one.
    pub categories: Option<HashSet<Uuid>>,
}

/// One voucher's discount on one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderDiscount {
    /// The order's stall.
    pub stall_id: Uuid,
    /// The voucher.
    pub voucher_id: Uuid,
    /// Its code.
    pub code: String,
    /// Who pays for it.
    pub funded_by: FundedBy,
    /// Taken off the goods, in đồng.
    pub goods_amount: i64,
    /// Taken off the delivery fee, in đồng.
    pub delivery_amount: i64,
}

/// Why a code is refused at checkout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No voucher has this code.
    Unknown,
    /// Its window has not opened.
    NotStarted,
    /// Its window has closed, or it was ended.
    Expired,
    /// The eligible goods come to less than its minimum.
    BelowMinimum {
        /// The minimum, in đồng.
        min: i64,
    },
    /// Every use it allows is taken.
    UsedUp,
    /// The buyer used it as often as it allows.
    PerBuyerLimitReached,
    /// Nothing in the cart is of its stall or category, or it takes nothing off.
    NotApplicable,
    /// A second platform voucher, a second one for a stall, or a code given twice.
    Duplicate,
}

/// A line as vouchers apply to it: what is left of it to pay, and its regular amount.
#[derive(Clone, Debug)]
struct Left {
    category_id: Uuid,
    left: i64,
    regular: i64,
}

/// The discounts `vouchers` give `orders` (sorted by stall id), stall vouchers first, or the
/// refusals by code. The vouchers are the ones found, in force and within their limits; each
/// is checked here against the cart.
pub(crate) fn apply(
    orders: &[BasketOrder],
    vouchers: &[Offered],
) -> Result<Vec<OrderDiscount>, Vec<(String, Refusal)>> {
    let mut lines: Vec<Vec<Left>> = orders
        .iter()
        .map(|o| {
            o.lines
                .iter()
                .map(|l| Left {
                    category_id: l.category_id,
                    left: l.amount,
                    regular: l.regular_amount,
                })
                .collect()
        })
        .collect();
    let mut fees: Vec<i64> = orders.iter().map(|o| o.delivery_fee).collect();
    let mut out = Vec::new();
    let mut refused = Vec::new();
    let (stall, platform): (Vec<&Offered>, Vec<&Offered>) =
        vouchers.iter().partition(|v| v.stall_id.is_some());
    for v in stall {
        let Some(i) = orders.iter().position(|o| Some(o.stall_id) == v.stall_id) else {
            refused.push((v.code.clone(), Refusal::NotApplicable));
            continue;
        };
        match apply_one(v, &mut lines[i..=i], &mut fees[i..=i]) {
            Ok(parts) => out.extend(discounts(v, &orders[i..=i], parts)),
            Err(r) => refused.push((v.code.clone(), r)),
        }
    }
    for v in platform {
        match apply_one(v, &mut lines, &mut fees) {
            Ok(parts) => out.extend(discounts(v, orders, parts)),
            Err(r) => refused.push((v.code.clone(), r)),
        }
    }
    if refused.is_empty() {
        Ok(out)
    } else {
        Err(refused)
    }
}

/// The rows of `v`'s parts `(goods, delivery)` per order, leaving out orders it takes nothing
/// off.
fn discounts(v: &Offered, orders: &[BasketOrder], parts: Vec<(i64, i64)>) -> Vec<OrderDiscount> {
    orders
        .iter()
        .zip(parts)
        .filter(|(_, (g, d))| *g > 0 || *d > 0)
        .map(|(o, (goods_amount, delivery_amount))| OrderDiscount {
            stall_id: o.stall_id,
            voucher_id: v.id,
            code: v.code.clone(),
            funded_by: v.funded_by,
            goods_amount,
            delivery_amount,
        })
        .collect()
}

/// Applies `v` to the orders of `lines` and `fees` (what is left of them), taking its parts
/// off them; returns each order's `(goods, delivery)` part.
fn apply_one(
    v: &Offered,
    lines: &mut [Vec<Left>],
    fees: &mut [i64],
) -> Result<Vec<(i64, i64)>, Refusal> {
    let in_scope = |l: &Left| {
        v.categories
            .as_ref()
            .is_none_or(|c| c.contains(&l.category_id))
    };
    let eligible: Vec<i64> = lines
        .iter()
        .map(|ls| ls.iter().filter(|l| in_scope(l)).map(|l| l.left).sum())
        .collect();
    let total: i64 = eligible.iter().sum();
    if total <= 0 {
        return Err(Refusal::NotApplicable);
    }
    if let Some(min) = v.min_subtotal
        && total < min
    {
        return Err(Refusal::BelowMinimum { min });
    }
    let mut goods = goods_discount(v, total);
    if !v.concentrated {
        let room: i64 = lines
            .iter()
            .flatten()
            .filter(|l| in_scope(l))
            .map(|l| (l.regular * CAP_PERCENT / 100) - (l.regular - l.left))
            .sum();
        goods = goods.min(room.max(0));
    }
    let goods_parts = split(goods, &eligible);
    let mut parts = Vec::with_capacity(fees.len());
    for ((ls, fee), (g, e)) in lines
        .iter_mut()
        .zip(fees.iter_mut())
        .zip(goods_parts.into_iter().zip(&eligible))
    {
        let in_order: Vec<i64> = ls
            .iter()
            .map(|l| if in_scope(l) { l.left } else { 0 })
            .collect();
        for (l, cut) in ls.iter_mut().zip(split(g, &in_order)) {
            l.left -= cut;
        }
        let waived = match v.kind {
            VoucherKind::FreeDelivery if *e > 0 => match v.value {
                0 => *fee,
                cap => (*fee).min(cap),
            },
            _ => 0,
        };
        *fee -= waived;
        parts.push((g, waived));
    }
    if parts.iter().all(|(g, d)| *g == 0 && *d == 0) {
        return Err(Refusal::NotApplicable);
    }
    Ok(parts)
}

/// What `v` takes off `eligible` đồng of goods, before the cap.
fn goods_discount(v: &Offered, eligible: i64) -> i64 {
    let raw = match v.kind {
        VoucherKind::Percent => {
            let d = i128::from(eligible) * i128::from(v.value) / 100;
            i64::try_from(d).unwrap_or(i64::MAX)
        }
        VoucherKind::Fixed => v.value,
        VoucherKind::FreeDelivery => 0,
    };
    let raw = v.max_discount.map_or(raw, |m| raw.min(m));
    raw.clamp(0, eligible)
}

/// `amount` split in proportion to `weights`, rounded to the đồng by largest remainder (ties
/// to the earlier weight), so the parts sum exactly to `amount`. All weights 0: nothing.
pub(crate) fn split(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if total == 0 || amount <= 0 {
        return vec![0; weights.len()];
    }
    let amount = i128::from(amount);
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut rests: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = amount * i128::from((*w).max(0));
        parts.push(exact / total);
        rests.push((exact % total, i));
    }
    let mut left = amount - parts.iter().sum::<i128>();
    // Largest remainder first; equal remainders in the weights' order.
    rests.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (rest, i) in rests {
        if left == 0 {
            break;
        }
        if rest > 0 || weights[i] > 0 {
            parts[i] += 1;
            left -= 1;
        }
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p).unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voucher(kind: VoucherKind, value: i64, stall: Option<Uuid>) -> Offered {
        Offered {
            id: Uuid::now_v7(),
            code: format!("V{value}"),
            kind,
            value,
            min_subtotal: None,
            max_discount: None,
            concentrated: false,
            funded_by: if stall.is_some() {
                FundedBy::Stall
            } else {
                FundedBy::Platform
            },
            stall_id: stall,
            categories: None,
        }
    }

    fn order(stall: Uuid, amounts: &[i64], fee: i64) -> BasketOrder {
        BasketOrder {
            stall_id: stall,
            lines: amounts
                .iter()
                .map(|a| BasketLine {
                    category_id: Uuid::nil(),
                    amount: *a,
                    regular_amount: *a,
                })
                .collect(),
            delivery_fee: fee,
        }
    }

    #[test]
    fn a_split_sums_exactly_and_gives_the_remainder_by_size_then_order() {
        assert_eq!(split(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(split(10, &[3, 3, 4]), vec![3, 3, 4]);
        assert_eq!(split(7, &[0, 5, 0]), vec![0, 7, 0]);
        assert_eq!(split(5, &[0, 0]), vec![0, 0]);
        for (amount, w) in [(99_999, vec![33_333, 17_777, 48_889]), (1, vec![5, 5, 5])] {
            assert_eq!(split(amount, &w).iter().sum::<i64>(), amount);
        }
    }

    #[test]
    fn stall_vouchers_apply_first_then_the_platform_one_is_split() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let orders = vec![
            order(a, &[100_001], 15_000),
            order(b, &[33_333, 1], 15_000),
            order(c, &[77_777], 0),
        ];
        let stall_v = voucher(VoucherKind::Fixed, 10_000, Some(a));
        let platform = voucher(VoucherKind::Percent, 10, None);
        let out = apply(&orders, &[platform, stall_v]).unwrap();
        let stall_part: Vec<_> = out.iter().filter(|d| d.code == "V10000").collect();
        assert_eq!(stall_part.len(), 1);
        assert_eq!(stall_part[0].goods_amount, 10_000);
        let parts: Vec<i64> = out
            .iter()
            .filter(|d| d.code == "V10")
            .map(|d| d.goods_amount)
            .collect();
        // 10 % of 90 001 + 33 334 + 77 777 = 201 112 is 20 111, split 9 000 / 3 333 / 7 778.
        assert_eq!(parts.iter().sum::<i64>(), 20_111);
        assert_eq!(parts, vec![9_000, 3_333, 7_778]);
    }

    #[test]
    fn refusals_say_why() {
        let a = Uuid::from_u128(1);
        let orders = vec![order(a, &[50_000], 20_000)];
        let mut min = voucher(VoucherKind::Percent, 10, None);
        min.min_subtotal = Some(60_000);
        let elsewhere = voucher(VoucherKind::Percent, 5, Some(Uuid::from_u128(9)));
        let mut category = voucher(VoucherKind::Fixed, 1, None);
        category.categories = Some(HashSet::from([Uuid::from_u128(7)]));
        let refused = apply(&orders, &[min, elsewhere, category]).unwrap_err();
        let reasons: Vec<Refusal> = refused.into_iter().map(|(_, r)| r).collect();
        assert_eq!(
            reasons,
            vec![
                Refusal::NotApplicable,
                Refusal::BelowMinimum { min: 60_000 },
                Refusal::NotApplicable
            ]
        );
    }

    #[test]
    fn the_cap_counts_a_sale_cut_and_free_delivery_waives_up_to_its_value() {
        let a = Uuid::from_u128(1);
        let mut o = order(a, &[60_000], 30_000);
        // On sale at 60 000 from 100 000: only 10 000 more may be taken off.
        o.lines[0].regular_amount = 100_000;
        let mut big = voucher(VoucherKind::Percent, 50, None);
        big.max_discount = None;
        let out = apply(std::slice::from_ref(&o), &[big.clone()]).unwrap();
        assert_eq!(out[0].goods_amount, 10_000);
        big.concentrated = true;
        let out = apply(std::slice::from_ref(&o), &[big]).unwrap();
        assert_eq!(out[0].goods_amount, 30_000);
        let ship = voucher(VoucherKind::FreeDelivery, 25_000, Some(a));
        let out = apply(std::slice::from_ref(&o), &[ship]).unwrap();
        assert_eq!((out[0].goods_amount, out[0].delivery_amount), (0, 25_000));
    }
}
