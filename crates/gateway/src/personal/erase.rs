//! `DELETE me`: a user's personal data erased, table by table as the register says, in one
//! transaction, while the orders, ledger entries and tax records the law keeps stay, tied to
//! the account left as an anonymous buyer.
//!
//! The statements are made from the register rather than written per table: the register is
//! the one list of what is personal, and it refuses a personal column without its erasure, so a
//! new column cannot be forgotten here. Erasure is refused while something of the user's is
//! still under way: an order not finished, a case not resolved, a refund not yet paid to them
//! (it needs their account), or a stall they own or manage (a stall is a business's, with its
//! own obligations: its owner hands it over or has it closed first).

use chrono::{DateTime, Utc};
use common::begin_write;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionSession, TransactionTrait, Value};
use serde_json::json;
use uuid::Uuid;

use super::register::{Blank, Erasure, Register, Subject, Table};

/// What an erasure needs besides the database: the services whose rules it asks.
pub struct Services<'a> {
    /// The accounts, for the unusable password.
    pub accounts: &'a accounts::Accounts,
    /// The catalogue, for the stalls the user belongs to.
    pub catalog: &'a catalog::Catalog,
}

/// What keeps a user from being erased.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Blockers {
    /// Their orders not yet delivered or cancelled.
    pub orders: Vec<Uuid>,
    /// Their cases not yet resolved.
    pub cases: Vec<Uuid>,
    /// The refunds of their orders not yet paid (queued, failed or owed by hand).
    pub refunds: Vec<Uuid>,
    /// The stalls they own or manage, by id and name.
    pub stalls: Vec<(Uuid, String)>,
}

impl Blockers {
    fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.cases.is_empty()
            && self.refunds.is_empty()
            && self.stalls.is_empty()
    }

    /// The 409 naming each: the counts fill the message's holes (`{orders}`, `{cases}`,
    /// `{refunds}`, `{stalls}`), the ids and names are in `details`.
    fn into_error(self) -> common::Error {
        let (o, c) = (self.orders.len(), self.cases.len());
        let (r, s) = (self.refunds.len(), self.stalls.len());
        let mut err = common::Error::conflict(
            "erasure_blocked",
            format!(
                "The account cannot be erased yet: {o} orders not finished, {c} cases not \
                 resolved, {r} refunds not yet paid and {s} stalls owned or managed. Wait for \
                 the orders to be delivered or cancelled, the cases to be resolved and the \
                 refunds to be paid, and hand over or close the stalls."
            ),
        );
        err.details = Some(json!({
            "orders": o.to_string(),
            "cases": c.to_string(),
            "refunds": r.to_string(),
            "stalls": s.to_string(),
            "open_orders": self.orders,
            "open_cases": self.cases,
            "owed_refunds": self.refunds,
            "stalls_held": self.stalls.iter()
                .map(|(id, name)| json!({"id": id, "name": name}))
                .collect::<Vec<_>>(),
        }));
        err
    }
}

/// Erases `user`'s personal data at `now`, or says what blocks it (409 `erasure_blocked`).
/// One transaction: the checks, every table's erasure and the audit entry (which names the
/// account's id and nothing else) stand or fall together.
///
/// # Errors
/// `last_administrator` when the user is the only active administrator; `erasure_blocked`;
/// `unauthorized` when a twin request erased the account first; `internal` when the register
/// is malformed or the database fails.
pub async fn erase_me<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    services: &Services<'_>,
    user: &accounts::User,
    now: DateTime<Utc>,
) -> Result<(), common::Error> {
    let register = Register::load().map_err(common::Error::internal)?;
    // Hashed before the transaction: a hash takes a while and holds no lock.
    let password = services
        .accounts
        .unusable_password_hash()
        .await
        .map_err(common::Error::from)?;
    let txn = begin_write(db).await?;
    // The account's row is locked first (with the active administrators' when it is one): a
    // checkout of the user holds it too, so an order is either committed before the open
    // orders are looked for, and blocks, or refused once the account is erased.
    let hold = accounts::hold::lock_for_erasure(&txn, user).await?;
    let Some(current) = hold.user.filter(|u| u.erased_at.is_none()) else {
        // A twin request erased it a moment ago: its token no longer works.
        return Err(common::Error::unauthorized("The account is erased."));
    };
    if current.is_admin && hold.other_admins == 0 {
        return Err(common::Error::conflict(
            "last_administrator",
            "The account is the marketplace's only active administrator: make another \
             account an administrator before erasing this one.",
        ));
    }
    let blockers = blockers(&txn, services.catalog, user).await?;
    if !blockers.is_empty() {
        return Err(blockers.into_error());
    }
    let stamps = Stamps {
        user_id: user.id,
        now,
        password,
    };
    for statement in statements(txn.get_database_backend(), &register, &stamps) {
        txn.execute_raw(statement).await?;
    }
    catalog::audit::record(
        &txn,
        user.id,
        catalog::audit::Action::AccountErase,
        catalog::audit::Subject::User(user.id),
        None,
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What keeps `user` from being erased now.
async fn blockers<C: ConnectionTrait>(
    db: &C,
    catalog: &catalog::Catalog,
    user: &accounts::User,
) -> Result<Blockers, common::Error> {
    let stalls = catalog
        .my_stalls(db, &user.actor())
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let unfinished = order::erasure_blockers(db, user.id).await?;
    Ok(Blockers {
        orders: unfinished.orders,
        cases: unfinished.cases,
        refunds: unfinished.refunds,
        stalls,
    })
}

/// What the erasure writes that depends on the user and the moment.
struct Stamps {
    user_id: Uuid,
    now: DateTime<Utc>,
    password: String,
}

/// A statement being built, with its values in order (`?` on SQLite, `$n` on PostgreSQL).
struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    fn param(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
}

/// The erasure's statements, one per table about users that it changes.
fn statements(backend: DbBackend, register: &Register, stamps: &Stamps) -> Vec<Statement> {
    let mut out = Vec::new();
    for (name, table) in register.about_users() {
        let mut sql = Sql {
            backend,
            values: Vec::new(),
        };
        let text = match table.erase {
            Erasure::Keep => continue,
            Erasure::Delete => {
                let filter = rows_of(&mut sql, register, table, stamps.user_id);
                format!("DELETE FROM \"{name}\" WHERE {filter}")
            }
            Erasure::Blank => {
                let sets: Vec<String> = table
                    .erase_with
                    .iter()
                    .map(|(column, blank)| {
                        format!("\"{column}\" = {}", value(&mut sql, *blank, stamps))
                    })
                    .collect();
                let filter = rows_of(&mut sql, register, table, stamps.user_id);
                format!("UPDATE \"{name}\" SET {} WHERE {filter}", sets.join(", "))
            }
        };
        out.push(Statement::from_sql_and_values(backend, text, sql.values));
    }
    out
}

/// What goes into a blanked column.
fn value(sql: &mut Sql, blank: Blank, stamps: &Stamps) -> String {
    match blank {
        Blank::Null => "NULL".to_owned(),
        Blank::Empty => "''".to_owned(),
        Blank::Erased => "'(đã xoá)'".to_owned(),
        Blank::EmptyList => "'[]'".to_owned(),
        Blank::PlaceholderEmail => sql.param(placeholder_email(stamps.user_id)),
        Blank::UnusablePassword => sql.param(stamps.password.clone()),
        Blank::RowId => match sql.backend {
            DbBackend::Postgres => "\"id\"::text".to_owned(),
            _ => "lower(hex(\"id\"))".to_owned(),
        },
        Blank::ErasureTime => sql.param(stamps.now),
    }
}

/// The address an erased account keeps: unique, and reserved never to reach anyone.
#[must_use]
pub fn placeholder_email(user_id: Uuid) -> String {
    format!("erased-{}@erased.invalid", user_id.simple())
}

/// The condition selecting the rows of `table` erasure treats as the user's: by its subject,
/// or by one of its `also` relations.
fn rows_of(sql: &mut Sql, register: &Register, table: &Table, user_id: Uuid) -> String {
    let Some(subject) = &table.subject else {
        return "1 = 0".to_owned();
    };
    let mut conditions = vec![related(sql, register, subject, user_id)];
    for also in &table.also {
        conditions.push(related(sql, register, also, user_id));
    }
    if conditions.len() == 1 {
        conditions.remove(0)
    } else {
        format!("({})", conditions.join(" OR "))
    }
}

/// The condition of one relation to the user.
fn related(sql: &mut Sql, register: &Register, subject: &Subject, user_id: Uuid) -> String {
    match subject {
        Subject::Column(column) => format!("\"{column}\" = {}", sql.param(user_id)),
        Subject::Parent {
            column,
            table: parent,
        } => match register.tables.get(parent) {
            Some(p) => format!(
                "\"{column}\" IN (SELECT \"id\" FROM \"{parent}\" WHERE {})",
                rows_of(sql, register, p, user_id)
            ),
            None => "1 = 0".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamps() -> Stamps {
        Stamps {
            user_id: Uuid::now_v7(),
            now: Utc::now(),
            password: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
        }
    }

    fn sql_of(backend: DbBackend, table: &str) -> Option<Statement> {
        let register = Register::load().unwrap();
        let all = statements(backend, &register, &stamps());
        all.into_iter().find(|s| {
            s.sql.starts_with(&format!("DELETE FROM \"{table}\" "))
                || s.sql.starts_with(&format!("UPDATE \"{table}\" "))
        })
    }

    #[test]
    fn the_users_row_is_blanked_with_its_values_in_order() {
        let s = sql_of(DbBackend::Postgres, "users").unwrap();
        assert!(s.sql.starts_with("UPDATE \"users\" SET "), "{}", s.sql);
        assert!(s.sql.contains("\"email\" = $"), "{}", s.sql);
        assert!(s.sql.contains("\"full_name\" = '(đã xoá)'"), "{}", s.sql);
        let values = s.values.unwrap().0;
        let last = values.len();
        assert!(
            s.sql.ends_with(&format!("WHERE \"id\" = ${last}")),
            "{}",
            s.sql
        );
    }

    #[test]
    fn kept_tables_are_left_alone_and_deleted_ones_go() {
        assert!(sql_of(DbBackend::Sqlite, "order_items").is_none());
        assert!(sql_of(DbBackend::Sqlite, "bank_transfers").is_none());
        let s = sql_of(DbBackend::Sqlite, "sessions").unwrap();
        assert_eq!(s.sql, "DELETE FROM \"sessions\" WHERE \"user_id\" = ?");
        let s = sql_of(DbBackend::Postgres, "notifications").unwrap();
        assert_eq!(
            s.sql,
            "DELETE FROM \"notifications\" WHERE (\"user_id\" = $1 OR \"order_id\" IN \
             (SELECT \"id\" FROM \"orders\" WHERE \"buyer_id\" = $2))"
        );
        let s = sql_of(DbBackend::Sqlite, "case_events").unwrap();
        assert!(s.sql.contains("\"message\" = NULL"), "{}", s.sql);
        assert!(
            s.sql.contains("IN (SELECT \"id\" FROM \"cases\""),
            "{}",
            s.sql
        );
    }

    #[test]
    fn a_placeholder_email_never_reaches_anyone() {
        let id = Uuid::now_v7();
        let email = placeholder_email(id);
        assert!(email.ends_with("@erased.invalid"), "{email}");
        assert_ne!(email, placeholder_email(Uuid::now_v7()));
    }

    #[test]
    fn blockers_name_what_is_open() {
        let b = Blockers {
            orders: vec![Uuid::now_v7()],
            cases: vec![],
            refunds: vec![],
            stalls: vec![(Uuid::now_v7(), "Cà phê Khe Sanh".into())],
        };
        let err = b.into_error();
        assert_eq!(err.code, "erasure_blocked");
        let d = err.details.unwrap();
        assert_eq!(d["orders"], "1");
        assert_eq!(d["stalls_held"][0]["name"], "Cà phê Khe Sanh");
    }
}
