//! Deferred handlers over NATS, against a real `nats-server`.
//!
//! Needs `--features nats` and a server at `COACT_NATS_URL` (`.ci/run` installs and starts
//! one): these tests fail, never skip, when it is missing. Each test serves its own names,
//! so they run side by side on one server.

// Handler methods of every shape: some ignore `self`, some are async without awaiting.
#![allow(clippy::unused_self, clippy::unused_async)]

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use coact::handler::remote::async_nats::{self, HeaderMap};
use coact::handler::remote::{RemoteHandle, RemoteServer, ServeOptions};
use coact::prelude::*;

mod support;
use serde::{Deserialize, Serialize};
use support::nats::{
    client, durable_stored, durable_stream, forget_durable, name, Manager, Orders,
};
use support::Logs;
use tokio::sync::oneshot;
use tokio::task::yield_now;

// ---------------------------------------------------------------------------------------
// The Manager: monitors send oneway updates, a consumer makes sync calls, and the owner
// runs them at its safe points, between management rounds.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_over_nats_never_shows_a_half_managed_state_and_loses_no_update() {
    const MONITORS: u64 = 4;
    const UPDATES: u64 = 250;
    let client = client().await;
    let name = name("manager");
    let mut owner = Deferred::new(Manager::new(8));
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

// ---------------------------------------------------------------------------------------
// The Lemming over the wire: a panic reaches the sync caller with its message, a oneway
// failure is logged by the owner, and the owner keeps serving.

struct Lemming {
    jumps: u32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Refusal(String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[deferred_handler(remote)]
impl Lemming {
    fn kaboom(&mut self) -> u32 {
        panic!("#high pitched# oh no!")
    }

    fn refuse(&mut self) -> Result<(), Refusal> {
        Err(Refusal("not today".to_owned()))
    }

    fn jump(&mut self) -> u32 {
        self.jumps += 1;
        self.jumps
    }
}

/// Serves `value` under a fresh name in its own task, processing forever.
async fn serve<H: coact::handler::remote::Remote>(
    client: &async_nats::Client,
    test: &str,
    value: H,
) -> (RemoteHandle<H>, coact::handler::remote::RemoteServer) {
    let name = name(test);
    let mut owner = Deferred::new(value);
    let serving = owner.serve_remote(client, &name).await.unwrap();
    tokio::spawn(async move { owner.process_forever().await });
    (RemoteHandle::new(client, &name).unwrap(), serving)
}

#[tokio::test(flavor = "current_thread")]
async fn lemming_panics_reach_the_sync_caller_and_oneway_failures_are_logged_by_the_owner() {
    let (logs, _guard) = Logs::capture();
    let client = client().await;
    let (lemming, _serving) = serve(&client, "lemming", Lemming { jumps: 0 }).await;

    assert_eq!(
        lemming.sync().kaboom().await,
        Err(CallError::Panicked {
            method: "kaboom",
            message: "#high pitched# oh no!".to_owned()
        })
    );
    assert_eq!(
        lemming.sync().refuse().await,
        Ok(Err(Refusal("not today".to_owned())))
    );
    lemming.oneway().kaboom().unwrap();
    lemming.oneway().refuse().unwrap();
    assert_eq!(
        lemming.sync().jump().await,
        Ok(1),
        "the owner keeps serving"
    );

    let text = logs.text();
    assert!(text.contains("oneway call panicked"), "{text}");
    assert!(text.contains("#high pitched# oh no!"), "{text}");
    assert!(text.contains("oneway call returned an error"), "{text}");
    assert!(text.contains("not today"), "{text}");
}

// ---------------------------------------------------------------------------------------
// ABitSlow: a bounded wait. The method blocks until the test lets it go, which it does
// only after the caller has given up: no race with the clock.

struct ABitSlow {
    release: Option<oneshot::Receiver<()>>,
    done: u32,
}

#[deferred_handler(remote)]
impl ABitSlow {
    async fn taking_my_time(&mut self) -> u32 {
        if let Some(release) = self.release.take() {
            let _ = release.await;
        }
        self.done += 1;
        self.done
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_slow_remote_call_times_out_within_its_bound() {
    let client = client().await;
    let (release, released) = oneshot::channel();
    let (slow, _serving) = serve(
        &client,
        "slow",
        ABitSlow {
            release: Some(released),
            done: 0,
        },
    )
    .await;
    let limit = Duration::from_millis(200);
    let result = slow.sync().timeout(limit).taking_my_time().await;
    assert_eq!(
        result,
        Err(CallError::TimedOut {
            method: "taking_my_time",
            after: limit,
            started: true
        })
    );
    release.send(()).unwrap();
    // The first call ran to its end; the next one is served.
    assert_eq!(slow.sync().taking_my_time().await, Ok(2));
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_to_a_name_nobody_serves_fails_at_once_with_no_responders() {
    let client = client().await;
    let name = name("nobody");
    let nobody = RemoteHandle::<Lemming>::new(&client, &name)
        .unwrap()
        .with_timeout(Duration::from_secs(3600));
    // Within the hour-long bound only because NATS answers "no responders" at once.
    assert_eq!(
        nobody.sync().jump().await,
        Err(CallError::NoResponders {
            method: "jump",
            name: name.clone()
        })
    );
}

// ---------------------------------------------------------------------------------------
// Two owners serving one name share its calls: each call runs on exactly one of them.

struct Ledger {
    owner: u8,
    seen: Vec<u64>,
}

#[deferred_handler(remote)]
impl Ledger {
    fn record(&mut self, id: u64) -> u8 {
        self.seen.push(id);
        self.owner
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_in_a_queue_group_run_each_call_exactly_once_and_share_the_load() {
    const TASKS: u64 = 16;
    const CALLS: u64 = 625; // 10^4 in all
    let client = client().await;
    let name = name("ledger");
    let mut servers = Vec::new();
    let mut owners = Vec::new();
    for owner in [1, 2] {
        // Each owner on its own connection, as in its own process.
        let connection = self::client().await;
        let mut ledger = Deferred::new(Ledger {
            owner,
            seen: Vec::new(),
        });
        servers.push(ledger.serve_remote(&connection, &name).await.unwrap());
        let stop = ledger.handle();
        owners.push((
            stop,
            tokio::spawn(async move {
                ledger.process_forever().await;
                ledger.into_inner()
            }),
        ));
    }
    let remote = RemoteHandle::<Ledger>::new(&client, &name).unwrap();
    let callers: Vec<_> = (0..TASKS)
        .map(|task| {
            let remote = remote.clone();
            tokio::spawn(async move {
                let mut by = [0_u64; 3];
                for i in 0..CALLS {
                    let owner = remote.sync().record(task * CALLS + i).await.unwrap();
                    by[usize::from(owner)] += 1;
                }
                by
            })
        })
        .collect();
    let mut by_owner = [0_u64; 3];
    for caller in callers {
        let by = caller.await.unwrap();
        for (total, n) in by_owner.iter_mut().zip(by) {
            *total += n;
        }
    }
    drop(servers);
    let mut seen = Vec::new();
    for (stop, owner) in owners {
        stop.stop_processing();
        drop(stop);
        let ledger = owner.await.unwrap();
        assert_eq!(
            ledger.seen.len() as u64,
            by_owner[usize::from(ledger.owner)],
            "owner {} ran what its callers were told",
            ledger.owner
        );
        seen.extend(ledger.seen);
    }
    assert!(
        by_owner[1] > 0 && by_owner[2] > 0,
        "both owners served: {by_owner:?}"
    );
    let unique: HashSet<_> = seen.iter().copied().collect();
    assert_eq!(seen.len() as u64, TASKS * CALLS, "each call ran once");
    assert_eq!(unique.len() as u64, TASKS * CALLS, "no call ran twice");
}

// ---------------------------------------------------------------------------------------
// Remote calls enter the same mailbox: whitelists, stop and bounded mailboxes apply.

struct Recorder {
    log: Vec<String>,
}

#[deferred_handler(remote)]
impl Recorder {
    fn note(&mut self, what: String) {
        self.log.push(what);
    }

    fn read(&self) -> Vec<String> {
        self.log.clone()
    }
}

/// Waits until the owner has `n` calls queued: explicit synchronisation with the
/// subscription's task, no sleeping.
async fn until_pending<H: coact::handler::Handler>(owner: &Deferred<H>, n: usize) {
    while owner.pending() < n {
        yield_now().await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn remote_calls_wait_for_the_owner_and_obey_its_whitelist() {
    let client = client().await;
    let name = name("recorder");
    let mut owner = Deferred::new(Recorder { log: Vec::new() });
    let _serving = owner.serve_remote(&client, &name).await.unwrap();
    let remote = RemoteHandle::<Recorder>::new(&client, &name).unwrap();

    remote.oneway().note("first".to_owned()).unwrap();
    let reader = {
        let remote = remote.clone();
        tokio::spawn(async move { remote.sync().read().await })
    };
    remote.oneway().note("second".to_owned()).unwrap();
    until_pending(&owner, 3).await;
    assert!(owner.log.is_empty(), "nothing runs behind the owner's back");

    // Only `note` calls run; the `read` stays queued, in order.
    assert_eq!(owner.process_only(&[RecorderMethod::Note]).await, 2);
    assert_eq!(owner.log, ["first", "second"]);
    assert!(!reader.is_finished());
    assert_eq!(owner.process().await, 1);
    assert_eq!(
        reader.await.unwrap(),
        Ok(vec!["first".to_owned(), "second".to_owned()])
    );

    // A stop requested by a handle ends `process_forever` with remote calls still queued;
    // they run at the next `process`.
    owner.handle().stop_processing();
    remote.oneway().note("third".to_owned()).unwrap();
    until_pending(&owner, 1).await;
    let served = owner.process_forever().await;
    assert_eq!(
        (served.calls, served.reason),
        (0, StopReason::StopRequested)
    );
    assert_eq!(owner.process().await, 1);
    assert_eq!(owner.log, ["first", "second", "third"]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_bounded_mailbox_holds_remote_calls_back_without_losing_them() {
    let client = client().await;
    let name = name("bounded");
    let mut owner = Deferred::bounded(Recorder { log: Vec::new() }, NonZeroUsize::new(2).unwrap());
    let _serving = owner.serve_remote(&client, &name).await.unwrap();
    let remote = RemoteHandle::<Recorder>::new(&client, &name).unwrap();
    for i in 0..10 {
        remote.oneway().note(i.to_string()).unwrap();
    }
    until_pending(&owner, 2).await;
    let mut ran = 0;
    while ran < 10 {
        ran += owner.process().await;
        assert!(owner.pending() <= 2, "the mailbox holds at most 2 calls");
        yield_now().await;
    }
    let expected: Vec<_> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(owner.log, expected, "all ran, in order");
}

/// Sends `record(0..calls)` from one task that awaits nothing in between (`pace: false`)
/// or spends tokio's cooperative budget after each call (`pace: true`), then has the owner
/// run what arrived. Returns the ids refused with `MailboxFull` and the owner.
async fn oneway_burst(calls: u32, pace: bool) -> (Vec<u32>, Deferred<Orders>) {
    let name = name("burst");
    let mut owner = Deferred::new(Orders::new());
    let _serving = owner.serve_remote(&client().await, &name).await.unwrap();
    let remote = RemoteHandle::<Orders>::new(&client().await, &name).unwrap();
    let mut refused = Vec::new();
    for id in 0..calls {
        match remote.oneway().record(id) {
            Ok(()) => {}
            Err(error) => {
                assert_eq!(error, CallError::MailboxFull { method: "record" });
                refused.push(id);
            }
        }
        if pace {
            tokio::task::consume_budget().await;
        }
    }
    let sent = usize::try_from(calls).unwrap() - refused.len();
    tokio::time::timeout(Duration::from_secs(60), record_until(&mut owner, sent))
        .await
        .expect("every call sent reaches the owner");
    (refused, owner)
}

#[tokio::test(flavor = "current_thread")]
async fn a_oneway_burst_past_the_connections_buffer_is_refused_never_lost() {
    // async-nats buffers 2,048 commands per connection by default.
    const CALLS: u32 = 10_000;
    let (refused, owner) = oneway_burst(CALLS, false).await;
    assert!(!refused.is_empty(), "a burst this long fills the buffer");
    for id in 0..CALLS {
        let ran = owner.runs.get(&id).copied().unwrap_or(0);
        let expected = u32::from(!refused.contains(&id));
        assert_eq!(
            ran, expected,
            "call {id}: run once if sent, never if refused"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_oneway_loop_that_spends_its_budget_sends_every_call() {
    const CALLS: u32 = 10_000;
    let (refused, owner) = oneway_burst(CALLS, true).await;
    assert_eq!(refused, Vec::<u32>::new(), "the buffer drains as it fills");
    assert!((0..CALLS).all(|id| owner.runs.get(&id) == Some(&1)));
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_queued_when_the_owner_is_dropped_fails_with_gone() {
    let client = client().await;
    let name = name("gone");
    let owner = Deferred::new(Recorder { log: Vec::new() });
    let serving = owner.serve_remote(&client, &name).await.unwrap();
    let remote = RemoteHandle::<Recorder>::new(&client, &name).unwrap();
    let reader = tokio::spawn(async move { remote.sync().read().await });
    until_pending(&owner, 1).await;
    drop(owner);
    assert_eq!(
        reader.await.unwrap(),
        Err(CallError::Gone { method: "read" })
    );
    drop(serving);
}

// ---------------------------------------------------------------------------------------
// Hostile input: whatever a raw client sends, the owner answers with an error, logs a
// warning, never panics and serves on.

/// Sends a raw request to the name's subject and returns the reply's `Coact-Error` and text.
async fn raw(
    client: &async_nats::Client,
    name: &str,
    headers: &[(&str, &str)],
    payload: Vec<u8>,
) -> (Option<String>, String) {
    let mut map = HeaderMap::new();
    for (key, value) in headers {
        map.insert(*key, *value);
    }
    let reply = client
        .request_with_headers(format!("coact.{name}"), map, payload.into())
        .await
        .unwrap();
    let error = reply
        .headers
        .as_ref()
        .and_then(|h| h.get("Coact-Error"))
        .map(|v| v.as_str().to_owned());
    (error, String::from_utf8_lossy(&reply.payload).into_owned())
}

/// A hostile call: its name, headers, payload, and what the error reply says.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, &'a str);

#[tokio::test(flavor = "current_thread")]
async fn malformed_calls_get_an_error_reply_and_the_owner_serves_on() {
    let (logs, _guard) = Logs::capture();
    let client = client().await;
    let name = name("hostile");
    let mut owner = Deferred::new(Lemming { jumps: 0 });
    let _serving = owner
        .serve_remote_with(&client, &name, ServeOptions::default().max_payload(64))
        .await
        .unwrap();
    tokio::spawn(async move { owner.process_forever().await });
    let jump = [("Coact-Method", "jump"), ("Coact-Version", "1")];

    let cases: Vec<Case<'_>> = vec![
        ("no headers", vec![], b"[]".to_vec(), "names no method"),
        (
            "no version",
            vec![("Coact-Method", "jump")],
            b"[]".to_vec(),
            "version (none)",
        ),
        (
            "unknown method",
            vec![("Coact-Method", "fly"), ("Coact-Version", "1")],
            b"[]".to_vec(),
            "no method `fly`",
        ),
        (
            "truncated",
            jump.to_vec(),
            b"[".to_vec(),
            "could not decode",
        ),
        (
            "wrong types",
            vec![("Coact-Method", "jump"), ("Coact-Version", "1")],
            b"[1, \"x\"]".to_vec(),
            "could not decode",
        ),
        (
            "random bytes",
            jump.to_vec(),
            vec![0xff, 0x00, 0x13, 0x37, 0xfe],
            "could not decode",
        ),
        (
            "oversized",
            jump.to_vec(),
            vec![b' '; 65],
            "over the owner's limit of 64 bytes",
        ),
        ("empty", jump.to_vec(), Vec::new(), "could not decode"),
    ];
    for (case, headers, payload, says) in cases {
        let (error, text) = raw(&client, &name, &headers, payload).await;
        let expected = if case == "no version" {
            "version"
        } else {
            "undecodable"
        };
        assert_eq!(error.as_deref(), Some(expected), "{case}: {text}");
        assert!(text.contains(says), "{case}: {text}");
    }
    // A oneway (no reply subject) that does not decode is logged, and dropped.
    let mut headers = HeaderMap::new();
    headers.insert("Coact-Method", "jump");
    headers.insert("Coact-Version", "1");
    client
        .publish_with_headers(format!("coact.{name}"), headers, "nonsense".into())
        .await
        .unwrap();

    // A method without arguments takes `null`, the JSON of `()`.
    let (error, text) = raw(&client, &name, &jump, b"null".to_vec()).await;
    assert_eq!((error, text.as_str()), (None, "1"), "the owner serves on");
    let logs = logs.text();
    assert!(logs.contains("a remote call was refused"), "{logs}");
    assert!(
        !logs.contains("nonsense"),
        "payloads are never logged: {logs}"
    );
}

// ---------------------------------------------------------------------------------------
// Versions: an old caller talking to a new owner gets a typed error, never a wrong value.

mod v1 {
    #[derive(Default)]
    pub struct Prices;

    #[coact::deferred_handler(remote)]
    impl Prices {
        /// Version 1: the price in euros.
        pub fn price(&self, item: u32) -> u32 {
            item * 100
        }
    }
}

mod v2 {
    #[derive(Default)]
    pub struct Prices;

    #[coact::deferred_handler(remote, version = 2)]
    impl Prices {
        /// Version 2: the price in cents, same signature.
        pub fn price(&self, item: u32) -> u32 {
            item * 10_000
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_caller_of_another_version_gets_a_typed_error() {
    let client = client().await;
    let (new, _serving) = serve(&client, "prices", v2::Prices).await;
    let old = RemoteHandle::<v1::Prices>::new(&client, new.name()).unwrap();
    assert_eq!(
        old.sync().price(3).await,
        Err(CallError::VersionMismatch {
            method: "price",
            caller: 1,
            owner: 2
        })
    );
    assert_eq!(new.sync().price(3).await, Ok(30_000));
}

// ---------------------------------------------------------------------------------------
// A server restart: clients reconnect by themselves, subscriptions come back, and later
// calls succeed; a call made during the outage fails with a typed error within its bound.

/// A `nats-server` of this test's own, so that stopping it disturbs no other test.
struct Server {
    port: u16,
    child: std::process::Child,
}

impl Server {
    async fn start(port: u16) -> Self {
        let child = std::process::Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server is on the PATH (apt-get install nats-server)");
        let server = Self { port, child };
        // Ready when it accepts connections: a bounded wait for the process to come up.
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("nats-server did not start on port {port}");
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn stop(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A client, and the connection events it reports.
async fn watched(
    url: &str,
) -> (
    async_nats::Client,
    tokio::sync::mpsc::UnboundedReceiver<async_nats::Event>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let client = async_nats::ConnectOptions::new()
        .event_callback(move |event| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(event);
            }
        })
        .connect(url)
        .await
        .unwrap();
    let mut rx = rx;
    // The first connection's own event, so that the next one is a reconnection.
    reconnected(&mut rx).await;
    (client, rx)
}

/// Returns once the server has handled everything `client` sent before.
async fn round_trip(client: &async_nats::Client) {
    use futures::StreamExt as _;
    let probe = client.new_inbox();
    let mut echo = client.subscribe(probe.clone()).await.unwrap();
    client.publish(probe, "".into()).await.unwrap();
    echo.next().await.unwrap();
}

/// Waits for the client's next `Connected` event.
async fn reconnected(events: &mut tokio::sync::mpsc::UnboundedReceiver<async_nats::Event>) {
    while let Some(event) = events.recv().await {
        if matches!(event, async_nats::Event::Connected) {
            return;
        }
    }
    panic!("the client stopped reporting events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_server_restart_clients_reconnect_and_later_calls_succeed() {
    let port = free_port();
    let server = Server::start(port).await;
    let url = server.url();
    let (owner_client, mut owner_events) = watched(&url).await;
    let (caller_client, mut caller_events) = watched(&url).await;
    let (lemming, _serving) = serve(&owner_client, "restart", Lemming { jumps: 0 }).await;
    let lemming = RemoteHandle::<Lemming>::new(&caller_client, lemming.name()).unwrap();
    assert_eq!(lemming.sync().jump().await, Ok(1));

    server.stop();
    let during = lemming
        .sync()
        .timeout(Duration::from_millis(500))
        .jump()
        .await;
    assert!(
        matches!(
            during,
            Ok(_)
                | Err(CallError::TimedOut { .. }
                    | CallError::Transport { .. }
                    | CallError::NoResponders { .. })
        ),
        "a call during the outage ends within its bound: {during:?}"
    );

    let _server = Server::start(port).await;
    reconnected(&mut owner_events).await;
    reconnected(&mut caller_events).await;
    // The owner's subscription is back on the server once a message of its own has made
    // the round trip (the server handles a connection's messages in order).
    round_trip(&owner_client).await;
    let after = lemming.sync().jump().await.unwrap();
    assert!(after >= 2, "served after the restart: {after}");
}

// ---------------------------------------------------------------------------------------
// Durable oneway calls: stored by JetStream until an owner has run them.

/// Runs the owner's queued calls until `ids` distinct ids have been recorded.
async fn record_until(owner: &mut Deferred<Orders>, ids: usize) {
    while owner.runs.len() < ids {
        owner.process().await;
        yield_now().await;
    }
}

/// Waits until the server holds no durable call to `name`: every one acknowledged. (An
/// acknowledgement is handled by the server after it arrives: polled, with no bound on
/// how long it may take.)
async fn until_all_acknowledged(client: &async_nats::Client, name: &str) {
    while durable_stored(client, name).await > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A caller whose oneway calls are durable; it makes the name's stream if it is missing.
async fn durable_caller(client: &async_nats::Client, name: &str) -> RemoteHandle<Orders> {
    RemoteHandle::new(client, name)
        .unwrap()
        .durable()
        .await
        .unwrap()
}

async fn durable_owner(
    client: &async_nats::Client,
    name: &str,
) -> (Deferred<Orders>, RemoteServer) {
    let owner = Deferred::new(Orders::new());
    let options = ServeOptions::default().durable();
    let serving = owner
        .serve_remote_with(client, name, options)
        .await
        .unwrap();
    (owner, serving)
}

#[tokio::test(flavor = "current_thread")]
async fn durable_calls_sent_while_no_owner_runs_each_run_once_when_one_starts() {
    const CALLS: u32 = 1_000;
    let client = client().await;
    let name = name("durable");
    let remote = durable_caller(&client, &name).await;
    for id in 0..CALLS {
        // A full buffer refuses the call; it is sent again once the buffer drained.
        while let Err(error) = remote.oneway().record(id) {
            assert_eq!(error, CallError::MailboxFull { method: "record" });
            yield_now().await;
        }
    }
    remote.flush().await.unwrap();
    assert_eq!(
        durable_stored(&client, &name).await,
        u64::from(CALLS),
        "every call is kept while no owner runs"
    );

    let (mut owner, _serving) = durable_owner(&client, &name).await;
    record_until(&mut owner, CALLS as usize).await;
    until_all_acknowledged(&client, &name).await;
    // Acknowledged and gone from the stream: none can come again.
    assert_eq!(owner.process().await, 0);
    assert!(
        (0..CALLS).all(|id| owner.runs.get(&id) == Some(&1)),
        "each call ran exactly once"
    );
    assert_eq!(owner.runs.len(), CALLS as usize);
    forget_durable(&client, &name).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_durable_call_published_twice_under_one_message_id_runs_once() {
    let client = client().await;
    let name = name("dedup");
    // The caller's side makes the stream, as a caller would before any owner started.
    let remote = durable_caller(&client, &name).await;
    let jetstream = async_nats::jetstream::new(client.clone());
    let publish = |method: &str, id: &str, payload: &'static str| {
        let mut headers = HeaderMap::new();
        headers.insert("Coact-Method", method);
        headers.insert("Coact-Version", "1");
        headers.insert("Nats-Msg-Id", id);
        let jetstream = jetstream.clone();
        let subject = format!("coact-durable.{name}");
        async move {
            jetstream
                .publish_with_headers(subject, headers, payload.into())
                .await
                .unwrap()
                .await
                .unwrap()
        }
    };
    // A caller that retried: the second copy is recognised and not stored.
    assert!(!publish("record", "order-42", "[42]").await.duplicate);
    assert!(publish("record", "order-42", "[42]").await.duplicate);
    // A call that cannot run is refused for good, and the owner serves on.
    publish("nonsense", "order-0", "[0]").await;
    remote.oneway().record(43).unwrap();
    remote.flush().await.unwrap();

    let (mut owner, _serving) = durable_owner(&client, &name).await;
    record_until(&mut owner, 2).await;
    until_all_acknowledged(&client, &name).await;
    assert_eq!(owner.process().await, 0);
    assert_eq!(owner.runs.get(&42), Some(&1), "the duplicate did not run");
    assert_eq!(owner.runs.get(&43), Some(&1));
    // The call that cannot run was dropped by the server for good (the stream is empty),
    // not delivered again. (Its warning is the one `malformed_calls_…` checks: both paths
    // refuse through `WireSlot::refuse`.)
    assert_eq!(owner.runs.len(), 2);
    forget_durable(&client, &name).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_durable_call_queued_when_the_owner_is_dropped_runs_on_the_next_owner() {
    let client = client().await;
    let name = name("handover");
    let remote = durable_caller(&client, &name).await;
    let (first, serving) = durable_owner(&client, &name).await;
    remote.oneway().record(7).unwrap();
    until_pending(&first, 1).await;
    // The owner goes away without running it: the call goes back to the server at once.
    drop(first);
    drop(serving);
    let (mut second, _serving) = durable_owner(&client, &name).await;
    // Handed back, not left to the server's 30 s acknowledgement wait.
    tokio::time::timeout(Duration::from_secs(10), record_until(&mut second, 1))
        .await
        .expect("the call reached the next owner before the acknowledgement wait");
    assert_eq!(second.runs.get(&7), Some(&1));
    until_all_acknowledged(&client, &name).await;
    forget_durable(&client, &name).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_durable_call_waiting_in_the_mailbox_is_not_given_to_another_owner() {
    let client = client().await;
    let name = name("held");
    let remote = durable_caller(&client, &name).await;
    // A short acknowledgement wait: without the owner's renewals (every third of it), the
    // server would deliver the call again after 1 s.
    let options = ServeOptions::default()
        .durable()
        .ack_wait(Duration::from_secs(1));
    let holder = Deferred::new(Orders::new());
    let _held = holder
        .serve_remote_with(&client, &name, options.clone())
        .await
        .unwrap();
    remote.oneway().record(1).unwrap();
    until_pending(&holder, 1).await;
    let mut other = Deferred::new(Orders::new());
    let _other = other
        .serve_remote_with(&client, &name, options)
        .await
        .unwrap();
    // Real time, on the server's clock: two acknowledgement waits pass while the first
    // owner holds the call.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let consumer = durable_stream(&client, &name)
        .await
        .get_consumer::<async_nats::jetstream::consumer::pull::Config>("coact")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    assert_eq!(consumer.num_redelivered, 0, "the call was delivered again");
    assert_eq!(
        other.process().await,
        0,
        "the call was given to a second owner"
    );
    assert_eq!(holder.pending(), 1);
    forget_durable(&client, &name).await;
}
