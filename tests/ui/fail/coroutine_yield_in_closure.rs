use coact::coroutine::Gen;

#[coact::coroutine]
fn doubled(values: Vec<u32>) -> Gen<u32> {
    values.iter().for_each(|v| {
        yield_!(v * 2);
    });
}

fn main() {
    let _ = doubled(vec![1]);
}
