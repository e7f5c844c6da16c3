// A driver runs plain `fn` coroutines only: an `async fn` one awaits by itself.
use coact::coroutine::ops::{Driver, Op, Outcome};
use coact::coroutine::Gen;

#[coact::coroutine]
async fn nap() -> Gen<Op, Resume = Outcome> {
    yield_!(Op::sleep(std::time::Duration::from_secs(1)));
}

#[coact::coroutine]
fn numbers() -> Gen<u32> {
    yield_!(1);
}

fn main() {
    let driver = Driver::new();
    driver.spawn(Box::pin(nap()));
    driver.spawn(numbers());
}
