// `timeout` is the sync proxy's own method: a handler method of that name is refused, and
// that is the only error; the handle's other uses still type-check.
use coact::prelude::*;

struct Session;

#[deferred_handler]
impl Session {
    fn timeout(&mut self) {}

    fn ping(&self) -> u8 {
        1
    }
}

async fn uses(handle: Handle<Session>) {
    handle.oneway().timeout().unwrap();
    let _: Result<u8, CallError> = handle.sync().ping().await;
}

fn main() {}
