//! Why a transition could not be made, and why a machine ended without reaching a
//! terminal state.

/// A transition that the current state does not declare in its `transitions_to`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "state `{from}` of machine `{machine}` cannot transition to `{to}`: {}",
    allowed_phrase(self.allowed)
)]
pub struct ValidationError {
    pub(super) machine: &'static str,
    pub(super) from: &'static str,
    pub(super) to: &'static str,
    pub(super) allowed: &'static [&'static str],
}

impl ValidationError {
    /// The machine's name.
    #[must_use]
    pub fn machine(&self) -> &'static str {
        self.machine
    }

    /// The state the transition was attempted from.
    #[must_use]
    pub fn from(&self) -> &'static str {
        self.from
    }

    /// The state it tried to enter.
    #[must_use]
    pub fn to(&self) -> &'static str {
        self.to
    }

    /// The states `from` may enter, in declaration order (empty for a terminal state).
    #[must_use]
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
    /// [`Graph::states`](super::Graph::states).
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
    /// constructor and use [`enter`](super::enter).
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
    /// [`Running::cancel`](super::Running::cancel) stopped the machine.
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
    #[must_use]
    pub fn state(&self) -> &'static str {
        match self {
            Self::Panicked { state, .. } | Self::Cancelled { state, .. } => state,
        }
    }
}

/// The transitions a reader missed because it fell more than
/// [`TRANSITION_BUFFER`](super::TRANSITION_BUFFER) transitions behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("missed {missed} transitions: the reader fell behind")]
pub struct Lagged {
    /// How many transitions were skipped.
    pub missed: u64,
}
