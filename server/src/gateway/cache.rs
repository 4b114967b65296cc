//! A small time-bounded memo of database answers. Verification answers from it for at most
//! [`FRESH_FOR`] after the database was read, so a revocation, a deactivation or a disabled switch
//! made on any instance holds on every instance within one second.
//!
//! Under steady use an entry never goes stale and no request waits for the database: the first
//! request that finds an entry past half its life starts a read in the background and answers
//! from the entry like every other request. A gateway's stream of requests for one key therefore
//! costs one lookup every quarter of a second, and no request of it pays for one (on PostgreSQL,
//! a network round trip or several in the tail of every gateway's latency). Only a key unused
//! for half a second, or a database slower than a quarter of a second, makes requests wait: each
//! request in flight then reads for itself.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub const FRESH_FOR: Duration = Duration::from_millis(500);

/// From this age on, the next request starts a newer read in the background.
const REFRESH_AFTER: Duration = Duration::from_millis(250);

/// Beyond this many entries the memo starts over, so a flood of distinct unknown keys cannot
/// grow memory without bound.
const MAX_ENTRIES: usize = 50_000;

struct Entry<V> {
    /// When the lookup that produced `value` started, so before the database was read.
    read_at: Instant,
    value: V,
    /// A newer value is being read in the background. Cleared when that read fails, so that the
    /// next request tries again; if it never ends the entry simply ages out.
    refreshing: bool,
}

enum Found<V> {
    Fresh(V),
    /// Still fresh, and this caller was chosen to start a newer read; with when the entry was read.
    Refresh(V, Instant),
    Missing,
}

type Entries<K, V> = Arc<Mutex<HashMap<K, Entry<V>>>>;

pub struct Memo<K, V> {
    /// Shared with the background reads, which put what they read.
    entries: Entries<K, V>,
}

impl<K: Eq + Hash, V: Clone> Default for Memo<K, V> {
    fn default() -> Self {
        Self {
            entries: Arc::default(),
        }
    }
}

impl<K, V> Memo<K, V>
where
    K: Eq + Hash + Send + 'static,
    V: Clone + Send + 'static,
{
    /// The memoised value for `key`, or what `load` reads (and the memo then keeps). `load` is
    /// called only when the database must be read, and its read may outlive this call.
    pub async fn get_or_load<Q, E, Read>(&self, key: &Q, load: impl FnOnce() -> Read) -> Result<V, E>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
        E: std::fmt::Display,
        Read: Future<Output = Result<V, E>> + Send + 'static,
    {
        let started = Instant::now();
        match find(&self.entries, key, started) {
            Found::Fresh(value) => Ok(value),
            Found::Refresh(value, renewing) => {
                let (entries, key, read) = (self.entries.clone(), key.to_owned(), load());
                tokio::spawn(async move {
                    match read.await {
                        Ok(newer) => put(&entries, key, newer, started),
                        // The entry answers until it is stale; the next request tries again.
                        // A newer entry (read after this one's had gone stale) keeps its flag.
                        Err(error) => {
                            tracing::warn!(error = %error, "refreshing a memoised gateway lookup failed");
                            if let Some(entry) = lock(&entries).get_mut::<K>(&key)
                                && entry.read_at == renewing
                            {
                                entry.refreshing = false;
                            }
                        }
                    }
                });
                Ok(value)
            }
            Found::Missing => {
                // Boxed: a database read's future is kilobytes, and held inline it would make
                // every caller's future that large, to be copied on every request although
                // nearly every request is answered from the memo.
                let value = Box::pin(load()).await?;
                put(&self.entries, key.to_owned(), value.clone(), started);
                Ok(value)
            }
        }
    }
}

fn lock<K, V>(entries: &Entries<K, V>) -> MutexGuard<'_, HashMap<K, Entry<V>>> {
    entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn find<K, V, Q>(entries: &Entries<K, V>, key: &Q, now: Instant) -> Found<V>
where
    K: Eq + Hash + Borrow<Q>,
    V: Clone,
    Q: Eq + Hash + ?Sized,
{
    let mut entries = lock(entries);
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
        Found::Refresh(entry.value.clone(), entry.read_at)
    }
}

fn put<K: Eq + Hash, V>(entries: &Entries<K, V>, key: K, value: V, read_at: Instant) {
    let mut entries = lock(entries);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn read(memo: &Memo<String, u32>, value: u32) -> u32 {
        memo.get_or_load("key", || async move { Ok::<_, String>(value) })
            .await
            .unwrap()
    }

    /// What the memo holds, without reading anything.
    fn held(memo: &Memo<String, u32>) -> Option<(u32, Instant)> {
        lock(&memo.entries).get("key").map(|entry| (entry.value, entry.read_at))
    }

    /// Waits until a background read has put `value` in the memo, and says when that read began.
    async fn until_it_holds(memo: &Memo<String, u32>, value: u32) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some((held, read_at)) = held(memo)
                && held == value
            {
                return read_at;
            }
            assert!(Instant::now() < deadline, "the memo came to hold {value}");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
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
    async fn past_half_its_life_an_entry_is_read_again_in_the_background_while_every_request_answers_from_it() {
        let memo = Memo::<String, u32>::default();
        read(&memo, 1).await;
        tokio::time::sleep(REFRESH_AFTER + Duration::from_millis(20)).await;

        let loads = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let mut released = Some(released);
        let mut seen = Vec::new();
        let renewal_asked = Instant::now();
        for _ in 0..10 {
            // The read holds until released, so any request that waited for it would hang here.
            let answer = memo.get_or_load("key", || {
                loads.fetch_add(1, Ordering::SeqCst);
                let released = released.take().expect("one read only");
                async move {
                    released.await.ok();
                    Ok::<_, String>(2)
                }
            });
            seen.push(
                tokio::time::timeout(Duration::from_secs(5), answer)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        assert_eq!(seen, vec![1; 10], "every request answered from the entry");
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "exactly one read of the database started"
        );

        tokio::time::sleep(Duration::from_millis(50)).await;
        let released_at = Instant::now();
        release.send(()).unwrap();
        let read_at = until_it_holds(&memo, 2).await;
        // Its age counts from before the database was read, not from when the answer came back.
        assert!(renewal_asked <= read_at && read_at < released_at);
    }

    /// What a memo that read 1 at `age` ago answers while the database fails.
    async fn ask_while_the_database_fails(age: Duration) -> (Memo<String, u32>, Result<u32, String>) {
        let memo = Memo::default();
        read(&memo, 1).await;
        tokio::time::sleep(age).await;
        let answer = memo
            .get_or_load("key", || async { Err::<u32, _>("database gone".to_owned()) })
            .await;
        (memo, answer)
    }

    #[tokio::test]
    async fn a_failed_renewal_leaves_the_entry_answering_and_lets_the_next_request_try() {
        let (memo, answer) = ask_while_the_database_fails(REFRESH_AFTER + Duration::from_millis(20)).await;
        assert_eq!(answer, Ok(1));

        // Once the failure is in, the next request starts another renewal, answering from the entry.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let renewed = AtomicUsize::new(0);
            let answer = memo
                .get_or_load("key", || {
                    renewed.fetch_add(1, Ordering::SeqCst);
                    async { Ok::<_, String>(3) }
                })
                .await;
            if renewed.load(Ordering::SeqCst) == 1 {
                assert_eq!(answer, Ok(1), "renewed in the background, not read afresh");
                break;
            }
            assert!(Instant::now() < deadline, "a later request renewed the entry");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        until_it_holds(&memo, 3).await;
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
        put(&memo.entries, "key".to_owned(), 2, later);
        put(&memo.entries, "key".to_owned(), 1, earlier);
        assert_eq!(held(&memo).map(|(value, _)| value), Some(2));
    }

    #[test]
    fn the_memo_never_grows_past_its_bound() {
        let memo = Memo::default();
        for n in 0..MAX_ENTRIES + 10 {
            put(&memo.entries, n, n, Instant::now());
        }
        assert!(lock(&memo.entries).len() <= MAX_ENTRIES);
        assert_eq!(
            lock(&memo.entries).get(&(MAX_ENTRIES + 9)).map(|entry| entry.value),
            Some(MAX_ENTRIES + 9)
        );
    }
}
