//! [`SyncCall`]: the future a generated sync proxy method returns.
//!
//! One named future for every method of every handler, instead of an `async fn` per
//! proxy method: the compiler type-checks this state machine once, here, rather than a
//! fresh one for each method of each user's handler (a 100-method handler checked several
//! times faster for it; see BENCHMARKS.md, "Build cost").

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Sleep;

use super::handoff::Claim;
use super::mailbox::{Caller, Queued, SERVING};
use super::queue::Refused;
use super::reply_slot::ReplyReceiver;
use super::{CallError, Handle, Handler};

/// Waiting for room in a full bounded mailbox: the one case that allocates (boxed, so
/// that the common case carries no room for it).
type Reserve<C> = super::queue::Reserve<Queued<C>>;

/// Where a call is on its way to the owner.
enum Stage<C> {
    /// Built, not queued yet: it is queued when the future is first polled.
    Unsent(C),
    /// The bounded mailbox was full: waiting for room, in line with other senders.
    Reserving(Box<(Queued<C>, Reserve<C>)>),
    /// Queued: waiting for the owner's reply.
    Sent,
    /// The result was returned.
    Done,
}

/// A call made through a handle's sync proxy (`handle.sync().method(args)`): a future
/// resolving to the method's value once the owner has run it, or to a [`CallError`].
///
/// Like any future it does nothing until polled: the call is queued when it is first
/// awaited. Dropping it before the owner starts the call withdraws the call, which then
/// never runs.
#[must_use = "a call is queued only when its future is awaited"]
pub struct SyncCall<'a, H: Handler, T> {
    inner: Inner<'a, H, T>,
}

enum Inner<'a, H: Handler, T> {
    /// To an owner in this process, through its mailbox.
    Local(Local<'a, H, T>),
    /// Over NATS: the request, then the decoding of the reply.
    #[cfg(feature = "nats")]
    Remote {
        method: &'static str,
        future: Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>,
    },
    /// Failed before it was sent (taken when polled).
    #[cfg(feature = "nats")]
    Failed(Option<CallError>),
}

/// A call to an owner in this process.
struct Local<'a, H: Handler, T> {
    handle: &'a Handle<H>,
    method: &'static str,
    stage: Stage<H::Call>,
    reply: ReplyReceiver<Result<T, String>>,
    timer: Option<Timer>,
}

/// A timed call's part: the claim the owner and the caller race for, the limit, and (once
/// polled) the timer, boxed so that an untimed call carries no room for one.
struct Timer {
    claim: Claim,
    limit: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
}

// Nothing in a local call is ever pinned (the timer is boxed), so it may move freely.
impl<H: Handler, T> Unpin for Local<'_, H, T> {}

impl<H: Handler, T> Drop for Local<'_, H, T> {
    fn drop(&mut self) {
        // A caller that stops waiting withdraws its call, unless the owner has started it.
        // (Without a timeout, the dropped reply receiver says the same.)
        if let Some(timer) = &self.timer {
            let _ = timer.claim.withdraw();
        }
    }
}

impl<'a, H: Handler, T> SyncCall<'a, H, T> {
    pub(super) fn new(
        handle: &'a Handle<H>,
        method: &'static str,
        call: H::Call,
        reply: ReplyReceiver<Result<T, String>>,
        timeout: Option<(Duration, Claim)>,
    ) -> Self {
        let local = Local {
            handle,
            method,
            stage: Stage::Unsent(call),
            reply,
            timer: timeout.map(|(limit, claim)| Timer {
                claim,
                limit,
                deadline: None,
            }),
        };
        Self {
            inner: Inner::Local(local),
        }
    }

    #[cfg(feature = "nats")]
    pub(super) fn remote(
        method: &'static str,
        future: Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>,
    ) -> Self {
        Self {
            inner: Inner::Remote { method, future },
        }
    }

    #[cfg(feature = "nats")]
    pub(super) fn failed(error: CallError) -> Self {
        Self {
            inner: Inner::Failed(Some(error)),
        }
    }
}

impl<H: Handler, T: Send + 'static> Future for SyncCall<'_, H, T> {
    type Output = Result<T, CallError>;

    // Always inlined into the awaiting future, and small: the poll that finds the reply
    // there (every call's last) builds the result in the caller's own frame. Returned from
    // a function kept out of line, the 48-byte `Poll<Result<u64, CallError>>` was written
    // in pieces and read back whole, a load that waited for the stores (BENCHMARKS.md,
    // "Built and read in the caller's frame").
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match &mut this.inner {
            Inner::Local(local) => {
                if let Poll::Ready(result) = local.ready_reply() {
                    return Poll::Ready(result);
                }
            }
            #[cfg(feature = "nats")]
            _ => {}
        }
        this.poll_out_of_line(cx)
            .map(|result| result.map_err(|error| *error))
    }
}

impl<H: Handler, T: Send + 'static> SyncCall<'_, H, T> {
    /// Every other poll: sending, waiting, timing out, or a remote call. Its error comes
    /// boxed (one allocation, on a failed call only), so that for a small `T` its result
    /// fits two registers: returned in memory, LLVM merged it with the inlined path's
    /// result through one stack slot, and the stall came back there.
    #[inline(never)]
    fn poll_out_of_line(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Box<CallError>>> {
        let result = match &mut self.inner {
            Inner::Local(local) => local.poll(cx),
            #[cfg(feature = "nats")]
            Inner::Remote { future, .. } => future.as_mut().poll(cx),
            #[cfg(feature = "nats")]
            Inner::Failed(error) => Poll::Ready(Err(error
                .take()
                .expect("`SyncCall` polled after it completed"))),
        };
        result.map(|result| result.map_err(Box::new))
    }
}

impl<H: Handler, T: Send + 'static> Local<'_, H, T> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, CallError>> {
        let this = self;
        let method = this.method;
        let reply = if matches!(this.stage, Stage::Sent) {
            Pin::new(&mut this.reply).poll(cx)
        } else {
            match send(this.handle, method, &mut this.stage, cx) {
                // Queued, with this poll's waker: its reply may already be there, and if
                // not, the owner wakes that waker once done with the call.
                Poll::Ready(Ok(())) => this.reply.poll_alone(),
                Poll::Ready(Err(error)) => {
                    this.timer = None;
                    return Poll::Ready(Err(error));
                }
                Poll::Pending => return this.poll_timer(cx),
            }
        };
        if let Poll::Ready(reply) = reply {
            return Poll::Ready(this.settle(reply));
        }
        this.poll_timer(cx)
    }

    /// The result, if the call was sent and its reply is there for the taking without the
    /// slot's lock ([`ReplyReceiver::poll_alone`]); `Pending` otherwise, with nothing done.
    #[allow(clippy::inline_always)] // see `SyncCall::poll`
    #[inline(always)]
    fn ready_reply(&mut self) -> Poll<Result<T, CallError>> {
        if !matches!(self.stage, Stage::Sent) {
            return Poll::Pending;
        }
        self.reply.poll_alone().map(|reply| self.settle(reply))
    }

    /// The call's result from its reply.
    #[allow(clippy::inline_always)] // see `SyncCall::poll`
    #[inline(always)]
    fn settle(&mut self, reply: Option<Result<T, String>>) -> Result<T, CallError> {
        // Settled either way: nothing left to withdraw. (The stage is left as it is: like
        // any future, this one is not to be polled again.)
        self.timer = None;
        // The result is made here, where it is returned: the slot carries the value or the
        // panic's message, a plain `Result` of a word or three. (A `Result<T, CallError>`
        // made earlier and moved out was copied byte by byte around its tag, twice per
        // call.)
        let method = self.method;
        match reply {
            Some(Ok(value)) => Ok(value),
            Some(Err(message)) => Err(CallError::Panicked { method, message }),
            None => Err(CallError::Gone { method }),
        }
    }

    /// Waiting: `Pending`, unless the call's timeout (if it has one) has run out.
    #[inline]
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, CallError>> {
        if self.timer.is_none() {
            return Poll::Pending;
        }
        self.time_out_if_due(cx)
    }

    /// A timed call's wait. (Out of line: an untimed call, the common case, does not come
    /// here, and inlined it kept `poll_timer` itself out of line.)
    fn time_out_if_due(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, CallError>> {
        let Some(timer) = &mut self.timer else {
            return Poll::Pending;
        };
        // The clock starts at the first poll, as it would for `tokio::time::timeout`
        // around the call.
        let limit = timer.limit;
        let deadline = timer
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if deadline.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let started = timer.claim.withdraw();
        self.timer = None;
        self.stage = Stage::Done;
        Poll::Ready(Err(CallError::TimedOut {
            method: self.method,
            after: limit,
            started,
        }))
    }
}

/// Queues the call: `Ready(Ok(()))` once it is (the stage is then `Sent`), `Pending`
/// while a full bounded mailbox has no room for it.
fn send<H: Handler>(
    handle: &Handle<H>,
    method: &'static str,
    stage: &mut Stage<H::Call>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), CallError>> {
    loop {
        // `Sent` stands in while the call is out: it is what the stage becomes on the
        // common path, so nothing is written twice there.
        match std::mem::replace(stage, Stage::Sent) {
            Stage::Unsent(call) => {
                // Made from inside a handler method, a call may close a cycle of owners
                // waiting on each other: refused. Made anywhere else, it cannot.
                let waiting = match SERVING.try_with(std::sync::Arc::clone) {
                    Ok(chain) => match chain.call(&handle.mailbox, method) {
                        Ok(waiting) => Some(waiting),
                        Err(error) => {
                            *stage = Stage::Done;
                            return Poll::Ready(Err(error));
                        }
                    },
                    Err(_outside) => None,
                };
                // Queued with this poll's waker, which the owner's end wakes once done
                // with the call (see `Caller`).
                let call = Queued {
                    call,
                    waiting,
                    caller: Caller(Some(cx.waker().clone())),
                };
                match handle.tx.try_send(call) {
                    Ok(()) => return Poll::Ready(Ok(())),
                    Err(Refused::Full(mut call)) => {
                        // The waker of the poll that queues it goes with it, later.
                        call.caller.0 = None;
                        *stage = Stage::Reserving(Box::new((call, handle.tx.reserve())));
                    }
                    Err(Refused::Closed(mut call)) => {
                        // Not queued: nothing to wake this caller for.
                        call.caller.0 = None;
                        *stage = Stage::Done;
                        return Poll::Ready(Err(CallError::Gone { method }));
                    }
                }
            }
            Stage::Reserving(mut reserving) => match reserving.1.as_mut().poll(cx) {
                Poll::Ready(Some(permit)) => {
                    let (mut call, _) = *reserving;
                    call.caller.0 = Some(cx.waker().clone());
                    if let Err(mut call) = permit.send(call) {
                        call.caller.0 = None;
                        *stage = Stage::Done;
                        return Poll::Ready(Err(CallError::Gone { method }));
                    }
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(None) => {
                    *stage = Stage::Done;
                    return Poll::Ready(Err(CallError::Gone { method }));
                }
                Poll::Pending => {
                    *stage = Stage::Reserving(reserving);
                    return Poll::Pending;
                }
            },
            Stage::Sent => unreachable!("a sent call is not sent again"),
            Stage::Done => panic!("`SyncCall` polled after it completed"),
        }
    }
}

impl<H: Handler, T> fmt::Debug for SyncCall<'_, H, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Local(local) => local.fmt(f),
            #[cfg(feature = "nats")]
            Inner::Remote { method, .. } => f
                .debug_struct("SyncCall")
                .field("method", method)
                .field("remote", &true)
                .finish_non_exhaustive(),
            #[cfg(feature = "nats")]
            Inner::Failed(error) => f.debug_tuple("SyncCall").field(error).finish(),
        }
    }
}

impl<H: Handler, T> Local<'_, H, T> {
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
            .field("timeout", &self.timer.as_ref().map(|timer| timer.limit))
            .finish_non_exhaustive()
    }
}
