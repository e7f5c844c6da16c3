//! The counters behind [`Cache::stats`](super::Cache::stats): [`Stats`], and the
//! striped hit counter that keeps hits from all writing one cache line.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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

/// How many cache lines the hit counter is split over.
const STRIPES: usize = 8;

/// A counter split over `STRIPES` cache lines, each thread adding to its own; exact, as
/// every increment lands in exactly one stripe and the total is their sum.
#[derive(Default)]
pub(super) struct Striped([Padded; STRIPES]);

/// One counter on a cache line (and its prefetch neighbour) of its own.
#[derive(Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

impl Striped {
    /// Adds one; returns this stripe's count before.
    #[inline]
    pub(super) fn add_one(&self) -> u64 {
        self.0[stripe()].0.fetch_add(1, Ordering::Relaxed)
    }

    pub(super) fn sum(&self) -> u64 {
        self.0
            .iter()
            .map(|stripe| stripe.0.load(Ordering::Relaxed))
            .sum()
    }
}

/// This thread's stripe: threads take stripes in turn the first time they count.
#[inline]
fn stripe() -> usize {
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
