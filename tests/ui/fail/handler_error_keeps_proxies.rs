// One mistake in a handler gives one error: the proxies, the method enum and the
// `Handler` impl are still generated (as stand-ins), so the code that uses them does not
// add errors of its own.
use coact::prelude::*;

struct Counter {
    n: u64,
}

#[coact::deferred_handler]
impl Counter {
    fn add(&mut self, by: u64) -> u64 {
        self.n += by;
        self.n
    }

    fn describe(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.n)
    }
}

async fn use_it() {
    let mut owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    let _: Result<u64, CallError> = handle.sync().add(1).await;
    let _: Result<String, CallError> = handle.sync().describe("n = ").await;
    let _ = handle.oneway().add(2);
    owner.process_only(&[CounterMethod::Add]).await;
}

fn main() {
    let _ = use_it();
}
