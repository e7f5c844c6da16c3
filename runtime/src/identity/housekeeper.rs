//! Housekeeping: keeps a cache's map bounded. Expired (TTL) and dead (weak) entries are
//! swept at least once per quarter TTL while the cache is in use and once as many
//! inserts as entries have happened; beyond the capacity, the least recently used
//! entries are evicted a batch at a time.

use std::cell::Cell;
use std::hash::Hash;
use std::sync::atomic::Ordering;

use tokio::time::Instant;

use super::cache::{Held, Ready, Stored};
use super::{Cache, Cached, Retention};
use crate::sync::AtomicU64 as Stamp;

/// Hits (per thread) between two checks whether a sweep of expired entries is due.
pub(super) const SWEEP_CHECK_HITS: u64 = 1024;

impl<K, H, E> Cache<K, H, E>
where
    K: Eq + Hash + Clone,
    H: Cached,
{
    /// Removes entries whose value is gone (weak) or expired (TTL), freeing them.
    pub fn purge(&self) {
        self.sweep();
    }

    /// With a TTL, frees expired entries at least once per quarter TTL while the cache is
    /// used, even by hits alone: an expired entry nobody asks for again is freed too.
    pub(super) fn sweep_if_due(&self) {
        let Retention::Keep { ttl: Some(ttl), .. } = self.inner.retention else {
            return;
        };
        let now = u64::try_from(self.inner.created.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.inner.last_sweep.load(Ordering::Relaxed);
        let every = u64::try_from(ttl.as_millis() / 4)
            .unwrap_or(u64::MAX)
            .max(1);
        if now.saturating_sub(last) >= every
            && self
                .inner
                .last_sweep
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.sweep();
        }
    }

    /// What the map keeps for a loaded `value`: as it is, or with what the retention
    /// checks and records on a hit.
    pub(super) fn stored(&self, value: &H) -> Stored<H, E> {
        let (held, expires) = match self.inner.retention {
            Retention::Weak => (Held::Weak(value.downgrade()), None),
            Retention::Keep {
                ttl: None,
                capacity: None,
            } => return Stored::Kept(value.clone()),
            Retention::Keep { ttl, .. } => (
                Held::Strong(value.clone()),
                ttl.map(|ttl| Instant::now() + ttl),
            ),
        };
        Stored::Ready(Ready {
            value: held,
            expires,
            used: Stamp::new(self.inner.tick.fetch_add(1, Ordering::Relaxed)),
        })
    }

    /// Keeps the map bounded: sweeps dead and expired entries once as many inserts as
    /// entries have happened since the last sweep, and enforces the capacity.
    pub(super) fn after_insert(&self) {
        let since = self.inner.since_sweep.fetch_add(1, Ordering::Relaxed) + 1;
        if since >= 64 && since >= self.inner.map.len() {
            self.sweep();
        }
        if let Retention::Keep {
            capacity: Some(capacity),
            ..
        } = self.inner.retention
        {
            let capacity = capacity.get();
            // `map.len()` (a few counters) bounds the count of ready entries, a scan: count
            // only when it may exceed.
            if self.inner.map.len() > capacity {
                let ready = self.ready_count();
                if ready > capacity {
                    // A batch beyond the excess, so that the next scans come only after as
                    // many inserts: eviction costs O(1) per insert, amortized.
                    let batch = (capacity / 16).max(1);
                    self.evict_least_recent(ready - capacity + batch - 1);
                }
            }
        }
    }

    pub(super) fn ready_count(&self) -> usize {
        let mut ready = 0;
        self.inner
            .map
            .for_each(|entry| ready += usize::from(entry.is_loaded()));
        ready
    }

    /// Evicts the `count` least recently used ready entries.
    ///
    /// A hit between the scan that picks the victims and the one that removes them
    /// refreshes a victim's stamp and spares it, so the pass repeats for what is left; after
    /// a few passes beaten by hits, the oldest-first order gives way and any ready entries
    /// go, so the capacity always holds.
    pub(super) fn evict_least_recent(&self, count: usize) {
        let mut left = count;
        for _ in 0..4 {
            if left == 0 {
                return;
            }
            left -= self.evict_pass(left, true);
        }
        if left > 0 {
            self.evict_pass(left, false);
        }
    }

    /// One pass of eviction: at most `count` ready entries, the least recently used when
    /// `by_age`, any otherwise. Returns how many went.
    fn evict_pass(&self, count: usize, by_age: bool) -> usize {
        let threshold = if by_age {
            match self.age_threshold(count) {
                Some(threshold) => threshold,
                None => return 0,
            }
        } else {
            u64::MAX
        };
        let left = Cell::new(count);
        self.inner.map.remove_where(
            |entry| {
                left.get() > 0
                    && matches!(entry, Stored::Ready(ready)
                        if ready.used.load(Ordering::Relaxed) <= threshold)
            },
            |_| left.set(left.get() - 1),
        );
        let evicted = count - left.get();
        self.inner.ready.fetch_sub(evicted, Ordering::Relaxed);
        self.inner
            .counters
            .evictions
            .fetch_add(evicted as u64, Ordering::Relaxed);
        evicted
    }

    /// The stamp at or below which the `count` least recently used ready entries are;
    /// `None` when there are none.
    fn age_threshold(&self, count: usize) -> Option<u64> {
        let mut used = Vec::new();
        self.inner.map.for_each(|entry| {
            if let Stored::Ready(ready) = entry {
                used.push(ready.used.load(Ordering::Relaxed));
            }
        });
        if used.is_empty() || count == 0 {
            return None;
        }
        let nth = count.min(used.len()) - 1;
        let (_, &mut threshold, _) = used.select_nth_unstable(nth);
        Some(threshold)
    }

    pub(super) fn sweep(&self) {
        self.inner.since_sweep.store(0, Ordering::Relaxed);
        let now = Instant::now();
        let (mut freed, mut expired) = (0, 0);
        self.inner.map.remove_where(
            // A kept value never dies nor expires; a load in flight is not a sweep's.
            |entry| matches!(entry, Stored::Ready(ready) if ready.live(|| now).is_err()),
            |entry| {
                freed += 1;
                if let Stored::Ready(ready) = entry {
                    expired += u64::from(ready.expires.is_some_and(|expires| now >= expires));
                }
            },
        );
        // Every entry freed here was ready (dead or expired).
        self.inner.ready.fetch_sub(freed, Ordering::Relaxed);
        self.inner
            .counters
            .evictions
            .fetch_add(expired, Ordering::Relaxed);
    }
}
