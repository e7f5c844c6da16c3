//! Why a cooperative run has no values.

/// Why a cooperative run has no values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CooperativeError {
    /// The generator panicked; the values it yielded before are lost with it. Fix the
    /// generator, or catch the failure inside it and yield `None`.
    #[error("the generator panicked: {message}")]
    Panicked {
        /// The panic's message.
        message: String,
    },
    /// The [`Cooperator`](super::Cooperator) running the generator was stopped (or dropped)
    /// before the generator ended; start a new one to run it again.
    #[error("the cooperator was stopped before the generator ended")]
    Stopped,
}
