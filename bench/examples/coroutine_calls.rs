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
//! one item (the program's setup cancels out). `coroutine_calls list` names the contenders.

#[path = "../benches/coroutine_shapes.rs"]
#[allow(dead_code)]
mod shapes;

use shapes::contenders::ALL;

fn main() {
    let usage = "usage: coroutine_calls CONTENDER ITEMS, or coroutine_calls list";
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("list") {
        for (name, _) in ALL {
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
        .find(|(each, _)| each == name)
        .unwrap_or_else(|| panic!("no contender named `{name}`"));
    println!(
        "{name} {n}: checksum {}",
        contender(std::hint::black_box(n))
    );
}
