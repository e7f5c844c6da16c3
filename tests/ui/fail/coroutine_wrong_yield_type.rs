use coact::coroutine::Gen;

#[coact::coroutine]
fn numbers() -> Gen<u32, Return = String> {
    yield_!("one");
    7
}

fn main() {
    let _ = numbers();
}
