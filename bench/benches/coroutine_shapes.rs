//! The generator shapes of issue 15, each side by side with its hand-written equivalent,
//! async-stream and genawaiter's two flavours, in one run:
//!
//! - `shape_sum`: 10^6 `u64`s summed by `Iterator::sum` (async-stream: the same sum
//!   over its `Stream`, polled with a no-op waker).
//! - `shape_collect`: 10^6 `u64`s collected into a `Vec`.
//! - `shape_strings`: 10^5 `String`s (each number written out), their lengths summed.
//! - `shape_struct`: 10^6 values of a struct of the bench's own (two `u64`s): coact keeps
//!   such a generator on the shared slot.
//! - `shape_resume`: 10^6 resumes, each sending a value in and getting a running total
//!   out (async-stream has no resume values: not in this group).
//!
//! A binary of its own, so that `coroutine_items` in `coroutine.rs` keeps its code
//! placement. Run with `cd bench && cargo bench --bench coroutine_shapes`.

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use coact::coroutine::{Gen, GenState};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use futures::Stream;
use genawaiter::GeneratorState;

const ITEMS: u64 = 1_000_000;
const STRINGS: u64 = 100_000;

/// A value of the bench's own type.
#[derive(Clone, Copy)]
pub struct Pair {
    a: u64,
    b: u64,
}

// ---------------------------------------------------------------------------------------
// The generators, four ways each

#[coact::coroutine]
fn coact_count(n: u64) -> Gen<u64> {
    for i in 0..n {
        yield_!(black_box(i));
    }
}

#[coact::coroutine]
fn coact_strings(n: u64) -> Gen<String> {
    for i in 0..n {
        yield_!(i.to_string());
    }
}

#[coact::coroutine]
fn coact_pairs(n: u64) -> Gen<Pair> {
    for i in 0..n {
        yield_!(Pair { a: i, b: n - i });
    }
}

/// Each value sent in is added, and the total so far comes out (the last one at its end).
#[coact::coroutine]
fn coact_running(n: u64) -> Gen<u64, Resume = u64, Return = u64> {
    let mut total = 0u64;
    for _ in 0..n {
        total = total.wrapping_add(yield_!(total));
    }
    total
}

/// A hand-written iterator over `0..n` mapped by `f`.
struct Hand<F> {
    next: u64,
    end: u64,
    f: F,
}

impl<T, F: FnMut(u64) -> T> Iterator for Hand<F> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        (self.next < self.end).then(|| {
            self.next += 1;
            (self.f)(self.next - 1)
        })
    }
}

fn hand<T>(n: u64, f: impl FnMut(u64) -> T) -> Hand<impl FnMut(u64) -> T> {
    Hand { next: 0, end: n, f }
}

fn genawaiter_sync<T: Send + 'static>(n: u64, f: fn(u64) -> T) -> impl Iterator<Item = T> {
    genawaiter::sync::Gen::new(move |co| async move {
        for i in 0..n {
            co.yield_(f(i)).await;
        }
    })
    .into_iter()
}

fn genawaiter_rc<T: 'static>(n: u64, f: fn(u64) -> T) -> impl Iterator<Item = T> {
    genawaiter::rc::Gen::new(move |co| async move {
        for i in 0..n {
            co.yield_(f(i)).await;
        }
    })
    .into_iter()
}

fn async_stream<T>(n: u64, f: fn(u64) -> T) -> impl Stream<Item = T> {
    async_stream::stream! {
        for i in 0..n {
            yield f(i);
        }
    }
}

/// Drains a stream that never waits, polling it with a no-op waker.
fn drain<T>(stream: impl Stream<Item = T>, mut each: impl FnMut(T)) {
    let mut stream = pin!(stream);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(value)) => each(value),
            Poll::Ready(None) => return,
            Poll::Pending => unreachable!("these streams never wait"),
        }
    }
}

/// Each value goes through `black_box`, in every contender alike, so that no compiler
/// sums `0..n` in closed form.
fn number(i: u64) -> u64 {
    black_box(i)
}

fn text(i: u64) -> String {
    i.to_string()
}

fn pair(i: u64) -> Pair {
    Pair { a: i, b: ITEMS - i }
}

/// The lengths of the strings, summed.
fn lengths(values: impl Iterator<Item = String>) -> usize {
    values.map(|s| s.len()).sum()
}

/// The pairs' fields, summed.
fn total(values: impl Iterator<Item = Pair>) -> u64 {
    values.fold(0u64, |t, p| t + black_box(p.a) + p.b)
}

fn group<'a>(c: &'a mut Criterion, name: &str, items: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(items));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group
}

// ---------------------------------------------------------------------------------------
// The shapes

fn shape_sum(c: &mut Criterion) {
    let expected = ITEMS * (ITEMS - 1) / 2;
    let mut group = group(c, "shape_sum", ITEMS);
    let n = || black_box(ITEMS);
    group.bench_function("hand_written_iterator", |b| {
        b.iter(|| assert_eq!(hand(n(), number).sum::<u64>(), expected));
    });
    group.bench_function("coact_sync", |b| {
        b.iter(|| assert_eq!(coact_count(n()).sum::<u64>(), expected));
    });
    group.bench_function("async_stream", |b| {
        b.iter(|| {
            let mut total = 0;
            drain(async_stream(n(), number), |v| total += v);
            assert_eq!(total, expected);
        });
    });
    group.bench_function("genawaiter_sync", |b| {
        b.iter(|| assert_eq!(genawaiter_sync(n(), number).sum::<u64>(), expected));
    });
    group.bench_function("genawaiter_rc", |b| {
        b.iter(|| assert_eq!(genawaiter_rc(n(), number).sum::<u64>(), expected));
    });
    group.finish();
}

fn shape_collect(c: &mut Criterion) {
    let mut group = group(c, "shape_collect", ITEMS);
    let n = || black_box(ITEMS);
    let check = |values: Vec<u64>| assert_eq!(values.len() as u64, ITEMS);
    group.bench_function("hand_written_iterator", |b| {
        b.iter(|| check(hand(n(), number).collect()));
    });
    group.bench_function("coact_sync", |b| {
        b.iter(|| check(coact_count(n()).collect()))
    });
    group.bench_function("async_stream", |b| {
        b.iter(|| {
            let mut values = Vec::new();
            drain(async_stream(n(), number), |v| values.push(v));
            check(values);
        });
    });
    group.bench_function("genawaiter_sync", |b| {
        b.iter(|| check(genawaiter_sync(n(), number).collect()));
    });
    group.bench_function("genawaiter_rc", |b| {
        b.iter(|| check(genawaiter_rc(n(), number).collect()));
    });
    group.finish();
}

fn shape_strings(c: &mut Criterion) {
    let expected: usize = (0..STRINGS).map(|i| i.to_string().len()).sum();
    let mut group = group(c, "shape_strings", STRINGS);
    let n = || black_box(STRINGS);
    group.bench_function("hand_written_iterator", |b| {
        b.iter(|| assert_eq!(lengths(hand(n(), text)), expected));
    });
    group.bench_function("coact_sync", |b| {
        b.iter(|| assert_eq!(lengths(coact_strings(n())), expected));
    });
    group.bench_function("async_stream", |b| {
        b.iter(|| {
            let mut total = 0;
            drain(async_stream(n(), text), |s| total += s.len());
            assert_eq!(total, expected);
        });
    });
    group.bench_function("genawaiter_sync", |b| {
        b.iter(|| assert_eq!(lengths(genawaiter_sync(n(), text)), expected));
    });
    group.bench_function("genawaiter_rc", |b| {
        b.iter(|| assert_eq!(lengths(genawaiter_rc(n(), text)), expected));
    });
    group.finish();
}

fn shape_struct(c: &mut Criterion) {
    let expected = ITEMS * ITEMS;
    let mut group = group(c, "shape_struct", ITEMS);
    let n = || black_box(ITEMS);
    group.bench_function("hand_written_iterator", |b| {
        b.iter(|| assert_eq!(total(hand(n(), pair)), expected));
    });
    group.bench_function("coact_sync", |b| {
        b.iter(|| assert_eq!(total(coact_pairs(n())), expected));
    });
    group.bench_function("async_stream", |b| {
        b.iter(|| {
            let mut sum = 0;
            drain(async_stream(n(), pair), |p| sum += black_box(p.a) + p.b);
            assert_eq!(sum, expected);
        });
    });
    group.bench_function("genawaiter_sync", |b| {
        b.iter(|| assert_eq!(total(genawaiter_sync(n(), pair)), expected));
    });
    group.bench_function("genawaiter_rc", |b| {
        b.iter(|| assert_eq!(total(genawaiter_rc(n(), pair)), expected));
    });
    group.finish();
}

/// The hand-written equivalent of `coact_running`.
struct Running {
    total: u64,
}

impl Running {
    fn resume(&mut self, value: u64) -> u64 {
        self.total = self.total.wrapping_add(value);
        self.total
    }
}

fn shape_resume(c: &mut Criterion) {
    let mut group = group(c, "shape_resume", ITEMS);
    let n = || black_box(ITEMS);
    // The sum of the running totals after each of 0..n, wrapping.
    let expected = {
        let mut running = Running { total: 0 };
        (0..ITEMS).fold(0u64, |sum, i| sum.wrapping_add(running.resume(i)))
    };
    group.bench_function("hand_written", |b| {
        b.iter(|| {
            let mut running = Running { total: 0 };
            let sum = (0..n()).fold(0u64, |sum, i| {
                sum.wrapping_add(running.resume(black_box(i)))
            });
            assert_eq!(sum, expected);
        });
    });
    group.bench_function("coact_sync", |b| {
        b.iter(|| {
            let mut gen = coact_running(n());
            let mut sum = 0u64;
            assert!(matches!(gen.start(), GenState::Yielded(0)));
            for i in 0..ITEMS {
                match gen.resume(black_box(i)) {
                    GenState::Yielded(total) | GenState::Complete(total) => {
                        sum = sum.wrapping_add(total);
                    }
                }
            }
            assert_eq!(sum, expected);
        });
    });
    // The same contender for both of genawaiter's flavours, whose `Gen`s are two types.
    macro_rules! genawaiter_running {
        ($name:literal, $flavour:ident) => {
            group.bench_function($name, |b| {
                b.iter(|| {
                    let n = n();
                    let mut gen = genawaiter::$flavour::Gen::new(|co| async move {
                        let mut total = 0u64;
                        for _ in 0..n {
                            total = total.wrapping_add(co.yield_(total).await);
                        }
                        total
                    });
                    let mut sum = 0u64;
                    assert!(matches!(gen.resume_with(0), GeneratorState::Yielded(0)));
                    for i in 0..ITEMS {
                        match gen.resume_with(black_box(i)) {
                            GeneratorState::Yielded(total) | GeneratorState::Complete(total) => {
                                sum = sum.wrapping_add(total);
                            }
                        }
                    }
                    assert_eq!(sum, expected);
                });
            });
        };
    }
    genawaiter_running!("genawaiter_sync", sync);
    genawaiter_running!("genawaiter_rc", rc);
    group.finish();
}

criterion_group!(
    benches,
    shape_sum,
    shape_collect,
    shape_strings,
    shape_struct,
    shape_resume
);
criterion_main!(benches);
