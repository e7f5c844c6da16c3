// Callers of one key wait for its one load, so the function must be `async`.
#[coact::identity_cached(memoize)]
fn square(n: u64) -> u64 {
    n * n
}

fn main() {}
