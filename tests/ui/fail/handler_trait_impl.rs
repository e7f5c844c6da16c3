struct Manager;

trait Manage {
    fn manage(&mut self);
}

#[coact::deferred_handler]
impl Manage for Manager {
    fn manage(&mut self) {}
}

fn main() {}
