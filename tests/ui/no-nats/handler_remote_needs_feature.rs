// `remote` without coact's `nats` feature: one error, at `remote`, saying what to enable.
struct Stock {
    n: u32,
}

#[coact::deferred_handler(remote)]
impl Stock {
    fn take(&mut self, n: u32) -> u32 {
        self.n -= n;
        self.n
    }
}

fn main() {
    // The proxies exist (stand-ins), so using them is not a second error.
    let _ = |handle: coact::Handle<Stock>| handle.oneway().take(1);
}
