// Three mistakes, three errors in one build.
struct Manager;

#[coact::deferred_handler]
impl Manager {
    fn new() -> Self {
        Manager
    }

    fn shutdown(self) {}

    fn write(&mut self, line: &str) {
        let _ = line;
    }
}

fn main() {}
