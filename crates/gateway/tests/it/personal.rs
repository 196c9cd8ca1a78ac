//! Personal data rights over the real schema, on SQLite and PostgreSQL: every column of every
//! table the migrations make is classified in the register of personal data, and the register
//! names no column of a table the schema has that the table lacks.

use std::collections::{BTreeMap, BTreeSet};

use gateway::personal::register::Register;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::*;

/// Every table of the migrated database with its columns, read from the database itself.
async fn schema(db: &TestDb) -> BTreeMap<String, BTreeSet<String>> {
    let conn = &db.conn;
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        _ => {
            "SELECT table_name::text AS t, column_name::text AS c \
             FROM information_schema.columns \
             WHERE table_schema = current_schema()"
        }
    };
    let rows = conn
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        let table: String = row.try_get("", "t").unwrap();
        let column: String = row.try_get("", "c").unwrap();
        tables.entry(table).or_default().insert(column);
    }
    tables
}

db_test!(
    every_column_of_the_schema_is_classified,
    |db: TestDb| async move {
        let register = Register::load().unwrap();
        let tables = schema(&db).await;
        assert!(tables.contains_key("users"), "{tables:?}");

        let mut missing = Vec::new();
        for (table, columns) in &tables {
            let known = register.tables.get(table);
            for column in columns {
                if known.is_none_or(|t| !t.columns.contains_key(column)) {
                    missing.push(format!("{table}.{column}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "columns not classified in crates/gateway/src/personal/register.toml \
         (say whether each is a user's personal data and how it is exported and erased): \
         {missing:?}"
        );

        let mut stale = Vec::new();
        for (table, t) in &register.tables {
            for column in t.columns.keys() {
                if !tables.get(table).is_some_and(|c| c.contains(column)) {
                    stale.push(format!("{table}.{column}"));
                }
            }
        }
        assert!(
            stale.is_empty(),
            "the register names columns the schema lacks: {stale:?}"
        );
    }
);
