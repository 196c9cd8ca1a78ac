//! The watch on verified documents' last valid days. A document is valid through its
//! `expires_on`, inclusive. Its stall's owner hears 30 days before that day, 7 days before it,
//! and on the day the document has expired (the day after its last valid day), which is the day
//! the products that need it hide: the catalogue is told the stall's documents lapsed in the
//! same transaction as that notice. A document verified late gets only the latest notice due.
//!
//! The work is [`Expiry::sweep`], a function of `today` so tests move time; [`DocumentExpiry`]
//! runs it hourly on the job runner and, once a day, has the catalogue recheck every stall
//! (documents that lapsed while no notice was due, requirements that changed with a release).
//! Each notice is claimed by one conditional update of the document's `expiry_notice` (from
//! the notice before it to this one) in the transaction that writes it, so instances sweeping
//! at once send it once.

use std::{sync::Mutex, time::Duration};

use chrono::{NaiveDate, Utc};
use common::{Stored, calendar, stored::stored_opt};
use jobs::{Job, JobError, Schedule};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait, sea_query::Expr,
};

use super::{DocumentStatus, Documents, ExpiryNotice, entity as document};
use crate::ComplianceError;

/// How many days before the last valid day the first notice goes.
pub const FIRST_NOTICE_DAYS: i64 = 30;

/// The watch over `documents`.
#[derive(Clone, Debug)]
pub struct Expiry {
    documents: Documents,
}

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Owners told a document's last valid day nears.
    pub warned: u64,
    /// Documents that expired (their owners told, their products rechecked).
    pub expired: u64,
    /// Products whose visibility changed with them.
    pub products: u64,
}

impl Expiry {
    /// The watch over `documents`.
    pub fn new(documents: Documents) -> Self {
        Self { documents }
    }

    /// Sends the notices due on `today` and lapses the documents that expired.
    pub async fn sweep<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        today: NaiveDate,
    ) -> Result<Swept, ComplianceError> {
        let horizon = today + chrono::Duration::days(FIRST_NOTICE_DAYS);
        let rows = document::Entity::find()
            .filter(document::Column::Status.eq(DocumentStatus::Verified.as_str()))
            .filter(document::Column::ExpiresOn.lte(horizon))
            .filter(
                Condition::any()
                    .add(document::Column::ExpiryNotice.is_null())
                    .add(document::Column::ExpiryNotice.ne(ExpiryNotice::Expired.as_str())),
            )
            .order_by_asc(document::Column::ExpiresOn)
            .order_by_asc(document::Column::Id)
            .all(db)
            .await?;
        let mut swept = Swept::default();
        for row in rows {
            self.step(db, row, today, &mut swept).await?;
        }
        if swept != Swept::default() {
            tracing::info!(
                warned = swept.warned,
                expired = swept.expired,
                products = swept.products,
                "business documents' expiry swept"
            );
        }
        Ok(swept)
    }

    /// Has the catalogue recheck every stall's products on `today`; how many changed.
    pub async fn recheck<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        today: NaiveDate,
    ) -> Result<u64, ComplianceError> {
        Ok(self
            .documents
            .catalog()
            .recheck_all_documents(db, today)
            .await?)
    }

    /// The notice due for `row` on `today`, if not sent yet, in its own transaction.
    async fn step<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        row: document::Model,
        today: NaiveDate,
        swept: &mut Swept,
    ) -> Result<(), ComplianceError> {
        let Some(last_day) = row.expires_on else {
            return Ok(());
        };
        let sent: Option<ExpiryNotice> = stored_opt(row.expiry_notice.as_deref())?;
        let Some(due) = ExpiryNotice::due(last_day, today).filter(|d| sent < Some(*d)) else {
            return Ok(());
        };
        let txn = common::begin_write(db).await?;
        let claim = document::Entity::update_many()
            .col_expr(document::Column::ExpiryNotice, Expr::value(due.as_str()))
            .filter(document::Column::Id.eq(row.id))
            .filter(document::Column::Status.eq(DocumentStatus::Verified.as_str()));
        let claim = match sent {
            Some(s) => claim.filter(document::Column::ExpiryNotice.eq(s.as_str())),
            None => claim.filter(document::Column::ExpiryNotice.is_null()),
        };
        if claim.exec(&txn).await?.rows_affected == 0 {
            // Another instance sent it, or the document was superseded meanwhile.
            txn.rollback().await?;
            return Ok(());
        }
        if due == ExpiryNotice::Expired {
            swept.products += self
                .documents
                .tell_catalog(&txn, row.stall_id, today)
                .await?;
            swept.expired += 1;
        } else {
            swept.warned += 1;
        }
        self.tell(&txn, &row, due, last_day, today).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Tells the owner of `row`'s stall notice `due`, in `txn`.
    async fn tell<C: ConnectionTrait>(
        &self,
        txn: &C,
        row: &document::Model,
        due: ExpiryNotice,
        last_day: NaiveDate,
        today: NaiveDate,
    ) -> Result<(), ComplianceError> {
        let Some(owned) = catalog::lookup::owned_stall(txn, row.stall_id).await? else {
            return Ok(());
        };
        let facts = notify::Facts::new()
            .text("stall", owned.stall.name.clone())
            .text("document", self.documents.kind_name(&row.kind))
            .text("number", row.number.clone())
            .text("last_day", last_day.format("%d/%m/%Y").to_string());
        let (event, facts) = match due {
            ExpiryNotice::Expired => (notify::Event::DocumentExpired, facts),
            ExpiryNotice::Days30 | ExpiryNotice::Days7 => (
                notify::Event::DocumentExpiring,
                facts.number("days", (last_day - today).num_days()),
            ),
        };
        let refs = notify::Refs {
            stall_id: Some(owned.stall.id),
            order_id: None,
        };
        self.documents
            .catalog()
            .notifier()
            .to_users(txn, &[owned.owner_id], event, &facts, refs)
            .await?;
        Ok(())
    }
}

/// The job that sweeps documents' expiry every `every` (an hour in production) and has the
/// catalogue recheck every stall once a day.
pub struct DocumentExpiry {
    expiry: Expiry,
    db: DatabaseConnection,
    every: Duration,
    /// The day of the last recheck of every stall by this process.
    rechecked: Mutex<Option<NaiveDate>>,
}

impl DocumentExpiry {
    /// The sweep of `expiry` over `db`, every `every`.
    pub fn new(expiry: Expiry, db: DatabaseConnection, every: Duration) -> Self {
        Self {
            expiry,
            db,
            every,
            rechecked: Mutex::new(None),
        }
    }

    /// The day of the last recheck of every stall, behind its lock.
    fn last_recheck(&self) -> std::sync::MutexGuard<'_, Option<NaiveDate>> {
        self.rechecked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[jobs::async_trait]
impl Job for DocumentExpiry {
    fn kind(&self) -> &'static str {
        "document_expiry"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Every(self.every)
    }

    async fn run(&self) -> Result<u64, JobError> {
        let today = calendar::day_of(Utc::now());
        let swept = self.expiry.sweep(&self.db, today).await?;
        let mut done = swept.warned + swept.expired;
        // Once a day; a recheck that failed is tried again at the next run.
        let due = *self.last_recheck() != Some(today);
        if due {
            done += self.expiry.recheck(&self.db, today).await?;
            *self.last_recheck() = Some(today);
        }
        Ok(done)
    }
}
