//! Per-credential rate limits that hold across every instance sharing the database, without a
//! database write per request.
//!
//! Each credential has a fixed one-minute window counted in the `rate_limits` table. An instance
//! reserves a block of that window's budget (a twentieth of the limit, at most 1 000 requests)
//! with one atomic upsert and spends it locally. The database total never exceeds what was
//! reserved, so no window ever serves more than its limit; what an instance reserved and did not
//! spend is lost, so with `n` instances a window serves at least the limit minus `n` blocks
//! (two instances: at least 90 %).

use super::usage::Subject;
use app::backend::rate_limit;
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const WINDOW_SECONDS: i64 = 60;
const MAX_BLOCK: i64 = 1_000;

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
    /// Reserved in the database for this window and not yet spent here.
    unspent: i64,
    /// The window's total reserved by every instance, as of this instance's last reservation.
    reserved_total: i64,
    /// The database refused a reservation: the window is used up everywhere.
    exhausted: bool,
}

pub struct Limiter {
    db: DatabaseConnection,
    buckets: Mutex<HashMap<Subject, Arc<tokio::sync::Mutex<Bucket>>>>,
}

/// How much of a window's budget one reservation takes.
fn block_size(limit: i64) -> i64 {
    (limit / 20).clamp(1, MAX_BLOCK)
}

impl Limiter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Admits one request of `subject` under `limit` per minute.
    pub async fn admit(&self, subject: Subject, limit: i64, now_unix: i64) -> Result<Admission, DbErr> {
        let window_start = now_unix - now_unix.rem_euclid(WINDOW_SECONDS);
        let reset = window_start + WINDOW_SECONDS;
        let bucket = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            buckets.entry(subject).or_default().clone()
        };
        // Requests of one subject queue here only while a reservation is in flight.
        let mut bucket = bucket.lock().await;
        if bucket.window_start != window_start {
            *bucket = Bucket {
                window_start,
                ..Bucket::default()
            };
        }
        if bucket.unspent == 0 && !bucket.exhausted {
            let block = block_size(limit);
            let bucket_name = format!("gateway:{}", subject.key());
            let total = rate_limit::add(&self.db, &bucket_name, window_start, block).await?;
            // The total may pass the limit; only the part of this block below it is ours.
            let granted = (block - (total - limit).max(0)).clamp(0, block);
            bucket.unspent = granted;
            bucket.reserved_total = total.min(limit);
            bucket.exhausted = granted < block;
        }
        if bucket.unspent == 0 {
            let quota = Quota {
                limit,
                remaining: 0,
                reset,
            };
            return Ok(Admission::Limited {
                quota,
                retry_after_seconds: (reset - now_unix).max(1),
            });
        }
        bucket.unspent -= 1;
        Ok(Admission::Allowed(Quota {
            limit,
            remaining: (limit - bucket.reserved_total + bucket.unspent).clamp(0, limit),
            reset,
        }))
    }

    /// Drops buckets of windows that have ended.
    pub fn forget_ended_windows(&self, now_unix: i64) {
        let current = now_unix - now_unix.rem_euclid(WINDOW_SECONDS);
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        buckets.retain(|_, bucket| {
            bucket
                .try_lock()
                .map(|bucket| bucket.window_start >= current)
                .unwrap_or(true)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_a_twentieth_of_the_limit_within_bounds() {
        assert_eq!(block_size(1), 1);
        assert_eq!(block_size(100), 5);
        assert_eq!(block_size(600), 30);
        assert_eq!(block_size(10_000_000), MAX_BLOCK);
    }
}
