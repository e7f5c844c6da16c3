//! The identity map: papaya's lock-free hash map, reduced to the operations the identity
//! cache makes, each one atomic on one key. `map.rs` is its loom double, with the same
//! methods and the same contract.
//!
//! Reads take no lock: a hit is a lookup and a clone, between entering and leaving the
//! map's reclamation guard (seize's), with no write to memory another thread reads. A lock
//! per shard made every read write the lock's cache line: two threads hitting distinct keys
//! passed that line between their cores (BENCHMARKS.md, "Lock-free hits").
//!
//! Writes replace an entry as a whole (compare-and-swap on the slot). What leaves the map
//! is freed once no reader can still see it: by the thread that retires the 32nd value, or
//! sooner where the cache asks (`remove_if`, `remove_where`, `free_replaced`: `forget`,
//! `clear`, sweeps, eviction and the reload of an expired entry free what they take out
//! before they return, unless another thread is reading the map at that moment: seize
//! then needs a batch of at least one value per reading thread, and frees them later).

use std::hash::Hash;

use papaya::{Compute, Guard as _, Operation};

use super::{Op, Outcome};

/// A concurrent map from keys to entries, hashing with foldhash (a fast hash seeded at
/// random per map, hashbrown's default) instead of std's `SipHash`.
pub(crate) struct Map<K, V> {
    map: papaya::HashMap<K, V, foldhash::fast::RandomState>,
}

impl<K: Eq + Hash, V> Map<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            map: papaya::HashMap::builder()
                .hasher(foldhash::fast::RandomState::default())
                // The write that starts a resize finishes it. papaya's incremental default
                // leaves a resize that the last inserts started for later writes to finish,
                // and until then every read searches both tables: 3× a hit's time after
                // a burst of loads (BENCHMARKS.md, "Lock-free hits").
                .resize_mode(papaya::ResizeMode::Blocking)
                .build(),
        }
    }

    /// `read(&entry)` for `key`'s entry; `None` without one. Inlined into both callers of
    /// a hit (`Cache::hit`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn read<R>(&self, key: &K, read: impl FnOnce(&V) -> Option<R>) -> Option<R> {
        let guard = self.map.guard();
        read(self.map.get(key, &guard)?)
    }

    /// Replaces `key`'s entry by what `compute` makes of it, atomically: if the entry
    /// changed meanwhile, `compute` runs again on the new one, so it must decide from its
    /// argument alone (what it captures may be left from a run whose result was not used).
    /// `then` reads the outcome, with the replaced entry.
    pub(crate) fn compute<T, R>(
        &self,
        key: K,
        mut compute: impl FnMut(Option<&V>) -> Op<V, T>,
        then: impl FnOnce(Outcome<'_, V, T>) -> R,
    ) -> R {
        let guard = self.map.guard();
        let done = self.map.compute(
            key,
            |entry| match compute(entry.map(|(_, value)| value)) {
                Op::Insert(value) => Operation::Insert(value),
                Op::Remove => Operation::Remove,
                Op::Abort(answer) => Operation::Abort(answer),
            },
            &guard,
        );
        then(match done {
            Compute::Inserted(..) => Outcome::Inserted,
            Compute::Updated { old: (_, old), .. } => Outcome::Replaced(old),
            Compute::Removed(..) => Outcome::Removed,
            Compute::Aborted(answer) => Outcome::Aborted(answer),
        })
    }

    /// Removes `key`'s entry if `remove` says so of it, and answers `then(&removed)`; the
    /// removed entry is freed before this returns, unless another thread is reading (see
    /// the module docs).
    pub(crate) fn remove_if<R>(
        &self,
        key: &K,
        mut remove: impl FnMut(&V) -> bool,
        then: impl FnOnce(&V) -> R,
    ) -> Option<R> {
        let guard = self.map.guard();
        let Ok(Some((_, removed))) = self.map.remove_if(key, |_, value| remove(value), &guard)
        else {
            return None;
        };
        let answer = then(removed);
        guard.flush();
        Some(answer)
    }

    /// Removes every entry `remove` says so of, each checked again as it is removed, and
    /// calls `removed` on each one removed; those are freed before this returns, unless
    /// another thread is reading (see the module docs). Entries inserted meanwhile may be
    /// visited or not.
    pub(crate) fn remove_where(
        &self,
        mut remove: impl FnMut(&V) -> bool,
        mut removed: impl FnMut(&V),
    ) {
        let guard = self.map.guard();
        let mut any = false;
        for (key, value) in self.map.iter(&guard) {
            if !remove(value) {
                continue;
            }
            if let Ok(Some((_, value))) = self.map.remove_if(key, |_, value| remove(value), &guard)
            {
                removed(value);
                any = true;
            }
        }
        // A flush costs a process-wide memory barrier (a system call): only for something.
        if any {
            guard.flush();
        }
    }

    /// Calls `visit` on every entry; entries inserted or removed meanwhile may be visited
    /// or not.
    pub(crate) fn for_each(&self, mut visit: impl FnMut(&V)) {
        let guard = self.map.guard();
        for (_, value) in self.map.iter(&guard) {
            visit(value);
        }
    }

    /// Frees what this thread replaced or removed in the map so far (`compute` leaves it
    /// for a batch), unless another thread is reading the map (see the module docs). It
    /// costs a process-wide memory barrier, a system call.
    pub(crate) fn free_replaced(&self) {
        self.map.guard().flush();
    }

    /// How many entries the map holds: a sum of a few counters, no scan.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}
