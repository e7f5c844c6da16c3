//! Runs one contender of `benches/coroutine_shapes.rs` and prints its checksum: a harness
//! for callgrind, whose instruction counts do not move with this machine's noise the way
//! criterion's times do.
//!
//! ```sh
//! cargo build --release --example coroutine_calls
//! valgrind --tool=callgrind target/release/examples/coroutine_calls shape_sum/coact_sync 100000
//! valgrind --tool=callgrind target/release/examples/coroutine_calls shape_sum/coact_sync 200000
//! ```
//!
//! The difference between two counts, divided by the difference in items, is the cost of
//! one item (the program's setup cancels out). `coroutine_calls list` names the contenders:
//! the shapes', and `batch_accumulate`'s as `benches/coroutine.rs` runs it (the plain loop,
//! and batches of 1,000, on a current-thread runtime, with the values collected and with
//! nothing kept).

#[path = "../benches/coroutine_shapes.rs"]
#[allow(dead_code)]
mod shapes;

use coact::coroutine::{batch_accumulate, batch_accumulate_some, Gen};
use shapes::contenders::{Contender, ALL};

/// The generator of `benches/coroutine.rs`'s `batch_accumulate` group.
#[coact::coroutine]
fn expensive(number: f64, steps: u32) -> Gen<f64> {
    for value in 0..steps {
        yield_!(number * f64::from(value) / 3.0);
    }
}

fn steps(n: u64) -> u32 {
    u32::try_from(n).expect("at most u32::MAX steps")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// `batch_accumulate` against the plain loop, each returning how many values it kept.
const COOPERATIVE: &[(&str, Contender)] = &[
    ("batch_accumulate/plain_loop", |n| {
        let values: Vec<f64> = runtime().block_on(async { expensive(1.0, steps(n)).collect() });
        values.len() as u64
    }),
    ("batch_accumulate/batch_1000", |n| {
        let values = runtime()
            .block_on(batch_accumulate(1000, expensive(1.0, steps(n))))
            .expect("the generator runs");
        values.len() as u64
    }),
    ("batch_accumulate_nothing_kept/plain_loop", |n| {
        let mut count = 0;
        runtime().block_on(async {
            expensive(1.0, steps(n)).for_each(|value| {
                std::hint::black_box(value);
                count += 1;
            });
        });
        count
    }),
    ("batch_accumulate_nothing_kept/batch_1000", |n| {
        let kept: Vec<f64> = runtime()
            .block_on(batch_accumulate_some(
                1000,
                expensive(1.0, steps(n)).map(|value| {
                    std::hint::black_box(value);
                    None
                }),
            ))
            .expect("the generator runs");
        kept.len() as u64
    }),
];

fn main() {
    let usage = "usage: coroutine_calls CONTENDER ITEMS, or coroutine_calls list";
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("list") {
        for (name, _) in ALL.iter().chain(COOPERATIVE) {
            println!("{name}");
        }
        return;
    }
    let [name, items] = args.as_slice() else {
        panic!("{usage}");
    };
    let n: u64 = items.parse().expect(usage);
    let (_, contender) = ALL
        .iter()
        .chain(COOPERATIVE)
        .find(|(each, _)| each == name)
        .unwrap_or_else(|| panic!("no contender named `{name}`"));
    println!(
        "{name} {n}: checksum {}",
        contender(std::hint::black_box(n))
    );
}
