//! Why a call through a [`Handle`](super::Handle) failed.

use std::time::Duration;

/// Why a call through a handle failed.
///
/// Every variant names the handler method the call was for ([`CallError::method`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// A `sync().timeout(d)` call got no result within `after`.
    ///
    /// When `started` is `false` the call was withdrawn before the owner reached it and
    /// will never run. When `true` the owner had already started it: it runs to the end,
    /// but its result is discarded.
    #[error("call to `{method}` timed out after {after:?} {}", timed_out_note(*started))]
    TimedOut {
        /// The handler method.
        method: &'static str,
        /// The bound given to `sync().timeout(..)`.
        after: Duration,
        /// Whether the owner had started running the call when the time ran out.
        started: bool,
    },
    /// The owner is gone: the [`Deferred`](super::Deferred) was dropped (or converted back
    /// with [`Deferred::into_inner`](super::Deferred::into_inner)) before the call ran, or
    /// the owner dropped a `process` future in the middle of this call.
    #[error("call to `{method}` failed: the handler's owner is gone")]
    Gone {
        /// The handler method.
        method: &'static str,
    },
    /// A oneway call found the bounded mailbox full and was not queued. Retry later, or
    /// use a sync call, which waits for room.
    #[error("call to `{method}` was not queued: the mailbox is full")]
    MailboxFull {
        /// The handler method.
        method: &'static str,
    },
    /// The method panicked while running. Only this call failed: the handler keeps serving.
    #[error("`{method}` panicked: {message}")]
    Panicked {
        /// The handler method.
        method: &'static str,
        /// The panic's message (`"<non-string panic payload>"` when it was not a string).
        message: String,
    },
    /// A sync call to a handler from inside one of that same handler's methods. It could
    /// never complete (the owner is busy running the caller), so it is refused at once.
    /// Call the method directly on `self`, or use a oneway call.
    ///
    /// Detection covers calls made by the running method itself (in its own task). A cycle
    /// through other tasks or handlers (A waits on B, which waits on A), or an owner
    /// awaiting a sync call to its own handler outside `process`, still deadlocks: bound
    /// such calls with `sync().timeout(d)`.
    #[error("re-entrant sync call to `{method}` from inside its own handler would deadlock")]
    Reentrant {
        /// The handler method.
        method: &'static str,
    },
}

fn timed_out_note(started: bool) -> &'static str {
    if started {
        "while running; it will finish but its result is discarded"
    } else {
        "before it started; it was withdrawn and will not run"
    }
}

impl CallError {
    /// The handler method the failed call was for.
    #[must_use]
    pub fn method(&self) -> &'static str {
        match self {
            Self::TimedOut { method, .. }
            | Self::Gone { method }
            | Self::MailboxFull { method }
            | Self::Panicked { method, .. }
            | Self::Reentrant { method } => method,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_say_what_happened() {
        let e = CallError::TimedOut {
            method: "slow",
            after: Duration::from_secs(1),
            started: false,
        };
        assert_eq!(
            e.to_string(),
            "call to `slow` timed out after 1s before it started; it was withdrawn and will not run"
        );
        assert_eq!(e.method(), "slow");
    }
}
