//! Deferred handlers: an owner keeps a value and decides *when* queued calls on it run.
//!
//! `#[deferred_handler]` on an inherent impl block implements [`Handler`] for the type and
//! generates typed proxies. The owner wraps the value in a [`Deferred`], which derefs to it
//! and holds its mailbox; any number of cloneable [`Handle`]s queue calls through
//! `handle.sync()` (wait for the value) and `handle.oneway()` (fire and forget). Queued calls
//! run only inside the owner's [`Deferred::process`] family of methods, one at a time, in
//! arrival order, with `&mut` access, so the owner's own work between two `process()` calls
//! never sees a half-applied change.
//!
//! ```
//! use coact::{deferred_handler, Deferred};
//!
//! struct Counter { n: u64 }
//!
//! #[deferred_handler]
//! impl Counter {
//!     fn add(&mut self, by: u64) -> u64 { self.n += by; self.n }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut owner = Deferred::new(Counter { n: 0 });
//! let handle = owner.handle();
//! let caller = tokio::spawn(async move { handle.sync().add(2).await });
//! tokio::task::yield_now().await;  // let the caller queue its call
//! assert_eq!(owner.process().await, 1);  // the owner decides when it runs
//! assert_eq!(caller.await.unwrap(), Ok(2));
//! assert_eq!(owner.n, 2);  // direct access to the value stays possible
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::num::NonZeroUsize;
use std::ops::{Deref, DerefMut};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::AtomicWaker;
use futures::FutureExt as _;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument as _;

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
    /// The owner is gone: the [`Deferred`] was dropped (or converted back with
    /// [`Deferred::into_inner`]) before the call ran, or the owner dropped a `process`
    /// future in the middle of this call.
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

/// A type whose inherent impl block carries `#[deferred_handler]`.
///
/// The macro implements this trait; it is public so that [`Deferred`] and [`Handle`] can
/// name it in their bounds. Don't implement it by hand: its items are not a stable API.
pub trait Handler: Sized + Send + 'static {
    /// The queued form of a call: the method, its arguments and where the result goes.
    #[doc(hidden)]
    type Call: Send + 'static;
    /// Typed method ids (`<Type>Method`), for [`Deferred::process_only`].
    type Method: Copy + Eq + fmt::Debug + Send + Sync + 'static;
    /// The generated sync proxy (`<Type>Sync`).
    type Sync<'a>
    where
        Self: 'a;
    /// The generated oneway proxy (`<Type>Oneway`).
    type Oneway<'a>
    where
        Self: 'a;

    /// The method a queued call is for.
    #[doc(hidden)]
    fn method(call: &Self::Call) -> Self::Method;
    /// The method's name as written in the impl block.
    fn method_name(method: Self::Method) -> &'static str;
    #[doc(hidden)]
    fn sync_proxy(proxy: SyncProxy<'_, Self>) -> Self::Sync<'_>;
    #[doc(hidden)]
    fn oneway_proxy(proxy: OnewayProxy<'_, Self>) -> Self::Oneway<'_>;
    /// Runs a queued call to a sync method at once: `Ok(false)` when its caller had
    /// withdrawn it (the method did not run). A call to an async method is handed back.
    #[doc(hidden)]
    fn dispatch_now(&mut self, call: Self::Call) -> Result<bool, Self::Call>;
    /// Runs any queued call, awaiting async methods. Resolves to `false` when its caller
    /// had withdrawn it.
    #[doc(hidden)]
    fn dispatch(&mut self, call: Self::Call) -> impl Future<Output = bool> + Send + '_;
}

/// How the owner's mailbox is bounded.
enum Tx<C> {
    Bounded(mpsc::Sender<C>),
    Unbounded(mpsc::UnboundedSender<C>),
}

enum Rx<C> {
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
    fn is_closed(&self) -> bool {
        match self {
            Self::Bounded(tx) => tx.is_closed(),
            Self::Unbounded(tx) => tx.is_closed(),
        }
    }
}

impl<C> Rx<C> {
    fn try_recv(&mut self) -> Option<C> {
        match self {
            Self::Bounded(rx) => rx.try_recv().ok(),
            Self::Unbounded(rx) => rx.try_recv().ok(),
        }
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<C>> {
        match self {
            Self::Bounded(rx) => rx.poll_recv(cx),
            Self::Unbounded(rx) => rx.poll_recv(cx),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Bounded(rx) => rx.len(),
            Self::Unbounded(rx) => rx.len(),
        }
    }
}

/// What the owner and every handle share.
struct Shared {
    /// A pending `stop_processing()` request, consumed by `process_forever`.
    stop: AtomicBool,
    /// Live [`Handle`]s (not counting the owner).
    handles: AtomicUsize,
    /// Wakes an idle `process_forever` for a stop request or the last handle's drop.
    /// Lock-free, unlike a `Notify`: the owner registers on every idle wait.
    owner: AtomicWaker,
}

impl Shared {
    /// Consumes a pending stop request. A plain load first: the read-modify-write only
    /// when a stop is pending, since this runs before every call.
    fn take_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) && self.stop.swap(false, Ordering::AcqRel)
    }

    /// Identifies the mailbox for re-entrancy detection.
    fn id(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }
}

tokio::task_local! {
    /// The mailbox whose call the current task is running, if any.
    static SERVING: usize;
}

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
/// the `Deferred` fails every queued call with [`CallError::Gone`].
///
/// Methods of `Deferred` (`handle`, `process`, …) take precedence over same-named
/// methods of the value when called through the wrapper; reach those with `(*owner).name()`.
pub struct Deferred<H: Handler> {
    value: H,
    tx: Tx<H::Call>,
    rx: Rx<H::Call>,
    /// Calls a whitelist skipped, in arrival order. All of them arrived before anything
    /// still in `rx`, so they always run first.
    held: VecDeque<H::Call>,
    shared: Arc<Shared>,
}

impl<H: Handler> Deferred<H> {
    /// Wraps `value` with an unbounded mailbox: calls are always accepted.
    pub fn new(value: H) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self::with_channel(value, Tx::Unbounded(tx), Rx::Unbounded(rx))
    }

    /// Wraps `value` with a mailbox that holds at most `capacity` queued calls.
    ///
    /// When it is full, sync calls wait for room (within their timeout, if any) and
    /// oneway calls fail at once with [`CallError::MailboxFull`]. Calls set aside by
    /// [`process_only`](Self::process_only) no longer count against the capacity.
    ///
    /// ```
    /// # use coact::{deferred_handler, Deferred};
    /// # struct Log;
    /// # #[deferred_handler] impl Log { fn write(&mut self, _line: String) {} }
    /// use std::num::NonZeroUsize;
    /// let owner = Deferred::bounded(Log, NonZeroUsize::new(64).unwrap());
    /// ```
    pub fn bounded(value: H, capacity: NonZeroUsize) -> Self {
        let (tx, rx) = mpsc::channel(capacity.get());
        Self::with_channel(value, Tx::Bounded(tx), Rx::Bounded(rx))
    }

    fn with_channel(value: H, tx: Tx<H::Call>, rx: Rx<H::Call>) -> Self {
        Self {
            value,
            tx,
            rx,
            held: VecDeque::new(),
            shared: Arc::new(Shared {
                stop: AtomicBool::new(false),
                handles: AtomicUsize::new(0),
                owner: AtomicWaker::new(),
            }),
        }
    }

    /// A new handle to this mailbox, to give to the tasks that call the handler.
    #[must_use]
    pub fn handle(&self) -> Handle<H> {
        self.shared.handles.fetch_add(1, Ordering::Relaxed);
        Handle {
            tx: self.tx.clone(),
            shared: Arc::clone(&self.shared),
        }
    }

    /// How many [`Handle`]s are alive. An owner loop can run while this is non-zero.
    #[must_use]
    pub fn handle_count(&self) -> usize {
        self.shared.handles.load(Ordering::Acquire)
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
    /// Dropping this future in the middle of a call (e.g. in a `select!`) abandons that
    /// one call (its caller gets [`CallError::Gone`]); the rest stay queued.
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

    /// Takes the value back. Calls still queued fail with [`CallError::Gone`].
    pub fn into_inner(self) -> H {
        self.value
    }

    async fn process_matching(&mut self, allow: impl Fn(H::Method) -> bool) -> usize {
        let mut ran = self.run_held(&allow).await;
        // Snapshot: calls that arrive while these run are left for the next `process`.
        for _ in 0..self.rx.len() {
            let Some(call) = self.rx.try_recv() else {
                break;
            };
            ran += match self.run_now_or_hold(call, &allow) {
                Ok(ran) => ran,
                Err((call, span)) => self.run_later(call, span).await,
            };
        }
        ran
    }

    async fn serve_matching(&mut self, allow: impl Fn(H::Method) -> bool) -> Served {
        // A stop requested while nobody served ends this run before anything runs.
        if self.shared.take_stop() {
            return Served {
                calls: 0,
                reason: StopReason::StopRequested,
            };
        }
        let mut calls = self.run_held(&allow).await;
        loop {
            if self.shared.take_stop() {
                return Served {
                    calls,
                    reason: StopReason::StopRequested,
                };
            }
            let call = match self.rx.try_recv() {
                Some(call) => call,
                // Acquire pairs with the Release of the last handle's drop: what that handle
                // queued before is visible to the `try_recv` below.
                None if self.shared.handles.load(Ordering::Acquire) == 0 => {
                    match self.rx.try_recv() {
                        Some(call) => call,
                        None => {
                            return Served {
                                calls,
                                reason: StopReason::HandlesGone,
                            }
                        }
                    }
                }
                None => match self.idle().await {
                    Some(call) => call,
                    None => continue,
                },
            };
            calls += match self.run_now_or_hold(call, &allow) {
                Ok(ran) => ran,
                Err((call, span)) => self.run_later(call, span).await,
            };
        }
    }

    /// Waits for the next call, or `None` when a stop was requested or the last handle
    /// went away.
    async fn idle(&mut self) -> Option<H::Call> {
        let (shared, rx) = (&self.shared, &mut self.rx);
        std::future::poll_fn(|cx| {
            // Register before looking at the flags: a stop or drop after the look wakes us.
            shared.owner.register(cx.waker());
            if shared.stop.load(Ordering::Acquire) || shared.handles.load(Ordering::Acquire) == 0 {
                return Poll::Ready(None);
            }
            // The owner holds a sender, so the channel never reports closed here.
            rx.poll_recv(cx)
        })
        .await
    }

    /// Runs the set-aside calls that `allow` now admits, keeping the order of the rest.
    async fn run_held(&mut self, allow: &impl Fn(H::Method) -> bool) -> usize {
        let mut ran = 0;
        let mut i = 0;
        while i < self.held.len() {
            if !allow(H::method(&self.held[i])) {
                i += 1;
                continue;
            }
            let Some(call) = self.held.remove(i) else {
                break;
            };
            ran += match self.run_now_or_hold(call, &|_| true) {
                Ok(ran) => ran,
                Err((call, span)) => self.run_later(call, span).await,
            };
        }
        ran
    }

    /// Sets `call` aside if `allow` refuses it, or runs it now if its method is sync
    /// (returning how many ran: 0 or 1). A sync method runs with no future around it: it
    /// cannot await, so it cannot make a re-entrant sync call. A call to an async method is
    /// handed back, with its span, for [`run_later`](Self::run_later).
    fn run_now_or_hold(
        &mut self,
        call: H::Call,
        allow: &impl Fn(H::Method) -> bool,
    ) -> Result<usize, (H::Call, tracing::Span)> {
        let method = H::method(&call);
        if !allow(method) {
            self.held.push_back(call);
            return Ok(0);
        }
        let span = tracing::debug_span!("coact::handler", method = H::method_name(method));
        let ran = if span.is_disabled() {
            self.value.dispatch_now(call)
        } else {
            span.in_scope(|| self.value.dispatch_now(call))
        };
        ran.map(usize::from).map_err(|call| (call, span))
    }

    /// Runs a call to an async method inside the `SERVING` scope that lets a re-entrant
    /// sync call be detected.
    async fn run_later(&mut self, call: H::Call, span: tracing::Span) -> usize {
        let ran = SERVING
            .scope(self.shared.id(), self.value.dispatch(call))
            .instrument(span)
            .await;
        usize::from(ran)
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

/// A cloneable, `Send + Sync` handle through which any task calls a deferred handler.
pub struct Handle<H: Handler> {
    tx: Tx<H::Call>,
    shared: Arc<Shared>,
}

impl<H: Handler> Handle<H> {
    /// The sync proxy: one async method per handler method, resolving to the method's
    /// value once the owner has run it. Chain `.timeout(d)` to bound the wait.
    #[must_use]
    pub fn sync(&self) -> H::Sync<'_> {
        H::sync_proxy(SyncProxy {
            handle: self,
            timeout: None,
        })
    }

    /// The oneway proxy: one method per handler method that queues the call and returns
    /// at once. A panic or returned `Err` of the method is logged through `tracing`.
    #[must_use]
    pub fn oneway(&self) -> H::Oneway<'_> {
        H::oneway_proxy(OnewayProxy { handle: self })
    }

    /// Asks the owner's `process_forever` to return after the call in progress.
    /// Queued calls stay queued.
    pub fn stop_processing(&self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.owner.wake();
    }

    /// Whether the owner is gone (calls would fail with [`CallError::Gone`]).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl<H: Handler> Clone for Handle<H> {
    fn clone(&self) -> Self {
        self.shared.handles.fetch_add(1, Ordering::Relaxed);
        Self {
            tx: self.tx.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<H: Handler> Drop for Handle<H> {
    fn drop(&mut self) {
        if self.shared.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.owner.wake();
        }
    }
}

impl<H: Handler> fmt::Debug for Handle<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// The engine behind a generated `<Type>Sync` proxy.
#[doc(hidden)]
pub struct SyncProxy<'a, H: Handler> {
    handle: &'a Handle<H>,
    timeout: Option<Duration>,
}

impl<H: Handler> Clone for SyncProxy<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Handler> Copy for SyncProxy<'_, H> {}

const PENDING: u8 = 0;
const STARTED: u8 = 1;
const WITHDRAWN: u8 = 2;

impl<H: Handler> SyncProxy<'_, H> {
    #[must_use]
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Queues the call `make` builds and waits for its result.
    pub async fn call<T: Send>(
        self,
        method: &'static str,
        make: impl FnOnce(Reply<T>) -> H::Call,
    ) -> Result<T, CallError> {
        let id = self.handle.shared.id();
        if SERVING.try_with(|serving| *serving == id).unwrap_or(false) {
            return Err(CallError::Reentrant { method });
        }
        let (tx, rx) = oneshot::channel();
        let Some(limit) = self.timeout else {
            let call = make(Reply(ReplyKind::Sync { tx, state: None }));
            return self.send_and_wait(method, call, rx).await;
        };
        let state = Arc::new(AtomicU8::new(PENDING));
        let call = make(Reply(ReplyKind::Sync {
            tx,
            state: Some(Arc::clone(&state)),
        }));
        if let Ok(result) = tokio::time::timeout(limit, self.send_and_wait(method, call, rx)).await
        {
            return result;
        }
        // Withdraw the call unless the owner has already claimed it.
        let started = state
            .compare_exchange(PENDING, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire)
            .is_err();
        Err(CallError::TimedOut {
            method,
            after: limit,
            started,
        })
    }

    async fn send_and_wait<T>(
        self,
        method: &'static str,
        call: H::Call,
        rx: oneshot::Receiver<Result<T, CallError>>,
    ) -> Result<T, CallError> {
        let sent = match &self.handle.tx {
            Tx::Bounded(tx) => tx.send(call).await.is_ok(),
            Tx::Unbounded(tx) => tx.send(call).is_ok(),
        };
        if !sent {
            return Err(CallError::Gone { method });
        }
        rx.await.unwrap_or(Err(CallError::Gone { method }))
    }
}

/// The engine behind a generated `<Type>Oneway` proxy.
#[doc(hidden)]
pub struct OnewayProxy<'a, H: Handler> {
    handle: &'a Handle<H>,
}

impl<H: Handler> Clone for OnewayProxy<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H: Handler> Copy for OnewayProxy<'_, H> {}

impl<H: Handler> OnewayProxy<'_, H> {
    /// Queues `call` without waiting for it.
    pub fn send(self, method: &'static str, call: H::Call) -> Result<(), CallError> {
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
        state: Option<Arc<AtomicU8>>,
    },
}

impl<T> Reply<T> {
    #[must_use]
    pub fn oneway() -> Self {
        Self(ReplyKind::Oneway)
    }

    /// Claims the call for running; `None` when the caller withdrew it (timed out, or
    /// dropped its future) before the owner reached it.
    #[must_use]
    pub fn start(self) -> Option<Started<T>> {
        match self.0 {
            ReplyKind::Oneway => Some(Started(None)),
            ReplyKind::Sync { tx, state } => {
                let claimed = match state {
                    Some(state) => state
                        .compare_exchange(PENDING, STARTED, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok(),
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

pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast_ref::<&str>().map_or_else(
            || "<non-string panic payload>".to_owned(),
            |message| (*message).to_owned(),
        ),
    }
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
