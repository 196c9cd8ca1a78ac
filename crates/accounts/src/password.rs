//! Password hashing with Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane), run on
//! blocking threads so the async workers keep serving, with a cap on how many run at once so a
//! burst of logins cannot exhaust memory.

use std::sync::{Arc, OnceLock};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{
        PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng,
    },
};
use tokio::sync::Semaphore;

use crate::AccountsError;

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    dummy: Arc<OnceLock<String>>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordHasher {
    /// A hasher allowing two hashes per core at once.
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            permits: Arc::new(Semaphore::new(cores * 2)),
            dummy: Arc::new(OnceLock::new()),
        }
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, AccountsError> {
        let _permit = self.permit().await?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|e| AccountsError::Hashing(e.to_string()))?
    }

    /// Whether `password` matches `phc`. A malformed stored hash is an error, not a mismatch.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, AccountsError> {
        let _permit = self.permit().await?;
        tokio::task::spawn_blocking(move || verify_blocking(&password, &phc))
            .await
            .map_err(|e| AccountsError::Hashing(e.to_string()))?
    }

    /// Spends as long as a real verification, so a login for an unknown email takes as long as
    /// one with a wrong password and does not reveal which emails have accounts.
    pub async fn verify_dummy(&self, password: String) -> Result<(), AccountsError> {
        let _permit = self.permit().await?;
        let dummy = self.dummy.clone();
        tokio::task::spawn_blocking(move || {
            let phc = match dummy.get() {
                Some(phc) => phc.clone(),
                None => {
                    let phc = hash_blocking("not a real password")?;
                    dummy.get_or_init(|| phc).clone()
                }
            };
            verify_blocking(&password, &phc).map(|_| ())
        })
        .await
        .map_err(|e| AccountsError::Hashing(e.to_string()))?
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AccountsError> {
        self.permits
            .acquire()
            .await
            .map_err(|e| AccountsError::Hashing(e.to_string()))
    }
}

fn argon2() -> Result<Argon2<'static>, AccountsError> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| AccountsError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, AccountsError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountsError::Hashing(e.to_string()))
}

fn verify_blocking(password: &str, phc: &str) -> Result<bool, AccountsError> {
    let parsed = PasswordHash::new(phc).map_err(|e| AccountsError::Hashing(e.to_string()))?;
    // The parameters come from the stored hash, so hashes made at an older cost still verify.
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_at_owasp_cost_and_verifies() {
        let h = PasswordHasher::new();
        let phc = h.hash("mật khẩu đủ dài".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            h.verify("mật khẩu đủ dài".into(), phc.clone())
                .await
                .unwrap()
        );
        assert!(
            !h.verify("mat khau du dai".into(), phc.clone())
                .await
                .unwrap()
        );
        // Same password, fresh salt: a different hash.
        assert_ne!(h.hash("mật khẩu đủ dài".into()).await.unwrap(), phc);
        h.verify_dummy("anything".into()).await.unwrap();
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_mismatch() {
        let h = PasswordHasher::new();
        assert!(h.verify("x".into(), "not-a-phc".into()).await.is_err());
    }
}
