//! `#[deferred_handler]` through the facade, as a user writes it.

// Handler methods of every shape: some ignore `self`, some are async without awaiting.
#![allow(clippy::unused_self, clippy::unused_async)]

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::time::Duration;

use coact::prelude::*;

mod support;
use support::Logs;

use futures::FutureExt as _;
use tokio::task::yield_now;

/// Yields until `cond` holds: explicit synchronisation with spawned tasks, no sleeping.
async fn until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        yield_now().await;
    }
}

// ---------------------------------------------------------------------------------------
// The seed's Manager: its own loop manages resources and drains calls at safe points.

struct Manager {
    resources: Vec<u64>,
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

#[deferred_handler]
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
    }

    /// The owner's loop, written as a method of the handler, as the seed writes
    /// `manage(self)`: a management round, then the safe point, until every handle is gone
    /// and nothing is pending. Returns the number of rounds.
    async fn run(self: &mut Deferred<Self>) -> u64 {
        let mut rounds = 0;
        while self.handle_count() > 0 || self.pending() > 0 {
            self.manage().await;
            rounds += 1;
            self.process().await;
        }
        rounds
    }

    /// `Self` in an owner method is the handler, as anywhere in the block.
    fn fresh(self: &Deferred<Self>) -> Self {
        Self {
            resources: vec![0; self.resources.len()],
        }
    }

    /// An owner method may take the owner by value.
    fn into_resources(self: Deferred<Self>) -> Vec<u64> {
        self.into_inner().resources
    }
}

#[tokio::test(flavor = "current_thread")]
async fn owner_methods_take_the_deferred_as_their_receiver() {
    let manager = Deferred::new(Manager {
        resources: vec![3; 2],
    });
    assert_eq!(manager.fresh().resources, [0, 0]);
    assert_eq!(manager.into_resources(), [3, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn manager_consumer_never_sees_a_half_managed_state() {
    const MONITORS: u64 = 4;
    const EVENTS: u64 = 250;
    let mut manager = Deferred::new(Manager {
        resources: vec![0; 8],
    });
    let handle = manager.handle();

    let monitors: Vec<_> = (0..MONITORS)
        .map(|_| {
            let handle = handle.clone();
            tokio::spawn(async move {
                for _ in 0..EVENTS {
                    handle.oneway().update_resource(1).unwrap();
                    yield_now().await;
                }
            })
        })
        .collect();
    let consumer = tokio::spawn(async move {
        let mut reads = 0;
        for _ in 0..200 {
            let resources = handle.sync().access_resources().await.unwrap();
            assert!(
                resources.iter().all(|r| *r == resources[0]),
                "half-managed state seen: {resources:?}"
            );
            reads += 1;
        }
        reads
    });

    let rounds = manager.run().await;
    assert_eq!(consumer.await.unwrap(), 200);
    for monitor in monitors {
        monitor.await.unwrap();
    }
    // Every event arrived exactly once.
    assert!(manager
        .resources
        .iter()
        .all(|r| *r == rounds + MONITORS * EVENTS));
}

// ---------------------------------------------------------------------------------------
// The seed's Lemming: a panicking method fails only its own call.

struct Lemming {
    jumps: u32,
}

#[deferred_handler]
impl Lemming {
    fn kaboom(&mut self) {
        panic!("#high pitched# oh no!");
    }

    async fn kaboom_later(&mut self) -> u32 {
        yield_now().await;
        panic!("later");
    }

    fn refuse(&self) -> Result<(), String> {
        Err("not today".to_owned())
    }

    fn jump(&mut self) -> u32 {
        self.jumps += 1;
        self.jumps
    }
}

#[tokio::test]
async fn lemming_sync_caller_gets_the_panic() {
    let mut lemming = Deferred::new(Lemming { jumps: 0 });
    let handle = lemming.handle();
    let caller = tokio::spawn(async move {
        let first = handle.sync().kaboom().await;
        let second = handle.sync().kaboom_later().await;
        let third = handle.sync().jump().await;
        (first, second, third)
    });
    let served = lemming.process_forever().await;
    assert_eq!(served.reason, StopReason::HandlesGone);
    assert_eq!(served.calls, 3);
    let (first, second, third) = caller.await.unwrap();
    assert_eq!(
        first,
        Err(CallError::Panicked {
            method: "kaboom",
            message: "#high pitched# oh no!".to_owned()
        })
    );
    assert!(
        matches!(second, Err(CallError::Panicked { method: "kaboom_later", ref message }) if message == "later")
    );
    assert_eq!(third, Ok(1), "the handler keeps serving after a panic");
}

#[tokio::test(flavor = "current_thread")]
async fn lemming_oneway_failures_are_logged() {
    let (logs, _guard) = Logs::capture();
    let mut lemming = Deferred::new(Lemming { jumps: 0 });
    let handle = lemming.handle();
    handle.oneway().kaboom().unwrap();
    handle.oneway().refuse().unwrap();
    handle.oneway().jump().unwrap();
    assert_eq!(lemming.process().await, 3);
    assert_eq!(
        lemming.jumps, 1,
        "the handler served the call after the panic"
    );
    let text = logs.text();
    assert!(text.contains("oneway call panicked"), "{text}");
    assert!(text.contains("method=\"kaboom\""), "{text}");
    assert!(text.contains("#high pitched# oh no!"), "{text}");
    assert!(text.contains("oneway call returned an error"), "{text}");
    assert!(text.contains("method=\"refuse\""), "{text}");
    assert!(text.contains("not today"), "{text}");
    assert!(
        !text.contains("method=\"jump\""),
        "success is not an error: {text}"
    );
}

// ---------------------------------------------------------------------------------------
// The seed's ABitSlow: sync calls with a timeout, under paused time.

struct ABitSlow {
    done: u32,
}

#[deferred_handler]
impl ABitSlow {
    async fn taking_my_time(&mut self) {
        tokio::time::sleep(Duration::from_secs(10)).await;
        self.done += 1;
    }
}

#[tokio::test(start_paused = true)]
async fn slow_call_times_out_while_running() {
    let mut slow = Deferred::new(ABitSlow { done: 0 });
    let handle = slow.handle();
    let stopper = handle.clone();
    let caller = tokio::spawn(async move {
        let result = handle
            .sync()
            .timeout(Duration::from_secs(1))
            .taking_my_time()
            .await;
        stopper.stop_processing();
        result
    });
    let started = tokio::time::Instant::now();
    slow.process_forever().await;
    assert_eq!(
        caller.await.unwrap(),
        Err(CallError::TimedOut {
            method: "taking_my_time",
            after: Duration::from_secs(1),
            started: true
        })
    );
    // The call had started, so it ran to its end.
    assert_eq!(slow.done, 1);
    assert_eq!(started.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn call_that_times_out_before_it_starts_is_withdrawn() {
    let mut slow = Deferred::new(ABitSlow { done: 0 });
    let handle = slow.handle();
    let result = handle
        .sync()
        .timeout(Duration::from_secs(1))
        .taking_my_time()
        .await;
    assert_eq!(
        result,
        Err(CallError::TimedOut {
            method: "taking_my_time",
            after: Duration::from_secs(1),
            started: false
        })
    );
    assert_eq!(slow.pending(), 1);
    assert_eq!(slow.process().await, 0, "a withdrawn call never runs");
    assert_eq!(slow.done, 0);
}

#[tokio::test]
async fn dropping_a_sync_call_before_it_starts_withdraws_it() {
    let mut slow = Deferred::new(ABitSlow { done: 0 });
    let handle = slow.handle();
    assert!(handle.sync().taking_my_time().now_or_never().is_none());
    assert_eq!(slow.pending(), 1);
    assert_eq!(slow.process().await, 0);
    assert_eq!(slow.done, 0);
}

#[tokio::test]
async fn dropping_a_timed_sync_call_before_it_starts_withdraws_it() {
    let mut slow = Deferred::new(ABitSlow { done: 0 });
    let handle = slow.handle();
    let caller = tokio::spawn(async move {
        handle
            .sync()
            .timeout(Duration::from_secs(60))
            .taking_my_time()
            .await
    });
    while slow.pending() == 0 {
        yield_now().await;
    }
    caller.abort();
    assert!(caller.await.unwrap_err().is_cancelled());
    assert_eq!(
        slow.process().await,
        0,
        "a call whose caller is gone never runs"
    );
    assert_eq!(slow.done, 0);
}

// ---------------------------------------------------------------------------------------
// Owner-driven draining: snapshots, whitelists, stopping.

struct Recorder {
    log: Vec<String>,
    me: Option<Handle<Recorder>>,
}

#[deferred_handler]
impl Recorder {
    fn write(&mut self, entry: String) {
        self.log.push(entry);
    }

    fn read(&mut self, tag: u32) -> usize {
        self.log.push(format!("read{tag}"));
        self.log.len()
    }

    /// Stops the owner's `process_forever` after this call.
    fn write_then_stop(&mut self, entry: String) {
        self.log.push(entry);
        self.me.as_ref().unwrap().stop_processing();
    }

    /// Queues a follow-up call to this same handler.
    fn write_later(&mut self, entry: String) {
        self.me.as_ref().unwrap().oneway().write(entry).unwrap();
    }

    async fn ask_myself(&mut self) -> Result<usize, CallError> {
        self.me.as_ref().unwrap().sync().read(0).await
    }
}

fn recorder() -> Deferred<Recorder> {
    let mut owner = Deferred::new(Recorder {
        log: Vec::new(),
        me: None,
    });
    owner.me = Some(owner.handle());
    owner
}

#[tokio::test]
async fn process_runs_only_what_was_pending_when_it_started() {
    let mut owner = recorder();
    let handle = owner.handle();
    handle.oneway().write_later("second".to_owned()).unwrap();
    handle.oneway().write("first".to_owned()).unwrap();
    assert_eq!(owner.process().await, 2);
    assert_eq!(owner.log, ["first"]);
    assert_eq!(owner.pending(), 1, "the call queued while processing waits");
    assert_eq!(owner.process().await, 1);
    assert_eq!(owner.log, ["first", "second"]);
    assert_eq!(owner.process().await, 0);
}

#[tokio::test]
async fn whitelist_runs_listed_methods_and_keeps_the_rest_in_order() {
    let mut owner = recorder();
    let handle = owner.handle();
    let oneway = handle.oneway();
    oneway.read(1).unwrap();
    oneway.write("a".to_owned()).unwrap();
    oneway.read(2).unwrap();
    oneway.write("b".to_owned()).unwrap();
    oneway.read(3).unwrap();

    assert_eq!(owner.process_only(&[RecorderMethod::Write]).await, 2);
    assert_eq!(owner.log, ["a", "b"]);
    assert_eq!(owner.pending(), 3);

    oneway.write("c".to_owned()).unwrap();
    // Set-aside calls that a new whitelist admits run first: they arrived first.
    assert_eq!(owner.process_only(&[RecorderMethod::Read]).await, 3);
    assert_eq!(owner.log, ["a", "b", "read1", "read2", "read3"]);
    assert_eq!(owner.process().await, 1);
    assert_eq!(owner.log, ["a", "b", "read1", "read2", "read3", "c"]);
}

#[tokio::test]
async fn process_forever_only_serves_the_whitelist_until_stopped() {
    let mut owner = recorder();
    let handle = owner.handle();
    handle.oneway().read(1).unwrap();
    handle.oneway().write("a".to_owned()).unwrap();
    handle.oneway().write_then_stop("b".to_owned()).unwrap();
    handle.oneway().write("c".to_owned()).unwrap();
    let served = owner
        .process_forever_only(&[RecorderMethod::Write, RecorderMethod::WriteThenStop])
        .await;
    assert_eq!(
        (served.calls, served.reason),
        (2, StopReason::StopRequested)
    );
    assert_eq!(owner.log, ["a", "b"]);
    assert_eq!(owner.process().await, 2);
    assert_eq!(owner.log, ["a", "b", "read1", "c"]);
    assert_eq!(RecorderMethod::WriteThenStop, RecorderMethod::WriteThenStop);
    assert_eq!(
        <Recorder as coact::Handler>::method_name(RecorderMethod::WriteThenStop),
        "write_then_stop"
    );
}

#[tokio::test]
async fn stop_takes_effect_after_the_current_call_and_keeps_the_queue() {
    let mut owner = recorder();
    let handle = owner.handle();
    for entry in ["1", "2"] {
        handle.oneway().write(entry.to_owned()).unwrap();
    }
    handle.oneway().write_then_stop("3".to_owned()).unwrap();
    for entry in ["4", "5"] {
        handle.oneway().write(entry.to_owned()).unwrap();
    }
    let served = owner.process_forever().await;
    assert_eq!(
        (served.calls, served.reason),
        (3, StopReason::StopRequested)
    );
    assert_eq!(owner.log, ["1", "2", "3"]);
    assert_eq!(owner.pending(), 2, "nothing was dropped");
    assert_eq!(owner.process().await, 2);
    assert_eq!(owner.log, ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn a_stop_requested_while_idle_ends_the_next_serve_at_once() {
    let mut owner = recorder();
    let handle = owner.handle();
    // One call set aside by a whitelist, one still in the mailbox.
    handle.oneway().read(1).unwrap();
    assert_eq!(owner.process_only(&[RecorderMethod::Write]).await, 0);
    handle.stop_processing();
    handle.oneway().write("kept".to_owned()).unwrap();
    let served = owner.process_forever().await;
    assert_eq!(
        (served.calls, served.reason),
        (0, StopReason::StopRequested)
    );
    assert!(owner.log.is_empty(), "nothing ran: {:?}", owner.log);
    assert_eq!(owner.pending(), 2);
}

#[tokio::test]
async fn process_forever_serves_queued_calls_before_returning_when_handles_are_gone() {
    let mut owner = Deferred::new(Lemming { jumps: 0 });
    let handle = owner.handle();
    for _ in 0..3 {
        handle.oneway().jump().unwrap();
    }
    drop(handle);
    assert_eq!(owner.handle_count(), 0);
    let served = owner.process_forever().await;
    assert_eq!((served.calls, served.reason), (3, StopReason::HandlesGone));
    assert_eq!(owner.jumps, 3);
}

#[tokio::test]
async fn process_forever_wakes_when_the_last_handle_drops() {
    let mut owner = Deferred::new(Lemming { jumps: 0 });
    let handle = owner.handle();
    let caller = tokio::spawn(async move {
        // Lets the owner go idle first, then leaves.
        yield_now().await;
        handle.oneway().jump().unwrap();
    });
    let served = owner.process_forever().await;
    caller.await.unwrap();
    assert_eq!((served.calls, served.reason), (1, StopReason::HandlesGone));
}

#[tokio::test]
async fn reentrant_sync_call_is_refused_not_deadlocked() {
    let mut owner = recorder();
    let handle = owner.handle();
    let caller = tokio::spawn(async move {
        let result = handle.sync().ask_myself().await;
        handle.stop_processing();
        result
    });
    let served = owner.process_forever().await;
    assert_eq!(
        (served.calls, served.reason),
        (1, StopReason::StopRequested)
    );
    assert_eq!(
        caller.await.unwrap(),
        Ok(Err(CallError::Reentrant { method: "read" }))
    );
}

// Three handlers that call each other, for cycle detection. Their owners serve in their own
// tasks; each holds handles to the others, set once all three exist.
struct A {
    b: Option<Handle<B>>,
    hits: u32,
}
struct B {
    a: Option<Handle<A>>,
    c: Option<Handle<C>>,
}
struct C {
    a: Option<Handle<A>>,
}

#[deferred_handler]
impl A {
    /// A → B → A.
    async fn via_b(&mut self) -> Result<u32, CallError> {
        self.b.as_ref().unwrap().sync().call_a().await?
    }
    /// A → B → C → A.
    async fn via_b_and_c(&mut self) -> Result<u32, CallError> {
        self.b.as_ref().unwrap().sync().call_c().await?
    }
    /// A → B, which answers through a oneway call to A: no cycle of waits.
    async fn via_b_oneway(&mut self) -> Result<(), CallError> {
        self.b.as_ref().unwrap().sync().call_a_oneway().await?
    }
    /// A → B → C, and C's work waits on nobody.
    async fn via_b_to_c_work(&mut self) -> Result<u32, CallError> {
        self.b.as_ref().unwrap().sync().call_c_work().await?
    }
    fn hit(&mut self) -> u32 {
        self.hits += 1;
        self.hits
    }
}

#[deferred_handler]
impl B {
    async fn call_a(&mut self) -> Result<u32, CallError> {
        // A timeout does not hide the cycle: the call is refused at once, not timed out.
        self.a
            .as_ref()
            .unwrap()
            .sync()
            .timeout(Duration::from_secs(3600))
            .hit()
            .await
    }
    async fn call_c(&mut self) -> Result<u32, CallError> {
        self.c.as_ref().unwrap().sync().call_a().await?
    }
    async fn call_a_oneway(&mut self) -> Result<(), CallError> {
        self.a.as_ref().unwrap().oneway().hit()
    }
    async fn call_c_work(&mut self) -> Result<u32, CallError> {
        self.c.as_ref().unwrap().sync().work().await
    }
}

#[deferred_handler]
impl C {
    async fn call_a(&mut self) -> Result<u32, CallError> {
        self.a.as_ref().unwrap().sync().hit().await
    }
    fn work(&mut self) -> u32 {
        7
    }
}

/// Starts the three owners serving, each in its own task, and returns a handle to each.
fn serve_abc() -> (Handle<A>, Handle<B>, Handle<C>) {
    let mut a = Deferred::new(A { b: None, hits: 0 });
    let mut b = Deferred::new(B { a: None, c: None });
    let mut c = Deferred::new(C { a: None });
    a.b = Some(b.handle());
    b.a = Some(a.handle());
    b.c = Some(c.handle());
    c.a = Some(a.handle());
    let handles = (a.handle(), b.handle(), c.handle());
    tokio::spawn(async move { a.process_forever().await });
    tokio::spawn(async move { b.process_forever().await });
    tokio::spawn(async move { c.process_forever().await });
    handles
}

/// The handlers a `CallError::Cycle` names, without their module path.
fn cycle_of(error: &CallError) -> Vec<&'static str> {
    match error {
        CallError::Cycle { handlers, .. } => handlers
            .iter()
            .map(|name| name.rsplit("::").next().unwrap())
            .collect(),
        other => panic!("expected a cycle, got {other:?}"),
    }
}

/// Awaits `call`, failing the test if it never completes. Time is paused: when every task
/// is stuck waiting, tokio jumps the clock ahead, so a deadlock fails at once.
async fn no_deadlock<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the handlers deadlocked")
}

#[tokio::test(start_paused = true)]
async fn a_sync_call_cycle_through_another_handler_is_refused_naming_both() {
    let (a, _b, _c) = serve_abc();
    let error = no_deadlock(a.sync().via_b()).await.unwrap().unwrap_err();
    assert_eq!(error.method(), "hit");
    assert_eq!(cycle_of(&error), ["A", "B", "A"]);
    assert_eq!(
        error.to_string(),
        "sync call to `hit` would close a cycle of handlers waiting on each other \
         (handler::A → handler::B → handler::A) and deadlock"
    );
    // Nothing is left stuck: A serves the next call.
    assert_eq!(a.sync().hit().await, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn a_sync_call_cycle_through_two_handlers_is_refused_naming_all_three() {
    let (a, _b, _c) = serve_abc();
    let error = no_deadlock(a.sync().via_b_and_c())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.method(), "hit");
    assert_eq!(cycle_of(&error), ["A", "B", "C", "A"]);
    assert_eq!(a.sync().hit().await, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn chains_of_sync_calls_without_a_cycle_run() {
    let (a, b, c) = serve_abc();
    // A → B → C: C's method waits on nobody.
    assert_eq!(no_deadlock(a.sync().via_b_to_c_work()).await, Ok(Ok(7)));
    // A → B, and B answers A through a oneway call, which nobody waits on.
    assert_eq!(a.sync().via_b_oneway().await, Ok(Ok(())));
    assert_eq!(a.sync().hit().await, Ok(2));
    // From outside any handler, the same calls that closed cycles inside are plain calls.
    assert_eq!(c.sync().call_a().await, Ok(Ok(3)));
    assert_eq!(b.sync().call_c().await, Ok(Ok(4)));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_owner_fails_pending_callers_promptly() {
    let owner = Deferred::new(Lemming { jumps: 0 });
    let handle = owner.handle();
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let handle = handle.clone();
            tokio::spawn(async move { handle.sync().jump().await })
        })
        .collect();
    until(|| owner.pending() == 10).await;
    drop(owner);
    for caller in callers {
        // Paused time: a hang would auto-advance to this timeout and fail the test.
        let result = tokio::time::timeout(Duration::from_secs(60), caller)
            .await
            .expect("caller hung after the owner was dropped");
        assert_eq!(result.unwrap(), Err(CallError::Gone { method: "jump" }));
    }
    assert!(handle.is_closed());
    assert_eq!(
        handle.oneway().jump(),
        Err(CallError::Gone { method: "jump" })
    );
    assert_eq!(
        handle.sync().jump().await,
        Err(CallError::Gone { method: "jump" })
    );
}

#[tokio::test]
async fn into_inner_gives_the_value_back_and_fails_queued_calls() {
    let owner = Deferred::new(Lemming { jumps: 5 });
    let handle = owner.handle();
    let caller = tokio::spawn({
        let handle = handle.clone();
        async move { handle.sync().jump().await }
    });
    until(|| owner.pending() == 1).await;
    let lemming = owner.into_inner();
    assert_eq!(lemming.jumps, 5);
    assert_eq!(
        caller.await.unwrap(),
        Err(CallError::Gone { method: "jump" })
    );
}

#[tokio::test(start_paused = true)]
async fn a_timed_call_waiting_for_room_times_out_without_being_queued() {
    let mut owner = Deferred::bounded(Lemming { jumps: 0 }, NonZeroUsize::new(1).unwrap());
    let handle = owner.handle();
    handle.oneway().jump().unwrap();
    let waited = handle.sync().timeout(Duration::from_secs(1)).jump().await;
    assert_eq!(
        waited,
        Err(CallError::TimedOut {
            method: "jump",
            after: Duration::from_secs(1),
            started: false
        })
    );
    assert_eq!(owner.process().await, 1, "only the oneway call was queued");
    assert_eq!(owner.jumps, 1);
}

#[tokio::test]
async fn bounded_mailbox_backpressure() {
    let mut owner = Deferred::bounded(Lemming { jumps: 0 }, NonZeroUsize::new(2).unwrap());
    let handle = owner.handle();
    handle.oneway().jump().unwrap();
    handle.oneway().jump().unwrap();
    assert_eq!(
        handle.oneway().jump(),
        Err(CallError::MailboxFull { method: "jump" })
    );
    // A sync caller waits for room instead of failing.
    let waiting = tokio::spawn({
        let handle = handle.clone();
        async move { handle.sync().jump().await }
    });
    for _ in 0..10 {
        yield_now().await;
    }
    assert!(!waiting.is_finished());
    assert_eq!(owner.pending(), 2);
    assert_eq!(owner.process().await, 2);
    until(|| owner.pending() == 1).await;
    assert_eq!(owner.process().await, 1);
    assert_eq!(waiting.await.unwrap(), Ok(3));
    handle.oneway().jump().unwrap();
}

#[tokio::test]
async fn a_call_waiting_for_room_learns_when_the_owner_goes() {
    let owner = Deferred::bounded(Lemming { jumps: 0 }, NonZeroUsize::new(1).unwrap());
    let handle = owner.handle();
    handle.oneway().jump().unwrap();
    let waiting = tokio::spawn({
        let handle = handle.clone();
        async move { handle.sync().jump().await }
    });
    for _ in 0..10 {
        yield_now().await;
    }
    assert!(!waiting.is_finished(), "no room: the call waits");
    drop(owner);
    assert_eq!(
        waiting.await.unwrap(),
        Err(CallError::Gone { method: "jump" })
    );
    assert!(handle.is_closed());
    assert_eq!(
        handle.oneway().jump(),
        Err(CallError::Gone { method: "jump" })
    );
}

// ---------------------------------------------------------------------------------------
// Async methods run inside the owner's turn, one at a time.

struct Sequencer {
    log: Vec<String>,
}

#[deferred_handler]
impl Sequencer {
    async fn step(&mut self, name: String, millis: u64) -> usize {
        self.log.push(format!("{name}:start"));
        tokio::time::sleep(Duration::from_millis(millis)).await;
        self.log.push(format!("{name}:end"));
        self.log.len()
    }
}

#[tokio::test(start_paused = true)]
async fn async_methods_run_one_at_a_time_in_arrival_order() {
    let mut owner = Deferred::new(Sequencer { log: Vec::new() });
    let handle = owner.handle();
    let slow = tokio::spawn({
        let handle = handle.clone();
        async move { handle.sync().step("slow".to_owned(), 50).await }
    });
    until(|| owner.pending() == 1).await;
    let fast = tokio::spawn(async move { handle.sync().step("fast".to_owned(), 1).await });
    until(|| owner.pending() == 2).await;
    owner.process_forever().await;
    assert_eq!(slow.await.unwrap(), Ok(2));
    assert_eq!(fast.await.unwrap(), Ok(4));
    assert_eq!(
        owner.log,
        ["slow:start", "slow:end", "fast:start", "fast:end"]
    );
}

// ---------------------------------------------------------------------------------------
// Generic handlers.

struct Store<T> {
    items: Vec<T>,
}

#[deferred_handler]
impl<T> Store<T>
where
    T: Clone + Send + Sync + 'static,
{
    fn push(&mut self, item: T) -> usize {
        self.items.push(item);
        self.items.len()
    }

    async fn snapshot(&self) -> Vec<T> {
        self.items.clone()
    }

    fn replace_with(&mut self, other: Self) -> Self {
        std::mem::replace(self, other)
    }
}

#[tokio::test]
async fn generic_handler_works_for_several_types() {
    let mut strings = Deferred::new(Store::<String> { items: Vec::new() });
    let mut numbers = Deferred::new(Store::<u64> { items: vec![1] });
    let (s, n) = (strings.handle(), numbers.handle());
    let caller = tokio::spawn(async move {
        let len = s.sync().push("x".to_owned()).await.unwrap();
        let numbers = n.sync().snapshot().await.unwrap();
        let old = n
            .sync()
            .replace_with(Store { items: vec![9, 9] })
            .await
            .unwrap();
        (len, numbers, old.items)
    });
    loop {
        strings.process().await;
        numbers.process().await;
        if caller.is_finished() {
            break;
        }
        yield_now().await;
    }
    assert_eq!(caller.await.unwrap(), (1, vec![1], vec![1]));
    assert_eq!(numbers.items, [9, 9]);
    assert_eq!(strings.items, ["x"]);
}

// ---------------------------------------------------------------------------------------
// No call lost or duplicated under contention.

struct Tally {
    seen: Vec<u64>,
}

#[deferred_handler]
impl Tally {
    fn record(&mut self, id: u64) {
        self.seen.push(id);
    }

    fn record_sync(&mut self, id: u64) -> u64 {
        self.seen.push(id);
        id
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_thousand_calls_from_32_tasks_none_lost_or_duplicated() {
    const TASKS: u64 = 32;
    const PER_TASK: u64 = 3_125;
    let mut owner = Deferred::new(Tally { seen: Vec::new() });
    let callers: Vec<_> = (0..TASKS)
        .map(|task| {
            let handle = owner.handle();
            tokio::spawn(async move {
                for i in 0..PER_TASK {
                    let id = task * PER_TASK + i;
                    if i % 4 == 0 {
                        assert_eq!(handle.sync().record_sync(id).await, Ok(id));
                    } else {
                        handle.oneway().record(id).unwrap();
                    }
                }
            })
        })
        .collect();
    let served = owner.process_forever().await;
    for caller in callers {
        caller.await.unwrap();
    }
    assert_eq!(served.reason, StopReason::HandlesGone);
    let total = usize::try_from(TASKS * PER_TASK).unwrap();
    assert_eq!(served.calls, total);
    assert_eq!(owner.seen.len(), total);
    let unique: HashSet<_> = owner.seen.iter().copied().collect();
    assert_eq!(unique.len(), total, "a call ran twice");
    assert!(unique.iter().all(|id| *id < TASKS * PER_TASK));
}

#[test]
fn handles_and_proxies_are_send_sync_and_static() {
    fn assert_send_sync_static<T: Send + Sync + 'static>() {}
    fn assert_send<T: Send>(_: &T) {}
    assert_send_sync_static::<Handle<Manager>>();
    assert_send_sync_static::<Handle<Store<String>>>();
    assert_send_sync_static::<CallError>();
    let owner = Deferred::new(Tally { seen: Vec::new() });
    let handle = owner.handle();
    assert_send(&handle.sync().record_sync(1));
    assert_send(&handle.sync().timeout(Duration::from_secs(1)));
    let mut owner = owner;
    assert_send(&owner.process());
    assert_send(&owner.process_forever());
}

// ---------------------------------------------------------------------------------------
// `#[cfg_attr]` on a method: only the `cfg`s it applies decide whether the method (and
// so its proxies and method id) exists; the other attributes it applies stay on the
// method alone.

struct Flags {
    n: u32,
}

#[coact::deferred_handler]
impl Flags {
    #[cfg_attr(all(), inline)]
    fn inlined(&self) -> u32 {
        self.n
    }

    #[cfg_attr(all(), cfg(any()))]
    fn compiled_out(&self) -> u32 {
        this_function_does_not_exist()
    }

    #[cfg_attr(any(), cfg(any()))]
    #[cfg_attr(all(), allow(clippy::unused_self))]
    fn kept(&self) -> u32 {
        2
    }
}

#[tokio::test]
async fn cfg_attr_on_a_method_is_a_cfg_only_through_its_cfgs() {
    let mut owner = Deferred::new(Flags { n: 1 });
    let handle = owner.handle();
    let caller = tokio::spawn(async move {
        let inlined = handle.sync().inlined().await;
        let kept = handle.sync().kept().await;
        (inlined, kept)
    });
    let served = owner.process_forever().await;
    assert_eq!(served.calls, 2);
    assert_eq!(caller.await.unwrap(), (Ok(1), Ok(2)));
    assert_eq!(
        <Flags as coact::Handler>::method_name(FlagsMethod::Kept),
        "kept"
    );
}

// Legal method names that stop being identifiers once converted to a method id: `_0`
// (a digit first) and `self_` (the keyword `Self`).
struct OddNames {
    calls: u32,
}

#[deferred_handler]
impl OddNames {
    fn _0(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    fn self_(&mut self) -> u32 {
        self.calls += 10;
        self.calls
    }
}

#[tokio::test]
async fn methods_with_odd_legal_names_work() {
    let mut owner = Deferred::new(OddNames { calls: 0 });
    let handle = owner.handle();
    handle.oneway()._0().unwrap();
    handle.oneway().self_().unwrap();
    assert_eq!(
        owner
            .process_only(&[OddNamesMethod::_0, OddNamesMethod::Self_])
            .await,
        2
    );
    assert_eq!(owner.calls, 11);
}

// ---------------------------------------------------------------------------------------
// Reply slots: a caller's thread reuses them, and no value reaches another call.

struct Echo;

#[deferred_handler]
impl Echo {
    fn number(&mut self, n: u64) -> u64 {
        n
    }

    fn text(&mut self, n: u64) -> String {
        n.to_string()
    }

    fn slow(&mut self, n: u64) -> u64 {
        n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sync_call_gets_its_own_value_while_threads_reuse_their_slots() {
    let mut owner = Deferred::new(Echo);
    let handle = owner.handle();
    let server = tokio::spawn(async move { owner.process_forever().await });
    // An owner nobody serves: a call to it is surely still waiting when it is dropped.
    // (A call to the served owner may be answered within its first poll, on the other
    // worker.) Its result type is `number`'s, so it shares a thread's spare slot with it.
    let idle = Deferred::new(Echo);
    let callers: Vec<_> = (0..8u64)
        .map(|caller| {
            let handle = handle.clone();
            let idle = idle.handle();
            tokio::spawn(async move {
                for i in 0..200 {
                    let n = caller * 1_000 + i;
                    // Two types of result in turn, and calls dropped before their reply:
                    // a slot left that way must not carry a value into the next call.
                    assert_eq!(handle.sync().number(n).await, Ok(n));
                    assert_eq!(handle.sync().text(n).await, Ok(n.to_string()));
                    if i % 10 == 0 {
                        let mut dropped = std::pin::pin!(idle.sync().slow(u64::MAX));
                        assert!(dropped.as_mut().now_or_never().is_none());
                    }
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    drop((handle, idle));
    server.await.unwrap();
}
