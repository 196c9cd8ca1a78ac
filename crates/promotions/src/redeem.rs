//! Vouchers at checkout, inside the checkout's transaction: the codes a buyer gives checked and
//! turned into discounts per order ([`Vouchers::discounts`]), their uses counted
//! ([`Vouchers::redeem`]) and given back ([`release`]).
//!
//! Usage limits hold under concurrent checkouts: a use is counted by a conditional update
//! (`used_count = used_count + 1 WHERE used_count < usage_limit`, and the same on the buyer's
//! own counter), so of checkouts racing for the last use exactly one wins; the others are
//! refused whole (`used_up`, `per_buyer_limit_reached`) and write nothing. A use is counted once
//! per checkout (a checkout replayed by its `Idempotency-Key` counts nothing again). It is given
//! back when every order it discounted is cancelled (before delivery: a delivered order is
//! never cancelled), for the voucher's total and the buyer's own count alike.

use std::collections::{HashMap, HashSet};

use catalog::category::CategoryNode;
use chrono::{DateTime, Utc};
use common::{Error, FieldCode, error::FieldError, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use crate::{
    Vouchers,
    discount::{self, BasketOrder, Offered, OrderDiscount, Refusal},
    entity::{voucher, voucher_buyer_use, voucher_redemption},
    voucher::FundedBy,
};

/// The most codes one checkout may give.
pub const MAX_CODES: usize = 10;
/// The longest code a checkout may give (a voucher's has at most 32 characters).
const MAX_CODE_CHARS: usize = 64;

/// Result of the checkout steps.
type Result<T> = std::result::Result<T, Error>;

/// The field a refused code is named by.
fn field(code: &str) -> String {
    format!("voucher_codes.{code}")
}

/// A refusal as a field error of `code`.
fn refused(code: &str, why: Refusal) -> FieldError {
    let (c, message) = match why {
        Refusal::Unknown => (FieldCode::UnknownVoucher, "is not a voucher".to_owned()),
        Refusal::NotStarted => (FieldCode::NotStarted, "cannot be used yet".to_owned()),
        Refusal::Expired => (FieldCode::Expired, "has ended".to_owned()),
        Refusal::BelowMinimum { min } => (
            FieldCode::BelowMinimum,
            format!("needs at least {min} đồng of eligible goods"),
        ),
        Refusal::UsedUp => (FieldCode::UsedUp, "has been used up".to_owned()),
        Refusal::PerBuyerLimitReached => (
            FieldCode::PerBuyerLimitReached,
            "was used as many times as it allows one buyer".to_owned(),
        ),
        Refusal::NotApplicable => (
            FieldCode::NotApplicable,
            "is not for the goods in this cart".to_owned(),
        ),
        Refusal::Duplicate => (
            FieldCode::Duplicate,
            "is a second voucher of the platform or of one stall (one each)".to_owned(),
        ),
    };
    FieldError::new(field(code), c, message)
}

/// A 422 naming each refused code.
fn refusals(list: Vec<(String, Refusal)>) -> Error {
    Error::validation(list.into_iter().map(|(c, r)| refused(&c, r)).collect())
}

/// The codes as given, trimmed and upper-case, at most [`MAX_CODES`].
pub fn normalized(codes: &[String]) -> Result<Vec<String>> {
    if codes.len() > MAX_CODES {
        return Err(Error::invalid_field(
            "voucher_codes",
            FieldCode::TooMany,
            format!("at most {max} vouchers", max = MAX_CODES),
        ));
    }
    if codes.iter().any(|c| c.chars().count() > MAX_CODE_CHARS) {
        return Err(Error::invalid_field(
            "voucher_codes",
            FieldCode::TooLong,
            format!("must have at most {max} characters", max = MAX_CODE_CHARS),
        ));
    }
    Ok(codes
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .collect())
}

impl Vouchers {
    /// The discounts the `codes` give the `orders` of `buyer`'s checkout at `now` (orders
    /// sorted by stall id), or a 422 naming each refused code and why. Reads only: nothing is
    /// counted until [`Vouchers::redeem`].
    pub async fn discounts<C: ConnectionTrait>(
        &self,
        db: &C,
        buyer: Uuid,
        codes: &[String],
        orders: &[BasketOrder],
        now: DateTime<Utc>,
    ) -> Result<Vec<OrderDiscount>> {
        let codes = normalized(codes)?;
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let rows = voucher::Entity::find()
            .filter(voucher::Column::Code.is_in(codes.iter().filter(|c| c.len() <= 32).cloned()))
            .all(db)
            .await?;
        let by_code: HashMap<&str, &voucher::Model> =
            rows.iter().map(|r| (r.code.as_str(), r)).collect();
        let used = buyer_uses(db, buyer, &rows).await?;
        let tree = if rows.iter().any(|r| r.category_id.is_some()) {
            self.categories(db).await?
        } else {
            Vec::new()
        };
        let mut refusals_found = Vec::new();
        let mut offered = Vec::new();
        let (mut seen, mut platform, mut stalls) = (HashSet::new(), false, HashSet::new());
        for code in &codes {
            let Some(m) = by_code.get(code.as_str()) else {
                refusals_found.push((code.clone(), Refusal::Unknown));
                continue;
            };
            let twice = !seen.insert(code.clone())
                || match m.stall_id {
                    None => std::mem::replace(&mut platform, true),
                    Some(s) => !stalls.insert(s),
                };
            let why = if twice {
                Some(Refusal::Duplicate)
            } else {
                in_force(m, used.get(&m.id).copied().unwrap_or(0), now)
            };
            match why {
                Some(r) => refusals_found.push((code.clone(), r)),
                None => offered.push(offer(m, &tree)?),
            }
        }
        let applied = discount::apply(orders, &offered);
        match (applied, refusals_found.is_empty()) {
            (Ok(d), true) => Ok(d),
            (Ok(_), false) => Err(refusals(refusals_found)),
            (Err(more), _) => {
                refusals_found.extend(more);
                Err(refusals(refusals_found))
            }
        }
    }

    /// Counts one use of each voucher of `applied` by `buyer`'s checkout `checkout_id`, in the
    /// checkout's transaction; refused whole (422, nothing counted once the caller rolls back)
    /// when a limit was reached meanwhile. Vouchers are counted in id order, so concurrent
    /// checkouts take their rows in one order and never deadlock.
    pub async fn redeem<C: ConnectionTrait>(
        &self,
        txn: &C,
        buyer: Uuid,
        checkout_id: Uuid,
        applied: &[OrderDiscount],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut ids: Vec<(Uuid, &str)> = applied
            .iter()
            .map(|d| (d.voucher_id, d.code.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for (id, code) in ids {
            if let Some(why) = count_use(txn, id, buyer).await? {
                return Err(refusals(vec![(code.to_owned(), why)]));
            }
            voucher_redemption::ActiveModel {
                voucher_id: Set(id),
                checkout_id: Set(checkout_id),
                buyer_id: Set(buyer),
                created_at: Set(now),
                released_at: Set(None),
            }
            .insert(txn)
            .await?;
        }
        Ok(())
    }
}

/// Takes one use of voucher `id` for `buyer`: the total, then the buyer's own count, each by a
/// conditional update; the reason when a limit is reached.
async fn count_use<C: ConnectionTrait>(txn: &C, id: Uuid, buyer: Uuid) -> Result<Option<Refusal>> {
    let total =
        voucher::Entity::update_many()
            .col_expr(
                voucher::Column::UsedCount,
                Expr::col(voucher::Column::UsedCount).add(1),
            )
            .filter(voucher::Column::Id.eq(id))
            .filter(voucher::Column::UsageLimit.is_null().or(
                Expr::col(voucher::Column::UsedCount).lt(Expr::col(voucher::Column::UsageLimit)),
            ))
            .exec(txn)
            .await?;
    if total.rows_affected == 0 {
        return Ok(Some(Refusal::UsedUp));
    }
    let limit = voucher::Entity::find_by_id(id)
        .one(txn)
        .await?
        .and_then(|v| v.per_buyer_limit)
        .unwrap_or(i64::MAX);
    voucher_buyer_use::Entity::insert(voucher_buyer_use::ActiveModel {
        voucher_id: Set(id),
        buyer_id: Set(buyer),
        used_count: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            voucher_buyer_use::Column::VoucherId,
            voucher_buyer_use::Column::BuyerId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let own = voucher_buyer_use::Entity::update_many()
        .col_expr(
            voucher_buyer_use::Column::UsedCount,
            Expr::col(voucher_buyer_use::Column::UsedCount).add(1),
        )
        .filter(voucher_buyer_use::Column::VoucherId.eq(id))
        .filter(voucher_buyer_use::Column::BuyerId.eq(buyer))
        .filter(voucher_buyer_use::Column::UsedCount.lt(limit))
        .exec(txn)
        .await?;
    Ok((own.rows_affected == 0).then_some(Refusal::PerBuyerLimitReached))
}

/// Gives back the use checkout `checkout_id` made of voucher `voucher_id` (once: `false` when
/// it was given back already or never taken), in the caller's transaction.
pub async fn release<C: ConnectionTrait>(
    txn: &C,
    voucher_id: Uuid,
    checkout_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(r) = voucher_redemption::Entity::find_by_id((voucher_id, checkout_id))
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    let res = voucher_redemption::Entity::update_many()
        .col_expr(voucher_redemption::Column::ReleasedAt, Expr::value(now))
        .filter(voucher_redemption::Column::VoucherId.eq(voucher_id))
        .filter(voucher_redemption::Column::CheckoutId.eq(checkout_id))
        .filter(voucher_redemption::Column::ReleasedAt.is_null())
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Ok(false);
    }
    voucher::Entity::update_many()
        .col_expr(
            voucher::Column::UsedCount,
            Expr::col(voucher::Column::UsedCount).sub(1),
        )
        .filter(voucher::Column::Id.eq(voucher_id))
        .filter(voucher::Column::UsedCount.gt(0))
        .exec(txn)
        .await?;
    voucher_buyer_use::Entity::update_many()
        .col_expr(
            voucher_buyer_use::Column::UsedCount,
            Expr::col(voucher_buyer_use::Column::UsedCount).sub(1),
        )
        .filter(voucher_buyer_use::Column::VoucherId.eq(voucher_id))
        .filter(voucher_buyer_use::Column::BuyerId.eq(r.buyer_id))
        .filter(voucher_buyer_use::Column::UsedCount.gt(0))
        .exec(txn)
        .await?;
    tracing::info!(voucher = %voucher_id, checkout = %checkout_id, "voucher use given back");
    Ok(true)
}

/// Why voucher `m` cannot be used now by a buyer who used it `used` times, if it cannot.
fn in_force(m: &voucher::Model, used: i64, now: DateTime<Utc>) -> Option<Refusal> {
    if !m.active || now >= m.ends_at {
        Some(Refusal::Expired)
    } else if now < m.starts_at {
        Some(Refusal::NotStarted)
    } else if m.usage_limit.is_some_and(|l| m.used_count >= l) {
        Some(Refusal::UsedUp)
    } else if m.per_buyer_limit.is_some_and(|l| used >= l) {
        Some(Refusal::PerBuyerLimitReached)
    } else {
        None
    }
}

/// How many times `buyer` used each of `rows`.
async fn buyer_uses<C: ConnectionTrait>(
    db: &C,
    buyer: Uuid,
    rows: &[voucher::Model],
) -> Result<HashMap<Uuid, i64>> {
    Ok(voucher_buyer_use::Entity::find()
        .filter(voucher_buyer_use::Column::BuyerId.eq(buyer))
        .filter(voucher_buyer_use::Column::VoucherId.is_in(rows.iter().map(|r| r.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.voucher_id, u.used_count))
        .collect())
}

/// A row as the arithmetic sees it, its category opened into the ones below it.
fn offer(m: &voucher::Model, tree: &[CategoryNode]) -> Result<Offered> {
    Ok(Offered {
        id: m.id,
        code: m.code.clone(),
        kind: stored(&m.kind)?,
        value: m.value,
        min_subtotal: m.min_subtotal,
        max_discount: m.max_discount,
        concentrated: m.concentrated,
        funded_by: stored::<FundedBy>(&m.funded_by)?,
        stall_id: m.stall_id,
        categories: m
            .category_id
            .map(|c| subtree(tree, c).unwrap_or_else(|| HashSet::from([c]))),
    })
}

/// Category `root` and every one below it, if it is in `tree`.
pub(crate) fn subtree(tree: &[CategoryNode], root: Uuid) -> Option<HashSet<Uuid>> {
    fn all(n: &CategoryNode, out: &mut HashSet<Uuid>) {
        out.insert(n.id);
        for c in &n.children {
            all(c, out);
        }
    }
    for n in tree {
        if n.id == root {
            let mut out = HashSet::new();
            all(n, &mut out);
            return Some(out);
        }
        if let Some(found) = subtree(&n.children, root) {
            return Some(found);
        }
    }
    None
}
