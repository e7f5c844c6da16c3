//! The counters behind [`Cache::stats`](super::Cache::stats): [`Stats`], and the
//! striped hit counter that keeps hits from all writing one cache line.

#[cfg(not(all(test, loom)))]
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

// The stripes and their registry go through these, so that the loom model in `loom.rs`
// checks the hand-over of a stripe from one thread to the next.
use crate::sync::{AtomicU64 as Count, AtomicUsize};

/// Counters of a [`Cache`](super::Cache) since it was created. Every call of
/// [`get_or_load`](super::Cache::get_or_load) is one hit or one miss.
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
    /// Loaded entries the map holds now, read from a count kept as entries are added and
    /// removed: no scan, no lock, whatever the size of the map. Loads in flight are not
    /// counted. With [`Retention::Weak`](super::Retention::Weak) or a TTL it also counts
    /// the entries that died (their last handle dropped) or expired since the last sweep:
    /// they are still in the map until a sweep frees them, and then leave this count.
    /// [`Cache::len`](super::Cache::len) and [`Cache::purge`](super::Cache::purge) sweep
    /// first, so `len()` counts only live entries, at the cost of a pass over the map.
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

#[derive(Default)]
pub(super) struct Counters {
    /// Written by every hit, so split by thread: threads hitting at once do not all
    /// write one cache line.
    pub(super) hits: Striped,
    pub(super) misses: AtomicU64,
    pub(super) loads: AtomicU64,
    pub(super) not_found: AtomicU64,
    pub(super) load_errors: AtomicU64,
    pub(super) evictions: AtomicU64,
    pub(super) tier_hits: AtomicU64,
    pub(super) tier_errors: AtomicU64,
    pub(super) remote_invalidations: AtomicU64,
}

/// Stripes a thread can hold for itself: while it holds one, it alone writes that stripe,
/// in every cache. With the shared one, eight: a power of two, so that indexing needs no
/// bounds check.
const OWNED: usize = 7;

/// The stripe of the threads that hold none (beyond the first `OWNED` threads counting at
/// once, or a thread counting while it exits): they add to it with read-modify-writes.
pub(super) const SHARED: usize = OWNED;

/// A counter split over cache lines, each thread adding to its own; exact, as every
/// increment lands in exactly one stripe and the total is their sum.
///
/// A thread that holds a stripe (see [`Registry`]) counts on it with a load and a store, not
/// a locked read-modify-write: nobody else writes it meanwhile, and the thread that held
/// it before handed it over through the registry, so that thread's last count happens
/// before this thread's first. The read-modify-write was one of a hit's four locked
/// instructions (beside the shard's lock and unlock and the `Arc`'s count); without it a
/// hit takes 6–13% less time (BENCHMARKS.md).
#[derive(Default)]
pub(super) struct Striped([Padded; OWNED + 1]);

/// One counter on a cache line (and its prefetch neighbour) of its own.
#[derive(Default)]
#[repr(align(128))]
struct Padded(Count);

impl Striped {
    /// Adds one; returns this stripe's count before.
    #[inline]
    pub(super) fn add_one(&self) -> u64 {
        self.add_one_at(stripe())
    }

    /// Adds one on `stripe`, which the calling thread holds (or [`SHARED`]).
    #[inline]
    pub(super) fn add_one_at(&self, stripe: usize) -> u64 {
        let count = &self.0[stripe % (OWNED + 1)].0;
        if stripe == SHARED {
            return count.fetch_add(1, Ordering::Relaxed);
        }
        let before = count.load(Ordering::Relaxed);
        count.store(before + 1, Ordering::Relaxed);
        before
    }

    pub(super) fn sum(&self) -> u64 {
        self.0
            .iter()
            .map(|stripe| stripe.0.load(Ordering::Relaxed))
            .sum()
    }
}

/// Which stripes threads hold, for every cache at once: bit `i` while a thread holds
/// stripe `i`. A thread takes the lowest free one the first time it counts and gives it
/// back when it exits.
pub(super) struct Registry(AtomicUsize);

impl Registry {
    /// With the stripes of `held` taken (none, for the program's own).
    #[cfg(not(all(test, loom)))]
    const fn new(held: usize) -> Self {
        Self(AtomicUsize::new(held))
    }

    /// Under loom, whose atomics are not made in `const` contexts.
    #[cfg(all(test, loom))]
    pub(super) fn new(held: usize) -> Self {
        Self(AtomicUsize::new(held))
    }

    /// A stripe for the calling thread: a free one, or [`SHARED`] if every one is held.
    pub(super) fn claim(&self) -> usize {
        let mut held = self.0.load(Ordering::Relaxed);
        loop {
            let free = !held & ((1 << OWNED) - 1);
            if free == 0 {
                return SHARED;
            }
            let stripe = free.trailing_zeros() as usize;
            // Acquire: the counts this thread makes on the stripe come after the last ones
            // of the thread that gave it back.
            match self.0.compare_exchange_weak(
                held,
                held | 1 << stripe,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return stripe,
                Err(now) => held = now,
            }
        }
    }

    /// Gives `stripe` back. Release: every count the thread made on it comes before the
    /// next holder's.
    pub(super) fn release(&self, stripe: usize) {
        if stripe < OWNED {
            self.0.fetch_and(!(1 << stripe), Ordering::Release);
        }
    }
}

#[cfg(not(all(test, loom)))]
static REGISTRY: Registry = Registry::new(0);

/// The stripe a thread holds (`usize::MAX`: none taken yet), given back when it exits.
#[cfg(not(all(test, loom)))]
struct Holder(Cell<usize>);

#[cfg(not(all(test, loom)))]
impl Drop for Holder {
    fn drop(&mut self) {
        REGISTRY.release(self.0.get());
    }
}

/// This thread's stripe, taken the first time it counts.
#[cfg(not(all(test, loom)))]
#[inline]
fn stripe() -> usize {
    thread_local! {
        static STRIPE: Holder = const { Holder(Cell::new(usize::MAX)) };
    }
    STRIPE
        .try_with(|holder| {
            let mut stripe = holder.0.get();
            if stripe == usize::MAX {
                stripe = REGISTRY.claim();
                holder.0.set(stripe);
            }
            stripe
        })
        // Counting from another thread-local's destructor, after this one's.
        .unwrap_or(SHARED)
}

/// Under loom, caches count on the shared stripe; the hand-over of a held stripe has its
/// own model (`loom.rs`).
#[cfg(all(test, loom))]
fn stripe() -> usize {
    SHARED
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{Striped, OWNED};

    /// More threads than stripes, all counting at once: every count lands.
    #[test]
    fn counts_from_more_threads_than_stripes_all_land() {
        let hits = Striped::default();
        let threads = 2 * OWNED + 3;
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..1_000 {
                        hits.add_one();
                    }
                });
            }
        });
        assert_eq!(hits.sum(), threads as u64 * 1_000);
    }

    /// Threads that come and go hand their stripes on: one after another, every count lands.
    #[test]
    fn stripes_handed_on_keep_their_counts() {
        let hits = Striped::default();
        for _ in 0..3 * OWNED {
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    for _ in 0..100 {
                        hits.add_one();
                    }
                });
            });
        }
        assert_eq!(hits.sum(), 3 * OWNED as u64 * 100);
    }
}
