//! Runs contenders of the handler benchmark (`benches/handler.rs`) for a number of calls
//! on a tokio runtime and prints the time: a harness for callgrind, whose instruction
//! counts do not move with this machine's noise the way criterion's times do, and for
//! paired runs, which compare two contenders under the same noise.
//!
//! ```sh
//! cargo build --release --example handler_calls
//! valgrind --tool=callgrind target/release/examples/handler_calls coact_drain 20
//! valgrind --tool=callgrind target/release/examples/handler_calls coact_drain 40
//! target/release/examples/handler_calls coact_sync,hand_sync 20 current_thread 400
//! ```
//!
//! Arguments: a contender (`coact_` or `hand_` followed by `sync`, `oneway`, `nested` or
//! `drain`, or `actix_sync` and `actix_oneway`, run in an actix `System` as its users run
//! one, whatever the runtime argument) and a count: thousands of calls, or drains of 1,000
//! calls for `drain`; then, optionally, the runtime: `current_thread` (the default) or
//! `multi_thread`. The difference between two counts, divided by the difference in calls,
//! is the cost of one call.
//!
//! Several contenders, separated by commas, are run in turn for a number of rounds (the
//! fourth argument, 100 by default), and compared round by round (`common/paired.rs`).

use std::hint::black_box;
use std::time::Duration;

#[path = "../benches/handler.rs"]
#[allow(dead_code)]
mod handler;

#[path = "common/paired.rs"]
mod paired;

use handler::{hand_written, with_actix, with_coact};
use tokio::runtime::Runtime;

/// One run of a contender: `count` thousand calls (or `count` drains), and the whole time.
fn run(name: &str, count: u64, runtime: &Runtime) -> Duration {
    let calls = count * 1_000;
    let elapsed = match name {
        "actix_sync" => actix::System::new().block_on(with_actix::sync_round_trip(calls)),
        "actix_oneway" => actix::System::new().block_on(with_actix::oneway_send(calls)),
        _ => runtime.block_on(async {
            match name {
                "coact_sync" => with_coact::sync_round_trip(calls).await,
                "hand_sync" => hand_written::sync_round_trip(calls).await,
                "coact_oneway" => with_coact::oneway_send(calls).await,
                "hand_oneway" => hand_written::oneway_send(calls).await,
                "coact_nested" => with_coact::nested_round_trip(calls).await,
                "hand_nested" => hand_written::nested_round_trip(calls).await,
                "coact_drain" => with_coact::drain(count).await,
                "hand_drain" => hand_written::drain(count).await,
                other => panic!("no contender named `{other}`"),
            }
        }),
    };
    black_box(elapsed)
}

/// Nanoseconds per call of a run of `count` thousand calls.
fn per_call(elapsed: Duration, count: u64) -> f64 {
    // Below 2^53 calls, the count converts exactly.
    #[allow(clippy::cast_precision_loss)]
    let calls = (count * 1_000) as f64;
    elapsed.as_secs_f64() * 1e9 / calls
}

fn main() {
    let mut args = std::env::args().skip(1);
    let names = args.next().expect("a contender, e.g. coact_drain");
    let count: u64 = args
        .next()
        .expect("a count")
        .parse()
        .expect("a whole number");
    let mut builder = match args.next().as_deref() {
        None | Some("current_thread") => tokio::runtime::Builder::new_current_thread(),
        Some("multi_thread") => tokio::runtime::Builder::new_multi_thread(),
        Some(other) => panic!("no runtime named `{other}`"),
    };
    let runtime = builder.enable_all().build().expect("a runtime");
    let contenders: Vec<&str> = names.split(',').collect();
    if let [name] = contenders[..] {
        let ns = per_call(run(name, count, &runtime), count);
        println!("{name}: {ns:.1} ns per call");
        return;
    }
    let rounds = args
        .next()
        .map_or(100, |n| n.parse().expect("a number of rounds"));
    paired::compare(&contenders, rounds, "ns per call", |name| {
        per_call(run(name, count, &runtime), count)
    });
}
