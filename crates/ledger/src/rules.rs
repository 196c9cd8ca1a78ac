//! Commission rules, managed by administrators: a default rate (no category, no stall), rates
//! for a category and everything below it, and rates for one stall, each with the dates it is
//! in force and an optional minimum and maximum per order. Entries record the rule as it was
//! applied, so editing a rule never changes the past.

use chrono::{DateTime, Utc};
use common::{Actor, Error, FieldCode, Result, validate::Validator};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Ledger, access, entity::commission_rule, store};

/// A commission rule as administrators see and send it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleView {
    /// Id.
    pub id: Uuid,
    /// The rate in basis points (100 = 1 %).
    pub rate_bp: i32,
    /// This category and the ones below it; none: any category.
    pub category_id: Option<Uuid>,
    /// This stall only; none: any stall.
    pub stall_id: Option<Uuid>,
    /// The least commission per order, in đồng.
    pub min: Option<i64>,
    /// The most commission per order, in đồng.
    pub max: Option<i64>,
    /// In force from.
    pub valid_from: DateTime<Utc>,
    /// In force until (exclusive).
    pub valid_to: Option<DateTime<Utc>>,
    /// Made at.
    pub created_at: DateTime<Utc>,
}

impl From<commission_rule::Model> for RuleView {
    fn from(r: commission_rule::Model) -> Self {
        Self {
            id: r.id,
            rate_bp: r.rate_bp,
            category_id: r.category_id,
            stall_id: r.stall_id,
            min: r.min_amount,
            max: r.max_amount,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            created_at: r.created_at,
        }
    }
}

/// A new rule.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// 0 to 10 000 basis points.
    #[cfg_attr(feature = "openapi", schema(example = 500))]
    pub rate_bp: i32,
    /// A category (its whole subtree).
    pub category_id: Option<Uuid>,
    /// A stall.
    pub stall_id: Option<Uuid>,
    /// 0 to 1 000 000 000 đồng.
    pub min: Option<i64>,
    /// 0 to 1 000 000 000 đồng, not below `min`.
    pub max: Option<i64>,
    /// In force from (default: now).
    pub valid_from: Option<DateTime<Utc>>,
    /// In force until (exclusive), after `valid_from`.
    pub valid_to: Option<DateTime<Utc>>,
}

/// Changes to a rule; absent fields stay. `null` clears `min`, `max` or `valid_to`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RulePatch {
    /// 0 to 10 000 basis points.
    pub rate_bp: Option<i32>,
    /// The least commission per order.
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub min: Option<Option<i64>>,
    /// The most commission per order.
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub max: Option<Option<i64>>,
    /// In force from.
    pub valid_from: Option<DateTime<Utc>>,
    /// In force until (exclusive); `null`: open.
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    pub valid_to: Option<Option<DateTime<Utc>>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

const MAX_AMOUNT: i64 = 1_000_000_000;

fn check(
    v: &mut Validator,
    rate_bp: i32,
    min: Option<i64>,
    max: Option<i64>,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) {
    v.check(
        (0..=10_000).contains(&rate_bp),
        "rate_bp",
        FieldCode::OutOfRange,
        "must be 0 to 10000 basis points",
    );
    for (field, x) in [("min", min), ("max", max)] {
        if let Some(x) = x {
            v.check(
                (0..=MAX_AMOUNT).contains(&x),
                field,
                FieldCode::OutOfRange,
                "must be 0 to 1000000000 đồng",
            );
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        v.check(
            min <= max,
            "max",
            FieldCode::BelowOther,
            "must not be below min",
        );
    }
    if let Some(to) = to {
        v.check(
            from < to,
            "valid_to",
            FieldCode::BeforeOther,
            "must be after valid_from",
        );
    }
}

impl Ledger {
    /// Every commission rule, newest first (administrators).
    pub async fn commission_rules<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
    ) -> Result<Vec<RuleView>> {
        access::admin(actor)?;
        Ok(commission_rule::Entity::find()
            .order_by_desc(commission_rule::Column::ValidFrom)
            .order_by_desc(commission_rule::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(RuleView::from)
            .collect())
    }

    /// Adds a rule (administrators); its category and stall must exist. Audited.
    pub async fn add_commission_rule<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        r: NewRule,
    ) -> Result<RuleView> {
        use sea_orm::TransactionSession;
        let admin = access::admin(actor)?;
        let now = Utc::now();
        let from = r.valid_from.unwrap_or(now);
        let mut v = Validator::new();
        check(&mut v, r.rate_bp, r.min, r.max, from, r.valid_to);
        if let Some(c) = r.category_id {
            let known = catalog::service::find_category(db, &c.to_string()).await?;
            v.check(
                known.is_some(),
                "category_id",
                FieldCode::UnknownCategory,
                "is not a category",
            );
        }
        if let Some(s) = r.stall_id {
            let known = store::stall(db, s).await?;
            v.check(
                known.is_some(),
                "stall_id",
                FieldCode::UnknownStall,
                "is not a stall",
            );
        }
        v.finish()?;
        let txn = common::begin_write(db).await?;
        let rule = commission_rule::ActiveModel {
            id: Set(Uuid::now_v7()),
            rate_bp: Set(r.rate_bp),
            category_id: Set(r.category_id),
            stall_id: Set(r.stall_id),
            min_amount: Set(r.min),
            max_amount: Set(r.max),
            valid_from: Set(from),
            valid_to: Set(r.valid_to),
            created_by: Set(admin),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let view = RuleView::from(rule);
        audit_rule(
            &txn,
            admin,
            catalog::audit::Action::CommissionRuleCreate,
            &view,
        )
        .await?;
        txn.commit().await?;
        Ok(view)
    }

    /// Changes a rule (administrators). Entries already written keep the rule as it was.
    pub async fn update_commission_rule<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        p: RulePatch,
    ) -> Result<RuleView> {
        use sea_orm::{IntoActiveModel, TransactionSession};
        let admin = access::admin(actor)?;
        let txn = common::begin_write(db).await?;
        let old = commission_rule::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::not_found("Commission rule"))?;
        let rate_bp = p.rate_bp.unwrap_or(old.rate_bp);
        let min = p.min.unwrap_or(old.min_amount);
        let max = p.max.unwrap_or(old.max_amount);
        let from = p.valid_from.unwrap_or(old.valid_from);
        let to = p.valid_to.unwrap_or(old.valid_to);
        let mut v = Validator::new();
        check(&mut v, rate_bp, min, max, from, to);
        v.finish()?;
        let mut m = old.into_active_model();
        m.rate_bp = Set(rate_bp);
        m.min_amount = Set(min);
        m.max_amount = Set(max);
        m.valid_from = Set(from);
        m.valid_to = Set(to);
        m.updated_at = Set(Utc::now());
        let view = RuleView::from(m.update(&txn).await?);
        audit_rule(
            &txn,
            admin,
            catalog::audit::Action::CommissionRuleUpdate,
            &view,
        )
        .await?;
        txn.commit().await?;
        Ok(view)
    }
}

/// Commission rules are audited on the stall they name, or on their category.
async fn audit_rule<C: ConnectionTrait>(
    txn: &C,
    admin: Uuid,
    action: catalog::audit::Action,
    r: &RuleView,
) -> Result<()> {
    use catalog::audit::{Subject, record};
    let subject = match (r.stall_id, r.category_id) {
        (Some(s), _) => Subject::Stall(s),
        (None, Some(c)) => Subject::Category(c),
        (None, None) => Subject::CommissionRule(r.id),
    };
    record(
        txn,
        admin,
        action,
        subject,
        None,
        None,
        Some(serde_json::to_value(r).unwrap_or_default()),
    )
    .await
    .map_err(Error::from)
}
