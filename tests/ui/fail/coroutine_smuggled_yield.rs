//! A yield future can only be made by `yield_!`, which awaits it at once: the handle it
//! uses is hidden by hygiene, so a yield cannot be taken out of its coroutine.
use coact::coroutine::Gen;

#[coact::coroutine]
fn leaky() -> Gen<u32> {
    let smuggled = __coact_co.yield_(1);
    std::mem::forget(smuggled);
    yield_!(2);
}

fn main() {
    let _ = leaky();
}
