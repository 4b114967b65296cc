//! Password hashing with argon2id at the RustCrypto defaults (m = 19 MiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow and CPU-bound, so it runs on threads of its own: one fewer than
//! the machine has cores (at least one), at a low CPU priority. A crowd signing in queues here,
//! and the scheduler still runs request handlers first, so gateway verification and page loads
//! keep their latency while passwords are checked (README § Performance).

use crate::accounts::password::Password;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

/// How much nicer than the server the hashing threads are: the scheduler favours request handlers
/// about tenfold, yet a machine saturated with requests still finishes sign-ins.
const HASHING_NICENESS: i32 = 10;
#[cfg(target_os = "linux")]
const MAX_NICENESS: i32 = 19;

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing threads are gone")]
    Closed,
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone, Debug)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// How many password checks have run, real or dummy. Lets tests prove that an unknown address
    /// costs a full check, without timing anything.
    pub verifications: Arc<AtomicU64>,
}

impl Default for PasswordHasher {
    /// Starts the hashing threads; they stop when the last clone of the hasher is dropped.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores.saturating_sub(1).max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hashing-{n}"))
                .spawn(move || run_jobs(&queue))
                // Without a thread to hash on, no one could sign in: failing at start-up is right.
                .expect("start a password hashing thread");
        }
        Self {
            jobs,
            verifications: Arc::default(),
        }
    }
}

fn run_jobs(queue: &Mutex<mpsc::Receiver<Job>>) {
    lower_this_threads_priority();
    loop {
        let job = queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
        let Ok(job) = job else {
            return; // every hasher is gone
        };
        // A panicking job drops its answer channel, which its caller sees as `Closed`; the
        // thread lives on for the next one.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    use rustix::process::{getpriority_process, setpriority_process};
    // Given a thread id, Linux reads and sets the niceness of that thread alone.
    let this_thread = Some(rustix::thread::gettid());
    let lowered = getpriority_process(this_thread)
        .and_then(|nice| setpriority_process(this_thread, (nice + HASHING_NICENESS).min(MAX_NICENESS)));
    if let Err(error) = lowered {
        tracing::warn!(error = %error, "password hashing runs at the server's own priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

impl PasswordHasher {
    /// Runs `work` on a hashing thread and waits for its answer without blocking the runtime.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, HashingError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| HashingError::Closed)?;
        answered.await.map_err(|_| HashingError::Closed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, HashingError> {
        let password = password.expose().to_owned();
        self.run(move || hash_blocking(&password)).await?
    }

    /// Checks `candidate` against `stored`; with `stored = None` (no such account) it checks against
    /// a dummy hash instead, so that an unknown email costs the same time as a wrong password.
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> Result<bool, HashingError> {
        let candidate = candidate.to_owned();
        let (stored, is_real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (dummy_hash().to_owned(), false),
        };
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let matches = self
            .run(move || {
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

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_runs_at_a_lower_priority_than_requests() {
        let hasher = PasswordHasher::default();
        let nice_of_this_thread = || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let request_niceness = nice_of_this_thread();
        let hashing_niceness = hasher.run(nice_of_this_thread).await.unwrap();
        assert_eq!(
            hashing_niceness,
            (request_niceness + HASHING_NICENESS).min(MAX_NICENESS)
        );
        assert!(request_niceness == MAX_NICENESS || hashing_niceness > request_niceness);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::default();
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }
}
