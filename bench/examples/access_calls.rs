//! Runs one contender of the access benchmark (`benches/access.rs`) a fixed number of
//! times and prints the time per iteration: a harness for callgrind, whose instruction
//! counts do not move with this machine's noise the way criterion's times do.
//!
//! ```sh
//! cargo build --release --example access_calls
//! valgrind --tool=callgrind target/release/examples/access_calls coact_ordered 10
//! valgrind --tool=callgrind target/release/examples/access_calls coact_ordered 30
//! ```
//!
//! Arguments: a contender (a function of `contenders`, named as its criterion row) and the
//! number of iterations (10,000 entries each). A warm-up of a tenth of them (plus one)
//! comes first, so the difference between two counts, divided by the difference in
//! iterations (warm-up included), is the cost of one iteration.
//!
//! Several contenders, separated by commas, are each warmed up, then run in turn for a
//! number of rounds (a third argument, 100 by default) of that many iterations each, and
//! compared round by round (`common/paired.rs`):
//!
//! ```sh
//! target/release/examples/access_calls coact_kv,join_set_into_hash_map 2 200
//! ```

use std::hint::black_box;
use std::time::Instant;

#[path = "../benches/access.rs"]
#[allow(dead_code)]
mod access;

use access::contenders;

#[path = "common/paired.rs"]
mod paired;

macro_rules! run_contender {
    ($name:expr, $iterations:expr, $($contender:ident),* $(,)?) => {
        match $name {
            $(stringify!($contender) => {
                for _ in 0..$iterations {
                    black_box(contenders::$contender().await);
                }
            })*
            other => panic!("no contender named `{other}`"),
        }
    };
}

async fn run(name: &str, iterations: u64) {
    run_contender!(
        name,
        iterations,
        coact_ordered,
        futures_ordered_of_join_handles,
        futures_ordered_in_place,
        coact_first_reply,
        join_set,
        futures_unordered_of_join_handles,
        futures_unordered_in_place,
        coact_first_ok,
        coact_first,
        join_set_first_then_drop,
        select_ok_of_join_handles,
        select_ok_of_join_handles_fallible,
        futures_unordered_of_join_handles_first_then_abort,
        select_ok_in_place,
        coact_kv,
        join_set_into_hash_map,
    );
}

fn main() {
    let usage = "usage: access_calls CONTENDER[,CONTENDER...] ITERATIONS [ROUNDS]";
    let (names, iterations, rounds) = paired::arguments(usage);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let contenders: Vec<&str> = names.split(',').collect();
    for name in &contenders {
        rt.block_on(run(name, iterations / 10 + 1));
    }
    // Microseconds per iteration.
    let time = |name: &str| {
        let start = Instant::now();
        rt.block_on(run(name, iterations));
        #[allow(clippy::cast_precision_loss)]
        let per_iteration = start.elapsed().as_secs_f64() * 1e6 / iterations as f64;
        per_iteration
    };
    if let [name] = contenders[..] {
        println!("{name} {iterations}: {:.1} µs per iteration", time(name));
        return;
    }
    paired::compare(&contenders, rounds.unwrap_or(100), "µs per iteration", time);
}
