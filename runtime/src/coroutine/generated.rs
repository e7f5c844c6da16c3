//! Items only `#[coroutine]`'s output names, reached through
//! `coact::__private::coroutine`: the body's end of the exchange ([`Co`] and the
//! [`Yield`] future a `yield_!` awaits), and the functions that make a generator's two
//! ends.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::body::SyncBody;
use super::frame::Id;
use super::gen::Gen;
use super::slot::{hand_over, resumed};

pub use super::body::{Captures, Slotted};

/// The body's end of a generator; `#[coroutine]` creates it with [`channel`] or
/// [`unit_channel`]. `K` says where a yield's resume value comes from.
pub struct Co<Y, S, K = Sent> {
    /// The generator's identity: a yield hands its value only to a step of this one.
    id: Id,
    types: PhantomData<fn(Y, K) -> S>,
}

/// Where a yield's resume value comes from: the generator ([`Sent`]), or the yield
/// itself ([`Unit`], for `()`, which then costs no trip through the exchange).
pub trait Resumption<S> {
    /// Whether the yield makes its resume value itself.
    const UNIT: bool;
    /// The resume value, if the yield makes it itself.
    fn made() -> Option<S>;
}

/// A resume value the generator sends in.
#[derive(Debug)]
pub enum Sent {}

/// The `()` a generator resumed with `()` would send: made by the yield.
#[derive(Debug)]
pub enum Unit {}

impl<S> Resumption<S> for Sent {
    const UNIT: bool = false;
    #[inline]
    fn made() -> Option<S> {
        None
    }
}

impl Resumption<()> for Unit {
    const UNIT: bool = true;
    #[inline]
    fn made() -> Option<()> {
        Some(())
    }
}

impl<Y, S, K> Co<Y, S, K> {
    /// Hands `value` to the generator; the returned future suspends the body and
    /// resolves to the value the generator is resumed with.
    ///
    /// # Panics
    ///
    /// Unless this generator is polling its body on this thread (a `yield_!` taken out
    /// of its coroutine), or when another yield already handed a value over in this poll.
    #[inline]
    pub fn yield_(&self, value: Y) -> Yield<'_, Y, S, K> {
        hand_over::<Y, S>(self.id, value);
        Yield {
            id: self.id,
            co: PhantomData,
        }
    }
}

impl<Y, S, K> fmt::Debug for Co<Y, S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Co")
    }
}

/// The future a `yield_!` awaits, once its value was handed over: suspended until the
/// generator resumes the body, then the resume value. It holds no value of its own, so
/// the body's state keeps nothing but the id across the suspension.
#[must_use = "a yield does nothing unless awaited"]
pub struct Yield<'a, Y, S, K = Sent> {
    /// Its generator's id, copied from the `Co` it borrows: one load less per poll.
    id: Id,
    co: PhantomData<&'a Co<Y, S, K>>,
}

impl<Y, S, K> Unpin for Yield<'_, Y, S, K> {}

impl<Y, S, K: Resumption<S>> Future for Yield<'_, Y, S, K> {
    type Output = S;

    #[inline]
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<S> {
        resumed::<Y, S>(self.id, K::made)
    }
}

/// The two ends of a new generator: the body's and the generator's.
pub type Ends<Y, R, S, K = Sent> = (Co<Y, S, K>, Builder<Y, R, S, K>);

/// Makes the two ends of a new generator: the body's and the generator's.
#[must_use]
pub fn channel<Y, R, S>() -> Ends<Y, R, S> {
    make_channel()
}

/// [`channel`] for a generator resumed with `()`: resuming it takes no trip through the
/// exchange.
#[must_use]
pub fn unit_channel<Y, R>() -> Ends<Y, R, (), Unit> {
    make_channel()
}

fn make_channel<Y, R, S, K>() -> Ends<Y, R, S, K> {
    let id = Id::new();
    let builder = Builder {
        id,
        types: PhantomData,
    };
    let co = Co {
        id,
        types: PhantomData,
    };
    (co, builder)
}

/// Turns a body into a generator of the right form.
pub struct Builder<Y, R, S, K = Sent> {
    id: Id,
    types: PhantomData<fn(Y, S, K) -> R>,
}

impl<Y, R, S, K> Builder<Y, R, S, K> {
    /// The generator of a plain `fn`: its body boxed, so that it is `Unpin`.
    pub fn sync<F: Future<Output = R>>(self, body: F) -> Gen<Y, R, S, SyncBody<Made<F, K>>> {
        Gen::new(self.id, SyncBody(Box::pin(Made::new(body))))
    }

    /// The generator of an `async fn`: its body inline.
    pub fn stream<F: Future<Output = R>>(self, body: F) -> Gen<Y, R, S, Made<F, K>> {
        Gen::new(self.id, Made::new(body))
    }
}

pin_project_lite::pin_project! {
    /// A body `#[coroutine]` made: the only kind a generator drives
    /// ([`Slotted`]).
    pub struct Made<F, K> {
        #[pin]
        future: F,
        resumption: PhantomData<fn() -> K>,
    }
}

impl<F, K> Made<F, K> {
    fn new(future: F) -> Self {
        Self {
            future,
            resumption: PhantomData,
        }
    }
}

impl<F: Future, K> Future for Made<F, K> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}
