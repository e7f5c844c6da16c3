//! The mailbox between a [`Deferred`](super::Deferred) owner and its handles: the queue of
//! calls (bounded or not) and the little state they share besides it.
//!
//! A call is queued by a handle's proxy and run by the owner inside one of its `process`
//! methods. While an owner runs an async method, `SERVING` says which handler it serves and
//! which handlers are waiting on that call, so that a sync call that would close a cycle of
//! owners waiting on each other (A → A, or A → B → A) is refused instead of deadlocking.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};

// The two flags an idle owner is woken for, which the loom models race with its parking.
use crate::sync::{AtomicBool, AtomicUsize};

use super::CallError;

/// A queued call and, when a handler method made it with a sync call, the owners that are
/// blocked until it completes.
pub(super) struct Queued<C> {
    pub(super) call: C,
    pub(super) waiting: Option<Arc<Waiting>>,
    /// The local sync caller waiting on the call.
    pub(super) caller: Caller,
}

/// The waker of the local sync caller that queued a call, woken once the owner is done
/// with the call: it ran, or was dropped unrun (the owner went, the mailbox was dropped).
/// Whoever holds the call holds this, and the wake is its drop, so no path forgets it.
///
/// It spares the caller's first wait a registration in the reply slot, a lock and an
/// unlock per call: the caller queues the call with the waker of the poll that queues it,
/// and a look at the slot that finds no reply yet is then `Pending` with nothing more to
/// do ([`ReplyReceiver::poll_alone`](super::reply_slot::ReplyReceiver::poll_alone)). A
/// caller polled again registers in the slot as before, so a wake that comes early (this
/// one, before the owner let go of the slot) only costs a look.
pub(super) struct Caller(pub(super) Option<Waker>);

impl Drop for Caller {
    fn drop(&mut self) {
        if let Some(waker) = self.0.take() {
            waker.wake();
        }
    }
}

/// A link in a chain of owners waiting on each other: this mailbox's owner, and (`on`) the
/// owners blocked on the call it is running, and so on. A chain never holds one mailbox
/// twice: the call that would close the loop is refused.
pub(super) struct Waiting {
    mailbox: u64,
    handler: &'static str,
    on: Option<Arc<Waiting>>,
}

impl Waiting {
    /// A link of this mailbox's owner with nobody after it. Each owner makes two: the
    /// chain's first link, shared by every call it serves that nobody else waits on, and
    /// the link it puts in front of the waiters of the other calls ([`serving`]).
    ///
    /// [`serving`]: Self::serving
    pub(super) fn first(mailbox: &MailboxState) -> Arc<Self> {
        Arc::new(Self {
            mailbox: mailbox.id,
            handler: mailbox.handler,
            on: None,
        })
    }

    /// The chain of an owner serving a call: its first link when nobody waits on the call,
    /// else its own `link` in front of the waiters. That link is reused from call to call
    /// (a call between handlers allocates nothing): taken back with
    /// [`served`](Self::served) once the call is done, it is the owner's alone again, and
    /// a new one is made only while something else still holds it (a call the owner made
    /// that is still queued, after its caller stopped waiting). A link is changed only
    /// while nothing but the owner holds it, so a chain, once handed out, never changes.
    pub(super) fn serving(
        first: &Arc<Self>,
        link: &mut Arc<Self>,
        waiting: Option<Arc<Self>>,
    ) -> Arc<Self> {
        let Some(on) = waiting else {
            return Arc::clone(first);
        };
        match Arc::get_mut(link) {
            Some(free) => free.on = Some(on),
            None => {
                *link = Arc::new(Self {
                    mailbox: first.mailbox,
                    handler: first.handler,
                    on: Some(on),
                });
            }
        }
        Arc::clone(link)
    }

    /// After a call made through [`serving`](Self::serving): lets go of its waiters, so
    /// that their own links are theirs alone again once their calls are done.
    pub(super) fn served(link: &mut Arc<Self>) {
        if let Some(free) = Arc::get_mut(link) {
            free.on = None;
        }
    }

    /// This link and the ones after it.
    fn links(&self) -> impl Iterator<Item = &Self> {
        std::iter::successors(Some(self), |link| link.on.as_deref())
    }

    /// Checks a sync call to `target` made by the owner at the head of this chain (from
    /// inside the method it is running), and returns the chain that will wait on the call.
    ///
    /// # Errors
    ///
    /// [`CallError::Reentrant`] for a call to the handler being served,
    /// [`CallError::Cycle`] for one to a handler that waits on it.
    #[inline]
    pub(super) fn call(
        self: Arc<Self>,
        target: &MailboxState,
        method: &'static str,
    ) -> Result<Arc<Self>, CallError> {
        if self.links().any(|link| link.mailbox == target.id) {
            return Err(self.refuse(target, method));
        }
        Ok(self)
    }

    /// The error for a call to `target`, which is in this chain.
    #[cold]
    fn refuse(&self, target: &MailboxState, method: &'static str) -> CallError {
        if target.id == self.mailbox {
            return CallError::Reentrant { method };
        }
        // The handlers in call order, from the target back to it.
        let mut handlers = vec![target.handler];
        let mut back: Vec<_> = self.links().map(|link| link.handler).collect();
        let depth = self
            .links()
            .position(|link| link.mailbox == target.id)
            .unwrap_or(back.len());
        back.truncate(depth);
        handlers.extend(back.into_iter().rev());
        handlers.push(target.handler);
        CallError::Cycle { method, handlers }
    }
}

/// The handles' end of the queue.
pub(super) type Tx<C> = super::queue::Tx<Queued<C>>;

/// The owner's end of the queue.
pub(super) type Rx<C> = super::queue::Rx<Queued<C>>;

/// What the owner and every handle share besides the queue.
pub(super) struct MailboxState {
    /// A pending `stop_processing()` request, consumed by `process_forever`.
    pub(super) stop: AtomicBool,
    /// Live [`Handle`]s (not counting the owner).
    pub(super) handles: AtomicUsize,
    /// Tells mailboxes apart in a chain of waiting owners.
    pub(super) id: u64,
    /// The handler's type, to name it in a [`CallError::Cycle`].
    pub(super) handler: &'static str,
}

impl MailboxState {
    /// The owner's wait for calls once its batch is done: `true` once the batch holds
    /// calls again ([`Rx::try_recv_taken`](super::queue::Rx::try_recv_taken) takes them),
    /// `false` when a stop was requested or the last handle went away. It answers with a
    /// flag, not the call, so that a call is moved once on its way from the batch to the
    /// method (through the wait's result, it was copied twice more per call).
    ///
    /// Each poll takes what is queued or, finding nothing, parks the owner's waker in the
    /// same critical section ([`Rx::fill_or_park`](super::queue::Rx::fill_or_park)); the
    /// flags are read again after parking, so that a stop or a last drop whose wake found
    /// no waker parked is seen here (both set their flag before they look for the waker,
    /// under the same lock). A `poll_fn` returned as it is, with no `async fn` around it.
    /// The loom models in `loom.rs` run it.
    #[inline]
    pub(super) fn calls_ready<'a, T>(
        &'a self,
        rx: &'a mut super::queue::Rx<T>,
    ) -> impl Future<Output = bool> + 'a {
        let ended =
            || self.stop.load(Ordering::Acquire) || self.handles.load(Ordering::Acquire) == 0;
        std::future::poll_fn(move |cx| {
            if ended() {
                return Poll::Ready(false);
            }
            if rx.fill_or_park(cx.waker()) {
                return Poll::Ready(true);
            }
            if ended() {
                return Poll::Ready(false);
            }
            Poll::Pending
        })
    }

    pub(super) fn new(handler: &'static str) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Self {
            stop: AtomicBool::new(false),
            handles: AtomicUsize::new(0),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            handler,
        }
    }

    /// Consumes a pending stop request. A plain load first: the read-modify-write only
    /// when a stop is pending, since this runs before every call.
    pub(super) fn take_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) && self.stop.swap(false, Ordering::AcqRel)
    }
}

tokio::task_local! {
    /// While the current task's owner runs a call to an async method: the chain of owners
    /// that the sync calls this method makes keep waiting, with this owner first.
    pub(super) static SERVING: Arc<Waiting>;
}
