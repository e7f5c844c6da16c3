//! State machines: states are functions, and a state ends by returning the next one.
//!
//! `#[machine]` on an inline module (states are free functions) or on an inherent impl
//! block (states are methods of an object the machine owns) reads the `#[state]`
//! functions in it and generates one enum, `<Name>State`, with a variant per state holding
//! its arguments. Inside a state, `growing()` builds the transition to the state
//! `growing`; returning it ends the current state and the machine starts the next one in
//! the same loop, so a machine that goes round its states a million times runs in
//! constant memory. A transition that `transitions_to` does not declare is a compile
//! error at the call.
//!
//! Run a machine inline with [`run`] (or [`run_sync`] when every state is a plain `fn`),
//! or spawn it on tokio with [`spawn`] / [`spawn_on`] to get a [`Running`] handle that
//! reports the current state, streams [`Transition`]s, can be cancelled and is awaited for
//! the terminal state's result. A panic inside a state ends the machine with
//! [`MachineError::Panicked`], naming the state.
//!
//! ```
//! #[coact::machine]
//! mod door {
//!     #[state(transitions_to = open)]
//!     pub fn closed(pushes: u32) { open(pushes + 1) }
//!
//!     #[state(transitions_to = [closed, broken])]
//!     pub fn open(pushes: u32) {
//!         if pushes < 3 { closed(pushes) } else { broken(pushes) }
//!     }
//!
//!     #[state]
//!     pub fn broken(pushes: u32) -> u32 { pushes }
//! }
//!
//! use door::DoorState;
//! assert_eq!(coact::state::run_sync(&mut (), DoorState::Closed { pushes: 0 }), Ok(3));
//! ```
//!
//! A transition chosen at run time (read from a message, say) goes through [`enter`] or
//! [`enter_by_name`], which check it against the same declared table and return a
//! [`ValidationError`] for a transition that is not declared. The table itself is
//! [`Machine::GRAPH`], which prints as Mermaid or Graphviz DOT.

use std::fmt::{self, Write as _};
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::{FutureExt as _, Stream};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::handler::panic_message;

/// A state machine: the enum `#[machine]` generates, one variant per state.
///
/// Implemented by the macro; the hidden methods are its contract with the runtime and
/// are not meant to be implemented by hand.
pub trait Machine: Sized + Send + 'static {
    /// What the states run on: the type of the impl block for a machine of methods, `()`
    /// for a machine of free functions.
    type Object: Send;
    /// The result of the terminal states (`Infallible` for a machine that never ends).
    type Output;
    /// The declared states and transitions.
    const GRAPH: &'static Graph;

    /// The name of the state this value starts, as written in the source.
    fn name(&self) -> &'static str {
        Self::GRAPH.states[self.__index()].name
    }

    #[doc(hidden)]
    fn __index(&self) -> usize;

    /// The state at `index` when it takes no arguments.
    #[doc(hidden)]
    fn __without_arguments(index: usize) -> Option<Self>;

    /// Runs this state (and its `on_start` callback) to its end.
    #[doc(hidden)]
    fn __step(self, object: &mut Self::Object) -> impl Future<Output = Step<Self>> + Send + '_;
}

/// A machine whose states are all plain (non-`async`) functions: it can run without an
/// executor, through [`run_sync`].
pub trait SyncMachine: Machine {
    #[doc(hidden)]
    fn __step_sync(self, object: &mut Self::Object) -> Step<Self>;
}

/// What one state ended with.
#[doc(hidden)]
pub enum Step<M: Machine> {
    Next(M),
    Done(M::Output),
}

/// The value a non-terminal state returns: the next state, entered from the state `S`.
///
/// Written `_` in the source: `#[machine]` fills it in. Built by the state constructors
/// (`growing()`), which accept only the targets `S` declares, or by [`enter`] and
/// [`enter_by_name`], which check at run time.
pub struct Next<M, S> {
    state: M,
    source: PhantomData<fn() -> S>,
}

impl<M, S> Next<M, S> {
    #[doc(hidden)]
    pub fn __new(state: M) -> Self {
        Self {
            state,
            source: PhantomData,
        }
    }

    #[doc(hidden)]
    pub fn __into_state(self) -> M {
        self.state
    }
}

impl<M: Machine, S> fmt::Debug for Next<M, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Next").field(&self.state.name()).finish()
    }
}

/// Identifies a state at the type level; implemented by `#[machine]` for its markers.
#[doc(hidden)]
pub trait StateMarker {
    const INDEX: usize;
}

/// Enters `target` from the current state if the declared table allows it.
///
/// For a transition decided at run time. Call it inside a state and return the `Ok` value;
/// the source state is the one whose return type it becomes.
///
/// # Errors
///
/// [`ValidationError`] when the current state does not declare `target` in its
/// `transitions_to`.
///
/// ```
/// #[coact::machine]
/// mod light {
///     #[state(transitions_to = [green, red])]
///     pub fn amber(go: bool) {
///         let requested = if go { LightState::Green } else { LightState::Flashing };
///         // `amber` does not declare `flashing`: fall back to `red`.
///         coact::state::enter(requested).unwrap_or_else(|_forbidden| red())
///     }
///     #[state]
///     pub fn green() -> &'static str { "go" }
///     #[state]
///     pub fn red() -> &'static str { "stop" }
///     #[state]
///     pub fn flashing() -> &'static str { "careful" }
/// }
///
/// use light::LightState;
/// assert_eq!(coact::state::run_sync(&mut (), LightState::Amber { go: true }), Ok("go"));
/// assert_eq!(coact::state::run_sync(&mut (), LightState::Amber { go: false }), Ok("stop"));
/// ```
pub fn enter<M: Machine, S: StateMarker>(target: M) -> Result<Next<M, S>, ValidationError> {
    M::GRAPH.validate(S::INDEX, target.__index())?;
    Ok(Next::__new(target))
}

/// Enters the state called `name` from the current state, checked against the declared
/// table. The target must take no arguments (build one that does and use [`enter`]).
///
/// # Errors
///
/// [`TransitionError::UnknownState`] when the machine has no such state,
/// [`TransitionError::NeedsArguments`] when it takes arguments, and
/// [`TransitionError::Forbidden`] when the current state may not enter it.
pub fn enter_by_name<M: Machine, S: StateMarker>(
    name: &str,
) -> Result<Next<M, S>, TransitionError> {
    let index = M::GRAPH.index_of(name)?;
    M::GRAPH.validate(S::INDEX, index)?;
    let target = M::__without_arguments(index).ok_or(TransitionError::NeedsArguments {
        machine: M::GRAPH.machine,
        state: M::GRAPH.states[index].name,
    })?;
    Ok(Next::__new(target))
}

/// A transition that the current state does not declare in its `transitions_to`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "state `{from}` of machine `{machine}` cannot transition to `{to}`: {}",
    allowed_phrase(self.allowed)
)]
pub struct ValidationError {
    machine: &'static str,
    from: &'static str,
    to: &'static str,
    allowed: &'static [&'static str],
}

impl ValidationError {
    /// The machine's name.
    pub fn machine(&self) -> &'static str {
        self.machine
    }

    /// The state the transition was attempted from.
    pub fn from(&self) -> &'static str {
        self.from
    }

    /// The state it tried to enter.
    pub fn to(&self) -> &'static str {
        self.to
    }

    /// The states `from` may enter, in declaration order (empty for a terminal state).
    pub fn allowed(&self) -> &'static [&'static str] {
        self.allowed
    }
}

fn allowed_phrase(allowed: &[&str]) -> String {
    if allowed.is_empty() {
        return "it is a terminal state".to_owned();
    }
    format!("it may transition to {}", quoted_list(allowed))
}

fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// Why a transition requested by name could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The states exist but the source does not declare the target.
    #[error(transparent)]
    Forbidden(#[from] ValidationError),
    /// The machine has no state with that name; check the spelling against
    /// [`Graph::states`].
    #[error(
        "machine `{machine}` has no state named `{name}`; its states are {}",
        quoted_list(states)
    )]
    UnknownState {
        /// The machine's name.
        machine: &'static str,
        /// The name that was asked for.
        name: String,
        /// The machine's states.
        states: Vec<&'static str>,
    },
    /// The state takes arguments, which a name alone cannot supply: build it with its
    /// constructor and use [`enter`].
    #[error("state `{state}` of machine `{machine}` takes arguments, so it cannot be entered by name alone")]
    NeedsArguments {
        /// The machine's name.
        machine: &'static str,
        /// The state that takes arguments.
        state: &'static str,
    },
}

/// Why a machine ended without reaching a terminal state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// A state (or its `on_start` callback) panicked; the machine stopped there.
    #[error("state `{state}` of machine `{machine}` panicked: {message}")]
    Panicked {
        /// The machine's name.
        machine: &'static str,
        /// The state that was running.
        state: &'static str,
        /// The panic's message.
        message: String,
    },
    /// [`Running::cancel`] stopped the machine.
    #[error("machine `{machine}` was cancelled in state `{state}`")]
    Cancelled {
        /// The machine's name.
        machine: &'static str,
        /// The state it was in.
        state: &'static str,
    },
}

impl MachineError {
    /// The state the machine was in when it ended.
    pub fn state(&self) -> &'static str {
        match self {
            Self::Panicked { state, .. } | Self::Cancelled { state, .. } => state,
        }
    }
}

/// The declared states of a machine and their transitions, in declaration order.
#[derive(Debug)]
pub struct Graph {
    machine: &'static str,
    states: &'static [StateInfo],
}

/// One declared state.
#[derive(Debug)]
pub struct StateInfo {
    name: &'static str,
    transitions_to: &'static [&'static str],
    takes_arguments: bool,
}

impl StateInfo {
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        transitions_to: &'static [&'static str],
        takes_arguments: bool,
    ) -> Self {
        Self {
            name,
            transitions_to,
            takes_arguments,
        }
    }

    /// The state's name, as written in the source.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The states it may enter, as declared by `transitions_to`.
    pub fn transitions_to(&self) -> &'static [&'static str] {
        self.transitions_to
    }

    /// Whether it is terminal (declares no transitions).
    pub fn is_terminal(&self) -> bool {
        self.transitions_to.is_empty()
    }

    /// Whether it takes arguments (and so cannot be entered by name alone).
    pub fn takes_arguments(&self) -> bool {
        self.takes_arguments
    }
}

impl Graph {
    #[doc(hidden)]
    pub const fn __new(machine: &'static str, states: &'static [StateInfo]) -> Self {
        Self { machine, states }
    }

    /// The machine's name: the module's or the type's.
    pub fn machine(&self) -> &'static str {
        self.machine
    }

    /// The states, in declaration order.
    pub fn states(&self) -> &'static [StateInfo] {
        self.states
    }

    /// The state called `name`.
    pub fn state(&self, name: &str) -> Option<&'static StateInfo> {
        self.states.iter().find(|s| s.name == name)
    }

    /// Checks a transition between two states named at run time.
    ///
    /// # Errors
    ///
    /// [`TransitionError::UnknownState`] for a name that is not a state, and
    /// [`TransitionError::Forbidden`] when `from` does not declare `to`.
    pub fn check(&self, from: &str, to: &str) -> Result<(), TransitionError> {
        let from = self.index_of(from)?;
        let to = self.index_of(to)?;
        self.validate(from, to).map_err(TransitionError::from)
    }

    fn index_of(&self, name: &str) -> Result<usize, TransitionError> {
        self.states
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| TransitionError::UnknownState {
                machine: self.machine,
                name: name.to_owned(),
                states: self.states.iter().map(|s| s.name).collect(),
            })
    }

    fn validate(&self, from: usize, to: usize) -> Result<(), ValidationError> {
        let source = &self.states[from];
        let target = self.states[to].name;
        if source.transitions_to.contains(&target) {
            Ok(())
        } else {
            Err(ValidationError {
                machine: self.machine,
                from: source.name,
                to: target,
                allowed: source.transitions_to,
            })
        }
    }

    /// States that no other state enters: where a run is expected to begin.
    fn entry_points(&self) -> impl Iterator<Item = &'static StateInfo> + '_ {
        self.states.iter().filter(|state| {
            !self
                .states
                .iter()
                .any(|other| other.name != state.name && other.transitions_to.contains(&state.name))
        })
    }

    /// The graph as a Mermaid state diagram (`stateDiagram-v2`): states that no other
    /// state enters start from `[*]`, terminal states lead to `[*]`.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        for state in self.entry_points() {
            let _ = writeln!(out, "    [*] --> {}", state.name);
        }
        for state in self.states {
            for target in state.transitions_to {
                let _ = writeln!(out, "    {} --> {target}", state.name);
            }
            if state.is_terminal() {
                let _ = writeln!(out, "    {} --> [*]", state.name);
            }
        }
        out
    }

    /// The graph in Graphviz DOT: terminal states are drawn as double circles.
    pub fn dot(&self) -> String {
        let mut out = format!("digraph {} {{\n", self.machine);
        for state in self.states {
            for target in state.transitions_to {
                let _ = writeln!(out, "    {} -> {target};", state.name);
            }
        }
        for state in self.states.iter().filter(|s| s.is_terminal()) {
            let _ = writeln!(out, "    {} [shape = doublecircle];", state.name);
        }
        out.push_str("}\n");
        out
    }
}

/// Runs a machine to its end in the current task, starting with `initial`.
///
/// States run one after the other in one loop, with no allocation and no `.await` of its
/// own between them. As with any async code on tokio, states that await tokio resources
/// let other tasks run; a long run of states that never suspend does not (give such a
/// state a `tokio::task::consume_budget().await`, or run a CPU-bound machine with
/// [`run_sync`] on a blocking thread). Dropping the future stops the machine at its next
/// `.await`.
///
/// # Errors
///
/// [`MachineError::Panicked`] when a state panics.
pub async fn run<M: Machine>(
    object: &mut M::Object,
    initial: M,
) -> Result<M::Output, MachineError> {
    drive(object, initial, |_, _| true).await
}

/// Runs a machine whose states are all plain functions to its end, on this thread.
///
/// # Errors
///
/// [`MachineError::Panicked`] when a state panics.
pub fn run_sync<M: SyncMachine>(
    object: &mut M::Object,
    initial: M,
) -> Result<M::Output, MachineError> {
    let mut current = initial.__index();
    // One `catch_unwind` around the whole loop, not one per state: the loop stays as tight
    // as a hand-written `match`, and `current` still names the state that panicked.
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut state = initial;
        loop {
            match state.__step_sync(object) {
                Step::Next(next) => {
                    current = next.__index();
                    state = next;
                }
                Step::Done(output) => return output,
            }
        }
    }));
    result.map_err(|payload| panicked::<M>(current, payload))
}

fn panicked<M: Machine>(current: usize, payload: Box<dyn std::any::Any + Send>) -> MachineError {
    MachineError::Panicked {
        machine: M::GRAPH.machine,
        state: M::GRAPH.states[current].name,
        message: panic_message(payload),
    }
}

/// The loop shared by [`run`] and spawned machines: `entered(from, to)` sees each
/// transition and returns whether to go on (`false` ends the machine as cancelled).
///
/// The loop has one `.await` and does not spend tokio's coop budget itself: a second
/// await point, or a yield every 128 transitions, made each transition several times
/// slower (see BENCHMARKS.md). States that await tokio resources yield as usual.
async fn drive<M: Machine>(
    object: &mut M::Object,
    initial: M,
    mut entered: impl FnMut(usize, usize) -> bool + Send,
) -> Result<M::Output, MachineError> {
    let mut current = initial.__index();
    let machine = async {
        let mut state = initial;
        loop {
            match state.__step(object).await {
                Step::Next(next) => {
                    let to = next.__index();
                    let go_on = entered(current, to);
                    current = to;
                    if !go_on {
                        return None;
                    }
                    state = next;
                }
                Step::Done(output) => return Some(output),
            }
        }
    };
    let span = tracing::debug_span!("coact::state", machine = M::GRAPH.machine);
    match AssertUnwindSafe(machine.instrument(span))
        .catch_unwind()
        .await
    {
        Ok(Some(output)) => Ok(output),
        Ok(None) => Err(MachineError::Cancelled {
            machine: M::GRAPH.machine,
            state: M::GRAPH.states[current].name,
        }),
        Err(payload) => Err(panicked::<M>(current, payload)),
    }
}

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
    let shared = Arc::new(Shared {
        current: AtomicUsize::new(initial.__index()),
        cancelled: AtomicBool::new(false),
    });
    let (sender, first) = broadcast::channel(TRANSITION_BUFFER);
    let base = first.resubscribe();
    let observed = Arc::clone(&shared);
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
        let result = drive(&mut object, initial, entered).await;
        if let Err(error) = &result {
            tracing::error!(machine = graph.machine, %error, "state machine failed");
        }
        result.map(|output| finish(output, object))
    });
    Running {
        task,
        graph,
        shared,
        first: Some(first),
        base,
    }
}

/// What a spawned machine shares with its [`Running`] handle.
struct Shared {
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
    shared: Arc<Shared>,
    first: Option<broadcast::Receiver<Transition>>,
    base: broadcast::Receiver<Transition>,
}

impl<T> Running<T> {
    /// The name of the state running now (the last one, once the machine has ended).
    pub fn state(&self) -> &'static str {
        self.graph.states[self.shared.current.load(Ordering::Acquire)].name
    }

    /// The machine's declared graph.
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
        self.shared.cancelled.store(true, Ordering::Release);
        self.task.abort();
    }

    /// Whether the machine has ended.
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

/// The transitions a reader missed because it fell more than [`TRANSITION_BUFFER`]
/// transitions behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("missed {missed} transitions: the reader fell behind")]
pub struct Lagged {
    /// How many transitions were skipped.
    pub missed: u64,
}

/// A stream of a running machine's [`Transition`]s, from [`Running::transitions`].
pub struct Transitions {
    inner: Pin<Box<dyn Stream<Item = Result<Transition, Lagged>> + Send>>,
}

impl Transitions {
    fn new(receiver: broadcast::Receiver<Transition>) -> Self {
        let stream = futures::stream::unfold(receiver, |mut receiver| async move {
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

#[cfg(test)]
mod tests {
    use super::*;

    static LOOP: Graph = Graph::__new(
        "looping",
        &[
            StateInfo::__new("spin", &["spin", "stop"], true),
            StateInfo::__new("stop", &[], false),
            StateInfo::__new("orphan", &["stop"], false),
        ],
    );

    #[test]
    fn a_state_entered_only_by_itself_is_an_entry_point() {
        assert_eq!(
            LOOP.mermaid(),
            "stateDiagram-v2\n    [*] --> spin\n    [*] --> orphan\n    spin --> spin\n    \
             spin --> stop\n    stop --> [*]\n    orphan --> stop\n"
        );
        assert_eq!(
            LOOP.dot(),
            "digraph looping {\n    spin -> spin;\n    spin -> stop;\n    orphan -> stop;\n    \
             stop [shape = doublecircle];\n}\n"
        );
    }

    #[test]
    fn checks_by_name() {
        assert_eq!(LOOP.check("spin", "spin"), Ok(()));
        assert!(matches!(
            LOOP.check("stop", "spin"),
            Err(TransitionError::Forbidden(e)) if e.allowed().is_empty()
        ));
        assert!(matches!(
            LOOP.check("nowhere", "spin"),
            Err(TransitionError::UnknownState { name, .. }) if name == "nowhere"
        ));
    }
}
