//! Who deals with a stall's compliance records, and what an administrator's reasoned decision
//! needs: the two checks every use case of identity, documents and reports opens with.

use catalog::{entity::stall, stall::Standing, visibility::stall_is_public};
use common::{Actor, Error, validate::required_reason};
use uuid::Uuid;

/// The caller's standing to `stall` as [`catalog::Catalog::standing`] told it, or the answer
/// for someone outside the stall: forbidden (`why`) when the public sees the stall, else not
/// found, so a private stall is not revealed.
pub(crate) fn insider(
    stall: &stall::Model,
    standing: Option<Standing>,
    why: &'static str,
) -> Result<Standing, Error> {
    match standing {
        Some(s) => Ok(s),
        None if stall_is_public(stall) => Err(Error::forbidden(why)),
        None => Err(Error::not_found("Stall")),
    }
}

/// The administrator deciding, and the reason the other side reads: trimmed, 3 to 1000
/// characters. 403 for anyone else, 422 for a missing or bad reason.
pub(crate) fn reasoned(actor: &Actor, reason: Option<&str>) -> Result<(Uuid, String), Error> {
    let admin = actor.require_admin()?;
    Ok((admin, required_reason(reason)?))
}
