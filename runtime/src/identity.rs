//! Identity maps and memoization: the same key gives the very same instance, loaded once.
//!
//! A [`Cache`] maps keys to values behind `Arc`s. [`Cache::get_or_load`] returns the
//! cached value, or runs the loader it is given: concurrent misses for one key run it once
//! (single-flight) and every caller gets the same `Arc`. A loader that finds nothing
//! (`Ok(None)`) gives [`LoadError::NotFound`] and caches nothing ("no data, no instance");
//! a loader error or panic is returned to every waiter and never cached.
//!
//! For identity maps the value is a [`Shared`] handle (an `Arc<RwLock<V>>`), so a change
//! made through one handle is seen through every other; memoized functions cache their
//! result as a plain `Arc<V>`.
//!
//! ```
//! use coact::identity::{Cache, Retention, Shared};
//!
//! #[derive(Debug)]
//! struct User { name: String }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let users: Cache<u32, Shared<User>, std::io::Error> = Cache::new(Retention::Weak);
//! let load = |id: u32| async move {
//!     Ok(if id == 1 { Some(User { name: "Ada".into() }) } else { None })
//! };
//! let a = users.get_or_load(1, || load(1)).await.unwrap();
//! let b = users.get_or_load(1, || load(1)).await.unwrap();
//! assert!(Shared::ptr_eq(&a, &b));                  // the very same instance
//! a.write().name = "Steve".into();
//! assert_eq!(b.read().name, "Steve");                // seen through every handle
//! assert!(users.get_or_load(2, || load(2)).await.is_err()); // no data, no instance
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

use dashmap::mapref::entry::Entry as MapEntry;
use dashmap::DashMap;
use futures::FutureExt as _;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::handler::panic_message;

#[doc(hidden)]
pub mod generated;
#[cfg(feature = "redis")]
mod redis;

#[cfg(feature = "redis")]
pub use self::redis::{RedisTier, TierError};

/// How long a cache keeps what it loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retention {
    /// An entry lives while some handle to it does: the map itself holds only a weak
    /// reference, and the value is freed with its last handle.
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
    /// Entries stay until forgotten, cleared or evicted.
    pub const FOREVER: Self = Self::Keep {
        ttl: None,
        capacity: None,
    };
}

/// Why [`Cache::get_or_load`] has no value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError<E> {
    /// The loader found no data for the key; nothing was cached, and the next call asks
    /// the loader again.
    #[error("no data for this key")]
    NotFound,
    /// The loader failed; every caller waiting for that load gets the same error, shared
    /// (`Arc::try_unwrap` takes it back when no other caller holds it).
    #[error("the loader failed: {0}")]
    Failed(#[source] Arc<E>),
    /// The loader panicked; nothing is poisoned and the next call loads afresh.
    #[error("the loader panicked: {message}")]
    Panicked {
        /// The panic's message.
        message: String,
    },
}

impl<E> Clone for LoadError<E> {
    fn clone(&self) -> Self {
        match self {
            Self::NotFound => Self::NotFound,
            Self::Failed(error) => Self::Failed(Arc::clone(error)),
            Self::Panicked { message } => Self::Panicked {
                message: message.clone(),
            },
        }
    }
}

impl<E> PartialEq for LoadError<E> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::NotFound, Self::NotFound) => true,
            (Self::Failed(a), Self::Failed(b)) => Arc::ptr_eq(a, b),
            (Self::Panicked { message: a }, Self::Panicked { message: b }) => a == b,
            _ => false,
        }
    }
}

/// Counters of a [`Cache`] since it was created. Every call of
/// [`get_or_load`](Cache::get_or_load) is one hit or one miss.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls answered from the map.
    pub hits: u64,
    /// Calls that found no live entry: they loaded (or read the shared tier), or waited
    /// for a load in flight.
    pub misses: u64,
    /// Loader runs.
    pub loads: u64,
    /// Loads that found no data.
    pub not_found: u64,
    /// Loads that failed or panicked.
    pub load_errors: u64,
    /// Entries removed because they expired or exceeded the capacity.
    pub evictions: u64,
    /// Live entries now.
    pub size: usize,
    /// Misses answered from the shared tier instead of the loader (`redis` feature).
    pub tier_hits: u64,
    /// Operations on the shared tier that could not use it: it failed, timed out, was
    /// skipped during the cool-down after a failure, or held a value this program cannot
    /// read. Each lookup among them was answered by the loader (`redis` feature).
    pub tier_errors: u64,
    /// Invalidations received from other processes and applied (`redis` feature).
    pub remote_invalidations: u64,
}

/// What a [`Cache`] hands out for a loaded value: a cheap, cloneable pointer to it.
///
/// Implemented for `Arc<V>` (memoized values, read-only) and [`Shared<V>`] (identity
/// maps: read and write through any handle).
pub trait Handle: Clone {
    /// The value a loader produces.
    type Value;
    /// A reference that does not keep the value alive, for [`Retention::Weak`].
    type Weak;
    /// Puts a freshly loaded value behind a handle.
    fn wrap(value: Self::Value) -> Self;
    /// A weak reference to the same value.
    fn downgrade(&self) -> Self::Weak;
    /// The handle again, if some handle still keeps the value alive.
    fn upgrade(weak: &Self::Weak) -> Option<Self>;
}

impl<V> Handle for Arc<V> {
    type Value = V;
    type Weak = Weak<V>;

    fn wrap(value: V) -> Self {
        Arc::new(value)
    }

    fn downgrade(&self) -> Weak<V> {
        Arc::downgrade(self)
    }

    fn upgrade(weak: &Weak<V>) -> Option<Self> {
        weak.upgrade()
    }
}

impl<V> Handle for Shared<V> {
    type Value = V;
    type Weak = Weak<RwLock<V>>;

    fn wrap(value: V) -> Self {
        Self::new(value)
    }

    fn downgrade(&self) -> Self::Weak {
        Arc::downgrade(&self.0)
    }

    fn upgrade(weak: &Self::Weak) -> Option<Self> {
        weak.upgrade().map(Self)
    }
}

/// A shared, mutable handle to an identity-mapped value: clones are the same instance.
pub struct Shared<V>(Arc<RwLock<V>>);

impl<V> Shared<V> {
    /// A handle to a new value.
    pub fn new(value: V) -> Self {
        Self(Arc::new(RwLock::new(value)))
    }

    /// Reads the value. A panic of an earlier writer does not make this fail: the value
    /// is whatever that writer left.
    pub fn read(&self) -> RwLockReadGuard<'_, V> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the value, for every handle.
    pub fn write(&self) -> RwLockWriteGuard<'_, V> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether two handles are the same instance.
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The `Arc` behind the handle.
    pub fn as_arc(&self) -> &Arc<RwLock<V>> {
        &self.0
    }
}

impl<V> Clone for Shared<V> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<V: fmt::Debug> fmt::Debug for Shared<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shared").field(&*self.read()).finish()
    }
}

/// A map from keys to values loaded once; see the [module docs](self).
pub struct Cache<K, H: Handle, E = std::convert::Infallible> {
    inner: Arc<Inner<K, H, E>>,
}

impl<K, H: Handle, E> Clone for Cache<K, H, E> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<K, H: Handle, E> {
    map: DashMap<K, Slot<H, E>>,
    retention: Retention,
    /// Recency clock for the capacity's LRU order.
    tick: AtomicU64,
    flights: AtomicU64,
    /// Inserts since the last sweep of dead and expired entries.
    since_sweep: AtomicUsize,
    /// When the cache was made, and when (in ms after that) it last swept.
    created: Instant,
    last_sweep: AtomicU64,
    counters: Counters,
    /// The shared second tier, if the cache was put on one.
    #[cfg(feature = "redis")]
    tier: std::sync::OnceLock<Box<dyn redis::SecondTier<K, H::Value>>>,
}

#[derive(Default)]
struct Counters {
    /// Written by every hit, so split by thread: threads hitting at once do not all
    /// write one cache line.
    hits: Striped,
    misses: AtomicU64,
    loads: AtomicU64,
    not_found: AtomicU64,
    load_errors: AtomicU64,
    evictions: AtomicU64,
    tier_hits: AtomicU64,
    tier_errors: AtomicU64,
    remote_invalidations: AtomicU64,
}

/// Hits (per thread) between two checks whether a sweep of expired entries is due.
const SWEEP_CHECK_HITS: u64 = 1024;

/// How many cache lines the hit counter is split over.
const STRIPES: usize = 8;

/// A counter split over `STRIPES` cache lines, each thread adding to its own; exact, as
/// every increment lands in exactly one stripe and the total is their sum.
#[derive(Default)]
struct Striped([Padded; STRIPES]);

/// One counter on a cache line (and its prefetch neighbour) of its own.
#[derive(Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

impl Striped {
    /// Adds one; returns this stripe's count before.
    fn add_one(&self) -> u64 {
        self.0[stripe()].0.fetch_add(1, Ordering::Relaxed)
    }

    fn sum(&self) -> u64 {
        self.0
            .iter()
            .map(|stripe| stripe.0.load(Ordering::Relaxed))
            .sum()
    }
}

/// This thread's stripe: threads take stripes in turn the first time they count.
fn stripe() -> usize {
    use std::cell::Cell;

    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    STRIPE.with(|stripe| {
        let mut index = stripe.get();
        if index == usize::MAX {
            index = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
            stripe.set(index);
        }
        index
    })
}

enum Slot<H: Handle, E> {
    Loading(Arc<Flight<H, E>>),
    Ready(Ready<H>),
    /// Moved out during a sweep; never left in the map.
    Vacated,
}

struct Ready<H: Handle> {
    value: Held<H>,
    expires: Option<Instant>,
    used: AtomicU64,
}

enum Held<H: Handle> {
    Strong(H),
    Weak(H::Weak),
}

/// A load in flight, which the callers that missed the same key meanwhile wait for.
struct Flight<H, E> {
    id: u64,
    state: std::sync::Mutex<FlightState<H, E>>,
    /// Whether anyone waits: most loads have no waiter, and then finishing one wakes
    /// nobody.
    waited: AtomicBool,
    done: Notify,
}

impl<H, E> Flight<H, E> {
    fn finish(&self, state: FlightState<H, E>) {
        *self.lock() = state;
        // A waiter sets `waited` before it reads the state under the lock: either it read
        // the new state, or it is registered by now and is woken here.
        if self.waited.load(Ordering::Acquire) {
            self.done.notify_waiters();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FlightState<H, E>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

enum FlightState<H, E> {
    Loading,
    Done(Result<H, LoadError<E>>),
    /// The loading caller was cancelled: a waiter takes over.
    Abandoned,
}

impl<H: Handle> Ready<H> {
    /// The value if the entry is live; `Err(expired)` otherwise.
    fn live(&self, now: impl FnOnce() -> Instant) -> Result<H, bool> {
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
    H: Handle,
{
    /// An empty cache.
    pub fn new(retention: Retention) -> Self {
        Self {
            inner: Arc::new(Inner {
                map: DashMap::new(),
                retention,
                tick: AtomicU64::new(0),
                flights: AtomicU64::new(0),
                since_sweep: AtomicUsize::new(0),
                created: Instant::now(),
                last_sweep: AtomicU64::new(0),
                counters: Counters::default(),
                #[cfg(feature = "redis")]
                tier: std::sync::OnceLock::new(),
            }),
        }
    }

    /// How this cache retains entries.
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

    /// The fast path: a live entry, read under the shard's read lock.
    fn hit(&self, key: &K) -> Option<H> {
        let slot = self.inner.map.get(key)?;
        let Slot::Ready(ready) = &*slot else {
            return None;
        };
        let value = ready.live(Instant::now).ok()?;
        if matches!(
            self.inner.retention,
            Retention::Keep {
                capacity: Some(_),
                ..
            }
        ) {
            let tick = self.inner.tick.fetch_add(1, Ordering::Relaxed);
            ready.used.store(tick, Ordering::Relaxed);
        }
        drop(slot);
        let hits = self.inner.counters.hits.add_one();
        if hits % SWEEP_CHECK_HITS == SWEEP_CHECK_HITS - 1 {
            self.sweep_if_due();
        }
        Some(value)
    }

    /// With a TTL, frees expired entries at least once per quarter TTL while the cache is
    /// used, even by hits alone: an expired entry nobody asks for again is freed too.
    fn sweep_if_due(&self) {
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

    /// Under the shard's write lock: the live value, the load in flight, or a new load.
    fn claim(&self, key: &K) -> Claim<H, E> {
        let mut replaced = None;
        let claim = match self.inner.map.entry(key.clone()) {
            MapEntry::Occupied(mut occupied) => match occupied.get() {
                Slot::Loading(flight) => Claim::Wait(Arc::clone(flight)),
                Slot::Ready(ready) => match ready.live(Instant::now) {
                    Ok(value) => Claim::Hit(value),
                    Err(expired) => {
                        if expired {
                            self.inner
                                .counters
                                .evictions
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        let flight = self.new_flight();
                        replaced = Some(occupied.insert(Slot::Loading(Arc::clone(&flight))));
                        Claim::Load(flight)
                    }
                },
                Slot::Vacated => {
                    let flight = self.new_flight();
                    occupied.insert(Slot::Loading(Arc::clone(&flight)));
                    Claim::Load(flight)
                }
            },
            MapEntry::Vacant(vacant) => {
                let flight = self.new_flight();
                vacant.insert(Slot::Loading(Arc::clone(&flight)));
                Claim::Load(flight)
            }
        };
        // An expired value is dropped here, outside the shard's lock.
        drop(replaced);
        claim
    }

    fn new_flight(&self) -> Arc<Flight<H, E>> {
        Arc::new(Flight {
            id: self.inner.flights.fetch_add(1, Ordering::Relaxed),
            state: std::sync::Mutex::new(FlightState::Loading),
            waited: AtomicBool::new(false),
            done: Notify::new(),
        })
    }

    async fn run_load<F, Fut>(
        &self,
        key: K,
        flight: Arc<Flight<H, E>>,
        load: F,
    ) -> Result<H, LoadError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<H::Value>, E>>,
    {
        let mut guard = LoadGuard {
            cache: self,
            key: Some(key),
            flight,
        };
        let (inner, key) = (&*self.inner, guard.key.as_ref());
        let loaded = AssertUnwindSafe(async move {
            #[cfg(feature = "redis")]
            if let (Some(tier), Some(key)) = (inner.tier.get(), key) {
                if let Some(value) = tier.get(key).await {
                    inner.counters.tier_hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(value));
                }
            }
            inner.counters.loads.fetch_add(1, Ordering::Relaxed);
            let loaded = load().await;
            #[cfg(feature = "redis")]
            if let (Ok(Some(value)), Some(tier), Some(key)) = (&loaded, inner.tier.get(), key) {
                // Before the callers get it, so another process asking after them reads it.
                let ttl = match inner.retention {
                    Retention::Keep { ttl, .. } => ttl,
                    Retention::Weak => None,
                };
                tier.put(key, value, ttl).await;
            }
            #[cfg(not(feature = "redis"))]
            let _ = key;
            loaded
        })
        .catch_unwind()
        .await;
        let key = guard.key.take();
        let flight = Arc::clone(&guard.flight);
        drop(guard);
        let counters = &self.inner.counters;
        let result = match loaded {
            Ok(Ok(Some(value))) => Ok(H::wrap(value)),
            Ok(Ok(None)) => {
                counters.not_found.fetch_add(1, Ordering::Relaxed);
                Err(LoadError::NotFound)
            }
            Ok(Err(error)) => {
                counters.load_errors.fetch_add(1, Ordering::Relaxed);
                Err(LoadError::Failed(Arc::new(error)))
            }
            Err(payload) => {
                counters.load_errors.fetch_add(1, Ordering::Relaxed);
                Err(LoadError::Panicked {
                    message: panic_message(payload),
                })
            }
        };
        if let Some(key) = key {
            self.settle(key, &flight, result.as_ref().ok());
        }
        flight.finish(FlightState::Done(result.clone()));
        result
    }

    /// Replaces the flight's slot with the loaded value (or removes it), unless the
    /// slot was forgotten meanwhile: a value loaded before `forget` is not cached.
    fn settle(&self, key: K, flight: &Flight<H, E>, value: Option<&H>) {
        let mut removed = None;
        if let MapEntry::Occupied(mut occupied) = self.inner.map.entry(key) {
            let ours = matches!(occupied.get(), Slot::Loading(f) if f.id == flight.id);
            if ours {
                match value {
                    Some(value) => {
                        occupied.insert(Slot::Ready(self.ready(value)));
                    }
                    None => removed = Some(occupied.remove()),
                }
            }
        }
        drop(removed);
        if value.is_some() {
            self.after_insert();
        }
    }

    fn ready(&self, value: &H) -> Ready<H> {
        let (held, expires) = match self.inner.retention {
            Retention::Weak => (Held::Weak(value.downgrade()), None),
            Retention::Keep { ttl, .. } => (
                Held::Strong(value.clone()),
                ttl.map(|ttl| Instant::now() + ttl),
            ),
        };
        Ready {
            value: held,
            expires,
            used: AtomicU64::new(self.inner.tick.fetch_add(1, Ordering::Relaxed)),
        }
    }

    /// Keeps the map bounded: sweeps dead and expired entries once as many inserts as
    /// entries have happened since the last sweep, and enforces the capacity.
    fn after_insert(&self) {
        let since = self.inner.since_sweep.fetch_add(1, Ordering::Relaxed) + 1;
        // `map.len()` locks every shard: ask it only once a sweep may be due.
        if since >= 64 && since >= self.inner.map.len() {
            self.sweep();
        }
        if let Retention::Keep {
            capacity: Some(capacity),
            ..
        } = self.inner.retention
        {
            let capacity = capacity.get();
            // `map.len()` bounds the count of ready entries: count only when it may exceed.
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

    fn ready_count(&self) -> usize {
        self.inner
            .map
            .iter()
            .filter(|slot| matches!(slot.value(), Slot::Ready(_)))
            .count()
    }

    /// Evicts the `count` least recently used ready entries, in two scans of the map.
    fn evict_least_recent(&self, count: usize) {
        let mut used: Vec<u64> = self
            .inner
            .map
            .iter()
            .filter_map(|slot| match slot.value() {
                Slot::Ready(ready) => Some(ready.used.load(Ordering::Relaxed)),
                _ => None,
            })
            .collect();
        if used.is_empty() || count == 0 {
            return;
        }
        let nth = count.min(used.len()) - 1;
        let (_, &mut threshold, _) = used.select_nth_unstable(nth);
        let mut left = count;
        let mut freed = Vec::new();
        self.inner.map.retain(|_, slot| match slot {
            Slot::Ready(ready) if left > 0 && ready.used.load(Ordering::Relaxed) <= threshold => {
                left -= 1;
                freed.push(std::mem::replace(slot, Slot::Vacated));
                false
            }
            _ => true,
        });
        self.inner
            .counters
            .evictions
            .fetch_add((count - left) as u64, Ordering::Relaxed);
        // Values are dropped here, outside the shards' locks.
        drop(freed);
    }

    /// Removes entries whose value is gone (weak) or expired (TTL), freeing them.
    pub fn purge(&self) {
        self.sweep();
    }

    fn sweep(&self) {
        self.inner.since_sweep.store(0, Ordering::Relaxed);
        let now = Instant::now();
        let mut freed = Vec::new();
        let mut expired = 0;
        self.inner.map.retain(|_, slot| {
            let Slot::Ready(ready) = slot else {
                return !matches!(slot, Slot::Vacated);
            };
            match ready.live(|| now) {
                Ok(_) => true,
                Err(was_expired) => {
                    expired += u64::from(was_expired);
                    freed.push(std::mem::replace(slot, Slot::Vacated));
                    false
                }
            }
        });
        self.inner
            .counters
            .evictions
            .fetch_add(expired, Ordering::Relaxed);
        // Values are dropped here, outside the shards' locks.
        drop(freed);
    }

    /// Removes `key`'s entry; a load in flight still answers its callers but is not
    /// cached. Returns whether there was a local entry.
    ///
    /// On a shared tier it also deletes the key from Redis and tells the other processes,
    /// before it returns; if Redis is unreachable, that is logged and counted in
    /// [`Stats::tier_errors`], and the other processes keep their copies.
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
    pub async fn clear(&self) {
        self.clear_local();
        #[cfg(feature = "redis")]
        if let Some(tier) = self.inner.tier.get() {
            tier.invalidate(None).await;
        }
    }

    fn forget_local(&self, key: &K) -> bool {
        let removed = self.inner.map.remove(key);
        removed.is_some()
    }

    fn clear_local(&self) {
        let mut freed = Vec::new();
        self.inner.map.retain(|_, slot| {
            freed.push(std::mem::replace(slot, Slot::Vacated));
            false
        });
        drop(freed);
    }

    /// How many live entries the map holds (after removing dead and expired ones).
    pub fn len(&self) -> usize {
        self.sweep();
        self.ready_count()
    }

    /// Whether the map holds no live entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The counters, and the current size.
    pub fn stats(&self) -> Stats {
        let counters = &self.inner.counters;
        Stats {
            hits: counters.hits.sum(),
            misses: counters.misses.load(Ordering::Relaxed),
            loads: counters.loads.load(Ordering::Relaxed),
            not_found: counters.not_found.load(Ordering::Relaxed),
            load_errors: counters.load_errors.load(Ordering::Relaxed),
            evictions: counters.evictions.load(Ordering::Relaxed),
            size: self.len(),
            tier_hits: counters.tier_hits.load(Ordering::Relaxed),
            tier_errors: counters.tier_errors.load(Ordering::Relaxed),
            remote_invalidations: counters.remote_invalidations.load(Ordering::Relaxed),
        }
    }
}

impl<K: Eq + Hash, H: Handle, E> fmt::Debug for Cache<K, H, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("retention", &self.inner.retention)
            .field("slots", &self.inner.map.len())
            .finish_non_exhaustive()
    }
}

enum Claim<H, E> {
    Hit(H),
    Wait(Arc<Flight<H, E>>),
    Load(Arc<Flight<H, E>>),
}

/// Waits for a load in flight; `None` if its caller was cancelled.
async fn wait<H: Clone, E>(flight: &Flight<H, E>) -> Option<Result<H, LoadError<E>>> {
    loop {
        let notified = flight.done.notified();
        let mut notified = std::pin::pin!(notified);
        // Registered before the state is read, so the finishing `notify_waiters` cannot
        // fall between the two.
        notified.as_mut().enable();
        flight.waited.store(true, Ordering::Release);
        match &*flight.lock() {
            FlightState::Loading => {}
            FlightState::Done(result) => return Some(result.clone()),
            FlightState::Abandoned => return None,
        }
        notified.await;
    }
}

/// Held by the caller running a load: if it is dropped before the load ends (the caller
/// was cancelled), the slot is freed and the waiters told to take over.
struct LoadGuard<'a, K: Eq + Hash + Clone, H: Handle, E> {
    cache: &'a Cache<K, H, E>,
    key: Option<K>,
    flight: Arc<Flight<H, E>>,
}

impl<K: Eq + Hash + Clone, H: Handle, E> Drop for LoadGuard<'_, K, H, E> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let id = self.flight.id;
        let removed = self.cache.inner.map.remove_if(
            &key,
            |_, slot| matches!(slot, Slot::Loading(f) if f.id == id),
        );
        drop(removed);
        self.flight.finish(FlightState::Abandoned);
    }
}
