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

#[path = "../benches/state_spawn.rs"]
#[allow(dead_code)]
mod state_spawn;

use state_spawn::{coact_run, coact_spawn, hand_written_spawn, runtime};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().expect("a contender, e.g. coact_spawn");
    let runs: u64 = args
        .next()
        .expect("a number of runs")
        .parse()
        .expect("a whole number");
    let runtime = runtime();
    let mut total = 0;
    for _ in 0..runs {
        total += runtime.block_on(async {
            match name.as_str() {
                "coact_spawn" => coact_spawn().await,
                "coact_run" => coact_run().await,
                "hand_written_spawn" => hand_written_spawn().await,
                "hand_written" => state_spawn::async_cycle::hand_written().await,
                other => panic!("no contender named `{other}`"),
            }
        });
    }
    println!("{name} {runs}: checksum {total}");
}
