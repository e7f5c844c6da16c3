#[coact::deferred_handler]
struct Manager {
    resources: Vec<u32>,
}

fn main() {}
