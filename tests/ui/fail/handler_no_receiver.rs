struct Manager { resources: Vec<u32> }

#[coact::deferred_handler]
impl Manager {
    fn new() -> Self {
        Manager { resources: Vec::new() }
    }

    fn access_resources(&self) -> Vec<u32> {
        self.resources.clone()
    }
}

fn main() {}
