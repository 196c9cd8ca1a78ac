//! Who may see and change a stall's money: its members (some things its owner only) and
//! administrators; anyone else is told the stall does not exist. Membership is the
//! catalogue's, asked through its public API.

pub(crate) use catalog::stall::Standing;
use catalog::{Catalog, entity::stall};
use common::{Actor, Error, Result};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The stall `id_or_slug` and the caller's standing; "not found" for anyone else.
pub(crate) async fn stall_for<C: ConnectionTrait>(
    catalog: &Catalog,
    db: &C,
    actor: &Actor,
    id_or_slug: &str,
) -> Result<(stall::Model, Standing)> {
    match catalog.standing(db, actor, id_or_slug).await? {
        (stall, Some(standing)) => Ok((stall, standing)),
        (_, None) => Err(Error::not_found("Stall")),
    }
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
