use coact::prelude::*;

struct Manager;

#[deferred_handler]
impl Manager {
    fn ping(&self) {}

    async fn run(self: &mut Deferred<u32>) {}
}

fn main() {}
