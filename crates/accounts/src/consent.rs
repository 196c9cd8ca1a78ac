//! Consents: a user's acceptance of one version of a published policy, kept as a record of
//! who accepted which version, when and from which client address.
//!
//! The records are append-only: this module inserts and reads them, nothing in the crate removes
//! one, and the only change one ever sees is the loss of its client address when the account
//! is erased or the address's retention period ends (the gateway's erasure and retention job,
//! which follow the register of personal data; a test holds this crate's sources to that), so
//! the history a user or an inspector reads is the history that happened. Accepting a policy again, or a new version of it, adds a record.
//!
//! Which policies exist and which version of each is in effect is the compliance crate's
//! business; this one stores consents of any closed set of kinds (`K`, stored through
//! [`Stored`]), so it knows no policy and reads no other crate's table.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use common::{Stored, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use crate::{Accounts, AccountsError, NewUser, User, entity::consent};

/// A version of a policy of kind `K` being accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acceptance<K> {
    /// The policy.
    pub kind: K,
    /// Its version.
    pub version: i32,
}

/// A recorded consent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent<K> {
    /// Its id.
    pub id: Uuid,
    /// Who accepted.
    pub user_id: Uuid,
    /// The policy accepted.
    pub kind: K,
    /// The version accepted.
    pub version: i32,
    /// When.
    pub accepted_at: DateTime<Utc>,
    /// The client address the acceptance came from, when known.
    pub client_address: Option<String>,
}

impl<K: Stored> TryFrom<consent::Model> for Consent<K> {
    type Error = common::Error;

    /// The consent a row holds; a row of an unknown kind is corrupt.
    fn try_from(m: consent::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: m.id,
            user_id: m.user_id,
            kind: stored(&m.kind)?,
            version: m.version,
            accepted_at: m.accepted_at,
            client_address: m.client_address,
        })
    }
}

impl Accounts {
    /// Records that `user_id` accepted each of `accepted` at `at`, from `client`; one record
    /// each, in the caller's transaction.
    pub async fn record_consents<K: Stored, C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        accepted: &[Acceptance<K>],
        client: Option<IpAddr>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Consent<K>>, AccountsError> {
        let mut out = Vec::with_capacity(accepted.len());
        for a in accepted {
            let row = consent::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id),
                kind: Set(a.kind.as_str().to_owned()),
                version: Set(a.version),
                accepted_at: Set(at),
                client_address: Set(client.map(|ip| ip.to_string())),
            }
            .insert(db)
            .await?;
            out.push(Consent::try_from(row)?);
        }
        Ok(out)
    }

    /// Every consent `user_id` gave, newest first.
    pub async fn consents<K: Stored, C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
    ) -> Result<Vec<Consent<K>>, AccountsError> {
        consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .order_by_desc(consent::Column::AcceptedAt)
            .order_by_desc(consent::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|m| Consent::try_from(m).map_err(AccountsError::from))
            .collect()
    }

    /// Removes the client addresses of `user_id`'s consents (when the account is erased): the
    /// one change a consent ever sees. Who accepted which version and when stays, the proof the
    /// floor keeps. How many records lost an address.
    pub async fn forget_consent_addresses<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
    ) -> Result<u64, AccountsError> {
        let res = consent::Entity::update_many()
            .col_expr(
                consent::Column::ClientAddress,
                Expr::value(Option::<String>::None),
            )
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::ClientAddress.is_not_null())
            .exec(db)
            .await?;
        Ok(res.rows_affected)
    }

    /// Opens an account that accepts `accepted` at `at` from `client`, and emails a link that
    /// verifies its address: the account and its consents are made together or not at all.
    pub async fn register_consenting<K: Stored, C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        input: NewUser,
        accepted: &[Acceptance<K>],
        client: Option<IpAddr>,
        at: DateTime<Utc>,
    ) -> Result<User, AccountsError> {
        let txn = common::begin_write(db).await?;
        let user = self.create(&txn, input, false).await?;
        self.record_consents(&txn, user.id, accepted, client, at)
            .await?;
        self.send_verification(&txn, &user).await?;
        txn.commit().await?;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    /// Nothing in the crate removes a consent, and the one update of the table
    /// ([`crate::Accounts::forget_consent_addresses`]) sets the client address alone.
    #[test]
    fn no_source_of_the_crate_removes_a_consent_or_changes_what_it_proves() {
        // Written in pieces so this test does not find itself.
        let removing = [
            ["consent::Entity::", "delete"].concat(),
            ["consent::ActiveModel", "::update"].concat(),
            ["consent::ActiveModel", "::delete"].concat(),
            ["UPDATE ", "consents"].concat(),
            ["DELETE FROM ", "consents"].concat(),
        ];
        let update = ["consent::Entity::", "update"].concat();
        let column = ["col_expr(", "consent::Column::"].concat();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        let (mut read, mut updates) = (0, 0);
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                // Without white space, however a statement is laid out.
                let source: String = std::fs::read_to_string(&path)
                    .unwrap()
                    .split_whitespace()
                    .collect();
                read += 1;
                for f in &removing {
                    let f: String = f.split_whitespace().collect();
                    assert!(!source.contains(&f), "{} holds {f:?}", path.display());
                }
                for (at, _) in source.match_indices(update.as_str()) {
                    updates += 1;
                    let statement = &source[at..];
                    let statement = &statement[..statement.find(".exec(").unwrap()];
                    let set: Vec<_> = statement
                        .match_indices(column.as_str())
                        .map(|(i, _)| {
                            let rest = &statement[i + column.len()..];
                            &rest[..rest.find(',').unwrap()]
                        })
                        .collect();
                    assert_eq!(
                        set,
                        ["ClientAddress"],
                        "{} changes a consent",
                        path.display()
                    );
                }
            }
        }
        assert!(read > 5, "the sources were read");
        assert_eq!(
            updates, 1,
            "one update of consents: forgetting their addresses"
        );
    }
}
