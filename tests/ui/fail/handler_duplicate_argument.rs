struct Manager;

#[coact::deferred_handler(name = First, name = Second)]
impl Manager {
    fn manage(&mut self) {}
}

fn main() {}
