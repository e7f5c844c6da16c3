//! What a generator allocates: counted by a global allocator, per generator and per item.
//!
//! Its own test binary without the test harness (`harness = false`): the counting
//! allocator sees every thread, and the harness's own threads allocate while a test runs.

use std::alloc::System;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use coact::coroutine::{Gen, GenState};
use futures::Stream;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ITEMS: u64 = 1_000_000;

#[coact::coroutine]
fn numbers(n: u64) -> Gen<u64, Return = u64> {
    let mut sum = 0;
    for i in 0..n {
        yield_!(i);
        sum += i;
    }
    sum
}

#[coact::coroutine]
fn doubler(n: u64) -> Gen<u64, Return = u64, Resume = u64> {
    let mut last = 0;
    for _ in 0..n {
        last = yield_!(last * 2);
    }
    last
}

/// Yields borrowed values: keeps a slot of its own, allocated with the generator.
#[coact::coroutine]
fn borrowed(items: &[u64]) -> Gen<&u64> {
    for item in items {
        yield_!(item);
    }
}

#[coact::coroutine]
async fn stream_numbers(n: u64) -> Gen<[u64; 4]> {
    for i in 0..n {
        // A real await point between yields, ready at once.
        std::future::ready(()).await;
        yield_!([i; 4]);
    }
}

fn main() {
    generators_allocate_at_most_their_body_and_never_per_item();
    println!("test generators_allocate_at_most_their_body_and_never_per_item ... ok");
}

fn generators_allocate_at_most_their_body_and_never_per_item() {
    // A plain fn: the boxed body only; the slot is the function's, per thread.
    let region = Region::new(GLOBAL);
    let mut gen = numbers(ITEMS);
    let created = region.change();
    assert_eq!(created.allocations, 1, "{created:?}");

    let region = Region::new(GLOBAL);
    let mut count = 0;
    for value in gen.by_ref() {
        count += 1;
        std::hint::black_box(value);
    }
    let items = region.change();
    assert_eq!(count, ITEMS);
    assert_eq!(gen.take_return(), Some(ITEMS * (ITEMS - 1) / 2));
    assert_eq!(
        (items.allocations, items.bytes_allocated),
        (0, 0),
        "{items:?}"
    );
    drop(gen);

    // Resume values: nothing per item either.
    let mut gen = doubler(ITEMS);
    let region = Region::new(GLOBAL);
    let mut state = gen.start();
    let mut next = 1;
    while let GenState::Yielded(value) = state {
        std::hint::black_box(value);
        state = gen.resume(next);
        next += 1;
    }
    let resumed = region.change();
    assert_eq!(state, GenState::Complete(ITEMS));
    assert_eq!(
        (resumed.allocations, resumed.bytes_allocated),
        (0, 0),
        "{resumed:?}"
    );

    // Borrowed yields: a slot of its own besides the boxed body; still nothing per item.
    let items: Vec<u64> = (0..1000).collect();
    let region = Region::new(GLOBAL);
    let gen = borrowed(&items);
    let created = region.change();
    assert_eq!(created.allocations, 2, "{created:?}");
    let region = Region::new(GLOBAL);
    assert_eq!(gen.copied().sum::<u64>(), 999 * 1000 / 2);
    let items = region.change();
    assert_eq!(
        (items.allocations, items.bytes_allocated),
        (0, 0),
        "{items:?}"
    );

    // An async fn: nothing at all; the body is stored inline in the pinned generator and
    // the slot is the function's, per thread.
    let region = Region::new(GLOBAL);
    let mut stream = pin!(stream_numbers(ITEMS));
    let created = region.change();
    assert_eq!(created.allocations, 0, "{created:?}");

    let region = Region::new(GLOBAL);
    let mut cx = Context::from_waker(Waker::noop());
    let mut count = 0;
    while let Poll::Ready(Some(value)) = stream.as_mut().poll_next(&mut cx) {
        count += 1;
        std::hint::black_box(value);
    }
    let items = region.change();
    assert_eq!(count, ITEMS);
    assert_eq!(
        (items.allocations, items.bytes_allocated),
        (0, 0),
        "{items:?}"
    );
}
