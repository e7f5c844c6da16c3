// A generator of a type of one's own: the error says how to have it kept.
use coact::coroutine::{accumulate, Gen};

struct Point(u32);

#[coact::coroutine]
fn points() -> Gen<Point> {
    yield_!(Point(1));
}

async fn run() {
    let _ = accumulate(points()).await;
}

fn main() {
    let _ = run();
}
