//! [`Cache`]: the map from keys to loaded values, its public API and its entries. Loading
//! a missing key (single-flight) is in `flight.rs`; keeping the map bounded (expiry,
//! weak entries, capacity) in `housekeeper.rs`.

use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::flight::{wait, Claim, Flight};
use super::housekeeper::SWEEP_CHECK_HITS;
use super::stats::Counters;
use super::{Cached, LoadError, Stats};
// The map, and the recency stamps that hits write and eviction reads, go through these so
// that the loom models in `loom.rs` check how they interleave.
use crate::sync::{AtomicU64 as Stamp, Map};

/// How long a cache keeps what it loaded.
///
/// The default, [`Retention::FOREVER`], keeps every entry until it is forgotten or
/// cleared, so a change made through a [`Shared`](super::Shared) handle is never lost
/// behind the user's back; the map then grows with the number of distinct keys loaded.
/// `capacity` bounds it (least recently used first), `ttl` ages entries out, and `Weak`
/// keeps only what is in use. An entry that leaves the map (evicted, expired, freed with
/// its last handle, forgotten) takes with it any change made through a handle that the
/// program did not save elsewhere: the next lookup loads the value afresh.
///
/// The map is read without locks, so a value it takes out is freed once no thread is
/// still reading the map: before the call that took it out returns (`forget`, `clear`,
/// `purge`, a sweep, an eviction, the reload of an expired entry) if no other thread is
/// reading the map at that moment; otherwise later, with a later batch of what the same
/// thread takes out or replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retention {
    /// An entry lives while some handle to it does: the map itself holds only a weak
    /// reference, and the value is freed with its last handle.
    ///
    /// It shares instances and concurrent loads, but keeps nothing between uses: a change
    /// made through a handle is lost once the last handle is dropped (a temporary, at the
    /// end of its statement), and the next lookup loads the old value again. Use it when
    /// the values are read-only or every change is saved to the source as it is made.
    Weak,
    /// The map holds entries itself, each for at most `ttl` after it was loaded (`None`:
    /// no limit; an expired entry is freed, not only hidden: when it is next asked for,
    /// by a sweep at least every quarter `ttl` while the cache is in use, or by
    /// [`Cache::purge`]) and, with `capacity`, at most that many: beyond it, the least recently
    /// used entries are evicted, a batch of `capacity / 16` (at least one) at a time, so
    /// that eviction costs O(1) per insert, amortized; the map then holds between 15/16
    /// of its capacity and its capacity.
    Keep {
        /// How long an entry stays after its load.
        ttl: Option<Duration>,
        /// How many entries the map keeps at most.
        capacity: Option<NonZeroUsize>,
    },
}

impl Retention {
    /// Entries stay until forgotten or cleared: the default. Nothing bounds the map's size
    /// but [`Cache::forget`], [`Cache::clear`] and the number of distinct keys.
    pub const FOREVER: Self = Self::Keep {
        ttl: None,
        capacity: None,
    };
}

impl Default for Retention {
    /// [`Retention::FOREVER`]: a cache never drops a value, and so never a change made
    /// through a handle, unless told to.
    fn default() -> Self {
        Self::FOREVER
    }
}

/// A map from keys to values loaded once; see the [module docs](crate::identity).
///
/// Keys are hashed with [foldhash](https://docs.rs/foldhash) (hashbrown's default hasher,
/// seeded at random per cache), not std's `SipHash`: a hit takes about two thirds of the
/// time. foldhash resists hash flooding less; where an attacker picks the keys in bulk,
/// bound the cache (`Retention::Keep { capacity, .. }`).
pub struct Cache<K, H: Cached, E = std::convert::Infallible> {
    pub(super) inner: Arc<Inner<K, H, E>>,
}

impl<K, H: Cached, E> Clone for Cache<K, H, E> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

pub(super) struct Inner<K, H: Cached, E> {
    pub(super) map: Map<K, Stored<H, E>>,
    pub(super) retention: Retention,
    /// Whether a hit stamps the entry's recency (a capacity's LRU order), read off
    /// `retention` once.
    pub(super) stamps: bool,
    /// Recency clock for the capacity's LRU order.
    pub(super) tick: Stamp,
    /// Inserts since the last sweep of dead and expired entries.
    pub(super) since_sweep: AtomicUsize,
    /// When the cache was made, and when (in ms after that) it last swept.
    pub(super) created: Instant,
    pub(super) last_sweep: AtomicU64,
    /// How many loaded entries the map holds, live or not, for [`Cache::stats`] to read
    /// without a scan. Raised before an entry is made ready (and lowered again if it is
    /// not), lowered only after one is taken out, so it never drops below zero.
    pub(super) ready: AtomicUsize,
    pub(super) counters: Counters,
    /// The shared second tier, if the cache was put on one.
    #[cfg(feature = "redis")]
    pub(super) tier: std::sync::OnceLock<Box<dyn super::redis::SecondTier<K, H::Value>>>,
}

/// A tag of its own (`repr(u8)`), 8 bytes more per entry, so that a hit tests the variant
/// with one compare: without it, the variant was decoded from a niche in `Ready`'s `Held`,
/// four instructions more per hit, 1.5–2% of a hit's time (BENCHMARKS.md, "Paired runs").
#[repr(u8)]
pub(super) enum Stored<H: Cached, E> {
    /// Held weakly: see [`Flight`].
    Loading(std::sync::Weak<Flight<H, E>>),
    /// A loaded value with nothing to check or record on a hit: no expiry, no recency,
    /// held strongly ([`Retention::FOREVER`]). A hit is one comparison of the variant.
    Kept(H),
    /// A loaded value with its retention's bookkeeping: weak, or with an expiry or a
    /// recency stamp.
    Ready(Ready<H>),
}

impl<H: Cached, E> Stored<H, E> {
    /// Whether it holds a loaded value (live or not): what [`Stats::size`] counts.
    pub(super) fn is_loaded(&self) -> bool {
        matches!(self, Self::Kept(_) | Self::Ready(_))
    }

    /// Whether it is `flight`'s entry: the entry's `Weak` keeps the flight's allocation,
    /// so no other flight is made at its address while the entry exists.
    pub(super) fn is_flight(&self, flight: &Flight<H, E>) -> bool {
        matches!(self, Self::Loading(entry) if std::ptr::eq(entry.as_ptr(), flight))
    }
}

pub(super) struct Ready<H: Cached> {
    pub(super) value: Held<H>,
    pub(super) expires: Option<Instant>,
    pub(super) used: Stamp,
}

pub(super) enum Held<H: Cached> {
    Strong(H),
    Weak(H::Weak),
}

impl<H: Cached> Ready<H> {
    /// The value if the entry is live; `Err(expired)` otherwise.
    pub(super) fn live(&self, now: impl FnOnce() -> Instant) -> Result<H, bool> {
        if let Some(expires) = self.expires {
            if now() >= expires {
                return Err(true);
            }
        }
        match &self.value {
            Held::Strong(value) => Ok(value.clone()),
            Held::Weak(value) => H::upgrade(value).ok_or(false),
        }
    }
}

impl<K, H, E> Cache<K, H, E>
where
    K: Eq + Hash + Clone,
    H: Cached,
{
    /// An empty cache.
    #[must_use]
    pub fn new(retention: Retention) -> Self {
        Self {
            inner: Arc::new(Inner {
                map: Map::new(),
                retention,
                stamps: matches!(
                    retention,
                    Retention::Keep {
                        capacity: Some(_),
                        ..
                    }
                ),
                tick: Stamp::new(0),
                since_sweep: AtomicUsize::new(0),
                created: Instant::now(),
                last_sweep: AtomicU64::new(0),
                ready: AtomicUsize::new(0),
                counters: Counters::default(),
                #[cfg(feature = "redis")]
                tier: std::sync::OnceLock::new(),
            }),
        }
    }

    /// How this cache retains entries.
    #[must_use]
    pub fn retention(&self) -> Retention {
        self.inner.retention
    }

    /// The value under `key`, loading it with `load` on a miss.
    ///
    /// Concurrent misses for one key run one loader; the others wait for it and get the
    /// same `Arc`. If the caller running the loader is cancelled, a waiter runs its own
    /// loader instead, so the others still complete.
    ///
    /// # Errors
    ///
    /// [`LoadError::NotFound`] when the loader returns `Ok(None)`, [`LoadError::Failed`]
    /// and [`LoadError::Panicked`] when it fails: nothing is cached in any of these cases.
    pub async fn get_or_load<F, Fut>(&self, key: K, load: F) -> Result<H, LoadError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<H::Value>, E>>,
    {
        if let Some(value) = self.hit(&key) {
            return Ok(value);
        }
        // The miss in a future of its own, so that a hit's future is small: built, polled
        // and dropped without the miss's states.
        self.miss(key, load).await
    }

    /// The value under `key` if the map holds it live: a lookup that never loads.
    ///
    /// It finds the instance [`get_or_load`](Self::get_or_load) would return, counts a
    /// hit and, under a capacity, marks the entry used. Otherwise (nothing under `key`,
    /// a load still in flight, an expired entry, a weak one whose value is gone) it
    /// returns `None` and counts nothing, for no load follows: in [`Stats`] every call of
    /// `get_or_load` is one hit or one miss, and a call of `get` one hit or nothing. It
    /// never waits, for a load in flight or for the shared tier, which it does not read.
    ///
    /// It is synchronous, so a hit costs no future: where most lookups hit, call `get`
    /// first and `get_or_load` on `None` (BENCHMARKS.md measures the difference).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use coact::identity::{Cache, Retention};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let squares: Cache<u64, Arc<u64>> = Cache::new(Retention::default());
    /// assert_eq!(squares.get(&3), None);                // never loads
    /// let loaded = squares.get_or_load(3, || async { Ok::<_, std::convert::Infallible>(Some(9)) })
    ///     .await
    ///     .unwrap();
    /// let found = squares.get(&3).unwrap();
    /// assert!(Arc::ptr_eq(&loaded, &found));            // the very same instance
    /// assert_eq!(squares.stats().hits, 1);
    /// # }
    /// ```
    // Always inlined: as a call it saved and restored six registers around the lookup,
    // 21 of its 139 instructions, and took a fifth more time (BENCHMARKS.md).
    #[allow(clippy::inline_always)]
    #[must_use]
    #[inline(always)]
    pub fn get(&self, key: &K) -> Option<H> {
        self.hit(key)
    }

    /// A miss: the key's load, run here or joined if in flight.
    async fn miss<F, Fut>(&self, key: K, load: F) -> Result<H, LoadError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<H::Value>, E>>,
    {
        self.inner.counters.misses.fetch_add(1, Ordering::Relaxed);
        let flight = loop {
            match self.claim(&key) {
                Claim::Hit(value) => return Ok(value),
                Claim::Load(flight) => break flight,
                Claim::Wait(flight) => {
                    if let Some(result) = wait(&flight).await {
                        return result;
                    }
                    // The loading caller was cancelled: try again, perhaps as the loader.
                }
            }
        };
        self.run_load(key, flight, load).await
    }

    /// The fast path: a live entry, read without a lock. Inlined into both its callers,
    /// `get` and `get_or_load`: a call would save and restore six registers.
    #[allow(clippy::inline_always)] // out of line: 20 instructions more a hit (BENCHMARKS.md)
    #[inline(always)]
    pub(super) fn hit(&self, key: &K) -> Option<H> {
        let (value, timed) = self.inner.map.read(key, |entry| {
            // Tested in turn, not matched: a `match` on the variants compiled to a jump table.
            if let Stored::Kept(value) = entry {
                return Some((value.clone(), false));
            }
            let Stored::Ready(ready) = entry else {
                return None;
            };
            let value = ready.live(Instant::now).ok()?;
            if self.inner.stamps {
                let tick = self.inner.tick.fetch_add(1, Ordering::Relaxed);
                ready.used.store(tick, Ordering::Relaxed);
            }
            Some((value, ready.expires.is_some()))
        })?;
        let hits = self.inner.counters.hits.add_one();
        // Only a cache with a TTL gives its entries an expiry, and only such a cache sweeps:
        // the entry says so, read on the line the lookup brought in anyway.
        if timed && hits % SWEEP_CHECK_HITS == SWEEP_CHECK_HITS - 1 {
            self.sweep_if_due();
        }
        Some(value)
    }

    /// Removes `key`'s entry; a load in flight still answers its callers but is not
    /// cached. Returns whether there was a local entry.
    ///
    /// On a shared tier it also deletes the key from Redis and tells the other processes,
    /// before it returns; if Redis is unreachable, that is logged and counted in
    /// [`Stats::tier_errors`], and the other processes keep their copies.
    // Async whatever the features: with `redis` it awaits the shared tier.
    #[cfg_attr(not(feature = "redis"), allow(clippy::unused_async))]
    pub async fn forget(&self, key: &K) -> bool {
        let removed = self.forget_local(key);
        #[cfg(feature = "redis")]
        if let Some(tier) = self.inner.tier.get() {
            tier.invalidate(Some(key)).await;
        }
        removed
    }

    /// Removes every entry; on a shared tier, from Redis and every process too (see
    /// [`forget`](Self::forget)).
    // Async whatever the features: with `redis` it awaits the shared tier.
    #[cfg_attr(not(feature = "redis"), allow(clippy::unused_async))]
    pub async fn clear(&self) {
        self.clear_local();
        #[cfg(feature = "redis")]
        if let Some(tier) = self.inner.tier.get() {
            tier.invalidate(None).await;
        }
    }

    pub(super) fn forget_local(&self, key: &K) -> bool {
        let removed = self.inner.map.remove_if(key, |_| true, Stored::is_loaded);
        if removed == Some(true) {
            self.inner.ready.fetch_sub(1, Ordering::Relaxed);
        }
        removed.is_some()
    }

    pub(super) fn clear_local(&self) {
        let mut ready = 0;
        self.inner
            .map
            .remove_where(|_| true, |entry| ready += usize::from(entry.is_loaded()));
        self.inner.ready.fetch_sub(ready, Ordering::Relaxed);
    }

    /// How many live entries the map holds: it first removes dead and expired ones (a
    /// sweep), so it costs a pass over the map. [`stats`](Self::stats) reads a size
    /// without one.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sweep();
        self.ready_count()
    }

    /// Whether the map holds no live entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The counters, and the current size as [`Stats::size`] defines it.
    ///
    /// A monitoring read: it costs a few atomic loads, whatever the size of the map, and
    /// neither sweeps nor locks it, so polling it never slows down lookups. Unlike
    /// [`len`](Self::len), its size still counts entries that died or expired since the
    /// last sweep.
    #[must_use]
    pub fn stats(&self) -> Stats {
        let counters = &self.inner.counters;
        Stats {
            hits: counters.hits.sum(),
            misses: counters.misses.load(Ordering::Relaxed),
            loads: counters.loads.load(Ordering::Relaxed),
            not_found: counters.not_found.load(Ordering::Relaxed),
            load_errors: counters.load_errors.load(Ordering::Relaxed),
            evictions: counters.evictions.load(Ordering::Relaxed),
            size: self.inner.ready.load(Ordering::Relaxed),
            tier_hits: counters.tier_hits.load(Ordering::Relaxed),
            tier_errors: counters.tier_errors.load(Ordering::Relaxed),
            remote_invalidations: counters.remote_invalidations.load(Ordering::Relaxed),
        }
    }
}

impl<K, H, E> Default for Cache<K, H, E>
where
    K: Eq + Hash + Clone,
    H: Cached,
{
    /// An empty cache that keeps its entries until they are forgotten
    /// ([`Retention::FOREVER`], the default of `#[identity_cached]` too): a field of a
    /// struct that wants a cache of its own, per database or tenant.
    fn default() -> Self {
        Self::new(Retention::default())
    }
}

impl<K: Eq + Hash, H: Cached, E> fmt::Debug for Cache<K, H, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("retention", &self.inner.retention)
            .field("entries", &self.inner.map.len())
            .finish_non_exhaustive()
    }
}
