//! Runs the hits of one contender of the identity benchmark (`benches/identity.rs`) a
//! number of times on a current-thread runtime: a harness for callgrind, whose
//! instruction counts do not move with this machine's noise the way criterion's times do.
//!
//! ```sh
//! cargo build --release --example identity_calls
//! valgrind --tool=callgrind target/release/examples/identity_calls coact 100000
//! valgrind --tool=callgrind target/release/examples/identity_calls coact 300000
//! ```
//!
//! Arguments: a contender and how many hits to time, after the bench's 1,024 keys are
//! loaded. The contenders: `coact` (`get_or_load`), `coact_get` (`get`, which never
//! loads), `coact_get_else_load` (`get`, then `get_or_load` on a miss),
//! `coact_identity_cached` (a `#[identity_cached(memoize)]` function), `dashmap` (std's
//! SipHash), `dashmap_foldhash`, `quick_cache` (its `get`) and
//! `quick_cache_get_or_insert_async` (its loading lookup, hitting), `papaya` (a map whose
//! reads take no lock: `get` + `Arc::clone`); or `same:` or `own:`
//! followed by `coact`, `coact_get`, `quick_cache`, `dashmap_foldhash` or `papaya`, for two threads
//! hitting one key, or each its own half of the keys. The difference between two counts,
//! divided by the difference in hits, is the cost of one hit.
//!
//! Several contenders, separated by commas, are run in turn for a number of rounds (a
//! third argument, 100 by default) of that many hits each, and compared round by round
//! (`common/paired.rs`); a two-thread run reports the slower thread's time:
//!
//! ```sh
//! target/release/examples/identity_calls coact_get,quick_cache,dashmap_foldhash 300000 200
//! ```

#[path = "../benches/identity.rs"]
#[allow(dead_code)]
mod identity;

use std::sync::Arc;
use std::time::Duration;

#[path = "common/paired.rs"]
mod paired;

use dashmap::DashMap;
use identity::{
    coact_cache, coact_get, coact_get_else_load, coact_macro_hit, coact_peek, dashmap_get,
    own_keys, papaya_get, preload, quick_cache, quick_get, quick_get_or_insert, runtime, same_key,
    time_hits, two_threads, CoactCache, FoldDashMap, PapayaMap, Row,
};

/// coact's cache with the bench's keys loaded.
fn coact_preloaded() -> CoactCache {
    let cache = coact_cache();
    runtime().block_on(preload(|key| coact_get(&cache, key)));
    cache
}

/// The bench's two-thread groups for one contender (`same` key or `own` halves of the
/// keys): the slower thread's time for `hits` hits each.
fn two_thread_hits(keys: &str, contender: &str, hits: u64) -> Duration {
    let key = match keys {
        "same" => same_key as fn(u64, u64) -> u64,
        "own" => own_keys,
        other => panic!("no key pattern named `{other}`: `same` or `own`"),
    };
    match contender {
        "coact" => {
            let cache = coact_preloaded();
            two_threads(hits, key, |key| coact_get(&cache, key))
        }
        "coact_get" => {
            let cache = coact_preloaded();
            two_threads(hits, key, |key| coact_peek(&cache, key))
        }
        "quick_cache" => {
            let cache = quick_cache();
            runtime().block_on(preload(|key| quick_get_or_insert(&cache, key)));
            two_threads(hits, key, |key| quick_get(&cache, key))
        }
        "dashmap_foldhash" => {
            let map = FoldDashMap::default();
            runtime().block_on(preload(|key| dashmap_get(&map, key)));
            two_threads(hits, key, |key| dashmap_get(&map, key))
        }
        "papaya" => {
            let map = PapayaMap::default();
            runtime().block_on(preload(|key| papaya_get(&map, key)));
            two_threads(hits, key, |key| papaya_get(&map, key))
        }
        other => panic!("no two-thread contender named `{other}`"),
    }
}

/// The time `hits` hits of contender `name` take, its keys loaded first (not timed).
fn time(name: &str, hits: u64) -> Duration {
    if let Some((keys, contender)) = name.split_once(':') {
        return two_thread_hits(keys, contender, hits);
    }
    runtime().block_on(async {
        match name {
            "coact" => {
                let cache = coact_cache();
                preload(|key| coact_get(&cache, key)).await;
                time_hits(hits, |key| coact_get(&cache, key)).await
            }
            "coact_get" => {
                let cache = coact_cache();
                preload(|key| coact_get(&cache, key)).await;
                time_hits(hits, |key| coact_peek(&cache, key)).await
            }
            "coact_get_else_load" => {
                let cache = coact_cache();
                preload(|key| coact_get(&cache, key)).await;
                time_hits(hits, |key| coact_get_else_load(&cache, key)).await
            }
            "coact_identity_cached" => {
                preload(coact_macro_hit).await;
                time_hits(hits, coact_macro_hit).await
            }
            "dashmap" => {
                let map: DashMap<u64, Arc<Row>> = DashMap::default();
                preload(|key| dashmap_get(&map, key)).await;
                time_hits(hits, |key| dashmap_get(&map, key)).await
            }
            "dashmap_foldhash" => {
                let map = FoldDashMap::default();
                preload(|key| dashmap_get(&map, key)).await;
                time_hits(hits, |key| dashmap_get(&map, key)).await
            }
            "quick_cache" => {
                let cache = quick_cache();
                preload(|key| quick_get_or_insert(&cache, key)).await;
                time_hits(hits, |key| quick_get(&cache, key)).await
            }
            "papaya" => {
                let map = PapayaMap::default();
                preload(|key| papaya_get(&map, key)).await;
                time_hits(hits, |key| papaya_get(&map, key)).await
            }
            "quick_cache_get_or_insert_async" => {
                let cache = quick_cache();
                preload(|key| quick_get_or_insert(&cache, key)).await;
                time_hits(hits, |key| quick_get_or_insert(&cache, key)).await
            }
            other => panic!("no contender named `{other}`"),
        }
    })
}

fn main() {
    let usage = "usage: identity_calls CONTENDER[,CONTENDER...] HITS [ROUNDS]";
    let (names, hits, rounds) = paired::arguments(usage);
    let contenders: Vec<&str> = names.split(',').collect();
    if let [name] = contenders[..] {
        println!("{name} {hits}: {:?}", time(name, hits));
        return;
    }
    paired::compare(&contenders, rounds.unwrap_or(100), "ns per hit", |name| {
        // Below 2^53 hits, the count converts exactly.
        #[allow(clippy::cast_precision_loss)]
        let hits_f = hits as f64;
        time(name, hits).as_secs_f64() * 1e9 / hits_f
    });
}
