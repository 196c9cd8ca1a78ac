//! Personal data rights over the real schema, on SQLite and PostgreSQL: every column of every
//! table the migrations make is classified in the register of personal data, and every column
//! of a table about users that the register names exists; `GET me/export` carries every
//! column the register exports, of the caller's rows only, and no secret.

use std::collections::{BTreeMap, BTreeSet};

use gateway::personal::register::{Class, Register};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::{
    orders::{checkout, market, put_item, shipping},
    support::*,
};

/// Every table of the migrated database with its columns, read from the database itself.
pub(crate) async fn schema(db: &TestDb) -> BTreeMap<String, BTreeSet<String>> {
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

        // Every column the export reads and erasure blanks must exist. A table or column that
        // holds no user's data may be classified before the change adding it lands.
        let mut stale = Vec::new();
        for (table, t) in register.about_users() {
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

db_test!(
    the_export_carries_every_personal_column_of_the_callers_rows,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = market(&app).await;
        let address = json!({"recipient": "Nguyễn Thu Hà", "phone": "0987 654 321",
                             "province_code": "01", "commune_code": "00070",
                             "street": "12 Lê Thái Tổ"});
        let res = app
            .post("/api/v1/me/addresses", Some(&m.buyer), address)
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(put_item(&app, &m.buyer, &m.sauce, 2).await.status, 200);
        let placed = checkout(&app, &m.buyer, "export-1", shipping()).await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        assert_eq!(put_item(&app, &m.buyer, &m.coffee, 1).await.status, 200);
        let me = app.get("/api/v1/me", Some(&m.buyer)).await.json();

        let res = app.get("/api/v1/me/export", Some(&m.buyer)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let export = res.json();
        assert_eq!(export["user_id"], me["id"]);
        let tables = &export["tables"];

        let register = Register::load().unwrap();
        for (name, table) in register.about_users() {
            let rows = tables[name]
                .as_array()
                .unwrap_or_else(|| panic!("the export lacks {name}"));
            for row in rows {
                for (column, class) in &table.columns {
                    let present = row.get(column).is_some();
                    assert_eq!(
                        present,
                        class.exported(),
                        "{name}.{column} ({class:?}) in the export: {row}"
                    );
                    if *class == Class::Secret {
                        assert!(!present, "{name}.{column} is a secret");
                    }
                }
            }
        }
        for name in [
            "users",
            "sessions",
            "consents",
            "addresses",
            "cart_items",
            "checkouts",
            "orders",
            "order_items",
            "order_events",
        ] {
            let n = tables[name].as_array().map_or(0, Vec::len);
            assert!(n > 0, "the buyer has rows in {name}: {tables}");
        }
        let users = tables["users"].as_array().unwrap();
        assert_eq!(users.len(), 1, "only the caller's account");
        assert_eq!(users[0]["email"], "buyer@example.vn");
        assert_eq!(tables["addresses"][0]["street"], "12 Lê Thái Tổ");
        assert_eq!(tables["addresses"][0]["recipient"], "Nguyễn Thu Hà");
        assert_eq!(tables["orders"][0]["shipping_recipient"], "Trần Thị Mai");
        assert_eq!(tables["orders"][0]["buyer_id"], me["id"]);
        let text = export.to_string();
        assert!(
            !text.contains("a@example.vn"),
            "another user's account leaked"
        );

        // The owner of a stall sees their membership, and nothing of the buyer's.
        let owner = app.get("/api/v1/me/export", Some(&m.owner_a)).await.json();
        assert_eq!(owner["tables"]["orders"], Value::Array(vec![]));
        assert!(!owner.to_string().contains("Trần Thị Mai"));

        app.get("/api/v1/me/export", None)
            .await
            .problem(401, "unauthorized");
    }
);
