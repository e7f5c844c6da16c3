//! The counters behind [`Cache::stats`](super::Cache::stats): [`Stats`], and the
//! striped hit counter that keeps hits from all writing one cache line.

#[cfg(not(all(test, loom)))]
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

// The stripes and their registry go through these, so that the loom model in `loom.rs`
// checks the hand-over of a stripe from one thread to the next.
use crate::sync::{AtomicU64 as Count, AtomicUsize};

/// Counters of a [`Cache`](super::Cache) since it was created. Every call of
/// [`get_or_load`](super::Cache::get_or_load) is one hit or one miss; a call of
/// [`get`](super::Cache::get) is one hit, or nothing when it finds no live entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls answered from the map (by `get_or_load` or `get`).
    pub hits: u64,
    /// Calls of `get_or_load` that found no live entry: they loaded (or read the shared
    /// tier), or waited for a load in flight.
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
/// instructions when the map still locked its shards (beside the lock and unlock and the
/// `Arc`'s count); without it a hit took 6–13% less time (BENCHMARKS.md).
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

/// No stripe taken yet: the thread's first count takes one.
#[cfg(not(all(test, loom)))]
const UNCLAIMED: usize = usize::MAX;

#[cfg(not(all(test, loom)))]
thread_local! {
    /// The stripe this thread holds, [`UNCLAIMED`] or [`SHARED`]. Constant-initialised and
    /// without a destructor, so reading it is one load: no check that it was set up or
    /// torn down, as a thread-local with a destructor needs.
    static STRIPE: Cell<usize> = const { Cell::new(UNCLAIMED) };
    /// Gives the thread's stripe back when the thread exits; touched when it takes one.
    static HOLDER: Holder = const { Holder };
}

/// Gives [`STRIPE`] back to the registry from its destructor, and leaves the thread on
/// the shared stripe for any count it makes after that.
#[cfg(not(all(test, loom)))]
struct Holder;

#[cfg(not(all(test, loom)))]
impl Drop for Holder {
    fn drop(&mut self) {
        REGISTRY.release(STRIPE.with(|stripe| stripe.replace(SHARED)));
    }
}

/// This thread's stripe, taken the first time it counts.
#[cfg(not(all(test, loom)))]
#[inline]
fn stripe() -> usize {
    let stripe = STRIPE.with(Cell::get);
    if stripe == UNCLAIMED {
        return claim();
    }
    stripe
}

/// Takes a stripe for this thread: once per thread, out of the hits' way.
#[cfg(not(all(test, loom)))]
#[cold]
#[inline(never)]
fn claim() -> usize {
    // Touching the holder first sets up its destructor, before there is a stripe to give
    // back. It fails only while this thread's destructors run, after the holder's: that
    // count, and any after it, go to the shared stripe.
    if HOLDER.try_with(|_| ()).is_err() {
        STRIPE.with(|held| held.set(SHARED));
        return SHARED;
    }
    let stripe = REGISTRY.claim();
    STRIPE.with(|held| held.set(stripe));
    stripe
}

/// Under loom, caches count on the shared stripe; the hand-over of a held stripe has its
/// own model (`loom.rs`).
#[cfg(all(test, loom))]
fn stripe() -> usize {
    SHARED
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::thread;

    use super::{stripe, Striped, OWNED};

    /// Taken by the tests that hold stripes from many threads, so that one of them never
    /// finds every stripe held by another. Their threads are joined with `join`, which
    /// returns after the thread's thread-local destructors ran (the end of a
    /// `thread::scope` may come before), so a stripe is free again when a test ends.
    static STRIPES: Mutex<()> = Mutex::new(());

    /// Runs `count` on `threads` threads at once, and on each the next ones after it
    /// exits when `one_at_a_time`; returns what they returned.
    fn on_threads<T: Send + 'static>(
        threads: usize,
        one_at_a_time: bool,
        count: impl Fn() -> T + Send + Sync + 'static,
    ) -> Vec<T> {
        let _only = STRIPES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = Arc::new(count);
        let mut results = Vec::new();
        let mut running = Vec::new();
        for _ in 0..threads {
            let count = Arc::clone(&count);
            running.push(thread::spawn(move || count()));
            if one_at_a_time {
                results.extend(running.drain(..).map(|thread| thread.join().unwrap()));
            }
        }
        results.extend(running.into_iter().map(|thread| thread.join().unwrap()));
        results
    }

    /// More threads than stripes, all counting at once: every count lands.
    #[test]
    fn counts_from_more_threads_than_stripes_all_land() {
        let hits = Arc::new(Striped::default());
        let threads = 2 * OWNED + 3;
        let counting = Arc::clone(&hits);
        on_threads(threads, false, move || {
            for _ in 0..1_000 {
                counting.add_one();
            }
        });
        assert_eq!(hits.sum(), threads as u64 * 1_000);
    }

    /// A thread gives its stripe back when it exits: threads one after another, many more
    /// than there are stripes, each get one of their own. Without the hand-back the eighth
    /// would count on the shared stripe. (No other test of this binary counts hits outside
    /// `on_threads`; one that did would hold a stripe on its own thread, and it takes all
    /// seven held at once to starve this test.)
    #[test]
    fn an_exiting_thread_gives_its_stripe_back() {
        for held in on_threads(3 * OWNED, true, stripe) {
            assert!(held < OWNED, "a thread found no stripe free: {held}");
        }
    }

    /// Threads that come and go hand their stripes on: one after another, every count lands.
    #[test]
    fn stripes_handed_on_keep_their_counts() {
        let hits = Arc::new(Striped::default());
        let counting = Arc::clone(&hits);
        on_threads(3 * OWNED, true, move || {
            for _ in 0..100 {
                counting.add_one();
            }
        });
        assert_eq!(hits.sum(), 3 * OWNED as u64 * 100);
    }
}
