//! A stall's choice of carrier and its credentials there (`stalls/{id}/carrier`): set and
//! removed by the owner, read by the owner and administrators, and turned into an [`Account`]
//! for quotes and bookings. The stall's token is sealed at rest ([`Sealer`]) and never
//! answered; a stall that gives only its shop id ships under the platform's token for the
//! carrier (`carriers.ghn.token`), when the deployment has one.

use std::{collections::BTreeMap, collections::HashMap, sync::Arc};

use catalog::{Catalog, entity::stall, stall::Standing, visibility::stall_is_public};
use chrono::{DateTime, Utc};
use common::{Actor, Error, FieldCode, validate::Validator};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Account, Carrier, CarrierError, Carriers, Sealer, Token, entity::stall_carrier};

/// What the owner sends to connect the stall to a carrier.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StallCarrierInput {
    /// The carrier's id: `ghn`.
    #[cfg_attr(feature = "openapi", schema(example = "ghn"))]
    pub carrier: String,
    /// The stall's shop at the carrier (GHN: the `ShopId` of the stall's GHN shop, digits).
    #[cfg_attr(feature = "openapi", schema(example = "885"))]
    pub shop_id: String,
    /// The token the carrier issued to the stall (GHN: `Token`, 8 to 200 characters, no
    /// spaces). Omitted: the token stored before stays, or, with none, the platform's token
    /// for the carrier serves the stall's shop. Never answered back.
    pub token: Option<String>,
    /// The carrier's service type (GHN: 2 light goods, 5 heavy goods); omitted: 2.
    pub service_type_id: Option<i32>,
}

/// Whose token a stall's shop is reached with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// The stall's own, stored sealed.
    Stall,
    /// The platform's, from the deployment's settings.
    Platform,
}

/// A stall's carrier as answered: never the token, only whether one is set.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StallCarrierView {
    /// The stall.
    pub stall_id: Uuid,
    /// The carrier's id.
    pub carrier: String,
    /// The stall's shop at the carrier.
    pub shop_id: String,
    /// Whether a token reaches the shop (the stall's own or the platform's).
    pub token_set: bool,
    /// Whose token it is.
    pub token_source: TokenSource,
    /// The carrier's service type, when chosen.
    pub service_type_id: Option<i32>,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
}

/// A stall's carrier, ready to call.
#[derive(Clone)]
pub struct StallAccount {
    /// The carrier.
    pub carrier: Arc<dyn Carrier>,
    /// The stall's account there.
    pub account: Account,
}

impl std::fmt::Debug for StallAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StallAccount")
            .field("carrier", &self.carrier.id())
            .field("account", &self.account)
            .finish()
    }
}

/// The stalls' carrier settings.
#[derive(Clone, Debug)]
pub struct StallCarriers {
    catalog: Catalog,
    carriers: Carriers,
    sealer: Option<Sealer>,
    platform_tokens: BTreeMap<String, Token>,
}

/// GHN's service types (its fee page: 2 light goods, 5 heavy goods).
const GHN_SERVICE_TYPES: [i32; 2] = [2, 5];

impl StallCarriers {
    /// The settings of `carriers`, without a key to seal tokens nor platform tokens.
    pub fn new(catalog: Catalog, carriers: Carriers) -> Self {
        Self {
            catalog,
            carriers,
            sealer: None,
            platform_tokens: BTreeMap::new(),
        }
    }

    /// Seals stall tokens with `sealer` (`carriers.secret_key`).
    pub fn with_sealer(mut self, sealer: Option<Sealer>) -> Self {
        self.sealer = sealer;
        self
    }

    /// Lets stalls that give only a shop id use the platform's `token` for `carrier`.
    pub fn with_platform_token(mut self, carrier: &str, token: Token) -> Self {
        self.platform_tokens.insert(carrier.to_owned(), token);
        self
    }

    /// The carriers set up.
    pub fn carriers(&self) -> &Carriers {
        &self.carriers
    }

    /// The stall and the caller's standing: owner, staff or administrator; 404 for a private
    /// stall's outsider, 403 for a public one's.
    async fn access<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<(stall::Model, Standing), Error> {
        let (stall, standing) = self.catalog.standing(db, actor, stall).await?;
        match standing {
            Some(s) => Ok((stall, s)),
            None if stall_is_public(&stall) => Err(Error::forbidden(
                "Only the stall's owner and administrators see its carrier.",
            )),
            None => Err(Error::not_found("Stall")),
        }
    }

    async fn owned<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<stall::Model, Error> {
        match self.access(db, actor, stall).await? {
            (stall, Standing::Owner) => Ok(stall),
            _ => Err(Error::forbidden("Only the stall's owner sets its carrier.")),
        }
    }

    /// Connects the stall to a carrier (its owner), replacing what was set. The stall's
    /// commune must be one the carrier's address mapping knows.
    pub async fn put<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        input: StallCarrierInput,
        now: DateTime<Utc>,
    ) -> Result<StallCarrierView, Error> {
        let stall = self.owned(db, actor, stall).await?;
        let user = actor.require_user()?;
        let existing = stall_carrier::Entity::find_by_id(stall.id).one(db).await?;
        let checked = self.check(&input)?;
        let carrier = self
            .carriers
            .get(&checked.carrier)
            .ok_or_else(|| CarrierError::NotConfigured(checked.carrier.clone()))?;
        if !carrier.serves(&stall.commune_code) {
            return Err(CarrierError::UnknownCommune(stall.commune_code.clone()).into());
        }
        let token_sealed = match (&checked.token, existing) {
            (Some(token), _) => Some(self.seal(token, stall.id)?),
            (None, Some(row)) if row.carrier == checked.carrier => row.token_sealed,
            (None, _) => None,
        };
        if token_sealed.is_none() && !self.platform_tokens.contains_key(&checked.carrier) {
            return Err(Error::invalid_field(
                "token",
                FieldCode::Required,
                "is required: this marketplace has no platform token for the carrier",
            ));
        }
        let row = stall_carrier::ActiveModel {
            stall_id: Set(stall.id),
            carrier: Set(checked.carrier),
            shop_id: Set(checked.shop_id),
            token_sealed: Set(token_sealed),
            service_type_id: Set(checked.service_type_id),
            created_at: Set(now),
            updated_at: Set(now),
            updated_by: Set(user),
        };
        stall_carrier::Entity::insert(row)
            .on_conflict(
                OnConflict::column(stall_carrier::Column::StallId)
                    .update_columns([
                        stall_carrier::Column::Carrier,
                        stall_carrier::Column::ShopId,
                        stall_carrier::Column::TokenSealed,
                        stall_carrier::Column::ServiceTypeId,
                        stall_carrier::Column::UpdatedAt,
                        stall_carrier::Column::UpdatedBy,
                    ])
                    .to_owned(),
            )
            .exec(db)
            .await?;
        tracing::info!(stall = %stall.id, "stall carrier set");
        let row = stall_carrier::Entity::find_by_id(stall.id)
            .one(db)
            .await?
            .ok_or_else(|| Error::internal("the stall's carrier vanished after being set"))?;
        Ok(self.view(row))
    }

    /// The stall's carrier (its owner and administrators); 404 when none is set.
    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<StallCarrierView, Error> {
        let (stall, standing) = self.access(db, actor, stall).await?;
        if standing == Standing::Staff {
            return Err(Error::forbidden(
                "Only the stall's owner and administrators see its carrier.",
            ));
        }
        stall_carrier::Entity::find_by_id(stall.id)
            .one(db)
            .await?
            .map(|row| self.view(row))
            .ok_or_else(|| Error::not_found("Stall carrier"))
    }

    /// Disconnects the stall from its carrier (its owner): the stall delivers itself again.
    /// Waybills already booked stay with the carrier.
    pub async fn delete<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<(), Error> {
        let stall = self.owned(db, actor, stall).await?;
        let gone = stall_carrier::Entity::delete_by_id(stall.id)
            .exec(db)
            .await?;
        if gone.rows_affected == 0 {
            return Err(Error::not_found("Stall carrier"));
        }
        tracing::info!(stall = %stall.id, "stall carrier removed");
        Ok(())
    }

    /// The carrier and account of `stall_id`; `None` when the stall delivers itself. A stored
    /// carrier this deployment has not set up is `CarrierError::NotConfigured`.
    pub async fn account_for<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_id: Uuid,
    ) -> Result<Option<StallAccount>, Error> {
        let mut all = self.accounts_for(db, &[stall_id]).await?;
        match all.remove(&stall_id) {
            Some(found) => found.map(Some),
            None => Ok(None),
        }
    }

    /// The carriers and accounts of `stall_ids`, one query; a stall delivering itself is
    /// absent, one whose account cannot be used is there with its error.
    pub async fn accounts_for<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Result<StallAccount, Error>>, Error> {
        if stall_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = stall_carrier::Entity::find()
            .filter(stall_carrier::Column::StallId.is_in(stall_ids.iter().copied()))
            .all(db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.stall_id, self.account(row)))
            .collect())
    }

    fn account(&self, row: stall_carrier::Model) -> Result<StallAccount, Error> {
        let carrier = self
            .carriers
            .get(&row.carrier)
            .ok_or_else(|| CarrierError::NotConfigured(row.carrier.clone()))?;
        let token = match &row.token_sealed {
            Some(sealed) => {
                let sealer = self.sealer.as_ref().ok_or_else(|| {
                    Error::internal(
                        "a stall's carrier token is sealed but carriers.secret_key is not set",
                    )
                })?;
                Token::new(
                    sealer
                        .open(sealed, &row.stall_id.to_string())
                        .map_err(Error::internal)?,
                )
            }
            None => self
                .platform_tokens
                .get(&row.carrier)
                .cloned()
                .ok_or_else(|| CarrierError::NotConfigured(row.carrier.clone()))?,
        };
        Ok(StallAccount {
            carrier,
            account: Account {
                carrier: row.carrier,
                shop_id: row.shop_id,
                token,
                service_type_id: row.service_type_id,
            },
        })
    }

    fn seal(&self, token: &str, stall_id: Uuid) -> Result<String, Error> {
        let sealer = self.sealer.as_ref().ok_or_else(|| {
            Error::conflict(
                "carrier_tokens_unavailable",
                "This marketplace cannot store carrier tokens: carriers.secret_key is not set. Give only the shop id, or ask the operator.",
            )
        })?;
        sealer
            .seal(token, &stall_id.to_string())
            .map_err(Error::internal)
    }

    /// The input checked field by field; the token kept only when given.
    fn check(&self, input: &StallCarrierInput) -> Result<StallCarrierInput, Error> {
        let mut v = Validator::new();
        let ids = self.carriers.ids();
        let carrier = input.carrier.trim().to_owned();
        if !ids.contains(&carrier.as_str()) {
            let values = if ids.is_empty() {
                "(none)".to_owned()
            } else {
                ids.join(", ")
            };
            v.add(
                "carrier",
                FieldCode::NotOneOf,
                format!("must be one of {values}"),
            );
        }
        let shop_id = v.text("shop_id", &input.shop_id, 1, 20);
        if !shop_id.is_empty() && !shop_id.bytes().all(|b| b.is_ascii_digit()) {
            v.add(
                "shop_id",
                FieldCode::Invalid,
                "must be the carrier's shop number (digits)",
            );
        }
        let token = input.token.as_deref().map(|t| {
            let t = v.text("token", t, 8, 200);
            if t.chars()
                .any(|c| c.is_whitespace() || !c.is_ascii_graphic())
            {
                v.add(
                    "token",
                    FieldCode::Invalid,
                    "must be the token the carrier issued (printable characters, no spaces)",
                );
            }
            t
        });
        if let Some(s) = input.service_type_id
            && !GHN_SERVICE_TYPES.contains(&s)
        {
            v.add(
                "service_type_id",
                FieldCode::NotOneOf,
                "must be one of 2, 5",
            );
        }
        v.finish()?;
        Ok(StallCarrierInput {
            carrier,
            shop_id,
            token,
            service_type_id: input.service_type_id,
        })
    }
}

impl StallCarriers {
    fn view(&self, row: stall_carrier::Model) -> StallCarrierView {
        StallCarrierView {
            stall_id: row.stall_id,
            token_set: row.token_sealed.is_some()
                || self.platform_tokens.contains_key(&row.carrier),
            carrier: row.carrier,
            shop_id: row.shop_id,
            token_source: if row.token_sealed.is_some() {
                TokenSource::Stall
            } else {
                TokenSource::Platform
            },
            service_type_id: row.service_type_id,
            updated_at: row.updated_at,
        }
    }
}

/// Whether some stall's token is stored sealed: the gateway refuses to start without
/// `carriers.secret_key` then, rather than fail each booking.
pub async fn sealed_tokens_exist<C: ConnectionTrait>(db: &C) -> Result<bool, sea_orm::DbErr> {
    Ok(stall_carrier::Entity::find()
        .filter(stall_carrier::Column::TokenSealed.is_not_null())
        .one(db)
        .await?
        .is_some())
}
