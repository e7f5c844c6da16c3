//! [`Gen`], the generator a `#[coroutine]` function returns, and how it is driven:
//! `start` / `resume` and `Iterator` for a plain `fn`'s, `resume_async` and `Stream` for
//! an `async fn`'s.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::stream::{FusedStream, Stream};

use super::body::{Body, Slotted, SyncBody};
use super::frame::{Id, Published};
use super::slot::Exchange;
use super::step::{step, Stage, AFTER_END};

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
/// Allocations: the box of a plain `fn`'s body, and nothing else; nothing per item.
#[must_use = "a generator does nothing unless it is resumed, iterated or polled"]
pub struct Gen<Y, R, S, F> {
        id: Id,
        // Yielded values pass through, none is kept.
        yields: PhantomData<fn() -> Y>,
        #[pin]
        body: F,
        stage: Stage<R>,
        // A resume value the body has not taken yet (it awaited something else first):
        // kept here, so that a slot is empty between polls.
        held: Option<S>,
    }
}

impl<Y, R, S, F> Gen<Y, R, S, F> {
    /// A generator that has not started, whose body's yields carry `id`.
    pub(super) fn new(id: Id, body: F) -> Self {
        Self {
            id,
            yields: PhantomData,
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
    #[inline]
    pub fn resume(&mut self, value: S) -> GenState<Y, R> {
        assert!(!self.stage.is_finished(), "{AFTER_END}");
        self.run(Some(value))
    }

    #[inline]
    fn run(&mut self, value: Option<S>) -> GenState<Y, R> {
        let entry = Self::entry(&self.stage, &mut self.held, value);
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(&mut *self).advance(&mut cx, entry) {
            Poll::Ready(Some(value)) => GenState::Yielded(value),
            Poll::Ready(None) => {
                GenState::Complete(self.stage.take_return().expect("just returned"))
            }
            Poll::Pending => panic!("{AWAITED}"),
        }
    }
}

impl<Y, R, S, B: Body<Output = R> + Slotted<Y, S>> Gen<Y, R, S, B> {
    /// What the exchange holds when the body is polled, given the value the generator is
    /// resumed with: that value if a `yield_!` waits for it (unless the yield makes its
    /// own `()`), the value a running body has not taken yet, or nothing.
    #[inline]
    fn entry(stage: &Stage<R>, held: &mut Option<S>, value: Option<S>) -> Exchange<Y, S> {
        let resume = match stage {
            Stage::Suspended if !B::UNIT => value,
            Stage::Running => held.take(),
            _ => None,
        };
        resume.map_or(Exchange::Empty, Exchange::Resumed)
    }

    /// One step of the body: `Some` value it yielded, `None` if it returned (its value is
    /// kept in the stage), `Pending` if it awaits something else.
    // Always, like the other functions of a step: see `Gen::next`.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn advance(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        entry: Exchange<Y, S>,
    ) -> Poll<Option<Y>> {
        let this = self.project();
        let body = this.body;
        step(*this.id, this.stage, this.held, entry, || {
            body.poll_body(cx)
        })
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
        let generator = this.generator.as_mut().project();
        assert!(!generator.stage.is_finished(), "{AFTER_END}");
        let entry = Gen::<Y, R, S, F>::entry(generator.stage, generator.held, this.value.take());
        match this.generator.as_mut().advance(cx, entry) {
            Poll::Ready(Some(value)) => Poll::Ready(GenState::Yielded(value)),
            Poll::Ready(None) => Poll::Ready(GenState::Complete(
                this.generator
                    .as_mut()
                    .take_return_pinned()
                    .expect("just returned"),
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<Y, R, F: Future<Output = R> + Slotted<Y, ()>> Iterator for Gen<Y, R, (), SyncBody<F>> {
    type Item = Y;

    // Always, and the functions of a step under it too: a consumer that calls `next`
    // from two places (`Vec`'s `collect`) would otherwise call it, and nothing would stay
    // in registers between items (measured: 80 instructions per item collected into a
    // `Vec` with `#[inline]`, 69 with this; `bench/examples/coroutine_calls.rs`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn next(&mut self) -> Option<Y> {
        if self.stage.is_finished() {
            return None;
        }
        let entry = Self::entry(&self.stage, &mut self.held, Some(()));
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(self).advance(&mut cx, entry) {
            Poll::Ready(next) => next,
            Poll::Pending => panic!("{AWAITED}"),
        }
    }

    /// Runs the body to its end in one loop, folding what it yields into `init`: the
    /// step's setup is paid once, not per item (`sum`, `count`, `for_each` and `last`
    /// drain through here).
    fn fold<B, G: FnMut(B, Y) -> B>(mut self, init: B, mut g: G) -> B {
        if self.stage.is_finished() {
            return init;
        }
        let mut cx = Context::from_waker(Waker::noop());
        // `self` is consumed: its stage only matters for the return value.
        let (id, body, stage) = (self.id, &mut self.body, &mut self.stage);
        let (acc, _) = Published::run(id, Exchange::<Y, ()>::Empty, |exchange| {
            let mut acc = init;
            loop {
                if !F::UNIT && matches!(stage, Stage::Suspended) {
                    // Its `yield_!` waits for the `()` (a resume type spelled otherwise).
                    exchange.replace(Exchange::Resumed(()));
                }
                // Until the poll returns: a panic leaves the body unusable.
                *stage = Stage::Done;
                if let Poll::Ready(value) = Pin::new(&mut *body).poll_body(&mut cx) {
                    *stage = Stage::Returned(value);
                    return acc;
                }
                match exchange.replace(Exchange::Empty) {
                    Exchange::Yielded(value) => {
                        *stage = Stage::Suspended;
                        acc = g(acc, value);
                    }
                    _ => panic!("{AWAITED}"),
                }
            }
        });
        acc
    }
}

const AWAITED: &str = "the body of a sync coroutine awaited something other than `yield_!` (a \
                       `yield_!` smuggled in from another coroutine?); only an `async fn` \
                       coroutine may await";

impl<Y, R, F: Future<Output = R> + Slotted<Y, ()>> std::iter::FusedIterator
    for Gen<Y, R, (), SyncBody<F>>
{
}

impl<Y, R, F: Future<Output = R> + Slotted<Y, ()>> Stream for Gen<Y, R, (), F> {
    type Item = Y;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Y>> {
        if self.stage.is_finished() {
            return Poll::Ready(None);
        }
        let this = self.as_mut().project();
        let entry = Self::entry(this.stage, this.held, Some(()));
        self.advance(cx, entry)
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
