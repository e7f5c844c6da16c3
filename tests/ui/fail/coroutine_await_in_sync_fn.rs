use coact::coroutine::Gen;

#[coact::coroutine]
fn waits() -> Gen<u32> {
    std::future::ready(()).await;
    yield_!(1);
}

fn main() {
    let _ = waits();
}
