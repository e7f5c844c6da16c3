// `version` takes a number that fits in a `u32`.
struct Stock {
    n: u32,
}

#[coact::deferred_handler(remote, version = "two")]
impl Stock {
    fn take(&mut self, n: u32) -> u32 {
        self.n -= n;
        self.n
    }
}

fn main() {}
