//! Getting back in: password reset and email verification by single-use, short-lived links.
//!
//! A token is 256 random bits sent in an email; only its SHA-256 digest is stored, it works
//! once, and it expires (`Links::reset_ttl`, `Links::verify_ttl`). Asking for a reset answers
//! the same whether or not the email has an account, and a reset ends every session.

use chrono::Utc;
use common::FieldCode;
use notify::{Event, Facts, Refs};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession,
    TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    Accounts, AccountsError, User,
    entity::{account_token, session, user},
    token,
    user::{PASSWORD_MAX, PASSWORD_MIN, normalize_email},
};

/// What a token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Reset,
    Verify,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "password_reset",
            Self::Verify => "verify_email",
        }
    }
}

impl Accounts {
    /// Emails a password reset link to `email` if it has a live account; otherwise does
    /// nothing, and the caller answers the same either way. Earlier unused reset links of the
    /// account stop working. Only text that is no email address at all is refused (that says
    /// nothing of any account).
    pub async fn request_password_reset<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        email: &str,
    ) -> Result<(), AccountsError> {
        let Some(email) = normalize_email(email) else {
            return Err(common::Error::invalid_field(
                "email",
                FieldCode::InvalidEmail,
                "must be an email address such as lan@example.vn",
            )
            .into());
        };
        let txn = common::begin_write(db).await?;
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::DisabledAt.is_null())
            .one(&txn)
            .await?;
        if let Some(u) = found {
            let link = self.issue(&txn, u.id, Purpose::Reset).await?;
            let facts = Facts::new()
                .secret("link", link)
                .number("minutes", self.links.reset_ttl.num_minutes());
            self.notifier
                .to_users(&txn, &[u.id], Event::PasswordReset, &facts, Refs::default())
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset token; the token is used up and every session of the
    /// account ends.
    pub async fn confirm_password_reset<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        token: &str,
        password: &str,
    ) -> Result<User, AccountsError> {
        check_password("password", password)?;
        // Hashed before the transaction: Argon2 takes a while and holds no lock meanwhile.
        let hash = self.hasher.hash(password.to_owned()).await?;
        let txn = common::begin_write(db).await?;
        let user_id = redeem(&txn, token, Purpose::Reset).await?;
        self.replace_password(&txn, user_id, hash, None).await?;
        redeemed(txn, user_id).await
    }

    /// Stores a new password hash, ends the user's sessions but `keep`, and tells the owner by
    /// email, in the caller's transaction; how many sessions ended.
    pub(crate) async fn replace_password<C: ConnectionTrait>(
        &self,
        txn: &C,
        user_id: Uuid,
        hash: String,
        keep: Option<Uuid>,
    ) -> Result<u64, AccountsError> {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id))
            .exec(txn)
            .await?;
        let ended = end_sessions(txn, user_id, keep).await?;
        self.notifier
            .to_users(
                txn,
                &[user_id],
                Event::PasswordChanged,
                &Facts::new(),
                Refs::default(),
            )
            .await?;
        Ok(ended)
    }

    /// Marks the account's email verified with a verification token.
    pub async fn verify_email<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        token: &str,
    ) -> Result<User, AccountsError> {
        let txn = common::begin_write(db).await?;
        let user_id = redeem(&txn, token, Purpose::Verify).await?;
        let now = Utc::now();
        user::Entity::update_many()
            .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::EmailVerifiedAt.is_null())
            .exec(&txn)
            .await?;
        redeemed(txn, user_id).await
    }

    /// Emails a new verification link to a user whose address is not verified yet (earlier
    /// links stop working). `false` when it is verified already.
    pub async fn resend_verification<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        user: &User,
    ) -> Result<bool, AccountsError> {
        if user.email_verified_at.is_some() {
            return Ok(false);
        }
        let txn = common::begin_write(db).await?;
        self.send_verification(&txn, user).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Writes a verification link for `user` and its email, in the caller's transaction.
    pub(crate) async fn send_verification<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &User,
    ) -> Result<(), AccountsError> {
        let link = self.issue(db, user.id, Purpose::Verify).await?;
        let facts = Facts::new()
            .secret("link", link)
            .number("minutes", self.links.verify_ttl.num_minutes());
        self.notifier
            .to_users(db, &[user.id], Event::VerifyEmail, &facts, Refs::default())
            .await?;
        Ok(())
    }

    /// A new token for `purpose` (the user's earlier unused ones of that purpose are used up),
    /// returned as the link that carries it.
    async fn issue<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: Uuid,
        purpose: Purpose,
    ) -> Result<String, AccountsError> {
        let now = Utc::now();
        account_token::Entity::update_many()
            .col_expr(account_token::Column::UsedAt, Expr::value(now))
            .filter(account_token::Column::UserId.eq(user_id))
            .filter(account_token::Column::Purpose.eq(purpose.as_str()))
            .filter(account_token::Column::UsedAt.is_null())
            .exec(db)
            .await?;
        let secret = token::generate();
        let (ttl, path) = match purpose {
            Purpose::Reset => (self.links.reset_ttl, "reset-password"),
            Purpose::Verify => (self.links.verify_ttl, "verify-email"),
        };
        account_token::Entity::insert(account_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            purpose: Set(purpose.as_str().into()),
            token_hash: Set(token::digest(&secret)),
            expires_at: Set(now + ttl),
            used_at: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
        let base = self.links.app_url.trim_end_matches('/');
        Ok(format!("{base}/{path}?token={secret}"))
    }
}

/// Uses up a live token of `purpose`; the user it was for. Two requests with one token: the
/// conditional update lets exactly one through.
async fn redeem<C: ConnectionTrait>(
    txn: &C,
    secret: &str,
    purpose: Purpose,
) -> Result<Uuid, AccountsError> {
    if !token::well_formed(secret) {
        return Err(AccountsError::InvalidLink);
    }
    let now = Utc::now();
    let digest = token::digest(secret);
    let found = account_token::Entity::find()
        .filter(account_token::Column::TokenHash.eq(&digest))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::ExpiresAt.gt(now))
        .one(txn)
        .await?
        .ok_or(AccountsError::InvalidLink)?;
    let used = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::Id.eq(found.id))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(AccountsError::InvalidLink);
    }
    let live = user::Entity::find_by_id(found.user_id)
        .filter(user::Column::DisabledAt.is_null())
        .one(txn)
        .await?;
    live.map(|u| u.id).ok_or(AccountsError::InvalidLink)
}

/// Commits the redemption of a link in `txn` and answers the user it was for, as it is now.
async fn redeemed<T: ConnectionTrait + TransactionSession>(
    txn: T,
    user_id: Uuid,
) -> Result<User, AccountsError> {
    let u = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AccountsError::InvalidLink)?;
    txn.commit().await?;
    Ok(u.into())
}

/// Revokes the user's live sessions, all but `keep`.
pub(crate) async fn end_sessions<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<u64, AccountsError> {
    let mut q = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        q = q.filter(session::Column::Id.ne(keep));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Checks a new password's length, naming `field`.
pub(crate) fn check_password(field: &str, password: &str) -> Result<(), AccountsError> {
    let mut v = common::validate::Validator::new();
    let len = password.chars().count();
    v.check(
        (PASSWORD_MIN..=PASSWORD_MAX).contains(&len),
        field,
        FieldCode::LengthOutOfRange,
        format!("must have {PASSWORD_MIN} to {PASSWORD_MAX} characters"),
    );
    v.finish()?;
    Ok(())
}
