use std::rc::Rc;

use coact::coroutine::Gen;

#[coact::coroutine]
fn shared(counter: Rc<u32>) -> Gen<u32> {
    yield_!(*counter);
}

fn requires_send<T: Send>(_: T) {}

fn main() {
    requires_send(shared(Rc::new(1)));
}
