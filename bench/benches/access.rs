//! coact's `KV`, `Ordered` and `FirstReply` against the hand-written tokio and futures
//! equivalents, on 10,000 trivial futures per iteration.
//!
//! coact starts every entry as a tokio task the moment it is added, so the like-for-like
//! baselines spawn too: `FuturesOrdered` / `FuturesUnordered` over `JoinHandle`s, a
//! `JoinSet`, and `select_ok` over `JoinHandle`s. The same combinators polling the
//! futures in place, without spawning, are measured as a reference: they run nothing until
//! polled and use one core, which is a different contract.
//!
//! Every side sizes its storage up front, as a program that knows its entry count would:
//! the baselines collect from exact-size iterators (or ask `with_capacity`), coact's
//! `FirstReply` and `KV` are made `with_capacity`. `Ordered`, like a `FuturesOrdered`,
//! keeps its running entries in a list and has nothing to reserve.
//!
//! Run with `cd bench && cargo bench --bench access`.

use std::collections::HashMap;
use std::hint::black_box;

use coact::access::{FirstReply, Ordered, KV};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures::stream::{FuturesOrdered, FuturesUnordered};
use futures::{FutureExt as _, StreamExt as _};
use tokio::task::JoinSet;

const ENTRIES: u64 = 10_000;

async fn work(x: u64) -> u64 {
    black_box(x) * 2
}

/// Each contender: one iteration of its benchmark, shared with `examples/access_calls.rs`
/// (which runs one of them a fixed number of times, for callgrind).
pub mod contenders {
    use super::*;

    pub async fn coact_ordered() -> u64 {
        let mut results = Ordered::new();
        for x in 0..ENTRIES {
            results.push(work(x));
        }
        results
            .fold(0, |sum, x| async move { sum + x.unwrap() })
            .await
    }

    pub async fn futures_ordered_of_join_handles() -> u64 {
        let results: FuturesOrdered<_> = (0..ENTRIES).map(|x| tokio::spawn(work(x))).collect();
        results
            .fold(0, |sum, x| async move { sum + x.unwrap() })
            .await
    }

    pub async fn futures_ordered_in_place() -> u64 {
        let results: FuturesOrdered<_> = (0..ENTRIES).map(work).collect();
        results.fold(0, |sum, x| async move { sum + x }).await
    }

    pub async fn coact_first_reply() -> u64 {
        let mut results = FirstReply::with_capacity(ENTRIES as usize);
        for x in 0..ENTRIES {
            results.push(work(x));
        }
        results
            .fold(0, |sum, (_, x)| async move { sum + x.unwrap() })
            .await
    }

    pub async fn join_set() -> u64 {
        let mut set = JoinSet::new();
        for x in 0..ENTRIES {
            set.spawn(work(x));
        }
        let mut sum = 0;
        while let Some(x) = set.join_next().await {
            sum += x.unwrap();
        }
        sum
    }

    pub async fn futures_unordered_of_join_handles() -> u64 {
        let results: FuturesUnordered<_> = (0..ENTRIES).map(|x| tokio::spawn(work(x))).collect();
        results
            .fold(0, |sum, x| async move { sum + x.unwrap() })
            .await
    }

    pub async fn futures_unordered_in_place() -> u64 {
        let results: FuturesUnordered<_> = (0..ENTRIES).map(work).collect();
        results.fold(0, |sum, x| async move { sum + x }).await
    }

    pub async fn coact_first_ok() -> u64 {
        let mut results = FirstReply::with_capacity(ENTRIES as usize);
        for x in 0..ENTRIES {
            results.push(async move { Ok::<_, ()>(work(x).await) });
        }
        results.first_ok().await.unwrap().1
    }

    pub async fn coact_first() -> u64 {
        let mut results = FirstReply::with_capacity(ENTRIES as usize);
        for x in 0..ENTRIES {
            results.push(work(x));
        }
        results.first().await.unwrap().1.unwrap()
    }

    pub async fn join_set_first_then_drop() -> u64 {
        let mut set = JoinSet::new();
        for x in 0..ENTRIES {
            set.spawn(async move { Ok::<_, ()>(work(x).await) });
        }
        set.join_next().await.unwrap().unwrap().unwrap()
    }

    pub async fn select_ok_of_join_handles() -> u64 {
        let handles: Vec<_> = (0..ENTRIES).map(|x| tokio::spawn(work(x))).collect();
        let aborts: Vec<_> = handles
            .iter()
            .map(tokio::task::JoinHandle::abort_handle)
            .collect();
        let (first, _rest) = futures::future::select_ok(handles).await.unwrap();
        // Like the others, the losers are cancelled.
        for abort in aborts {
            abort.abort();
        }
        first
    }

    /// The work `coact_first_ok` does: each entry returns a `Result`, and a failed entry
    /// (here none) or a failed task would be skipped.
    pub async fn select_ok_of_join_handles_fallible() -> u64 {
        let handles: Vec<_> = (0..ENTRIES)
            .map(|x| tokio::spawn(async move { Ok::<_, ()>(work(x).await) }))
            .collect();
        let aborts: Vec<_> = handles
            .iter()
            .map(tokio::task::JoinHandle::abort_handle)
            .collect();
        let fallible = handles
            .into_iter()
            .map(|handle| handle.map(|joined| joined.map_err(|_| ()).and_then(|entry| entry)));
        let (first, _rest) = futures::future::select_ok(fallible).await.unwrap();
        for abort in aborts {
            abort.abort();
        }
        first
    }

    pub async fn futures_unordered_of_join_handles_first_then_abort() -> u64 {
        let mut results: FuturesUnordered<_> = (0..ENTRIES)
            .map(|x| tokio::spawn(async move { Ok::<_, ()>(work(x).await) }))
            .collect();
        let first = results.next().await.unwrap().unwrap().unwrap();
        for task in results.iter() {
            task.abort();
        }
        first
    }

    pub async fn select_ok_in_place() -> u64 {
        let futures: Vec<_> = (0..ENTRIES)
            .map(|x| Box::pin(async move { Ok::<_, ()>(work(x).await) }))
            .collect();
        futures::future::select_ok(futures).await.unwrap().0
    }

    pub async fn coact_kv() -> usize {
        // Both sides size their map up front.
        let mut kv = KV::with_capacity(ENTRIES as usize);
        for x in 0..ENTRIES {
            kv.put(x, work(x)).unwrap();
        }
        kv.finish().await.into_map().unwrap().len()
    }

    pub async fn join_set_into_hash_map() -> usize {
        let mut set = JoinSet::new();
        for x in 0..ENTRIES {
            set.spawn(async move { (x, work(x).await) });
        }
        let mut map = HashMap::with_capacity(ENTRIES as usize);
        while let Some(entry) = set.join_next().await {
            let (key, value) = entry.unwrap();
            map.insert(key, value);
        }
        map.len()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn ordered(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("ordered_10000");
    group.throughput(Throughput::Elements(ENTRIES));
    group.bench_function("coact_ordered", |b| {
        b.to_async(&rt).iter(contenders::coact_ordered)
    });
    group.bench_function("futures_ordered_of_join_handles", |b| {
        b.to_async(&rt)
            .iter(contenders::futures_ordered_of_join_handles)
    });
    group.bench_function("futures_ordered_in_place", |b| {
        b.to_async(&rt).iter(contenders::futures_ordered_in_place)
    });
    group.finish();
}

fn first_reply(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("completion_order_10000");
    group.throughput(Throughput::Elements(ENTRIES));
    group.bench_function("coact_first_reply", |b| {
        b.to_async(&rt).iter(contenders::coact_first_reply)
    });
    group.bench_function("join_set", |b| b.to_async(&rt).iter(contenders::join_set));
    group.bench_function("futures_unordered_of_join_handles", |b| {
        b.to_async(&rt)
            .iter(contenders::futures_unordered_of_join_handles)
    });
    group.bench_function("futures_unordered_in_place", |b| {
        b.to_async(&rt).iter(contenders::futures_unordered_in_place)
    });
    group.finish();
}

fn first(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("first_of_10000");
    group.throughput(Throughput::Elements(ENTRIES));
    group.bench_function("coact_first_ok", |b| {
        b.to_async(&rt).iter(contenders::coact_first_ok)
    });
    group.bench_function("coact_first", |b| {
        b.to_async(&rt).iter(contenders::coact_first)
    });
    group.bench_function("join_set_first_then_drop", |b| {
        b.to_async(&rt).iter(contenders::join_set_first_then_drop)
    });
    group.bench_function("select_ok_of_join_handles", |b| {
        b.to_async(&rt).iter(contenders::select_ok_of_join_handles)
    });
    group.bench_function("select_ok_of_join_handles_fallible", |b| {
        b.to_async(&rt)
            .iter(contenders::select_ok_of_join_handles_fallible);
    });
    group.bench_function("futures_unordered_of_join_handles_first_then_abort", |b| {
        b.to_async(&rt)
            .iter(contenders::futures_unordered_of_join_handles_first_then_abort)
    });
    group.bench_function("select_ok_in_place", |b| {
        b.to_async(&rt).iter(contenders::select_ok_in_place)
    });
    group.finish();
}

fn kv(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("kv_10000");
    group.throughput(Throughput::Elements(ENTRIES));
    group.bench_function("coact_kv", |b| b.to_async(&rt).iter(contenders::coact_kv));
    group.bench_function("join_set_into_hash_map", |b| {
        b.to_async(&rt).iter(contenders::join_set_into_hash_map)
    });
    group.finish();
}

criterion_group!(benches, ordered, first_reply, first, kv);
criterion_main!(benches);
