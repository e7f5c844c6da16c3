#[coact::coroutine]
unsafe fn everything(values: Vec<u32>) -> coact::coroutine::Gen<u32, Output = u8> {
    let _ = values.iter().map(|v| yield_!(*v));
    let _ = async { yield_!(1) };
    std::future::ready(()).await;
}

fn main() {}
