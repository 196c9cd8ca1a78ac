//! The use cases of vouchers: administrators make, change and read the platform's; a stall's
//! owner makes and changes the stall's (its staff and administrators read them).

use catalog::{Catalog, category::CategoryNode, stall::Standing, visibility::stall_is_public};
use chrono::{DateTime, Utc};
use common::{Actor, Error, FieldCode, Page, PageRequest, stored, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::{
    entity::{voucher, voucher_redemption},
    voucher::{FundedBy, NewVoucher, Terms, Voucher, VoucherPatch, check_code, check_terms},
};

/// Result of the voucher use cases.
type Result<T> = std::result::Result<T, Error>;

/// Vouchers funded by the platform or by a stall.
#[derive(Clone, Debug)]
pub struct Vouchers {
    catalog: Catalog,
}

/// Whose vouchers a use case deals with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Platform,
    Stall(Uuid),
}

impl Vouchers {
    /// Vouchers over `catalog` (stalls, their members and the categories).
    pub fn new(catalog: Catalog) -> Self {
        Self { catalog }
    }

    /// Creates a platform voucher (administrators); only they may mark it concentrated.
    pub async fn create_platform<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        input: NewVoucher,
        now: DateTime<Utc>,
    ) -> Result<Voucher> {
        let by = actor.require_admin()?;
        self.create(db, by, Owner::Platform, input, now).await
    }

    /// Creates a voucher of stall `stall`, funded by it and valid only on its goods (its owner).
    pub async fn create_for_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        input: NewVoucher,
        now: DateTime<Utc>,
    ) -> Result<Voucher> {
        let (stall_id, _) = self.stall(db, actor, stall, true).await?;
        let by = actor.require_user()?;
        self.create(db, by, Owner::Stall(stall_id), input, now)
            .await
    }

    /// The platform's vouchers, newest first (administrators).
    pub async fn list_platform<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Voucher>> {
        actor.require_admin()?;
        list(db, Owner::Platform, page).await
    }

    /// The stall's vouchers, newest first (its members and administrators).
    pub async fn list_for_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        page: PageRequest,
    ) -> Result<Page<Voucher>> {
        let (stall_id, _) = self.stall(db, actor, stall, false).await?;
        list(db, Owner::Stall(stall_id), page).await
    }

    /// One platform voucher (administrators).
    pub async fn get_platform<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Voucher> {
        actor.require_admin()?;
        view(&find(db, Owner::Platform, id).await?)
    }

    /// One voucher of the stall (its members and administrators).
    pub async fn get_for_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        id: Uuid,
    ) -> Result<Voucher> {
        let (stall_id, _) = self.stall(db, actor, stall, false).await?;
        view(&find(db, Owner::Stall(stall_id), id).await?)
    }

    /// Changes a platform voucher (administrators); see [`VoucherPatch`] for what may change.
    pub async fn update_platform<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        patch: VoucherPatch,
        now: DateTime<Utc>,
    ) -> Result<Voucher> {
        actor.require_admin()?;
        update(db, Owner::Platform, id, patch, now).await
    }

    /// Changes a voucher of the stall (its owner); see [`VoucherPatch`] for what may change.
    pub async fn update_for_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        id: Uuid,
        patch: VoucherPatch,
        now: DateTime<Utc>,
    ) -> Result<Voucher> {
        let (stall_id, _) = self.stall(db, actor, stall, true).await?;
        update(db, Owner::Stall(stall_id), id, patch, now).await
    }

    /// The stall `stall` and the caller's standing in it: its owner when `owner`, any member
    /// or an administrator otherwise. Someone outside is forbidden a public stall, and does not
    /// find a private one.
    async fn stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        owner: bool,
    ) -> Result<(Uuid, Standing)> {
        let (m, standing) = self.catalog.standing(db, actor, stall).await?;
        let standing = match standing {
            Some(s) => s,
            None if stall_is_public(&m) => {
                return Err(Error::forbidden("Only the stall's members may do this."));
            }
            None => return Err(Error::not_found("Stall")),
        };
        if owner && standing != Standing::Owner {
            return Err(Error::forbidden("Only the stall's owner may do this."));
        }
        Ok((m.id, standing))
    }

    /// Checks and writes a new voucher of `owner`.
    async fn create<C: ConnectionTrait>(
        &self,
        db: &C,
        by: Uuid,
        owner: Owner,
        input: NewVoucher,
        now: DateTime<Utc>,
    ) -> Result<Voucher> {
        let mut v = Validator::new();
        let code = check_code(&mut v, &input.code);
        let concentrated = input.concentrated.unwrap_or(false);
        if concentrated && owner != Owner::Platform {
            v.add(
                "concentrated",
                FieldCode::Invalid,
                "only an administrator may mark a concentrated promotion programme",
            );
        }
        let terms = Terms {
            kind: input.kind,
            value: input.value,
            min_subtotal: input.min_subtotal,
            max_discount: input.max_discount,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            usage_limit: input.usage_limit,
            per_buyer_limit: input.per_buyer_limit,
            concentrated: concentrated && owner == Owner::Platform,
        };
        check_terms(&mut v, &terms);
        if let Some(c) = input.category_id
            && !self.is_category(db, c).await?
        {
            v.add(
                "category_id",
                FieldCode::UnknownCategory,
                "is not a category",
            );
        }
        v.finish()?;
        let (funded_by, stall_id) = match owner {
            Owner::Platform => (FundedBy::Platform, None),
            Owner::Stall(s) => (FundedBy::Stall, Some(s)),
        };
        let row = voucher::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(code.clone()),
            kind: Set(common::Stored::as_str(terms.kind).to_owned()),
            value: Set(terms.value),
            min_subtotal: Set(terms.min_subtotal),
            max_discount: Set(terms.max_discount),
            starts_at: Set(terms.starts_at),
            ends_at: Set(terms.ends_at),
            usage_limit: Set(terms.usage_limit),
            per_buyer_limit: Set(terms.per_buyer_limit),
            category_id: Set(input.category_id),
            concentrated: Set(terms.concentrated),
            funded_by: Set(common::Stored::as_str(funded_by).to_owned()),
            stall_id: Set(stall_id),
            used_count: Set(0),
            active: Set(true),
            created_by: Set(by),
            created_at: Set(now),
            updated_at: Set(now),
        };
        match row.insert(db).await {
            Ok(m) => {
                tracing::info!(voucher = %m.id, code = %m.code, funded_by = %m.funded_by, "voucher created");
                view(&m)
            }
            Err(e) if common::db::is_unique_violation(&e) => Err(code_taken(&code)),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether `id` is a category of the catalogue.
    async fn is_category<C: ConnectionTrait>(&self, db: &C, id: Uuid) -> Result<bool> {
        let tree = self.catalog.categories(db).await?;
        Ok(crate::redeem::subtree(&tree, id).is_some())
    }

    /// The catalogue's categories, as a tree.
    pub(crate) async fn categories<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<CategoryNode>> {
        Ok(self.catalog.categories(db).await?)
    }
}

/// 409 `voucher_code_taken`.
fn code_taken(code: &str) -> Error {
    Error::conflict(
        "voucher_code_taken",
        format!("The code {code} is taken by another voucher; choose another."),
    )
}

/// The vouchers of `owner`, newest first.
async fn list<C: ConnectionTrait>(
    db: &C,
    owner: Owner,
    page: PageRequest,
) -> Result<Page<Voucher>> {
    let q = owned(voucher::Entity::find(), owner)
        .order_by_desc(voucher::Column::CreatedAt)
        .order_by_desc(voucher::Column::Id);
    common::page::fetch(db, q, page)
        .await?
        .try_map(|m| view(&m))
}

/// The select narrowed to `owner`'s vouchers.
fn owned(q: sea_orm::Select<voucher::Entity>, owner: Owner) -> sea_orm::Select<voucher::Entity> {
    match owner {
        Owner::Platform => q
            .filter(voucher::Column::FundedBy.eq(FundedBy::Platform.as_str_stored()))
            .filter(voucher::Column::StallId.is_null()),
        Owner::Stall(s) => q.filter(voucher::Column::StallId.eq(s)),
    }
}

impl FundedBy {
    /// The stored form.
    fn as_str_stored(self) -> &'static str {
        common::Stored::as_str(self)
    }
}

/// `owner`'s voucher `id`, or not found.
async fn find<C: ConnectionTrait>(db: &C, owner: Owner, id: Uuid) -> Result<voucher::Model> {
    owned(voucher::Entity::find_by_id(id), owner)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("Voucher"))
}

/// Applies `patch` to `owner`'s voucher `id`.
async fn update<C: ConnectionTrait>(
    db: &C,
    owner: Owner,
    id: Uuid,
    patch: VoucherPatch,
    now: DateTime<Utc>,
) -> Result<Voucher> {
    let m = find(db, owner, id).await?;
    let used = m.used_count > 0
        || voucher_redemption::Entity::find()
            .filter(voucher_redemption::Column::VoucherId.eq(m.id))
            .count(db)
            .await?
            > 0;
    if used && patch.touches_terms() {
        return Err(Error::conflict(
            "voucher_in_use",
            "This voucher has been used: only ends_at, usage_limit and active can change.",
        ));
    }
    let terms = Terms {
        kind: stored(&m.kind)?,
        value: patch.value.unwrap_or(m.value),
        min_subtotal: patch.min_subtotal.or(m.min_subtotal),
        max_discount: patch.max_discount.or(m.max_discount),
        starts_at: patch.starts_at.unwrap_or(m.starts_at),
        ends_at: patch.ends_at.unwrap_or(m.ends_at),
        usage_limit: patch.usage_limit.or(m.usage_limit),
        per_buyer_limit: patch.per_buyer_limit.or(m.per_buyer_limit),
        concentrated: m.concentrated,
    };
    let mut v = Validator::new();
    check_terms(&mut v, &terms);
    if let Some(limit) = patch.usage_limit
        && limit < m.used_count
    {
        let used = m.used_count;
        v.add(
            "usage_limit",
            FieldCode::OutOfRange,
            format!("must not be below {used}, the uses so far"),
        );
    }
    v.finish()?;
    let mut am: voucher::ActiveModel = m.into();
    am.value = Set(terms.value);
    am.min_subtotal = Set(terms.min_subtotal);
    am.max_discount = Set(terms.max_discount);
    am.starts_at = Set(terms.starts_at);
    am.ends_at = Set(terms.ends_at);
    am.usage_limit = Set(terms.usage_limit);
    am.per_buyer_limit = Set(terms.per_buyer_limit);
    if let Some(active) = patch.active {
        am.active = Set(active);
    }
    am.updated_at = Set(now);
    view(&am.update(db).await?)
}

/// A row as its readers see it.
pub(crate) fn view(m: &voucher::Model) -> Result<Voucher> {
    Ok(Voucher {
        id: m.id,
        code: m.code.clone(),
        kind: stored(&m.kind)?,
        value: m.value,
        min_subtotal: m.min_subtotal,
        max_discount: m.max_discount,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        usage_limit: m.usage_limit,
        per_buyer_limit: m.per_buyer_limit,
        category_id: m.category_id,
        concentrated: m.concentrated,
        funded_by: stored(&m.funded_by)?,
        stall_id: m.stall_id,
        used_count: m.used_count,
        active: m.active,
    })
}
