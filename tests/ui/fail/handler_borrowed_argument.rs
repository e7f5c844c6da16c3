struct Log;

#[coact::deferred_handler]
impl Log {
    fn write(&mut self, line: &str) {
        let _ = line;
    }
}

fn main() {}
