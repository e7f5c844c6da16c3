// The seed's Manager calls `self.process()` in its own loop; in coact `process` is the
// owner's. The error says so, once, at the call, and says what to write instead.
use coact::prelude::*;

struct Manager {
    rounds: u32,
}

#[deferred_handler]
impl Manager {
    fn rounds(&self) -> u32 {
        self.rounds
    }

    async fn manage(&mut self) {
        loop {
            self.rounds += 1;
            self.process().await;
        }
    }
}

fn main() {}
