//! The search outbox: every change that alters what the public may see of a stall, product or
//! category adds a row here in the same transaction, for the search indexer to pick up.

use chrono::{DateTime, Utc};
use common::Stored;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
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

/// Records that the documents of `ids`, all of kind `entity`, must be refreshed: one row each,
/// written by one statement.
pub async fn enqueue_many<C: ConnectionTrait>(
    db: &C,
    entity: Entity,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let rows = ids.into_iter().map(|id| search_outbox::ActiveModel {
        id: NotSet,
        entity: Set(entity.as_str().to_owned()),
        entity_id: Set(id),
        created_at: Set(now),
        claimed_until: Set(None),
        attempts: Set(0),
    });
    search_outbox::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Claims up to `batch` rows nobody else holds, for `claim_for`, counting the attempt: what a
/// crashed worker leaves is picked up once its claim lapses.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    claim_for: chrono::Duration,
    batch: u64,
) -> Result<Vec<search_outbox::Model>, sea_orm::DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _};
    use search_outbox::Column;
    jobs::Lease::<search_outbox::Entity>::new(Column::Id, Column::ClaimedUntil, claim_for)
        .also_set(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .batch(batch)
        .claim(db, Utc::now())
        .await
}

/// How many rows wait, and when the oldest of them was written.
pub async fn waiting<C: ConnectionTrait>(
    db: &C,
) -> Result<(u64, Option<DateTime<Utc>>), sea_orm::DbErr> {
    let rows = search_outbox::Entity::find().count(db).await?;
    let oldest = search_outbox::Entity::find()
        .order_by_asc(search_outbox::Column::Id)
        .one(db)
        .await?;
    Ok((rows, oldest.map(|o| o.created_at)))
}

/// Removes these rows (their documents were refreshed).
pub async fn remove<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<(), sea_orm::DbErr> {
    for chunk in ids.chunks(1000) {
        search_outbox::Entity::delete_many()
            .filter(search_outbox::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The ids of the rows visible now: their transactions have committed.
pub async fn ids<C: ConnectionTrait>(db: &C) -> Result<Vec<i64>, sea_orm::DbErr> {
    search_outbox::Entity::find()
        .select_only()
        .column(search_outbox::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

/// Queues every product and stall changed since `started` (a rebuild of the indexes that
/// began then may have missed them).
pub async fn queue_changed_since<C: ConnectionTrait>(
    db: &C,
    started: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    for (table, entity) in [("products", Entity::Product), ("stalls", Entity::Stall)] {
        let entity = entity.as_str();
        let sql = match backend {
            DbBackend::Postgres => format!(
                "INSERT INTO search_outbox (entity, entity_id, created_at, attempts) \
                 SELECT '{entity}', id, $1, 0 FROM {table} WHERE updated_at >= $2"
            ),
            _ => format!(
                "INSERT INTO search_outbox (entity, entity_id, created_at, attempts) \
                 SELECT '{entity}', id, ?, 0 FROM {table} WHERE updated_at >= ?"
            ),
        };
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Utc::now().into(), started.into()],
        ))
        .await?;
    }
    Ok(())
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
