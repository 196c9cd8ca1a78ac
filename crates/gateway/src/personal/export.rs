//! `GET me/export`: everything the marketplace holds about a user, read table by table as the
//! register says, so that a column the register calls personal cannot be left out.
//!
//! The rows are read through the register rather than through each domain crate's own
//! functions: the register is the one list of what is personal, and an export written by hand
//! per crate is the list a new column gets forgotten from.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::register::{Register, Subject, Table};

/// A user's personal data: for each table about users, the user's rows with every column the
/// register exports (secrets such as password and token hashes left out).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    /// Whose data.
    pub user_id: Uuid,
    /// When it was read.
    pub exported_at: DateTime<Utc>,
    /// The rows by table (`users`, `addresses`, `orders`, `order_items`, `cases`, `consents`,
    /// `sessions`, `notifications`, `stall_members`, `seller_identities`, ...), each row with
    /// its columns as stored; a table where the user has no row is an empty list.
    #[schema(value_type = std::collections::HashMap<String, Vec<std::collections::HashMap<String, serde_json::Value>>>)]
    pub tables: Map<String, Value>,
}

/// The signed-in user's export, as the register describes it.
///
/// # Errors
/// `internal` when the register is malformed or the database fails.
pub async fn export_me<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Export, common::Error> {
    let register = Register::load().map_err(common::Error::internal)?;
    Ok(export_user(db, &register, user_id, now).await?)
}

/// Reads every row about `user_id` that the register names.
///
/// # Errors
/// A database error.
pub async fn export_user<C: ConnectionTrait>(
    db: &C,
    register: &Register,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Export, DbErr> {
    let backend = db.get_database_backend();
    let mut tables = Map::new();
    for (name, table) in register.about_users() {
        let sql = select_rows(backend, register, name, table);
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [user_id.into()],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let text: String = row.try_get("", "row")?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| DbErr::Custom(format!("export of {name}: {e}")))?;
            out.push(readable(value));
        }
        tables.insert(name.to_owned(), Value::Array(out));
    }
    Ok(Export {
        user_id,
        exported_at: now,
        tables,
    })
}

/// `SELECT <json object of the exported columns> AS row FROM <table> WHERE <the user's rows>`.
fn select_rows(backend: DbBackend, register: &Register, name: &str, table: &Table) -> String {
    let pairs: Vec<String> = table
        .columns
        .iter()
        .filter(|(_, class)| class.exported())
        .map(|(column, _)| format!("'{column}', {}", value_of(backend, column)))
        .collect();
    let object = match backend {
        DbBackend::Sqlite => format!("json_object({})", pairs.join(", ")),
        _ => format!("json_build_object({})::text", pairs.join(", ")),
    };
    let filter = rows_of(backend, register, name, table);
    let order = if table.columns.contains_key("created_at") {
        " ORDER BY \"created_at\""
    } else {
        ""
    };
    format!("SELECT {object} AS \"row\" FROM \"{name}\" WHERE {filter}{order}")
}

/// The column as JSON can hold it: SQLite keeps ids as 16-byte blobs, which JSON cannot.
fn value_of(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Sqlite => format!(
            "CASE typeof(\"{column}\") WHEN 'blob' THEN 'blob:' || hex(\"{column}\") \
             ELSE \"{column}\" END"
        ),
        _ => format!("\"{column}\""),
    }
}

/// The condition selecting the user's rows of `table` (the user's id is the one parameter).
fn rows_of(backend: DbBackend, register: &Register, name: &str, table: &Table) -> String {
    let param = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    match &table.subject {
        Some(Subject::Column(column)) => format!("\"{column}\" = {param}"),
        Some(Subject::Parent {
            column,
            table: parent,
        }) => match register.tables.get(parent) {
            Some(p) => format!(
                "\"{column}\" IN (SELECT \"id\" FROM \"{parent}\" WHERE {})",
                rows_of(backend, register, parent, p)
            ),
            None => "1 = 0".to_owned(),
        },
        None => format!("1 = 0 /* {name} */"),
    }
}

/// Ids read from SQLite's blobs written as UUIDs again; everything else as stored.
fn readable(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, readable(v))).collect())
        }
        Value::String(s) => match s.strip_prefix("blob:") {
            Some(hex) => hex_uuid(hex).map_or(Value::String(s.clone()), Value::String),
            None => Value::String(s),
        },
        other => other,
    }
}

fn hex_uuid(hex: &str) -> Option<String> {
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    Uuid::from_slice(&bytes).ok().map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_id_reads_as_a_uuid() {
        let id = Uuid::now_v7();
        let hex: String = id.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
        let v = readable(serde_json::json!({"id": format!("blob:{hex}"), "n": 1}));
        assert_eq!(v["id"], id.to_string());
        assert_eq!(v["n"], 1);
    }

    #[test]
    fn rows_through_a_parent_follow_it() {
        let register = Register::load().unwrap();
        let items = &register.tables["order_items"];
        let sql = rows_of(DbBackend::Postgres, &register, "order_items", items);
        assert_eq!(
            sql,
            "\"order_id\" IN (SELECT \"id\" FROM \"orders\" WHERE \"buyer_id\" = $1)"
        );
    }

    #[test]
    fn secrets_are_not_exported() {
        let register = Register::load().unwrap();
        let sql = select_rows(
            DbBackend::Sqlite,
            &register,
            "users",
            &register.tables["users"],
        );
        assert!(sql.contains("'email'"), "{sql}");
        assert!(!sql.contains("password_hash"), "{sql}");
    }
}
