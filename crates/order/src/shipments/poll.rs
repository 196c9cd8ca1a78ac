//! The poll: parcels on their way that the carrier has not told us of for
//! `carriers.poll_after_minutes` are asked after (the carrier's `detail`), and the events it
//! lists are applied through the one path of carrier events, as a callback's would be (those
//! heard before are duplicates and change nothing). A run takes each parcel by moving its
//! `checked_at` with a conditional update, so instances polling together ask once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jobs::{Job, JobError, Schedule};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait, sea_query::Expr,
};

use super::track::{self, Applied, Source};
use crate::parcels::{ShipmentStatus, rows};
use crate::{Orders, entity::shipment, error::Result, types::Stored};

/// Parcels asked after in one run at most.
const BATCH: u64 = 50;

impl Orders {
    /// Asks the carriers after the parcels not heard of for the poll interval and applies
    /// what they missed; returns how many parcels were asked after.
    pub async fn poll_shipments<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let quiet = ShipmentStatus::ALL
            .iter()
            .filter(|s| s.is_final() || **s == ShipmentStatus::Booking)
            .map(|s| s.as_str());
        let due = shipment::Entity::find()
            .filter(shipment::Column::Status.is_not_in(quiet))
            .filter(shipment::Column::TrackingNo.is_not_null())
            .filter(shipment::Column::CheckedAt.lt(now - self.desk.poll_after))
            .order_by_asc(shipment::Column::CheckedAt)
            .limit(BATCH)
            .all(db)
            .await?;
        let mut asked = 0;
        for s in due {
            if !take(db, &s, now).await? {
                continue;
            }
            asked += 1;
            if let Err(e) = self.poll_one(db, &s, now).await {
                tracing::warn!(shipment = %s.id, carrier = %s.carrier, error = %e, "could not ask the carrier after a parcel");
            }
        }
        Ok(asked)
    }

    /// Asks the carrier after `s` and applies the events it lists, oldest first.
    async fn poll_one<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        s: &shipment::Model,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(tracking_no) = &s.tracking_no else {
            return Ok(());
        };
        let (client, account) = self.desk.account_for(db, s.stall_id, &s.carrier).await?;
        let state = client
            .detail(&account, tracking_no)
            .await
            .map_err(common::Error::from)?;
        let mut events = state.events;
        events.sort_by_key(|e| e.at);
        for e in &events {
            let txn = common::begin_write(db).await?;
            let Some(locked) = rows::locked(&txn, s.id).await? else {
                return Ok(());
            };
            let (applied, after) =
                track::apply(&txn, &self.ledger, &locked, e, Source::Poll, now).await?;
            txn.commit().await?;
            if applied == Applied::Moved {
                tracing::info!(shipment = %s.id, status = %e.status, "the poll found a missed carrier event");
            }
            if let Some(order_id) = after.refund_order {
                self.refunder.send_now(db, order_id).await?;
            }
        }
        Ok(())
    }
}

/// Takes `s` for this run: its `checked_at` moves to now unless another instance moved it
/// first.
async fn take<C: ConnectionTrait>(db: &C, s: &shipment::Model, now: DateTime<Utc>) -> Result<bool> {
    let res = shipment::Entity::update_many()
        .col_expr(shipment::Column::CheckedAt, Expr::value(now))
        .filter(shipment::Column::Id.eq(s.id))
        .filter(shipment::Column::CheckedAt.eq(s.checked_at))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The poll as a job: a batch a run; once none is due, it looks again after `every`.
pub struct PollShipments {
    orders: Orders,
    db: DatabaseConnection,
    every: Duration,
}

impl PollShipments {
    /// `orders` asking after the parcels of `db`, looking every `every` once none is due.
    pub fn new(orders: Orders, db: DatabaseConnection, every: Duration) -> Self {
        Self { orders, db, every }
    }
}

#[jobs::async_trait]
impl Job for PollShipments {
    fn kind(&self) -> &'static str {
        "carrier_poll"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Drain {
            batch: BATCH,
            idle: self.every,
        }
    }

    async fn run(&self) -> Result<u64, JobError> {
        let asked = self
            .orders
            .poll_shipments(&self.db, Utc::now())
            .await
            .map_err(common::Error::from)?;
        Ok(asked)
    }
}
