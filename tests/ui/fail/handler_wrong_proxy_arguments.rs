use coact::Deferred;

struct Counter { n: u64 }

#[coact::deferred_handler]
impl Counter {
    fn add(&mut self, by: u64) -> u64 {
        self.n += by;
        self.n
    }
}

async fn call(owner: &Deferred<Counter>) {
    let handle = owner.handle();
    let _ = handle.sync().add("one").await;
}

fn main() {}
