//! What a generator polls: its body, and the type-level key to the slot it meets it in.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::generated::{Made, Resumption};

/// The body of a generator made by `#[coroutine]`, yielding `Y` and resumed with `S`.
///
/// A `#[coroutine]` function's signature promises its body is `Slotted`, which is what
/// lets [`Gen`](super::Gen) drive it. Only `#[coroutine]` makes such bodies: the trait
/// is sealed, and there is nothing to implement or call.
///
/// ```
/// use coact::coroutine::Gen;
///
/// #[coact::coroutine]
/// fn countdown(from: u8) -> Gen<u8> {
///     for n in (1..=from).rev() {
///         yield_!(n);
///     }
/// }
///
/// // The signature rustdoc shows for `countdown`, spelled out:
/// fn _same(from: u8) -> Gen<u8, (), (), coact::coroutine::SyncBody<
///     impl std::future::Future<Output = ()> + coact::coroutine::Slotted<u8, ()>,
/// >> {
///     countdown(from)
/// }
/// assert_eq!(countdown(3).collect::<Vec<_>>(), [3, 2, 1]);
/// ```
pub trait Slotted<Y, S>: sealed::Sealed {
    /// Whether the body's yields make their own resume value (`()`).
    #[doc(hidden)]
    const UNIT: bool;
}

mod sealed {
    /// Implemented only by the bodies `#[coroutine]` makes.
    pub trait Sealed {}
}

impl<F, K> sealed::Sealed for Made<F, K> {}
impl<F: sealed::Sealed> sealed::Sealed for SyncBody<F> {}

impl<Y, S, F, K: Resumption<S>> Slotted<Y, S> for Made<F, K> {
    const UNIT: bool = K::UNIT;
}

impl<Y, S, F: Slotted<Y, S>> Slotted<Y, S> for SyncBody<F> {
    const UNIT: bool = F::UNIT;
}

/// Names the lifetimes a generator borrows from its arguments, in the signature of a
/// `#[coroutine]` function that borrows (`Captures<(&'a (), &'b ())>`), so that its
/// `impl Trait` return type may capture them on edition 2021 too. Every type implements
/// it; it promises nothing else.
pub trait Captures<T: ?Sized> {}

impl<T: ?Sized, U: ?Sized> Captures<T> for U {}

/// What a generator polls: an `async fn`'s body itself, or a plain `fn`'s, boxed.
#[doc(hidden)]
pub trait Body {
    /// What the body returns.
    type Output;
    /// Polls the body once.
    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output>;
}

impl<F: Future> Body for F {
    type Output = F::Output;

    #[inline]
    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.poll(cx)
    }
}

/// The body of a plain `fn`'s generator, boxed so that the generator is `Unpin` (an
/// iterator must be). Not a `Future` itself: a plain `fn`'s generator is an `Iterator`
/// and nothing else.
pub struct SyncBody<F>(pub(super) Pin<Box<F>>);

impl<F: Future> Body for SyncBody<F> {
    type Output = F::Output;

    #[inline]
    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.get_mut().0.as_mut().poll(cx)
    }
}

impl<F> fmt::Debug for SyncBody<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncBody")
    }
}
