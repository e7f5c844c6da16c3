struct Manager;

#[coact::deferred_handler(capacity = 16)]
impl Manager {
    fn manage(&mut self) {}
}

fn main() {}
