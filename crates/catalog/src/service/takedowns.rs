//! Takedowns on reports, for the compliance office: a product hidden, or a stall suspended
//! ([`SuspensionCause::Takedown`]), with the reason its stall reads, and put back after a
//! review. Each runs in the caller's transaction, so the office's record of the takedown and the
//! catalogue's change stand or fall together; each is audited, queued for search and told to
//! the stall.

use chrono::Utc;
use common::stored;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;
use uuid::Uuid;

use super::Catalog;
use crate::{
    CatalogError,
    audit::{self, Action, Subject},
    entity::{product, stall},
    error::Result,
    outbox,
    stall::{StallAction, StallStatus, SuspensionCause},
};

impl Catalog {
    /// Hides `product_id` from the public with `reason`, for administrator `admin`, in the
    /// caller's transaction; the stall hears why (`product_taken_down`). A product hidden
    /// already keeps hidden with this reason instead.
    pub async fn take_down_product<C: ConnectionTrait>(
        &self,
        txn: &C,
        admin: Uuid,
        product_id: Uuid,
        reason: &str,
    ) -> Result<()> {
        let p = product_row(txn, product_id).await?;
        let updated = set_hidden(txn, p.clone(), Some(reason)).await?;
        audit::record(
            txn,
            admin,
            Action::ProductTakeDown,
            Subject::Product(p.id),
            Some(reason),
            Some(json!({"hidden": p.hidden})),
            Some(json!({"hidden": true})),
        )
        .await?;
        let facts = notify::Facts::new()
            .text("product", updated.name.clone())
            .text("reason", reason)
            .data("product_id", updated.id.to_string());
        self.tell_stall(
            txn,
            updated.stall_id,
            notify::Event::ProductTakenDown,
            facts,
            None,
        )
        .await
    }

    /// Shows a product taken down again, for administrator `admin`, in the caller's
    /// transaction (`reason` recorded if given); the stall hears it (`product_restored`).
    pub async fn restore_product<C: ConnectionTrait>(
        &self,
        txn: &C,
        admin: Uuid,
        product_id: Uuid,
        reason: Option<&str>,
    ) -> Result<()> {
        let p = product_row(txn, product_id).await?;
        let updated = set_hidden(txn, p.clone(), None).await?;
        audit::record(
            txn,
            admin,
            Action::ProductRestore,
            Subject::Product(p.id),
            reason,
            Some(json!({"hidden": p.hidden})),
            Some(json!({"hidden": false})),
        )
        .await?;
        let facts = notify::Facts::new()
            .text("product", updated.name.clone())
            .data("product_id", updated.id.to_string());
        self.tell_stall(
            txn,
            updated.stall_id,
            notify::Event::ProductRestored,
            facts,
            None,
        )
        .await
    }

    /// Suspends the approved stall `stall_id` with `reason` and the cause
    /// [`SuspensionCause::Takedown`], for administrator `admin`, in the caller's transaction;
    /// the stall hears why (`stall_taken_down`). A stall that is not approved cannot be taken
    /// down (`invalid_transition`).
    pub async fn take_down_stall<C: ConnectionTrait>(
        &self,
        txn: &C,
        admin: Uuid,
        stall_id: Uuid,
        reason: &str,
    ) -> Result<()> {
        let s = stall_row(txn, stall_id).await?;
        let cause = SuspensionCause::Takedown;
        self.move_stall(
            txn,
            admin,
            s,
            StallAction::Suspend,
            Some(reason.to_owned()),
            cause,
        )
        .await?;
        Ok(())
    }

    /// Reinstates a stall suspended by a takedown, for administrator `admin`, in the caller's
    /// transaction; the stall hears it (`stall_reinstated`). A stall suspended for another
    /// cause since, or already selling again, is left as it is.
    pub async fn reinstate_taken_down_stall<C: ConnectionTrait>(
        &self,
        txn: &C,
        admin: Uuid,
        stall_id: Uuid,
    ) -> Result<()> {
        let s = stall_row(txn, stall_id).await?;
        let suspended = stored::<StallStatus>(&s.status)? == StallStatus::Suspended;
        let cause = s.suspension_cause.as_deref().map(stored).transpose()?;
        if suspended && cause == Some(SuspensionCause::Takedown) {
            let cause = SuspensionCause::Takedown;
            self.move_stall(txn, admin, s, StallAction::Reinstate, None, cause)
                .await?;
        }
        Ok(())
    }
}

async fn product_row<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<product::Model> {
    product::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CatalogError::NotFound("Product"))
}

async fn stall_row<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<stall::Model> {
    stall::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CatalogError::NotFound("Stall"))
}

/// Hides the product with `reason`, or shows it (`None`), and queues it for search.
async fn set_hidden<C: ConnectionTrait>(
    db: &C,
    p: product::Model,
    reason: Option<&str>,
) -> Result<product::Model> {
    let id = p.id;
    let mut am = p.into_active_model();
    am.hidden = Set(reason.is_some());
    am.hidden_reason = Set(reason.map(str::to_owned));
    am.updated_at = Set(Utc::now());
    let updated = am.update(db).await?;
    outbox::enqueue(db, outbox::Entity::Product, id).await?;
    Ok(updated)
}
