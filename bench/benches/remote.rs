//! coact's remote handlers (`#[deferred_handler(remote)]` over NATS) against raw async-nats
//! request/reply and publish carrying the same bytes.
//!
//! Both sides hold a `u64` counter and run `add(by) -> u64`. The raw side sends exactly
//! what coact sends: a message to `coact.<name>` with the headers `Coact-Method: add`,
//! `Coact-Version: 1` and, on requests, `Coact-Timeout-Ms: 30000`, and the payload `[1]`
//! (the JSON array of the arguments); the reply is the JSON of the value, without headers.
//! [`wire_check`] captures one message of each kind from both sides before anything is
//! timed and asserts that they are equal. The raw responder is what a plain service would
//! be: a queue subscription whose loop dispatches on the method header, decodes the
//! arguments with serde_json, adds to its counter and publishes the encoded value to the
//! message's reply subject.
//!
//! Each criterion group puts `coact` and `raw_async_nats` side by side:
//!
//! - `remote_sync_round_trip`: one caller, one sync call after the other.
//! - `remote_oneway`: one fire-and-forget call, including its processing: calls go out in
//!   chunks of [`ONEWAY_CHUNK`](common::ONEWAY_CHUNK), each chunk followed by one sync call that returns once the
//!   owner has processed the chunk. `coact` sends each chunk as one burst of sync
//!   `oneway()` calls, awaiting nothing in between (the worst case); `coact_paced` is the
//!   loop coact's docs ask for, `tokio::task::consume_budget().await` after each call, which
//!   yields when tokio's cooperative budget is spent, as the raw side's awaited `publish`
//!   does by itself.
//! - `remote_sync_throughput_32`: [`CALLERS`] caller tasks on one connection, each making
//!   sync calls one after the other; time per call across all of them.
//!
//! Owner (or responder) and callers use separate NATS connections, as separate processes
//! would, in one process on one multi-thread tokio runtime with 2 workers (the machine's
//! cores). Timing uses `iter_custom`: connections, subscription and owner are set up once
//! per criterion sample, outside the timed section, and one untimed call warms them up;
//! the callers run as spawned tasks.
//!
//! Needs a NATS server at `COACT_NATS_URL`, e.g.
//! `COACT_NATS_URL=nats://127.0.0.1:4222 cargo bench --bench remote`.
//! `examples/remote_calls.rs` runs these same functions a fixed number of times, for
//! callgrind and perf.

use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use coact::handler::remote::async_nats::{self, Client, HeaderMap, Message, Subject};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use futures::StreamExt as _;
use tokio::runtime::{Builder, Runtime};

#[path = "common/mod.rs"]
mod common;
use common::{chunks, on_task};
use tokio::sync::Barrier;

/// Concurrent callers in `remote_sync_throughput_32`.
const CALLERS: u64 = 32;

/// The server the benchmarks talk to.
fn url() -> String {
    std::env::var("COACT_NATS_URL").unwrap_or_else(|_| {
        panic!(
            "set COACT_NATS_URL to a NATS server (e.g. nats://127.0.0.1:4222): \
             the remote benchmarks need one"
        )
    })
}

/// A new connection, as another process would have.
async fn connect() -> Client {
    let url = url();
    async_nats::connect(&url)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to NATS at {url}: {error}"))
}

/// Returns once the server has handled everything `client` sent before (a subscription
/// included), as `serve_remote` does: a message to an inbox of our own comes back after.
async fn registered(client: &Client) {
    let probe = client.new_inbox();
    let mut echo = client.subscribe(probe.clone()).await.unwrap();
    client.publish(probe, Vec::new().into()).await.unwrap();
    echo.next().await.expect("the connection closed");
}

/// A name nothing else serves: one per sample, so that no subscription of an earlier
/// sample can take a call.
fn fresh_name(kind: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("bench.{kind}.p{}-{n}", std::process::id())
}

/// The calls caller `i` of [`CALLERS`] makes, of `iters` in all.
fn share(iters: u64, i: u64) -> u64 {
    iters / CALLERS + u64::from(i < iters % CALLERS)
}

/// Runs [`CALLERS`] tasks, `call(i)` each, from one barrier; times until all are done.
async fn concurrently<F, Fut>(call: F) -> Duration
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let start_line = std::sync::Arc::new(Barrier::new(CALLERS as usize + 1));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|i| {
            let start_line = start_line.clone();
            let calls = call(i);
            tokio::spawn(async move {
                start_line.wait().await;
                calls.await;
            })
        })
        .collect();
    start_line.wait().await;
    let start = Instant::now();
    for task in tasks {
        task.await.expect("caller task panicked");
    }
    start.elapsed()
}

// ---------------------------------------------------------------------------------------
// coact

pub mod with_coact {
    use super::*;
    use coact::handler::remote::{RemoteHandle, RemoteServer};
    use coact::prelude::*;

    pub struct Counter {
        pub n: u64,
    }

    #[deferred_handler(remote)]
    impl Counter {
        pub fn add(&mut self, by: u64) -> u64 {
            self.n += by;
            self.n
        }
    }

    /// An owner serving a fresh name on its own connection, and a handle on another.
    pub struct Served {
        pub remote: RemoteHandle<Counter>,
        server: RemoteServer,
        stop: Handle<Counter>,
        owner: tokio::task::JoinHandle<Deferred<Counter>>,
    }

    impl Served {
        pub async fn start() -> Self {
            let mut owner = Deferred::new(Counter { n: 0 });
            let name = fresh_name("coact");
            let server = owner
                .serve_remote(&connect().await, &name)
                .await
                .expect("serve_remote");
            let stop = owner.handle();
            let owner = tokio::spawn(async move {
                owner.process_forever().await;
                owner
            });
            let remote = RemoteHandle::<Counter>::new(&connect().await, &name).unwrap();
            Self {
                remote,
                server,
                stop,
                owner,
            }
        }

        /// Stops serving and returns the owner's counter.
        pub async fn finish(self) -> u64 {
            drop(self.server);
            self.stop.stop_processing();
            self.owner.await.unwrap().n
        }
    }

    pub async fn sync_round_trip(iters: u64) -> Duration {
        let served = Served::start().await;
        let remote = served.remote.clone();
        let elapsed = on_task(async move {
            remote.sync().add(0).await.unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(remote.sync().add(black_box(1)).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(served.finish().await, iters);
        elapsed
    }

    pub async fn oneway(iters: u64) -> Duration {
        oneway_with(iters, false).await
    }

    /// [`oneway`] as coact's docs ask a loop of oneway calls to be written: spending
    /// tokio's cooperative budget after each call, so the loop yields when it is spent, as
    /// the raw side's awaited `publish` does by itself.
    pub async fn oneway_paced(iters: u64) -> Duration {
        oneway_with(iters, true).await
    }

    async fn oneway_with(iters: u64, paced: bool) -> Duration {
        let served = Served::start().await;
        let remote = served.remote.clone();
        let elapsed = on_task(async move {
            remote.sync().add(0).await.unwrap();
            let start = Instant::now();
            for chunk in chunks(iters) {
                for _ in 0..chunk {
                    remote.oneway().add(black_box(1)).unwrap();
                    if paced {
                        tokio::task::consume_budget().await;
                    }
                }
                black_box(remote.sync().add(0).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(served.finish().await, iters);
        elapsed
    }

    pub async fn sync_throughput(iters: u64) -> Duration {
        let served = Served::start().await;
        served.remote.sync().add(0).await.unwrap();
        let elapsed = concurrently(|i| {
            let remote = served.remote.clone();
            async move {
                for _ in 0..share(iters, i) {
                    black_box(remote.sync().add(black_box(1)).await.unwrap());
                }
            }
        })
        .await;
        assert_eq!(served.finish().await, iters);
        elapsed
    }
}

// ---------------------------------------------------------------------------------------
// Raw async-nats: the same messages, written by hand.

pub mod raw {
    use super::*;

    const METHOD: &str = "Coact-Method";
    const VERSION: &str = "Coact-Version";
    const TIMEOUT: &str = "Coact-Timeout-Ms";

    /// The headers of a call, as coact writes them (a request also says how long its
    /// caller waits: coact's default, 30 s).
    pub fn headers(request: bool) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(METHOD, "add");
        headers.insert(VERSION, 1_u32.to_string().as_str());
        if request {
            headers.insert(TIMEOUT, 30_000_u64.to_string().as_str());
        }
        headers
    }

    /// The payload of `add(by)`: the JSON array of its arguments.
    pub fn payload(by: u64) -> Vec<u8> {
        serde_json::to_vec(&(by,)).unwrap()
    }

    /// A sync call: request, then decode the reply.
    pub async fn add(client: &Client, subject: &Subject, by: u64) -> u64 {
        let reply = client
            .request_with_headers(subject.clone(), headers(true), payload(by).into())
            .await
            .expect("request");
        serde_json::from_slice(&reply.payload).expect("reply")
    }

    /// A oneway call.
    pub async fn add_oneway(client: &Client, subject: &Subject, by: u64) {
        client
            .publish_with_headers(subject.clone(), headers(false), payload(by).into())
            .await
            .expect("publish");
    }

    /// Runs one call: what a plain service does with a message.
    async fn respond(client: &Client, n: &mut u64, message: Message) {
        let method = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(METHOD))
            .map(async_nats::HeaderValue::as_str);
        match method {
            Some("add") => {
                let (by,): (u64,) = serde_json::from_slice(&message.payload).expect("args");
                *n += by;
                if let Some(to) = message.reply {
                    let value = serde_json::to_vec(n).unwrap();
                    client.publish(to, value.into()).await.expect("reply");
                }
            }
            other => panic!("unexpected method {other:?}"),
        }
    }

    /// A responder serving a fresh name on its own connection, and a caller connection.
    pub struct Served {
        pub client: Client,
        pub subject: Subject,
        responder: tokio::task::JoinHandle<()>,
    }

    impl Served {
        pub async fn start() -> Self {
            let subject = Subject::from(format!("coact.{}", fresh_name("raw")));
            let server = connect().await;
            let mut calls = server
                .queue_subscribe(subject.clone(), subject.to_string())
                .await
                .expect("queue_subscribe");
            registered(&server).await;
            let responder = tokio::spawn(async move {
                let mut n = 0;
                while let Some(message) = calls.next().await {
                    respond(&server, &mut n, message).await;
                }
            });
            Self {
                client: connect().await,
                subject,
                responder,
            }
        }

        /// Returns the responder's counter and stops it.
        pub async fn finish(self) -> u64 {
            let n = add(&self.client, &self.subject, 0).await;
            self.responder.abort();
            n
        }
    }

    pub async fn sync_round_trip(iters: u64) -> Duration {
        let served = Served::start().await;
        let (client, subject) = (served.client.clone(), served.subject.clone());
        let elapsed = on_task(async move {
            add(&client, &subject, 0).await;
            let start = Instant::now();
            for _ in 0..iters {
                black_box(add(&client, &subject, black_box(1)).await);
            }
            start.elapsed()
        })
        .await;
        assert_eq!(served.finish().await, iters);
        elapsed
    }

    pub async fn oneway(iters: u64) -> Duration {
        let served = Served::start().await;
        let (client, subject) = (served.client.clone(), served.subject.clone());
        let elapsed = on_task(async move {
            add(&client, &subject, 0).await;
            let start = Instant::now();
            for chunk in chunks(iters) {
                for _ in 0..chunk {
                    add_oneway(&client, &subject, black_box(1)).await;
                }
                black_box(add(&client, &subject, 0).await);
            }
            start.elapsed()
        })
        .await;
        assert_eq!(served.finish().await, iters);
        elapsed
    }

    pub async fn sync_throughput(iters: u64) -> Duration {
        let served = Served::start().await;
        add(&served.client, &served.subject, 0).await;
        let elapsed = concurrently(|i| {
            let (client, subject) = (served.client.clone(), served.subject.clone());
            async move {
                for _ in 0..share(iters, i) {
                    black_box(add(&client, &subject, black_box(1)).await);
                }
            }
        })
        .await;
        assert_eq!(served.finish().await, iters);
        elapsed
    }
}

// ---------------------------------------------------------------------------------------
// The wire check: both sides send the same messages.

/// What a subscriber sees of a message: subject, headers (sorted), payload.
fn seen(message: &Message) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut headers: Vec<_> = message
        .headers
        .iter()
        .flat_map(|headers| headers.iter())
        .flat_map(|(name, values)| {
            values
                .iter()
                .map(move |value| (name.to_string(), value.as_str().to_owned()))
        })
        .collect();
    headers.sort();
    let subject = message.subject.as_str().to_owned();
    (subject, headers, message.payload.to_vec())
}

/// Captures one sync call and one oneway call from coact and from the raw side on one
/// subject, answers the sync ones as the raw responder would, and asserts both sides sent
/// the same thing.
fn wire_check(_: &mut Criterion) {
    use coact::handler::remote::RemoteHandle;
    runtime().block_on(async {
        let subject = Subject::from(format!("coact.{}", fresh_name("check")));
        let name = subject.as_str().strip_prefix("coact.").unwrap().to_owned();
        let spy = connect().await;
        let mut calls = spy.subscribe(subject.clone()).await.unwrap();
        registered(&spy).await;
        let answer = tokio::spawn(async move {
            let mut got = Vec::new();
            while got.len() < 4 {
                let message = calls.next().await.unwrap();
                if let Some(to) = &message.reply {
                    spy.publish(to.clone(), serde_json::to_vec(&7_u64).unwrap().into())
                        .await
                        .unwrap();
                }
                got.push(seen(&message));
            }
            got
        });
        let client = connect().await;
        let remote = RemoteHandle::<with_coact::Counter>::new(&client, &name).unwrap();
        assert_eq!(remote.sync().add(1).await.unwrap(), 7);
        assert_eq!(raw::add(&client, &subject, 1).await, 7);
        remote.oneway().add(1).unwrap();
        raw::add_oneway(&client, &subject, 1).await;
        let got = answer.await.unwrap();
        assert_eq!(got[0], got[1], "sync calls differ on the wire");
        assert_eq!(got[2], got[3], "oneway calls differ on the wire");
        eprintln!("wire check: sync {:?}", got[0]);
        eprintln!("wire check: oneway {:?}", got[2]);
    });
}

// ---------------------------------------------------------------------------------------
// Runtime and groups

/// tokio's multi-thread runtime with one worker per core of this machine (2).
fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
}

type Timed = std::pin::Pin<Box<dyn Future<Output = Duration> + Send>>;
/// A row of a group: its name, and `fn(iters) -> time for iters calls`.
type Contender = (&'static str, fn(u64) -> Timed);

/// coact and raw async-nats (and any variant) side by side.
fn compare(c: &mut Criterion, group: &str, elements: bool, contenders: &[Contender]) {
    let rt = runtime();
    let mut g = c.benchmark_group(group);
    configure(&mut g);
    if elements {
        g.throughput(Throughput::Elements(1));
    }
    for &(name, run) in contenders {
        g.bench_function(name, |b| b.to_async(&rt).iter_custom(run));
    }
    g.finish();
}

fn remote_sync_round_trip(c: &mut Criterion) {
    compare(
        c,
        "remote_sync_round_trip",
        false,
        &[
            ("coact", |n| Box::pin(with_coact::sync_round_trip(n))),
            ("raw_async_nats", |n| Box::pin(raw::sync_round_trip(n))),
        ],
    );
}

fn remote_oneway(c: &mut Criterion) {
    compare(
        c,
        "remote_oneway",
        false,
        &[
            ("coact", |n| Box::pin(with_coact::oneway(n))),
            ("raw_async_nats", |n| Box::pin(raw::oneway(n))),
            ("coact_paced", |n| Box::pin(with_coact::oneway_paced(n))),
        ],
    );
}

fn remote_sync_throughput_32(c: &mut Criterion) {
    compare(
        c,
        "remote_sync_throughput_32",
        true,
        &[
            ("coact", |n| Box::pin(with_coact::sync_throughput(n))),
            ("raw_async_nats", |n| Box::pin(raw::sync_throughput(n))),
        ],
    );
}

criterion_group!(
    benches,
    wire_check,
    remote_sync_round_trip,
    remote_oneway,
    remote_sync_throughput_32
);
criterion_main!(benches);
