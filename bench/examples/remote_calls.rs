//! Runs one of the remote benchmark's measurements (`benches/remote.rs`) for a fixed
//! number of calls and prints the time per call: a harness for callgrind and perf, whose
//! counts criterion's adaptive iteration counts would blur.
//!
//! ```sh
//! cargo build --release --example remote_calls
//! COACT_NATS_URL=nats://127.0.0.1:4222 valgrind --tool=callgrind \
//!     target/release/examples/remote_calls coact tp32 6000
//! ```
//!
//! Arguments: `coact` or `raw`; `sync`, `oneway`, `oneway_paced` (coact only) or `tp32`;
//! the number of calls. A warm-up run of a tenth of them (plus one) comes first, so the
//! difference between two call counts, divided by the difference in calls (warm-up
//! included), is the cost of one call. `WORKERS` sets the runtime's worker threads (2 by
//! default; 0 for a current-thread runtime).

use std::time::Duration;

#[path = "../benches/remote.rs"]
#[allow(dead_code)]
mod remote;

use remote::{raw, with_coact};

fn main() {
    let usage = "usage: remote_calls coact|raw sync|oneway|oneway_paced|tp32 CALLS";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [side, measure, calls] = args.as_slice() else {
        panic!("{usage}");
    };
    let calls: u64 = calls.parse().expect(usage);
    let workers: usize = std::env::var("WORKERS").map_or(2, |w| w.parse().expect("WORKERS"));
    let rt = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers);
        builder
    }
    .enable_all()
    .build()
    .expect("tokio runtime");
    let run = |n: u64| -> Duration {
        rt.block_on(async {
            match (side.as_str(), measure.as_str()) {
                ("coact", "sync") => with_coact::sync_round_trip(n).await,
                ("coact", "oneway") => with_coact::oneway(n).await,
                ("coact", "oneway_paced") => with_coact::oneway_paced(n).await,
                ("coact", "tp32") => with_coact::sync_throughput(n).await,
                ("raw", "sync") => raw::sync_round_trip(n).await,
                ("raw", "oneway") => raw::oneway(n).await,
                ("raw", "tp32") => raw::sync_throughput(n).await,
                _ => panic!("{usage}"),
            }
        })
    };
    run(calls / 10 + 1);
    let elapsed = run(calls);
    #[allow(clippy::cast_precision_loss)]
    let per_call = elapsed.as_nanos() as f64 / calls as f64;
    println!("{side} {measure} {calls}: {per_call:.0} ns/call");
}
