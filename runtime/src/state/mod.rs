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

// Where things are: `machine.rs` is the contract with the generated enum (`Machine`,
// `Next`, run-time transitions), `graph.rs` the declared table, `run.rs` the loop that runs
// states inline, `running.rs` spawned machines, `error.rs` the errors, and `generated.rs`
// the items only `#[machine]`'s output names.

mod error;
pub(crate) mod generated;
mod graph;
mod machine;
mod run;
mod running;

pub use self::error::{Lagged, MachineError, TransitionError, ValidationError};
pub use self::graph::{Graph, StateInfo};
pub use self::machine::{enter, enter_by_name, Machine, Next, SyncMachine};
pub use self::run::{run, run_sync};
pub use self::running::{
    spawn, spawn_observed, spawn_on, spawn_on_observed, Running, Transition, Transitions,
    TRANSITION_BUFFER,
};
