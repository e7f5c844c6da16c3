use coact::coroutine::Gen;

#[coact::coroutine]
fn outer() -> Gen<u32> {
    fn helper() {
        yield_!(1);
    }
    helper();
    yield_!(2);
}

fn main() {
    let _ = outer();
}
