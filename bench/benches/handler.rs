//! coact's `#[deferred_handler]` against a hand-written tokio actor and the peer actor
//! crates kameo, ractor and actix.
//!
//! Every implementation holds the same `u64` counter and runs the same `add(by) -> u64`.
//! Each criterion group puts all implementations side by side:
//!
//! - `sync_round_trip/{current_thread,multi_thread}`: one request/response call.
//! - `oneway_send/{current_thread,multi_thread}`: one fire-and-forget message, including
//!   its processing: messages go out in chunks of [`ONEWAY_CHUNK`](common::ONEWAY_CHUNK), each chunk followed
//!   by one sync call that waits until the actor has processed it.
//! - `drain_1000`: one `owner.process().await` over 1,000 queued oneway calls, against a
//!   `try_recv` loop over a tokio unbounded channel of 1,000 enum messages.
//! - `nested_round_trip`: a sync call to a relay whose async method makes a sync call to
//!   the counter and returns its value: the cost of a call made from inside a handler
//!   method (where coact checks for call cycles), coact against the hand-written actors.
//!
//! Timing uses `iter_custom`: the actor is spawned once per sample, outside the timed
//! section, and the caller runs as a spawned task whose loop is timed from the inside.
//!
//! Run with `cd bench && cargo bench --bench handler`.

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use tokio::runtime::{Builder, Runtime};

#[path = "common/mod.rs"]
mod common;
use common::{chunks, on_task};

/// Queued calls per drain in `drain_1000`.
const DRAIN: usize = 1_000;

// ---------------------------------------------------------------------------------------
// coact

pub mod with_coact {
    use super::*;
    use coact::prelude::*;

    pub struct Counter {
        pub n: u64,
    }

    #[deferred_handler]
    impl Counter {
        pub fn add(&mut self, by: u64) -> u64 {
            self.n += by;
            self.n
        }
    }

    /// The owner serves in its own task until the handle is dropped. The task returns the
    /// counter's value, as the hand-written actor's does: tokio hands a task's output up
    /// through every poll, and the whole owner cost 30 instructions per round trip there.
    fn serve() -> (Handle<Counter>, tokio::task::JoinHandle<u64>) {
        let mut owner = Deferred::new(Counter { n: 0 });
        let handle = owner.handle();
        let server = tokio::spawn(async move {
            owner.process_forever().await;
            owner.n
        });
        (handle, server)
    }

    pub async fn sync_round_trip(iters: u64) -> Duration {
        let (handle, server) = serve();
        let elapsed = on_task(async move {
            handle.sync().add(0).await.unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(handle.sync().add(black_box(1)).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(server.await.unwrap(), iters);
        elapsed
    }

    pub async fn oneway_send(iters: u64) -> Duration {
        let (handle, server) = serve();
        let elapsed = on_task(async move {
            handle.sync().add(0).await.unwrap();
            let start = Instant::now();
            for chunk in chunks(iters) {
                for _ in 0..chunk {
                    handle.oneway().add(black_box(1)).unwrap();
                }
                black_box(handle.sync().add(0).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(server.await.unwrap(), iters);
        elapsed
    }

    pub struct Relay {
        pub to: Handle<Counter>,
    }

    #[deferred_handler]
    impl Relay {
        pub async fn relay(&mut self, by: u64) -> u64 {
            self.to.sync().add(by).await.unwrap()
        }
    }

    pub async fn nested_round_trip(iters: u64) -> Duration {
        let (counter, server) = serve();
        let mut relay = Deferred::new(Relay { to: counter });
        let handle = relay.handle();
        let relay = tokio::spawn(async move { relay.process_forever().await });
        let elapsed = on_task(async move {
            handle.sync().relay(0).await.unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(handle.sync().relay(black_box(1)).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        relay.await.unwrap();
        assert_eq!(server.await.unwrap(), iters);
        elapsed
    }

    /// Times only `owner.process()`; queueing the 1,000 calls is not timed.
    pub async fn drain(iters: u64) -> Duration {
        let mut owner = Deferred::new(Counter { n: 0 });
        let handle = owner.handle();
        let mut elapsed = Duration::ZERO;
        for _ in 0..iters {
            for _ in 0..DRAIN {
                handle.oneway().add(1).unwrap();
            }
            let start = Instant::now();
            let ran = black_box(owner.process().await);
            elapsed += start.elapsed();
            assert_eq!(ran, DRAIN);
        }
        assert_eq!(owner.n, iters * DRAIN as u64);
        elapsed
    }
}

// ---------------------------------------------------------------------------------------
// The hand-written tokio actor: unbounded mpsc, an enum message, a oneshot reply.

pub mod hand_written {
    use super::*;
    use tokio::sync::{mpsc, oneshot};

    pub enum Msg {
        Add {
            by: u64,
            reply: oneshot::Sender<u64>,
        },
        AddOneway {
            by: u64,
        },
    }

    #[derive(Default)]
    pub struct Counter {
        pub n: u64,
    }

    impl Counter {
        pub fn add(&mut self, by: u64) -> u64 {
            self.n += by;
            self.n
        }

        pub fn apply(&mut self, msg: Msg) {
            match msg {
                Msg::Add { by, reply } => {
                    let _ = reply.send(self.add(by));
                }
                Msg::AddOneway { by } => {
                    black_box(self.add(by));
                }
            }
        }
    }

    #[derive(Clone)]
    pub struct CounterHandle {
        tx: mpsc::UnboundedSender<Msg>,
    }

    impl CounterHandle {
        pub async fn add(&self, by: u64) -> Option<u64> {
            let (reply, rx) = oneshot::channel();
            self.tx.send(Msg::Add { by, reply }).ok()?;
            rx.await.ok()
        }

        pub fn add_oneway(&self, by: u64) -> bool {
            self.tx.send(Msg::AddOneway { by }).is_ok()
        }
    }

    /// Spawns the actor's loop; it ends when every handle is gone.
    fn spawn() -> (CounterHandle, tokio::task::JoinHandle<u64>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let actor = tokio::spawn(async move {
            let mut counter = Counter::default();
            while let Some(msg) = rx.recv().await {
                counter.apply(msg);
            }
            counter.n
        });
        (CounterHandle { tx }, actor)
    }

    pub async fn sync_round_trip(iters: u64) -> Duration {
        let (handle, actor) = spawn();
        let elapsed = on_task(async move {
            handle.add(0).await.unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(handle.add(black_box(1)).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(actor.await.unwrap(), iters);
        elapsed
    }

    pub async fn oneway_send(iters: u64) -> Duration {
        let (handle, actor) = spawn();
        let elapsed = on_task(async move {
            handle.add(0).await.unwrap();
            let start = Instant::now();
            for chunk in chunks(iters) {
                for _ in 0..chunk {
                    assert!(handle.add_oneway(black_box(1)));
                }
                black_box(handle.add(0).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(actor.await.unwrap(), iters);
        elapsed
    }

    /// A relay actor whose handler awaits a request to the counter actor.
    pub async fn nested_round_trip(iters: u64) -> Duration {
        let (counter, actor) = spawn();
        let (tx, mut rx) = mpsc::unbounded_channel::<(u64, oneshot::Sender<u64>)>();
        let relay = tokio::spawn(async move {
            while let Some((by, reply)) = rx.recv().await {
                let _ = reply.send(counter.add(by).await.unwrap());
            }
        });
        let elapsed = on_task(async move {
            let call = |by| {
                let (reply, rx) = oneshot::channel();
                tx.send((by, reply)).unwrap();
                rx
            };
            call(0).await.unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(call(black_box(1)).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        relay.await.unwrap();
        assert_eq!(actor.await.unwrap(), iters);
        elapsed
    }

    /// Times only the `try_recv` loop; sending the 1,000 messages is not timed.
    pub async fn drain(iters: u64) -> Duration {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut counter = Counter::default();
        let mut elapsed = Duration::ZERO;
        for _ in 0..iters {
            for _ in 0..DRAIN {
                assert!(tx.send(Msg::AddOneway { by: 1 }).is_ok());
            }
            let start = Instant::now();
            let mut ran = 0;
            while let Ok(msg) = rx.try_recv() {
                counter.apply(msg);
                ran += 1;
            }
            black_box(ran);
            elapsed += start.elapsed();
            assert_eq!(ran, DRAIN);
        }
        assert_eq!(counter.n, iters * DRAIN as u64);
        elapsed
    }
}

// ---------------------------------------------------------------------------------------
// kameo: `ask` / `tell`, with an unbounded mailbox like the others.

mod with_kameo {
    use super::*;
    use kameo::actor::{ActorRef, Spawn as _};
    use kameo::mailbox;
    use kameo::message::{Context, Message};
    use kameo::Actor;

    #[derive(Actor)]
    pub struct Counter {
        n: u64,
    }

    pub struct Add(pub u64);

    impl Message<Add> for Counter {
        type Reply = u64;

        async fn handle(&mut self, Add(by): Add, _: &mut Context<Self, Self::Reply>) -> u64 {
            self.n += by;
            self.n
        }
    }

    fn spawn() -> ActorRef<Counter> {
        Counter::spawn_with_mailbox(Counter { n: 0 }, mailbox::unbounded())
    }

    async fn stop(actor: ActorRef<Counter>) {
        actor.stop_gracefully().await.unwrap();
        actor.wait_for_shutdown().await;
    }

    pub async fn sync_round_trip(iters: u64) -> Duration {
        let actor = spawn();
        let caller = actor.clone();
        let elapsed = on_task(async move {
            caller.ask(Add(0)).send().await.unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(caller.ask(Add(black_box(1))).send().await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(actor.ask(Add(0)).send().await.unwrap(), iters);
        stop(actor).await;
        elapsed
    }

    pub async fn oneway_send(iters: u64) -> Duration {
        let actor = spawn();
        let caller = actor.clone();
        let elapsed = on_task(async move {
            caller.ask(Add(0)).send().await.unwrap();
            let start = Instant::now();
            for chunk in chunks(iters) {
                for _ in 0..chunk {
                    caller.tell(Add(black_box(1))).try_send().unwrap();
                }
                black_box(caller.ask(Add(0)).send().await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(actor.ask(Add(0)).send().await.unwrap(), iters);
        stop(actor).await;
        elapsed
    }
}

// ---------------------------------------------------------------------------------------
// ractor: `call!` / `cast`.

mod with_ractor {
    use super::*;
    use ractor::{call, Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

    pub struct Counter;

    pub enum Msg {
        Add(u64, RpcReplyPort<u64>),
        AddCast(u64),
    }

    impl Actor for Counter {
        type Msg = Msg;
        type State = u64;
        type Arguments = ();

        async fn pre_start(&self, _: ActorRef<Msg>, (): ()) -> Result<u64, ActorProcessingErr> {
            Ok(0)
        }

        async fn handle(
            &self,
            _: ActorRef<Msg>,
            msg: Msg,
            n: &mut u64,
        ) -> Result<(), ActorProcessingErr> {
            match msg {
                Msg::Add(by, reply) => {
                    *n += by;
                    let _ = reply.send(*n);
                }
                Msg::AddCast(by) => {
                    *n += by;
                    black_box(*n);
                }
            }
            Ok(())
        }
    }

    async fn stop(actor: ActorRef<Msg>, join: tokio::task::JoinHandle<()>) {
        actor.stop(None);
        join.await.unwrap();
    }

    pub async fn sync_round_trip(iters: u64) -> Duration {
        let (actor, join) = Actor::spawn(None, Counter, ()).await.unwrap();
        let caller = actor.clone();
        let elapsed = on_task(async move {
            call!(caller, Msg::Add, 0).unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(call!(caller, Msg::Add, black_box(1)).unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(call!(actor, Msg::Add, 0).unwrap(), iters);
        stop(actor, join).await;
        elapsed
    }

    pub async fn oneway_send(iters: u64) -> Duration {
        let (actor, join) = Actor::spawn(None, Counter, ()).await.unwrap();
        let caller = actor.clone();
        let elapsed = on_task(async move {
            call!(caller, Msg::Add, 0).unwrap();
            let start = Instant::now();
            for chunk in chunks(iters) {
                for _ in 0..chunk {
                    caller.cast(Msg::AddCast(black_box(1))).unwrap();
                }
                black_box(call!(caller, Msg::Add, 0).unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(call!(actor, Msg::Add, 0).unwrap(), iters);
        stop(actor, join).await;
        elapsed
    }
}

// ---------------------------------------------------------------------------------------
// actix: `send().await` / `do_send`, run as actix users write it: a `System::new()` (a
// current-thread runtime with a `LocalSet`, actix's own design) and the caller spawned on
// it with `actix::spawn`, beside the actor. (A caller spawned with `tokio::spawn` instead
// sits on another scheduler and adds a cross-scheduler wake-up to every round trip.)

pub mod with_actix {
    use super::*;
    use actix::{Actor, Addr, Context, Handler, Message};

    pub struct Counter {
        n: u64,
    }

    impl Actor for Counter {
        type Context = Context<Self>;
    }

    #[derive(Message)]
    #[rtype(result = "u64")]
    pub struct Add(pub u64);

    impl Handler<Add> for Counter {
        type Result = u64;

        fn handle(&mut self, Add(by): Add, _: &mut Context<Self>) -> u64 {
            self.n += by;
            self.n
        }
    }

    fn start() -> Addr<Counter> {
        Counter { n: 0 }.start()
    }

    /// Runs the caller on the System's `LocalSet`, as `actix::spawn` does for actix users.
    async fn on_local(f: impl Future<Output = Duration> + 'static) -> Duration {
        actix::spawn(f).await.expect("benchmark task panicked")
    }

    pub async fn sync_round_trip(iters: u64) -> Duration {
        let actor = start();
        let caller = actor.clone();
        let elapsed = on_local(async move {
            caller.send(Add(0)).await.unwrap();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(caller.send(Add(black_box(1))).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(actor.send(Add(0)).await.unwrap(), iters);
        // The actor stops once its last address is dropped.
        elapsed
    }

    pub async fn oneway_send(iters: u64) -> Duration {
        let actor = start();
        let caller = actor.clone();
        let elapsed = on_local(async move {
            caller.send(Add(0)).await.unwrap();
            let start = Instant::now();
            for chunk in chunks(iters) {
                for _ in 0..chunk {
                    caller.do_send(Add(black_box(1)));
                }
                black_box(caller.send(Add(0)).await.unwrap());
            }
            start.elapsed()
        })
        .await;
        assert_eq!(actor.send(Add(0)).await.unwrap(), iters);
        elapsed
    }
}

// ---------------------------------------------------------------------------------------
// Runtimes and groups

#[derive(Clone, Copy)]
enum Flavor {
    CurrentThread,
    MultiThread,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Self::CurrentThread => "current_thread",
            Self::MultiThread => "multi_thread",
        }
    }

    fn tokio(self) -> Runtime {
        let mut builder = match self {
            Self::CurrentThread => Builder::new_current_thread(),
            Self::MultiThread => Builder::new_multi_thread(),
        };
        builder.enable_all().build().expect("tokio runtime")
    }
}

/// An actix `System` as its users start one, `System::new()`: actix runs a System on one
/// thread whatever the group's flavour (actors are `!Send` and live on its `LocalSet`), so
/// in the multi-thread groups actix is still measured on its own single thread.
fn actix_system() -> actix::SystemRunner {
    actix::System::new()
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

type Timed = std::pin::Pin<Box<dyn Future<Output = Duration> + Send>>;
type TimedLocal = std::pin::Pin<Box<dyn Future<Output = Duration>>>;

/// One measurement in every implementation: `fn(iters) -> time for iters operations`.
struct Contenders {
    coact: fn(u64) -> Timed,
    hand_written: fn(u64) -> Timed,
    kameo: fn(u64) -> Timed,
    ractor: fn(u64) -> Timed,
    /// Runs inside an actix `System` (`block_on` of its `SystemRunner`).
    actix: fn(u64) -> TimedLocal,
}

/// All implementations side by side, one group per runtime flavour.
fn compare(c: &mut Criterion, group: &str, contenders: &Contenders) {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let mut g = c.benchmark_group(format!("{group}/{}", flavor.name()));
        configure(&mut g);
        {
            let rt = flavor.tokio();
            g.bench_function("coact", |b| b.to_async(&rt).iter_custom(contenders.coact));
            g.bench_function("tokio_hand_written", |b| {
                b.to_async(&rt).iter_custom(contenders.hand_written)
            });
            g.bench_function("kameo", |b| b.to_async(&rt).iter_custom(contenders.kameo));
            g.bench_function("ractor", |b| b.to_async(&rt).iter_custom(contenders.ractor));
        }
        {
            let system = actix_system();
            g.bench_function("actix", |b| {
                b.iter_custom(|iters| system.block_on((contenders.actix)(iters)))
            });
        }
        g.finish();
    }
}

fn sync_round_trip(c: &mut Criterion) {
    let contenders = Contenders {
        coact: |n| Box::pin(with_coact::sync_round_trip(n)),
        hand_written: |n| Box::pin(hand_written::sync_round_trip(n)),
        kameo: |n| Box::pin(with_kameo::sync_round_trip(n)),
        ractor: |n| Box::pin(with_ractor::sync_round_trip(n)),
        actix: |n| Box::pin(with_actix::sync_round_trip(n)),
    };
    compare(c, "sync_round_trip", &contenders);
}

fn oneway_send(c: &mut Criterion) {
    let contenders = Contenders {
        coact: |n| Box::pin(with_coact::oneway_send(n)),
        hand_written: |n| Box::pin(hand_written::oneway_send(n)),
        kameo: |n| Box::pin(with_kameo::oneway_send(n)),
        ractor: |n| Box::pin(with_ractor::oneway_send(n)),
        actix: |n| Box::pin(with_actix::oneway_send(n)),
    };
    compare(c, "oneway_send", &contenders);
}

fn drain_1000(c: &mut Criterion) {
    let rt = Flavor::CurrentThread.tokio();
    let mut g = c.benchmark_group("drain_1000");
    configure(&mut g);
    g.throughput(Throughput::Elements(DRAIN as u64));
    g.bench_function("coact_process", |b| {
        b.to_async(&rt).iter_custom(with_coact::drain)
    });
    g.bench_function("tokio_mpsc_try_recv", |b| {
        b.to_async(&rt).iter_custom(hand_written::drain)
    });
    g.finish();
}

fn nested_round_trip(c: &mut Criterion) {
    let rt = Flavor::CurrentThread.tokio();
    let mut g = c.benchmark_group("nested_round_trip/current_thread");
    configure(&mut g);
    g.bench_function("coact", |b| {
        b.to_async(&rt).iter_custom(with_coact::nested_round_trip)
    });
    g.bench_function("tokio_hand_written", |b| {
        b.to_async(&rt).iter_custom(hand_written::nested_round_trip)
    });
    g.finish();
}

criterion_group!(
    benches,
    sync_round_trip,
    oneway_send,
    drain_1000,
    nested_round_trip
);
criterion_main!(benches);
