//! coact's `#[machine]` against the same machine as a hand-written `enum` + `match` loop,
//! and against statig; the async version against a hand-written async loop.
//!
//! The machine is a cycle `a -> b -> c -> a …` whose states carry a counter and end in
//! `done` after [`TRANSITIONS`] transitions. Every variant does the same work per state
//! (one `black_box` of the counter). Before timing, one run of each variant is measured
//! with a counting allocator and its allocations per transition are printed.
//!
//! Run with `cd bench && cargo bench --bench state`.

use std::alloc::System;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[path = "common/async_cycle.rs"]
mod async_cycle;

use async_cycle::{hand_written, machine, Hand, TRANSITIONS};

// ---------------------------------------------------------------------------------------
// coact, sync and async

#[coact::machine]
mod cycle {
    use super::{black_box, TRANSITIONS};

    #[state(transitions_to = b)]
    pub fn a(n: u64) {
        b(black_box(n) + 1)
    }

    #[state(transitions_to = c)]
    pub fn b(n: u64) {
        c(black_box(n) + 1)
    }

    #[state(transitions_to = [a, done])]
    pub fn c(n: u64) {
        let n = black_box(n) + 1;
        if n >= TRANSITIONS {
            done(n)
        } else {
            a(n)
        }
    }

    #[state]
    pub fn done(n: u64) -> u64 {
        n
    }
}

fn coact_sync() -> u64 {
    coact::state::run_sync(&mut (), cycle::CycleState::A { n: 0 }).unwrap()
}

async fn coact_async() -> u64 {
    coact::state::run(&mut (), machine::AsyncCycle::A { n: 0 })
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// hand-written

fn hand_sync() -> u64 {
    let mut state = Hand::A(0);
    loop {
        state = match state {
            Hand::A(n) => Hand::B(black_box(n) + 1),
            Hand::B(n) => Hand::C(black_box(n) + 1),
            Hand::C(n) => {
                let n = black_box(n) + 1;
                if n >= TRANSITIONS {
                    Hand::Done(n)
                } else {
                    Hand::A(n)
                }
            }
            Hand::Done(n) => return n,
        }
    }
}

// ---------------------------------------------------------------------------------------
// statig: event-driven, so each transition is one `handle` call.

mod with_statig {
    use super::{black_box, TRANSITIONS};
    use statig::prelude::*;

    #[derive(Default)]
    pub struct Cycle {
        pub done: Option<u64>,
    }

    pub struct Step;

    #[state_machine(initial = "State::a(0)")]
    impl Cycle {
        #[state]
        fn a(n: &mut u64, event: &Step) -> Outcome<State> {
            let Step = event;
            Transition(State::b(black_box(*n) + 1))
        }

        #[state]
        fn b(n: &mut u64, event: &Step) -> Outcome<State> {
            let Step = event;
            Transition(State::c(black_box(*n) + 1))
        }

        #[state]
        fn c(n: &mut u64, event: &Step) -> Outcome<State> {
            let Step = event;
            let n = black_box(*n) + 1;
            if n >= TRANSITIONS {
                Transition(State::done(n))
            } else {
                Transition(State::a(n))
            }
        }

        #[state]
        fn done(&mut self, n: &mut u64, event: &Step) -> Outcome<State> {
            let Step = event;
            self.done = Some(*n);
            Handled
        }
    }

    pub fn run() -> u64 {
        let mut machine = Cycle::default().state_machine();
        loop {
            machine.handle(&Step);
            if let Some(n) = machine.inner().done {
                return n;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Prints the allocations of one run of each variant, per transition.
fn report_allocations() {
    let runtime = runtime();
    let expected = hand_sync();
    let measure = |name: &str, run: &mut dyn FnMut() -> u64| {
        let region = Region::new(GLOBAL);
        let n = run();
        let stats = region.change();
        assert_eq!(n, expected, "{name} computed something else");
        #[allow(clippy::cast_precision_loss)]
        let per = stats.allocations as f64 / TRANSITIONS as f64;
        println!(
            "allocations/{name}: {} in {TRANSITIONS} transitions ({per} per transition, {} bytes)",
            stats.allocations, stats.bytes_allocated
        );
    };
    measure("sync/coact", &mut coact_sync);
    measure("sync/hand_written", &mut hand_sync);
    measure("sync/statig", &mut with_statig::run);
    measure("async/coact", &mut || runtime.block_on(coact_async()));
    measure("async/hand_written", &mut || {
        runtime.block_on(hand_written())
    });
}

fn sync_cycle(c: &mut Criterion) {
    report_allocations();
    let mut group = c.benchmark_group("state_sync_cycle");
    group.throughput(Throughput::Elements(TRANSITIONS));
    group.sample_size(30);
    group.bench_function("coact", |b| b.iter(coact_sync));
    group.bench_function("hand_written", |b| b.iter(hand_sync));
    group.bench_function("statig", |b| b.iter(with_statig::run));
    group.finish();
}

fn async_cycle(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("state_async_cycle");
    group.throughput(Throughput::Elements(TRANSITIONS));
    group.sample_size(30);
    group.bench_function("coact", |b| b.to_async(&runtime).iter(coact_async));
    group.bench_function("hand_written", |b| b.to_async(&runtime).iter(hand_written));
    group.finish();
}

criterion_group!(benches, sync_cycle, async_cycle);
criterion_main!(benches);
