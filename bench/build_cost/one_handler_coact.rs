//! One actor with two methods, as a coact deferred handler.
use coact::{deferred_handler, Deferred};

struct Counter {
    n: u64,
}

#[deferred_handler]
impl Counter {
    fn add(&mut self, by: u64) -> u64 {
        self.n += by;
        self.n
    }

    fn get(&self) -> u64 {
        self.n
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut counter = Deferred::new(Counter { n: 0 });
    let handle = counter.handle();
    let caller = tokio::spawn(async move {
        handle.oneway().add(2).unwrap();
        let n = handle.sync().add(3).await.unwrap();
        assert_eq!(handle.sync().get().await.unwrap(), n);
        n
    });
    counter.process_forever().await;
    assert_eq!(caller.await.unwrap(), 5);
}
