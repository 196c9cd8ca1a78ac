//! What the compliance office tells the catalogue about its sellers, and what the catalogue
//! enforces with it: a stall is approved only when its seller's identity is verified
//! (`stalls.seller_verified`); an approved stall whose seller is still unidentified when its
//! grace period ends is suspended ([`SuspensionCause::IdentityUnverified`]), and verifying the
//! identity sells it again. The compliance office decides and calls these in its own
//! transaction; the catalogue keeps the fact on the stall and moves the stall.

use common::{Stored, stored, stored::stored_opt};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use super::{Catalog, required_reason};
use crate::{
    audit,
    entity::stall,
    error::Result,
    stall::{StallAction, StallStatus, SuspensionCause},
};

/// An approved stall whose seller has no verified identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnverifiedSeller {
    /// The stall.
    pub stall_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its owner, who is told.
    pub owner_id: Uuid,
}

impl Catalog {
    /// Records whether the seller of `stall_id` has a verified identity, in the caller's
    /// transaction. Verifying it reinstates the stall if it was suspended for lacking one,
    /// audited as `by` (the administrator who verified, or [`audit::SYSTEM`]). An unknown
    /// stall changes nothing.
    pub async fn set_seller_verified<C: ConnectionTrait>(
        &self,
        txn: &C,
        by: Uuid,
        stall_id: Uuid,
        verified: bool,
    ) -> Result<()> {
        stall::Entity::update_many()
            .col_expr(stall::Column::SellerVerified, Expr::value(verified))
            .filter(stall::Column::Id.eq(stall_id))
            .exec(txn)
            .await?;
        let Some(current) = stall::Entity::find_by_id(stall_id).one(txn).await? else {
            return Ok(());
        };
        if verified && suspended_for(&current)? == Some(SuspensionCause::IdentityUnverified) {
            let cause = SuspensionCause::IdentityUnverified;
            self.move_stall(txn, by, current, StallAction::Reinstate, None, cause)
                .await?;
        }
        Ok(())
    }

    /// Suspends `stall_id` as the marketplace itself ([`audit::SYSTEM`]) for selling without a
    /// verified seller identity past its grace period, with `reason` for the owner to read,
    /// in the caller's transaction. Only an approved stall whose seller is still unverified
    /// is suspended (read again here, so one verified or suspended meanwhile is left alone);
    /// returns whether it was.
    pub async fn suspend_unverified_seller<C: ConnectionTrait>(
        &self,
        txn: &C,
        stall_id: Uuid,
        reason: &str,
    ) -> Result<bool> {
        let reason = required_reason(Some(reason))?;
        let Some(current) = stall::Entity::find_by_id(stall_id).one(txn).await? else {
            return Ok(false);
        };
        let selling = stored::<StallStatus>(&current.status)? == StallStatus::Approved;
        if !selling || current.seller_verified {
            return Ok(false);
        }
        let cause = SuspensionCause::IdentityUnverified;
        self.move_stall(
            txn,
            audit::SYSTEM,
            current,
            StallAction::Suspend,
            Some(reason),
            cause,
        )
        .await?;
        Ok(true)
    }

    /// The approved stalls whose seller has no verified identity, oldest first: those the
    /// grace period is about.
    pub async fn unverified_sellers<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Vec<UnverifiedSeller>> {
        Ok(stall::Entity::find()
            .filter(stall::Column::Status.eq(StallStatus::Approved.as_str()))
            .filter(stall::Column::SellerVerified.eq(false))
            .order_by_asc(stall::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|s| UnverifiedSeller {
                stall_id: s.id,
                name: s.name,
                owner_id: s.owner_id,
            })
            .collect())
    }
}

/// Whether `action` on `current` needs a verified seller: approving always does, and so does
/// reinstating a stall suspended for lacking one (any other suspension is lifted as before).
pub(super) fn needs_verified_seller(current: &stall::Model, action: StallAction) -> Result<bool> {
    Ok(match action {
        StallAction::Approve => true,
        StallAction::Reinstate => {
            suspended_for(current)? == Some(SuspensionCause::IdentityUnverified)
        }
        StallAction::Reject | StallAction::Suspend | StallAction::Resubmit => false,
    })
}

/// Why a stall is suspended; `None` if it is not (or its cause is not recorded).
fn suspended_for(s: &stall::Model) -> Result<Option<SuspensionCause>> {
    if stored::<StallStatus>(&s.status)? != StallStatus::Suspended {
        return Ok(None);
    }
    Ok(stored_opt::<SuspensionCause>(
        s.suspension_cause.as_deref(),
    )?)
}
