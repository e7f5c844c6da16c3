// A loader's error reaches every caller waiting for the load, on any thread.
use std::rc::Rc;

#[coact::identity_cached(memoize)]
async fn parse(id: u32) -> Result<u32, Rc<str>> {
    Ok(id)
}

fn main() {}
