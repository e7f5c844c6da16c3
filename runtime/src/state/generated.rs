//! Items only `#[machine]`'s output names, reached through `coact::__private`: what a
//! state ended with ([`Step`]), the type-level marker of a state ([`StateMarker`]), the
//! constructors of the declared graph and of a [`Next`] state, the calls of `on_start`
//! callbacks (whose bounds word a wrong signature), and the autoref probe that lets the
//! state enum's `Debug` show the arguments that are `Debug`. The constructors are free
//! functions (`const` where a machine's `GRAPH` constant calls them), so no public type
//! carries a hidden method that users could call.

use std::fmt;
use std::marker::PhantomData;

use super::{Graph, Machine, Next, StateInfo};

/// What one state ended with.
#[doc(hidden)]
pub enum Step<M: Machine> {
    Next(M),
    Done(M::Output),
}

/// Where a machine's loop keeps the state it is in, seeing each transition: a plain index
/// for [`run`](super::run), the progress a spawned machine shares with its
/// [`Running`](super::Running) handle. The loop, which `#[machine]` writes into
/// [`Machine::__run`], holds it by value and keeps no copy of the state of its own, so a
/// spawned machine stores its state once per transition, one pointer away.
#[doc(hidden)]
pub trait Track: Send {
    /// The machine has entered state `to`; returns whether to go on (`false` ends the
    /// machine as cancelled).
    fn enter(&mut self, to: usize) -> bool;
}

impl Track for &mut usize {
    #[inline]
    fn enter(&mut self, to: usize) -> bool {
        **self = to;
        true
    }
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

/// Calls the `on_start` callback of a machine of free functions with the state it starts.
///
/// Generated code passes the callback here rather than calling it, so that a callback of
/// the wrong signature is reported, at the callback, as the signature it should have.
#[doc(hidden)]
pub fn on_start<M, K, F: OnStart<M, K>>(callback: F, state: &M) {
    callback.call(state);
}

/// Calls the `on_start` callback of a machine of methods with the object and the state
/// it starts; the callback may take the object by `&mut` or by `&`.
#[doc(hidden)]
pub fn on_start_method<O, M, K, F: OnStartMethod<O, M, K>>(callback: F, object: &mut O, state: &M) {
    callback.call(object, state);
}

/// A function that can be the `on_start` callback of a machine of free functions.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an `on_start` callback is called with the state it starts: expected a function \
               `fn(&{M})`",
    label = "expected `fn(&{M})`, found `{Self}`",
    note = "the state's arguments are the fields of its variant: `if let {M}::<Variant> {{ arg, .. }} = state`"
)]
///
/// `K` is `Exclusive` for every callback: the second impl, which no function satisfies,
/// makes rustc weigh two candidates, so that a callback of the wrong arity is reported
/// with this trait's message rather than as a bare argument count.
pub trait OnStart<M, K> {
    fn call(self, state: &M);
}

#[diagnostic::do_not_recommend]
impl<M, F: FnOnce(&M)> OnStart<M, Exclusive> for F {
    fn call(self, state: &M) {
        self(state);
    }
}

#[diagnostic::do_not_recommend]
impl<M, F: FnOnce(&M) + sealed::Never> OnStart<M, Shared> for F {
    fn call(self, state: &M) {
        self(state);
    }
}

mod sealed {
    /// Implemented by nothing.
    pub trait Never {}
}

/// A function that can be the `on_start` callback of a machine of methods; `K` tells
/// whether it takes the object by `&mut` or by `&`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an `on_start` callback of a machine of methods is called with the object and \
               the state it starts: expected a function `fn(&mut {O}, &{M})`",
    label = "expected `fn(&mut {O}, &{M})` (or `fn(&{O}, &{M})`), found `{Self}`",
    note = "the state's arguments are the fields of its variant: `if let {M}::<Variant> {{ arg, .. }} = state`"
)]
pub trait OnStartMethod<O, M, K> {
    fn call(self, object: &mut O, state: &M);
}

/// The object by `&mut`.
#[doc(hidden)]
pub enum Exclusive {}

/// The object by `&`.
#[doc(hidden)]
pub enum Shared {}

#[diagnostic::do_not_recommend]
impl<O, M, F: FnOnce(&mut O, &M)> OnStartMethod<O, M, Exclusive> for F {
    fn call(self, object: &mut O, state: &M) {
        self(object, state);
    }
}

#[diagnostic::do_not_recommend]
impl<O, M, F: FnOnce(&O, &M)> OnStartMethod<O, M, Shared> for F {
    fn call(self, object: &mut O, state: &M) {
        self(object, state);
    }
}

/// An argument of a state, for the state enum's `Debug`: shown with its own `Debug`, or as
/// `_` when its type has none. Picked by autoref specialisation in generated code, where
/// the type is concrete: `(&&DebugArg(&value)).coact_debug_arg()` prefers
/// [`DebugArgShown`], then falls back to [`DebugArgOpaque`].
#[doc(hidden)]
pub struct DebugArg<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait DebugArgShown {
    fn coact_debug_arg(&self) -> &dyn fmt::Debug;
}
impl<T: fmt::Debug> DebugArgShown for &DebugArg<'_, T> {
    fn coact_debug_arg(&self) -> &dyn fmt::Debug {
        self.0
    }
}

#[doc(hidden)]
pub trait DebugArgOpaque {
    fn coact_debug_arg(&self) -> &dyn fmt::Debug;
}
impl<T> DebugArgOpaque for DebugArg<'_, T> {
    fn coact_debug_arg(&self) -> &dyn fmt::Debug {
        &Opaque
    }
}

/// Stands for an argument whose type is not `Debug`.
struct Opaque;

impl fmt::Debug for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("_")
    }
}
