//! The mailbox between a [`Deferred`](super::Deferred) owner and its handles: the queue of
//! calls (bounded or not) and the little state they share besides it.
//!
//! A call is queued by a handle's proxy and run by the owner inside one of its `process`
//! methods; `SERVING` marks the task that is running a call of a given mailbox, so that a
//! sync call from inside that call to the same mailbox is refused instead of deadlocking.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio::sync::mpsc;

/// How the owner's mailbox is bounded.
pub(super) enum Tx<C> {
    Bounded(mpsc::Sender<C>),
    Unbounded(mpsc::UnboundedSender<C>),
}

pub(super) enum Rx<C> {
    Bounded(mpsc::Receiver<C>),
    Unbounded(mpsc::UnboundedReceiver<C>),
}

impl<C> Clone for Tx<C> {
    fn clone(&self) -> Self {
        match self {
            Self::Bounded(tx) => Self::Bounded(tx.clone()),
            Self::Unbounded(tx) => Self::Unbounded(tx.clone()),
        }
    }
}

impl<C> Tx<C> {
    pub(super) fn is_closed(&self) -> bool {
        match self {
            Self::Bounded(tx) => tx.is_closed(),
            Self::Unbounded(tx) => tx.is_closed(),
        }
    }
}

impl<C> Rx<C> {
    pub(super) fn try_recv(&mut self) -> Option<C> {
        match self {
            Self::Bounded(rx) => rx.try_recv().ok(),
            Self::Unbounded(rx) => rx.try_recv().ok(),
        }
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<C>> {
        match self {
            Self::Bounded(rx) => rx.poll_recv(cx),
            Self::Unbounded(rx) => rx.poll_recv(cx),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Self::Bounded(rx) => rx.len(),
            Self::Unbounded(rx) => rx.len(),
        }
    }
}

/// What the owner and every handle share besides the queue.
pub(super) struct MailboxState {
    /// A pending `stop_processing()` request, consumed by `process_forever`.
    pub(super) stop: AtomicBool,
    /// Live [`Handle`]s (not counting the owner).
    pub(super) handles: AtomicUsize,
    /// Wakes an idle `process_forever` for a stop request or the last handle's drop.
    /// Lock-free, unlike a `Notify`: the owner registers on every idle wait.
    pub(super) owner: AtomicWaker,
}

impl MailboxState {
    pub(super) fn new() -> Self {
        Self {
            stop: AtomicBool::new(false),
            handles: AtomicUsize::new(0),
            owner: AtomicWaker::new(),
        }
    }

    /// Consumes a pending stop request. A plain load first: the read-modify-write only
    /// when a stop is pending, since this runs before every call.
    pub(super) fn take_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) && self.stop.swap(false, Ordering::AcqRel)
    }

    /// Identifies the mailbox for re-entrancy detection.
    pub(super) fn id(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }
}

tokio::task_local! {
    /// The mailbox whose call the current task is running, if any.
    pub(super) static SERVING: usize;
}
