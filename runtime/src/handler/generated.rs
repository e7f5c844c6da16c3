//! Items only `#[deferred_handler]`'s output names, reached through `coact::__private`:
//! the proxies behind the generated `<Type>Sync` / `<Type>Oneway` types, the reply
//! protocol between a caller and the owner, the panic guards around a method, and the
//! reporting of what a oneway call returned.
//!
//! The reply protocol: a sync call carries a oneshot sender for its result and, when it
//! has a timeout, the claim the owner and the caller race for (`handoff.rs`), so a call
//! that timed out before it started never runs, and the caller can tell whether it had
//! started.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::mpsc;

use super::handoff::Claim;
use super::mailbox::{Queued, Tx};
use super::{CallError, Handle, Handler, SyncCall};
use crate::panic::panic_message;
use crate::sync::oneshot;

/// The engine behind a generated `<Type>Sync` proxy.
#[doc(hidden)]
pub struct SyncProxy<'a, H: Handler> {
    pub(super) handle: &'a Handle<H>,
    pub(super) timeout: Option<Duration>,
}

impl<H: Handler> Clone for SyncProxy<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Handler> Copy for SyncProxy<'_, H> {}

impl<'a, H: Handler> SyncProxy<'a, H> {
    #[must_use]
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Builds the call `make` makes; the returned future queues it when first polled and
    /// waits for its result.
    pub fn call<T>(
        self,
        method: &'static str,
        make: impl FnOnce(Reply<T>) -> H::Call,
    ) -> SyncCall<'a, H, T> {
        // Two paths, so that the untimed one (the common case) carries no claim at all.
        let Some(limit) = self.timeout else {
            let (reply, rx, _) = Reply::sync(false);
            return SyncCall::new(self.handle, method, make(reply), rx, None);
        };
        let (reply, rx, claim) = Reply::sync(true);
        let timer = claim.map(|claim| (limit, claim));
        SyncCall::new(self.handle, method, make(reply), rx, timer)
    }
}

/// The engine behind a generated `<Type>Oneway` proxy.
#[doc(hidden)]
pub struct OnewayProxy<'a, H: Handler> {
    pub(super) handle: &'a Handle<H>,
}

impl<H: Handler> Clone for OnewayProxy<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Handler> Copy for OnewayProxy<'_, H> {}

impl<H: Handler> OnewayProxy<'_, H> {
    /// Queues `call` without waiting for it.
    ///
    /// # Errors
    ///
    /// [`CallError::MailboxFull`] and [`CallError::Gone`]: the call was not queued.
    pub fn send(self, method: &'static str, call: H::Call) -> Result<(), CallError> {
        // Nobody waits on a oneway call, so it carries no chain of waiting owners.
        let call = Queued {
            call,
            waiting: None,
        };
        match &self.handle.tx {
            Tx::Bounded(tx) => tx.try_send(call).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => CallError::MailboxFull { method },
                mpsc::error::TrySendError::Closed(_) => CallError::Gone { method },
            }),
            Tx::Unbounded(tx) => tx.send(call).map_err(|_| CallError::Gone { method }),
        }
    }
}

/// Where the result of a queued call goes.
#[doc(hidden)]
pub struct Reply<T>(ReplyKind<T>);

enum ReplyKind<T> {
    Oneway,
    Sync {
        tx: oneshot::Sender<Result<T, CallError>>,
        /// Present for calls with a timeout: the caller and the owner race to claim it.
        state: Option<Claim>,
    },
}

impl<T> Reply<T> {
    #[must_use]
    pub fn oneway() -> Self {
        Self(ReplyKind::Oneway)
    }

    /// A sync call's reply, the receiver its caller waits on and, for a call with a
    /// timeout, the caller's side of the claim. Inlined: called once per sync call, it
    /// costs a few dozen instructions as a call (callgrind, BENCHMARKS.md).
    #[inline]
    pub(super) fn sync(
        timed: bool,
    ) -> (Self, oneshot::Receiver<Result<T, CallError>>, Option<Claim>) {
        let (tx, rx) = oneshot::channel();
        let claim = timed.then(Claim::new);
        let state = claim.clone();
        (Self(ReplyKind::Sync { tx, state }), rx, claim)
    }

    /// Claims the call for running; `None` when the caller withdrew it (timed out, or
    /// dropped its future) before the owner reached it.
    #[must_use]
    pub fn start(self) -> Option<Started<T>> {
        match self.0 {
            ReplyKind::Oneway => Some(Started(None)),
            ReplyKind::Sync { tx, state } => {
                let claimed = match state {
                    Some(claim) => claim.start(),
                    // Untimed: the caller withdraws by dropping its receiver.
                    None => !tx.is_closed(),
                };
                if claimed {
                    Some(Started(Some(tx)))
                } else {
                    tracing::debug!("call withdrawn by its caller before it started");
                    None
                }
            }
        }
    }
}

/// A call the owner has claimed and is running.
#[doc(hidden)]
pub struct Started<T>(Option<oneshot::Sender<Result<T, CallError>>>);

impl<T> Started<T> {
    /// Hands the outcome to a sync caller, or logs a oneway call's panic. Returns the
    /// value of a successful oneway call, so generated code can report a returned `Err`.
    pub fn finish(self, method: &'static str, outcome: Result<T, String>) -> Option<T> {
        match (self.0, outcome) {
            (Some(tx), outcome) => {
                let outcome = outcome.map_err(|message| CallError::Panicked { method, message });
                // The caller may have stopped waiting (timeout after start): nothing to do.
                let _ = tx.send(outcome);
                None
            }
            (None, Ok(value)) => Some(value),
            (None, Err(message)) => {
                tracing::error!(method, panic = %message, "oneway call panicked");
                None
            }
        }
    }
}

/// Runs a sync method, turning a panic into its message.
#[doc(hidden)]
pub fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(panic_message)
}

/// Awaits an async method, turning a panic into its message.
#[doc(hidden)]
pub async fn guard_async<T>(fut: impl Future<Output = T>) -> Result<T, String> {
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .map_err(panic_message)
}

/// Reports the value a oneway call returned: an `Err` is logged, anything else is not.
///
/// Picked by autoref specialisation in generated code, where the type is concrete:
/// `(&&&Outcome(&value)).coact_report(method)` prefers the `Display` form, then `Debug`,
/// then the silent fallback.
#[doc(hidden)]
pub struct Outcome<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait ReportDisplay {
    fn coact_report(&self, method: &'static str);
}
impl<T, E: fmt::Display> ReportDisplay for &&Outcome<'_, Result<T, E>> {
    fn coact_report(&self, method: &'static str) {
        if let Err(error) = self.0 {
            tracing::error!(method, %error, "oneway call returned an error");
        }
    }
}

#[doc(hidden)]
pub trait ReportDebug {
    fn coact_report(&self, method: &'static str);
}
impl<T, E: fmt::Debug> ReportDebug for &Outcome<'_, Result<T, E>> {
    fn coact_report(&self, method: &'static str) {
        if let Err(error) = self.0 {
            tracing::error!(method, ?error, "oneway call returned an error");
        }
    }
}

#[doc(hidden)]
pub trait ReportOther {
    fn coact_report(&self, method: &'static str);
}
impl<T> ReportOther for Outcome<'_, T> {
    fn coact_report(&self, _method: &'static str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_extracted() {
        assert_eq!(guard(|| panic!("boom {}", 1)).unwrap_err(), "boom 1");
        assert_eq!(
            guard(|| std::panic::panic_any("static")).unwrap_err(),
            "static"
        );
        assert_eq!(
            guard(|| std::panic::panic_any(7_u8)).unwrap_err(),
            "<non-string panic payload>"
        );
        assert_eq!(guard(|| 3), Ok(3));
    }
}
