//! coact's identity `Cache` against a bare `DashMap` + `Arc::clone`, moka's async cache,
//! quick_cache's concurrent cache and the `cached` crate's memoized async functions: hits,
//! misses that run a trivial loader, and hits from two threads at once. The hits also run
//! on a papaya `HashMap`, whose reads take no lock: what a hit could cost on such a map.
//!
//! Every benchmark is an `iter_custom` whose `iters` lookups run inside one `block_on` of a
//! current-thread tokio runtime (one per thread in the two-thread groups), so criterion's
//! time is the time of one lookup and the runtime's own cost is spread over the batch.
//! Values are `Arc<Row>`, a small struct; every lookup returns its own `Arc` (one
//! reference-count increment and, when it is dropped, one decrement).
//!
//! - `hit`: 1,024 keys are loaded first, lookups cycle through them.
//! - `miss_load`: every lookup is for a key never asked before and runs a loader that
//!   returns the row at once; after each 1,000 lookups the cache is emptied, untimed.
//! - `contended_same_key` / `contended_distinct_keys`: two OS threads, each with its own
//!   current-thread runtime, start together and do `iters` hits each, on one hot key or on
//!   their own halves of the 1,024 keys; the time is the slower thread's. coact's hit
//!   count is checked against the number of lookups afterwards.
//!
//! Run with `cd bench && cargo bench --bench identity`.

use std::convert::Infallible;
use std::future::Future;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cached::macros::{cached, concurrent_cached};
use cached::Cached as _;
use coact::identity::{Cache, Retention};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use dashmap::DashMap;

/// How many keys the hit benchmarks load first.
const KEYS: u64 = 1024;
/// Misses between two (untimed) clears of the cache.
const MISS_BATCH: u64 = 1000;

/// The cached value.
#[derive(Debug)]
pub struct Row {
    id: u64,
    version: u32,
}

impl Row {
    fn new(id: u64) -> Self {
        Self { id, version: 1 }
    }
}

pub type CoactCache = Cache<u64, Arc<Row>>;
type MokaCache = moka::future::Cache<u64, Arc<Row>>;
pub type QuickCache = quick_cache::sync::Cache<u64, Arc<Row>>;

/// coact's loader: a row for every key, at once.
async fn load(key: u64) -> Result<Option<Row>, Infallible> {
    Ok(Some(Row::new(key)))
}

pub async fn coact_get(cache: &CoactCache, key: u64) -> Option<Arc<Row>> {
    cache.get_or_load(key, || load(key)).await.ok()
}

/// coact's lookup that never loads: `Cache::get`, synchronous, in an `async fn` like the
/// peers' `get`.
pub async fn coact_peek(cache: &CoactCache, key: u64) -> Option<Arc<Row>> {
    cache.get(&key)
}

/// What a caller whose lookups mostly hit writes: `get`, then `get_or_load` on `None`.
pub async fn coact_get_else_load(cache: &CoactCache, key: u64) -> Option<Arc<Row>> {
    if let Some(row) = cache.get(&key) {
        return Some(row);
    }
    cache.get_or_load(key, || load(key)).await.ok()
}

/// The baseline: a `DashMap` of `Arc`s. A hit is `get` + `Arc::clone`; a miss awaits the
/// loader outside any lock and inserts with `entry` (no single-flight).
pub async fn dashmap_get<S: BuildHasher + Clone>(
    map: &DashMap<u64, Arc<Row>, S>,
    key: u64,
) -> Option<Arc<Row>> {
    if let Some(row) = map.get(&key).map(|r| Arc::clone(r.value())) {
        return Some(row);
    }
    let row = Arc::new(load(key).await.ok()??);
    Some(Arc::clone(map.entry(key).or_insert(row).value()))
}

/// The baseline's map with the hasher coact's map uses (foldhash): how much of the
/// difference is the hash function.
pub type FoldDashMap = DashMap<u64, Arc<Row>, foldhash::fast::RandomState>;

/// A map whose reads take no lock (papaya: epoch-based reclamation), with foldhash.
pub type PapayaMap = papaya::HashMap<u64, Arc<Row>, foldhash::fast::RandomState>;

/// papaya's `get` + `Arc::clone` (pinning the map for the one read); a miss inserts
/// the loaded row, or takes the one another caller inserted first.
pub async fn papaya_get(map: &PapayaMap, key: u64) -> Option<Arc<Row>> {
    if let Some(row) = map.pin().get(&key) {
        return Some(Arc::clone(row));
    }
    let row = Arc::new(load(key).await.ok()??);
    Some(Arc::clone(map.pin().get_or_insert(key, row)))
}

async fn moka_get(cache: &MokaCache, key: u64) -> Option<Arc<Row>> {
    cache.get(&key).await
}

/// quick_cache's hit: `get`, which clones the `Arc` out.
pub async fn quick_get(cache: &QuickCache, key: u64) -> Option<Arc<Row>> {
    cache.get(&key)
}

/// quick_cache's single-flight `get_or_insert_async`; `None` is not cached, like coact's
/// `Ok(None)`, by failing the insert.
pub async fn quick_get_or_insert(cache: &QuickCache, key: u64) -> Option<Arc<Row>> {
    cache
        .get_or_insert_async(&key, async {
            load(key).await.ok().flatten().map(Arc::new).ok_or(())
        })
        .await
        .ok()
}

/// moka's single-flight `get_with`; its init future cannot say "no data", so the (always
/// present) row is unwrapped.
async fn moka_get_with(cache: &MokaCache, key: u64) -> Option<Arc<Row>> {
    let init = async move {
        let Ok(row) = load(key).await;
        Arc::new(row.expect("every key has a row"))
    };
    Some(cache.get_with(key, init).await)
}

// `cached`'s memoized async functions, one static cache each. `Option` results: `None`
// would not be cached, as coact caches nothing for `Ok(None)`.

/// `#[cached]` with its defaults: an unbounded store behind one async `RwLock`, no
/// single-flight (concurrent misses each run the body).
#[cached]
async fn cached_hit(key: u64) -> Option<Arc<Row>> {
    Some(Arc::new(load(key).await.ok()??))
}

/// The same with `sync_writes = "by_key"`: concurrent misses for one key run the body
/// once, as coact's do.
#[cached(sync_writes = "by_key")]
async fn cached_by_key_hit(key: u64) -> Option<Arc<Row>> {
    Some(Arc::new(load(key).await.ok()??))
}

/// `#[concurrent_cached]`: a sharded store with per-shard locks.
#[concurrent_cached]
async fn concurrent_cached_hit(key: u64) -> Option<Arc<Row>> {
    Some(Arc::new(load(key).await.ok()??))
}

/// coact's own macro, as its users write a memoized function: `Option` like the `cached`
/// ones above (`None` is not cached), its cache `static`, reached through the accessor.
#[coact::identity_cached(memoize)]
pub async fn coact_macro_hit(key: u64) -> Option<Row> {
    load(key).await.ok()?
}

#[cached]
async fn cached_miss(key: u64) -> Option<Arc<Row>> {
    Some(Arc::new(load(key).await.ok()??))
}

#[cached(sync_writes = "by_key")]
async fn cached_by_key_miss(key: u64) -> Option<Arc<Row>> {
    Some(Arc::new(load(key).await.ok()??))
}

#[concurrent_cached]
async fn concurrent_cached_miss(key: u64) -> Option<Arc<Row>> {
    Some(Arc::new(load(key).await.ok()??))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

pub fn coact_cache() -> CoactCache {
    Cache::new(Retention::FOREVER)
}

fn moka_cache() -> MokaCache {
    moka::future::Cache::builder().build()
}

/// Room for every key of every group: no hit is lost to its eviction.
pub fn quick_cache() -> QuickCache {
    quick_cache::sync::Cache::new(64 * 1024)
}

/// Uses a looked-up row the way a caller would, so nothing is optimised away.
fn consume(row: Option<Arc<Row>>) {
    let row = row.expect("every key has a row");
    black_box((row.id, row.version));
}

/// Times `iters` hits cycling through the first `KEYS` keys.
pub async fn time_hits<F, Fut>(iters: u64, mut lookup: F) -> Duration
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Option<Arc<Row>>>,
{
    let start = Instant::now();
    for i in 0..iters {
        consume(lookup(black_box(i % KEYS)).await);
    }
    start.elapsed()
}

/// Loads the `KEYS` keys through `lookup`.
pub async fn preload<F, Fut>(mut lookup: F)
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Option<Arc<Row>>>,
{
    for key in 0..KEYS {
        consume(lookup(key).await);
    }
}

/// One contender of the `hit` group: `lookup` timed over each sample's hits.
fn bench_hits<F, Fut>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    lookup: F,
) where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Option<Arc<Row>>>,
{
    group.bench_function(name, |b| {
        b.to_async(rt)
            .iter_custom(|iters| time_hits(iters, &lookup));
    });
}

fn hit(c: &mut Criterion) {
    let rt = runtime();
    let coact = coact_cache();
    let map = DashMap::new();
    let moka = moka_cache();
    let quick = quick_cache();
    let fold_map = FoldDashMap::default();
    let papaya = PapayaMap::default();
    rt.block_on(async {
        preload(|key| coact_get(&coact, key)).await;
        preload(|key| dashmap_get(&map, key)).await;
        preload(|key| dashmap_get(&fold_map, key)).await;
        preload(|key| papaya_get(&papaya, key)).await;
        preload(|key| moka_get_with(&moka, key)).await;
        preload(|key| quick_get_or_insert(&quick, key)).await;
        preload(coact_macro_hit).await;
        preload(cached_hit).await;
        preload(cached_by_key_hit).await;
        preload(concurrent_cached_hit).await;
        moka.run_pending_tasks().await;
    });
    let mut group = c.benchmark_group("hit");
    bench_hits(&mut group, &rt, "coact_get_or_load", |key| {
        coact_get(&coact, key)
    });
    bench_hits(&mut group, &rt, "coact_get", |key| coact_peek(&coact, key));
    bench_hits(&mut group, &rt, "coact_get_else_load", |key| {
        coact_get_else_load(&coact, key)
    });
    bench_hits(&mut group, &rt, "coact_identity_cached", coact_macro_hit);
    bench_hits(&mut group, &rt, "dashmap_get_arc_clone", |key| {
        dashmap_get(&map, key)
    });
    bench_hits(&mut group, &rt, "dashmap_foldhash_get_arc_clone", |key| {
        dashmap_get(&fold_map, key)
    });
    bench_hits(&mut group, &rt, "papaya_get_arc_clone", |key| {
        papaya_get(&papaya, key)
    });
    bench_hits(&mut group, &rt, "moka_get", |key| moka_get(&moka, key));
    bench_hits(&mut group, &rt, "quick_cache_get", |key| {
        quick_get(&quick, key)
    });
    // The peers' loading lookups, hitting: the call their users make for what
    // `get_or_load` does (load on a miss, single-flight), where `get` above cannot load.
    bench_hits(&mut group, &rt, "moka_get_with", |key| {
        moka_get_with(&moka, key)
    });
    bench_hits(&mut group, &rt, "quick_cache_get_or_insert_async", |key| {
        quick_get_or_insert(&quick, key)
    });
    bench_hits(&mut group, &rt, "cached_macro", cached_hit);
    bench_hits(
        &mut group,
        &rt,
        "cached_macro_sync_writes_by_key",
        cached_by_key_hit,
    );
    bench_hits(
        &mut group,
        &rt,
        "concurrent_cached_macro",
        concurrent_cached_hit,
    );
    group.finish();
    assert_eq!(
        coact.stats().loads,
        KEYS,
        "coact's hits never ran the loader"
    );
}

/// Keys never asked before, across every sample of a benchmark.
struct FreshKeys(AtomicU64);

impl FreshKeys {
    fn new() -> Self {
        Self(AtomicU64::new(1 << 32))
    }

    fn take(&self, n: u64) -> u64 {
        self.0.fetch_add(n, Ordering::Relaxed)
    }
}

/// Times `iters` misses on fresh keys, calling `clear` (untimed) after every
/// `MISS_BATCH` of them.
async fn time_misses<F, Fut, C, CFut>(
    iters: u64,
    keys: &FreshKeys,
    mut lookup: F,
    mut clear: C,
) -> Duration
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Option<Arc<Row>>>,
    C: FnMut(u64, u64) -> CFut,
    CFut: Future<Output = ()>,
{
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(MISS_BATCH);
        let first = keys.take(n);
        let start = Instant::now();
        for key in first..first + n {
            consume(lookup(black_box(key)).await);
        }
        total += start.elapsed();
        clear(first, n).await;
        left -= n;
    }
    total
}

fn miss_load(c: &mut Criterion) {
    let rt = runtime();
    let coact = coact_cache();
    let map = DashMap::new();
    let moka = &moka_cache();
    let quick = quick_cache();
    let keys = FreshKeys::new();
    let mut group = c.benchmark_group("miss_load");
    group.bench_function("coact_get_or_load", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            time_misses(
                iters,
                &keys,
                |key| coact_get(&coact, key),
                |_, _| coact.clear(),
            )
        });
    });
    group.bench_function("dashmap_get_then_entry_insert", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            time_misses(
                iters,
                &keys,
                |key| dashmap_get(&map, key),
                |_, _| async { map.clear() },
            )
        });
    });
    group.bench_function("moka_get_with", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            time_misses(
                iters,
                &keys,
                |key| moka_get_with(moka, key),
                |first, n| async move {
                    for key in first..first + n {
                        moka.invalidate(&key).await;
                    }
                    moka.run_pending_tasks().await;
                },
            )
        });
    });
    group.bench_function("quick_cache_get_or_insert_async", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            time_misses(
                iters,
                &keys,
                |key| quick_get_or_insert(&quick, key),
                |_, _| async { quick.clear() },
            )
        });
    });
    group.bench_function("cached_macro", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            time_misses(iters, &keys, cached_miss, |_, _| async {
                CACHED_MISS.write().await.cache_clear();
            })
        });
    });
    group.bench_function("cached_macro_sync_writes_by_key", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            time_misses(iters, &keys, cached_by_key_miss, |_, _| async {
                CACHED_BY_KEY_MISS.write().await.cache_clear();
            })
        });
    });
    group.bench_function("concurrent_cached_macro", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            time_misses(iters, &keys, concurrent_cached_miss, |_, _| async {
                if let Some(cache) = CONCURRENT_CACHED_MISS.get() {
                    cache.clear();
                }
            })
        });
    });
    group.finish();
    let stats = coact.stats();
    assert_eq!(stats.hits, 0, "every coact lookup was a miss");
    assert_eq!(stats.loads, stats.misses, "every coact miss ran its loader");
}

/// Two threads, each with its own current-thread runtime, start together and do `iters`
/// lookups each (thread `t` asks for `key(t, i)`); the slower thread's time.
pub fn two_threads<F, Fut>(iters: u64, key: fn(u64, u64) -> u64, lookup: F) -> Duration
where
    F: Fn(u64) -> Fut + Sync,
    Fut: Future<Output = Option<Arc<Row>>>,
{
    let start = Barrier::new(2);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2)
            .map(|thread| {
                let (start, lookup) = (&start, &lookup);
                scope.spawn(move || {
                    let rt = runtime();
                    start.wait();
                    let began = Instant::now();
                    rt.block_on(async {
                        for i in 0..iters {
                            consume(lookup(black_box(key(thread, i))).await);
                        }
                    });
                    began.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .max()
            .unwrap()
    })
}

pub fn same_key(_thread: u64, _i: u64) -> u64 {
    7
}

/// Thread 0 cycles through the lower half of the keys, thread 1 through the upper half.
/// (Halves, not even and odd keys: rows loaded one after the other may share a cache line,
/// which would make the threads write one line after all.)
pub fn own_keys(thread: u64, i: u64) -> u64 {
    thread * (KEYS / 2) + i % (KEYS / 2)
}

fn contended(c: &mut Criterion) {
    let rt = runtime();
    let coact = coact_cache();
    let map = DashMap::new();
    let moka = moka_cache();
    let quick = quick_cache();
    rt.block_on(async {
        preload(|key| coact_get(&coact, key)).await;
        preload(|key| dashmap_get(&map, key)).await;
        preload(|key| moka_get_with(&moka, key)).await;
        preload(|key| quick_get_or_insert(&quick, key)).await;
        preload(cached_hit).await;
        preload(concurrent_cached_hit).await;
        moka.run_pending_tasks().await;
    });
    let mut coact_hits = 0;
    for (name, key) in [
        ("contended_same_key", same_key as fn(u64, u64) -> u64),
        ("contended_distinct_keys", own_keys),
    ] {
        let mut group = c.benchmark_group(name);
        group.bench_function("coact_get_or_load", |b| {
            b.iter_custom(|iters| {
                coact_hits += 2 * iters;
                two_threads(iters, key, |key| coact_get(&coact, key))
            });
        });
        group.bench_function("coact_get", |b| {
            b.iter_custom(|iters| {
                coact_hits += 2 * iters;
                two_threads(iters, key, |key| coact_peek(&coact, key))
            });
        });
        group.bench_function("dashmap_get_arc_clone", |b| {
            b.iter_custom(|iters| two_threads(iters, key, |key| dashmap_get(&map, key)));
        });
        group.bench_function("moka_get", |b| {
            b.iter_custom(|iters| two_threads(iters, key, |key| moka_get(&moka, key)));
        });
        group.bench_function("quick_cache_get", |b| {
            b.iter_custom(|iters| two_threads(iters, key, |key| quick_get(&quick, key)));
        });
        group.bench_function("cached_macro", |b| {
            b.iter_custom(|iters| two_threads(iters, key, cached_hit));
        });
        group.bench_function("concurrent_cached_macro", |b| {
            b.iter_custom(|iters| two_threads(iters, key, concurrent_cached_hit));
        });
        group.finish();
    }
    let stats = coact.stats();
    assert_eq!(stats.loads, KEYS, "coact's hits never ran the loader");
    assert_eq!(
        stats.hits, coact_hits,
        "coact counted every hit of both threads"
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = hit, miss_load, contended
}
criterion_main!(benches);
