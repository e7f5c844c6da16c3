//! Items only `#[machine]`'s output names, reached through `coact::__private`: what a
//! state ended with ([`Step`]), the type-level marker of a state ([`StateMarker`]), and
//! the constructors of the declared graph and of a [`Next`] state. The constructors are
//! free functions (`const` where a machine's `GRAPH` constant calls them), so no public
//! type carries a hidden method that users could call.

use std::marker::PhantomData;

use super::{Graph, Machine, Next, StateInfo};

/// What one state ended with.
#[doc(hidden)]
pub enum Step<M: Machine> {
    Next(M),
    Done(M::Output),
}

/// Identifies a state at the type level; implemented by `#[machine]` for its markers.
#[doc(hidden)]
pub trait StateMarker {
    const INDEX: usize;
}

/// The transition into `state`, as a state's constructor builds it.
#[doc(hidden)]
pub fn next_state<M, S>(state: M) -> Next<M, S> {
    Next {
        state,
        source: PhantomData,
    }
}

/// The state a transition enters, for the machine's loop.
#[doc(hidden)]
pub fn state_of<M, S>(next: Next<M, S>) -> M {
    next.state
}

/// One state of the declared graph.
#[doc(hidden)]
#[must_use]
pub const fn state_info(
    name: &'static str,
    transitions_to: &'static [&'static str],
    takes_arguments: bool,
) -> StateInfo {
    StateInfo {
        name,
        transitions_to,
        takes_arguments,
    }
}

/// The declared graph, for a machine's `GRAPH` constant.
#[doc(hidden)]
#[must_use]
pub const fn graph(machine: &'static str, states: &'static [StateInfo]) -> Graph {
    Graph { machine, states }
}
