// A cached value is shared by every thread.
use std::rc::Rc;

#[coact::identity_cached(memoize)]
async fn name(id: u32) -> Rc<String> {
    Rc::new(id.to_string())
}

fn main() {}
