// `version` is the wire version of a remote handler: alone, it is an error at `version`.
struct Stock {
    n: u32,
}

#[coact::deferred_handler(version = 2)]
impl Stock {
    fn take(&mut self, n: u32) -> u32 {
        self.n -= n;
        self.n
    }
}

fn main() {}
