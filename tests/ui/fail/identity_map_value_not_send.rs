// An identity map shares its instances with every thread.
use std::cell::Cell;

struct Counter {
    hits: Cell<u32>,
}

#[coact::identity_cached]
async fn counter(id: u32) -> Option<Counter> {
    (id > 0).then(|| Counter { hits: Cell::new(0) })
}

fn main() {}
