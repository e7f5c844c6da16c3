//! Runs one contender of the `state_spawn` benchmark (`benches/state_spawn.rs`) a number
//! of times on a current-thread runtime and prints its result: a harness for callgrind,
//! whose instruction counts do not move with this machine's noise the way criterion's
//! times do.
//!
//! ```sh
//! cargo build --release --example state_calls
//! valgrind --tool=callgrind target/release/examples/state_calls coact_spawn 2
//! valgrind --tool=callgrind target/release/examples/state_calls coact_spawn 4
//! ```
//!
//! Arguments: a contender (`coact_spawn`, `coact_run`, `hand_written_spawn`, or
//! `hand_written`: the loop of `benches/state.rs`'s `state_async_cycle`, inline) and how
//! many times to run the machine (each run is the bench's 10^6 transitions). The
//! difference between two counts, divided by the difference in transitions, is the cost
//! of one transition.
//!
//! Several contenders, separated by commas, are run in turn for a number of rounds (a
//! third argument, 100 by default) of that many runs each, and compared round by round
//! (`common/paired.rs`):
//!
//! ```sh
//! target/release/examples/state_calls coact_spawn,coact_run 1 300
//! ```

#[path = "../benches/state_spawn.rs"]
#[allow(dead_code)]
mod state_spawn;

use std::hint::black_box;
use std::time::Instant;

use state_spawn::{coact_run, coact_spawn, hand_written_spawn, runtime};

#[path = "common/paired.rs"]
mod paired;

/// Runs the machine of contender `name` `runs` times; the sum of their results.
fn run(name: &str, runs: u64, runtime: &tokio::runtime::Runtime) -> u64 {
    let mut total = 0;
    for _ in 0..runs {
        total += runtime.block_on(async {
            match name {
                "coact_spawn" => coact_spawn().await,
                "coact_run" => coact_run().await,
                "hand_written_spawn" => hand_written_spawn().await,
                "hand_written" => state_spawn::async_cycle::hand_written().await,
                other => panic!("no contender named `{other}`"),
            }
        });
    }
    total
}

fn main() {
    let (names, runs, rounds) =
        paired::arguments("usage: state_calls CONTENDER[,CONTENDER...] RUNS [ROUNDS]");
    let runtime = runtime();
    let contenders: Vec<&str> = names.split(',').collect();
    if let [name] = contenders[..] {
        println!("{name} {runs}: checksum {}", run(name, runs, &runtime));
        return;
    }
    paired::compare(
        &contenders,
        rounds.unwrap_or(100),
        "ns per transition",
        |name| {
            let start = Instant::now();
            black_box(run(name, runs, &runtime));
            // Below 2^53 transitions, the count converts exactly.
            #[allow(clippy::cast_precision_loss)]
            let transitions = (runs * state_spawn::async_cycle::TRANSITIONS) as f64;
            start.elapsed().as_secs_f64() * 1e9 / transitions
        },
    );
}
