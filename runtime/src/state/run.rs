//! Running a machine inline: [`run`] and [`run_sync`], and the loop they share with
//! spawned machines.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use tracing::Instrument as _;

use super::generated::{Step, Track};
use super::{Machine, MachineError, SyncMachine};
use crate::panic::panic_message;

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
    let mut current = initial.__index();
    let result = run_loop(object, initial, &mut current).await;
    outcome::<M>(result, current)
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

fn panicked<M: Machine>(current: usize, payload: Box<dyn Any + Send>) -> MachineError {
    MachineError::Panicked {
        machine: M::GRAPH.machine,
        state: M::GRAPH.states[current].name,
        message: panic_message(payload),
    }
}

/// What [`run_loop`] ended with: the terminal state's result, `None` when the track
/// refused a transition (the machine was cancelled), or a state's panic.
pub(super) type Ended<O> = Result<Option<O>, Box<dyn Any + Send>>;

/// Runs the machine's loop (its [`Machine::__run`]) for [`run`] and spawned machines,
/// with `track` seeing each transition; [`outcome`] then names the state it ended in.
///
/// The loop awaits its states and nothing else: it does not spend tokio's coop budget
/// itself (an await point of its own, or a yield every 128 transitions, made each
/// transition several times slower, see BENCHMARKS.md). States that await tokio
/// resources yield as usual.
pub(super) async fn run_loop<M: Machine>(
    object: &mut M::Object,
    initial: M,
    track: impl Track,
) -> Ended<M::Output> {
    let machine = initial.__run(object, track);
    let span = tracing::debug_span!("coact::state", machine = M::GRAPH.machine);
    crate::panic::catch_unwind(machine.instrument(span)).await
}

/// The machine's result from what its loop ended with, in state `current`.
pub(super) fn outcome<M: Machine>(
    ended: Ended<M::Output>,
    current: usize,
) -> Result<M::Output, MachineError> {
    match ended {
        Ok(Some(output)) => Ok(output),
        Ok(None) => Err(MachineError::Cancelled {
            machine: M::GRAPH.machine,
            state: M::GRAPH.states[current].name,
        }),
        Err(payload) => Err(panicked::<M>(current, payload)),
    }
}
