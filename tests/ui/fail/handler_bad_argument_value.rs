struct Manager;

#[coact::deferred_handler(name = "Manager2")]
impl Manager {
    fn manage(&mut self) {}
}

fn main() {}
