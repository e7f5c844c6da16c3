//! The synchronisation coact's own protocols go through, named once here so that loom can
//! stand in for it: a sync call's reply slot and the claim a timed call's caller and
//! owner race for (`handler/{reply_slot,handoff}.rs`), a mailbox's queue, which keeps its
//! owner's waker (`handler/{queue,mailbox}.rs`); a load in flight, the map it
//! is found in (`identity/{flight,cache}.rs`), the recency stamps that hits write and
//! eviction reads (`identity/housekeeper.rs`), and the stripes of the hit counter, which
//! threads hand on to each other (`identity/stats.rs`).
//!
//! In every build but the loom tests (`--cfg loom` together with `cfg(test)`), each name
//! is a plain re-export of std's, `parking_lot`'s or tokio's own type: production runs
//! exactly those, with no wrapper and no cost. The identity map is the one wrapper
//! (`papaya.rs`): papaya's `HashMap`, reduced to the few operations the cache makes. The lock is
//! `parking_lot`'s, which does not poison: std's checks for poisoning on every lock and
//! unlock, about 120 of a sync call's 2,100 instructions, and these locks guard moves and
//! flags, which a panic cannot leave half-done.
//!
//! In the loom tests std's types become loom's (its `Mutex` behind the same `lock()`), and
//! tokio's `Notify` and the papaya map, whose insides loom cannot see, become the small
//! doubles in `notify.rs` and `map.rs`, written to the contract coact relies on.
//! Plain counters (the other statistics, flight ids, the sweep heuristics) stay std's
//! atomics: nothing is handed over through them.
//! ARCHITECTURE.md, "Verification", says what each model proves and what it cannot.
//!
//! Only `all(test, loom)`, as tokio does it: a crate built with `--cfg loom` as somebody's
//! dependency (the facade, in the loom build) has no loom to use and runs std's types.

// A handler's reply hand-off and mailbox (`handler`), and an identity map's loads and
// stamps (`identity`): each name only where a pattern that uses it is built.
#[cfg(all(any(feature = "handler", feature = "identity"), not(all(test, loom))))]
pub(crate) use parking_lot::{Mutex, MutexGuard};
#[cfg(all(any(feature = "handler", feature = "identity"), not(all(test, loom))))]
pub(crate) use std::sync::atomic::AtomicBool;
#[cfg(all(feature = "identity", not(all(test, loom))))]
pub(crate) use std::sync::atomic::AtomicU64;
#[cfg(all(any(feature = "handler", feature = "identity"), not(all(test, loom))))]
pub(crate) use std::sync::atomic::AtomicUsize;
#[cfg(all(feature = "handler", not(all(test, loom))))]
pub(crate) use std::sync::{atomic::AtomicU8, Arc};

#[cfg(all(feature = "identity", not(all(test, loom))))]
pub(crate) use self::papaya::Map;
#[cfg(all(feature = "identity", not(all(test, loom))))]
pub(crate) use tokio::sync::Notify;

#[cfg(all(feature = "identity", not(all(test, loom))))]
mod papaya;

/// What `compute` does with a key's entry: see `Map::compute`.
#[cfg(feature = "identity")]
pub(crate) enum Op<V, T> {
    /// Puts this value in (over the entry, if there is one).
    Insert(V),
    /// Takes the entry out; only given an entry.
    Remove,
    /// Leaves the entry as it is, answering this.
    Abort(T),
}

/// What `compute` did: with the entry it replaced, still readable.
#[cfg(feature = "identity")]
pub(crate) enum Outcome<'a, V, T> {
    Inserted,
    Replaced(&'a V),
    Removed,
    Aborted(T),
}

// The loom build is a test of the runtime, with every pattern built (its dev-dependency on
// the facade turns them all on).
#[cfg(all(test, loom))]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize},
    Arc, MutexGuard,
};

/// loom's `Mutex` with `parking_lot`'s `lock()`, which the protocols call: a guard, with no
/// poisoning to handle (nothing panics while holding these locks).
#[cfg(all(test, loom))]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(all(test, loom))]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(loom::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(all(test, loom))]
mod map;
#[cfg(all(test, loom))]
mod notify;

#[cfg(all(test, loom))]
pub(crate) use self::map::{shard_of, Map};
#[cfg(all(test, loom))]
pub(crate) use self::notify::Notify;

/// Runs a loom model with at most four preemptions per execution (unless
/// `LOOM_MAX_PREEMPTIONS` asks for another bound), which keeps the whole suite under a
/// minute on two cores; the bugs these models are known to find need two or three. The
/// hand-off's models are small enough to run unbounded, with `loom::model` itself.
#[cfg(all(test, loom))]
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(4);
    }
    builder.check(f);
}
