//! Generators on stable Rust, and CPU-heavy work that shares a tokio runtime with I/O.
//!
//! `#[coroutine]` turns a function whose body calls `yield_!(value)` into a [`Gen`]: an
//! [`Iterator`] for a plain `fn` and a [`Stream`] for an `async fn` (when nothing is sent
//! back in). `let r = yield_!(v);` receives the value the driver resumes the generator
//! with ([`Gen::resume`]), and `return x` ends it with a final value of its own type
//! ([`GenState::Complete`]).
//!
//! ```
//! use coact::coroutine::{Gen, GenState};
//!
//! /// Fibonacci numbers below `limit`; returns how many there were.
//! #[coact::coroutine]
//! fn fibonacci(limit: u64) -> Gen<u64, Return = usize> {
//!     let (mut a, mut b, mut count) = (0, 1, 0);
//!     while a < limit {
//!         yield_!(a);
//!         (a, b, count) = (b, a + b, count + 1);
//!     }
//!     count
//! }
//!
//! /// A running total: each value sent in is added, and the total so far comes out.
//! #[coact::coroutine]
//! fn running_total() -> Gen<u64, Resume = u64> {
//!     let mut total = 0;
//!     loop {
//!         total += yield_!(total);
//!     }
//! }
//!
//! let mut fib = fibonacci(20);
//! assert_eq!(fib.by_ref().collect::<Vec<_>>(), [0, 1, 1, 2, 3, 5, 8, 13]);
//! assert_eq!(fib.take_return(), Some(8));
//!
//! let mut sum = running_total();
//! assert!(matches!(sum.start(), GenState::Yielded(0)));
//! assert!(matches!(sum.resume(5), GenState::Yielded(5)));
//! assert!(matches!(sum.resume(2), GenState::Yielded(7)));
//! ```
//!
//! The second half of the module runs such generators cooperatively:
//! [`batch_accumulate`] drives one to its end in batches, handing control back to the
//! tokio scheduler between batches so that I/O on the same runtime stays responsive, and
//! collects what it yields; a [`Cooperator`] runs several fairly and can be paused,
//! resumed and stopped.
//!
//! # How it works, and why `yield_!` and not `yield`
//!
//! rustc rejects the `yield` keyword while it *parses* a function, before any attribute
//! macro sees it (`yield` syntax is experimental), so on stable the body spells a yield as
//! the macro call `yield_!(v)`, which `#[coroutine]` rewrites wherever it appears in the
//! body (inside other macros' arguments too). The body becomes an `async` block that
//! awaits a [`Yield`] future at each `yield_!`; the generator polls that block. Values go
//! out and resume values come in through a slot, in one of two ways, chosen by the macro
//! from the declared types:
//!
//! - **Per thread**, when the yield and resume types are certainly `'static` and name
//!   nothing generic (primitives, tuples, arrays, and standard types such as `String`,
//!   `Vec<u64>` or `Option<String>` of those): a `thread_local!` that `#[coroutine]`
//!   declares inside the function, so its type is the function's own and nothing else
//!   can write to it. A value crosses it within one poll on one thread: the generator
//!   saves the slot, puts the resume value in, polls the body, whose first act is the
//!   `yield_!` taking it and whose last is the next `yield_!` leaving its value, takes
//!   that value out and restores what it saved, on unwind too. So the slot is empty
//!   between polls: the generator may move to another thread between items, a body may
//!   wait on I/O between yields, and a generator of the same function driven inside the
//!   body (a recursive one) saves and restores around its own poll. A `yield_!` polled
//!   while its own body is not the one being polled on that thread panics rather than
//!   hand its value to another generator. No allocation, no atomics.
//! - **Shared**, for anything else (a borrowed or generic type, or a type of the user's
//!   own, which might be a generic parameter of an `impl` around the function that an
//!   attribute cannot see): one `Arc` per generator holding an atomic cell.
//!
//! Neither is a type-erased pointer (async-stream's issue #106): there is no `unsafe`,
//! and nothing is allocated per item.

mod cooperative;

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crossbeam_utils::atomic::AtomicCell;
use futures::stream::{FusedStream, Stream};

pub use cooperative::{
    accumulate, batch_accumulate, Accumulation, CooperativeError, Cooperator, CooperatorControl,
    ValueBucket,
};

/// Where a generator stopped: at a `yield_!`, with the value it yielded, or at its end,
/// with what it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GenState<Y, R> {
    /// The body reached `yield_!(value)`; resume it to go on.
    Yielded(Y),
    /// The body returned this value; the generator is finished.
    Complete(R),
}

impl<Y, R> GenState<Y, R> {
    /// The yielded value, if the generator yielded.
    pub fn yielded(self) -> Option<Y> {
        match self {
            Self::Yielded(value) => Some(value),
            Self::Complete(_) => None,
        }
    }

    /// The returned value, if the generator finished.
    pub fn complete(self) -> Option<R> {
        match self {
            Self::Yielded(_) => None,
            Self::Complete(value) => Some(value),
        }
    }
}

/// What travels between a generator and its body, one value at a time.
#[derive(Default)]
#[doc(hidden)]
pub enum Exchange<Y, S> {
    #[default]
    Empty,
    Yielded(Y),
    Resumed(S),
}

/// Shared by a generator and its body. Only one of them touches it at a time (the body
/// while the generator polls it, the generator otherwise), but a generator may move
/// between threads, so the exchange is an `AtomicCell`: moving a value in or out costs
/// one atomic swap and a release store, no lock round trip.
struct Slot<Y, S> {
    exchange: AtomicCell<Exchange<Y, S>>,
    /// Set by the generator while it polls its body: a `Yield` polled at any other time
    /// was taken out of its coroutine, and refuses to deliver anywhere.
    polling: AtomicBool,
}

/// A `#[coroutine]` function's own per-thread slot, declared by the macro inside the
/// function (so its types are the function's concrete yield and resume types) when those
/// types are `'static` and name nothing generic.
///
/// Its state between two polls is always the same: empty, no body polled. A generator's
/// step saves that state, puts the resume value in (if any) and the address range of the
/// body it polls, polls, takes what the body left, and restores what it saved, on unwind
/// too. So a value never outlives the poll it was exchanged in, and a generator of the
/// same function driven inside that poll (a recursive generator) saves and restores
/// around its own step without touching the outer one's value.
#[doc(hidden)]
pub struct LocalSlot<Y, S> {
    exchange: Cell<Exchange<Y, S>>,
    /// The addresses of the body being polled on this thread: a `Yield` whose handle
    /// (stored inside its body) lies outside was taken out of its coroutine. `(0, 0)`
    /// when no body of this function is polled here.
    polling: Cell<(usize, usize)>,
}

impl<Y, S> LocalSlot<Y, S> {
    /// An empty slot, no body polled: the initial value of the macro's `thread_local!`.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            exchange: Cell::new(Exchange::Empty),
            polling: Cell::new((0, 0)),
        }
    }
}

/// The one operation both kinds of slot offer the exchange: put a value in, get what was
/// there. A `Cell` for a per-thread slot, an `AtomicCell` for a shared one.
trait ExchangeCell<Y, S> {
    fn replace(&self, exchange: Exchange<Y, S>) -> Exchange<Y, S>;
}

impl<Y, S> ExchangeCell<Y, S> for Cell<Exchange<Y, S>> {
    fn replace(&self, exchange: Exchange<Y, S>) -> Exchange<Y, S> {
        Cell::replace(self, exchange)
    }
}

impl<Y, S> ExchangeCell<Y, S> for AtomicCell<Exchange<Y, S>> {
    fn replace(&self, exchange: Exchange<Y, S>) -> Exchange<Y, S> {
        self.swap(exchange)
    }
}

impl<Y, S> Default for LocalSlot<Y, S> {
    fn default() -> Self {
        Self::new()
    }
}

/// Which slot a generator and its body meet in: a marker type that reaches a function's
/// per-thread slot (declared by `#[coroutine]` inside the function), or [`Shared`].
/// Statically known, so that reaching the slot costs no lookup and no indirect call.
#[doc(hidden)]
pub trait SlotKey<Y, S> {
    /// Calls `f` with this thread's slot, or `None` for a slot of the generator's own.
    fn with<T>(f: impl FnOnce(Option<&LocalSlot<Y, S>>) -> T) -> T;
}

/// The generator and its body share a slot of their own (an `Arc`): for yield and resume
/// types that borrow or are generic, which a per-thread slot cannot hold.
#[doc(hidden)]
#[derive(Debug)]
pub struct Shared;

impl<Y, S> SlotKey<Y, S> for Shared {
    #[inline]
    fn with<T>(f: impl FnOnce(Option<&LocalSlot<Y, S>>) -> T) -> T {
        f(None)
    }
}

/// The body's end of a generator's slot; `#[coroutine]` creates it with [`channel`] or
/// [`local_channel`].
#[doc(hidden)]
pub struct Co<Y, S, K = Shared> {
    /// `None` with a per-thread slot.
    slot: Option<Arc<Slot<Y, S>>>,
    key: PhantomData<fn() -> K>,
    /// For `S = ()`: makes the resume value, so that resuming costs no trip through
    /// the slot.
    unit: Option<fn() -> S>,
}

impl<Y, S, K> Co<Y, S, K> {
    /// Suspends the body with `value`; resolves to the value the generator is resumed
    /// with.
    pub fn yield_(&self, value: Y) -> Yield<'_, Y, S, K> {
        Yield {
            co: self,
            value: Some(value),
        }
    }
}

impl<Y, S, K> fmt::Debug for Co<Y, S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Co")
    }
}

/// The future a `yield_!` awaits: the first poll hands the value to the generator and
/// suspends; the next, after the generator was resumed, gives the resume value.
#[doc(hidden)]
#[must_use = "a yield does nothing unless awaited"]
pub struct Yield<'a, Y, S, K = Shared> {
    co: &'a Co<Y, S, K>,
    value: Option<Y>,
}

// The value is moved, never pinned: a `Yield` may move between polls.
impl<Y, S, K> Unpin for Yield<'_, Y, S, K> {}

const SMUGGLED: &str = "a `yield_!` was polled outside its coroutine: it can only suspend the \
                        coroutine whose body it is written in, while that coroutine runs";

impl<Y, S, K: SlotKey<Y, S>> Future for Yield<'_, Y, S, K> {
    type Output = S;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<S> {
        let this = self.get_mut();
        if let (None, Some(unit)) = (&this.value, this.co.unit) {
            // The generator polls its body again only to resume it.
            return Poll::Ready(unit());
        }
        let at = ptr::from_ref(this.co).addr();
        let value = &mut this.value;
        if let Some(local) = K::with(|slot| slot.map(|slot| yield_local(slot, at, value))) {
            return local;
        }
        let slot = this.co.slot.as_ref().expect("a shared slot");
        assert!(
            this.co.unit.is_some() || slot.polling.load(Ordering::Acquire),
            "{SMUGGLED}"
        );
        hand_over(&slot.exchange, &mut this.value)
    }
}

const TWO_YIELDS: &str = "two `yield_!`s of one coroutine were awaited at once (in a `join!`, \
                          say): a coroutine suspends at one yield at a time";

/// [`Yield::poll`] through a function's per-thread slot; `at` is the address of the
/// yield's handle, `value` what it has not handed over yet.
fn yield_local<Y, S>(slot: &LocalSlot<Y, S>, at: usize, value: &mut Option<Y>) -> Poll<S> {
    let (start, end) = slot.polling.get();
    // Only while its own body is polled on this thread: a yield taken out of its
    // coroutine and polled elsewhere (or in another generator's body) must not hand its
    // value to whichever generator of this function runs here.
    assert!(start <= at && at < end, "{SMUGGLED}");
    hand_over(&slot.exchange, value)
}

/// A yield's side of the exchange: hands its value over and suspends, then, once the
/// generator has put a resume value in, takes it.
fn hand_over<Y, S>(exchange: &impl ExchangeCell<Y, S>, value: &mut Option<Y>) -> Poll<S> {
    if let Some(value) = value.take() {
        let before = exchange.replace(Exchange::Yielded(value));
        if !matches!(before, Exchange::Empty) {
            // Put back what was there: it belongs to the step that polls us.
            drop(exchange.replace(before));
            panic!("{TWO_YIELDS}");
        }
        return Poll::Pending;
    }
    match exchange.replace(Exchange::Empty) {
        Exchange::Resumed(resume) => Poll::Ready(resume),
        other => {
            // Polled again before the generator resumed it (by a `select!` in an async
            // body, say): still suspended.
            drop(exchange.replace(other));
            Poll::Pending
        }
    }
}

/// The two ends of a new generator's slot: the body's and the generator's.
#[doc(hidden)]
pub type Ends<Y, R, S, K = Shared> = (Co<Y, S, K>, Builder<Y, R, S, K>);

/// Makes the slot of a new generator: the body's end and the generator's.
#[doc(hidden)]
pub fn channel<Y, R, S>() -> (Co<Y, S>, Builder<Y, R, S>) {
    make_channel(Some(shared()), None)
}

/// [`channel`] for a generator resumed with `()`: resuming it takes no trip through the
/// slot.
#[doc(hidden)]
pub fn unit_channel<Y, R>() -> (Co<Y, ()>, Builder<Y, R, ()>) {
    make_channel(Some(shared()), Some(|| ()))
}

/// [`channel`] through the function's own per-thread slot, reached through `K` (see
/// [`LocalSlot`]): nothing to allocate.
#[doc(hidden)]
pub fn local_channel<Y, R, S, K: SlotKey<Y, S>>() -> Ends<Y, R, S, K> {
    make_channel(None, None)
}

/// [`local_channel`] for a generator resumed with `()`.
#[doc(hidden)]
pub fn local_unit_channel<Y, R, K: SlotKey<Y, ()>>() -> Ends<Y, R, (), K> {
    make_channel(None, Some(|| ()))
}

fn shared<Y, S>() -> Arc<Slot<Y, S>> {
    Arc::new(Slot {
        exchange: AtomicCell::new(Exchange::Empty),
        polling: AtomicBool::new(false),
    })
}

fn make_channel<Y, R, S, K>(
    slot: Option<Arc<Slot<Y, S>>>,
    unit: Option<fn() -> S>,
) -> Ends<Y, R, S, K> {
    let builder = Builder {
        slot: slot.clone(),
        unit: unit.is_some(),
        ret: PhantomData,
    };
    let co = Co {
        slot,
        key: PhantomData,
        unit,
    };
    (co, builder)
}

/// Turns a body into a generator of the right form.
#[doc(hidden)]
pub struct Builder<Y, R, S, K = Shared> {
    slot: Option<Arc<Slot<Y, S>>>,
    unit: bool,
    ret: PhantomData<fn() -> (R, K)>,
}

impl<Y, R, S, K> Builder<Y, R, S, K> {
    /// The generator of a plain `fn`: its body boxed, so that it is `Unpin`.
    pub fn sync<F: Future<Output = R>>(self, body: F) -> Gen<Y, R, S, SyncBody<Keyed<F, K>>> {
        Gen {
            slot: self.slot,
            unit: self.unit,
            body: SyncBody(Box::pin(Keyed::new(body))),
            stage: Stage::Fresh,
            held: None,
        }
    }

    /// The generator of an `async fn`: its body inline.
    pub fn stream<F: Future<Output = R>>(self, body: F) -> Gen<Y, R, S, Keyed<F, K>> {
        Gen {
            slot: self.slot,
            unit: self.unit,
            body: Keyed::new(body),
            stage: Stage::Fresh,
            held: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// A generator's body with the key to its slot in its type: what `#[coroutine]`'s
    /// generators poll.
    #[doc(hidden)]
    pub struct Keyed<F, K> {
        #[pin]
        future: F,
        key: PhantomData<fn() -> K>,
    }
}

impl<F, K> Keyed<F, K> {
    fn new(future: F) -> Self {
        Self {
            future,
            key: PhantomData,
        }
    }
}

impl<F: Future, K> Future for Keyed<F, K> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

/// Names the key to a body's slot; `#[coroutine]`'s signatures promise it.
#[doc(hidden)]
pub trait Slotted<Y, S> {
    /// The key: [`Shared`] or the function's own marker type.
    type Key: SlotKey<Y, S>;
}

impl<Y, S, F, K: SlotKey<Y, S>> Slotted<Y, S> for Keyed<F, K> {
    type Key = K;
}

impl<Y, S, F: Slotted<Y, S>> Slotted<Y, S> for SyncBody<F> {
    type Key = F::Key;
}

/// What a generator polls: an `async fn`'s body itself, or a plain `fn`'s, boxed.
#[doc(hidden)]
pub trait Body {
    /// What the body returns.
    type Output;
    /// Polls the body once.
    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output>;
    /// The addresses the body's future occupies, which hold its end of the slot.
    fn addresses(&self) -> (usize, usize);
}

fn addresses_of<F>(future: &F) -> (usize, usize) {
    let start = ptr::from_ref(future).addr();
    (start, start + mem::size_of::<F>())
}

impl<F: Future> Body for F {
    type Output = F::Output;

    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.poll(cx)
    }

    fn addresses(&self) -> (usize, usize) {
        addresses_of(self)
    }
}

/// The body of a plain `fn`'s generator, boxed so that the generator is `Unpin` (an
/// iterator must be). Not a `Future` itself: a plain `fn`'s generator is an `Iterator`
/// and nothing else.
pub struct SyncBody<F>(Pin<Box<F>>);

impl<F: Future> Body for SyncBody<F> {
    type Output = F::Output;

    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.get_mut().0.as_mut().poll(cx)
    }

    fn addresses(&self) -> (usize, usize) {
        addresses_of(&*self.0)
    }
}

impl<F> fmt::Debug for SyncBody<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncBody")
    }
}

/// Where a generator is in its life.
enum Stage<R> {
    /// Not started: no `yield_!` waits for a resume value.
    Fresh,
    /// Suspended at a `yield_!`, which waits for a resume value.
    Suspended,
    /// Running between yields (an async body waiting for I/O).
    Running,
    /// Finished; the return value is kept until taken.
    Returned(R),
    /// Finished and the return value taken, or a panic went through the body.
    Done,
}

impl<R> Stage<R> {
    fn is_finished(&self) -> bool {
        matches!(self, Self::Returned(_) | Self::Done)
    }

    fn take_return(&mut self) -> Option<R> {
        match mem::replace(self, Self::Done) {
            Self::Returned(value) => Some(value),
            other => {
                *self = other;
                None
            }
        }
    }
}

const AFTER_END: &str = "a coroutine was resumed after it finished (or after it panicked)";

/// Puts back what a step of a per-thread slot saved, whether the poll returned or
/// unwound: nothing the step exchanged stays behind for the next generator here.
struct Restore<'a, Y, S> {
    slot: &'a LocalSlot<Y, S>,
    saved: Option<(Exchange<Y, S>, (usize, usize))>,
}

impl<Y, S> Restore<'_, Y, S> {
    /// What the body left in the slot; the saved state is back.
    fn finish(mut self) -> Exchange<Y, S> {
        let (exchange, polling) = self.saved.take().unwrap_or_default();
        self.slot.polling.set(polling);
        self.slot.exchange.replace(exchange)
    }
}

impl<Y, S> Drop for Restore<'_, Y, S> {
    fn drop(&mut self) {
        if let Some((exchange, polling)) = self.saved.take() {
            self.slot.polling.set(polling);
            // Drops a value the unwinding step left behind.
            drop(self.slot.exchange.replace(exchange));
        }
    }
}

/// [`step`] through a function's per-thread slot: the resume value goes in and what the
/// body yields comes out within this one poll on this thread.
fn step_local<Y, R, S>(
    slot: &LocalSlot<Y, S>,
    body: (usize, usize),
    stage: &mut Stage<R>,
    resume: Option<S>,
    held: &mut Option<S>,
    poll: impl FnOnce() -> Poll<R>,
) -> Poll<GenState<Y, ()>> {
    let entry = match resume.or_else(|| held.take()) {
        Some(resume) => Exchange::Resumed(resume),
        None => Exchange::Empty,
    };
    let restore = Restore {
        slot,
        saved: Some((slot.exchange.replace(entry), slot.polling.replace(body))),
    };
    // Until the poll returns: a panic leaves the body unusable.
    *stage = Stage::Done;
    let polled = poll();
    settle(polled, restore.finish(), stage, held)
}

/// What a step's poll and the exchange it left make of the generator: returned,
/// suspended at a yield, or running (an async body awaiting something else).
fn settle<Y, R, S>(
    polled: Poll<R>,
    exchange: Exchange<Y, S>,
    stage: &mut Stage<R>,
    held: &mut Option<S>,
) -> Poll<GenState<Y, ()>> {
    match (polled, exchange) {
        (Poll::Ready(value), _) => {
            *stage = Stage::Returned(value);
            Poll::Ready(GenState::Complete(()))
        }
        (Poll::Pending, Exchange::Yielded(value)) => {
            *stage = Stage::Suspended;
            Poll::Ready(GenState::Yielded(value))
        }
        (Poll::Pending, other) => {
            // Not taken yet (the body awaits something else first): the generator keeps
            // it for the next poll, and the slot is empty between polls.
            if let Exchange::Resumed(resume) = other {
                *held = Some(resume);
            }
            *stage = Stage::Running;
            Poll::Pending
        }
    }
}

/// Polls `body` once with the resume value in the slot; what it yielded or returned, or
/// `Pending` if it awaits something else (only an async body may).
fn step<Y, R, S>(
    slot: &Slot<Y, S>,
    stage: &mut Stage<R>,
    resume: Option<S>,
    held: &mut Option<S>,
    unit: bool,
    poll: impl FnOnce() -> Poll<R>,
) -> Poll<GenState<Y, ()>> {
    // Resumed with `()`, the body's yield makes its own resume value: nothing to store.
    if !unit {
        slot.polling.store(true, Ordering::Release);
        if let Some(resume) = resume.or_else(|| held.take()) {
            slot.exchange.store(Exchange::Resumed(resume));
        }
    }
    // Until the poll returns: a panic leaves the body unusable.
    *stage = Stage::Done;
    let polled = poll();
    if !unit {
        slot.polling.store(false, Ordering::Release);
    }
    settle(polled, slot.exchange.take(), stage, held)
}

pin_project_lite::pin_project! {
/// The generator of a `#[coroutine]` function: runs its body up to each `yield_!` when
/// resumed.
///
/// A plain `fn` gives `Gen<Y, R, S, SyncBody<impl Future>>`: its body is boxed, so the
/// generator is `Unpin` and driven with [`start`](Self::start) /
/// [`resume`](Self::resume), or as an [`Iterator`] when `S` is `()`;
/// [`take_return`](Self::take_return) gives the final value once it has ended.
///
/// An `async fn` gives `Gen<Y, R, S, impl Future>`: its body is stored inline and may
/// `.await`, so the generator must be pinned (`std::pin::pin!`, or `Box::pin` to keep
/// it) and is driven with [`resume_async`](Self::resume_async), or as a [`Stream`] when
/// `S` is `()`.
///
/// It is `Send` when its body's captures and locals are; dropping it drops the body's
/// locals wherever it was suspended. A panic in the body propagates to the call that
/// resumed it, and the generator is finished from then on.
///
/// Allocations: the box of a plain `fn`'s body, and, only when the yield or resume type
/// borrows or is generic, a slot shared with the body; nothing per item.
#[must_use = "a generator does nothing unless it is resumed, iterated or polled"]
pub struct Gen<Y, R, S, F> {
        // `None` with a per-thread slot.
        slot: Option<Arc<Slot<Y, S>>>,
        unit: bool,
        #[pin]
        body: F,
        stage: Stage<R>,
        // A resume value the body has not taken yet (it awaited something else first):
        // kept here, so that a slot is empty between polls.
        held: Option<S>,
    }
}

impl<Y, R, S, F> Gen<Y, R, S, F> {
    /// Whether the body has ended (returned or panicked).
    pub fn is_finished(&self) -> bool {
        self.stage.is_finished()
    }

    /// [`take_return`](Self::take_return) for a pinned generator (an `async fn`'s).
    pub fn take_return_pinned(self: Pin<&mut Self>) -> Option<R> {
        self.project().stage.take_return()
    }
}

impl<Y, R, S, F: Future<Output = R> + Slotted<Y, S>> Gen<Y, R, S, SyncBody<F>> {
    /// The value the body returned, once it has ended and only once; `None` before, or
    /// if it was already taken (by a [`GenState::Complete`]). For a pinned generator,
    /// see [`take_return_pinned`](Self::take_return_pinned).
    pub fn take_return(&mut self) -> Option<R> {
        self.stage.take_return()
    }

    /// Runs the body to its first `yield_!` (or to its end).
    ///
    /// # Panics
    ///
    /// If the generator has already started, and when the body panics.
    pub fn start(&mut self) -> GenState<Y, R> {
        assert!(
            matches!(self.stage, Stage::Fresh),
            "`start` is the first call on a coroutine; later ones are `resume`"
        );
        self.run(None)
    }

    /// Resumes the body: the `yield_!` it is suspended at evaluates to `value`, and it
    /// runs to the next `yield_!` (or to its end).
    ///
    /// On a generator that has not started, `resume` starts it; no `yield_!` waits for
    /// that first value, which is dropped (call [`start`](Self::start) instead of making
    /// one up).
    ///
    /// # Panics
    ///
    /// After the generator finished (once it gave [`GenState::Complete`] or its body
    /// panicked), and when the body panics.
    pub fn resume(&mut self, value: S) -> GenState<Y, R> {
        assert!(!self.stage.is_finished(), "{AFTER_END}");
        self.run(Some(value))
    }

    fn run(&mut self, resume: Option<S>) -> GenState<Y, R> {
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(self).poll_step(&mut cx, &mut { resume }) {
            Poll::Ready(state) => state,
            Poll::Pending => panic!(
                "the body of a sync coroutine awaited something other than `yield_!` (a \
                 `yield_!` smuggled in from another coroutine?); only an `async fn` \
                 coroutine may await"
            ),
        }
    }
}

impl<Y, R, S, B: Body<Output = R> + Slotted<Y, S>> Gen<Y, R, S, B> {
    /// Polls the body once, resuming it with `resume` if it is suspended at a yield.
    fn poll_step(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        resume: &mut Option<S>,
    ) -> Poll<GenState<Y, R>> {
        let this = self.project();
        assert!(!this.stage.is_finished(), "{AFTER_END}");
        let body = this.body;
        let resume = match this.stage {
            // Resumed with `()`, the body's yield makes its own resume value.
            Stage::Suspended if !*this.unit => resume.take(),
            // The first value starts the body: no `yield_!` waits for it.
            Stage::Fresh | Stage::Suspended => resume.take().and(None),
            _ => None,
        };
        let addresses = body.as_ref().get_ref().addresses();
        let (stage, held, shared, unit) = (&mut *this.stage, this.held, this.slot, *this.unit);
        let stepped = B::Key::with(|local| match local {
            Some(slot) => step_local(slot, addresses, stage, resume, held, || body.poll_body(cx)),
            None => step(
                shared.as_ref().expect("a shared slot"),
                stage,
                resume,
                held,
                unit,
                || body.poll_body(cx),
            ),
        });
        match stepped {
            Poll::Ready(GenState::Yielded(value)) => Poll::Ready(GenState::Yielded(value)),
            Poll::Ready(GenState::Complete(())) => Poll::Ready(GenState::Complete(
                this.stage.take_return().expect("just returned"),
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<Y, R, S, F: Future<Output = R> + Slotted<Y, S>> Gen<Y, R, S, F> {
    /// Runs the body to its first `yield_!` (or to its end), awaiting what it awaits.
    ///
    /// # Panics
    ///
    /// The returned future panics if the generator has already started, and when the body
    /// panics.
    pub fn start_async(self: Pin<&mut Self>) -> Resume<'_, Y, R, S, F> {
        assert!(
            matches!(self.stage, Stage::Fresh),
            "`start_async` is the first call on a coroutine; later ones are `resume_async`"
        );
        Resume {
            generator: self,
            value: None,
        }
    }

    /// Resumes the body with `value` (see [`resume`](Self::resume); on a generator that
    /// has not started, `value` is dropped) and waits for its next yield or its end.
    ///
    /// If the returned future is dropped after its first poll but before it is done, the
    /// body keeps the value it was resumed with and goes on from where it waits when the
    /// generator is next resumed; that next call's value is dropped, as no `yield_!` waits
    /// for it.
    ///
    /// # Panics
    ///
    /// The returned future panics after the generator finished, and when the body panics.
    pub fn resume_async(self: Pin<&mut Self>, value: S) -> Resume<'_, Y, R, S, F> {
        Resume {
            generator: self,
            value: Some(value),
        }
    }
}

/// The future of [`Gen::resume_async`] and [`Gen::start_async`].
#[must_use = "a resume does nothing unless awaited"]
pub struct Resume<'a, Y, R, S, F> {
    generator: Pin<&'a mut Gen<Y, R, S, F>>,
    value: Option<S>,
}

// Holds a pinned reference and a value it only moves.
impl<Y, R, S, F> Unpin for Resume<'_, Y, R, S, F> {}

impl<Y, R, S, F: Future<Output = R> + Slotted<Y, S>> Future for Resume<'_, Y, R, S, F> {
    type Output = GenState<Y, R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.generator.as_mut().poll_step(cx, &mut this.value)
    }
}

impl<Y, R, F: Future<Output = R> + Slotted<Y, ()>> Iterator for Gen<Y, R, (), SyncBody<F>> {
    type Item = Y;

    fn next(&mut self) -> Option<Y> {
        if self.stage.is_finished() {
            return None;
        }
        match self.run(Some(())) {
            GenState::Yielded(value) => Some(value),
            GenState::Complete(value) => {
                self.stage = Stage::Returned(value);
                None
            }
        }
    }
}

impl<Y, R, F: Future<Output = R> + Slotted<Y, ()>> std::iter::FusedIterator
    for Gen<Y, R, (), SyncBody<F>>
{
}

impl<Y, R, F: Future<Output = R> + Slotted<Y, ()>> Stream for Gen<Y, R, (), F> {
    type Item = Y;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Y>> {
        if self.stage.is_finished() {
            return Poll::Ready(None);
        }
        match self.as_mut().poll_step(cx, &mut Some(())) {
            Poll::Ready(GenState::Yielded(value)) => Poll::Ready(Some(value)),
            Poll::Ready(GenState::Complete(value)) => {
                *self.project().stage = Stage::Returned(value);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<Y, R, F: Future<Output = R> + Slotted<Y, ()>> FusedStream for Gen<Y, R, (), F> {
    fn is_terminated(&self) -> bool {
        self.stage.is_finished()
    }
}

impl<Y, R, S, F> fmt::Debug for Gen<Y, R, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gen")
            .field("finished", &self.stage.is_finished())
            .finish_non_exhaustive()
    }
}

/// Items `#[coroutine]`'s generated code names.
#[doc(hidden)]
pub mod generated {
    pub use super::{
        channel, local_channel, local_unit_channel, unit_channel, Builder, Co, Keyed, LocalSlot,
        Shared, SlotKey, Slotted, Yield,
    };

    /// Names lifetimes in a return-position `impl Trait`, so that a generator may
    /// borrow its arguments on edition 2021 too.
    pub trait Captures<T: ?Sized> {}
    impl<T: ?Sized, U: ?Sized> Captures<T> for U {}
}
