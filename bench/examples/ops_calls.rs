//! Runs one contender of the `op_round_trip` group (`benches/ops.rs`) and prints the time
//! per operation: a harness for callgrind, whose instruction counts do not move with this
//! machine's noise the way criterion's times do.
//!
//! ```sh
//! cargo build --release --example ops_calls
//! valgrind --tool=callgrind target/release/examples/ops_calls write_64_coact_driver 10000
//! valgrind --tool=callgrind target/release/examples/ops_calls write_64_coact_driver 30000
//! ```
//!
//! The difference between two counts, divided by the difference in operations, is the
//! cost of one operation (the program's setup cancels out). The `echo_*` contenders count
//! rounds of the echo group's 10 clients × 1,000 lines instead.

#[path = "../benches/ops.rs"]
#[allow(dead_code)]
mod ops;

use ops::contenders;

fn main() {
    let usage = "usage: ops_calls CONTENDER OPERATIONS";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, operations] = args.as_slice() else {
        panic!("{usage}");
    };
    let n: u64 = operations.parse().expect(usage);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let took = rt.block_on(async {
        match name.as_str() {
            "yield_now_tokio_await" => contenders::yield_now_tokio_await(n).await,
            "yield_now_coact_driver" => contenders::yield_now_coact_driver(n).await,
            "write_64_tokio_await" => contenders::write_64_tokio_await(n).await,
            "write_64_coact_driver" => contenders::write_64_coact_driver(n).await,
            "echo_plain_tokio" => contenders::echo_plain_tokio(n).await,
            "echo_coact_driver" => contenders::echo_coact_driver(n).await,
            other => panic!("no contender named `{other}`"),
        }
    });
    #[allow(clippy::cast_precision_loss)]
    let per_op = took.as_secs_f64() * 1e9 / n as f64;
    println!("{name} {n}: {per_op:.1} ns per operation");
}
