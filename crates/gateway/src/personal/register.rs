//! The register of personal data: every table and column of the schema classified, read from
//! `register.toml` beside this file. A test walks the migrated schema and fails on a column it
//! does not classify.

use std::collections::BTreeMap;

use serde::Deserialize;

/// What a column holds about a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Links the row to the user it is about: exported and kept.
    Subject,
    /// Personal data: exported, then blanked, removed or replaced on erasure.
    Personal,
    /// Personal but never exported (hashes, keys); removed on erasure.
    Secret,
    /// About the user and exported; kept on erasure, tied to the anonymous account.
    Kept,
    /// Names another user who acted; that user's own erasure anonymises the account.
    UserRef,
    /// Not personal data of a user.
    None,
}

impl Class {
    /// Whether the user's export carries the column.
    #[must_use]
    pub fn exported(self) -> bool {
        matches!(self, Self::Subject | Self::Personal | Self::Kept)
    }

    /// Whether erasure must leave the column empty (or a placeholder) in the user's rows.
    #[must_use]
    pub fn erased(self) -> bool {
        matches!(self, Self::Personal | Self::Secret)
    }
}

/// What erasure does to a table's rows of the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Erasure {
    /// The rows are removed.
    Delete,
    /// The personal columns are blanked; the rows stay.
    Blank,
    /// The rows stay whole, as the law asks.
    Keep,
}

/// What erasure writes into one column of the user's rows that it keeps (`[<table>.erase_with]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blank {
    /// `NULL`.
    Null,
    /// The empty text.
    Empty,
    /// The text `(đã xoá)`, where a reader expects a name or a street.
    Erased,
    /// An empty JSON list (`[]`), for columns holding a list as JSON.
    EmptyList,
    /// `erased-<user id>@erased.invalid`: unique, and no mail can ever reach it (`.invalid` is
    /// reserved), so the user's address is free to register again.
    PlaceholderEmail,
    /// The hash of a random password nobody is told: no password signs in.
    UnusablePassword,
    /// The row's own id as text: unique where a unique key needs it (an idempotency key).
    RowId,
    /// When the erasure happened.
    ErasureTime,
}

/// A column keeping the client address a row came from, and the column dating the row: the
/// retention job clears the address once the row is older than `retention.client_addresses_days`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientAddresses {
    /// The column holding the address.
    pub column: String,
    /// The column saying when the row was written.
    pub dated_by: String,
}

/// How a table's rows belong to a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The column names the user.
    Column(String),
    /// The column names a row of the parent table, whose rows are the user's.
    Parent {
        /// The column of this table.
        column: String,
        /// The parent table.
        table: String,
    },
}

impl Subject {
    /// The column of this table that links a row to the user (directly or through the parent).
    #[must_use]
    pub fn column(&self) -> &str {
        match self {
            Self::Column(c) | Self::Parent { column: c, .. } => c,
        }
    }

    fn parse(text: &str) -> Self {
        match text.split_once('>') {
            Some((column, table)) => Self::Parent {
                column: column.trim().to_owned(),
                table: table.trim().to_owned(),
            },
            None => Self::Column(text.trim().to_owned()),
        }
    }
}

/// One table of the register.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    subject: Option<String>,
    erase: Option<Erasure>,
    basis: Option<String>,
    columns: BTreeMap<String, Class>,
    #[serde(default)]
    erase_with: BTreeMap<String, Blank>,
    client_addresses: Option<ClientAddresses>,
    #[serde(default)]
    also: Vec<String>,
}

/// One table of the register.
#[derive(Clone, Debug)]
pub struct Table {
    /// How its rows belong to a user; `None` when it holds no user's personal data.
    pub subject: Option<Subject>,
    /// What erasure does to the user's rows (`Keep` for a table without a subject).
    pub erase: Erasure,
    /// Why the law has the rows kept, for a table whose rows erasure keeps whole.
    pub basis: Option<String>,
    /// Every column, by name.
    pub columns: BTreeMap<String, Class>,
    /// What erasure writes into each column it changes, for a table whose rows it blanks:
    /// every personal and secret column, and any other it stamps (the time of erasure).
    pub erase_with: BTreeMap<String, Blank>,
    /// The column keeping a client address, if the table has one.
    pub client_addresses: Option<ClientAddresses>,
    /// Other rows erasure treats as the user's (`also = ["order_id > orders"]`): rows addressed
    /// to someone else that quote the user (a stall's notice of the buyer's cancellation, with
    /// the buyer's reason). The export leaves them out: they are the other user's.
    pub also: Vec<Subject>,
}

/// The register: every table of the schema, by name.
#[derive(Clone, Debug)]
pub struct Register {
    /// The tables, by name.
    pub tables: BTreeMap<String, Table>,
}

/// The register's source, kept beside this module.
const SOURCE: &str = include_str!("register.toml");

impl Register {
    /// The marketplace's register.
    ///
    /// # Errors
    /// When `register.toml` is malformed or inconsistent (the unit tests keep it well-formed).
    pub fn load() -> Result<Self, String> {
        Self::parse(SOURCE)
    }

    /// A register read from TOML text, checked for consistency.
    ///
    /// # Errors
    /// Names what is malformed: a table with personal columns but no subject, a subject column
    /// not classified `subject`, a parent that is not a table with a subject of its own.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: BTreeMap<String, RawTable> =
            toml::from_str(text).map_err(|e| format!("personal data register: {e}"))?;
        let mut tables = BTreeMap::new();
        for (name, t) in raw {
            let subject = t.subject.as_deref().map(Subject::parse);
            // A table about users says what erasure does to its rows: no default a new table
            // could fall into unnoticed.
            let erase = match (&subject, t.erase) {
                (Some(_), None) => {
                    return Err(format!(
                        "{name}: a table about users says how erasure treats its rows \
                         (erase = \"delete\", \"blank\" or \"keep\")"
                    ));
                }
                (None, Some(_)) => return Err(format!("{name}: erase without a subject")),
                (_, erase) => erase.unwrap_or(Erasure::Keep),
            };
            let table = Table {
                subject,
                erase,
                basis: t.basis,
                columns: t.columns,
                erase_with: t.erase_with,
                client_addresses: t.client_addresses,
                also: t.also.iter().map(|a| Subject::parse(a)).collect(),
            };
            tables.insert(name, table);
        }
        let register = Self { tables };
        for (name, table) in &register.tables {
            register.check(name, table)?;
        }
        Ok(register)
    }

    fn check(&self, name: &str, table: &Table) -> Result<(), String> {
        let about_user = table.columns.values().any(|c| {
            matches!(
                c,
                Class::Subject | Class::Personal | Class::Secret | Class::Kept
            )
        });
        let Some(subject) = &table.subject else {
            return if about_user {
                Err(format!("{name}: personal columns but no subject"))
            } else {
                Ok(())
            };
        };
        if table.columns.get(subject.column()) != Some(&Class::Subject) {
            return Err(format!(
                "{name}: the subject column {} is not classified \"subject\"",
                subject.column()
            ));
        }
        let subjects = table.columns.values().filter(|c| **c == Class::Subject);
        if subjects.count() != 1 {
            return Err(format!("{name}: more than one column is the subject"));
        }
        for s in std::iter::once(subject).chain(&table.also) {
            let parent = match s {
                Subject::Parent { table: parent, .. } => parent,
                Subject::Column(c) if s != subject => {
                    return Err(format!("{name}: also = \"{c}\" names no parent table"));
                }
                Subject::Column(_) => continue,
            };
            if self.tables.get(parent).is_none_or(|p| p.subject.is_none()) {
                return Err(format!(
                    "{name}: parent {parent} is not a table with a subject"
                ));
            }
        }
        check_erasure(name, table)
    }

    /// The tables holding a user's personal data, by name, those no other table names as its
    /// parent first (so erasing a table finds its parent's rows still there).
    pub fn about_users(&self) -> impl Iterator<Item = (&str, &Table)> {
        let parents: Vec<&str> = self
            .tables
            .values()
            .flat_map(|t| t.subject.iter().chain(&t.also))
            .filter_map(|s| match s {
                Subject::Parent { table, .. } => Some(table.as_str()),
                Subject::Column(_) => None,
            })
            .collect();
        let (then, first): (Vec<_>, Vec<_>) = self
            .tables
            .iter()
            .filter(|(_, t)| t.subject.is_some())
            .map(|(n, t)| (n.as_str(), t))
            .partition(|(n, _)| parents.contains(n));
        first.into_iter().chain(then)
    }

    /// The tables keeping client addresses, with the columns naming them.
    pub fn client_addresses(&self) -> impl Iterator<Item = (&str, &ClientAddresses)> {
        self.tables
            .iter()
            .filter_map(|(n, t)| t.client_addresses.as_ref().map(|c| (n.as_str(), c)))
    }
}

/// Whether a column's name says it keeps a client address (`client_address`, `*_ip`), which
/// the retention job must know of.
fn names_a_client_address(column: &str) -> bool {
    column.contains("client_address") || column == "ip" || column.ends_with("_ip")
}

/// The erasure a table states is complete: a kept table says why the law keeps it, a blanked
/// one says what goes into each personal and secret column, and a client address is dated.
fn check_erasure(name: &str, table: &Table) -> Result<(), String> {
    match table.erase {
        Erasure::Keep if table.subject.is_some() && table.basis.is_none() => {
            return Err(format!(
                "{name}: rows kept whole on erasure need the law's basis (basis = \"...\")"
            ));
        }
        Erasure::Blank => {
            for (column, class) in &table.columns {
                if class.erased() && !table.erase_with.contains_key(column) {
                    return Err(format!(
                        "{name}.{column}: erasure blanks it; say with what in [{name}.erase_with]"
                    ));
                }
            }
        }
        _ if !table.erase_with.is_empty() => {
            return Err(format!(
                "{name}: erase_with on a table whose rows are not blanked"
            ));
        }
        _ => {}
    }
    if let Some(c) = table
        .erase_with
        .keys()
        .find(|c| !table.columns.contains_key(*c))
    {
        return Err(format!(
            "{name}.{c}: erase_with names a column not in the table"
        ));
    }
    let named = table.client_addresses.as_ref();
    for column in table.columns.keys().filter(|c| names_a_client_address(c)) {
        if named.is_none_or(|n| &n.column != column) {
            return Err(format!(
                "{name}.{column}: a client address; name it in client_addresses so the \
                 retention job clears it"
            ));
        }
    }
    if let Some(n) = named
        && (table.columns.get(&n.column) != Some(&Class::Personal)
            || !table.columns.contains_key(&n.dated_by))
    {
        return Err(format!(
            "{name}: client_addresses names a personal column and the column dating the row"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_is_well_formed() {
        let register = Register::load().unwrap();
        assert!(register.tables.contains_key("users"));
        assert!(register.about_users().count() > 5);
    }

    #[test]
    fn a_personal_column_needs_a_subject() {
        let err = Register::parse("[t.columns]\nemail = \"personal\"\n").unwrap_err();
        assert!(err.contains("no subject"), "{err}");
    }

    #[test]
    fn the_subject_column_is_classified_subject() {
        let text = "[t]\nsubject = \"user_id\"\nerase = \"delete\"\n\
                    [t.columns]\nuser_id = \"kept\"\n";
        let err = Register::parse(text).unwrap_err();
        assert!(err.contains("not classified"), "{err}");
    }

    #[test]
    fn a_parent_must_be_about_users() {
        let text = "[p.columns]\nid = \"none\"\n\
                    [t]\nsubject = \"p_id > p\"\nerase = \"delete\"\n[t.columns]\np_id = \"subject\"\n";
        let err = Register::parse(text).unwrap_err();
        assert!(err.contains("parent p"), "{err}");
    }

    #[test]
    fn a_table_about_users_says_how_it_is_erased() {
        let text = "[t]\nsubject = \"user_id\"\n[t.columns]\nuser_id = \"subject\"\n";
        let err = Register::parse(text).unwrap_err();
        assert!(err.contains("says how erasure treats"), "{err}");
        let kept = text.replace("[t.columns]", "erase = \"keep\"\n[t.columns]");
        let err = Register::parse(&kept).unwrap_err();
        assert!(err.contains("basis"), "{err}");
        let based = kept.replace("[t.columns]", "basis = \"the Accounting Law\"\n[t.columns]");
        assert!(Register::parse(&based).is_ok());
    }

    #[test]
    fn a_blanked_personal_column_says_with_what() {
        let text = "[t]\nsubject = \"user_id\"\nerase = \"blank\"\n\
                    [t.columns]\nuser_id = \"subject\"\nnote = \"personal\"\n";
        let err = Register::parse(text).unwrap_err();
        assert!(err.contains("t.note"), "{err}");
        let with = format!("{text}[t.erase_with]\nnote = \"null\"\n");
        let register = Register::parse(&with).unwrap();
        assert_eq!(register.tables["t"].erase_with["note"], Blank::Null);
        let wrong = format!("{text}[t.erase_with]\nnote = \"maybe\"\n");
        assert!(Register::parse(&wrong).is_err());
    }

    #[test]
    fn a_client_address_is_known_to_the_retention_job() {
        let text = "[t]\nsubject = \"user_id\"\nerase = \"delete\"\n\
                    [t.columns]\nuser_id = \"subject\"\nclient_address = \"personal\"\n\
                    at = \"kept\"\n";
        let err = Register::parse(text).unwrap_err();
        assert!(err.contains("retention job"), "{err}");
        let named = text.replace(
            "[t.columns]",
            "client_addresses = { column = \"client_address\", dated_by = \"at\" }\n[t.columns]",
        );
        let register = Register::parse(&named).unwrap();
        assert_eq!(register.client_addresses().count(), 1);
    }

    #[test]
    fn a_table_comes_before_the_tables_it_names_as_parents() {
        let register = Register::load().unwrap();
        let order: Vec<&str> = register.about_users().map(|(n, _)| n).collect();
        let at = |t: &str| order.iter().position(|n| *n == t).unwrap();
        assert!(at("order_events") < at("orders"), "{order:?}");
        assert!(at("deliveries") < at("notifications"), "{order:?}");
        assert!(at("notifications") < at("orders"), "{order:?}");
    }

    #[test]
    fn every_table_about_users_is_erased_as_stated() {
        let register = Register::load().unwrap();
        for (name, t) in register.about_users() {
            if t.erase == Erasure::Keep {
                assert!(t.basis.as_deref().is_some_and(|b| b.len() > 10), "{name}");
            }
        }
        assert_eq!(
            register.tables["users"].erase_with["email"],
            Blank::PlaceholderEmail
        );
        let addresses: Vec<_> = register.client_addresses().map(|(n, _)| n).collect();
        assert!(addresses.contains(&"consents"), "{addresses:?}");
    }

    #[test]
    fn an_unknown_class_is_refused() {
        assert!(Register::parse("[t.columns]\nx = \"maybe\"\n").is_err());
    }
}
