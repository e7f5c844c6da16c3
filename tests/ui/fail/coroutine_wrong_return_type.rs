#[coact::coroutine]
fn numbers() -> Vec<u32> {
    yield_!(1);
}

#[coact::coroutine]
fn iterator() -> impl Iterator<Item = u32> {
    yield_!(1);
}

#[coact::coroutine]
fn no_return_type() {
    yield_!(1);
}

fn main() {}
