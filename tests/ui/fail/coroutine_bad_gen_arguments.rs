#[coact::coroutine]
fn output() -> coact::coroutine::Gen<u32, Output = String> {
    yield_!(1);
}

#[coact::coroutine]
fn positional() -> coact::coroutine::Gen<u32, String> {
    yield_!(1);
}

#[coact::coroutine]
fn twice() -> coact::coroutine::Gen<u32, Resume = u8, Resume = u8> {
    yield_!(1);
}

#[coact::coroutine]
fn nothing() -> coact::coroutine::Gen {
    yield_!(1);
}

fn main() {}
