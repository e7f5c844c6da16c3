use coact::coroutine::Gen;

#[coact::coroutine]
async fn later() -> Gen<u32> {
    let task = async move {
        yield_!(1);
    };
    task.await;
}

fn main() {
    let _ = later();
}
