//! An account's own settings (name, phone, password, sessions) and what administrators and
//! operators do to accounts (disable, enable, set a password, promote).

use chrono::{DateTime, Utc};
use common::{Actor, FieldCode, validate::Validator};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    Accounts, AccountsError, User,
    entity::{session, user},
    recovery::{check_password, end_sessions},
    token,
    user::normalize_email,
};

/// What a user may change of themselves; absent fields stay as they are.
#[derive(Clone, Debug, Default)]
pub struct ProfileChange {
    /// A new name, 1 to 100 characters.
    pub full_name: Option<String>,
    /// A new Vietnamese phone number; `Some("")` removes it.
    pub phone: Option<String>,
}

/// A live session as its owner sees it.
#[derive(Clone, Debug, Serialize)]
pub struct SessionView {
    /// Its id.
    pub id: Uuid,
    /// When it was opened (signed in).
    pub created_at: DateTime<Utc>,
    /// When it ends by itself.
    pub expires_at: DateTime<Utc>,
    /// Whether it is the session of this request.
    pub current: bool,
}

impl Accounts {
    /// Changes the caller's name or phone.
    pub async fn update_profile<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        change: ProfileChange,
    ) -> Result<User, AccountsError> {
        let mut v = Validator::new();
        let full_name = change
            .full_name
            .as_deref()
            .map(|n| v.text("full_name", n, 1, 100));
        let phone = change
            .phone
            .as_deref()
            .map(|p| crate::user::checked_phone(&mut v, p));
        v.finish()?;
        let mut q = user::Entity::update_many()
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id));
        if let Some(name) = full_name {
            q = q.col_expr(user::Column::FullName, Expr::value(name));
        }
        if let Some(phone) = phone {
            q = q.col_expr(user::Column::Phone, Expr::value(phone));
        }
        q.exec(db).await?;
        self.user(db, user_id).await
    }

    /// Changes the caller's password, which needs the current one; every other session ends
    /// (the one of `bearer` stays) and the user is told by email.
    pub async fn change_password<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        bearer: &str,
        current: &str,
        new: &str,
    ) -> Result<u64, AccountsError> {
        check_password("new", new)?;
        let u = user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .ok_or(AccountsError::InvalidToken)?;
        let current_ok = current.chars().count() <= crate::user::PASSWORD_MAX
            && self
                .hasher
                .verify(current.to_owned(), u.password_hash.clone())
                .await?;
        if !current_ok {
            return Err(common::Error::invalid_field(
                "current",
                FieldCode::WrongPassword,
                "is not your current password",
            )
            .into());
        }
        let hash = self.hasher.hash(new.to_owned()).await?;
        let keep = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token::digest(bearer)))
            .one(db)
            .await?
            .map(|s| s.id);
        let txn = common::begin_write(db).await?;
        let ended = self.replace_password(&txn, user_id, hash, keep).await?;
        txn.commit().await?;
        Ok(ended)
    }

    /// The caller's live sessions, newest first.
    pub async fn sessions<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        bearer: &str,
    ) -> Result<Vec<SessionView>, AccountsError> {
        let mine = token::digest(bearer);
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .order_by_desc(session::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|s| SessionView {
                current: s.token_hash == mine,
                id: s.id,
                created_at: s.created_at,
                expires_at: s.expires_at,
            })
            .collect())
    }

    /// Ends one of the caller's sessions; another user's is not found.
    pub async fn revoke_session<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<(), AccountsError> {
        let res = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(db)
            .await?;
        if res.rows_affected == 0 {
            return Err(common::Error::not_found("Session").into());
        }
        Ok(())
    }

    /// Disables (`true`) or enables an account (administrators, in the caller's transaction).
    /// Disabling ends its sessions at once; an administrator cannot disable themselves, nor
    /// enable an erased account.
    pub async fn set_disabled<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        user_id: Uuid,
        disabled: bool,
    ) -> Result<User, AccountsError> {
        let admin = actor.require_admin()?;
        if disabled && admin == user_id {
            return Err(common::Error::conflict(
                "cannot_disable_self",
                "An administrator cannot disable their own account.",
            )
            .into());
        }
        let u = self.user(db, user_id).await?;
        if !disabled && u.erased_at.is_some() {
            return Err(common::Error::conflict(
                "account_erased",
                "This account was erased by its owner; it cannot be enabled again (its owner may \
                 register anew).",
            )
            .into());
        }
        let now = Utc::now();
        user::Entity::update_many()
            .col_expr(
                user::Column::DisabledAt,
                Expr::value(disabled.then_some(u.disabled_at.unwrap_or(now))),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(user_id))
            .exec(db)
            .await?;
        if disabled {
            end_sessions(db, user_id, None).await?;
        }
        self.user(db, user_id).await
    }

    /// Sets the password of the account with `email` (the operator's CLI); every session ends
    /// and the owner is told by email.
    pub async fn set_password<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        email: &str,
        password: &str,
    ) -> Result<User, AccountsError> {
        check_password("password", password)?;
        let u = self.by_email_or_not_found(db, email).await?;
        let hash = self.hasher.hash(password.to_owned()).await?;
        let txn = common::begin_write(db).await?;
        self.replace_password(&txn, u.id, hash, None).await?;
        txn.commit().await?;
        Ok(u)
    }

    /// Makes the account with `email` an administrator (the operator's CLI).
    pub async fn promote<C: ConnectionTrait>(
        &self,
        db: &C,
        email: &str,
    ) -> Result<User, AccountsError> {
        let u = self.by_email_or_not_found(db, email).await?;
        user::Entity::update_many()
            .col_expr(user::Column::IsAdmin, Expr::value(true))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(u.id))
            .exec(db)
            .await?;
        self.user(db, u.id).await
    }

    /// The user with this id.
    pub async fn user<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
    ) -> Result<User, AccountsError> {
        user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .map(User::from)
            .ok_or_else(|| common::Error::not_found("User").into())
    }

    /// The ids of the administrators whose accounts are not disabled, oldest first (who hears
    /// the administrators' alerts).
    pub async fn admin_ids<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<Uuid>, AccountsError> {
        Ok(user::Entity::find()
            .filter(user::Column::IsAdmin.eq(true))
            .filter(user::Column::DisabledAt.is_null())
            .order_by_asc(user::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect())
    }

    /// The hash of a random password nobody is told: what an erased account keeps, so no
    /// password signs in to it (and signing in answers `invalid_credentials` as for any wrong
    /// password, never an error about the stored hash).
    pub async fn unusable_password_hash(&self) -> Result<String, AccountsError> {
        self.hasher.hash(token::generate()).await
    }

    /// Deletes the sessions that ended (expired or were revoked) before `ended_before`, the
    /// end of their retention period; live sessions are never touched. How many went.
    pub async fn prune_sessions<C: ConnectionTrait>(
        &self,
        db: &C,
        ended_before: DateTime<Utc>,
    ) -> Result<u64, AccountsError> {
        let ended = sea_orm::Condition::any()
            .add(session::Column::ExpiresAt.lt(ended_before))
            .add(session::Column::RevokedAt.lt(ended_before));
        let res = session::Entity::delete_many()
            .filter(ended)
            .exec(db)
            .await?;
        Ok(res.rows_affected)
    }

    async fn by_email_or_not_found<C: ConnectionTrait>(
        &self,
        db: &C,
        email: &str,
    ) -> Result<User, AccountsError> {
        let Some(email) = normalize_email(email) else {
            return Err(common::Error::invalid_field(
                "email",
                FieldCode::InvalidEmail,
                "must be an email address",
            )
            .into());
        };
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?
            .map(User::from)
            .ok_or_else(|| common::Error::not_found("User").into())
    }
}
