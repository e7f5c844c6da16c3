//! [`Gen`], the generator a `#[coroutine]` function returns, and how it is driven:
//! `start` / `resume` and `Iterator` for a plain `fn`'s, `resume_async` and `Stream` for
//! an `async fn`'s.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_core::stream::{FusedStream, Stream};

use super::body::{Body, Slotted, SyncBody};
use super::generated::SlotKey;
use super::slot::OwnSlot;
use super::step::{step, step_local, Stage, AFTER_END};

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
        slot: Option<Arc<OwnSlot<Y, S>>>,
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
    /// A generator that has not started; `slot` is `None` with a per-thread slot.
    pub(super) fn new(slot: Option<Arc<OwnSlot<Y, S>>>, unit: bool, body: F) -> Self {
        Self {
            slot,
            unit,
            body,
            stage: Stage::Fresh,
            held: None,
        }
    }

    /// Whether the body has ended (returned or panicked).
    pub fn is_finished(&self) -> bool {
        self.stage.is_finished()
    }

    /// [`take_return`](Self::take_return) for a pinned generator (an `async fn`'s).
    #[must_use]
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
        let (stage, held, own, unit) = (&mut *this.stage, this.held, this.slot, *this.unit);
        let stepped = B::Key::with(|local| match local {
            Some(slot) => step_local(slot, addresses, stage, resume, held, || body.poll_body(cx)),
            None => step(
                own.as_ref().expect("a slot of its own"),
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
