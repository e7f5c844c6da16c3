use coact::coroutine::Gen;

#[coact::coroutine(batch = 10)]
fn numbers() -> Gen<u32> {
    yield_!(1);
}

#[coact::coroutine(yield = u32)]
fn more() -> Gen<u32> {
    yield_!(1);
}

fn main() {
    let _ = numbers();
    let _ = more();
}
