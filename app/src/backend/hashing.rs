//! Password hashing with argon2id at the RustCrypto defaults (m = 19 MiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow and CPU-bound, so it runs on the blocking pool behind a semaphore
//! sized to the machine: a burst of sign-ins queues here instead of starving every other request.

use crate::accounts::password::Password;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task did not finish")]
    Join(#[from] tokio::task::JoinError),
    #[error("the hashing pool is closed")]
    Closed,
}

#[derive(Clone, Debug)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// How many password checks have run, real or dummy. Lets tests prove that an unknown address
    /// costs a full check, without timing anything.
    pub verifications: Arc<AtomicU64>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            // One core always stays with the request handlers, so that gateway verification
            // keeps its latency while a crowd signs in (README § Performance).
            permits: Arc::new(Semaphore::new(cores.saturating_sub(1).max(1))),
            verifications: Arc::default(),
        }
    }
}

impl PasswordHasher {
    pub async fn hash(&self, password: &Password) -> Result<String, HashingError> {
        let password = password.expose().to_owned();
        let _permit = self.permits.acquire().await.map_err(|_| HashingError::Closed)?;
        tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
    }

    /// Checks `candidate` against `stored`; with `stored = None` (no such account) it checks against
    /// a dummy hash instead, so that an unknown email costs the same time as a wrong password.
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> Result<bool, HashingError> {
        let candidate = candidate.to_owned();
        let (stored, is_real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (dummy_hash().to_owned(), false),
        };
        let _permit = self.permits.acquire().await.map_err(|_| HashingError::Closed)?;
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|parsed| Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await?;
        Ok(matches && is_real)
    }
}

fn hash_blocking(password: &str) -> Result<String, HashingError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashingError::Hash(e.to_string()))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        // A hash of a random value that nobody knows, made once with the same parameters as real ones.
        let random = crate::backend::tokens::random_token();
        // Hashing cannot fail with the default parameters and a generated salt.
        hash_blocking(&random).expect("argon2 with default parameters hashes any input")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_and_no_other() {
        let hasher = PasswordHasher::default();
        let password = Password::parse_length("violet-otter-carries-17-maps").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(
            hasher
                .verify("violet-otter-carries-17-maps", Some(&hash))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("violet-otter-carries-17-map", Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::default();
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }
}
