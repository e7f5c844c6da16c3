struct Manager;

#[coact::deferred_handler]
impl Manager {
    fn shutdown(self) {}
}

fn main() {}
