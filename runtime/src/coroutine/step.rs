//! One step of a generator: the resume value goes into the slot, the body is polled
//! once, and what it left there (a yielded value, or nothing) decides where the
//! generator now is.

use std::mem;
use std::sync::atomic::Ordering;
use std::task::Poll;

use super::gen::GenState;
use super::generated::LocalSlot;
use super::slot::{Exchange, OwnSlot};

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
pub(super) fn step_local<Y, R, S>(
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
pub(super) fn step<Y, R, S>(
    slot: &OwnSlot<Y, S>,
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
