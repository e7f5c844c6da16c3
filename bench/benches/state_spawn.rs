//! `state::spawn` (a machine nobody watches, as a tokio task) against running the same
//! machine inline with `state::run`, and against the hand-written async loop spawned with
//! `tokio::spawn`: what the task and the `Running` handle cost per transition.
//!
//! A bench binary of its own: beside the groups of `state.rs`, the functions it shares
//! with them were inlined differently and every group of that file measured slower.
//! The machine is `state.rs`'s async cycle (`common/async_cycle.rs`). Before timing, one
//! run of each variant is measured with a counting allocator.
//!
//! Run with `cd bench && cargo bench --bench state_spawn`.

use std::alloc::System;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[path = "common/async_cycle.rs"]
pub mod async_cycle;

use async_cycle::{hand_written, machine, TRANSITIONS};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

pub async fn coact_spawn() -> u64 {
    coact::state::spawn(machine::AsyncCycle::A { n: 0 })
        .await
        .unwrap()
}

pub async fn coact_run() -> u64 {
    coact::state::run(&mut (), machine::AsyncCycle::A { n: 0 })
        .await
        .unwrap()
}

pub async fn hand_written_spawn() -> u64 {
    tokio::spawn(hand_written()).await.unwrap()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Prints the allocations of one run of each variant.
fn report_allocations(runtime: &tokio::runtime::Runtime) {
    let expected = runtime.block_on(hand_written());
    let measure = |name: &str, run: &mut dyn FnMut() -> u64| {
        let region = Region::new(GLOBAL);
        let n = run();
        let stats = region.change();
        assert_eq!(n, expected, "{name} computed something else");
        println!(
            "allocations/{name}: {} in {TRANSITIONS} transitions ({} bytes)",
            stats.allocations, stats.bytes_allocated
        );
    };
    measure("coact_spawn", &mut || runtime.block_on(coact_spawn()));
    measure("coact_run", &mut || runtime.block_on(coact_run()));
    measure("hand_written_spawn", &mut || {
        runtime.block_on(hand_written_spawn())
    });
}

fn spawned(c: &mut Criterion) {
    let runtime = runtime();
    report_allocations(&runtime);
    let mut group = c.benchmark_group("state_spawn");
    group.throughput(Throughput::Elements(TRANSITIONS));
    group.sample_size(30);
    group.bench_function("coact_spawn", |b| b.to_async(&runtime).iter(coact_spawn));
    group.bench_function("coact_run", |b| b.to_async(&runtime).iter(coact_run));
    group.bench_function("hand_written_spawn", |b| {
        b.to_async(&runtime).iter(hand_written_spawn)
    });
    group.finish();
}

criterion_group!(benches, spawned);
criterion_main!(benches);
