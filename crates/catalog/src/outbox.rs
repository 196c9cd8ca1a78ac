//! The search outbox: every change that alters what the public may see of a stall, product or
//! category adds a row here in the same transaction, for the search indexer to pick up.

use chrono::Utc;
use common::Stored;
use sea_orm::{ActiveModelTrait, ConnectionTrait, NotSet, Set};
use uuid::Uuid;

use crate::entity::search_outbox;

/// The kind of entity whose search document is stale, as the row's `entity` stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// A product's document.
    Product,
    /// A stall's document (and, through it, its products').
    Stall,
    /// A category (its name appears in product documents).
    Category,
}

impl Stored for Entity {
    const WHAT: &'static str = "search outbox entity";
    const ALL: &'static [Self] = &[Entity::Product, Entity::Stall, Entity::Category];
    fn as_str(self) -> &'static str {
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

#[cfg(test)]
mod tests {
    use common::Stored;

    use super::Entity;

    #[test]
    fn every_kind_reads_back_and_nothing_else_does() {
        for e in Entity::ALL {
            assert_eq!(common::stored::<Entity>(e.as_str()).unwrap(), *e);
        }
        for bad in ["", "products", "Product", "order"] {
            let e = common::stored::<Entity>(bad).unwrap_err();
            assert_eq!(e.kind, common::ErrorKind::Internal, "{bad:?}");
        }
    }
}
