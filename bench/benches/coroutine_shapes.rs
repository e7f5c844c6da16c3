//! The generator shapes of issue 15, each side by side with its hand-written equivalent,
//! async-stream and genawaiter's two flavours, in one run:
//!
//! - `shape_sum`: 10^6 `u64`s summed by `Iterator::sum` (async-stream: the same sum
//!   over its `Stream`, polled with a no-op waker). coact also as a `for` loop, which calls
//!   `next` per item (`coact_sync_next`: no `fold`) and as an `async fn`'s `Stream`
//!   (`coact_stream`, drained like async-stream's).
//! - `shape_collect`: 10^6 `u64`s collected into a `Vec`.
//! - `shape_strings`: 10^5 `String`s (each number written out), their lengths summed.
//! - `shape_struct`: 10^6 values of a struct of the bench's own (two `u64`s): the slowest
//!   shape for coact while such types took a slot of their own.
//! - `shape_resume`: 10^6 resumes, each sending a value in and getting a running total
//!   out (async-stream has no resume values: not in this group).
//!
//! A binary of its own, so that `coroutine_items` in `coroutine.rs` keeps its code
//! placement. Run with `cd bench && cargo bench --bench coroutine_shapes`; one contender
//! alone, for callgrind, with `bench/examples/coroutine_calls.rs`.

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use coact::coroutine::{Gen, GenState};
use contenders::ALL;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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

/// `coact_count` as an `async fn`: a `Stream`.
#[coact::coroutine]
async fn coact_count_stream(n: u64) -> Gen<u64> {
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
fn lengths(values: impl Iterator<Item = String>) -> u64 {
    values.map(|s| s.len() as u64).sum()
}

/// The pairs' fields, summed.
fn total(values: impl Iterator<Item = Pair>) -> u64 {
    values.fold(0u64, |t, p| t + black_box(p.a) + p.b)
}

// ---------------------------------------------------------------------------------------
// The contenders: each runs its shape over `n` items and returns a checksum, which the
// bench compares with the hand-written contender's. `bench/examples/coroutine_calls.rs`
// runs one of them under callgrind.

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

/// One contender per shape and implementation, named `shape/implementation`.
pub mod contenders {
    use super::*;

    /// A contender: runs its shape over `n` items, returns a checksum.
    pub type Contender = fn(u64) -> u64;

    /// Every contender, by shape; in each shape the hand-written one comes first.
    pub const ALL: &[(&str, Contender)] = &[
        ("shape_sum/hand_written_iterator", |n| hand(n, number).sum()),
        ("shape_sum/coact_sync", |n| coact_count(n).sum()),
        ("shape_sum/coact_sync_next", |n| {
            // A `for` loop calls `next` per item, where `sum` folds.
            let mut sum = 0u64;
            for value in coact_count(n) {
                sum += value;
            }
            sum
        }),
        ("shape_sum/coact_stream", |n| {
            let mut total = 0;
            drain(coact_count_stream(n), |v| total += v);
            total
        }),
        ("shape_sum/async_stream", |n| {
            let mut total = 0;
            drain(async_stream(n, number), |v| total += v);
            total
        }),
        ("shape_sum/genawaiter_sync", |n| {
            genawaiter_sync(n, number).sum()
        }),
        ("shape_sum/genawaiter_rc", |n| {
            genawaiter_rc(n, number).sum()
        }),
        ("shape_collect/hand_written_iterator", |n| {
            checksum(hand(n, number).collect())
        }),
        ("shape_collect/coact_sync", |n| {
            checksum(coact_count(n).collect())
        }),
        ("shape_collect/async_stream", |n| {
            let mut values = Vec::new();
            drain(async_stream(n, number), |v| values.push(v));
            checksum(values)
        }),
        ("shape_collect/genawaiter_sync", |n| {
            checksum(genawaiter_sync(n, number).collect())
        }),
        ("shape_collect/genawaiter_rc", |n| {
            checksum(genawaiter_rc(n, number).collect())
        }),
        ("shape_strings/hand_written_iterator", |n| {
            lengths(hand(n, text))
        }),
        ("shape_strings/coact_sync", |n| lengths(coact_strings(n))),
        ("shape_strings/async_stream", |n| {
            let mut total = 0;
            drain(async_stream(n, text), |s| total += s.len() as u64);
            total
        }),
        ("shape_strings/genawaiter_sync", |n| {
            lengths(genawaiter_sync(n, text))
        }),
        ("shape_strings/genawaiter_rc", |n| {
            lengths(genawaiter_rc(n, text))
        }),
        ("shape_struct/hand_written_iterator", |n| {
            total(hand(n, pair))
        }),
        ("shape_struct/coact_sync", |n| total(coact_pairs(n))),
        ("shape_struct/async_stream", |n| {
            let mut sum = 0;
            drain(async_stream(n, pair), |p| sum += black_box(p.a) + p.b);
            sum
        }),
        ("shape_struct/genawaiter_sync", |n| {
            total(genawaiter_sync(n, pair))
        }),
        ("shape_struct/genawaiter_rc", |n| {
            total(genawaiter_rc(n, pair))
        }),
        ("shape_resume/hand_written", |n| {
            let mut running = Running { total: 0 };
            (0..n).fold(0u64, |sum, i| {
                sum.wrapping_add(running.resume(black_box(i)))
            })
        }),
        ("shape_resume/coact_sync", |n| {
            let mut gen = coact_running(n);
            let mut sum = 0u64;
            assert!(matches!(gen.start(), GenState::Yielded(0)));
            for i in 0..n {
                match gen.resume(black_box(i)) {
                    GenState::Yielded(total) | GenState::Complete(total) => {
                        sum = sum.wrapping_add(total);
                    }
                }
            }
            sum
        }),
        ("shape_resume/genawaiter_sync", |n| {
            genawaiter_running!(sync, n)
        }),
        ("shape_resume/genawaiter_rc", |n| genawaiter_running!(rc, n)),
    ];

    /// The running-total contender for either of genawaiter's flavours, whose `Gen`s are
    /// two types.
    macro_rules! genawaiter_running {
        ($flavour:ident, $n:expr) => {{
            let n = $n;
            let mut gen = genawaiter::$flavour::Gen::new(|co| async move {
                let mut total = 0u64;
                for _ in 0..n {
                    total = total.wrapping_add(co.yield_(total).await);
                }
                total
            });
            let mut sum = 0u64;
            assert!(matches!(gen.resume_with(0), GeneratorState::Yielded(0)));
            for i in 0..n {
                match gen.resume_with(black_box(i)) {
                    GeneratorState::Yielded(total) | GeneratorState::Complete(total) => {
                        sum = sum.wrapping_add(total);
                    }
                }
            }
            sum
        }};
    }
    use genawaiter_running;

    fn checksum(values: Vec<u64>) -> u64 {
        values.len() as u64 + values.last().copied().unwrap_or_default()
    }

    /// The items a shape runs over.
    pub fn items(shape: &str) -> u64 {
        if shape == "shape_strings" {
            STRINGS
        } else {
            ITEMS
        }
    }
}

/// Every shape's contenders side by side, each checked against the hand-written one.
fn shapes(c: &mut Criterion) {
    let mut at = 0;
    while at < ALL.len() {
        let shape = ALL[at].0.split('/').next().expect("shape/name");
        let items = contenders::items(shape);
        let expected = (ALL[at].1)(items);
        let mut group = c.benchmark_group(shape);
        group.throughput(Throughput::Elements(items));
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(2));
        while let Some((name, contender)) = ALL.get(at).filter(|(n, _)| n.starts_with(shape)) {
            let name = name.split('/').nth(1).expect("shape/name");
            group.bench_function(name, |b| {
                b.iter(|| assert_eq!(contender(black_box(items)), expected, "{name}"));
            });
            at += 1;
        }
        group.finish();
    }
}

criterion_group!(benches, shapes);
criterion_main!(benches);
