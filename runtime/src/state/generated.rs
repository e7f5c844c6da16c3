//! Items only `#[machine]`'s output names, reached through `coact::__private`: what a
//! state ended with ([`Step`]), the type-level marker of a state ([`StateMarker`]), and
//! the constructors of the declared graph and of a [`Next`] state.
//!
//! The constructors are inherent (`Graph::__new` builds the machine's `GRAPH` constant,
//! where only an inherent `const fn` can run), so they are hidden from the docs rather
//! than unreachable.

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

impl StateInfo {
    #[doc(hidden)]
    #[must_use]
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
}

impl Graph {
    #[doc(hidden)]
    #[must_use]
    pub const fn __new(machine: &'static str, states: &'static [StateInfo]) -> Self {
        Self { machine, states }
    }
}
