//! Use cases of the accounts crate: register, log in, authenticate a token, log out.

use chrono::{DateTime, Duration, Utc};
use common::{FieldCode, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    AccountsError, User,
    entity::{session, user},
    password::PasswordHasher,
    token,
    user::{PASSWORD_MAX, PASSWORD_MIN, normalize_email},
};

/// What it takes to open an account.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Email address; normalised before it is stored.
    pub email: String,
    /// Password in clear; only its Argon2id hash is stored.
    pub password: String,
    /// Name shown to vendors and on orders.
    pub full_name: String,
    /// Optional Vietnamese phone number.
    pub phone: Option<String>,
}

/// A successful login.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    /// The bearer token; shown this once and never stored.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub user: User,
}

/// Where the links of account emails lead, and how long they work.
#[derive(Clone, Debug)]
pub struct Links {
    /// The shop's address; links are `{app_url}/reset-password?token=…` and
    /// `{app_url}/verify-email?token=…`.
    pub app_url: String,
    /// How long a password reset link works.
    pub reset_ttl: Duration,
    /// How long an email verification link works.
    pub verify_ttl: Duration,
}

impl Default for Links {
    fn default() -> Self {
        Self {
            app_url: "http://127.0.0.1:8080".into(),
            reset_ttl: Duration::minutes(30),
            verify_ttl: Duration::hours(48),
        }
    }
}

/// The accounts service.
#[derive(Clone)]
pub struct Accounts {
    pub(crate) hasher: PasswordHasher,
    session_ttl: Duration,
    pub(crate) notifier: notify::Notifier,
    pub(crate) links: Links,
}

impl Accounts {
    /// A service whose tokens live for `session_ttl`.
    pub fn new(session_ttl: Duration) -> Self {
        Self {
            hasher: PasswordHasher::new(),
            session_ttl,
            notifier: notify::Notifier::default(),
            links: Links::default(),
        }
    }

    /// The same service writing notifications with `notifier` and links as `links` say.
    pub fn with_notifications(mut self, notifier: notify::Notifier, links: Links) -> Self {
        self.notifier = notifier;
        self.links = links;
        self
    }

    /// Opens an account and emails a link that verifies its address. Every bad field is
    /// reported at once; a taken email is `EmailTaken`.
    pub async fn register<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        input: NewUser,
    ) -> Result<User, AccountsError> {
        let txn = common::begin_write(db).await?;
        let user = self.create(&txn, input, false).await?;
        self.send_verification(&txn, &user).await?;
        txn.commit().await?;
        Ok(user)
    }

    /// Opens an account, an administrator's when `is_admin` (for the operator's CLI only).
    pub async fn create<C: ConnectionTrait>(
        &self,
        db: &C,
        input: NewUser,
        is_admin: bool,
    ) -> Result<User, AccountsError> {
        let Checked {
            email,
            full_name,
            phone,
        } = check(&input)?;
        if user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(db)
            .await?
            .is_some()
        {
            return Err(AccountsError::EmailTaken);
        }
        let password_hash = self.hasher.hash(input.password).await?;
        let now = Utc::now();
        let model = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email),
            password_hash: Set(password_hash),
            full_name: Set(full_name),
            phone: Set(phone),
            is_admin: Set(is_admin),
            created_at: Set(now),
            updated_at: Set(now),
            email_verified_at: Set(None),
            disabled_at: Set(None),
            erased_at: Set(None),
        };
        // Two registrations may race past the check above; the unique index decides.
        match model.insert(db).await {
            Ok(m) => Ok(m.into()),
            Err(e) if is_unique_violation(&e) => Err(AccountsError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks the password and issues a token. An unknown email and a wrong password fail the
    /// same way and take the same time.
    pub async fn login<C: ConnectionTrait>(
        &self,
        db: &C,
        email: &str,
        password: &str,
    ) -> Result<LoginOutcome, AccountsError> {
        let found = match normalize_email(email) {
            Some(email) => {
                user::Entity::find()
                    .filter(user::Column::Email.eq(email))
                    .one(db)
                    .await?
            }
            None => None,
        };
        let password_ok = match (&found, password.chars().count() <= PASSWORD_MAX) {
            (Some(u), true) => {
                self.hasher
                    .verify(password.to_owned(), u.password_hash.clone())
                    .await?
            }
            _ => {
                self.hasher.verify_dummy(password.to_owned()).await?;
                false
            }
        };
        let Some(found) = found.filter(|_| password_ok) else {
            return Err(AccountsError::InvalidCredentials);
        };
        if found.disabled_at.is_some() {
            return Err(AccountsError::Disabled);
        }

        let now = Utc::now();
        // Expired sessions of this user are of no use to anyone: sweep them as we go.
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(found.id))
            .filter(session::Column::ExpiresAt.lt(now))
            .exec(db)
            .await?;
        let token = token::generate();
        let expires_at = now + self.session_ttl;
        session::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(found.id),
            token_hash: Set(token::digest(&token)),
            created_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
        }
        .insert(db)
        .await?;
        Ok(LoginOutcome {
            token,
            expires_at,
            user: found.into(),
        })
    }

    /// The user a live token belongs to.
    pub async fn authenticate<C: ConnectionTrait>(
        &self,
        db: &C,
        bearer: &str,
    ) -> Result<User, AccountsError> {
        if !token::well_formed(bearer) {
            return Err(AccountsError::InvalidToken);
        }
        let live = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token::digest(bearer)))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(db)
            .await?
            .ok_or(AccountsError::InvalidToken)?;
        let found = user::Entity::find_by_id(live.user_id)
            .filter(user::Column::DisabledAt.is_null())
            .one(db)
            .await?
            .ok_or(AccountsError::InvalidToken)?;
        Ok(found.into())
    }

    /// The user with `email` (normalised first), if any.
    pub async fn find_by_email<C: ConnectionTrait>(
        &self,
        db: &C,
        email: &str,
    ) -> Result<Option<User>, AccountsError> {
        let Some(email) = normalize_email(email) else {
            return Ok(None);
        };
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?
            .map(User::from))
    }

    /// The users with these ids (unknown ids are skipped).
    pub async fn users_by_ids<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[Uuid],
    ) -> Result<Vec<User>, AccountsError> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(User::from)
            .collect())
    }

    /// Revokes a token; it stops working at once. Revoking a dead token is not an error.
    pub async fn logout<C: ConnectionTrait>(
        &self,
        db: &C,
        bearer: &str,
    ) -> Result<(), AccountsError> {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(session::Column::TokenHash.eq(token::digest(bearer)))
            .filter(session::Column::RevokedAt.is_null())
            .exec(db)
            .await?;
        Ok(())
    }
}

pub(crate) use common::db::is_unique_violation;

/// What [`check_new_user`] makes of a new account's fields.
struct Checked {
    email: String,
    full_name: String,
    phone: Option<String>,
}

/// Checks the fields of a new account without the database (whether the email is taken is
/// the database's to say): every bad field at once, for a use case that checks more of the
/// request and answers every bad field together.
pub fn check_new_user(input: &NewUser) -> Result<(), common::Error> {
    check(input).map(|_| ())
}

fn check(input: &NewUser) -> Result<Checked, common::Error> {
    let mut v = Validator::new();
    let email = normalize_email(&input.email);
    v.check(
        email.is_some(),
        "email",
        FieldCode::InvalidEmail,
        "must be an email address such as lan@example.vn",
    );
    v.check(
        !email.as_deref().is_some_and(crate::user::is_reserved_email),
        "email",
        FieldCode::InvalidEmail,
        "must not be on a domain reserved for no mail (.invalid, .localhost)",
    );
    let password_len = input.password.chars().count();
    v.check(
        (PASSWORD_MIN..=PASSWORD_MAX).contains(&password_len),
        "password",
        FieldCode::LengthOutOfRange,
        format!("must have {PASSWORD_MIN} to {PASSWORD_MAX} characters"),
    );
    let full_name = v.text("full_name", &input.full_name, 1, 100);
    let phone = input
        .phone
        .as_deref()
        .and_then(|p| crate::user::checked_phone(&mut v, p));
    match (v.finish(), email) {
        (Ok(()), Some(email)) => Ok(Checked {
            email,
            full_name,
            phone,
        }),
        (Err(e), _) => Err(e),
        // The check above reported it; kept apart so no address is ever made up.
        (Ok(()), None) => Err(common::Error::invalid_field(
            "email",
            FieldCode::InvalidEmail,
            "must be an email address such as lan@example.vn",
        )),
    }
}
