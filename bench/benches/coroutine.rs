//! `#[coroutine]` and cooperative execution against their baselines, in one run:
//!
//! - `coroutine_items`: the per-item cost of a generator of 10^6 `u64`s, summed by the
//!   consumer: coact's sync generator (an `Iterator`) and async one (a `Stream`), a
//!   hand-written `Iterator`, async-stream's `stream!` and genawaiter's `sync` (`Send`,
//!   like coact's) and `rc` generators.
//! - `batch_accumulate`: the seed's `expensive` generator (10^6 values) collected by
//!   `batch_accumulate` at batch sizes 1, 100, 1000 and 10,000, against a plain loop
//!   collecting the same generator; before timing, the largest gap a ticker task on the
//!   same current-thread runtime sees at each batch size is printed, in steps and time.
//! - `batch_accumulate_nothing_kept`: the same generator with nothing collected, so that no
//!   growing `Vec` (its reallocations and page faults) weighs on either side: a plain
//!   `for_each` loop against `batch_accumulate_some` over the generator's values mapped to
//!   `None`, at batch sizes 1,000 and 10,000. What is left is the batching and the
//!   hand-backs.
//!
//! The echo server and the driver of protocol coroutines are in `benches/ops.rs`.
//!
//! Run with `cd bench && cargo bench --bench coroutine`.

use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use coact::coroutine::{batch_accumulate, batch_accumulate_some, Gen};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::Stream;

/// Items per generator run.
const ITEMS: u64 = 1_000_000;

// ---------------------------------------------------------------------------------------
// Per-item cost

#[coact::coroutine]
fn coact_count(n: u64) -> Gen<u64> {
    for i in 0..n {
        yield_!(i);
    }
}

#[coact::coroutine]
async fn coact_stream(n: u64) -> Gen<u64> {
    for i in 0..n {
        yield_!(i);
    }
}

/// The hand-written equivalent of `coact_count`.
struct Count {
    next: u64,
    end: u64,
}

impl Iterator for Count {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.next - 1
        })
    }
}

fn sum(values: impl Iterator<Item = u64>) -> u64 {
    let mut total = 0u64;
    for value in values {
        total = total.wrapping_add(black_box(value));
    }
    total
}

/// Drains a stream that never waits, polling it with a no-op waker.
fn sum_stream(stream: impl Stream<Item = u64>) -> u64 {
    let mut stream = pin!(stream);
    let mut cx = Context::from_waker(Waker::noop());
    let mut total = 0u64;
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(value)) => total = total.wrapping_add(black_box(value)),
            Poll::Ready(None) => return total,
            Poll::Pending => unreachable!("these streams never wait"),
        }
    }
}

fn coroutine_items(c: &mut Criterion) {
    let expected = ITEMS * (ITEMS - 1) / 2;
    let mut group = c.benchmark_group("coroutine_items");
    group.throughput(Throughput::Elements(ITEMS));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("hand_written_iterator", |b| {
        b.iter(|| {
            assert_eq!(
                sum(Count {
                    next: 0,
                    end: black_box(ITEMS)
                }),
                expected
            );
        });
    });
    group.bench_function("coact_sync", |b| {
        b.iter(|| assert_eq!(sum(coact_count(black_box(ITEMS))), expected));
    });
    group.bench_function("coact_async_stream", |b| {
        b.iter(|| assert_eq!(sum_stream(coact_stream(black_box(ITEMS))), expected));
    });
    group.bench_function("async_stream", |b| {
        b.iter(|| {
            let n = black_box(ITEMS);
            let stream = async_stream::stream! {
                for i in 0..n {
                    yield i;
                }
            };
            assert_eq!(sum_stream(stream), expected);
        });
    });
    group.bench_function("genawaiter_sync", |b| {
        b.iter(|| {
            let n = black_box(ITEMS);
            let gen = genawaiter::sync::Gen::new(|co| async move {
                for i in 0..n {
                    co.yield_(i).await;
                }
            });
            assert_eq!(sum(gen.into_iter()), expected);
        });
    });
    group.bench_function("genawaiter_rc", |b| {
        b.iter(|| {
            let n = black_box(ITEMS);
            let gen = genawaiter::rc::Gen::new(|co| async move {
                for i in 0..n {
                    co.yield_(i).await;
                }
            });
            assert_eq!(sum(gen.into_iter()), expected);
        });
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// Cooperative execution

/// The seed's `expensive`, without its logging.
#[coact::coroutine]
fn expensive(number: f64, steps: u32) -> Gen<f64> {
    for value in 0..steps {
        yield_!(number * f64::from(value) / 3.0);
    }
}

const STEPS: u32 = 1_000_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Runs `batch_accumulate` next to a ticker task on one current-thread runtime and
/// returns the longest the ticker waited: in steps of the generator, and in time.
fn largest_gap(batch: usize) -> (usize, Duration) {
    runtime().block_on(async {
        let ticks = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicUsize::new(0));
        let (t, s) = (Arc::clone(&ticks), Arc::clone(&stop));
        let ticker = tokio::spawn(async move {
            let mut longest = Duration::ZERO;
            let mut last = Instant::now();
            while s.load(Ordering::Relaxed) == 0 {
                t.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
            }
            longest
        });
        tokio::task::yield_now().await;
        let observed = Arc::clone(&ticks);
        let seen: Vec<usize> = batch_accumulate(
            batch,
            expensive(1.0, STEPS).map(move |_| observed.load(Ordering::Relaxed)),
        )
        .await
        .expect("the generator runs");
        stop.store(1, Ordering::Relaxed);
        let longest = ticker.await.expect("the ticker ends");
        let mut steps = 0;
        let mut run = 0;
        for pair in seen.windows(2) {
            run += 1;
            if pair[0] != pair[1] {
                steps = steps.max(run);
                run = 0;
            }
        }
        (steps.max(run), longest)
    })
}

fn cooperative(c: &mut Criterion) {
    let batches = [1, 100, 1000, 10_000];
    for batch in batches {
        let (steps, time) = largest_gap(batch);
        println!("batch {batch:>6}: the ticker's largest gap is {steps} steps, {time:?}");
    }
    let rt = runtime();
    let mut group = c.benchmark_group("batch_accumulate");
    group.throughput(Throughput::Elements(u64::from(STEPS)));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("plain_loop", |b| {
        b.iter(|| {
            let values: Vec<f64> =
                rt.block_on(async { expensive(1.0, black_box(STEPS)).collect() });
            assert_eq!(values.len(), STEPS as usize);
        });
    });
    for batch in batches {
        group.bench_with_input(BenchmarkId::new("batch", batch), &batch, |b, &batch| {
            b.iter(|| {
                let values: Vec<f64> = rt
                    .block_on(batch_accumulate(batch, expensive(1.0, black_box(STEPS))))
                    .expect("the generator runs");
                assert_eq!(values.len(), STEPS as usize);
            });
        });
    }
    group.finish();

    // Nothing kept: the generator's values go to `black_box`, and the batches keep
    // nothing (`None` for every step).
    let mut group = c.benchmark_group("batch_accumulate_nothing_kept");
    group.throughput(Throughput::Elements(u64::from(STEPS)));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("plain_loop", |b| {
        b.iter(|| {
            rt.block_on(async {
                expensive(1.0, black_box(STEPS)).for_each(|value| {
                    black_box(value);
                });
            });
        });
    });
    for batch in [1000, 10_000] {
        group.bench_with_input(BenchmarkId::new("batch", batch), &batch, |b, &batch| {
            b.iter(|| {
                let kept: Vec<f64> = rt
                    .block_on(batch_accumulate_some(
                        batch,
                        expensive(1.0, black_box(STEPS)).map(|value| {
                            black_box(value);
                            None
                        }),
                    ))
                    .expect("the generator runs");
                assert!(kept.is_empty());
            });
        });
    }
    group.finish();
}

criterion_group!(benches, coroutine_items, cooperative);
criterion_main!(benches);
