// A handler with a `process` method of its own, in another impl block, calls it from a
// handler method: it is the one called, with no error.
use coact::prelude::*;

struct Worker {
    done: Vec<u32>,
}

impl Worker {
    fn process(&mut self, item: u32) -> usize {
        self.done.push(item);
        self.done.len()
    }
}

#[deferred_handler]
impl Worker {
    fn submit(&mut self, item: u32) -> usize {
        self.process(item)
    }
}

fn main() {
    let mut owner = Deferred::new(Worker { done: Vec::new() });
    assert_eq!(Worker::process(&mut owner, 7), 1);
    assert_eq!(owner.done, [7]);
}
