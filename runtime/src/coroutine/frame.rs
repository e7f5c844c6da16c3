//! The one module of coact with `unsafe` code: the frame through which a `yield_!`
//! reaches the exchange of the generator step that is polling its body.
//!
//! A step keeps its exchange (`Exchange<Y, S>`) on its own stack, in a [`Frame`] behind
//! the generator's [`Id`], and for as long as it polls the body publishes the frame's
//! address in a thread-local. A `yield_!` puts its value in ([`put`]), and later takes
//! its resume value out ([`take`]), only if the published frame's id is its own
//! generator's. Three rules make this sound:
//!
//! - **Type**: ids are never reused (a 64-bit counter), and a generator and its body's
//!   yields get theirs from the same call, which also fixes their `Y` and `S`; so a frame
//!   whose id matches a yield's is an exchange of exactly that yield's type. A yield
//!   taken out of its body and polled anywhere else (async-stream's issue #106) finds
//!   another id, or none, and is refused.
//! - **Lifetime**: a frame is published only inside [`Published::run`], which keeps it on
//!   its stack for the whole call and puts the frame it replaced back when it returns or
//!   unwinds; so the published address is always alive. A step nested inside another (a
//!   generator driven inside a body) publishes its own frame and restores the outer one.
//! - **Aliasing and ownership**: the exchange is reached through the frame's pointer
//!   only, by the yield while the body is polled and by the step between polls, never
//!   both at once; each access moves values in or out with plain reads and writes that
//!   run no other code (no drop in place), so every value moves exactly once and no
//!   reference into the frame outlives an access.
//!
//! `tests/coroutine_soundness.rs` aims at each rule, and CI runs it and the generator
//! tests under valgrind's memcheck (`.ci/valgrind`).

use std::cell::Cell;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU64, Ordering};

use super::slot::Exchange;

/// A generator's identity, shared with its body's yields; never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Id(u64);

impl Id {
    /// A fresh id (never 0, which no frame has).
    pub(super) fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A step's exchange with its generator's id in front: what a step publishes while it
/// polls its body. `repr(C)`, so that a pointer to it is also a pointer to its `id`,
/// which a yield reads before it knows the exchange's type.
#[repr(C)]
struct Frame<Y, S> {
    id: u64,
    exchange: Exchange<Y, S>,
}

/// The id published while no step polls on this thread: no generator has it.
static NO_FRAME: u64 = 0;

thread_local! {
    /// The frame of the step polling on this thread, as a pointer to its `id`: either
    /// `NO_FRAME` or a `Frame<Y, S>` that a running `Published::run` keeps on its stack.
    static FRAME: Cell<*const u64> = const { Cell::new(&raw const NO_FRAME) };
}

/// A step's exchange, published to its body's yields for the length of [`run`](Self::run).
/// Only `run` makes one, and only lends it to its closure: it cannot outlive the frame.
pub(super) struct Published<Y, S> {
    frame: NonNull<Frame<Y, S>>,
}

impl<Y, S> Published<Y, S> {
    /// Publishes `exchange`, moved into a frame with `id`, while `f` runs, then puts back
    /// whatever was published before (on unwind too) and gives back what the exchange
    /// holds with what `f` returned. `f` reaches the exchange between polls through
    /// [`replace`](Self::replace).
    // Always, like the other functions of a step: see `Gen::next`.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn run<T>(
        id: Id,
        exchange: Exchange<Y, S>,
        f: impl FnOnce(&mut Self) -> T,
    ) -> (T, Exchange<Y, S>) {
        /// Puts the outer frame back however `f` ends.
        struct Restore(*const u64);
        impl Drop for Restore {
            #[inline]
            fn drop(&mut self) {
                FRAME.set(self.0);
            }
        }
        let mut frame = Frame { id: id.0, exchange };
        let mut published = Self {
            frame: NonNull::from(&mut frame),
        };
        let restore = Restore(FRAME.replace(published.frame.as_ptr().cast_const().cast()));
        let out = f(&mut published);
        drop(restore);
        (out, replace(&mut frame.exchange, Exchange::Empty))
    }

    /// Puts `value` in the exchange and gives back what it held: for the step, between
    /// two polls of the body.
    #[inline]
    pub(super) fn replace(&mut self, value: Exchange<Y, S>) -> Exchange<Y, S> {
        // SAFETY: `frame` points to the frame `run` keeps on its stack for as long as
        // `self` lives. Between polls no yield runs, and `replace` runs no other code:
        // this is the only access.
        replace(unsafe { &mut (*self.frame.as_ptr()).exchange }, value)
    }
}

/// `mem::replace`, reading the old value field by field. A yield writes the exchange's
/// tag and its value with two stores, and one load spanning both (what a move of the
/// whole enum compiles to) cannot be forwarded from them: it waits for both stores to
/// reach the cache, which cost more than all the rest of a step.
#[inline]
fn replace<Y, S>(exchange: &mut Exchange<Y, S>, value: Exchange<Y, S>) -> Exchange<Y, S> {
    let old = match exchange {
        Exchange::Empty => Exchange::Empty,
        // SAFETY: the value is moved out here, and the `write` below overwrites its
        // place without dropping it: it is moved exactly once.
        Exchange::Yielded(yielded) => Exchange::Yielded(unsafe { ptr::read(yielded) }),
        // SAFETY: as above.
        Exchange::Resumed(resume) => Exchange::Resumed(unsafe { ptr::read(resume) }),
    };
    // SAFETY: `exchange` is a valid place whose old value was moved out above.
    unsafe { ptr::write(exchange, value) };
    old
}

/// The step of generator `id` polling on this thread, as a pointer to its frame.
///
/// A frame with this id was published by `Published::run` of the generator made with
/// this yield's id, so it is a `Frame<Y, S>` of this yield's `Y` and `S` (ids are unique,
/// and one call makes both), alive for as long as it is published, and not touched by
/// the step while the body is polled: what `put` and `take` rely on.
#[inline]
fn frame<Y, S>(id: Id) -> Option<*mut Frame<Y, S>> {
    let frame = FRAME.get();
    // SAFETY: `FRAME` always points to a live `u64`: `NO_FRAME`, or the `id` at the start
    // of a frame that a `Published::run` still running on this thread keeps on its stack
    // (it puts the pointer before back when it returns or unwinds).
    (unsafe { *frame } == id.0).then(|| frame.cast::<Frame<Y, S>>().cast_mut())
}

/// Why a yield could not hand its value over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    /// No step of its generator is polling on this thread.
    NotPolling,
    /// Another yield already left a value in this poll.
    Occupied,
}

/// For a yield of generator `id`: leaves `value` in that generator's exchange, if a step
/// of it is polling on this thread and the exchange is empty; if not, gives `value` back.
#[inline]
pub(super) fn put<Y, S>(id: Id, value: Y) -> Result<(), (Y, Refused)> {
    let Some(frame) = frame::<Y, S>(id) else {
        return Err((value, Refused::NotPolling));
    };
    // SAFETY: see `frame`; nothing here runs other code.
    let exchange = unsafe { &mut (*frame).exchange };
    if !matches!(exchange, Exchange::Empty) {
        return Err((value, Refused::Occupied));
    }
    // SAFETY: an `Empty` exchange owns nothing: overwriting it drops nothing.
    unsafe { ptr::write(exchange, Exchange::Yielded(value)) };
    Ok(())
}

/// What a yield found when it looked for its resume value.
pub(super) enum Found<S> {
    /// The value the generator was resumed with, now taken.
    Resumed(S),
    /// The yield's own value, still waiting to be taken by the step.
    Yielded,
    /// Nothing.
    Empty,
}

/// For a yield of generator `id`: takes the resume value from that generator's exchange,
/// if a step of it is polling on this thread (`None` if not).
#[inline]
pub(super) fn take<Y, S>(id: Id) -> Option<Found<S>> {
    let frame = frame::<Y, S>(id)?;
    // SAFETY: see `frame`; nothing here runs other code.
    let exchange = unsafe { &mut (*frame).exchange };
    Some(match exchange {
        Exchange::Empty => Found::Empty,
        Exchange::Yielded(_) => Found::Yielded,
        Exchange::Resumed(resume) => {
            // SAFETY: the value is moved out, and its place overwritten below without
            // being dropped: it is moved exactly once.
            let resume = unsafe { ptr::read(resume) };
            // SAFETY: `exchange` is a valid place whose value was moved out above.
            unsafe { ptr::write(exchange, Exchange::Empty) };
            Found::Resumed(resume)
        }
    })
}
