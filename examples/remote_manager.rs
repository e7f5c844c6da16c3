//! The Manager, with its callers in another process: a deferred handler served over NATS.
//!
//! ```sh
//! nats-server -p 4222 &                 # apt-get install nats-server, or any server
//! cargo run --features nats --example remote_manager
//! ```
//!
//! The address is `NATS_URL`, by default `nats://127.0.0.1:4222`. This process is the
//! owner: it manages resources in rounds and runs the queued calls only between rounds. It
//! starts a second process of the same program, the callers: monitors that report events
//! with oneway calls, and a consumer that reads the resources with sync calls. The calls
//! cross the network, yet the consumer never sees a half-managed state.

use std::process::{Command, Stdio};
use std::time::Duration;

use coact::handler::remote::{async_nats, RemoteHandle};
use coact::{deferred_handler, Deferred};

/// The resources; a management round touches each in turn, awaiting between them.
struct Manager {
    resources: Vec<u64>,
    events: u64,
    done: bool,
}

impl Manager {
    async fn manage(&mut self) {
        for r in &mut self.resources {
            *r += 1;
            tokio::time::sleep(Duration::from_millis(1)).await; // stands for real work
        }
    }
}

/// `remote`: every call has a wire form, so callers in other processes can make it.
#[deferred_handler(remote)]
impl Manager {
    /// The resources, as the last round left them.
    fn access_resources(&self) -> Vec<u64> {
        self.resources.clone()
    }

    /// An event from a monitor: every resource moves by `delta`.
    fn update_resource(&mut self, delta: u64) {
        for r in &mut self.resources {
            *r += delta;
        }
        self.events += 1;
    }

    /// The callers are done: the owner stops after this round. How many events it applied.
    fn finish(&mut self) -> u64 {
        self.done = true;
        self.events
    }

    /// The owner's loop, a method of the handler that takes its owner: between rounds, and
    /// only there, the queued calls run, remote and local alike. Returns the rounds made.
    async fn run(self: &mut Deferred<Self>) -> u32 {
        let mut rounds = 0;
        while !self.done {
            self.manage().await;
            let ran = self.process().await;
            rounds += 1;
            if ran > 0 {
                println!("owner: round {rounds}, then {ran} queued calls");
            }
        }
        rounds
    }
}

const NAME: &str = "examples.manager";

async fn connect() -> async_nats::Client {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    async_nats::connect(&url).await.unwrap_or_else(|error| {
        eprintln!("cannot reach NATS at {url} ({error}): start nats-server, or set NATS_URL");
        std::process::exit(2)
    })
}

/// The owner's process.
async fn owner() -> Result<(), Box<dyn std::error::Error>> {
    let client = connect().await;
    let mut manager = Deferred::new(Manager {
        resources: vec![0; 4],
        events: 0,
        done: false,
    });
    // From here on, calls to `examples.manager` are queued in this mailbox.
    let _serving = manager.serve_remote(&client, NAME).await?;
    println!("owner: serving `{NAME}`; starting the callers' process");

    let mut callers = Command::new(std::env::current_exe()?)
        .arg("callers")
        .stdout(Stdio::inherit())
        .spawn()?;
    let rounds = manager.run().await;
    let status = callers.wait()?;
    println!(
        "owner: done after {rounds} rounds, {} events applied; the callers exited with {status}",
        manager.events
    );
    Ok(())
}

/// The callers' process: three monitors and a consumer.
async fn callers() -> Result<(), Box<dyn std::error::Error>> {
    let client = connect().await;
    // The same proxies a local `Handle` has; only how the handle is made differs.
    let manager = RemoteHandle::<Manager>::new(&client, NAME)?;
    let monitors: Vec<_> = (0..3)
        .map(|monitor| {
            let manager = manager.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    manager.oneway().update_resource(monitor + 1)?;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                Ok::<_, coact::CallError>(())
            })
        })
        .collect();
    for _ in 0..5 {
        let resources = manager.sync().access_resources().await?;
        let consistent = resources.iter().all(|r| *r == resources[0]);
        println!("callers: the consumer read {resources:?} (consistent: {consistent})");
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    for monitor in monitors {
        monitor.await??;
    }
    let events = manager.sync().finish().await?;
    println!("callers: 60 events sent; the owner applied {events}");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("callers") {
        callers().await
    } else {
        owner().await
    }
}
