//! Items only `#[coroutine]`'s output names, reached through
//! `coact::__private::coroutine`: the body's end of the slot ([`Co`] and the [`Yield`]
//! future a `yield_!` awaits), the functions that make a generator's slot and its
//! [`Builder`], the per-thread [`LocalSlot`] and the keys that say which slot a body uses.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::body::SyncBody;
use super::gen::Gen;
use super::slot::{hand_over, own_slot, yield_local, Exchange, OwnSlot, SMUGGLED};

pub use super::body::{Captures, Slotted};

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
pub struct LocalSlot<Y, S> {
    pub(super) exchange: Cell<Exchange<Y, S>>,
    /// The addresses of the body being polled on this thread: a `Yield` whose handle
    /// (stored inside its body) lies outside was taken out of its coroutine. `(0, 0)`
    /// when no body of this function is polled here.
    pub(super) polling: Cell<(usize, usize)>,
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

impl<Y, S> Default for LocalSlot<Y, S> {
    fn default() -> Self {
        Self::new()
    }
}

/// Which slot a generator and its body meet in: a marker type that reaches a function's
/// per-thread slot (declared by `#[coroutine]` inside the function), or [`OwnSlotKey`].
/// Statically known, so that reaching the slot costs no lookup and no indirect call.
pub trait SlotKey<Y, S> {
    /// Calls `f` with this thread's slot, or `None` for a slot of the generator's own.
    fn with<T>(f: impl FnOnce(Option<&LocalSlot<Y, S>>) -> T) -> T;
}

/// The key to a slot of the generator's own, shared with its body through an `Arc`: for
/// yield and resume types that borrow or are generic, which a per-thread slot cannot hold.
#[derive(Debug)]
pub struct OwnSlotKey;

impl<Y, S> SlotKey<Y, S> for OwnSlotKey {
    #[inline]
    fn with<T>(f: impl FnOnce(Option<&LocalSlot<Y, S>>) -> T) -> T {
        f(None)
    }
}

/// The body's end of a generator's slot; `#[coroutine]` creates it with [`channel`] or
/// [`local_channel`].
pub struct Co<Y, S, K = OwnSlotKey> {
    /// `None` with a per-thread slot.
    slot: Option<Arc<OwnSlot<Y, S>>>,
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
#[must_use = "a yield does nothing unless awaited"]
pub struct Yield<'a, Y, S, K = OwnSlotKey> {
    co: &'a Co<Y, S, K>,
    value: Option<Y>,
}

// The value is moved, never pinned: a `Yield` may move between polls.
impl<Y, S, K> Unpin for Yield<'_, Y, S, K> {}

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
        let slot = this.co.slot.as_ref().expect("a slot of its own");
        assert!(
            this.co.unit.is_some() || slot.polling.load(Ordering::Acquire),
            "{SMUGGLED}"
        );
        hand_over(&slot.exchange, &mut this.value)
    }
}

/// The two ends of a new generator's slot: the body's and the generator's.
pub type Ends<Y, R, S, K = OwnSlotKey> = (Co<Y, S, K>, Builder<Y, R, S, K>);

/// Makes the slot of a new generator: the body's end and the generator's.
#[must_use]
pub fn channel<Y, R, S>() -> (Co<Y, S>, Builder<Y, R, S>) {
    make_channel(Some(own_slot()), None)
}

/// [`channel`] for a generator resumed with `()`: resuming it takes no trip through the
/// slot.
#[must_use]
pub fn unit_channel<Y, R>() -> (Co<Y, ()>, Builder<Y, R, ()>) {
    make_channel(Some(own_slot()), Some(|| ()))
}

/// [`channel`] through the function's own per-thread slot, reached through `K` (see
/// [`LocalSlot`]): nothing to allocate.
#[must_use]
pub fn local_channel<Y, R, S, K: SlotKey<Y, S>>() -> Ends<Y, R, S, K> {
    make_channel(None, None)
}

/// [`local_channel`] for a generator resumed with `()`.
#[must_use]
pub fn local_unit_channel<Y, R, K: SlotKey<Y, ()>>() -> Ends<Y, R, (), K> {
    make_channel(None, Some(|| ()))
}

fn make_channel<Y, R, S, K>(
    slot: Option<Arc<OwnSlot<Y, S>>>,
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
pub struct Builder<Y, R, S, K = OwnSlotKey> {
    slot: Option<Arc<OwnSlot<Y, S>>>,
    unit: bool,
    ret: PhantomData<fn() -> (R, K)>,
}

impl<Y, R, S, K> Builder<Y, R, S, K> {
    /// The generator of a plain `fn`: its body boxed, so that it is `Unpin`.
    pub fn sync<F: Future<Output = R>>(self, body: F) -> Gen<Y, R, S, SyncBody<Keyed<F, K>>> {
        Gen::new(self.slot, self.unit, SyncBody(Box::pin(Keyed::new(body))))
    }

    /// The generator of an `async fn`: its body inline.
    pub fn stream<F: Future<Output = R>>(self, body: F) -> Gen<Y, R, S, Keyed<F, K>> {
        Gen::new(self.slot, self.unit, Keyed::new(body))
    }
}

pin_project_lite::pin_project! {
    /// A generator's body with the key to its slot in its type: what `#[coroutine]`'s
    /// generators poll.
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

/// The name `#[coroutine]`'s output uses for [`OwnSlotKey`].
pub use self::OwnSlotKey as Shared;
