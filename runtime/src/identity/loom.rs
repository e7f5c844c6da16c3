//! Loom models of the identity cache's concurrency (run with
//! `RUSTFLAGS="--cfg loom" cargo test -p coact-runtime --release --lib loom`).
//!
//! Each model drives the real `Cache::get_or_load` (claim, single-flight wait, load
//! guard, landing, eviction) from loom threads, each future run by `loom::future::block_on`.
//! Under loom the cache's synchronisation is loom's (`crate::sync`): the flight's mutex
//! and `waited` flag, the recency stamps, and the two doubles for what loom cannot see
//! into: the papaya map (`sync/map.rs`: each operation atomic on its key, under a loom
//! lock; `compute` runs its closure twice, as papaya may; scans visit one entry at a
//! time) and tokio's `Notify` (`sync/notify.rs`: tokio's `notify_waiters` contract, a
//! little stricter). So these check coact's protocols in every interleaving loom explores
//! within its preemption bound; they do not check papaya's or tokio's insides, which
//! their own suites test. A lost wake-up shows as a loom deadlock (every thread
//! blocked), a broken single flight as a second load or two different instances.
//!
//! The hit counter's stripes have models of their own (the last two): a thread that
//! exits hands its stripe on, and the next holder's counts, made with a plain load and
//! store, must not lose the earlier ones.
//!
//! Not modelled: expiry and sweeps (time), weak entries, `forget`/`clear`, the shared
//! Redis tier, and eviction's last resort (the pass that takes any ready entries after
//! four by-age passes were each beaten by hits: one hit per model cannot beat four).
//! `tests/identity.rs` tests them on tokio's runtime, not exhaustively.

use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use futures_util::FutureExt as _;
use loom::future::block_on;
use loom::thread;

use super::stats::{Registry, Striped, SHARED};
use super::{Cache, Retention};
use crate::sync::{model, shard_of};

type Values = Cache<u8, Arc<u8>>;

/// A loader that counts its runs in `loads` and finds `key`'s value.
fn loader(
    key: u8,
    loads: &Arc<AtomicUsize>,
) -> impl FnOnce() -> std::future::Ready<Result<Option<u8>, Infallible>> {
    // The counter is std's: it only counts, and loom runs its threads one at a time on one
    // OS thread, so it is exact.
    let loads = Arc::clone(loads);
    move || {
        loads.fetch_add(1, Relaxed);
        std::future::ready(Ok(Some(key)))
    }
}

fn get(cache: &Values, key: u8, loads: &Arc<AtomicUsize>) -> Arc<u8> {
    match block_on(cache.get_or_load(key, loader(key, loads))) {
        Ok(value) => value,
        Err(error) => panic!("a load that finds its value failed: {error:?}"),
    }
}

/// A leader loads while two callers miss the same key: whether they find the value,
/// wait for the flight (registering while it finishes) or lead it themselves, one load
/// runs and all three get the very same instance; nobody sleeps through the finish.
#[test]
fn waiters_get_the_leaders_value() {
    model(|| {
        let cache = Values::new(Retention::FOREVER);
        let loads = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (cache, loads) = (cache.clone(), Arc::clone(&loads));
                thread::spawn(move || get(&cache, 1, &loads))
            })
            .collect();
        let led = get(&cache, 1, &loads);
        for waiter in waiters {
            let got = waiter.join().unwrap();
            assert!(Arc::ptr_eq(&got, &led), "two instances for one key");
        }
        assert_eq!(*led, 1);
        assert_eq!(
            loads.load(Relaxed),
            1,
            "single flight ran more than one load"
        );
    });
}

/// A caller starts a load that never finishes and is cancelled (its future dropped) while
/// two others miss the same key: the cancelled flight is abandoned, exactly one of the two
/// takes over and loads, the other waits for it (or finds its value), and both get the
/// same instance.
#[test]
fn a_waiter_takes_over_from_a_cancelled_leader() {
    model(|| {
        let cache = Values::new(Retention::FOREVER);
        let loads = Arc::new(AtomicUsize::new(0));
        let cancelled = thread::spawn({
            let cache = cache.clone();
            move || {
                let never = || std::future::pending::<Result<Option<u8>, Infallible>>();
                // One poll (it claims the load, or waits, or hits), then dropped.
                cache
                    .get_or_load(1, never)
                    .now_or_never()
                    .map(|got| got.is_ok())
            }
        });
        let other = thread::spawn({
            let (cache, loads) = (cache.clone(), Arc::clone(&loads));
            move || get(&cache, 1, &loads)
        });
        let mine = get(&cache, 1, &loads);
        let theirs = other.join().unwrap();
        assert!(Arc::ptr_eq(&mine, &theirs), "two instances for one key");
        assert_eq!(loads.load(Relaxed), 1, "not exactly one caller took over");
        // The cancelled caller either found the value or got nothing; never an error.
        assert_ne!(cancelled.join().unwrap(), Some(false));
    });
}

/// Keys for the eviction models: an entry that is hit (`HOT`) and two that loads bring in,
/// `NEW` in the map double's other shard, so that a scan can be overtaken between them.
const HOT: u8 = 0;
const NEW: u8 = 5;
const OTHER: u8 = 7;

#[test]
fn eviction_models_spread_their_keys_over_the_shards() {
    assert_ne!(shard_of(&HOT), shard_of(&NEW));
    assert_ne!(shard_of(&OTHER), shard_of(&NEW));
}

fn bounded() -> Values {
    Values::new(Retention::Keep {
        ttl: None,
        capacity: Some(NonZeroUsize::MIN),
    })
}

/// The capacity holds once a load's eviction and a concurrent hit settle. The hit can
/// refresh the eviction's victim between the scan that picked it and the pass that
/// removes it, sparing it; eviction must then pass again (the bug fixed in 185a2a9,
/// which this model finds in the code before it).
#[test]
fn capacity_holds_when_a_hit_races_eviction() {
    model(|| {
        let cache = bounded();
        let loads = Arc::new(AtomicUsize::new(0));
        get(&cache, HOT, &loads);
        let hitter = thread::spawn({
            let (cache, loads) = (cache.clone(), Arc::clone(&loads));
            // A hit, or a reload if the entry was evicted first.
            move || get(&cache, HOT, &loads)
        });
        assert_eq!(*get(&cache, NEW, &loads), NEW);
        assert_eq!(*hitter.join().unwrap(), HOT);
        assert!(cache.len() <= 1, "{} entries kept, capacity 1", cache.len());
        assert_eq!(
            cache.stats().size,
            cache.len(),
            "the size counted as entries come and go"
        );
    });
}

/// Two loads of different keys land and evict at once: the capacity holds once both
/// settle, whatever order their counts, scans and removals interleave in.
#[test]
fn capacity_holds_when_loads_evict_at_once() {
    model(|| {
        let cache = bounded();
        let loads = Arc::new(AtomicUsize::new(0));
        let other = thread::spawn({
            let (cache, loads) = (cache.clone(), Arc::clone(&loads));
            move || get(&cache, OTHER, &loads)
        });
        assert_eq!(*get(&cache, NEW, &loads), NEW);
        assert_eq!(*other.join().unwrap(), OTHER);
        assert!(cache.len() <= 1, "{} entries kept, capacity 1", cache.len());
        assert_eq!(
            cache.stats().size,
            cache.len(),
            "the size counted as entries come and go"
        );
    });
}

/// Two loads evict while a hit refreshes the entry they would take first: the capacity
/// holds once all three settle.
#[test]
fn capacity_holds_when_loads_and_a_hit_race() {
    model(|| {
        let cache = bounded();
        let loads = Arc::new(AtomicUsize::new(0));
        get(&cache, HOT, &loads);
        let threads: Vec<_> = [HOT, OTHER]
            .into_iter()
            .map(|key| {
                let (cache, loads) = (cache.clone(), Arc::clone(&loads));
                thread::spawn(move || (key, get(&cache, key, &loads)))
            })
            .collect();
        assert_eq!(*get(&cache, NEW, &loads), NEW);
        for thread in threads {
            let (key, got) = thread.join().unwrap();
            assert_eq!(*got, key);
        }
        assert!(cache.len() <= 1, "{} entries kept, capacity 1", cache.len());
        assert_eq!(
            cache.stats().size,
            cache.len(),
            "the size counted as entries come and go"
        );
    });
}

/// A thread's counting, as a cache's hits make it: takes a stripe, counts `times` on it,
/// gives it back (as the thread's exit does); returns the stripe it took.
fn counting(
    registry: &loom::sync::Arc<Registry>,
    hits: &loom::sync::Arc<Striped>,
    times: usize,
) -> impl FnOnce() -> usize {
    let (registry, hits) = (registry.clone(), hits.clone());
    move || {
        let stripe = registry.claim();
        for _ in 0..times {
            hits.add_one_at(stripe);
        }
        registry.release(stripe);
        stripe
    }
}

/// A stripe handed on: one thread counts on the stripe it took and gives it back; another
/// takes a stripe (the same one, if the first gave it back already) and counts; a third
/// counts on the shared stripe. Every count lands. With a relaxed take or give-back, the
/// second holder could read the stripe from before the first one's counts and lose them.
#[test]
fn a_stripe_handed_on_keeps_its_counts() {
    model(|| {
        let registry = loom::sync::Arc::new(Registry::new(0));
        let hits = loom::sync::Arc::new(Striped::default());
        let first = thread::spawn(counting(&registry, &hits, 2));
        let second = thread::spawn(counting(&registry, &hits, 2));
        hits.add_one_at(SHARED);
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(hits.sum(), 5, "a count was lost");
    });
}

/// With one stripe left, two threads counting at once: one holds it, the other counts on
/// the shared stripe beside the main thread; every count lands.
#[test]
fn counts_beyond_the_free_stripes_share_one() {
    model(|| {
        // Every stripe but the first is held by threads outside the model.
        let registry = loom::sync::Arc::new(Registry::new(!1 & 0x7f));
        let hits = loom::sync::Arc::new(Striped::default());
        let first = thread::spawn(counting(&registry, &hits, 1));
        let second = thread::spawn(counting(&registry, &hits, 1));
        hits.add_one_at(SHARED);
        let stripes = [first.join().unwrap(), second.join().unwrap()];
        assert!(
            stripes.iter().all(|stripe| [0, SHARED].contains(stripe)),
            "a thread took a stripe that was held: {stripes:?}"
        );
        assert_eq!(hits.sum(), 3, "a count was lost");
    });
}
