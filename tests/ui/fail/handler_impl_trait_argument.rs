struct Runner;

#[coact::deferred_handler]
impl Runner {
    fn run(&mut self, job: impl FnOnce() + Send + 'static) {
        job();
    }
}

fn main() {}
