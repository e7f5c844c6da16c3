//! Single-flight loading: concurrent misses for one key run one loader, the others
//! wait for it; if the caller running it is cancelled, a waiter takes over.

use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures_util::FutureExt as _;
use tokio::time::Instant;

use super::cache::Stored;
#[cfg(feature = "redis")]
use super::Retention;
use super::{Cache, Cached, LoadError};
use crate::panic::panic_message;
// The handshake between a finishing load and its waiters goes through these, so that the
// loom models in `loom.rs` check it.
use crate::sync::{AtomicBool, MapEntry, Mutex, MutexGuard, Notify};

/// A load in flight, which the callers that missed the same key meanwhile wait for.
pub(super) struct Flight<H, E> {
    pub(super) id: u64,
    pub(super) state: Mutex<FlightState<H, E>>,
    /// Whether anyone waits: most loads have no waiter, and then finishing one wakes
    /// nobody.
    pub(super) waited: AtomicBool,
    pub(super) done: Notify,
}

impl<H, E> Flight<H, E> {
    pub(super) fn finish(&self, state: FlightState<H, E>) {
        *self.lock() = state;
        // A waiter sets `waited` before it reads the state under the lock: either it read
        // the new state, or it is registered by now and is woken here.
        if self.waited.load(Ordering::Acquire) {
            self.done.notify_waiters();
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, FlightState<H, E>> {
        self.state.lock()
    }
}

pub(super) enum FlightState<H, E> {
    Loading,
    Done(Result<H, LoadError<E>>),
    /// The loading caller was cancelled: a waiter takes over.
    Abandoned,
}

pub(super) enum Claim<H, E> {
    Hit(H),
    Wait(Arc<Flight<H, E>>),
    Load(Arc<Flight<H, E>>),
}

/// Waits for a load in flight; `None` if its caller was cancelled.
pub(super) async fn wait<H: Clone, E>(flight: &Flight<H, E>) -> Option<Result<H, LoadError<E>>> {
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
/// was cancelled), its entry is freed and the waiters told to take over.
pub(super) struct LoadGuard<'a, K: Eq + Hash + Clone, H: Cached, E> {
    pub(super) cache: &'a Cache<K, H, E>,
    pub(super) key: Option<K>,
    pub(super) flight: Arc<Flight<H, E>>,
}

impl<K: Eq + Hash + Clone, H: Cached, E> Drop for LoadGuard<'_, K, H, E> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let id = self.flight.id;
        let removed = self.cache.inner.map.remove_if(
            &key,
            |_, entry| matches!(entry, Stored::Loading(f) if f.id == id),
        );
        drop(removed);
        self.flight.finish(FlightState::Abandoned);
    }
}

impl<K, H, E> Cache<K, H, E>
where
    K: Eq + Hash + Clone,
    H: Cached,
{
    /// Under the shard's write lock: the live value, the load in flight, or a new load.
    pub(super) fn claim(&self, key: &K) -> Claim<H, E> {
        let mut replaced = None;
        let claim = match self.inner.map.entry(key.clone()) {
            MapEntry::Occupied(mut occupied) => match occupied.get() {
                Stored::Loading(flight) => Claim::Wait(Arc::clone(flight)),
                Stored::Kept(value) => Claim::Hit(value.clone()),
                Stored::Ready(ready) => match ready.live(Instant::now) {
                    Ok(value) => Claim::Hit(value),
                    Err(expired) => {
                        if expired {
                            self.inner
                                .counters
                                .evictions
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        self.inner.ready.fetch_sub(1, Ordering::Relaxed);
                        let flight = self.new_flight();
                        replaced = Some(occupied.insert(Stored::Loading(Arc::clone(&flight))));
                        Claim::Load(flight)
                    }
                },
                Stored::Vacated => {
                    let flight = self.new_flight();
                    occupied.insert(Stored::Loading(Arc::clone(&flight)));
                    Claim::Load(flight)
                }
            },
            MapEntry::Vacant(vacant) => {
                let flight = self.new_flight();
                vacant.insert(Stored::Loading(Arc::clone(&flight)));
                Claim::Load(flight)
            }
        };
        // An expired value is dropped here, outside the shard's lock.
        drop(replaced);
        claim
    }

    pub(super) fn new_flight(&self) -> Arc<Flight<H, E>> {
        Arc::new(Flight {
            id: self.inner.flights.fetch_add(1, Ordering::Relaxed),
            state: Mutex::new(FlightState::Loading),
            waited: AtomicBool::new(false),
            done: Notify::new(),
        })
    }

    pub(super) async fn run_load<F, Fut>(
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
            self.land(key, &flight, result.as_ref().ok());
        }
        flight.finish(FlightState::Done(result.clone()));
        result
    }

    /// Replaces the flight's entry with the loaded value (or removes it), unless the
    /// entry was forgotten meanwhile: a value loaded before `forget` is not cached.
    pub(super) fn land(&self, key: K, flight: &Flight<H, E>, value: Option<&H>) {
        let mut removed = None;
        if let MapEntry::Occupied(mut occupied) = self.inner.map.entry(key) {
            let ours = matches!(occupied.get(), Stored::Loading(f) if f.id == flight.id);
            if ours {
                match value {
                    Some(value) => {
                        occupied.insert(self.stored(value));
                        // Under the shard's lock: whoever removes the entry next counts
                        // it out after this.
                        self.inner.ready.fetch_add(1, Ordering::Relaxed);
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
}
