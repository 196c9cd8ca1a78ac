//! Disabling and enabling an account, with the stalls it owns: disabling suspends the owner's
//! selling stalls and records why ([`SuspensionCause::OwnerDisabled`]); enabling reinstates
//! exactly those, never a stall an administrator suspended. The account's flag and its stalls
//! change in one transaction.

use accounts::{Accounts, User};
use common::{Actor, Stored, stored};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{Catalog, required_reason};
use crate::{
    entity::{stall, stall_member},
    error::Result,
    stall::{Role, StallAction, StallStatus, SuspensionCause},
};

/// The reason an owner's stalls are suspended with when the account is disabled, followed by
/// the administrator's words if any. Only the text the owner reads: what enabling the account
/// goes by is the recorded cause.
pub const OWNER_DISABLED: &str = "Tài khoản chủ gian hàng đã bị khoá";

impl Catalog {
    /// Disables `user_id`'s account (administrators): its sessions end at once, it cannot sign
    /// in, and the stalls it owns that sell are suspended, with [`OWNER_DISABLED`] and `reason`
    /// as the reason the owner reads. An administrator cannot disable themselves.
    pub async fn disable_account<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        accounts: &Accounts,
        actor: &Actor,
        user_id: Uuid,
        reason: Option<&str>,
    ) -> Result<User> {
        let admin = actor.require_admin()?;
        let txn = common::begin_write(db).await?;
        let user = accounts
            .set_disabled(&txn, actor, user_id, true)
            .await
            .map_err(common::Error::from)?;
        for s in owned_stalls(&txn, user_id).await? {
            if stored::<StallStatus>(&s.status)? == StallStatus::Approved {
                let why = owner_disabled_reason(reason)?;
                let cause = SuspensionCause::OwnerDisabled;
                self.move_stall(&txn, admin, s, StallAction::Suspend, Some(why), cause)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(user)
    }

    /// Enables a disabled account (administrators); the stalls suspended because it was
    /// disabled sell again, and no others.
    pub async fn enable_account<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        accounts: &Accounts,
        actor: &Actor,
        user_id: Uuid,
    ) -> Result<User> {
        let admin = actor.require_admin()?;
        let txn = common::begin_write(db).await?;
        let user = accounts
            .set_disabled(&txn, actor, user_id, false)
            .await
            .map_err(common::Error::from)?;
        for s in owned_stalls(&txn, user_id).await? {
            if suspended_for(&s)? == Some(SuspensionCause::OwnerDisabled) {
                let cause = SuspensionCause::OwnerDisabled;
                self.move_stall(&txn, admin, s, StallAction::Reinstate, None, cause)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(user)
    }
}

/// Why a stall is suspended; `None` if it is not. A cause the row does not hold for a
/// suspended stall, or holds in an unknown form, is an error.
fn suspended_for(s: &stall::Model) -> Result<Option<SuspensionCause>> {
    if stored::<StallStatus>(&s.status)? != StallStatus::Suspended {
        return Ok(None);
    }
    let cause = s.suspension_cause.as_deref().unwrap_or_default();
    Ok(Some(stored::<SuspensionCause>(cause)?))
}

/// The reason an owner's stall is suspended with: [`OWNER_DISABLED`], then the
/// administrator's words (up to 900 characters) if any.
fn owner_disabled_reason(reason: Option<&str>) -> Result<String> {
    let why = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => format!(
            "{OWNER_DISABLED}: {}",
            r.chars().take(900).collect::<String>()
        ),
        None => format!("{OWNER_DISABLED}."),
    };
    required_reason(Some(&why))
}

/// The stalls `user` owns.
async fn owned_stalls<C: ConnectionTrait>(db: &C, user: Uuid) -> Result<Vec<stall::Model>> {
    let ids: Vec<Uuid> = stall_member::Entity::find()
        .filter(stall_member::Column::UserId.eq(user))
        .filter(stall_member::Column::Role.eq(Role::Owner.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.stall_id)
        .collect();
    Ok(stall::Entity::find()
        .filter(stall::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_names_the_disabling_then_the_administrators_words() {
        assert_eq!(
            owner_disabled_reason(None).unwrap(),
            "Tài khoản chủ gian hàng đã bị khoá."
        );
        assert_eq!(
            owner_disabled_reason(Some("   ")).unwrap(),
            "Tài khoản chủ gian hàng đã bị khoá."
        );
        assert_eq!(
            owner_disabled_reason(Some(" Bán hàng giả ")).unwrap(),
            "Tài khoản chủ gian hàng đã bị khoá: Bán hàng giả"
        );
        let long = "x".repeat(2000);
        let why = owner_disabled_reason(Some(&long)).unwrap();
        assert_eq!(
            why.chars().count(),
            OWNER_DISABLED.chars().count() + 2 + 900
        );
    }
}
