//! A round's publication head — whether its results are public, and its latest version — kept
//! in memory for a moment, so dashboards polling the rankings of a public round read no
//! database. This instance forgets a head whenever it publishes or changes a round; another
//! instance's publication or settings change shows here within [`HEAD_TTL`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a head read from the store is trusted.
pub(super) const HEAD_TTL: Duration = Duration::from_secs(1);
/// Rounds whose heads are kept before the cache starts again.
const CACHED_HEADS: usize = 4096;

/// Whether anyone may read a round's results, and its latest published version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Head {
    pub public: bool,
    pub latest: Option<i32>,
}

#[derive(Debug, Default)]
pub(super) struct HeadCache(Mutex<HashMap<i64, (Instant, Head)>>);

impl HeadCache {
    /// The round's head if it was read less than [`HEAD_TTL`] ago.
    pub fn fresh(&self, round_id: i64) -> Option<Head> {
        let heads = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        heads
            .get(&round_id)
            .filter(|(at, _)| at.elapsed() < HEAD_TTL)
            .map(|(_, head)| *head)
    }

    pub fn put(&self, round_id: i64, head: Head) {
        let mut heads = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if heads.len() >= CACHED_HEADS {
            heads.clear();
        }
        heads.insert(round_id, (Instant::now(), head));
    }

    /// After this instance changed the round: the next read goes to the store.
    pub fn forget(&self, round_id: i64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&round_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_fresh_until_forgotten() {
        let cache = HeadCache::default();
        assert_eq!(cache.fresh(1), None);
        let head = Head {
            public: true,
            latest: Some(2),
        };
        cache.put(1, head);
        assert_eq!(cache.fresh(1), Some(head));
        assert_eq!(cache.fresh(2), None);
        cache.forget(1);
        assert_eq!(cache.fresh(1), None);
    }

    #[test]
    fn a_head_goes_stale() {
        let cache = HeadCache::default();
        let head = Head {
            public: false,
            latest: None,
        };
        let old = Instant::now()
            .checked_sub(HEAD_TTL + Duration::from_millis(1))
            .expect("the clock is past the TTL");
        cache.0.lock().expect("lock").insert(7, (old, head));
        assert_eq!(cache.fresh(7), None);
    }
}
