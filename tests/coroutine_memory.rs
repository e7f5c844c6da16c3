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

/// Yields borrowed values.
#[coact::coroutine]
fn borrowed(items: &[u64]) -> Gen<&u64> {
    for item in items {
        yield_!(item);
    }
}

/// A type of the test's own, yielded and sent back in.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pair(u64, u64);

#[coact::coroutine]
fn pairs(n: u64) -> Gen<Pair, Resume = Pair> {
    let mut last = Pair(0, 0);
    for i in 0..n {
        last = yield_!(Pair(i, last.1));
    }
}

/// Generic: yields what it is given.
#[coact::coroutine]
fn each<T: Clone>(items: Vec<T>) -> Gen<T> {
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

/// What `f` allocated: how many allocations, and their bytes.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, (usize, usize)) {
    let region = Region::new(GLOBAL);
    let out = f();
    let change = region.change();
    (out, (change.allocations, change.bytes_allocated))
}

/// Makes a generator (one allocation: its boxed body) and drives it with `drive` (none).
fn one_allocation_then_none<G, T>(make: impl FnOnce() -> G, drive: impl FnOnce(G) -> T) -> T {
    let (gen, (created, _)) = allocations(make);
    assert_eq!(created, 1, "making the generator");
    let (out, per_item) = allocations(|| drive(gen));
    assert_eq!(per_item, (0, 0), "driving it");
    out
}

fn generators_allocate_at_most_their_body_and_never_per_item() {
    // A plain fn: the boxed body only (values cross on the stepping thread's stack).
    let (count, sum) = one_allocation_then_none(
        || numbers(ITEMS),
        |mut gen| {
            let count = gen.by_ref().map(std::hint::black_box).count();
            (count, gen.take_return())
        },
    );
    assert_eq!(count, usize::try_from(ITEMS).unwrap());
    assert_eq!(sum, Some(ITEMS * (ITEMS - 1) / 2));

    // Resume values: nothing per item either.
    let end = one_allocation_then_none(
        || doubler(ITEMS),
        |mut gen| {
            let mut state = gen.start();
            let mut next = 1;
            while let GenState::Yielded(value) = state {
                std::hint::black_box(value);
                state = gen.resume(next);
                next += 1;
            }
            state
        },
    );
    assert_eq!(end, GenState::Complete(ITEMS));

    // Borrowed, user-defined and generic types: the boxed body only, like any other;
    // nothing per item.
    let items: Vec<u64> = (0..1000).collect();
    let sum = one_allocation_then_none(|| borrowed(&items), |gen| gen.copied().sum::<u64>());
    assert_eq!(sum, 999 * 1000 / 2);

    let sent = one_allocation_then_none(
        || pairs(ITEMS),
        |mut gen| {
            let mut state = gen.start();
            let mut sent = 0;
            while let GenState::Yielded(pair) = state {
                assert_eq!(pair, Pair(sent, sent.saturating_sub(1)));
                state = gen.resume(Pair(0, sent));
                sent += 1;
            }
            sent
        },
    );
    assert_eq!(sent, ITEMS);

    let values: Vec<u64> = (0..1000).collect();
    let sum = one_allocation_then_none(|| each(values), Iterator::sum::<u64>);
    assert_eq!(sum, 999 * 1000 / 2);

    // An async fn: nothing at all; the body is stored inline in the pinned generator.
    let region = Region::new(GLOBAL);
    let mut stream = pin!(stream_numbers(ITEMS));
    let created = region.change();
    assert_eq!(created.allocations, 0, "{created:?}");
    let (count, per_item) = allocations(|| {
        let mut cx = Context::from_waker(Waker::noop());
        let mut count = 0;
        while let Poll::Ready(Some(value)) = stream.as_mut().poll_next(&mut cx) {
            count += 1;
            std::hint::black_box(value);
        }
        count
    });
    assert_eq!(count, ITEMS);
    assert_eq!(per_item, (0, 0), "driving the stream");
}
