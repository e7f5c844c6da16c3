//! Where a sync call's result travels from the owner to the caller: a slot the owner fills
//! once and the caller reads once, which the caller's thread then keeps for its next call
//! with the same type of result.
//!
//! It replaces a tokio `oneshot` per call, whose allocation was the last one a sync call
//! made at steady state. The protocol is a `oneshot`'s: the slot waits, is filled, is
//! dropped by the owner without a value (the caller gets `Gone`), or is left by the caller
//! (a withdrawn call: [`ReplySender::is_closed`]). State, value and the waiting caller's
//! waker sit behind one lock, for a move and a flag; "left" is also a flag the owner
//! reads without it. The owner takes the lock once, to fill the slot or mark it dropped.
//! The caller, on the common path, never: its first look comes with its waker already on
//! the call (`Caller`), and once the owner has let go of the slot the caller's `Arc` is
//! the only one, so it reads the value through `Arc::get_mut`
//! ([`ReplyReceiver::poll_alone`]). Only a caller polled while the owner still holds the
//! slot locks it, to register its waker or read a value filled a moment before. The loom
//! models in `loom.rs` run the slot as it is.
//!
//! Reuse: once the owner has filled the slot it never touches it again (its reference only
//! goes), so the caller that reads the value sets the slot waiting again and keeps it in a
//! small per-thread list. A slot left, dropped or never read is not reused.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::task::{Context, Poll, Waker};

use crate::sync::{Arc, AtomicBool, Mutex, MutexGuard};

/// Where a reply is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Neither side is done.
    Waiting,
    /// The owner stored the value.
    Filled,
    /// The owner dropped its end without a value.
    Dropped,
    /// The caller dropped its end before the value came.
    Left,
}

struct Slot<T> {
    inner: Mutex<Inner<T>>,
    /// `Left`, readable without the lock: the owner asks before each call it runs.
    left: AtomicBool,
}

struct Inner<T> {
    state: State,
    value: Option<T>,
    /// The caller's, while it waits.
    waker: Option<Waker>,
}

/// The owner's end; `None` once it has sent.
pub(super) struct ReplySender<T>(Option<Arc<Slot<T>>>);

/// The caller's end: a future of the value, or `None` if the owner dropped its end
/// without one. `None` inside once it has the value (the slot went back to its thread).
pub(super) struct ReplyReceiver<T>(Option<Arc<Slot<T>>>);

/// A slot for a reply of type `T`: a spare one of this thread's, or a new one.
pub(super) fn reply_slot<T: Send + 'static>() -> (ReplySender<T>, ReplyReceiver<T>) {
    let slot = spare::take().unwrap_or_else(|| {
        Arc::new(Slot {
            inner: Mutex::new(Inner {
                state: State::Waiting,
                value: None,
                waker: None,
            }),
            left: AtomicBool::new(false),
        })
    });
    (
        ReplySender(Some(Arc::clone(&slot))),
        ReplyReceiver(Some(slot)),
    )
}

impl<T> Slot<T> {
    /// Nothing panics while holding the lock (moves and flags).
    #[inline]
    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock()
    }
}

impl<T> ReplySender<T> {
    /// Whether the caller has gone (dropped its future: the call is withdrawn).
    #[inline]
    pub(super) fn is_closed(&self) -> bool {
        self.0.as_ref().is_none_or(|slot| slot.left.load(Acquire))
    }

    /// Hands `value` to the caller; it comes back if the caller has gone.
    ///
    /// Always inlined into the code that finishes a call, so the outcome (24 bytes or
    /// more: a `Result<T, String>`) is stored into the slot where it was computed. Out of
    /// line, it came by pointer, written in 8-byte pieces and read back in 16-byte ones, a
    /// load that waits for the stores (BENCHMARKS.md, "Deferred handlers", session 33).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn send(mut self, value: T) -> Result<(), T> {
        let Some(slot) = self.0.take() else {
            return Err(value);
        };
        let waker = {
            let mut inner = slot.lock();
            if inner.state != State::Waiting {
                return Err(value);
            }
            inner.state = State::Filled;
            inner.value = Some(value);
            inner.waker.take()
        };
        // After this the owner never touches the slot again (its reference only goes):
        // the caller may reuse it as soon as it has read the value.
        drop(slot);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

impl<T> Drop for ReplySender<T> {
    fn drop(&mut self) {
        // Dropped without a value (the owner went, or the call never ran): the caller
        // learns it.
        let Some(slot) = self.0.take() else {
            return;
        };
        let waker = {
            let mut inner = slot.lock();
            if inner.state != State::Waiting {
                return;
            }
            inner.state = State::Dropped;
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T: Send + 'static> ReplyReceiver<T> {
    /// The value if it has come; `None` until then, and once the owner has gone without
    /// one. (The loom models' look at the reply; `SyncCall` polls.)
    #[cfg(all(test, loom))]
    pub(super) fn try_recv(&mut self) -> Option<T> {
        let slot = self.0.take()?;
        let value = slot.lock().value.take();
        if value.is_none() {
            self.0 = Some(slot);
        }
        value
    }

    /// The reply without the lock, once the owner's end is gone (it sent, or was dropped
    /// without a value) and the slot is the caller's alone; `Pending`, with no waker
    /// registered, while the owner still holds it. One read-modify-write, the `Arc`'s
    /// uniqueness check, where a lock and an unlock are two; tried only when a plain load
    /// of the count says it may succeed, since a failed check costs the same.
    ///
    /// `SyncCall`'s first look at the reply of the call it has just queued, with its waker
    /// ([`Caller`](super::mailbox::Caller)), which the owner wakes once done with the
    /// call: then there is nothing to register. Every poll looks here first, the one
    /// that finds the reply inlined into the caller's future (see `SyncCall::poll`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn poll_alone(&mut self) -> Poll<Option<T>> {
        let Some(slot) = &mut self.0 else {
            return Poll::Ready(None);
        };
        if Arc::strong_count(slot) != 1 {
            return Poll::Pending;
        }
        let Some(alone) = Arc::get_mut(slot) else {
            return Poll::Pending;
        };
        let inner = alone.inner.get_mut();
        let value = inner.value.take();
        if inner.state == State::Filled {
            // Ready for the next call: the owner is done with it (see `send`).
            inner.state = State::Waiting;
            if let Some(slot) = self.0.take() {
                spare::put(slot);
            }
        } else {
            self.0 = None;
        }
        Poll::Ready(value)
    }
}

impl<T: Send + 'static> Future for ReplyReceiver<T> {
    type Output = Option<T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if let Poll::Ready(reply) = this.poll_alone() {
            return Poll::Ready(reply);
        }
        let Some(slot) = &this.0 else {
            return Poll::Ready(None);
        };
        let mut inner = slot.lock();
        match inner.state {
            State::Waiting => {
                match &mut inner.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    waker => *waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            State::Filled => {
                let value = inner.value.take();
                // Ready for the next call: the owner is done with it (see `send`).
                inner.state = State::Waiting;
                drop(inner);
                if let Some(slot) = this.0.take() {
                    spare::put(slot);
                }
                Poll::Ready(value)
            }
            State::Dropped | State::Left => {
                drop(inner);
                this.0 = None;
                Poll::Ready(None)
            }
        }
    }
}

impl<T> Drop for ReplyReceiver<T> {
    fn drop(&mut self) {
        // Left before the value came: the owner sees the call withdrawn. A value that came
        // and was never read is dropped with the slot, which nobody reuses.
        if let Some(slot) = &self.0 {
            let mut inner = slot.lock();
            if inner.state == State::Waiting {
                inner.state = State::Left;
                slot.left.store(true, Release);
            }
        }
    }
}

/// Each thread's spare slots, in up to sixteen places: a place per type of result, and more
/// than one for a type whose calls overlap on the thread (a handler method's sync call made
/// while its own caller waits, on the same thread, for a result of the same type; calls
/// joined in one task).
mod spare {
    #[cfg(not(all(test, loom)))]
    use std::{
        any::{Any, TypeId},
        cell::RefCell,
    };

    use super::{Arc, Slot};

    /// Places a thread keeps spare slots in: as many as the types its callers alternate
    /// between, and the calls that overlap, without the list growing with every type a
    /// program has.
    #[cfg(not(all(test, loom)))]
    const MAX: usize = 16;

    /// A thread's place for a spare slot of one type of result: its `TypeId`, so that a
    /// search compares ids without a call through the vtable, and the slot, its type
    /// erased so that one list holds them all, while it is spare. A place stays once made:
    /// taking and putting back write the slot's pointer in place, with no entry moved. (An
    /// entry pushed and removed per call was built on the stack in word-sized halves and
    /// read back whole, a load that waits for both stores to reach the cache.)
    #[cfg(not(all(test, loom)))]
    type Place = (TypeId, Option<std::sync::Arc<dyn Any + Send + Sync>>);

    #[cfg(not(all(test, loom)))]
    std::thread_local! {
        static SPARE: RefCell<Vec<Place>> = const { RefCell::new(Vec::new()) };
    }

    /// A spare slot of this thread's for results of type `T`, if it keeps one.
    #[cfg(not(all(test, loom)))]
    #[inline]
    pub(super) fn take<T: Send + 'static>() -> Option<Arc<Slot<T>>> {
        let kind = TypeId::of::<Slot<T>>();
        SPARE
            .try_with(|spare| {
                let mut spare = spare.try_borrow_mut().ok()?;
                let (_, slot) = spare
                    .iter_mut()
                    .find(|(of, slot)| *of == kind && slot.is_some())?;
                slot.take()?.downcast().ok()
            })
            .ok()
            .flatten()
    }

    /// Keeps `slot` for this thread's next call with a result of type `T`: in an empty
    /// place of that type, else in a new place, unless the thread has `MAX` already (then
    /// the slot is dropped).
    #[cfg(not(all(test, loom)))]
    pub(super) fn put<T: Send + 'static>(slot: Arc<Slot<T>>) {
        let kind = TypeId::of::<Slot<T>>();
        let _ = SPARE.try_with(|spare| {
            let Ok(mut spare) = spare.try_borrow_mut() else {
                return;
            };
            if let Some((_, place)) = spare
                .iter_mut()
                .find(|(of, place)| *of == kind && place.is_none())
            {
                *place = Some(slot);
            } else if spare.len() < MAX {
                spare.push((kind, Some(slot)));
            }
        });
    }

    // Under loom, slots are not reused: loom's `Arc` does not erase types, and each model
    // runs one call per slot.
    #[cfg(all(test, loom))]
    pub(super) fn take<T: Send + 'static>() -> Option<Arc<Slot<T>>> {
        None
    }

    #[cfg(all(test, loom))]
    pub(super) fn put<T: Send + 'static>(_: Arc<Slot<T>>) {}
}
