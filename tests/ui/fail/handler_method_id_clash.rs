// `get_x` and `get__x` are different methods but would share the method id `GetX`.
struct Store {
    x: u32,
}

#[coact::deferred_handler]
impl Store {
    fn get_x(&self) -> u32 {
        self.x
    }

    fn get__x(&self) -> u32 {
        self.x
    }
}

fn main() {
    // The proxies exist (stand-ins), so using them is not a second error.
    let _ = |handle: coact::Handle<Store>| handle.oneway().get_x();
}
