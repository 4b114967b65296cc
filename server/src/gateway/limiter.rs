//! Per-credential rate limits that hold across every instance sharing the database, without a
//! database write per request.
//!
//! Each credential has a fixed one-minute window counted in the `rate_limits` table. An instance
//! reserves a block of that window's budget (a thirtieth of the limit, at most 10 000 requests)
//! with one atomic upsert and spends it locally. When a block is half spent, the next one is
//! reserved in the background, and in a window's last seconds the next window's first block is
//! too, so in steady use no request waits for the database: only a credential's first request
//! after a quiet spell does (with any that arrive while its reservation is written), or one that
//! spent a block faster than the next one came back. The database total never exceeds what was
//! reserved, so no window ever serves more than its limit; what an instance reserved and did not
//! spend is lost (at most one and a half blocks), so with `n` instances a window serves at least
//! the limit minus `1.5 n` blocks (two instances: at least 90 %).

use super::usage::{IdMap, Subject};
use app::backend::rate_limit;
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

pub const WINDOW_SECONDS: i64 = 60;
/// Half a block is what an instance has left to spend while its next reservation is written, so
/// the cap sets how long a write may take before requests wait: at 40 000 requests a second,
/// 125 ms (SQLite writes were seen to take up to 42 ms; with a cap of 1 000, requests queued
/// behind them). It also bounds what a stopped instance leaves unspent.
const MAX_BLOCK: i64 = 10_000;

/// A request in its window's last five seconds reserves the next window's first block in the
/// background; before, every request of a busy credential waited at each turn of the minute for
/// that write. Five seconds leave room for the slowest reservation seen (tens of
/// milliseconds) many times over; a credential that then goes quiet leaves one block unspent in
/// a window it does not use.
const AHEAD_SECONDS: i64 = 5;

/// A subject's budget as the verify answer reports it (`rate_limit` in the body, `X-RateLimit-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Quota {
    pub limit: i64,
    pub remaining: i64,
    /// Unix time at which the window ends.
    pub reset: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allowed(Quota),
    Limited { quota: Quota, retry_after_seconds: i64 },
}

#[derive(Default)]
struct Bucket {
    window_start: i64,
    current: Budget,
    /// What this instance holds of the window after `window_start`'s, reserved ahead.
    next: Budget,
}

/// What this instance holds of one window's budget.
#[derive(Default)]
struct Budget {
    /// Reserved in the database for this window and not yet spent here.
    unspent: i64,
    /// The window's total reserved by every instance, as of this instance's last reservation.
    reserved_total: i64,
    /// The database refused a reservation: the window is used up everywhere.
    exhausted: bool,
    /// A reservation for this window is on its way to the database.
    reserving: bool,
}

impl Budget {
    fn untouched(&self) -> bool {
        !self.reserving && !self.exhausted && self.reserved_total == 0
    }
}

/// One subject's bucket, and a signal for requests waiting on its reservation.
#[derive(Default)]
struct Slot {
    bucket: Mutex<Bucket>,
    reserved: Notify,
}

impl Slot {
    fn bucket(&self) -> MutexGuard<'_, Bucket> {
        self.bucket.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct Limiter {
    db: DatabaseConnection,
    slots: Mutex<IdMap<Subject, Arc<Slot>>>,
}

/// How much of a window's budget one reservation takes.
fn block_size(limit: i64) -> i64 {
    (limit / 30).clamp(1, MAX_BLOCK)
}

/// What a request does after looking at its bucket.
enum Step {
    Answer(Admission),
    /// Reserve a block of this window now and look again.
    Reserve {
        window_start: i64,
    },
    /// Another request's reservation is on its way: wait for it and look again.
    Wait,
}

impl Limiter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            slots: Mutex::new(IdMap::default()),
        }
    }

    /// Admits one request of `subject` under `limit` per minute.
    pub async fn admit(&self, subject: Subject, limit: i64, now_unix: i64) -> Result<Admission, DbErr> {
        let clock_window = now_unix - now_unix.rem_euclid(WINDOW_SECONDS);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slots.entry(subject).or_default().clone()
        };
        loop {
            // Registered before the bucket is read, so a reservation that lands in between
            // still wakes this request.
            let reserved = slot.reserved.notified();
            let step = {
                let mut bucket = slot.bucket();
                // A request that read the clock just before the minute turned may get here after
                // another moved the bucket on. It counts against the newer window: turning the
                // bucket back would throw away that window's budget, reserved ahead or not.
                let window_start = clock_window.max(bucket.window_start);
                let reset = window_start + WINDOW_SECONDS;
                if bucket.window_start != window_start {
                    let held_ahead = bucket.window_start + WINDOW_SECONDS == window_start;
                    *bucket = Bucket {
                        window_start,
                        current: if held_ahead {
                            std::mem::take(&mut bucket.next)
                        } else {
                            Budget::default()
                        },
                        next: Budget::default(),
                    };
                }
                let budget = &mut bucket.current;
                if budget.unspent > 0 {
                    budget.unspent -= 1;
                    let quota = Quota {
                        limit,
                        remaining: (limit - budget.reserved_total + budget.unspent).clamp(0, limit),
                        reset,
                    };
                    if !budget.exhausted && !budget.reserving && budget.unspent <= block_size(limit) / 2 {
                        budget.reserving = true;
                        self.reserve_in_background(&slot, subject, limit, window_start);
                    }
                    if reset - now_unix <= AHEAD_SECONDS && bucket.next.untouched() {
                        bucket.next.reserving = true;
                        self.reserve_in_background(&slot, subject, limit, reset);
                    }
                    Step::Answer(Admission::Allowed(quota))
                } else if budget.exhausted {
                    Step::Answer(Admission::Limited {
                        quota: Quota {
                            limit,
                            remaining: 0,
                            reset,
                        },
                        retry_after_seconds: (reset - now_unix).max(1),
                    })
                } else if budget.reserving {
                    Step::Wait
                } else {
                    budget.reserving = true;
                    Step::Reserve { window_start }
                }
            };
            match step {
                Step::Answer(admission) => return Ok(admission),
                // The reservation runs as a task of its own, so that a request abandoned while it
                // waits (its client gone) cannot leave the bucket marked as reserving, with every
                // later request waiting for a reservation that never comes back.
                Step::Reserve { window_start } => {
                    let (db, slot) = (self.db.clone(), slot.clone());
                    tokio::spawn(async move { reserve(&db, &slot, subject, limit, window_start).await })
                        .await
                        .unwrap_or_else(|failed| {
                            Err(DbErr::Custom(format!("rate-limit reservation failed: {failed}")))
                        })?;
                }
                Step::Wait => reserved.await,
            }
        }
    }

    fn reserve_in_background(&self, slot: &Arc<Slot>, subject: Subject, limit: i64, window_start: i64) {
        let (db, slot) = (self.db.clone(), slot.clone());
        tokio::spawn(async move {
            if let Err(error) = reserve(&db, &slot, subject, limit, window_start).await {
                tracing::warn!(error = %error, "rate-limit reservation failed; the next request retries");
            }
        });
    }

    /// Drops buckets of windows that have ended, keeping what was reserved ahead for this one.
    pub fn forget_ended_windows(&self, now_unix: i64) {
        let current = now_unix - now_unix.rem_euclid(WINDOW_SECONDS);
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.retain(|_, slot| {
            let bucket = slot.bucket();
            let holds_this_window = bucket.window_start + WINDOW_SECONDS == current && !bucket.next.untouched();
            bucket.window_start >= current || holds_this_window || bucket.current.reserving
        });
    }
}

/// Reserves one block of `window_start`'s budget for `slot` (its current window, or the next one
/// ahead of time) and wakes the requests waiting for it. A reservation that comes back after its
/// window ended changes nothing here: the database counted it, and the budget it took is simply
/// not spent.
async fn reserve(
    db: &DatabaseConnection,
    slot: &Slot,
    subject: Subject,
    limit: i64,
    window_start: i64,
) -> Result<(), DbErr> {
    let block = block_size(limit);
    let bucket_name = format!("gateway:{}", subject.key());
    let added = rate_limit::add(db, &bucket_name, window_start, block).await;
    {
        let mut bucket = slot.bucket();
        let budget = if bucket.window_start == window_start {
            Some(&mut bucket.current)
        } else if bucket.window_start + WINDOW_SECONDS == window_start {
            Some(&mut bucket.next)
        } else {
            None
        };
        if let Some(budget) = budget {
            budget.reserving = false;
            if let Ok(total) = added {
                // The total may pass the limit; only the part of this block below it is ours.
                let granted = (block - (total - limit).max(0)).clamp(0, block);
                budget.unspent += granted;
                budget.reserved_total = budget.reserved_total.max(total.min(limit));
                budget.exhausted = granted < block;
            }
        }
    }
    slot.reserved.notify_waiters();
    added.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_a_thirtieth_of_the_limit_within_bounds() {
        assert_eq!(block_size(1), 1);
        assert_eq!(block_size(100), 3);
        assert_eq!(block_size(600), 20);
        assert_eq!(block_size(10_000_000), MAX_BLOCK);
    }

    /// A fresh SQLite database with Portico's schema, in a folder of its own (returned, to remove).
    async fn database() -> (DatabaseConnection, std::path::PathBuf) {
        use migrations::{Migrator, MigratorTrait};
        let folder = std::env::temp_dir().join(format!("portico-limiter-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&folder).unwrap();
        let url = format!("sqlite://{}/limits.sqlite3?mode=rwc", folder.display());
        let db = sea_orm::Database::connect(url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        (db, folder)
    }

    /// Reads the limiter's bucket for `subject`.
    fn bucket_of<T>(limiter: &Limiter, subject: Subject, read: impl FnOnce(&Bucket) -> T) -> T {
        let slots = limiter.slots.lock().unwrap();
        read(&slots.get(&subject).expect("a bucket").bucket())
    }

    /// What every instance has reserved of `subject`'s window so far, as the database counts it.
    async fn reserved_in_database(db: &DatabaseConnection, subject: Subject, window_start: i64) -> i64 {
        let bucket = format!("gateway:{}", subject.key());
        rate_limit::add(db, &bucket, window_start, 0).await.unwrap()
    }

    #[tokio::test]
    async fn the_next_block_is_reserved_in_the_background_once_half_of_one_is_spent() {
        let (db, folder) = database().await;
        let limiter = Limiter::new(db.clone());
        let subject = Subject::Credential(7);
        let (limit, block) = (3_000, 100);
        assert_eq!(block_size(limit), block);
        let window_start = 1_800_000_000 - 1_800_000_000 % WINDOW_SECONDS;
        let now = window_start + 10;
        let admit = async || match limiter.admit(subject, limit, now).await.unwrap() {
            Admission::Allowed(quota) => quota.remaining,
            limited => panic!("admitted under the limit, got {limited:?}"),
        };

        // The window's first request reserves a block and waits for it; the next ones spend it.
        for _ in 0..block / 2 - 1 {
            admit().await;
        }
        assert_eq!(reserved_in_database(&db, subject, window_start).await, block);

        // The request that leaves half a block reserves the next one without waiting for it.
        admit().await;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while reserved_in_database(&db, subject, window_start).await < 2 * block {
            assert!(tokio::time::Instant::now() < deadline, "the next block was reserved");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // Both blocks are this instance's to spend: 200 reserved, 50 spent.
        assert_eq!(admit().await, limit - 2 * block + (2 * block - block / 2 - 1));
        assert_eq!(reserved_in_database(&db, subject, window_start).await, 2 * block);
        db.close().await.unwrap();
        std::fs::remove_dir_all(folder).ok();
    }

    #[tokio::test]
    async fn a_busy_credential_enters_the_next_window_without_waiting_for_the_database() {
        let (db, folder) = database().await;
        let limiter = Limiter::new(db.clone());
        let subject = Subject::Credential(9);
        let limit = 3_000;
        let block = block_size(limit);
        let window_start = 1_800_000_000 - 1_800_000_000 % WINDOW_SECONDS;
        let next_window = window_start + WINDOW_SECONDS;
        let admit = async |now: i64| match limiter.admit(subject, limit, now).await {
            Ok(Admission::Allowed(quota)) => quota.remaining,
            other => panic!("admitted under the limit, got {other:?}"),
        };

        admit(window_start + 10).await;
        assert!(
            bucket_of(&limiter, subject, |bucket| bucket.next.untouched()),
            "nothing is reserved ahead early in a window"
        );

        // In the window's last seconds a request reserves the next window's first block.
        admit(next_window - AHEAD_SECONDS).await;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while reserved_in_database(&db, subject, next_window).await < block {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the next window's block was reserved"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }

        // With the database gone, the next window's first requests spend that block.
        db.close().await.unwrap();
        for spent in 1..=10 {
            assert_eq!(admit(next_window + 1).await, limit - spent);
        }
        // A request that read the clock before the minute turned counts against the new window.
        assert_eq!(admit(next_window - 1).await, limit - 11);
        assert_eq!(bucket_of(&limiter, subject, |bucket| bucket.window_start), next_window);
        assert!(
            limiter
                .admit(Subject::Credential(10), limit, next_window + 1)
                .await
                .is_err(),
            "a credential with nothing reserved needs the database, which is closed"
        );
        std::fs::remove_dir_all(folder).ok();
    }

    #[tokio::test]
    async fn a_request_abandoned_while_its_reservation_is_written_leaves_no_one_waiting() {
        let (db, folder) = database().await;
        let limiter = Limiter::new(db.clone());
        let subject = Subject::Credential(11);
        let now = 1_800_000_000 - 1_800_000_000 % WINDOW_SECONDS + 10;

        // Polled once and dropped, as when a gateway's client goes away mid-request.
        let abandoned = tokio::time::timeout(std::time::Duration::ZERO, limiter.admit(subject, 3_000, now)).await;
        assert!(
            abandoned.is_err(),
            "the first request of a window waits for its reservation"
        );

        let next = tokio::time::timeout(std::time::Duration::from_secs(10), limiter.admit(subject, 3_000, now))
            .await
            .expect("the next request was answered");
        assert!(matches!(next, Ok(Admission::Allowed(_))), "got {next:?}");
        db.close().await.unwrap();
        std::fs::remove_dir_all(folder).ok();
    }
}
