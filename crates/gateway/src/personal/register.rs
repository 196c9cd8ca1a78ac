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
    columns: BTreeMap<String, Class>,
}

/// One table of the register.
#[derive(Clone, Debug)]
pub struct Table {
    /// How its rows belong to a user; `None` when it holds no user's personal data.
    pub subject: Option<Subject>,
    /// What erasure does to the user's rows (`Keep` for a table without a subject).
    pub erase: Erasure,
    /// Every column, by name.
    pub columns: BTreeMap<String, Class>,
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
        let tables: BTreeMap<String, Table> = raw
            .into_iter()
            .map(|(name, t)| {
                let table = Table {
                    subject: t.subject.as_deref().map(Subject::parse),
                    erase: t.erase.unwrap_or(Erasure::Keep),
                    columns: t.columns,
                };
                (name, table)
            })
            .collect();
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
        if let Subject::Parent { table: parent, .. } = subject
            && self.tables.get(parent).is_none_or(|p| p.subject.is_none())
        {
            return Err(format!(
                "{name}: parent {parent} is not a table with a subject"
            ));
        }
        Ok(())
    }

    /// The tables holding a user's personal data, by name.
    pub fn about_users(&self) -> impl Iterator<Item = (&str, &Table)> {
        self.tables
            .iter()
            .filter(|(_, t)| t.subject.is_some())
            .map(|(n, t)| (n.as_str(), t))
    }
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
        let text = "[t]\nsubject = \"user_id\"\n[t.columns]\nuser_id = \"kept\"\n";
        let err = Register::parse(text).unwrap_err();
        assert!(err.contains("not classified"), "{err}");
    }

    #[test]
    fn a_parent_must_be_about_users() {
        let text = "[p.columns]\nid = \"none\"\n\
                    [t]\nsubject = \"p_id > p\"\n[t.columns]\np_id = \"subject\"\n";
        let err = Register::parse(text).unwrap_err();
        assert!(err.contains("parent p"), "{err}");
    }

    #[test]
    fn an_unknown_class_is_refused() {
        assert!(Register::parse("[t.columns]\nx = \"maybe\"\n").is_err());
    }
}
