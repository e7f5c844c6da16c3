//! Calls at steady state allocate nothing: the mailbox's queue keeps its buffers from one
//! batch to the next, and a sync call's reply slot is reused by the caller's thread.
//!
//! Its own test binary without the test harness (`harness = false`): the counting
//! allocator sees every thread, and the harness's own threads allocate while a test runs.

use std::alloc::System;
use std::future::Future;

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

    async fn add_later(&mut self, by: u64) -> u64 {
        tokio::task::yield_now().await;
        self.add(by)
    }
}

/// A handler whose async methods call the counter: a sync call made from inside a handler
/// method, while its own caller waits for a result of the same type on the same thread.
struct Relay {
    to: coact::Handle<Counter>,
}

#[deferred_handler]
impl Relay {
    /// To the counter's sync method.
    async fn relay(&mut self, by: u64) -> u64 {
        self.to.sync().add(by).await.unwrap()
    }

    /// To the counter's async method: the counter's owner serves a call another owner
    /// waits on.
    async fn relay_async(&mut self, by: u64) -> u64 {
        self.to.sync().add_later(by).await.unwrap()
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
    runtime.block_on(calls_between_handlers_allocate_nothing());
    println!("handler_memory: calls between handlers at steady state allocate nothing");
    runtime.block_on(joined_calls_allocate_nothing());
    println!("handler_memory: calls joined in one task allocate nothing");
}

/// Runs `calls` once, to grow what they keep (queue buffers, reply slots), then again
/// counting what the process allocates meanwhile, which must be nothing.
async fn allocate_nothing_once_warm<F: Future<Output = ()>>(mut calls: impl FnMut() -> F) {
    calls().await;
    let region = Region::new(GLOBAL);
    calls().await;
    let change = region.change();
    assert_eq!(
        (change.allocations, change.bytes_allocated),
        (0, 0),
        "{change:?}"
    );
}

/// The counter's owner, serving in a task of its own until its handles are gone; the task
/// returns the count.
fn serve(mut owner: Deferred<Counter>) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        owner.process_forever().await;
        owner.n
    })
}

/// Rounds of `ROUND` oneway calls, each drained by `process()`: once the first rounds have
/// grown the queue's buffers, more allocate nothing.
async fn oneway_calls_allocate_nothing() {
    let owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    // Behind a lock only so that each run of the closure can borrow it mutably.
    let owner = &tokio::sync::Mutex::new(owner);
    allocate_nothing_once_warm(|| async {
        let mut owner = owner.lock().await;
        for _ in 0..50 {
            for _ in 0..ROUND {
                handle.oneway().add(1).unwrap();
            }
            assert_eq!(owner.process().await, 1_000);
        }
    })
    .await;
    assert_eq!(owner.lock().await.n, 100 * ROUND);
}

/// Sync calls served by an owner task: after the first, which makes the reply slot that
/// the caller's thread then keeps, more allocate nothing.
async fn sync_calls_allocate_nothing() {
    let owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    let server = serve(owner);
    allocate_nothing_once_warm(|| async {
        for _ in 0..ROUND {
            handle.sync().add(1).await.unwrap();
        }
    })
    .await;
    drop(handle);
    assert_eq!(server.await.unwrap(), 2 * ROUND);
}

/// Sync calls to a handler whose async methods make sync calls to another: to its sync
/// method, and to its async one, whose owner then serves a call another owner waits on.
/// Once warm, neither allocates: the caller's thread keeps a reply slot for each of the
/// two calls that overlap (both return a `u64`), and the counter's owner reuses its link
/// in the chain of waiting owners.
async fn calls_between_handlers_allocate_nothing() {
    let counter = Deferred::new(Counter { n: 0 });
    let mut relay = Deferred::new(Relay {
        to: counter.handle(),
    });
    let handle = relay.handle();
    let counter = serve(counter);
    let relay = tokio::spawn(async move { relay.process_forever().await });
    allocate_nothing_once_warm(|| async {
        for _ in 0..ROUND {
            handle.sync().relay(1).await.unwrap();
            handle.sync().relay_async(1).await.unwrap();
        }
    })
    .await;
    drop(handle);
    relay.await.unwrap();
    assert_eq!(counter.await.unwrap(), 4 * ROUND);
}

/// Two sync calls with results of the same type, joined in one task: the caller's thread
/// keeps a reply slot for each.
async fn joined_calls_allocate_nothing() {
    let owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    let server = serve(owner);
    allocate_nothing_once_warm(|| async {
        for _ in 0..ROUND {
            let (a, b) = tokio::join!(handle.sync().add(1), handle.sync().add(1));
            a.unwrap();
            b.unwrap();
        }
    })
    .await;
    drop(handle);
    assert_eq!(server.await.unwrap(), 4 * ROUND);
}
