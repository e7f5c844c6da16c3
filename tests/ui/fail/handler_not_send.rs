use std::rc::Rc;

struct Cache {
    entries: Rc<Vec<u32>>,
}

#[coact::deferred_handler]
impl Cache {
    fn len(&self) -> usize {
        self.entries.len()
    }
}

fn main() {}
