struct Log { lines: Vec<String> }

#[coact::deferred_handler]
impl Log {
    fn last(&self) -> &str {
        self.lines.last().map_or("", String::as_str)
    }
}

fn main() {}
