//! Running a machine inline: [`run`] and [`run_sync`], and the loop they share with
//! spawned machines.

use std::panic::AssertUnwindSafe;

use tracing::Instrument as _;

use super::generated::Step;
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
    run_loop(object, initial, |_, _| true).await
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
pub(super) async fn run_loop<M: Machine>(
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
    match crate::panic::catch_unwind(machine.instrument(span)).await {
        Ok(Some(output)) => Ok(output),
        Ok(None) => Err(MachineError::Cancelled {
            machine: M::GRAPH.machine,
            state: M::GRAPH.states[current].name,
        }),
        Err(payload) => Err(panicked::<M>(current, payload)),
    }
}
