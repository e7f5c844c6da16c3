//! A machine that loops through its states a million times runs in constant memory: the
//! previous state's frame is gone when the next starts, and no transition allocates.
//! A spawned machine nobody watches keeps no channel of transitions.
//!
//! Its own test binary without the test harness (`harness = false`): the counting
//! allocator sees every thread, and the harness's own threads allocate while a test runs
//! (seen as 4 allocations in the sync region on a loaded machine).

// `done` is an async state with nothing to await: the machine's async path, measured.
#![allow(clippy::unused_async)]

use std::alloc::System;

use coact::state;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[coact::machine]
mod cycle {
    #[state(transitions_to = [tock, done])]
    pub fn tick(left: u64, payload: [u64; 8]) {
        if left == 0 {
            done(payload[0])
        } else {
            tock(left - 1, payload)
        }
    }

    #[state(transitions_to = tick)]
    pub fn tock(left: u64, payload: [u64; 8]) {
        let mut payload = payload;
        payload[0] += 1;
        tick(left, payload)
    }

    #[state]
    pub fn done(total: u64) -> u64 {
        total
    }
}

#[coact::machine]
mod async_cycle {
    #[state(transitions_to = [async_cycle, done])]
    pub async fn async_cycle(left: u64) {
        tokio::task::yield_now().await;
        if left == 0 {
            done()
        } else {
            async_cycle(left - 1)
        }
    }

    #[state]
    pub async fn done() {}
}

fn main() {
    a_million_transitions_allocate_nothing();
    println!("state_memory: a million transitions allocate nothing");
    a_spawned_machine_nobody_watches_keeps_no_channel();
    println!("state_memory: a spawned machine nobody watches keeps no channel");
}

fn a_million_transitions_allocate_nothing() {
    use async_cycle::AsyncCycleState;
    use cycle::CycleState;

    // Sync: `tick` and `tock` alternate 10^6 times.
    let region = Region::new(GLOBAL);
    let total = state::run_sync(
        &mut (),
        CycleState::Tick {
            left: 1_000_000,
            payload: [0; 8],
        },
    );
    let sync = region.change();
    assert_eq!(total, Ok(1_000_000));
    assert_eq!((sync.allocations, sync.bytes_allocated), (0, 0), "{sync:?}");

    // Async, self-transitions that each await: the loop reuses one future's storage.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut unit = ();
    let small = Region::new(GLOBAL);
    runtime
        .block_on(state::run(
            &mut unit,
            AsyncCycleState::AsyncCycle { left: 1_000 },
        ))
        .unwrap();
    let small = small.change();
    let large = Region::new(GLOBAL);
    runtime
        .block_on(state::run(
            &mut unit,
            AsyncCycleState::AsyncCycle { left: 1_000_000 },
        ))
        .unwrap();
    let large = large.change();
    // Whatever `block_on` itself allocates, a thousand times more transitions add nothing.
    assert_eq!(
        (large.allocations, large.bytes_allocated),
        (small.allocations, small.bytes_allocated),
        "{small:?} vs {large:?}"
    );
    assert!(large.bytes_allocated <= 64, "{large:?}");
}

/// `state::spawn` allocates its task and the state it shares with `Running`, but no
/// channel of transitions until somebody asks (a 1,024-slot broadcast channel alone takes
/// more than 32 KiB), and its transitions allocate nothing either.
fn a_spawned_machine_nobody_watches_keeps_no_channel() {
    use async_cycle::AsyncCycleState;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let spawned = |left| {
        let region = Region::new(GLOBAL);
        runtime
            .block_on(async { state::spawn(AsyncCycleState::AsyncCycle { left }).await })
            .unwrap();
        region.change()
    };
    let small = spawned(1_000);
    let large = spawned(1_000_000);
    assert_eq!(
        (large.allocations, large.bytes_allocated),
        (small.allocations, small.bytes_allocated),
        "{small:?} vs {large:?}"
    );
    assert!(large.bytes_allocated < 4 * 1024, "{large:?}");

    // Watched, the same machine keeps its channel: what the bound above rules out.
    let region = Region::new(GLOBAL);
    runtime
        .block_on(async {
            let (running, transitions) =
                state::spawn_observed(AsyncCycleState::AsyncCycle { left: 10 });
            drop(transitions);
            running.await
        })
        .unwrap();
    let watched = region.change();
    assert!(watched.bytes_allocated > 32 * 1024, "{watched:?}");
}
