//! A deferred handler, in a crate that asks coact for the `handler` pattern only.

#![deny(warnings)]

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
}

/// Another pattern's macro, whose feature this crate did not ask for.
#[cfg(feature = "misuse")]
#[coact::identity_cached]
async fn user(id: u64) -> Result<Option<String>, std::io::Error> {
    Ok(Some(id.to_string()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut owner = Deferred::new(Counter { n: 0 });
    let handle = owner.handle();
    let caller = tokio::spawn(async move {
        handle.oneway().add(1).expect("queued");
        let n = handle.sync().add(2).await.expect("served");
        handle.stop_processing();
        n
    });
    owner.process_forever().await;
    println!("one pattern: sum {}", caller.await.expect("the caller ran"));
}
