//! The contract between a machine `#[machine]` generates and the runtime ([`Machine`],
//! [`SyncMachine`]), the [`Next`] state a state returns, and transitions decided at run
//! time ([`enter`], [`enter_by_name`]).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use super::generated::{StateMarker, Step, Track};
use super::{Graph, TransitionError, ValidationError};

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

    /// Runs the machine from this state to its end: the loop of states, each after its
    /// `on_start` callback, written by the macro into one future with every state's, so
    /// that the compiler sees the whole loop as it sees a hand-written one. `None` when
    /// `track` refused a transition (the machine was cancelled).
    #[doc(hidden)]
    fn __run<T: Track>(
        self,
        object: &mut Self::Object,
        track: T,
    ) -> impl Future<Output = Option<Self::Output>> + Send;
}

/// A machine whose states are all plain (non-`async`) functions: it can run without an
/// executor, through [`run_sync`](super::run_sync).
pub trait SyncMachine: Machine {
    #[doc(hidden)]
    fn __step_sync(self, object: &mut Self::Object) -> Step<Self>;
}

/// The value a non-terminal state returns: the next state, entered from the state `S`.
///
/// Written `_` in the source: `#[machine]` fills it in. Built by the state constructors
/// (`growing()`), which accept only the targets `S` declares, or by [`enter`] and
/// [`enter_by_name`], which check at run time.
pub struct Next<M, S> {
    pub(super) state: M,
    pub(super) source: PhantomData<fn() -> S>,
}

impl<M: Machine, S> fmt::Debug for Next<M, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Next").field(&self.state.name()).finish()
    }
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
    Ok(super::generated::next_state(target))
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
    Ok(super::generated::next_state(target))
}
