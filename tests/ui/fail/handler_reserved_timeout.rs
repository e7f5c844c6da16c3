struct Session;

#[coact::deferred_handler]
impl Session {
    fn timeout(&mut self) {}
}

fn main() {}
