//! One step of a generator: the resume value goes into the exchange, the body is polled
//! once, and what it left there (a yielded value, or nothing) decides where the
//! generator now is.

use std::mem;
use std::task::Poll;

use super::frame::{Id, Published};
use super::slot::Exchange;

/// Where a generator is in its life.
pub(super) enum Stage<R> {
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
    pub(super) fn is_finished(&self) -> bool {
        matches!(self, Self::Returned(_) | Self::Done)
    }

    pub(super) fn take_return(&mut self) -> Option<R> {
        match mem::replace(self, Self::Done) {
            Self::Returned(value) => Some(value),
            other => {
                *self = other;
                None
            }
        }
    }
}

pub(super) const AFTER_END: &str =
    "a coroutine was resumed after it finished (or after it panicked)";

/// Polls `body` once with `exchange` published to its yields: `Some` value it yielded, `None` if it returned (its value is in `stage`), or
/// `Pending` if it awaits something else (only an async body may).
// Always, like the other functions of a step: see `Gen::next`.
#[allow(clippy::inline_always)]
#[inline(always)]
pub(super) fn step<Y, R, S>(
    id: Id,
    stage: &mut Stage<R>,
    held: &mut Option<S>,
    exchange: Exchange<Y, S>,
    poll: impl FnOnce() -> Poll<R>,
) -> Poll<Option<Y>> {
    // Until the poll returns: a panic leaves the body unusable.
    *stage = Stage::Done;
    let (polled, exchange) = Published::run(id, exchange, |_| poll());
    match (polled, exchange) {
        (Poll::Ready(value), _) => {
            *stage = Stage::Returned(value);
            Poll::Ready(None)
        }
        (Poll::Pending, Exchange::Yielded(value)) => {
            *stage = Stage::Suspended;
            Poll::Ready(Some(value))
        }
        (Poll::Pending, other) => {
            // Not taken yet (the body awaits something else first): the generator keeps
            // it for the next poll, and the exchange is empty between polls.
            if let Exchange::Resumed(resume) = other {
                *held = Some(resume);
            }
            *stage = Stage::Running;
            Poll::Pending
        }
    }
}
