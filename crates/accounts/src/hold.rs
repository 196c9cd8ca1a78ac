//! Row locks on accounts, so an erasure and the use cases that write about a user (a checkout)
//! queue one behind the other instead of running across each other.
//!
//! On PostgreSQL the locks are `FOR UPDATE` (the erasure) and `FOR SHARE` (a checkout), held
//! until the caller's transaction ends; SQLite's write transactions are one at a time already,
//! so there the queries only read.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::{User, entity::user};

/// What an erasure finds under its locks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureHold {
    /// The account as it is now, `None` when it is gone.
    pub user: Option<User>,
    /// How many administrators other than the account are active (neither disabled nor
    /// erased); counted only when the account is an administrator, else 0.
    pub other_admins: usize,
}

/// Locks `user`'s row for its erasure until the transaction ends; when it is an administrator,
/// the active administrators' rows too, all in id order, so two administrators erasing
/// themselves at once queue (the second then counts the first as gone) instead of
/// deadlocking or both leaving.
///
/// # Errors
/// When the database fails.
pub async fn lock_for_erasure<C: ConnectionTrait>(
    db: &C,
    user: &User,
) -> Result<ErasureHold, DbErr> {
    let mut which = Condition::any().add(user::Column::Id.eq(user.id));
    if user.is_admin {
        which = which.add(
            Condition::all()
                .add(user::Column::IsAdmin.eq(true))
                .add(user::Column::DisabledAt.is_null())
                .add(user::Column::ErasedAt.is_null()),
        );
    }
    let rows = user::Entity::find()
        .filter(which)
        .order_by_asc(user::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    let me = rows
        .iter()
        .find(|r| r.id == user.id)
        .cloned()
        .map(User::from);
    let admin = me.as_ref().is_some_and(|m| m.is_admin);
    let other_admins = rows
        .iter()
        .filter(|r| admin && r.id != user.id && is_active_admin(r))
        .count();
    Ok(ErasureHold {
        user: me,
        other_admins,
    })
}

/// Locks the account `id` against its erasure until the transaction ends (`FOR SHARE`: other
/// holders go on, an erasure waits, and a holder waits for an erasure under way) and says
/// whether it is usable: false when it is gone, disabled or erased.
///
/// # Errors
/// When the database fails.
pub async fn hold_active<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<bool, DbErr> {
    let row = user::Entity::find_by_id(id).lock_shared().one(db).await?;
    Ok(row.is_some_and(|r| r.disabled_at.is_none() && r.erased_at.is_none()))
}

fn is_active_admin(r: &user::Model) -> bool {
    r.is_admin && r.disabled_at.is_none() && r.erased_at.is_none()
}
