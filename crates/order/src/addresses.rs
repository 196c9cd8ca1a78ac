//! The buyer's address book: up to [`MAX_ADDRESSES`] addresses checked against the national
//! map, one of them the default. Another user's address is "not found".

use catalog::{
    nation::Nation,
    region::{Commune, ProvinceRef},
};
use chrono::{DateTime, Utc};
use common::{Actor, FieldCode, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    OrderError,
    destination::{Destination, Shipping},
    entity::address,
    error::Result,
};

/// Most addresses one buyer keeps.
pub const MAX_ADDRESSES: u64 = 20;

/// A new address.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAddress {
    /// Who receives it, 2 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(example = "Nguyễn Thu Hà"))]
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 100))]
    pub recipient: String,
    /// A Vietnamese phone number.
    #[cfg_attr(feature = "openapi", schema(example = "0987 654 321"))]
    pub phone: String,
    /// Province code (may be left out: the commune names it).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "01"))]
    pub province_code: Option<String>,
    /// Commune, ward or special zone code of the national map.
    #[cfg_attr(feature = "openapi", schema(example = "00070"))]
    pub commune_code: String,
    /// Street, house number, village.
    #[cfg_attr(feature = "openapi", schema(example = "12 Lê Thái Tổ"))]
    pub street: String,
    /// Make it the default (the first address always is).
    #[serde(default)]
    pub is_default: bool,
}

/// Changes to an address; absent fields stay.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddressPatch {
    /// Who receives it.
    pub recipient: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Province code.
    pub province_code: Option<String>,
    /// Commune code.
    pub commune_code: Option<String>,
    /// Street, house number, village.
    pub street: Option<String>,
    /// `true` makes it the default.
    pub is_default: Option<bool>,
}

/// An address of the book.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressView {
    /// Id, for checkout's `address_id`.
    pub id: Uuid,
    /// Who receives it.
    pub recipient: String,
    /// Phone, normalised.
    pub phone: String,
    /// The province.
    pub province: ProvinceRef,
    /// The commune.
    pub commune: Commune,
    /// Street, house number, village.
    pub street: String,
    /// The default address.
    pub is_default: bool,
    /// Added.
    pub created_at: DateTime<Utc>,
}

/// Buyers' address books.
#[derive(Clone, Debug)]
pub struct Addresses {
    nation: &'static Nation,
}

impl Default for Addresses {
    fn default() -> Self {
        Self::new()
    }
}

impl Addresses {
    /// Address books checked against the built-in national map.
    pub fn new() -> Self {
        Self {
            nation: Nation::builtin(),
        }
    }

    fn view(&self, a: address::Model) -> AddressView {
        let commune = self.nation.commune(&a.commune_code);
        AddressView {
            id: a.id,
            recipient: a.recipient,
            phone: a.phone,
            province: ProvinceRef {
                name: commune.map_or_else(|| a.province_code.clone(), |(_, p)| p.name.clone()),
                code: a.province_code,
            },
            commune: Commune {
                name: commune.map_or_else(|| a.commune_code.clone(), |(u, _)| u.name.clone()),
                code: a.commune_code,
            },
            street: a.street,
            is_default: a.is_default,
            created_at: a.created_at,
        }
    }

    fn check(&self, s: &Shipping) -> Result<Destination> {
        let mut v = Validator::new();
        let d = Destination::check(&mut v, "", s, self.nation);
        v.finish()?;
        d.ok_or_else(|| {
            common::Error::invalid_field("commune_code", FieldCode::Invalid, "is not valid").into()
        })
    }

    /// The caller's addresses, the default first.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
    ) -> Result<Vec<AddressView>> {
        let user = actor.require_user()?;
        Ok(address::Entity::find()
            .filter(address::Column::UserId.eq(user))
            .order_by_desc(address::Column::IsDefault)
            .order_by_asc(address::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|a| self.view(a))
            .collect())
    }

    /// Adds an address; the first, or one marked so, becomes the default.
    pub async fn add<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        input: NewAddress,
    ) -> Result<AddressView> {
        let user = actor.require_user()?;
        let d = self.check(&Shipping {
            recipient: input.recipient,
            phone: input.phone,
            province_code: input.province_code,
            commune_code: input.commune_code,
            street: input.street,
        })?;
        let txn = common::begin_write(db).await?;
        let held = address::Entity::find()
            .filter(address::Column::UserId.eq(user))
            .count(&txn)
            .await?;
        if held >= MAX_ADDRESSES {
            let mut err = common::Error::conflict(
                "too_many_addresses",
                format!(
                    "An address book holds at most {MAX_ADDRESSES} addresses; delete one first."
                ),
            );
            err.details = Some(serde_json::json!({ "max": MAX_ADDRESSES }));
            return Err(OrderError::Common(err));
        }
        let is_default = input.is_default || held == 0;
        if is_default {
            clear_default(&txn, user).await?;
        }
        let now = Utc::now();
        let model = address::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user),
            recipient: Set(d.recipient),
            phone: Set(d.phone),
            province_code: Set(d.province.0),
            commune_code: Set(d.commune.0),
            street: Set(d.street),
            is_default: Set(is_default),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(self.view(model))
    }

    /// Changes an address of the caller's.
    pub async fn update<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        patch: AddressPatch,
    ) -> Result<AddressView> {
        let user = actor.require_user()?;
        let current = mine(db, user, id).await?;
        // Changing the commune alone takes its province along.
        let province_code = match (&patch.province_code, &patch.commune_code) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(_)) => None,
            (None, None) => Some(current.province_code.clone()),
        };
        let merged = Shipping {
            recipient: patch.recipient.unwrap_or(current.recipient.clone()),
            phone: patch.phone.unwrap_or(current.phone.clone()),
            province_code,
            commune_code: patch.commune_code.unwrap_or(current.commune_code.clone()),
            street: patch.street.unwrap_or(current.street.clone()),
        };
        let d = self.check(&merged)?;
        let txn = common::begin_write(db).await?;
        if patch.is_default == Some(true) {
            clear_default(&txn, user).await?;
        }
        let mut am = current.into_active_model();
        am.recipient = Set(d.recipient);
        am.phone = Set(d.phone);
        am.province_code = Set(d.province.0);
        am.commune_code = Set(d.commune.0);
        am.street = Set(d.street);
        if patch.is_default == Some(true) {
            am.is_default = Set(true);
        }
        am.updated_at = Set(Utc::now());
        let model = am.update(&txn).await?;
        txn.commit().await?;
        Ok(self.view(model))
    }

    /// Deletes an address of the caller's; if it was the default, the newest other one
    /// becomes the default.
    pub async fn delete<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<()> {
        let user = actor.require_user()?;
        let current = mine(db, user, id).await?;
        let txn = common::begin_write(db).await?;
        address::Entity::delete_by_id(id).exec(&txn).await?;
        if current.is_default
            && let Some(next) = address::Entity::find()
                .filter(address::Column::UserId.eq(user))
                .order_by_desc(address::Column::UpdatedAt)
                .one(&txn)
                .await?
        {
            let mut am = next.into_active_model();
            am.is_default = Set(true);
            am.update(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

/// The caller's address `id`; another user's is "not found".
async fn mine<C: ConnectionTrait>(db: &C, user: Uuid, id: Uuid) -> Result<address::Model> {
    address::Entity::find_by_id(id)
        .filter(address::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(OrderError::NotFound("Address"))
}

async fn clear_default<C: ConnectionTrait>(txn: &C, user: Uuid) -> Result<()> {
    address::Entity::update_many()
        .col_expr(address::Column::IsDefault, Expr::value(false))
        .filter(address::Column::UserId.eq(user))
        .exec(txn)
        .await?;
    Ok(())
}
