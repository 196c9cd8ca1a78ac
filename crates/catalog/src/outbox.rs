//! The search outbox: every change that alters what the public may see of a stall, product or
//! category adds a row here in the same transaction, for the search indexer to pick up.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, NotSet, Set};
use uuid::Uuid;

use crate::entity::search_outbox;

/// The kind of entity whose search document is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// A product's document.
    Product,
    /// A stall's document (and, through it, its products').
    Stall,
    /// A category (its name appears in product documents).
    Category,
}

impl Entity {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Product => "product",
            Entity::Stall => "stall",
            Entity::Category => "category",
        }
    }
}

/// Records that `entity`'s search document must be refreshed.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    entity: Entity,
    id: Uuid,
) -> Result<(), sea_orm::DbErr> {
    search_outbox::ActiveModel {
        id: NotSet,
        entity: Set(entity.as_str().to_owned()),
        entity_id: Set(id),
        created_at: Set(Utc::now()),
        claimed_until: Set(None),
        attempts: Set(0),
    }
    .insert(db)
    .await
    .map(|_| ())
}
