// The exchange between a generator and its body: the slot a `yield_!` leaves its value
// in and takes its resume value from.
//
// How a generator and its body exchange values, and why `yield_!` and not `yield`.
//
// rustc rejects the `yield` keyword while it *parses* a function, before any attribute
// macro sees it (`yield` syntax is experimental), so on stable the body spells a yield as
// the macro call `yield_!(v)`, which `#[coroutine]` rewrites wherever it appears in the
// body (inside other macros' arguments too). The body becomes an `async` block that
// awaits a `Yield` future at each `yield_!`; the generator polls that block. Values go
// out and resume values come in through a slot, in one of two ways, chosen by the macro
// from the declared types:
//
// - **Per thread**, when the yield and resume types are certainly `'static` and name
//   nothing generic (primitives, tuples, arrays, and standard types such as `String`,
//   `Vec<u64>` or `Option<String>` of those): a `thread_local!` that `#[coroutine]`
//   declares inside the function, so its type is the function's own and nothing else
//   can write to it. A value crosses it within one poll on one thread: the generator
//   saves the slot, puts the resume value in, polls the body, whose first act is the
//   `yield_!` taking it and whose last is the next `yield_!` leaving its value, takes
//   that value out and restores what it saved, on unwind too. So the slot is empty
//   between polls: the generator may move to another thread between items, a body may
//   wait on I/O between yields, and a generator of the same function driven inside the
//   body (a recursive one) saves and restores around its own poll. A `yield_!` polled
//   while its own body is not the one being polled on that thread panics rather than
//   hand its value to another generator. No allocation, no atomics.
// - **Own slot**, for anything else (a borrowed or generic type, or a type of the user's
//   own, which might be a generic parameter of an `impl` around the function that an
//   attribute cannot see): one `Arc` per generator holding an atomic cell.
//
// Neither is a type-erased pointer (async-stream's issue #106): there is no `unsafe`,
// and nothing is allocated per item.

use std::cell::Cell;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::task::Poll;

use crossbeam_utils::atomic::AtomicCell;

use super::generated::LocalSlot;

/// What travels between a generator and its body, one value at a time.
#[derive(Default)]
pub(super) enum Exchange<Y, S> {
    #[default]
    Empty,
    Yielded(Y),
    Resumed(S),
}

/// A generator's own slot, shared with its body through an `Arc`. Only one of them touches
/// it at a time (the body while the generator polls it, the generator otherwise), but a
/// generator may move between threads, so the exchange is an `AtomicCell`: moving a value
/// in or out costs one atomic swap and a release store, no lock round trip.
pub(super) struct OwnSlot<Y, S> {
    pub(super) exchange: AtomicCell<Exchange<Y, S>>,
    /// Set by the generator while it polls its body: a `Yield` polled at any other time
    /// was taken out of its coroutine, and refuses to deliver anywhere.
    pub(super) polling: AtomicBool,
}

/// The one operation both kinds of slot offer the exchange: put a value in, get what was
/// there. A `Cell` for a per-thread slot, an `AtomicCell` for a shared one.
pub(super) trait ExchangeCell<Y, S> {
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

pub(super) const SMUGGLED: &str =
    "a `yield_!` was polled outside its coroutine: it can only suspend the \
                        coroutine whose body it is written in, while that coroutine runs";

const TWO_YIELDS: &str = "two `yield_!`s of one coroutine were awaited at once (in a `join!`, \
                          say): a coroutine suspends at one yield at a time";

/// `Yield::poll` through a function's per-thread slot; `at` is the address of the
/// yield's handle, `value` what it has not handed over yet.
pub(super) fn yield_local<Y, S>(
    slot: &LocalSlot<Y, S>,
    at: usize,
    value: &mut Option<Y>,
) -> Poll<S> {
    let (start, end) = slot.polling.get();
    // Only while its own body is polled on this thread: a yield taken out of its
    // coroutine and polled elsewhere (or in another generator's body) must not hand its
    // value to whichever generator of this function runs here.
    assert!(start <= at && at < end, "{SMUGGLED}");
    hand_over(&slot.exchange, value)
}

/// A yield's side of the exchange: hands its value over and suspends, then, once the
/// generator has put a resume value in, takes it.
pub(super) fn hand_over<Y, S>(
    exchange: &impl ExchangeCell<Y, S>,
    value: &mut Option<Y>,
) -> Poll<S> {
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

/// A new slot of a generator's own, empty.
pub(super) fn own_slot<Y, S>() -> Arc<OwnSlot<Y, S>> {
    Arc::new(OwnSlot {
        exchange: AtomicCell::new(Exchange::Empty),
        polling: AtomicBool::new(false),
    })
}
