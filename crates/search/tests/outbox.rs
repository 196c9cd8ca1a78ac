//! The search outbox on real SQLite and PostgreSQL databases: a row naming no kind of
//! catalogue entity is corrupt. The indexer reads it as an error (logged), never as a product
//! or a stall, and drops it, so it is not claimed again forever and the rows beside it are done.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::sync::Arc;

use catalog::{Catalog, Regions, entity::search_outbox};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use search::{embedded::Embedded, indexer::Indexer};
use testkit::{TestDb, db_test};
use uuid::Uuid;

fn row(entity: &str) -> search_outbox::ActiveModel {
    search_outbox::ActiveModel {
        entity: Set(entity.into()),
        entity_id: Set(Uuid::now_v7()),
        created_at: Set(Utc::now()),
        claimed_until: Set(None),
        attempts: Set(0),
        ..Default::default()
    }
}

db_test!(
    an_outbox_row_of_an_unknown_kind_is_dropped_not_indexed_as_another,
    |db: TestDb| async move {
        let db = &db.conn;
        for entity in ["product", "warehouse"] {
            search_outbox::Entity::insert(row(entity))
                .exec_without_returning(db)
                .await
                .unwrap();
        }
        let dir = std::env::temp_dir().join(format!("marketplace-outbox-{}", Uuid::now_v7()));
        let engine = Arc::new(Embedded::open(&dir).unwrap());
        let indexer = Indexer::new(engine, Catalog::new(Regions::builtin()));
        assert_eq!(indexer.run_once(db).await.unwrap(), 2);
        assert_eq!(search_outbox::Entity::find().count(db).await.unwrap(), 0);
        assert_eq!(
            indexer.run_once(db).await.unwrap(),
            0,
            "nothing claimed again"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
);
