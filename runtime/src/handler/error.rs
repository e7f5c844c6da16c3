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
    /// Detection covers calls made by the running method itself (in its own task); see
    /// [`CallError::Cycle`] for what it does not see.
    #[error("re-entrant sync call to `{method}` from inside its own handler would deadlock")]
    Reentrant {
        /// The handler method.
        method: &'static str,
    },
    /// A sync call from inside a handler method that would close a cycle of owners waiting
    /// on each other: A's method waits on a call to B, whose method calls A (or through
    /// more handlers, A → B → C → A). A's owner is busy until B answers, so the call could
    /// never complete; it is refused at once instead. Break the cycle with a oneway call.
    ///
    /// Detection follows sync calls made by running handler methods in their own task. A
    /// wait it cannot see still deadlocks: a method that hands the call to another task
    /// (`tokio::spawn`) and awaits that task, or an owner awaiting a sync call to its own
    /// handler outside `process`. Bound such calls with `sync().timeout(d)`. The other way
    /// round, the chain is taken when a call starts: if its caller stops waiting while it
    /// runs (a timeout that expired after the start), a call back to that caller is still
    /// refused.
    ///
    /// ```
    /// use coact::{deferred_handler, CallError, Deferred, Handle};
    ///
    /// struct Ping { pong: Handle<Pong> }
    /// struct Pong { ping: Option<Handle<Ping>> }
    ///
    /// #[deferred_handler]
    /// impl Ping {
    ///     async fn serve(&mut self) -> Result<(), CallError> { self.pong.sync().back().await? }
    ///     fn hit(&mut self) {}
    /// }
    ///
    /// #[deferred_handler]
    /// impl Pong {
    ///     async fn back(&mut self) -> Result<(), CallError> {
    ///         // Ping's owner is waiting for this call to finish: it cannot run `hit`.
    ///         self.ping.as_ref().unwrap().sync().hit().await
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut pong = Deferred::new(Pong { ping: None });
    /// let mut ping = Deferred::new(Ping { pong: pong.handle() });
    /// pong.ping = Some(ping.handle());
    /// tokio::spawn(async move { pong.process_forever().await });
    ///
    /// let caller = ping.handle();
    /// let call = tokio::spawn(async move { caller.sync().serve().await });
    /// tokio::task::yield_now().await; // let the caller queue its call
    /// ping.process().await;
    /// let Ok(Err(CallError::Cycle { method, handlers })) = call.await.unwrap() else {
    ///     panic!("the cycle was not refused");
    /// };
    /// assert_eq!(method, "hit");
    /// assert!(handlers[0].ends_with("Ping") && handlers[1].ends_with("Pong"));
    /// # }
    /// ```
    #[error(
        "sync call to `{method}` would close a cycle of handlers waiting on each other ({}) \
         and deadlock",
        handlers.join(" → ")
    )]
    Cycle {
        /// The handler method.
        method: &'static str,
        /// The handlers' type names in call order, from the one the refused call was for
        /// back to it: `[A, B, A]` for A → B → A.
        handlers: Vec<&'static str>,
    },
    /// No owner serves the name this remote handle calls (NATS reported no responders).
    /// Reported at once, not after the timeout.
    #[cfg(feature = "nats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "nats")))]
    #[error("call to `{method}` failed: no owner is serving `{name}`")]
    NoResponders {
        /// The handler method.
        method: &'static str,
        /// The name the handle calls.
        name: String,
    },
    /// The call or its reply could not travel over NATS (connection lost, server error).
    /// The call may or may not have run.
    #[cfg(feature = "nats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "nats")))]
    #[error("call to `{method}` failed in transport: {message}")]
    Transport {
        /// The handler method.
        method: &'static str,
        /// What the NATS client reported.
        message: String,
    },
    /// The owner serves another version of the handler
    /// (`#[deferred_handler(remote, version = N)]`): the call was refused and did not run.
    #[cfg(feature = "nats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "nats")))]
    #[error(
        "call to `{method}` was refused: the caller has version {caller} of the handler, \
         the owner version {owner}"
    )]
    VersionMismatch {
        /// The handler method.
        method: &'static str,
        /// The caller's version.
        caller: u32,
        /// The owner's version.
        owner: u32,
    },
    /// The call or its reply could not be decoded: the two sides' types differ (builds
    /// out of step without a version change), the owner has no such method, or the
    /// payload was malformed or over the owner's size limit. A call the owner could not
    /// decode did not run.
    #[cfg(feature = "nats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "nats")))]
    #[error("call to `{method}` could not be decoded: {reason}")]
    Undecodable {
        /// The handler method.
        method: &'static str,
        /// What did not decode, and why.
        reason: String,
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
            | Self::Reentrant { method }
            | Self::Cycle { method, .. } => method,
            #[cfg(feature = "nats")]
            Self::NoResponders { method, .. }
            | Self::Transport { method, .. }
            | Self::VersionMismatch { method, .. }
            | Self::Undecodable { method, .. } => method,
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
        let e = CallError::Cycle {
            method: "hit",
            handlers: vec!["a::A", "b::B", "a::A"],
        };
        assert_eq!(
            e.to_string(),
            "sync call to `hit` would close a cycle of handlers waiting on each other \
             (a::A → b::B → a::A) and deadlock"
        );
        assert_eq!(e.method(), "hit");
    }
}
