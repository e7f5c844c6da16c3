//! Spawned machines: [`spawn`] and [`spawn_on`] run a machine as a tokio task behind a
//! [`Running`] handle that observes it, streams its [`Transition`]s and cancels it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::run::run_loop;
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
/// Must be called from within a tokio runtime.
pub fn spawn<M>(initial: M) -> Running<M::Output>
where
    M: Machine<Object = ()>,
    M::Output: Send + 'static,
{
    spawn_inner((), initial, |output, ()| output)
}

/// Spawns a machine of methods on tokio: it owns `object` while it runs and hands it back
/// with the terminal state's result.
///
/// Must be called from within a tokio runtime.
pub fn spawn_on<M>(object: M::Object, initial: M) -> Running<(M::Output, M::Object)>
where
    M: Machine,
    M::Object: 'static,
    M::Output: Send + 'static,
{
    spawn_inner(object, initial, |output, object| (output, object))
}

fn spawn_inner<M, T>(
    mut object: M::Object,
    initial: M,
    finish: impl FnOnce(M::Output, M::Object) -> T + Send + 'static,
) -> Running<T>
where
    M: Machine,
    M::Object: 'static,
    M::Output: Send + 'static,
    T: Send + 'static,
{
    let graph = M::GRAPH;
    let progress = Arc::new(Progress {
        current: AtomicUsize::new(initial.__index()),
        cancelled: AtomicBool::new(false),
    });
    let (sender, first) = broadcast::channel(TRANSITION_BUFFER);
    let base = first.resubscribe();
    let observed = Arc::clone(&progress);
    let task = tokio::spawn(async move {
        let entered = |from: usize, to: usize| {
            observed.current.store(to, Ordering::Release);
            let transition = Transition {
                from: graph.states[from].name,
                to: graph.states[to].name,
            };
            tracing::trace!(
                machine = graph.machine,
                from = transition.from,
                to = transition.to,
                "transition"
            );
            // An error only means nobody is listening.
            let _ = sender.send(transition);
            !observed.cancelled.load(Ordering::Acquire)
        };
        let result = run_loop(&mut object, initial, entered).await;
        if let Err(error) = &result {
            tracing::error!(machine = graph.machine, %error, "state machine failed");
        }
        result.map(|output| finish(output, object))
    });
    Running {
        task,
        graph,
        progress,
        first: Some(first),
        base,
    }
}

/// What a spawned machine shares with its [`Running`] handle.
struct Progress {
    current: AtomicUsize,
    cancelled: AtomicBool,
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
    first: Option<broadcast::Receiver<Transition>>,
    base: broadcast::Receiver<Transition>,
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

    /// The transitions as they happen; the stream ends when the machine does.
    ///
    /// The first call sees every transition from the start; later calls see those made
    /// after the call.
    pub fn transitions(&mut self) -> Transitions {
        let receiver = self.first.take().unwrap_or_else(|| self.base.resubscribe());
        Transitions::new(receiver)
    }

    /// Stops the machine at its next `.await` or before its next state, whichever comes
    /// first; awaiting it then gives [`MachineError::Cancelled`].
    pub fn cancel(&self) {
        self.progress.cancelled.store(true, Ordering::Release);
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
