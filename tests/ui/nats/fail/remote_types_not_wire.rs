// Arguments and values of a remote handler must cross the wire: each type that is not
// `Serialize + DeserializeOwned` is one error, at that type.
struct Connection;
struct Report;

struct Pool {
    open: u32,
}

#[coact::deferred_handler(remote)]
impl Pool {
    fn adopt(&mut self, connection: Connection, label: String) -> u32 {
        let _ = (connection, label);
        self.open += 1;
        self.open
    }

    fn report(&self) -> Report {
        Report
    }
}

fn main() {}
