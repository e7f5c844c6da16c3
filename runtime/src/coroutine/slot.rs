// The exchange between a generator and its body: what a `yield_!` leaves for the step
// polling it, and takes from it.
//
// How a generator and its body exchange values, and why `yield_!` and not `yield`.
//
// rustc rejects the `yield` keyword while it *parses* a function, before any attribute
// macro sees it (`yield` syntax is experimental), so on stable the body spells a yield as
// the macro call `yield_!(v)`, which `#[coroutine]` rewrites wherever it appears in the
// body (inside other macros' arguments too). The body becomes an `async` block that
// awaits a `Yield` future at each `yield_!`; the generator polls that block.
//
// Each step of the generator keeps an `Exchange` on its own stack: the resume value goes
// in before the body is polled, and the `yield_!` that suspends the body leaves its value
// there. The `yield_!` reaches it through a frame the step publishes on its thread for
// the length of the poll (`frame.rs`, the one module with `unsafe`, says why that is
// sound). A value crosses within one poll on one thread, so nothing stays behind between
// polls: the generator may move to another thread between items, a body may wait on I/O
// between yields, and a generator driven inside a body publishes its own frame and
// restores the outer one. No allocation, no atomic operation, and one mechanism for
// every yield and resume type: borrowed, generic or the user's own.

use std::task::Poll;

use super::frame::{put, take, Found, Id, Refused};

/// What travels between a generator and its body, one value at a time.
pub(super) enum Exchange<Y, S> {
    Empty,
    Yielded(Y),
    Resumed(S),
}

pub(super) const SMUGGLED: &str =
    "a `yield_!` was polled outside its coroutine: it can only suspend the \
                        coroutine whose body it is written in, while that coroutine runs";

const TWO_YIELDS: &str = "two `yield_!`s of one coroutine were awaited at once (in a `join!`, \
                          say): a coroutine suspends at one yield at a time";

/// A yield's first half, when `yield_!(value)` is evaluated: hands `value` to the step
/// polling the body. Panics if the yield's generator is not the one polling on this
/// thread, or if another yield of it already left a value this poll (which stays, for
/// the step).
#[inline]
pub(super) fn hand_over<Y, S>(id: Id, value: Y) {
    if let Err((_, refused)) = put::<Y, S>(id, value) {
        match refused {
            Refused::NotPolling => panic!("{SMUGGLED}"),
            Refused::Occupied => panic!("{TWO_YIELDS}"),
        }
    }
}

/// A yield's second half, the future `yield_!` awaits: suspended while its value waits
/// in the exchange, then ready with the value the generator was resumed with (`made`,
/// when the yield makes its own).
#[inline]
pub(super) fn resumed<Y, S>(id: Id, made: impl FnOnce() -> Option<S>) -> Poll<S> {
    match take::<Y, S>(id) {
        Some(Found::Resumed(resume)) => Poll::Ready(resume),
        // Just handed over; or polled again before the generator resumed it (by a
        // `select!` in an async body, say): still suspended.
        Some(Found::Yielded) => Poll::Pending,
        Some(Found::Empty) => made().map_or(Poll::Pending, Poll::Ready),
        None => panic!("{SMUGGLED}"),
    }
}
