//! The use cases of published policies: read them, publish a version (administrators,
//! audited), say what a user must still accept, record a consent, and open an account that
//! accepts the policies. Every use case that depends on the time takes `now` from its caller,
//! so a test moves time instead of waiting.

use std::net::IpAddr;

use accounts::{Accounts, NewUser, User};
use catalog::audit::{self, Action, Subject};
use chrono::{DateTime, Utc};
use common::{Actor, Stored, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{
    Acceptance, Consent, Head, NewVersion, PendingPolicy, Policy, PolicyKind, acceptance_error,
    check_new_version, entity as policy, in_effect, pending, registration_errors,
};
use crate::ComplianceError;

/// The published policies and the consents given to them.
#[derive(Clone)]
pub struct Policies {
    accounts: Accounts,
}

impl Policies {
    /// Policies whose consents are kept by `accounts`.
    pub fn new(accounts: Accounts) -> Self {
        Self { accounts }
    }

    /// The version in effect at `now` of each kind that has one, in the order of
    /// [`PolicyKind::ALL`].
    pub async fn current<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<Vec<Policy>, ComplianceError> {
        let heads = heads(db).await?;
        let ids: Vec<(PolicyKind, i32)> = in_effect(&heads, now)
            .into_iter()
            .map(|h| (h.kind, h.version))
            .collect();
        let mut rows = Vec::with_capacity(ids.len());
        for (kind, version) in ids {
            rows.push(version_of(db, kind, version).await?);
        }
        Ok(rows)
    }

    /// A kind's version `version`, or the one in effect at `now` when `version` is `None`;
    /// not found when there is none.
    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        kind: PolicyKind,
        version: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<Policy, ComplianceError> {
        let version = match version {
            Some(v) => v,
            None => {
                let heads = heads(db).await?;
                in_effect(&heads, now)
                    .iter()
                    .find(|h| h.kind == kind)
                    .map(|h| h.version)
                    .ok_or_else(|| common::Error::not_found("Policy"))?
            }
        };
        version_of(db, kind, version).await
    }

    /// Publishes the next version of `kind` (administrators only), effective at
    /// `input.effective_from` or `now`; the audit log records who published what.
    pub async fn publish<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        kind: PolicyKind,
        input: NewVersion,
        now: DateTime<Utc>,
    ) -> Result<Policy, ComplianceError> {
        let admin = actor.require_admin()?;
        let checked = check_new_version(&input, now)?;
        let txn = common::begin_write(db).await?;
        let last = policy::Entity::find()
            .filter(policy::Column::Kind.eq(kind.as_str()))
            .order_by_desc(policy::Column::Version)
            .one(&txn)
            .await?
            .map_or(0, |m| m.version);
        let row = policy::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(kind.as_str().to_owned()),
            version: Set(last + 1),
            title: Set(checked.title),
            body: Set(checked.body),
            effective_from: Set(checked.effective_from),
            published_at: Set(now),
            published_by: Set(Some(admin)),
        }
        .insert(&txn)
        .await
        .map_err(published_at_once)?;
        let published = Policy::try_from(row.clone())?;
        audit::record(
            &txn,
            admin,
            Action::PolicyPublish,
            Subject::Policy(row.id),
            None,
            None,
            Some(serde_json::json!({
                "kind": kind.as_str(),
                "version": published.version,
                "title": published.title,
                "effective_from": published.effective_from,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(published)
    }

    /// The policies `user_id` must accept before ordering, at `now`: the versions in effect of
    /// [`super::ACCEPTED_BY_USERS`] they have not accepted.
    pub async fn pending<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingPolicy>, ComplianceError> {
        let heads = heads(db).await?;
        let accepted: Vec<Acceptance> = self
            .accounts
            .consents::<PolicyKind, _>(db, user_id)
            .await?
            .into_iter()
            .map(|c| Acceptance {
                kind: c.kind,
                version: c.version,
            })
            .collect();
        Ok(pending(&in_effect(&heads, now), &accepted))
    }

    /// Succeeds when `user_id` has nothing pending at `now`; otherwise `PolicyNotAccepted`
    /// naming what is: the gate before ordering.
    pub async fn require_accepted<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), ComplianceError> {
        let pending = self.pending(db, user_id, now).await?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(ComplianceError::PolicyNotAccepted(pending))
        }
    }

    /// Records that the signed-in `actor` accepts `given`, which must be the version in
    /// effect at `now` of its kind (anything else is refused naming `version`, or `kind` for a
    /// kind with no version in effect).
    pub async fn accept<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        given: Acceptance,
        client: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<Consent, ComplianceError> {
        let user_id = actor.require_user()?;
        let heads = heads(db).await?;
        let current = in_effect(&heads, now);
        let field = if current.iter().any(|h| h.kind == given.kind) {
            "version"
        } else {
            "kind"
        };
        if let Some(e) = acceptance_error(field, &given, &current) {
            return Err(common::Error::validation(vec![e]).into());
        }
        let mut recorded = self
            .accounts
            .record_consents(db, user_id, &[given], client, now)
            .await?;
        recorded.pop().ok_or_else(|| {
            common::Error::internal("a consent was recorded but not returned").into()
        })
    }

    /// Every consent the signed-in `actor` gave, newest first.
    pub async fn consents<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
    ) -> Result<Vec<Consent>, ComplianceError> {
        let user_id = actor.require_user()?;
        Ok(self.accounts.consents(db, user_id).await?)
    }

    /// Opens an account. With `accepted`, it must hold the versions in effect at `now` of
    /// [`super::ACCEPTED_BY_USERS`] (and only versions in effect), each recorded as a consent
    /// of its own with the account; every bad field, the account's and the policies', is named
    /// at once. Without it nothing is taken as accepted: the account is made with those
    /// policies pending, and it may not order until they are accepted.
    pub async fn register<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        input: NewUser,
        accepted: Option<Vec<Acceptance>>,
        client: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<User, ComplianceError> {
        let Some(mut accepted) = accepted else {
            return Ok(self
                .accounts
                .register_consenting::<PolicyKind, _>(db, input, &[], client, now)
                .await?);
        };
        let heads = heads(db).await?;
        let mut fields = accounts::service::check_new_user(&input)
            .err()
            .map(|e| e.fields)
            .unwrap_or_default();
        fields.extend(registration_errors(&accepted, &in_effect(&heads, now)));
        if !fields.is_empty() {
            return Err(common::Error::validation(fields).into());
        }
        // One record per version accepted, however often the request names it.
        accepted.sort_by_key(|a| (a.kind, a.version));
        accepted.dedup();
        Ok(self
            .accounts
            .register_consenting(db, input, &accepted, client, now)
            .await?)
    }
}

/// Every version's kind, number, title and date, without the texts.
async fn heads<C: ConnectionTrait>(db: &C) -> Result<Vec<Head>, ComplianceError> {
    let rows: Vec<(String, i32, String, DateTime<Utc>)> = policy::Entity::find()
        .select_only()
        .column(policy::Column::Kind)
        .column(policy::Column::Version)
        .column(policy::Column::Title)
        .column(policy::Column::EffectiveFrom)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(kind, version, title, effective_from)| {
            Ok(Head {
                kind: stored(&kind)?,
                version,
                title,
                effective_from,
            })
        })
        .collect()
}

/// Version `version` of `kind`, or not found.
async fn version_of<C: ConnectionTrait>(
    db: &C,
    kind: PolicyKind,
    version: i32,
) -> Result<Policy, ComplianceError> {
    let row = policy::Entity::find()
        .filter(policy::Column::Kind.eq(kind.as_str()))
        .filter(policy::Column::Version.eq(version))
        .one(db)
        .await?
        .ok_or_else(|| common::Error::not_found("Policy"))?;
    Ok(Policy::try_from(row)?)
}

/// Two versions of one kind published at the same moment: the second is told to look again.
fn published_at_once(e: sea_orm::DbErr) -> ComplianceError {
    if common::db::is_unique_violation(&e) {
        common::Error::conflict(
            "version_conflict",
            "Another version of this policy was published at the same moment; look at the \
             policy again and publish yours after it.",
        )
        .into()
    } else {
        e.into()
    }
}

impl TryFrom<policy::Model> for Policy {
    type Error = common::Error;

    /// The version a row holds; a row of an unknown kind is corrupt.
    fn try_from(m: policy::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            kind: stored(&m.kind)?,
            version: m.version,
            title: m.title,
            body: m.body,
            effective_from: m.effective_from,
        })
    }
}
