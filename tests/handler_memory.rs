//! Calls at steady state allocate nothing: the mailbox's queue keeps its buffers from one
//! batch to the next, and a sync call's reply slot is reused by the caller's thread.
//!
//! Its own test binary without the test harness (`harness = false`): the counting
//! allocator sees every thread, and the harness's own threads allocate while a test runs.

use std::alloc::System;

use coact::{deferred_handler, Deferred};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

struct Counter {
    n: u64,
}

#[deferred_handler]
impl Counter {
    fn add(&mut self, by: u64) -> u64 {
        self.n += by;
        self.n
    }
}

/// Calls queued per round before the owner drains them.
const ROUND: u64 = 1_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(oneway_calls_allocate_nothing());
    println!("handler_memory: oneway calls at steady state allocate nothing");
    runtime.block_on(sync_calls_allocate_nothing());
    println!("handler_memory: sync calls at steady state allocate nothing");
}

/// Rounds of `ROUND` oneway calls, each drained by `process()`: once the first round has
/// grown the queue's buffers, a hundred more allocate nothing.
async fn oneway_calls_allocate_nothing() {
    let mut owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    let queue = || {
        for _ in 0..ROUND {
            handle.oneway().add(1).unwrap();
        }
    };
    for _ in 0..2 {
        queue();
        assert_eq!(owner.process().await, 1_000);
    }
    let region = Region::new(GLOBAL);
    for _ in 0..100 {
        queue();
        assert_eq!(owner.process().await, 1_000);
    }
    let change = region.change();
    assert_eq!(owner.n, 102 * ROUND);
    assert_eq!(
        (change.allocations, change.bytes_allocated),
        (0, 0),
        "{change:?}"
    );
}

/// Sync calls served by an owner task: after the first, which makes the reply slot that
/// the caller's thread then keeps, a thousand more allocate nothing.
async fn sync_calls_allocate_nothing() {
    let mut owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    let server = tokio::spawn(async move {
        owner.process_forever().await;
        owner.n
    });
    for _ in 0..ROUND {
        handle.sync().add(1).await.unwrap();
    }
    let region = Region::new(GLOBAL);
    for _ in 0..ROUND {
        handle.sync().add(1).await.unwrap();
    }
    let change = region.change();
    drop(handle);
    assert_eq!(server.await.unwrap(), 2 * ROUND);
    assert_eq!(
        (change.allocations, change.bytes_allocated),
        (0, 0),
        "{change:?}"
    );
}
