//! A small time-bounded memo of database answers. Verification answers from it for at most
//! [`FRESH_FOR`] after the database was read, so a revocation, a deactivation or a disabled switch
//! made on any instance holds on every instance within one second.
//!
//! Under steady use an entry never goes stale: the first request that finds it past half its
//! life reads the database again while every other request keeps answering from it. A gateway's
//! stream of requests for one key therefore costs one lookup every quarter of a second, never a
//! crowd of identical lookups, one per request in flight, each time the entry ends.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub const FRESH_FOR: Duration = Duration::from_millis(500);

/// From this age on, one request refreshes an entry while the others still answer from it.
const REFRESH_AFTER: Duration = Duration::from_millis(250);

/// Beyond this many entries the memo starts over, so a flood of distinct unknown keys cannot
/// grow memory without bound.
const MAX_ENTRIES: usize = 50_000;

struct Entry<V> {
    /// When the lookup that produced `value` started, so before the database was read.
    read_at: Instant,
    value: V,
    /// A request is reading a newer value. If that request is abandoned midway the flag stays
    /// set, the entry simply ages out, and the next request reads afresh.
    refreshing: bool,
}

enum Found<V> {
    Fresh(V),
    /// Still fresh, and this caller was chosen to read a newer value.
    Refresh(V),
    Missing,
}

pub struct Memo<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> Default for Memo<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// The memoised value for `key`, or what `load` reads (and the memo then keeps).
    pub async fn get_or_load<Q, E>(&self, key: &Q, load: impl AsyncFnOnce() -> Result<V, E>) -> Result<V, E>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
        E: std::fmt::Display,
    {
        let started = Instant::now();
        let still_fresh = match self.find(key, started) {
            Found::Fresh(value) => return Ok(value),
            Found::Refresh(value) => Some(value),
            Found::Missing => None,
        };
        // Boxed: a database read's future is kilobytes, and held inline it would make every
        // caller's future that large, to be copied on every request although nearly every
        // request is answered from the memo.
        match Box::pin(load()).await {
            Ok(value) => {
                self.put(key.to_owned(), value.clone(), started);
                Ok(value)
            }
            // The value in hand was read less than `FRESH_FOR` ago, so answering from it keeps
            // the promise; a request after this one tries the database again.
            Err(error) => match still_fresh {
                Some(value) => {
                    tracing::warn!(error = %error, "refreshing a memoised gateway lookup failed");
                    if let Some(entry) = self.entries().get_mut(key) {
                        entry.refreshing = false;
                    }
                    Ok(value)
                }
                None => Err(error),
            },
        }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<K, Entry<V>>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn find<Q>(&self, key: &Q, now: Instant) -> Found<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(key) else {
            return Found::Missing;
        };
        let age = now.saturating_duration_since(entry.read_at);
        if age >= FRESH_FOR {
            Found::Missing
        } else if age < REFRESH_AFTER || entry.refreshing {
            Found::Fresh(entry.value.clone())
        } else {
            entry.refreshing = true;
            Found::Refresh(entry.value.clone())
        }
    }

    fn put(&self, key: K, value: V, read_at: Instant) {
        let mut entries = self.entries();
        // Two lookups of one key may finish out of order; the one that read later wins.
        if entries.get(&key).is_some_and(|entry| entry.read_at > read_at) {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, entry| entry.read_at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                read_at,
                value,
                refreshing: false,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn read(memo: &Memo<String, u32>, value: u32) -> u32 {
        memo.get_or_load("key", async || Ok::<_, String>(value)).await.unwrap()
    }

    #[tokio::test]
    async fn entries_are_forgotten_after_half_a_second() {
        let memo = Memo::default();
        assert_eq!(read(&memo, 1).await, 1);
        assert_eq!(read(&memo, 2).await, 1, "answered from the memo");
        tokio::time::sleep(FRESH_FOR + Duration::from_millis(50)).await;
        assert_eq!(read(&memo, 3).await, 3, "read again once stale");
    }

    #[tokio::test]
    async fn past_half_its_life_one_request_refreshes_while_the_others_answer_from_the_entry() {
        let memo = Memo::<String, u32>::default();
        read(&memo, 1).await;
        tokio::time::sleep(REFRESH_AFTER + Duration::from_millis(20)).await;

        let loads = AtomicUsize::new(0);
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let refresher = memo.get_or_load("key", async || {
            loads.fetch_add(1, Ordering::SeqCst);
            released.await.ok();
            Ok::<_, String>(2)
        });
        let others = async {
            // Let the refresher claim the entry first.
            tokio::task::yield_now().await;
            let mut seen = Vec::new();
            for _ in 0..10 {
                let value = memo
                    .get_or_load("key", async || {
                        loads.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, String>(99)
                    })
                    .await
                    .unwrap();
                seen.push(value);
            }
            release.send(()).unwrap();
            seen
        };
        let (refreshed, seen) = tokio::join!(refresher, others);

        assert_eq!(refreshed.unwrap(), 2);
        assert_eq!(seen, vec![1; 10], "the others answered from the entry");
        assert_eq!(loads.load(Ordering::SeqCst), 1, "exactly one request read the database");
        assert_eq!(read(&memo, 3).await, 2, "the refreshed value is kept");
    }

    /// What a memo that read 1 at `age` ago answers while the database fails.
    async fn ask_while_the_database_fails(age: Duration) -> (Memo<String, u32>, Result<u32, String>) {
        let memo = Memo::default();
        read(&memo, 1).await;
        tokio::time::sleep(age).await;
        let answer = memo
            .get_or_load("key", async || Err::<u32, _>("database gone".to_owned()))
            .await;
        (memo, answer)
    }

    #[tokio::test]
    async fn a_failed_refresh_answers_from_the_entry_and_lets_the_next_request_try() {
        let (memo, answer) = ask_while_the_database_fails(REFRESH_AFTER + Duration::from_millis(20)).await;
        assert_eq!(answer, Ok(1));
        assert_eq!(read(&memo, 2).await, 2, "the next request refreshed");
    }

    #[tokio::test]
    async fn a_stale_entry_is_never_an_answer_when_the_database_fails() {
        let (_, answer) = ask_while_the_database_fails(FRESH_FOR + Duration::from_millis(20)).await;
        assert_eq!(answer, Err("database gone".to_owned()));
    }

    #[test]
    fn a_lookup_that_read_earlier_does_not_replace_one_that_read_later() {
        let memo = Memo::<String, u32>::default();
        let earlier = Instant::now();
        let later = earlier + Duration::from_millis(5);
        memo.put("key".to_owned(), 2, later);
        memo.put("key".to_owned(), 1, earlier);
        assert_eq!(memo.entries().get("key").map(|entry| entry.value), Some(2));
    }

    #[test]
    fn the_memo_never_grows_past_its_bound() {
        let memo = Memo::default();
        for n in 0..MAX_ENTRIES + 10 {
            memo.put(n, n, Instant::now());
        }
        assert!(memo.entries().len() <= MAX_ENTRIES);
        assert_eq!(
            memo.entries().get(&(MAX_ENTRIES + 9)).map(|entry| entry.value),
            Some(MAX_ENTRIES + 9)
        );
    }
}
