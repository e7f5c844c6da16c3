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
