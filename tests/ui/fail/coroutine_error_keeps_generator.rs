// One mistake in a coroutine gives one error: the function still returns the generator
// type it declares (a stand-in), so the code that iterates it does not add errors.
use coact::coroutine::Gen;

#[coact::coroutine]
unsafe fn numbers(n: u32) -> Gen<u32> {
    for i in 0..n {
        yield_!(i);
    }
}

fn main() {
    let total: u32 = unsafe { numbers(3) }.sum();
    let _ = total;
}
