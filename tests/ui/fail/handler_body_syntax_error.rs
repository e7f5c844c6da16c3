// A syntax error inside a method's body is rustc's own error, once, where it is: the
// macro keeps bodies as tokens, so the handler's proxies and enums are still generated
// and the code that uses them adds no error.
use coact::prelude::*;

struct Counter {
    n: u64,
}

#[coact::deferred_handler]
impl Counter {
    fn add(&mut self, by: u64) -> u64 {
        let unfinished = ;
        self.n += by;
        self.n
    }
}

async fn use_it() {
    let mut owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    let _: Result<u64, CallError> = handle.sync().add(1).await;
    owner.process_only(&[CounterMethod::Add]).await;
}

fn main() {
    let _ = use_it;
}
