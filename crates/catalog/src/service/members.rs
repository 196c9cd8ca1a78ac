//! The people who run a stall: its members and who they are, and its owner adding and removing
//! staff. A stall has one owner, the user who applied for it.

use accounts::Accounts;
use chrono::Utc;
use common::{Actor, FieldCode, Stored, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{Catalog, find_stall, is_unique_violation};
use crate::{
    CatalogError,
    entity::{stall, stall_member},
    error::Result,
    stall::{Member, MemberProfile, Role},
};

impl Catalog {
    /// The stall's members (members and admins).
    pub async fn members<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<Vec<Member>> {
        let m = self.stall_for_member_list(db, actor, id_or_slug).await?;
        let rows = stall_member::Entity::find()
            .filter(stall_member::Column::StallId.eq(m.id))
            .order_by_asc(stall_member::Column::CreatedAt)
            .all(db)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Member {
                    user_id: r.user_id,
                    role: stored(&r.role)?,
                    since: r.created_at,
                })
            })
            .collect()
    }

    /// The stall's members with who they are, from `accounts` (members and admins); a member
    /// whose account is gone is left out.
    pub async fn member_profiles<C: ConnectionTrait>(
        &self,
        db: &C,
        accounts: &Accounts,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<Vec<MemberProfile>> {
        let members = self.members(db, actor, id_or_slug).await?;
        let ids: Vec<Uuid> = members.iter().map(|m| m.user_id).collect();
        let users = accounts
            .users_by_ids(db, &ids)
            .await
            .map_err(common::Error::from)?;
        Ok(members
            .into_iter()
            .filter_map(|m| {
                let u = users.iter().find(|u| u.id == m.user_id)?;
                Some(MemberProfile {
                    user_id: m.user_id,
                    email: u.email.clone(),
                    full_name: u.full_name.clone(),
                    role: m.role,
                    since: m.since,
                })
            })
            .collect())
    }

    /// Adds the registered user with `email` to the stall as `role` (owner only). The role
    /// must be staff: a stall has one owner. Whether the caller may see the stall's members is
    /// checked before the email is looked up, so outsiders cannot probe for accounts.
    pub async fn add_member<C: ConnectionTrait>(
        &self,
        db: &C,
        accounts: &Accounts,
        actor: &Actor,
        id_or_slug: &str,
        email: &str,
        role: Role,
    ) -> Result<MemberProfile> {
        self.stall_for_member_list(db, actor, id_or_slug).await?;
        if role != Role::Staff {
            return Err(common::Error::invalid_field(
                "role",
                FieldCode::OneOwner,
                "must be staff: a stall has one owner",
            )
            .into());
        }
        let Some(user) = accounts
            .find_by_email(db, email)
            .await
            .map_err(common::Error::from)?
        else {
            return Err(common::Error::invalid_field(
                "email",
                FieldCode::UnknownUser,
                "has no account here; ask them to register first",
            )
            .into());
        };
        let (stall, _) = self.stall_for_member(db, actor, id_or_slug, true).await?;
        let since = add_staff(db, stall.id, user.id).await?;
        Ok(MemberProfile {
            user_id: user.id,
            email: user.email,
            full_name: user.full_name,
            role: Role::Staff,
            since,
        })
    }

    /// Removes a staff member (owner only); the owner cannot be removed.
    pub async fn remove_member<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        user_id: Uuid,
    ) -> Result<()> {
        let (stall, _) = self.stall_for_member(db, actor, id_or_slug, true).await?;
        if user_id == stall.owner_id {
            return Err(CatalogError::InvalidTransition(
                "The owner cannot be removed from the stall.".into(),
            ));
        }
        let res = stall_member::Entity::delete_by_id((stall.id, user_id))
            .exec(db)
            .await?;
        if res.rows_affected == 0 {
            return Err(CatalogError::NotFound("Member"));
        }
        Ok(())
    }

    /// The stall `id_or_slug` if the caller may see its members (its members and admins):
    /// 401 anonymous, 403 for a public stall that is not the caller's, 404 otherwise.
    async fn stall_for_member_list<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<stall::Model> {
        actor.require_user()?;
        let m = find_stall(db, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Stall"))?;
        if !self.viewer(db, actor, m.id).await?.privileged() {
            return Err(if crate::visibility::stall_is_public(&m) {
                CatalogError::Forbidden("Only the stall's members may see its members.")
            } else {
                CatalogError::NotFound("Stall")
            });
        }
        Ok(m)
    }
}

/// Makes `user_id` staff of `stall_id`; when since. Already a member is `AlreadyMember`, also
/// when another request added them a moment ago.
async fn add_staff<C: ConnectionTrait>(
    db: &C,
    stall_id: Uuid,
    user_id: Uuid,
) -> Result<chrono::DateTime<Utc>> {
    if stall_member::Entity::find_by_id((stall_id, user_id))
        .one(db)
        .await?
        .is_some()
    {
        return Err(CatalogError::AlreadyMember);
    }
    let now = Utc::now();
    let inserted = stall_member::ActiveModel {
        stall_id: Set(stall_id),
        user_id: Set(user_id),
        role: Set(Role::Staff.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(now),
        Err(e) if is_unique_violation(&e) => Err(CatalogError::AlreadyMember),
        Err(e) => Err(e.into()),
    }
}
