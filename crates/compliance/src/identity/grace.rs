//! The grace period of the stalls that sold before a verified seller identity was required.
//!
//! The first sweep to find an approved stall whose seller is not verified records that moment
//! (`identity_grace.started_at`: for the stalls of before the rule, the deploy of this
//! feature) and tells its owner the deadline, `compliance.identity_grace_days` later. A week
//! before the deadline the owner is reminded; at the deadline the stall is suspended, with the
//! reason ([`SUSPENSION_REASON`]), as the marketplace itself, and its members hear of it as of
//! any suspension. Verifying the seller sells it again (the catalogue does that).
//!
//! The work is [`Grace::sweep`], a function of `now` so tests move time; [`IdentityGrace`] runs
//! it hourly on the job runner. Each stall is one transaction whose first step claims the
//! stall's row (inserting it, or locking it), so instances running the sweep at once tell an
//! owner once.

use std::time::Duration;

use catalog::{Catalog, service::UnverifiedSeller};
use chrono::{DateTime, Utc};
use common::calendar;
use jobs::{Job, JobError, Schedule};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Set,
    TransactionSession, TransactionTrait, sea_query::OnConflict,
};

use super::entity::identity_grace as grace;
use crate::ComplianceError;

/// The reason a stall suspended at the end of its grace period shows its members.
pub const SUSPENSION_REASON: &str = "Chưa xác minh danh tính người bán trong thời hạn cho phép \
     (Luật Thương mại điện tử). Gian hàng sẽ tự mở lại khi danh tính người bán được xác minh.";

/// How many days before the deadline the owner is reminded.
pub const REMINDER_DAYS: i64 = 7;

/// The grace period, `days` long.
#[derive(Clone, Debug)]
pub struct Grace {
    catalog: Catalog,
    days: u32,
}

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Stalls whose grace period began (their owners told).
    pub started: u64,
    /// Owners reminded a week before the deadline.
    pub reminded: u64,
    /// Stalls suspended at the deadline.
    pub suspended: u64,
}

impl Swept {
    /// Everything it did.
    pub fn total(&self) -> u64 {
        self.started + self.reminded + self.suspended
    }
}

impl Grace {
    /// A grace period of `days` days over `catalog`'s stalls.
    pub fn new(catalog: Catalog, days: u32) -> Self {
        Self { catalog, days }
    }

    /// Starts, reminds of and ends the grace periods due at `now`.
    pub async fn sweep<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<Swept, ComplianceError> {
        let mut swept = Swept::default();
        for seller in self.catalog.unverified_sellers(db).await? {
            self.sweep_one(db, &seller, now, &mut swept).await?;
        }
        if swept.total() > 0 {
            tracing::info!(
                started = swept.started,
                reminded = swept.reminded,
                suspended = swept.suspended,
                "seller identity grace periods swept"
            );
        }
        Ok(swept)
    }

    /// One stall's step at `now`, in its own transaction.
    async fn sweep_one<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        seller: &UnverifiedSeller,
        now: DateTime<Utc>,
        swept: &mut Swept,
    ) -> Result<(), ComplianceError> {
        let period = chrono::Duration::days(i64::from(self.days));
        let reminder = chrono::Duration::days(REMINDER_DAYS);
        let txn = common::begin_write(db).await?;
        // A period short enough that the first notice already falls in the last week needs
        // no reminder.
        let warned = (period <= reminder).then_some(now);
        let started = grace::Entity::insert(grace::ActiveModel {
            stall_id: Set(seller.stall_id),
            started_at: Set(now),
            warned_at: Set(warned),
            suspended_at: Set(None),
        })
        .on_conflict(
            OnConflict::column(grace::Column::StallId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?
            == 1;
        let row = grace::Entity::find_by_id(seller.stall_id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or_else(|| common::Error::internal("the grace row just claimed is gone"))?;
        let deadline = row.started_at + period;
        if started {
            self.tell(&txn, seller, notify::Event::IdentityRequired, deadline)
                .await?;
            swept.started += 1;
        } else if now >= deadline {
            if self
                .catalog
                .suspend_unverified_seller(&txn, seller.stall_id, SUSPENSION_REASON)
                .await?
            {
                let mut am: grace::ActiveModel = row.into();
                am.suspended_at = Set(Some(now));
                am.update(&txn).await?;
                swept.suspended += 1;
            }
        } else if now >= deadline - reminder && row.warned_at.is_none() {
            let mut am: grace::ActiveModel = row.into();
            am.warned_at = Set(Some(now));
            am.update(&txn).await?;
            self.tell(&txn, seller, notify::Event::IdentityReminder, deadline)
                .await?;
            swept.reminded += 1;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Tells the stall's owner `event` with the deadline (Vietnam's date), in `txn`.
    async fn tell<C: ConnectionTrait>(
        &self,
        txn: &C,
        seller: &UnverifiedSeller,
        event: notify::Event,
        deadline: DateTime<Utc>,
    ) -> Result<(), ComplianceError> {
        let facts = notify::Facts::new()
            .text("stall", seller.name.clone())
            .text(
                "deadline",
                calendar::day_of(deadline).format("%d/%m/%Y").to_string(),
            )
            .number("days", i64::from(self.days));
        self.catalog
            .tell_owner(txn, seller.stall_id, seller.owner_id, event, &facts)
            .await?;
        Ok(())
    }
}

/// The job that sweeps the grace periods every `every` (an hour in production).
pub struct IdentityGrace {
    grace: Grace,
    db: DatabaseConnection,
    every: Duration,
}

impl IdentityGrace {
    /// The sweep of `grace` over `db`, every `every`.
    pub fn new(grace: Grace, db: DatabaseConnection, every: Duration) -> Self {
        Self { grace, db, every }
    }
}

#[jobs::async_trait]
impl Job for IdentityGrace {
    fn kind(&self) -> &'static str {
        "identity_grace"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Every(self.every)
    }

    async fn run(&self) -> Result<u64, JobError> {
        let swept = self.grace.sweep(&self.db, Utc::now()).await?;
        Ok(swept.total())
    }
}
