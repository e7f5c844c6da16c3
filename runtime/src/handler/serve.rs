//! The engine of [`Deferred`]'s `process` methods: which queued call runs next, how a
//! whitelist sets calls aside in order, and how a sync method runs with no future around
//! it while an async one runs inside the scope that detects call cycles.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tracing::Instrument as _;

use super::mailbox::{Caller, Queued, Waiting, SERVING};
use super::owner::{Served, StopReason};
use super::{Deferred, Handler};

impl<H: Handler> Deferred<H> {
    pub(super) async fn process_matching(&mut self, allow: impl Fn(H::Method) -> bool) -> usize {
        let mut ran = self.run_held(&allow).await;
        // Snapshot: calls that arrive while these run are left for the next `process`.
        for _ in 0..self.rx.len() {
            let Some(Queued {
                call,
                waiting,
                caller,
            }) = self.rx.try_recv()
            else {
                break;
            };
            ran += match self.run_now_or_hold(call, waiting, caller, &allow) {
                Ok(ran) => ran,
                Err((call, span)) => self.run_later(call, span).await,
            };
        }
        ran
    }

    pub(super) async fn serve_matching(&mut self, allow: impl Fn(H::Method) -> bool) -> Served {
        // A stop requested while nobody served ends this run before anything runs.
        if self.mailbox.take_stop() {
            return Served {
                calls: 0,
                reason: StopReason::StopRequested,
            };
        }
        let mut calls = self.run_held(&allow).await;
        loop {
            if self.mailbox.take_stop() {
                return Served {
                    calls,
                    reason: StopReason::StopRequested,
                };
            }
            // The batch first, without the lock. Once it is done: with no handle left, what
            // is still queued (Acquire pairs with the Release of the last handle's drop:
            // what that handle queued is visible to `fill`); else `calls_ready`, which
            // takes what is queued or, finding nothing, parks the owner's waker under the
            // same lock (one lock per batch, also when a single call is waiting). It is
            // awaited here, not through an `async fn` of its own: one state machine fewer
            // to step through on every wake-up. `false`: a stop was requested or the last
            // handle went away, and the loop's top tells which.
            if !self.rx.has_taken() {
                if self.mailbox.handles.load(Ordering::Acquire) == 0 {
                    if !self.rx.fill() {
                        return Served {
                            calls,
                            reason: StopReason::HandlesGone,
                        };
                    }
                } else if !self.mailbox.calls_ready(&mut self.rx).await {
                    continue;
                }
            }
            // Taken here, in a statement with no await: a call then moves from the batch
            // to the method without passing through the future's own state. Taken apart
            // where it is taken: moved whole into `run_now_or_hold` and taken apart there,
            // it was copied twice more on the way, the second time read in 16-byte pieces
            // across the first copy's stores, a load that waited for them (BENCHMARKS.md,
            // "Deferred handlers", session 33).
            let Some(Queued {
                call,
                waiting,
                caller,
            }) = self.rx.try_recv_taken()
            else {
                continue;
            };
            calls += match self.run_now_or_hold(call, waiting, caller, &allow) {
                Ok(ran) => ran,
                Err((call, span)) => self.run_later(call, span).await,
            };
        }
    }

    /// Runs the set-aside calls that `allow` now admits, keeping the order of the rest.
    async fn run_held(&mut self, allow: &impl Fn(H::Method) -> bool) -> usize {
        let mut ran = 0;
        let mut i = 0;
        while i < self.held.len() {
            if !allow(H::method(&self.held[i].call)) {
                i += 1;
                continue;
            }
            let Some(Queued {
                call,
                waiting,
                caller,
            }) = self.held.remove(i)
            else {
                break;
            };
            ran += match self.run_now_or_hold(call, waiting, caller, &|_| true) {
                Ok(ran) => ran,
                Err((call, span)) => self.run_later(call, span).await,
            };
        }
        ran
    }

    /// Sets the call (its parts, as the callers take a queued call apart) aside if `allow`
    /// refuses it, or runs it now if its method is sync (returning how many ran: 0 or 1). A sync method runs with no future around it: it
    /// cannot await, so it cannot wait on a sync call. A call to an async method is handed
    /// back, with its span, for [`run_later`](Self::run_later).
    #[inline]
    fn run_now_or_hold(
        &mut self,
        call: H::Call,
        waiting: Option<Arc<Waiting>>,
        caller: Caller,
        allow: &impl Fn(H::Method) -> bool,
    ) -> Result<usize, (Queued<H::Call>, tracing::Span)> {
        let method = H::method(&call);
        if !allow(method) {
            self.held.push_back(Queued {
                call,
                waiting,
                caller,
            });
            return Ok(0);
        }
        let span = tracing::debug_span!("coact::handler", method = H::method_name(method));
        let ran = if span.is_disabled() {
            self.value.dispatch_now(call)
        } else {
            span.in_scope(|| self.value.dispatch_now(call))
        };
        match ran {
            Ok(ran) => {
                // Done with the call: the chain of its waiters is let go, then its caller
                // (a local sync one) is woken. In this order, a caller that made the call
                // from a handler method finds its own link free for its next call.
                drop(waiting);
                drop(caller);
                Ok(usize::from(ran))
            }
            Err(call) => Err((
                Queued {
                    call,
                    waiting,
                    caller,
                },
                span,
            )),
        }
    }

    /// Runs a call to an async method inside the `SERVING` scope, which lets the sync calls
    /// it makes refuse to close a cycle of owners waiting on each other.
    async fn run_later(&mut self, queued: Queued<H::Call>, span: tracing::Span) -> usize {
        let Queued {
            call,
            waiting,
            caller,
        } = queued;
        let serving = Waiting::serving(&self.waiting, &mut self.link, waiting);
        let ran = SERVING
            .scope(serving, self.value.dispatch(call))
            .instrument(span)
            .await;
        // Done with the call: its waiters are let go, then its caller is woken. (Dropped
        // mid-call, this future wakes the caller as it drops; the link then keeps the
        // waiters until the next call it serves replaces them.)
        Waiting::served(&mut self.link);
        drop(caller);
        usize::from(ran)
    }
}
