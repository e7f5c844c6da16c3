//! [`SyncCall`]: the future a generated sync proxy method returns.
//!
//! One named future for every method of every handler, instead of an `async fn` per
//! proxy method: the compiler type-checks this state machine once, here, rather than a
//! fresh one for each method of each user's handler (a 100-method handler checked several
//! times faster for it; see BENCHMARKS.md, "Build cost").

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::sync::mpsc::error::{SendError, TrySendError};
use tokio::sync::mpsc::OwnedPermit;
use tokio::sync::oneshot;
use tokio::time::Sleep;

use super::generated::{PENDING, WITHDRAWN};
use super::mailbox::{Tx, SERVING};
use super::{CallError, Handle, Handler};

/// Waiting for room in a full bounded mailbox: the one case that allocates.
type Reserve<C> =
    Pin<Box<dyn Future<Output = Result<OwnedPermit<C>, SendError<()>>> + Send + 'static>>;

/// Where a call is on its way to the owner.
enum Stage<C> {
    /// Built, not queued yet: it is queued when the future is first polled.
    Unsent(C),
    /// The bounded mailbox was full: waiting for room, in line with other senders.
    Reserving(C, Reserve<C>),
    /// Queued: waiting for the owner's reply.
    Sent,
    /// The result was returned.
    Done,
}

pin_project! {
    /// A call made through a handle's sync proxy (`handle.sync().method(args)`): a future
    /// resolving to the method's value once the owner has run it, or to a [`CallError`].
    ///
    /// Like any future it does nothing until polled: the call is queued when it is first
    /// awaited. Dropping it before the owner starts the call withdraws the call, which
    /// then never runs.
    #[must_use = "a call is queued only when its future is awaited"]
    pub struct SyncCall<'a, H, T>
    where
        H: Handler,
    {
        handle: &'a Handle<H>,
        method: &'static str,
        stage: Stage<H::Call>,
        reply: oneshot::Receiver<Result<T, CallError>>,
        // With a timeout: the claim the owner and this caller race for, and the limit.
        claim: Option<Arc<AtomicU8>>,
        limit: Option<Duration>,
        #[pin]
        deadline: Option<Sleep>,
    }

    impl<H, T> PinnedDrop for SyncCall<'_, H, T>
    where
        H: Handler,
    {
        fn drop(this: Pin<&mut Self>) {
            // A caller that stops waiting withdraws its call, unless the owner has
            // started it. (Without a timeout, the dropped reply receiver says the same.)
            if let Some(claim) = this.project().claim.take() {
                let _ = withdraw(&claim);
            }
        }
    }
}

/// Withdraws a call unless the owner has already claimed it; `true` if it had started.
fn withdraw(claim: &AtomicU8) -> bool {
    claim
        .compare_exchange(PENDING, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
}

impl<'a, H: Handler, T> SyncCall<'a, H, T> {
    pub(super) fn new(
        handle: &'a Handle<H>,
        method: &'static str,
        call: H::Call,
        reply: oneshot::Receiver<Result<T, CallError>>,
        timeout: Option<(Duration, Arc<AtomicU8>)>,
    ) -> Self {
        let (limit, claim) =
            timeout.map_or((None, None), |(limit, claim)| (Some(limit), Some(claim)));
        Self {
            handle,
            method,
            stage: Stage::Unsent(call),
            reply,
            claim,
            limit,
            deadline: None,
        }
    }
}

impl<H: Handler, T> Future for SyncCall<'_, H, T> {
    type Output = Result<T, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let method = *this.method;
        if let Poll::Ready(result) = advance(this.handle, method, this.stage, this.reply, cx) {
            *this.stage = Stage::Done;
            // Settled either way: nothing left to withdraw.
            this.claim.take();
            return Poll::Ready(result);
        }
        let Some(limit) = *this.limit else {
            return Poll::Pending;
        };
        // The clock starts at the first poll, as it would for `tokio::time::timeout`
        // around the call.
        if this.deadline.is_none() {
            this.deadline.set(Some(tokio::time::sleep(limit)));
        }
        let expired = this
            .deadline
            .as_pin_mut()
            .is_some_and(|deadline| deadline.poll(cx).is_ready());
        if !expired {
            return Poll::Pending;
        }
        let started = this.claim.take().is_some_and(|claim| withdraw(&claim));
        *this.stage = Stage::Done;
        Poll::Ready(Err(CallError::TimedOut {
            method,
            after: limit,
            started,
        }))
    }
}

/// Moves a call along its stages as far as it can go now.
fn advance<H: Handler, T>(
    handle: &Handle<H>,
    method: &'static str,
    stage: &mut Stage<H::Call>,
    reply: &mut oneshot::Receiver<Result<T, CallError>>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, CallError>> {
    loop {
        match std::mem::replace(stage, Stage::Done) {
            Stage::Unsent(call) => {
                let id = handle.mailbox.id();
                if SERVING.try_with(|serving| *serving == id).unwrap_or(false) {
                    return Poll::Ready(Err(CallError::Reentrant { method }));
                }
                *stage = match &handle.tx {
                    Tx::Unbounded(tx) => match tx.send(call) {
                        Ok(()) => Stage::Sent,
                        Err(_) => return Poll::Ready(Err(CallError::Gone { method })),
                    },
                    Tx::Bounded(tx) => match tx.try_send(call) {
                        Ok(()) => Stage::Sent,
                        Err(TrySendError::Full(call)) => {
                            Stage::Reserving(call, Box::pin(tx.clone().reserve_owned()))
                        }
                        Err(TrySendError::Closed(_)) => {
                            return Poll::Ready(Err(CallError::Gone { method }))
                        }
                    },
                };
            }
            Stage::Reserving(call, mut reserve) => match reserve.as_mut().poll(cx) {
                Poll::Ready(Ok(permit)) => {
                    permit.send(call);
                    *stage = Stage::Sent;
                }
                Poll::Ready(Err(_)) => return Poll::Ready(Err(CallError::Gone { method })),
                Poll::Pending => {
                    *stage = Stage::Reserving(call, reserve);
                    return Poll::Pending;
                }
            },
            Stage::Sent => {
                *stage = Stage::Sent;
                return Pin::new(reply)
                    .poll(cx)
                    .map(|result| result.unwrap_or(Err(CallError::Gone { method })));
            }
            Stage::Done => panic!("`SyncCall` polled after it completed"),
        }
    }
}

impl<H: Handler, T> fmt::Debug for SyncCall<'_, H, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Unsent(_) => "unsent",
            Stage::Reserving(..) => "waiting for room",
            Stage::Sent => "queued",
            Stage::Done => "done",
        };
        f.debug_struct("SyncCall")
            .field("method", &self.method)
            .field("stage", &stage)
            .field("timeout", &self.limit)
            .finish_non_exhaustive()
    }
}
