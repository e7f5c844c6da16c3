//! `coact::identity::Cache`: identity, single-flight, retention, invalidation, statistics.

use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coact::identity::{Cache, LoadError, Retention, Shared, Stats};
use tokio::sync::{Barrier, Notify};

#[derive(Debug, PartialEq)]
struct User {
    id: u32,
    name: String,
}

/// A data source that counts its queries.
#[derive(Clone, Default)]
struct Source {
    queries: Arc<AtomicUsize>,
}

impl Source {
    async fn load(&self, id: u32) -> Result<Option<User>, String> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        match id {
            0 => Err("the database is down".to_owned()),
            1..=99 => Ok(Some(User {
                id,
                name: format!("user {id}"),
            })),
            _ => Ok(None),
        }
    }

    fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }
}

type Users = Cache<u32, Shared<User>, String>;
type Loaded = Result<Shared<User>, LoadError<String>>;

#[allow(clippy::unnecessary_wraps)] // the shape of a fallible loader, which this one stands for
fn user(id: u32, name: &str) -> Result<Option<User>, String> {
    Ok(Some(User {
        id,
        name: name.to_owned(),
    }))
}

/// `cache.get_or_load(key, load)` as its own task.
fn spawn_get<F, Fut>(cache: &Users, key: u32, load: F) -> tokio::task::JoinHandle<Loaded>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Option<User>, String>> + Send + 'static,
{
    let cache = cache.clone();
    tokio::spawn(async move { cache.get_or_load(key, load).await })
}

fn users() -> Users {
    Cache::new(Retention::Weak)
}

#[tokio::test]
async fn same_key_same_instance_and_shared_changes() {
    let (cache, source) = (users(), Source::default());
    let a = cache.get_or_load(1, || source.load(1)).await.unwrap();
    let b = cache.get_or_load(1, || source.load(1)).await.unwrap();
    assert!(Shared::ptr_eq(&a, &b));
    assert!(Arc::ptr_eq(a.as_arc(), b.as_arc()));
    a.write().name = "Steve".to_owned();
    assert_eq!(b.read().name, "Steve");
    assert_eq!(source.queries(), 1);
    let other = cache.get_or_load(2, || source.load(2)).await.unwrap();
    assert!(!Shared::ptr_eq(&a, &other));
}

#[tokio::test]
async fn no_data_no_instance_and_nothing_cached() {
    let (cache, source) = (users(), Source::default());
    assert_eq!(
        cache
            .get_or_load(500, || source.load(500))
            .await
            .unwrap_err(),
        LoadError::NotFound
    );
    assert_eq!(
        cache
            .get_or_load(500, || source.load(500))
            .await
            .unwrap_err(),
        LoadError::NotFound
    );
    assert_eq!(source.queries(), 2, "the loader is asked again");
    assert!(cache.is_empty());
}

#[tokio::test]
async fn errors_are_returned_never_cached() {
    let (cache, source) = (users(), Source::default());
    let Err(LoadError::Failed(error)) = cache.get_or_load(0, || source.load(0)).await else {
        panic!("the loader's error is returned");
    };
    assert_eq!(*error, "the database is down");
    assert!(cache.get_or_load(0, || source.load(0)).await.is_err());
    assert_eq!(source.queries(), 2);
    assert_eq!(cache.stats().load_errors, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_misses_load_once() {
    let cache = users();
    let loads = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let start = Arc::new(Barrier::new(1_000));
    let mut tasks = Vec::new();
    for _ in 0..1_000 {
        let (cache, loads, release, start) = (
            cache.clone(),
            Arc::clone(&loads),
            Arc::clone(&release),
            Arc::clone(&start),
        );
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            cache
                .get_or_load(7, || async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    release.notified().await; // held until every caller is waiting
                    user(7, "seven")
                })
                .await
        }));
    }
    // Every caller is a miss once they have all asked; then let the one load finish.
    while cache.stats().misses < 1_000 {
        tokio::task::yield_now().await;
    }
    release.notify_one();
    let mut handles = Vec::new();
    for task in tasks {
        handles.push(task.await.unwrap().unwrap());
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    assert!(handles.iter().all(|h| Shared::ptr_eq(h, &handles[0])));
    assert_eq!(cache.stats().loads, 1);
}

#[tokio::test]
async fn a_cancelled_loader_hands_over_to_a_waiter() {
    let cache = users();
    let started = Arc::new(Notify::new());
    let leader = {
        let started = Arc::clone(&started);
        spawn_get(&cache, 3, || async move {
            started.notify_one();
            std::future::pending().await
        })
    };
    started.notified().await;
    let waiter = spawn_get(&cache, 3, || async { user(3, "three") });
    // The waiter is waiting on the leader's load; cancel the leader.
    while cache.stats().misses < 2 {
        tokio::task::yield_now().await;
    }
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    let user = waiter.await.unwrap().unwrap();
    assert_eq!(user.read().name, "three");
    assert_eq!(cache.stats().loads, 2);
}

#[tokio::test]
async fn a_panicking_loader_fails_every_waiter_then_reloads_cleanly() {
    let cache = users();
    let release = Arc::new(Notify::new());
    let leader = {
        let release = Arc::clone(&release);
        spawn_get(&cache, 4, || async move {
            release.notified().await;
            panic!("the driver crashed")
        })
    };
    let waiter = spawn_get(&cache, 4, || async { Ok(None) });
    while cache.stats().misses < 2 {
        tokio::task::yield_now().await;
    }
    release.notify_one();
    let crashed = LoadError::Panicked {
        message: "the driver crashed".to_owned(),
    };
    assert_eq!(leader.await.unwrap().unwrap_err(), crashed);
    assert_eq!(waiter.await.unwrap().unwrap_err(), crashed);
    // Nothing poisoned: the next call loads afresh.
    let four = cache
        .get_or_load(4, || async { user(4, "four") })
        .await
        .unwrap();
    assert_eq!(four.read().id, 4);
}

/// Counts its drops, to see values actually freed.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn weak_retention_frees_the_entry_with_its_last_handle() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let cache: Cache<u8, Arc<Tracked>> = Cache::new(Retention::Weak);
    let tracked = || async { Ok(Some(Tracked(Arc::clone(&dropped)))) };
    let a = cache.get_or_load(1, tracked).await.unwrap();
    let b = cache.get_or_load(1, tracked).await.unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(cache.len(), 1);
    drop(a);
    assert_eq!(cache.len(), 1, "a handle still lives");
    drop(b);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "freed with its last handle"
    );
    assert_eq!(cache.len(), 0);
    let again = cache.get_or_load(1, tracked).await.unwrap();
    assert_eq!(cache.stats().loads, 2);
    drop(again);
}

/// A cache whose entries expire ten seconds after they are loaded.
fn ten_second_cache() -> Cache<u8, Arc<Tracked>> {
    Cache::new(Retention::Keep {
        ttl: Some(Duration::from_secs(10)),
        capacity: None,
    })
}

#[tokio::test(start_paused = true)]
async fn ttl_expires_and_frees_entries() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let cache = ten_second_cache();
    let tracked = || async { Ok(Some(Tracked(Arc::clone(&dropped)))) };
    drop(cache.get_or_load(1, tracked).await.unwrap());
    assert_eq!(dropped.load(Ordering::SeqCst), 0, "the map keeps it");
    tokio::time::advance(Duration::from_secs(9)).await;
    drop(cache.get_or_load(1, tracked).await.unwrap());
    assert_eq!(cache.stats().loads, 1);
    tokio::time::advance(Duration::from_secs(1)).await;
    cache.purge();
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "freed, not only hidden");
    assert_eq!(cache.stats().evictions, 1);
    drop(cache.get_or_load(1, tracked).await.unwrap());
    assert_eq!(cache.stats().loads, 2);
    // Asked for once expired, the entry is reloaded, and the expired value freed at once.
    tokio::time::advance(Duration::from_secs(10)).await;
    drop(cache.get_or_load(1, tracked).await.unwrap());
    assert_eq!(cache.stats().loads, 3);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        2,
        "the reload freed the expired value"
    );
}

/// A cache of two entries at most.
fn two_at_most() -> Cache<u8, Arc<u8>> {
    Cache::new(Retention::Keep {
        ttl: None,
        capacity: NonZeroUsize::new(2),
    })
}

/// A loader of the number `n`.
fn number(n: u8) -> impl FnOnce() -> std::future::Ready<Result<Option<u8>, Infallible>> {
    move || std::future::ready(Ok(Some(n)))
}

#[tokio::test]
async fn capacity_evicts_the_least_recently_used() {
    let (cache, load) = (two_at_most(), number);
    cache.get_or_load(1, load(1)).await.unwrap();
    cache.get_or_load(2, load(2)).await.unwrap();
    cache.get_or_load(1, load(1)).await.unwrap(); // 1 is now more recent than 2
    cache.get_or_load(3, load(3)).await.unwrap(); // evicts 2
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.stats().evictions, 1);
    cache.get_or_load(1, load(1)).await.unwrap();
    cache.get_or_load(3, load(3)).await.unwrap();
    assert_eq!(cache.stats().loads, 3, "1 and 3 stayed");
    cache.get_or_load(2, load(2)).await.unwrap();
    assert_eq!(cache.stats().loads, 4, "2 was evicted");
}

#[tokio::test]
async fn get_finds_the_same_instance_and_never_loads() {
    let (cache, source) = (
        Cache::<u32, Shared<User>, String>::new(Retention::FOREVER),
        Source::default(),
    );
    assert!(cache.get(&1).is_none(), "nothing is loaded yet");
    let loaded = cache.get_or_load(1, || source.load(1)).await.unwrap();
    let found = cache.get(&1).expect("loaded above");
    assert!(Shared::ptr_eq(&loaded, &found));
    assert!(cache.get(&2).is_none());
    assert_eq!(source.queries(), 1, "get never loads");
    let stats = cache.stats();
    assert_eq!(
        (stats.hits, stats.misses, stats.loads),
        (1, 1, 1),
        "a get that finds nothing counts nothing"
    );
}

#[tokio::test]
async fn get_does_not_wait_for_a_load_in_flight() {
    let cache = users();
    let (started, in_flight) = tokio::sync::oneshot::channel();
    let release = Arc::new(Notify::new());
    let finish = Arc::clone(&release);
    let loading = spawn_get(&cache, 1, move || async move {
        let _ = started.send(());
        finish.notified().await;
        user(1, "one")
    });
    in_flight.await.unwrap();
    assert!(cache.get(&1).is_none(), "the load is still in flight");
    release.notify_one();
    let loaded = loading.await.unwrap().unwrap();
    assert!(Shared::ptr_eq(&loaded, &cache.get(&1).unwrap()));
}

#[tokio::test(start_paused = true)]
async fn get_misses_expired_and_dead_entries() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let tracked = || async { Ok(Some(Tracked(Arc::clone(&dropped)))) };
    let timed = ten_second_cache();
    drop(timed.get_or_load(1, tracked).await.unwrap());
    assert!(timed.get(&1).is_some());
    tokio::time::advance(Duration::from_secs(10)).await;
    assert!(timed.get(&1).is_none(), "expired");
    assert_eq!(timed.stats().hits, 1);

    let weak: Cache<u8, Arc<Tracked>> = Cache::new(Retention::Weak);
    let held = weak.get_or_load(1, tracked).await.unwrap();
    assert!(weak.get(&1).is_some(), "a handle still lives");
    drop(held);
    assert!(weak.get(&1).is_none(), "freed with its last handle");
}

#[tokio::test]
async fn get_marks_the_entry_used() {
    let (cache, load) = (two_at_most(), number);
    cache.get_or_load(1, load(1)).await.unwrap();
    cache.get_or_load(2, load(2)).await.unwrap();
    assert!(cache.get(&1).is_some()); // 1 is now more recent than 2
    cache.get_or_load(3, load(3)).await.unwrap(); // evicts 2
    assert!(cache.get(&1).is_some(), "1 stayed");
    assert!(cache.get(&2).is_none(), "2 was evicted");
    assert_eq!(cache.stats().loads, 3);
}

#[tokio::test]
async fn forget_and_clear() {
    let (cache, source) = (
        Cache::<u32, Shared<User>, String>::new(Retention::FOREVER),
        Source::default(),
    );
    for id in 1..=3 {
        cache.get_or_load(id, || source.load(id)).await.unwrap();
    }
    assert!(cache.forget(&2).await);
    assert!(!cache.forget(&2).await);
    assert_eq!(cache.len(), 2);
    cache.get_or_load(2, || source.load(2)).await.unwrap();
    assert_eq!(source.queries(), 4);
    cache.clear().await;
    assert!(cache.is_empty());
    cache.get_or_load(1, || source.load(1)).await.unwrap();
    assert_eq!(source.queries(), 5);
}

/// What leaves the map is freed by the time the call that took it out returns, though the
/// map frees what it replaces lazily, a batch at a time: by `forget`, `clear` and eviction.
#[tokio::test]
async fn forget_clear_and_eviction_free_what_they_remove() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let tracked = || async { Ok(Some(Tracked(Arc::clone(&dropped)))) };
    let cache: Cache<u8, Arc<Tracked>> = Cache::new(Retention::FOREVER);
    for key in 1..=3 {
        drop(cache.get_or_load(key, tracked).await.unwrap());
    }
    assert!(cache.forget(&1).await);
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "forget freed it");
    cache.clear().await;
    assert_eq!(dropped.load(Ordering::SeqCst), 3, "clear freed them");
    let bounded: Cache<u8, Arc<Tracked>> = Cache::new(Retention::Keep {
        ttl: None,
        capacity: NonZeroUsize::new(1),
    });
    drop(bounded.get_or_load(1, tracked).await.unwrap());
    drop(bounded.get_or_load(2, tracked).await.unwrap());
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        4,
        "eviction freed the least recent"
    );
}

#[tokio::test]
async fn stats_are_exact() {
    let (cache, source) = (
        Cache::<u32, Shared<User>, String>::new(Retention::FOREVER),
        Source::default(),
    );
    let _a = cache.get_or_load(1, || source.load(1)).await; // miss, load
    let _b = cache.get_or_load(1, || source.load(1)).await; // hit
    let _c = cache.get_or_load(1, || source.load(1)).await; // hit
    let _d = cache.get_or_load(500, || source.load(500)).await; // miss, load, not found
    let _e = cache.get_or_load(0, || source.load(0)).await; // miss, load, error
    let _f = cache.get_or_load(2, || source.load(2)).await; // miss, load
    let Stats {
        hits,
        misses,
        loads,
        not_found,
        load_errors,
        evictions,
        size,
        ..
    } = cache.stats();
    assert_eq!(
        (hits, misses, loads, not_found, load_errors, evictions, size),
        (2, 4, 4, 1, 1, 0, 2)
    );
}

/// `stats()` is a monitoring read: it neither sweeps nor frees anything, so polling it
/// costs the same whatever the map holds. An expired entry stays (and counts in `size`)
/// until a sweep; `len()` sweeps, and `size` follows.
#[tokio::test(start_paused = true)]
async fn stats_neither_sweeps_nor_frees_expired_entries() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let cache = ten_second_cache();
    let tracked = || async { Ok(Some(Tracked(Arc::clone(&dropped)))) };
    drop(cache.get_or_load(1, tracked).await.unwrap());
    drop(cache.get_or_load(2, tracked).await.unwrap());
    tokio::time::advance(Duration::from_secs(10)).await;
    let stats = cache.stats();
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        0,
        "stats() freed expired values"
    );
    assert_eq!(
        (stats.size, stats.evictions),
        (2, 0),
        "stats() swept the expired entries"
    );
    assert_eq!(cache.len(), 0, "len() sweeps them");
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    let stats = cache.stats();
    assert_eq!((stats.size, stats.evictions), (0, 2));
}

/// A weak entry whose last handle is gone stays in the map, counted in `size`, until a
/// sweep: `stats()` does not sweep it, `len()` does.
#[tokio::test]
async fn stats_counts_dead_weak_entries_until_a_sweep() {
    let cache: Cache<u8, Arc<u8>> = Cache::new(Retention::Weak);
    let load = number;
    let kept = cache.get_or_load(1, load(1)).await.unwrap();
    drop(cache.get_or_load(2, load(2)).await.unwrap());
    assert_eq!(cache.stats().size, 2, "2 is dead but not swept yet");
    assert!(
        format!("{cache:?}").contains("entries: 2"),
        "stats() swept the dead entry: {cache:?}"
    );
    assert_eq!(cache.len(), 1, "len() counts only the live one");
    assert_eq!(cache.stats().size, 1);
    assert!(format!("{cache:?}").contains("entries: 1"), "{cache:?}");
    drop(kept);
}

/// `size` is kept as entries come and go, not counted by a scan: it follows loads,
/// reloads over a dead entry, forget, clear and eviction, and matches `len()` once a
/// sweep has run.
#[tokio::test]
async fn stats_size_follows_every_way_in_and_out() {
    let (cache, source) = (
        Cache::<u32, Shared<User>, String>::new(Retention::FOREVER),
        Source::default(),
    );
    for id in [1, 2, 3] {
        cache.get_or_load(id, || source.load(id)).await.unwrap();
    }
    assert_eq!(cache.stats().size, 3);
    let _ = cache.get_or_load(500, || source.load(500)).await; // not found
    let _ = cache.get_or_load(0, || source.load(0)).await; // failed
    assert_eq!(cache.stats().size, 3, "nothing cached without a value");
    assert!(cache.forget(&2).await);
    assert!(!cache.forget(&2).await);
    assert_eq!(cache.stats().size, 2);
    cache.clear().await;
    assert_eq!(cache.stats().size, 0);

    let weak: Cache<u8, Arc<u8>> = Cache::new(Retention::Weak);
    let load = number;
    drop(weak.get_or_load(1, load(1)).await.unwrap());
    let again = weak.get_or_load(1, load(1)).await.unwrap(); // reloads over the dead entry
    assert_eq!((weak.stats().loads, weak.stats().size), (2, 1));
    assert_eq!(weak.len(), 1);
    drop(again);

    let bounded: Cache<u8, Arc<u8>> = Cache::new(Retention::Keep {
        ttl: None,
        capacity: NonZeroUsize::new(2),
    });
    for n in 1..=5 {
        bounded.get_or_load(n, load(n)).await.unwrap();
    }
    let stats = bounded.stats();
    assert_eq!((stats.size, stats.evictions), (2, 3));
    assert_eq!(bounded.len(), 2);
}

#[tokio::test]
async fn memoized_values_are_arcs() {
    let renders = Arc::new(AtomicUsize::new(0));
    let pages: Cache<&str, Arc<String>> = Cache::new(Retention::FOREVER);
    let render = || async {
        renders.fetch_add(1, Ordering::SeqCst);
        Ok(Some("<html>home</html>".to_owned()))
    };
    let first = pages.get_or_load("/", render).await.unwrap();
    let second = pages.get_or_load("/", render).await.unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(renders.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_loader_error_is_the_source_of_the_load_error() {
    use std::error::Error as _;
    let cache: Cache<u8, Arc<u8>, std::io::Error> = Cache::new(Retention::FOREVER);
    let error = cache
        .get_or_load(1, || async {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "disk gone",
            ))
        })
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "the loader failed: disk gone");
    assert_eq!(error.source().unwrap().to_string(), "disk gone");
}

#[tokio::test]
async fn a_large_capacity_evicts_the_least_recent_in_batches() {
    let keep = Retention::Keep {
        ttl: None,
        capacity: NonZeroUsize::new(1_600),
    };
    let cache: Cache<u32, Arc<u32>> = Cache::new(keep);
    let load = |n: u32| move || async move { Ok::<_, std::convert::Infallible>(Some(n)) };
    for n in 0..1_600 {
        cache.get_or_load(n, load(n)).await.unwrap();
    }
    // 0..100 become the most recently used.
    for n in 0..100 {
        cache.get_or_load(n, load(n)).await.unwrap();
    }
    cache.get_or_load(1_600, load(1_600)).await.unwrap();
    // One over capacity: a batch of 1_600 / 16 = 100 goes, the least recent: 100..200.
    assert_eq!(cache.stats().evictions, 100);
    assert_eq!(cache.len(), 1_501);
    let loads = cache.stats().loads;
    for n in (0..100).chain(200..1_601) {
        cache.get_or_load(n, load(n)).await.unwrap();
    }
    assert_eq!(cache.stats().loads, loads, "the recent ones stayed");
    cache.get_or_load(150, load(150)).await.unwrap();
    assert_eq!(cache.stats().loads, loads + 1, "150 was evicted");
}

#[tokio::test(start_paused = true)]
async fn expired_entries_nobody_asks_for_are_freed_by_other_hits() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let ttl = Retention::Keep {
        ttl: Some(Duration::from_secs(10)),
        capacity: None,
    };
    let cache: Cache<u32, Arc<Tracked>> = Cache::new(ttl);
    let tracked = || async { Ok(Some(Tracked(Arc::clone(&dropped)))) };
    for key in 1..=10 {
        drop(cache.get_or_load(key, tracked).await.unwrap());
    }
    tokio::time::advance(Duration::from_secs(11)).await;
    // Only key 0 is used from now on; no insert, `len`, `stats` or `purge` sweeps.
    for _ in 0..2_048 {
        drop(cache.get_or_load(0, tracked).await.unwrap());
    }
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        10,
        "the expired ten were freed"
    );
}

/// Hits that land between eviction's choice of victims and their removal refresh the
/// victims' stamps; the map must still end within its capacity.
#[test]
fn capacity_holds_under_contention() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let keep = Retention::Keep {
        ttl: None,
        capacity: NonZeroUsize::new(2),
    };
    let mut over = 0;
    for _ in 0..200 {
        let cache: Arc<Cache<u8, Arc<u8>>> = Arc::new(Cache::new(keep));
        runtime.block_on(async {
            let tasks: Vec<_> = (0..64_u8)
                .map(|task| {
                    let cache = Arc::clone(&cache);
                    tokio::spawn(async move {
                        for i in 0..8_u8 {
                            let key = (task + i) % 4;
                            let load =
                                move || async move { Ok::<_, std::convert::Infallible>(Some(key)) };
                            cache.get_or_load(key, load).await.unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        if cache.len() > 2 {
            over += 1;
        }
    }
    assert_eq!(over, 0, "trials that ended over capacity");
}
