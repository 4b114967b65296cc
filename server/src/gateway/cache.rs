//! A small time-bounded memo of database answers. Verification answers from it for at most
//! [`FRESH_FOR`], so a revocation, a deactivation or a disabled switch made on any instance holds
//! on every instance within one second, while a gateway's steady stream of requests for the same
//! key costs one lookup per half second instead of one per request.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const FRESH_FOR: Duration = Duration::from_millis(500);

/// Beyond this many entries the memo starts over, so a flood of distinct unknown keys cannot
/// grow memory without bound.
const MAX_ENTRIES: usize = 50_000;

pub struct Memo<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Default for Memo<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(key)
            .filter(|(stored, _)| stored.elapsed() < FRESH_FOR)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (stored, _)| stored.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_forgotten_after_half_a_second() {
        let memo = Memo::default();
        memo.put("key", 1);
        assert_eq!(memo.get(&"key"), Some(1));
        std::thread::sleep(FRESH_FOR + Duration::from_millis(50));
        assert_eq!(memo.get(&"key"), None);
    }

    #[test]
    fn the_memo_never_grows_past_its_bound() {
        let memo = Memo::default();
        for n in 0..MAX_ENTRIES + 10 {
            memo.put(n, n);
        }
        assert!(memo.entries.lock().unwrap().len() <= MAX_ENTRIES);
        assert_eq!(memo.get(&(MAX_ENTRIES + 9)), Some(MAX_ENTRIES + 9));
    }
}
