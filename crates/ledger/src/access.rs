//! Who may see and change a stall's money: its members (some things its owner only) and
//! administrators; anyone else is told the stall does not exist. Membership is the
//! catalogue's, asked through its public API.

use catalog::{Catalog, entity::stall, service::find_stall, stall::Role};
use common::{Actor, Error, Result};
use sea_orm::ConnectionTrait;
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
    catalog: &Catalog,
    db: &C,
    actor: &Actor,
    id_or_slug: &str,
) -> Result<(stall::Model, Standing)> {
    let user = actor.require_user()?;
    let stall = find_stall(db, id_or_slug)
        .await?
        .ok_or_else(|| Error::not_found("Stall"))?;
    let standing = match catalog.role_in(db, user, stall.id).await? {
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
