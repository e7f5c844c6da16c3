//! Runs one contender of the handler benchmark (`benches/handler.rs`) for a number of
//! calls on a tokio runtime and prints the time: a harness for callgrind, whose
//! instruction counts do not move with this machine's noise the way criterion's times do.
//!
//! ```sh
//! cargo build --release --example handler_calls
//! valgrind --tool=callgrind target/release/examples/handler_calls coact_drain 20
//! valgrind --tool=callgrind target/release/examples/handler_calls coact_drain 40
//! ```
//!
//! Arguments: a contender (`coact_` or `hand_` followed by `sync`, `oneway`, `nested` or
//! `drain`, or `actix_sync` and `actix_oneway`, run in an actix `System` as its users run
//! one, whatever the runtime argument) and a count: thousands of calls, or drains of 1,000
//! calls for `drain`; then, optionally, the runtime: `current_thread` (the default) or
//! `multi_thread`. The difference between two counts, divided by the difference in calls,
//! is the cost of one call.

use std::hint::black_box;

#[path = "../benches/handler.rs"]
#[allow(dead_code)]
mod handler;

use handler::{hand_written, with_actix, with_coact};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().expect("a contender, e.g. coact_drain");
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
    let calls = count * 1_000;
    let actix = match name.as_str() {
        "actix_sync" => Some(actix::System::new().block_on(with_actix::sync_round_trip(calls))),
        "actix_oneway" => Some(actix::System::new().block_on(with_actix::oneway_send(calls))),
        _ => None,
    };
    let elapsed = actix.unwrap_or_else(|| {
        runtime.block_on(async {
            match name.as_str() {
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
        })
    });
    println!(
        "{name}: {:?} per call",
        black_box(elapsed) / u32::try_from(calls).unwrap()
    );
}
