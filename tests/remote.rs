//! Deferred handlers over NATS, against a real `nats-server`.
//!
//! Needs `--features nats` and a server at `COACT_NATS_URL` (`.ci/run` installs and starts
//! one): these tests fail, never skip, when it is missing. Each test serves its own names,
//! so they run side by side on one server.

// Handler methods of every shape: some ignore `self`, some are async without awaiting.
#![allow(clippy::unused_self, clippy::unused_async)]

use std::collections::HashSet;
use std::io::Write;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coact::handler::remote::async_nats::{self, HeaderMap};
use coact::handler::remote::{RemoteHandle, ServeOptions};
use coact::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::yield_now;

async fn client() -> async_nats::Client {
    let url = std::env::var("COACT_NATS_URL")
        .expect("set COACT_NATS_URL to a NATS server (nats://127.0.0.1:4222), as .ci/run does");
    async_nats::connect(&url)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to NATS at {url}: {error}"))
}

/// A name no other test or earlier run serves.
fn name(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test.{test}.p{}-{nanos}", std::process::id())
}

/// Captures what `tracing` logs on this thread while the guard lives.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The Manager: monitors send oneway updates, a consumer makes sync calls, and the owner
// runs them at its safe points, between management rounds.

struct Manager {
    resources: Vec<u64>,
    updates: u64,
}

impl Manager {
    /// A management round that leaves the resources inconsistent between its awaits.
    async fn manage(&mut self) {
        for r in &mut self.resources {
            *r += 1;
            yield_now().await;
        }
    }
}

#[deferred_handler(remote)]
impl Manager {
    /// The resources, as the manager last left them.
    fn access_resources(&self) -> Vec<u64> {
        self.resources.clone()
    }

    /// Applies an event to every resource.
    fn update_resource(&mut self, delta: u64) {
        for r in &mut self.resources {
            *r += delta;
        }
        self.updates += 1;
    }

    fn updates(&self) -> u64 {
        self.updates
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_over_nats_never_shows_a_half_managed_state_and_loses_no_update() {
    const MONITORS: u64 = 4;
    const UPDATES: u64 = 250;
    let client = client().await;
    let name = name("manager");
    let mut owner = Deferred::new(Manager {
        resources: vec![0; 8],
        updates: 0,
    });
    let serving = owner.serve_remote(&client, &name).await.unwrap();
    let remote = RemoteHandle::<Manager>::new(&client, &name).unwrap();
    let monitors: Vec<_> = (0..MONITORS)
        .map(|_| {
            let remote = remote.clone();
            tokio::spawn(async move {
                for _ in 0..UPDATES {
                    remote.oneway().update_resource(1).unwrap();
                }
                // A sync call after the oneway ones: it arrives after them (one connection,
                // in order), so once it returns, they have all been run.
                remote.sync().updates().await.unwrap()
            })
        })
        .collect();
    let consumer = {
        let remote = remote.clone();
        tokio::spawn(async move {
            for _ in 0..50 {
                let seen = remote.sync().access_resources().await.unwrap();
                assert!(
                    seen.iter().all(|r| *r == seen[0]),
                    "the consumer saw a half-managed state: {seen:?}"
                );
            }
        })
    };

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let owner_loop = {
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                owner.manage().await;
                owner.process().await;
            }
            owner
        })
    };
    for monitor in monitors {
        monitor.await.unwrap();
    }
    consumer.await.unwrap();
    done.store(true, std::sync::atomic::Ordering::Release);
    let owner = owner_loop.await.unwrap();
    drop(serving);
    assert_eq!(owner.updates, MONITORS * UPDATES, "no update is lost");
    let first = owner.resources[0];
    assert!(owner.resources.iter().all(|r| *r == first));
}
