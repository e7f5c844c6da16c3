//! Single-flight loading: concurrent misses for one key run one loader, the others
//! wait for it; if the caller running it is cancelled, a waiter takes over.

use std::cell::OnceCell;
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
use crate::sync::{AtomicBool, Mutex, MutexGuard, Notify, Op, Outcome};

/// A load in flight, which the callers that missed the same key meanwhile wait for.
///
/// The map's entry holds it weakly: the caller running the load and the waiters hold it.
/// An entry the map replaced may be freed later than it is replaced (`sync/papaya.rs`),
/// and must not keep the loaded value alive meanwhile: the flight's result holds it.
pub(super) struct Flight<H, E> {
    pub(super) state: Mutex<FlightState<H, E>>,
    /// Whether anyone waits: most loads have no waiter, and then finishing one wakes
    /// nobody.
    pub(super) waited: AtomicBool,
    pub(super) done: Notify,
}

impl<H, E> Flight<H, E> {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(FlightState::Loading),
            waited: AtomicBool::new(false),
            done: Notify::new(),
        })
    }

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
        let flight = &*self.flight;
        self.cache
            .inner
            .map
            .remove_if(&key, |entry| entry.is_flight(flight), |_| ());
        self.flight.finish(FlightState::Abandoned);
    }
}

impl<K, H, E> Cache<K, H, E>
where
    K: Eq + Hash + Clone,
    H: Cached,
{
    /// Atomically on the key's entry: the live value, the load in flight, or a new load.
    pub(super) fn claim(&self, key: &K) -> Claim<H, E> {
        let now = Instant::now();
        // Made once, whether `compute` runs once or again on a changed entry.
        let flight = OnceCell::new();
        let load = || {
            Op::Insert(Stored::Loading(Arc::downgrade(
                flight.get_or_init(Flight::new),
            )))
        };
        let mut replaced = false;
        let claim = self.inner.map.compute(
            key.clone(),
            |entry| match entry {
                None => load(),
                // A flight whose callers are all gone is as good as no entry.
                Some(Stored::Loading(flight)) => match flight.upgrade() {
                    Some(flight) => Op::Abort(Claim::Wait(flight)),
                    None => load(),
                },
                Some(Stored::Kept(value)) => Op::Abort(Claim::Hit(value.clone())),
                Some(Stored::Ready(ready)) => match ready.live(|| now) {
                    Ok(value) => Op::Abort(Claim::Hit(value)),
                    Err(_) => load(),
                },
            },
            |outcome| {
                match outcome {
                    Outcome::Aborted(claim) => return claim,
                    // Counted from the entry actually replaced: a dead or expired value.
                    Outcome::Replaced(Stored::Ready(ready)) => {
                        if ready.expires.is_some_and(|expires| now >= expires) {
                            self.inner
                                .counters
                                .evictions
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        self.inner.ready.fetch_sub(1, Ordering::Relaxed);
                        replaced = true;
                    }
                    // The closure never removes.
                    Outcome::Inserted | Outcome::Replaced(_) | Outcome::Removed => {}
                }
                Claim::Load(Arc::clone(flight.get_or_init(Flight::new)))
            },
        );
        // An expired value is freed now, not with the next batch (`Retention::Keep`).
        if replaced {
            self.inner.map.free_replaced();
        }
        claim
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
        // Raised before the entry can be seen, so that whoever removes it next counts it
        // out after this; lowered again if it was not landed.
        if value.is_some() {
            self.inner.ready.fetch_add(1, Ordering::Relaxed);
        }
        let landed = self.inner.map.compute(
            key,
            |entry| match (entry, value) {
                (Some(entry), Some(value)) if entry.is_flight(flight) => {
                    Op::Insert(self.stored(value))
                }
                (Some(entry), None) if entry.is_flight(flight) => Op::Remove,
                _ => Op::Abort(()),
            },
            |outcome| matches!(outcome, Outcome::Replaced(_)),
        );
        match (value, landed) {
            (Some(_), true) => self.after_insert(),
            (Some(_), false) => {
                self.inner.ready.fetch_sub(1, Ordering::Relaxed);
            }
            (None, _) => {}
        }
    }
}
