//! Spawned machines: [`spawn`] and [`spawn_on`] run a machine as a tokio task behind a
//! [`Running`] handle that observes it, streams its [`Transition`]s and cancels it; the
//! `_observed` forms also give a stream of every transition from the first.
//!
//! A machine nobody watches, cancels or traces reads one flag byte per transition for the
//! possibility: the channel of transitions exists only once asked for, and whether to
//! trace transitions is decided at spawn.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::generated::Track;
use super::run::{outcome, run_loop};
use super::{Graph, Lagged, Machine, MachineError};
use crate::panic::panic_message;

/// One transition of a running machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    /// The state that ended.
    pub from: &'static str,
    /// The state that started.
    pub to: &'static str,
}

/// How many transitions a [`Transitions`] stream buffers for a slow reader before it
/// reports [`Lagged`].
pub const TRANSITION_BUFFER: usize = 1024;

/// Spawns a machine of free functions on tokio, starting with `initial`.
///
/// Nothing records its transitions until [`Running::transitions`] asks for them; to see
/// every transition from the first, use [`spawn_observed`]. Each transition is also a
/// `tracing` event at `TRACE` level (fields `machine`, `from`, `to`) if a subscriber
/// wanted such events when the machine was spawned: decided once, as `tracing` decides
/// for a span when it is created, so that a machine nobody traces pays nothing for it.
///
/// Must be called from within a tokio runtime.
pub fn spawn<M>(initial: M) -> Running<M::Output>
where
    M: Machine<Object = ()>,
    M::Output: Send + 'static,
{
    spawn_inner((), initial, None, |output, ()| output)
}

/// Spawns a machine of methods on tokio: it owns `object` while it runs and hands it back
/// with the terminal state's result.
///
/// Nothing records its transitions until [`Running::transitions`] asks for them; to see
/// every transition from the first, use [`spawn_on_observed`].
///
/// Must be called from within a tokio runtime.
pub fn spawn_on<M>(object: M::Object, initial: M) -> Running<(M::Output, M::Object)>
where
    M: Machine,
    M::Object: 'static,
    M::Output: Send + 'static,
{
    spawn_inner(object, initial, None, |output, object| (output, object))
}

/// [`spawn`], with a stream of every transition from the first: the stream exists before
/// the machine starts, so it misses nothing on any runtime.
///
/// Must be called from within a tokio runtime.
///
/// ```
/// # #[coact::machine]
/// # mod plant {
/// #     #[state(transitions_to = dead)]
/// #     pub fn flowering() { dead() }
/// #     #[state]
/// #     pub fn dead() -> &'static str { "withered" }
/// # }
/// use futures_util::StreamExt as _;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (running, transitions) = coact::state::spawn_observed(plant::PlantState::Flowering);
/// assert_eq!(running.await, Ok("withered"));
/// let seen: Vec<_> = transitions.map(|t| t.unwrap().to).collect().await;
/// assert_eq!(seen, ["dead"]);
/// # }
/// ```
pub fn spawn_observed<M>(initial: M) -> (Running<M::Output>, Transitions)
where
    M: Machine<Object = ()>,
    M::Output: Send + 'static,
{
    with_stream(|sender| spawn_inner((), initial, sender, |output, ()| output))
}

/// [`spawn_on`], with a stream of every transition from the first (see
/// [`spawn_observed`]).
///
/// Must be called from within a tokio runtime.
// The pair spelled out is what a reader of the signature needs; an alias would hide it.
#[allow(clippy::type_complexity)]
pub fn spawn_on_observed<M>(
    object: M::Object,
    initial: M,
) -> (Running<(M::Output, M::Object)>, Transitions)
where
    M: Machine,
    M::Object: 'static,
    M::Output: Send + 'static,
{
    with_stream(|sender| spawn_inner(object, initial, sender, |output, object| (output, object)))
}

/// Spawns with a channel of transitions made beforehand, and its first stream.
fn with_stream<T>(
    spawn: impl FnOnce(Option<broadcast::Sender<Transition>>) -> Running<T>,
) -> (Running<T>, Transitions) {
    let (sender, first) = broadcast::channel(TRANSITION_BUFFER);
    (spawn(Some(sender)), Transitions::new(first))
}

fn spawn_inner<M, T>(
    mut object: M::Object,
    initial: M,
    sender: Option<broadcast::Sender<Transition>>,
    finish: impl FnOnce(M::Output, M::Object) -> T + Send + 'static,
) -> Running<T>
where
    M: Machine,
    M::Object: 'static,
    M::Output: Send + 'static,
    T: Send + 'static,
{
    let graph = M::GRAPH;
    let mut flags = 0;
    if sender.is_some() {
        flags |= WATCHED;
    }
    if tracing::enabled!(tracing::Level::TRACE) {
        flags |= TRACED;
    }
    let progress = Arc::new(Progress {
        current: AtomicUsize::new(initial.__index()),
        flags: AtomicU8::new(flags),
        observers: Mutex::new(Observers {
            sender,
            ended: false,
        }),
    });
    let observed = Arc::clone(&progress);
    let task = tokio::spawn(async move {
        // The loop holds the shared progress itself, not a reference to its `Arc`: one
        // pointer to follow per transition, not two.
        let progress: &Progress = &observed;
        // Ends the observers' streams however the task ends: returned, cancelled (the
        // future dropped) or panicked.
        let ended = EndObservers(progress);
        let track = Spawned {
            progress,
            sender: None,
            graph,
        };
        let result = run_loop(&mut object, initial, track).await;
        let result = outcome::<M>(result, progress.current.load(Ordering::Acquire));
        drop(ended);
        if let Err(error) = &result {
            tracing::error!(machine = graph.machine, %error, "state machine failed");
        }
        result.map(|output| finish(output, object))
    });
    Running {
        task,
        graph,
        progress,
    }
}

/// What a spawned machine's loop keeps of its [`Progress`]: the state it is in lives there,
/// where [`Running::state`] reads it.
struct Spawned<'a> {
    progress: &'a Progress,
    /// The machine's own copy of the sender, taken once somebody watches: after that, a
    /// transition sends without a lock.
    sender: Option<broadcast::Sender<Transition>>,
    graph: &'static Graph,
}

impl Track for Spawned<'_> {
    #[inline]
    fn enter(&mut self, to: usize) -> bool {
        // For a machine nobody watches, cancels or traces: one load and test, one store.
        // Everything else is out of line, where it does not slow the loop down. Relaxed:
        // the flags guard no data (`report` takes the sender under the lock).
        // `report` reads the flags again (they are only ever set), so that this test is
        // one compare of memory, with no value to keep.
        let progress = self.progress;
        if progress.flags.load(Ordering::Relaxed) != 0 {
            return self.report(to);
        }
        progress.current.store(to, Ordering::Release);
        true
    }
}

impl Spawned<'_> {
    /// Records a transition, traces it and sends it to the machine's observers, taking the
    /// machine's own copy of the sender the first time; returns whether the machine goes
    /// on. Out of line: a machine nobody
    /// watches, cancels or traces never calls it, and its loop stays as tight as `run`'s
    /// (this code inline, even when skipped, made each transition of the bench's machine
    /// 1.4 times as slow).
    #[cold]
    #[inline(never)]
    fn report(&mut self, to: usize) -> bool {
        let flags = self.progress.flags.load(Ordering::Acquire);
        let from = self.progress.current.swap(to, Ordering::AcqRel);
        let (from, to) = (self.graph.states[from].name, self.graph.states[to].name);
        if flags & TRACED != 0 {
            tracing::trace!(machine = self.graph.machine, from, to, "transition");
        }
        if self.sender.is_none() && flags & WATCHED != 0 {
            self.sender.clone_from(&self.progress.observers().sender);
        }
        if let Some(sender) = &self.sender {
            // An error only means nobody is listening any more.
            let _ = sender.send(Transition { from, to });
        }
        flags & CANCELLED == 0
    }
}

/// [`Progress::flags`]: somebody watches the transitions (`observers.sender` is made).
const WATCHED: u8 = 1;
/// [`Progress::flags`]: [`Running::cancel`] was called.
const CANCELLED: u8 = 2;
/// [`Progress::flags`]: a `tracing` subscriber wanted `TRACE` events when the machine was
/// spawned. Decided once, as `tracing` decides for a span when it is created: reading
/// tracing's level on each transition was half of what a spawned machine paid beside
/// `run`.
const TRACED: u8 = 4;

/// What a spawned machine shares with its [`Running`] handle.
struct Progress {
    current: AtomicUsize,
    /// [`WATCHED`], [`CANCELLED`] and [`TRACED`], in one byte so that the machine reads
    /// them with one load per transition. Bits are set, never cleared. `WATCHED` is set once
    /// `observers.sender` is made: the machine reads this flag, not the lock, on each
    /// transition until somebody watches.
    flags: AtomicU8,
    observers: Mutex<Observers>,
}

struct Observers {
    /// Created by the first [`Running::transitions`] (or at spawn, for the `_observed`
    /// spawns), dropped when the machine ends so that every stream ends with it.
    sender: Option<broadcast::Sender<Transition>>,
    ended: bool,
}

impl Progress {
    fn observers(&self) -> MutexGuard<'_, Observers> {
        // Nothing panics while holding the lock; a poisoned one still holds valid data.
        self.observers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Drops the shared sender when the machine's task ends, however it ends.
struct EndObservers<'a>(&'a Progress);

impl Drop for EndObservers<'_> {
    fn drop(&mut self) {
        let mut observers = self.0.observers();
        observers.ended = true;
        observers.sender = None;
    }
}

/// A machine running as a tokio task: observe it, cancel it, or await its result.
///
/// Awaiting gives the terminal state's result (for [`spawn_on`], with the object). Dropping
/// a `Running` detaches the machine, like dropping a [`JoinHandle`]; use [`cancel`](Self::cancel)
/// to stop it.
pub struct Running<T> {
    task: JoinHandle<Result<T, MachineError>>,
    graph: &'static Graph,
    progress: Arc<Progress>,
}

impl<T> Running<T> {
    /// The name of the state running now (the last one, once the machine has ended).
    #[must_use]
    pub fn state(&self) -> &'static str {
        self.graph.states[self.progress.current.load(Ordering::Acquire)].name
    }

    /// The machine's declared graph.
    #[must_use]
    pub fn graph(&self) -> &'static Graph {
        self.graph
    }

    /// The transitions made from now on; the stream ends when the machine does (at once if
    /// it has ended already).
    ///
    /// A machine records transitions only once somebody asks: the first call starts it.
    /// On a multi-thread runtime the machine may have made transitions between
    /// [`spawn`] and this call; [`spawn_observed`] gives a stream that has them all.
    #[must_use = "a stream does nothing unless polled"]
    pub fn transitions(&self) -> Transitions {
        let mut observers = self.progress.observers();
        if observers.ended {
            return Transitions::ended();
        }
        let receiver = if let Some(sender) = &observers.sender {
            sender.subscribe()
        } else {
            let (sender, receiver) = broadcast::channel(TRANSITION_BUFFER);
            observers.sender = Some(sender);
            self.progress.flags.fetch_or(WATCHED, Ordering::Release);
            receiver
        };
        Transitions::new(receiver)
    }

    /// Stops the machine at its next `.await` or before its next state, whichever comes
    /// first; awaiting it then gives [`MachineError::Cancelled`].
    pub fn cancel(&self) {
        self.progress.flags.fetch_or(CANCELLED, Ordering::Release);
        self.task.abort();
    }

    /// Whether the machine has ended.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl<T> fmt::Debug for Running<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Running")
            .field("machine", &self.graph.machine)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl<T> Future for Running<T> {
    type Output = Result<T, MachineError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let joined = std::task::ready!(Pin::new(&mut self.task).poll(cx));
        Poll::Ready(joined.unwrap_or_else(|error| {
            let state = self.state();
            let machine = self.graph.machine;
            match error.try_into_panic() {
                Ok(payload) => Err(MachineError::Panicked {
                    machine,
                    state,
                    message: panic_message(payload),
                }),
                Err(_) => Err(MachineError::Cancelled { machine, state }),
            }
        }))
    }
}

/// A stream of a running machine's [`Transition`]s, from [`Running::transitions`].
pub struct Transitions {
    inner: Pin<Box<dyn Stream<Item = Result<Transition, Lagged>> + Send>>,
}

impl Transitions {
    fn new(receiver: broadcast::Receiver<Transition>) -> Self {
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            match receiver.recv().await {
                Ok(transition) => Some((Ok(transition), receiver)),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    Some((Err(Lagged { missed }), receiver))
                }
                Err(broadcast::error::RecvError::Closed) => None,
            }
        });
        Self {
            inner: Box::pin(stream),
        }
    }

    fn ended() -> Self {
        Self {
            inner: Box::pin(futures_util::stream::empty()),
        }
    }
}

impl fmt::Debug for Transitions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transitions").finish_non_exhaustive()
    }
}

impl Stream for Transitions {
    type Item = Result<Transition, Lagged>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}
