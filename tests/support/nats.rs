//! The NATS server the tests run against, fresh names on it, and the Manager served over
//! it.

use coact::deferred_handler;
use coact::handler::remote::async_nats;
use tokio::task::yield_now;

/// A client of the server at `COACT_NATS_URL`; fails (never skips) when it is missing.
pub async fn client() -> async_nats::Client {
    let url = std::env::var("COACT_NATS_URL")
        .expect("set COACT_NATS_URL to a NATS server (nats://127.0.0.1:4222), as .ci/run does");
    async_nats::connect(&url)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to NATS at {url}: {error}"))
}

/// A name no other test or earlier run serves.
pub fn name(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test.{test}.p{}-{nanos}", std::process::id())
}

/// The Manager: monitors send oneway updates, a consumer makes sync calls, and the owner
/// runs them at its safe points, between management rounds.
pub struct Manager {
    pub resources: Vec<u64>,
    pub updates: u64,
    pub finished: bool,
}

impl Manager {
    pub fn new(resources: usize) -> Self {
        Self {
            resources: vec![0; resources],
            updates: 0,
            finished: false,
        }
    }

    /// A management round that leaves the resources inconsistent between its awaits.
    pub async fn manage(&mut self) {
        for r in &mut self.resources {
            *r += 1;
            yield_now().await;
        }
    }
}

#[deferred_handler(remote)]
impl Manager {
    /// The resources, as the manager last left them.
    pub fn access_resources(&self) -> Vec<u64> {
        self.resources.clone()
    }

    /// Applies an event to every resource.
    pub fn update_resource(&mut self, delta: u64) {
        for r in &mut self.resources {
            *r += delta;
        }
        self.updates += 1;
    }

    /// How many updates were applied.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// Ends the owner's loop; the number of updates it applied.
    pub fn finish(&mut self) -> u64 {
        self.finished = true;
        self.updates
    }
}

/// A ledger of durable oneway calls: how many times each id was recorded.
pub struct Orders {
    pub runs: std::collections::HashMap<u32, u32>,
    /// Exit the process right after running a call, before its acknowledgement: a crash at
    /// the worst moment.
    pub exit_after_run: bool,
}

impl Orders {
    pub fn new() -> Self {
        Self {
            runs: std::collections::HashMap::new(),
            exit_after_run: false,
        }
    }
}

#[deferred_handler(remote)]
impl Orders {
    /// Records `id` once more.
    pub fn record(&mut self, id: u32) {
        *self.runs.entry(id).or_default() += 1;
        if self.exit_after_run {
            println!("ran {id}");
            std::process::exit(0);
        }
    }
}

/// The JetStream stream keeping a name's durable calls, as the module docs name it.
pub async fn durable_stream(
    client: &async_nats::Client,
    name: &str,
) -> async_nats::jetstream::stream::Stream {
    async_nats::jetstream::new(client.clone())
        .get_stream(format!("COACT_{}", name.replace('.', "_")))
        .await
        .unwrap()
}

/// How many durable calls to `name` the server holds (stored and not acknowledged).
pub async fn durable_stored(client: &async_nats::Client, name: &str) -> u64 {
    durable_stream(client, name)
        .await
        .info()
        .await
        .unwrap()
        .state
        .messages
}

/// Deletes the stream of a name's durable calls, so that test runs leave none behind.
pub async fn forget_durable(client: &async_nats::Client, name: &str) {
    async_nats::jetstream::new(client.clone())
        .delete_stream(format!("COACT_{}", name.replace('.', "_")))
        .await
        .unwrap();
}
