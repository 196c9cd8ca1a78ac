//! Who may see and change a stall's money: its members (some things its owner only) and
//! administrators; anyone else is told the stall does not exist.

use catalog::{entity::stall, service::find_stall, stall::Role};
use common::{Actor, Error, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// How the caller stands to a stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Its owner.
    Owner,
    /// Staff of it.
    Staff,
    /// An administrator who is not a member.
    Admin,
}

/// The stall `id_or_slug` and the caller's standing; "not found" for anyone else.
pub(crate) async fn stall_for<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id_or_slug: &str,
) -> Result<(stall::Model, Standing)> {
    let user = actor.require_user()?;
    let stall = find_stall(db, id_or_slug)
        .await
        .map_err(Error::from)?
        .ok_or_else(|| Error::not_found("Stall"))?;
    let role = catalog::entity::stall_member::Entity::find()
        .filter(catalog::entity::stall_member::Column::StallId.eq(stall.id))
        .filter(catalog::entity::stall_member::Column::UserId.eq(user))
        .one(db)
        .await?
        .and_then(|m| Role::parse(&m.role));
    let standing = match role {
        Some(Role::Owner) => Standing::Owner,
        Some(Role::Staff) => Standing::Staff,
        None if actor.is_admin() => Standing::Admin,
        None => return Err(Error::not_found("Stall")),
    };
    Ok((stall, standing))
}

/// The caller's id, if an administrator.
pub(crate) fn admin(actor: &Actor) -> Result<Uuid> {
    let user = actor.require_user()?;
    if !actor.is_admin() {
        return Err(Error::forbidden(
            "Only administrators manage the marketplace's money.",
        ));
    }
    Ok(user)
}
