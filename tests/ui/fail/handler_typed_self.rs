struct Manager;

#[coact::deferred_handler]
impl Manager {
    fn boxed(self: Box<Self>) {}
}

fn main() {}
