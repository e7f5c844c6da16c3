//! Four expensive computations,
//! each chained to a second one that uses its result, run on one thread next to
//! simulated requests that arrive at set times and are answered on time.
//!
//! Each computation is a `#[coact::coroutine]` generator driven by `batch_accumulate`,
//! 1000 steps at a time; between batches the tokio scheduler runs whatever else is ready
//! (here, the requests), so nothing waits longer than one batch.
//!
//! `cargo run --release --example cooperative` (a debug build is slower, so the requests
//! arrive while more of the work is left).

use std::time::Duration;

use coact::coroutine::{batch_accumulate, CooperativeError, Gen};
use tokio::time::Instant;

/// A CPU-heavy computation: `steps` values, with progress at each quarter.
#[coact::coroutine]
fn expensive(number: f64, steps: u32, log: bool) -> Gen<f64> {
    if log {
        println!("  starting {number}");
    }
    for value in 0..steps {
        if log && value > 0 && value % (steps / 4).max(1) == 0 {
            println!("  {}/4 for {number}", value / (steps / 4).max(1));
        }
        yield_!(number * f64::from(value) / 3.0);
    }
}

/// One computation, then a second on its result.
async fn do_some_expensive_things(
    number: f64,
    steps: u32,
    log: bool,
) -> Result<f64, CooperativeError> {
    let first: f64 = batch_accumulate(1000, expensive(number, steps, log))
        .await?
        .iter()
        .sum();
    if log {
        println!("  first for {number}: {first:.0}");
    }
    let second: f64 = batch_accumulate(1000, expensive((first / 1e9).trunc(), steps, log))
        .await?
        .iter()
        .sum();
    if log {
        println!("  second for {number}: {second:.0}");
    }
    Ok(second)
}

/// A request that arrives `at` after `start`; returns how late it was answered.
async fn simulated_request(n: u32, start: Instant, at: Duration, log: bool) -> Duration {
    tokio::time::sleep_until(start + at).await;
    let late = start.elapsed().saturating_sub(at);
    if log {
        println!(
            "  ########## simulated request {n} answered ({late:?} after it arrived) ##########"
        );
    }
    late
}

/// What one run measured.
#[derive(Debug)]
pub struct Report {
    /// The four chained results, in the order the computations were started.
    pub totals: Vec<f64>,
    /// How late each simulated request was answered.
    pub lateness: Vec<Duration>,
    /// How long the whole run took.
    pub elapsed: Duration,
}

/// Runs the four computations of `steps` values each and the three requests, on the
/// current (single-threaded, for the point to hold) runtime.
///
/// # Errors
///
/// When a computation panics.
///
/// # Panics
///
/// When a request task panics (it does not).
pub async fn run(
    steps: u32,
    request_times: [Duration; 3],
    log: bool,
) -> Result<Report, CooperativeError> {
    let start = Instant::now();
    // Each computation and each request is its own task.
    let requests: Vec<_> = request_times
        .iter()
        .zip(1..)
        .map(|(&at, n)| tokio::spawn(simulated_request(n, start, at, log)))
        .collect();
    let work: Vec<_> = [54.0, 42.0, 10.0, 34.0]
        .into_iter()
        .map(|number| tokio::spawn(do_some_expensive_things(number, steps, log)))
        .collect();
    let mut totals = Vec::new();
    for computation in work {
        totals.push(computation.await.expect("a computation's task ends")?);
    }
    let mut lateness = Vec::new();
    for request in requests {
        lateness.push(request.await.expect("a request's task ends"));
    }
    Ok(Report {
        totals,
        lateness,
        elapsed: start.elapsed(),
    })
}

/// The tour's short version: fewer steps, requests a few milliseconds in.
///
/// # Errors
///
/// When a computation panics.
pub async fn tour() -> Result<(), CooperativeError> {
    let times = [1, 2, 4].map(Duration::from_millis);
    let report = run(200_000, times, false).await?;
    println!(
        "  four computations of 200,000 steps, each chained to a second one, took {:?};",
        report.elapsed
    );
    for (n, late) in report.lateness.iter().enumerate() {
        println!(
            "  simulated request {} was answered {late:?} after it arrived",
            n + 1
        );
    }
    println!("  totals: {:?}", report.totals);
    Ok(())
}

#[allow(dead_code)] // `main` is unused when the tour includes this file as a module.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), CooperativeError> {
    let times = [300, 500, 1000].map(Duration::from_millis);
    let report = run(2_000_000, times, true).await?;
    println!("totals {:?} in {:?}", report.totals, report.elapsed);
    println!("requests answered this late: {:?}", report.lateness);
    Ok(())
}
