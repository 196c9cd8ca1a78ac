//! Applying for a stall, editing it, the caller's role in it, and the public lists of stalls;
//! its members are in [`super::members`].

use chrono::Utc;
use common::{
    Actor, FieldCode, Page, PageRequest, Stored, phone::normalize_vn_phone, stored,
    validate::Validator,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{Catalog, SlugTable, Viewer, find_stall, is_unique_violation, unique_slug};
use crate::{
    CatalogError,
    audit::{self, Subject},
    entity::{stall, stall_member},
    error::Result,
    outbox,
    region::Commune,
    stall::{DeliveryRules, NewStall, Role, Stall, StallAction, StallPatch, StallStatus, Standing},
};

impl Catalog {
    /// Converts a stored stall into what `viewer` may see. A status or legal form in the row
    /// that is no known one is an error, never read as a default.
    pub(crate) fn stall_view(&self, m: stall::Model, viewer: Viewer) -> Result<Stall> {
        let rating = crate::ratings::Rating::of_stall(&m);
        let commune = self
            .regions
            .get(&m.commune_code)
            .cloned()
            .unwrap_or(Commune {
                name: m.commune_code.clone(),
                code: m.commune_code.clone(),
            });
        Ok(Stall {
            id: m.id,
            slug: m.slug,
            name: m.name,
            description: m.description,
            commune,
            address: m.address,
            phone: m.phone,
            business_type: stored(&m.business_type)?,
            registration_no: m.registration_no,
            status: stored(&m.status)?,
            status_reason: m.status_reason.filter(|_| viewer.privileged()),
            owner_id: m.owner_id,
            my_role: match viewer {
                Viewer::Member(role) => Some(role),
                _ => None,
            },
            created_at: m.created_at,
            approved_at: m.approved_at,
            delivery: DeliveryRules {
                free_above: m.delivery_free_above,
                flat_fee: m.delivery_flat_fee,
                own_delivery_in_province: m.delivery_own_in_province,
                own_delivery_fee: m.delivery_own_fee,
            },
            logo: m.logo.as_deref().map(crate::photos::logo_url),
            banner: m.banner.as_deref().map(crate::photos::banner_url),
            rating,
        })
    }

    /// Sets a stall's own delivery rules (its owner only).
    pub async fn set_delivery_rules<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        rules: DeliveryRules,
    ) -> Result<Stall> {
        let (current, role) = self.stall_for_member(db, actor, id_or_slug, true).await?;
        let mut v = Validator::new();
        for (field, value) in [
            ("free_above", rules.free_above),
            ("flat_fee", rules.flat_fee),
            ("own_delivery_fee", Some(rules.own_delivery_fee)),
        ] {
            v.check(
                value.is_none_or(|n| (0..=crate::product::MAX_PRICE).contains(&n)),
                field,
                FieldCode::OutOfRange,
                "must be a whole number of đồng from 0 to 1000000000",
            );
        }
        v.finish()?;
        let mut am = current.into_active_model();
        am.delivery_free_above = Set(rules.free_above);
        am.delivery_flat_fee = Set(rules.flat_fee);
        am.delivery_own_in_province = Set(rules.own_delivery_in_province);
        am.delivery_own_fee = Set(rules.own_delivery_fee);
        am.updated_at = Set(Utc::now());
        let model = am.update(db).await?;
        self.stall_view(model, Viewer::Member(role))
    }

    /// Where each of these stalls sends from and its delivery rules, for pricing delivery.
    pub async fn delivery_profiles<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, (String, DeliveryRules)>> {
        Ok(stall::Entity::find()
            .filter(stall::Column::Id.is_in(stall_ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| {
                let rules = DeliveryRules {
                    free_above: m.delivery_free_above,
                    flat_fee: m.delivery_flat_fee,
                    own_delivery_in_province: m.delivery_own_in_province,
                    own_delivery_fee: m.delivery_own_fee,
                };
                (m.id, (m.commune_code, rules))
            })
            .collect())
    }

    fn check_stall_fields(
        &self,
        v: &mut Validator,
        commune_code: Option<&str>,
        phone: Option<&str>,
        registration_no: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        if let Some(code) = commune_code {
            crate::product::rules::commune(v, &self.regions, "commune_code", code);
        }
        let phone = phone.map(|p| {
            let n = normalize_vn_phone(p);
            v.check(
                n.is_some(),
                "phone",
                FieldCode::InvalidPhone,
                "must be a Vietnamese phone number such as 0233 3852 123",
            );
            n.unwrap_or_default()
        });
        let registration = registration_no.map(|r| {
            let r = r.trim().to_uppercase();
            v.check(
                (5..=32).contains(&r.len())
                    && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "registration_no",
                FieldCode::InvalidReference,
                "must be 5 to 32 letters, digits or -",
            );
            r
        });
        (phone, registration)
    }

    /// A stall's `logo` or `banner` as stored: an http(s) URL, or the id of a photo
    /// `stall_id` holds (without `stall_id`, a stall not yet created, which holds none);
    /// empty text is none. Each bad one is named `field`.
    async fn checked_picture(
        &self,
        v: &mut Validator,
        stall_id: Option<Uuid>,
        field: &str,
        entry: Option<&str>,
    ) -> Result<Option<String>> {
        let Some(entry) = entry.filter(|e| !e.trim().is_empty()) else {
            return Ok(None);
        };
        let stored = crate::photos::image_entry(v, field, entry);
        match stall_id {
            Some(id) => crate::photos::check_one(self.photos.as_ref(), v, id, field, &stored),
            // Nothing asked: any photo id is refused.
            None => crate::photos::check_one(None, v, Uuid::nil(), field, &stored),
        }
        .await?;
        Ok(Some(stored))
    }

    /// The `logo` and `banner` a patch of `stall_id` sets, as stored.
    async fn patched_pictures(
        &self,
        v: &mut Validator,
        stall_id: Uuid,
        patch: &StallPatch,
    ) -> Result<Pictures> {
        let mut pictures = Pictures::default();
        if let Some(value) = &patch.logo {
            let entry = value.as_deref();
            pictures.logo = Some(
                self.checked_picture(v, Some(stall_id), "logo", entry)
                    .await?,
            );
        }
        if let Some(value) = &patch.banner {
            let entry = value.as_deref();
            pictures.banner = Some(
                self.checked_picture(v, Some(stall_id), "banner", entry)
                    .await?,
            );
        }
        Ok(pictures)
    }

    /// Applies for a stall; the caller becomes its owner and it waits as `pending`.
    pub async fn apply<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        input: NewStall,
    ) -> Result<Stall> {
        let owner = actor.require_user()?;
        let mut v = Validator::new();
        let name = v.text("name", &input.name, 3, 120);
        let description = v.text("description", &input.description, 0, 5000);
        let address = v.text("address", &input.address, 5, 255);
        let registration = input
            .registration_no
            .as_deref()
            .filter(|r| !r.trim().is_empty());
        let (phone, registration_no) = self.check_stall_fields(
            &mut v,
            Some(&input.commune_code),
            Some(&input.phone),
            registration,
        );
        let logo = self
            .checked_picture(&mut v, None, "logo", input.logo.as_deref())
            .await?;
        let banner = self
            .checked_picture(&mut v, None, "banner", input.banner.as_deref())
            .await?;
        v.finish()?;

        let txn = common::begin_write(db).await?;
        let now = Utc::now();
        let id = Uuid::now_v7();
        let slug = unique_slug(&txn, SlugTable::Stall, &name, "gian-hang").await?;
        let model = stall::ActiveModel {
            id: Set(id),
            slug: Set(slug),
            name: Set(name),
            description: Set(description),
            commune_code: Set(input.commune_code),
            address: Set(address),
            phone: Set(phone.unwrap_or_default()),
            business_type: Set(input.business_type.as_str().to_owned()),
            registration_no: Set(registration_no),
            status: Set(StallStatus::Pending.as_str().to_owned()),
            status_reason: Set(None),
            suspension_cause: Set(None),
            owner_id: Set(owner),
            created_at: Set(now),
            updated_at: Set(now),
            approved_at: Set(None),
            delivery_free_above: Set(None),
            delivery_flat_fee: Set(None),
            delivery_own_in_province: Set(false),
            delivery_own_fee: Set(0),
            seller_verified: Set(false),
            documents_held: Set("[]".to_owned()),
            missing_documents_told: Set(None),
            logo: Set(logo),
            banner: Set(banner),
            ..Default::default()
        };
        let model = match model.insert(&txn).await {
            Ok(m) => m,
            Err(e) if is_unique_violation(&e) => {
                return Err(CatalogError::InvalidTransition(
                    "Another stall took this name a moment ago; try again.".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        stall_member::ActiveModel {
            stall_id: Set(id),
            user_id: Set(owner),
            role: Set(Role::Owner.as_str().to_owned()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        self.stall_view(model, Viewer::Member(Role::Owner))
    }

    /// A stall by id or slug: public once approved, otherwise only to members and admins.
    pub async fn stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<Stall> {
        let m = find_stall(db, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Stall"))?;
        let viewer = self.viewer(db, actor, m.id).await?;
        if !viewer.privileged() && !crate::visibility::stall_is_public(&m) {
            return Err(CatalogError::NotFound("Stall"));
        }
        self.stall_view(m, viewer)
    }

    /// Approved stalls, newest first, optionally of one commune.
    pub async fn public_stalls<C: ConnectionTrait>(
        &self,
        db: &C,
        commune: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Stall>> {
        let mut q = crate::visibility::public_stalls();
        if let Some(code) = commune {
            q = q.filter(stall::Column::CommuneCode.eq(code));
        }
        let q = q
            .order_by_desc(stall::Column::ApprovedAt)
            .order_by_desc(stall::Column::Id);
        common::page::fetch(db, q, page)
            .await?
            .try_map(|m| self.stall_view(m, Viewer::Public))
    }

    /// The caller's stalls in every status.
    pub async fn my_stalls<C: ConnectionTrait>(&self, db: &C, actor: &Actor) -> Result<Vec<Stall>> {
        let user = actor.require_user()?;
        let memberships = stall_member::Entity::find()
            .filter(stall_member::Column::UserId.eq(user))
            .all(db)
            .await?;
        let stalls = stall::Entity::find()
            .filter(stall::Column::Id.is_in(memberships.iter().map(|m| m.stall_id)))
            .order_by_asc(stall::Column::CreatedAt)
            .all(db)
            .await?;
        stalls
            .into_iter()
            .map(|s| {
                let role = match memberships.iter().find(|m| m.stall_id == s.id) {
                    Some(m) => stored(&m.role)?,
                    None => Role::Staff,
                };
                self.stall_view(s, Viewer::Member(role))
            })
            .collect()
    }

    /// The stall `id` for a member to change: 401 anonymous, 404 if the caller may not see it,
    /// 403 if it is public but not the caller's.
    pub(crate) async fn stall_for_member<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        owner_only: bool,
    ) -> Result<(stall::Model, Role)> {
        actor.require_user()?;
        let m = find_stall(db, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Stall"))?;
        match self.viewer(db, actor, m.id).await? {
            Viewer::Member(Role::Staff) if owner_only => Err(CatalogError::Forbidden(
                "Only the stall's owner may do this.",
            )),
            Viewer::Member(role) => Ok((m, role)),
            _ if crate::visibility::stall_is_public(&m) || actor.is_admin() => Err(
                CatalogError::Forbidden("Only the stall's members may do this."),
            ),
            _ => Err(CatalogError::NotFound("Stall")),
        }
    }

    /// Edits a stall (members). A rejected stall goes back to `pending` for another review.
    pub async fn update_stall<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        patch: StallPatch,
    ) -> Result<Stall> {
        let (current, role) = self.stall_for_member(db, actor, id_or_slug, false).await?;
        let user = actor.require_user()?;
        let mut v = Validator::new();
        let name = patch.name.as_deref().map(|n| v.text("name", n, 3, 120));
        let description = patch
            .description
            .as_deref()
            .map(|d| v.text("description", d, 0, 5000));
        let address = patch
            .address
            .as_deref()
            .map(|a| v.text("address", a, 5, 255));
        let registration_input = patch
            .registration_no
            .as_ref()
            .and_then(|r| r.as_deref())
            .filter(|r| !r.trim().is_empty());
        let (phone, registration) = self.check_stall_fields(
            &mut v,
            patch.commune_code.as_deref(),
            patch.phone.as_deref(),
            registration_input,
        );
        let pictures = self.patched_pictures(&mut v, current.id, &patch).await?;
        v.finish()?;

        let txn = common::begin_write(db).await?;
        let was: StallStatus = stored(&current.status)?;
        let mut am = current.clone().into_active_model();
        if let Some(name) = name {
            am.name = Set(name);
        }
        if let Some(d) = description {
            am.description = Set(d);
        }
        if let Some(a) = address {
            am.address = Set(a);
        }
        if let Some(c) = patch.commune_code {
            am.commune_code = Set(c);
        }
        if let Some(p) = phone {
            am.phone = Set(p);
        }
        if let Some(b) = patch.business_type {
            am.business_type = Set(b.as_str().to_owned());
        }
        if patch.registration_no.is_some() {
            am.registration_no = Set(registration);
        }
        pictures.set(&mut am);
        if was == StallStatus::Rejected {
            am.status = Set(was.apply(StallAction::Resubmit)?.as_str().to_owned());
            am.status_reason = Set(None);
            audit::record(
                &txn,
                user,
                StallAction::Resubmit.audit_name(),
                Subject::Stall(current.id),
                None,
                Some(serde_json::json!({"status": was.as_str()})),
                Some(serde_json::json!({"status": StallStatus::Pending.as_str()})),
            )
            .await?;
        }
        am.updated_at = Set(Utc::now());
        let updated = am.update(&txn).await?;
        outbox::enqueue(&txn, outbox::Entity::Stall, updated.id).await?;
        txn.commit().await?;
        self.stall_view(updated, Viewer::Member(role))
    }

    /// The role `user` holds in `stall_id`, if any (for other crates' authorization).
    pub async fn role_in<C: ConnectionTrait>(
        &self,
        db: &C,
        user: Uuid,
        stall_id: Uuid,
    ) -> Result<Option<Role>> {
        let member = stall_member::Entity::find_by_id((stall_id, user))
            .one(db)
            .await?;
        Ok(member.map(|m| stored(&m.role)).transpose()?)
    }

    /// The stall `id_or_slug` and how the signed-in caller stands to it: a member, or an
    /// administrator who is not one; `None` for anyone else, whom the caller answers as its
    /// record requires. 401 without a user, 404 for no such stall.
    pub async fn standing<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<(stall::Model, Option<Standing>)> {
        actor.require_user()?;
        let m = find_stall(db, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Stall"))?;
        let standing = match self.viewer(db, actor, m.id).await? {
            Viewer::Member(Role::Owner) => Some(Standing::Owner),
            Viewer::Member(Role::Staff) => Some(Standing::Staff),
            Viewer::Admin => Some(Standing::Admin),
            Viewer::Public => None,
        };
        Ok((m, standing))
    }

    /// The stall `id_or_slug` and the caller's role in it; 404 unless the caller is a member
    /// (or 403 for a public stall), as for editing it.
    pub async fn membership<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<(Uuid, Role)> {
        let (stall, role) = self.stall_for_member(db, actor, id_or_slug, false).await?;
        Ok((stall.id, role))
    }
}

/// A stall's `logo` and `banner` as a patch sets them: `None` for one it leaves alone,
/// `Some(None)` for one it removes.
#[derive(Default)]
struct Pictures {
    logo: Option<Option<String>>,
    banner: Option<Option<String>>,
}

impl Pictures {
    /// Sets on `am` those the patch names.
    fn set(self, am: &mut stall::ActiveModel) {
        if let Some(logo) = self.logo {
            am.logo = Set(logo);
        }
        if let Some(banner) = self.banner {
            am.banner = Set(banner);
        }
    }
}
