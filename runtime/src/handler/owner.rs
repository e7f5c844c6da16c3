//! The owner side of a deferred handler: [`Deferred`] keeps the value and its mailbox, and
//! its `process` methods decide when queued calls run (the engine that runs them is in
//! `serve.rs`).

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::mailbox::{MailboxState, Queued, Rx, Tx, Waiting};
use super::queue::queue;
use super::{Handle, Handler};

/// Why [`Deferred::process_forever`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// A handle called [`Handle::stop_processing`].
    StopRequested,
    /// Every handle was dropped and no call is left that the owner was asked to run.
    HandlesGone,
}

/// What one [`Deferred::process_forever`] run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Served {
    /// How many calls ran (withdrawn calls are not counted).
    pub calls: usize,
    /// Why serving ended.
    pub reason: StopReason,
}

/// The owner side of a deferred handler: the value plus its mailbox.
///
/// Derefs to the value, so the owner (and only the owner) can still call it directly.
/// Queued calls run only while the owner awaits one of the `process` methods. Dropping
/// the `Deferred` fails every queued call with [`CallError::Gone`](super::CallError::Gone).
///
/// Methods of `Deferred` (`handle`, `process`, …) take precedence over same-named
/// methods of the value when called through the wrapper; reach those with `(*owner).name()`.
pub struct Deferred<H: Handler> {
    pub(super) value: H,
    pub(super) tx: Tx<H::Call>,
    pub(super) rx: Rx<H::Call>,
    /// Calls a whitelist skipped, in arrival order. All of them arrived before anything
    /// still in `rx`, so they always run first.
    pub(super) held: VecDeque<Queued<H::Call>>,
    pub(super) mailbox: Arc<MailboxState>,
    /// This owner as the first link of a chain of waiting owners, shared by every call it
    /// serves that nobody else waits on.
    pub(super) waiting: Arc<Waiting>,
    /// This owner's link in front of the owners waiting on a call it serves, reused from
    /// one such call to the next (see [`Waiting::serving`]).
    pub(super) link: Arc<Waiting>,
}

impl<H: Handler> Deferred<H> {
    /// Wraps `value` with an unbounded mailbox: calls are always accepted.
    pub fn new(value: H) -> Self {
        Self::with_queue(value, None)
    }

    /// Wraps `value` with a mailbox that holds at most `capacity` queued calls.
    ///
    /// When it is full, sync calls wait for room (within their timeout, if any) and oneway
    /// calls fail at once with [`CallError::MailboxFull`](super::CallError::MailboxFull).
    /// Calls set aside by [`process_only`](Self::process_only) no longer count against the
    /// capacity.
    ///
    /// ```
    /// # use coact::{deferred_handler, Deferred};
    /// # struct Log;
    /// # #[deferred_handler] impl Log { fn write(&mut self, _line: String) {} }
    /// use std::num::NonZeroUsize;
    /// let owner = Deferred::bounded(Log, NonZeroUsize::new(64).unwrap());
    /// ```
    pub fn bounded(value: H, capacity: NonZeroUsize) -> Self {
        Self::with_queue(value, Some(capacity.get()))
    }

    fn with_queue(value: H, capacity: Option<usize>) -> Self {
        let mailbox = Arc::new(MailboxState::new(std::any::type_name::<H>()));
        let (tx, rx) = queue(capacity);
        Self {
            value,
            tx,
            rx,
            held: VecDeque::new(),
            waiting: Waiting::first(&mailbox),
            link: Waiting::first(&mailbox),
            mailbox,
        }
    }

    /// A new handle to this mailbox, to give to the tasks that call the handler.
    #[must_use]
    pub fn handle(&self) -> Handle<H> {
        self.mailbox.handles.fetch_add(1, Ordering::Relaxed);
        Handle {
            tx: self.tx.clone(),
            mailbox: Arc::clone(&self.mailbox),
        }
    }

    /// How many [`Handle`]s are alive. An owner loop can run while this is non-zero.
    #[must_use]
    pub fn handle_count(&self) -> usize {
        self.mailbox.handles.load(Ordering::Acquire)
    }

    /// How many calls are queued and not yet run (including those a whitelist set aside).
    #[must_use]
    pub fn pending(&self) -> usize {
        self.held.len() + self.rx.len()
    }

    /// Runs every call pending at this moment, in arrival order, and returns how many ran.
    ///
    /// Calls queued while these run wait for the next `process`: the owner's loop gets
    /// control back after a bounded amount of work.
    ///
    /// With nothing pending it returns at once, without yielding to the scheduler: a loop
    /// that only calls `process` spins, and on a current-thread runtime starves the tasks
    /// that would queue calls. Await the loop's own work between calls (a tick, I/O), or
    /// use [`process_forever`](Self::process_forever), which sleeps until a call arrives.
    ///
    /// Dropping this future in the middle of a call (e.g. in a `select!`) abandons that one
    /// call (its caller gets [`CallError::Gone`](super::CallError::Gone)); the rest stay
    /// queued.
    pub async fn process(&mut self) -> usize {
        self.process_matching(|_| true).await
    }

    /// Like [`process`](Self::process), but runs only calls to the listed methods.
    ///
    /// The others stay queued, in order, and run at a later `process`.
    pub async fn process_only(&mut self, methods: &[H::Method]) -> usize {
        self.process_matching(|m| methods.contains(&m)).await
    }

    /// Serves calls as they arrive until a handle calls [`Handle::stop_processing`] or
    /// every handle is gone (after running what they queued).
    ///
    /// A stop takes effect after the call in progress; the calls still queued stay queued
    /// for a later `process`. A stop requested while the owner was not serving is kept and
    /// ends the next `process_forever` at once.
    pub async fn process_forever(&mut self) -> Served {
        self.serve_matching(|_| true).await
    }

    /// Like [`process_forever`](Self::process_forever), but runs only calls to the listed
    /// methods; the others stay queued, in order, for a later `process`.
    pub async fn process_forever_only(&mut self, methods: &[H::Method]) -> Served {
        self.serve_matching(|m| methods.contains(&m)).await
    }

    /// Takes the value back. Calls still queued fail with
    /// [`CallError::Gone`](super::CallError::Gone).
    pub fn into_inner(self) -> H {
        self.value
    }
}

impl<H: Handler> Deref for Deferred<H> {
    type Target = H;
    fn deref(&self) -> &H {
        &self.value
    }
}

impl<H: Handler> DerefMut for Deferred<H> {
    fn deref_mut(&mut self) -> &mut H {
        &mut self.value
    }
}

impl<H: Handler + fmt::Debug> fmt::Debug for Deferred<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred")
            .field("value", &self.value)
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}
