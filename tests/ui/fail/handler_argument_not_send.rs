// A queued call crosses to the owner's task: its arguments must be `Send`.
use std::rc::Rc;

struct Counter {
    n: usize,
}

#[coact::deferred_handler]
impl Counter {
    fn add(&mut self, by: Rc<usize>) -> usize {
        self.n += *by;
        self.n
    }
}

fn main() {}
