//! Where a sync call's result travels from the owner to the caller: a slot the owner fills
//! once and the caller reads once, which the caller's thread then keeps for its next call
//! with the same type of result.
//!
//! It replaces a tokio `oneshot` per call, whose allocation was the last one a sync call
//! made at steady state. The protocol is a `oneshot`'s: the state says whether the slot
//! waits, was filled, was dropped by the owner without a value (`Gone`), or was left by the
//! caller (a withdrawn call: [`ReplySender::is_closed`]); the value moves through a lock
//! that neither side holds for more than a move; the caller's waker through an
//! `AtomicWaker`. The loom models in `loom.rs` run it as it is.
//!
//! Reuse: a caller that has read its value takes the slot back only if it holds the last
//! reference (`Arc::get_mut`, which also orders everything the owner did with it before
//! the reuse), then empties it and keeps it in a small per-thread list. A slot the owner
//! still holds for a moment, or one left unread, is simply dropped.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::sync::PoisonError;
use std::task::{Context, Poll};

use crate::sync::{Arc, AtomicU8, AtomicWaker, Mutex};

/// Neither side is done.
const WAITING: u8 = 0;
/// The owner stored the value.
const FILLED: u8 = 1;
/// The owner dropped its end without a value.
const DROPPED: u8 = 2;
/// The caller dropped its end before the value came.
const LEFT: u8 = 3;

struct Slot<T> {
    state: AtomicU8,
    value: Mutex<Option<T>>,
    waker: AtomicWaker,
}

/// The owner's end.
pub(super) struct ReplySender<T>(Arc<Slot<T>>);

/// The caller's end: a future of the value, or `None` if the owner dropped its end
/// without one.
pub(super) struct ReplyReceiver<T>(Option<Arc<Slot<T>>>);

/// A slot for a reply of type `T`: a spare one of this thread's, or a new one.
pub(super) fn reply_slot<T: Send + 'static>() -> (ReplySender<T>, ReplyReceiver<T>) {
    let slot = spare::take().unwrap_or_else(|| {
        Arc::new(Slot {
            state: AtomicU8::new(WAITING),
            value: Mutex::new(None),
            waker: AtomicWaker::new(),
        })
    });
    (ReplySender(Arc::clone(&slot)), ReplyReceiver(Some(slot)))
}

impl<T> Slot<T> {
    fn value(&self) -> crate::sync::MutexGuard<'_, Option<T>> {
        // Nothing panics while holding the lock (a move in, a move out).
        self.value.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> ReplySender<T> {
    /// Whether the caller has gone (dropped its future: the call is withdrawn).
    #[inline]
    pub(super) fn is_closed(&self) -> bool {
        self.0.state.load(Acquire) == LEFT
    }

    /// Hands `value` to the caller; it comes back if the caller has gone.
    #[inline]
    pub(super) fn send(self, value: T) -> Result<(), T> {
        let slot = &self.0;
        *slot.value() = Some(value);
        // The value is in before the state says so (AcqRel: the caller reads it after
        // seeing `FILLED`); a caller that left first keeps `LEFT`, and the value comes back.
        match slot
            .state
            .compare_exchange(WAITING, FILLED, AcqRel, Acquire)
        {
            Ok(_) => {
                slot.waker.wake();
                Ok(())
            }
            Err(_) => Err(slot.value().take().expect("the value just stored")),
        }
    }
}

impl<T> Drop for ReplySender<T> {
    fn drop(&mut self) {
        // Dropped without a value (the owner went, or the call never ran): the caller
        // learns it. After a `send`, the state is no longer `WAITING` and this does nothing.
        if self
            .0
            .state
            .compare_exchange(WAITING, DROPPED, AcqRel, Acquire)
            .is_ok()
        {
            self.0.waker.wake();
        }
    }
}

impl<T: Send + 'static> ReplyReceiver<T> {
    /// The value if it has come; `None` until then, and once the owner has gone without
    /// one. (The loom models' look at the reply; `SyncCall` polls.)
    #[cfg(all(test, loom))]
    pub(super) fn try_recv(&mut self) -> Option<T> {
        match self.0.as_ref()?.state.load(Acquire) {
            FILLED => self.take(),
            _ => None,
        }
    }

    /// Takes the value out of a filled slot and hands the slot back to this thread.
    fn take(&mut self) -> Option<T> {
        let mut slot = self.0.take()?;
        let value = slot.value().take();
        spare::put(&mut slot);
        value
    }
}

impl<T: Send + 'static> Future for ReplyReceiver<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let Some(slot) = &this.0 else {
            return Poll::Ready(None);
        };
        // Looked at, then (if nothing yet) looked at again after registering: a fill or
        // drop between the two is seen by the second look, one after it wakes the waker.
        let mut state = slot.state.load(Acquire);
        if state == WAITING {
            slot.waker.register(cx.waker());
            state = slot.state.load(Acquire);
        }
        match state {
            FILLED => Poll::Ready(this.take()),
            DROPPED => {
                this.0 = None;
                Poll::Ready(None)
            }
            _ => Poll::Pending,
        }
    }
}

impl<T> Drop for ReplyReceiver<T> {
    fn drop(&mut self) {
        // Left before the value came: the owner sees the call withdrawn. A value that came
        // and was never read is dropped with the slot.
        if let Some(slot) = &self.0 {
            let _ = slot.state.compare_exchange(WAITING, LEFT, AcqRel, Acquire);
        }
    }
}

/// Each thread's spare slots, one per type of result at most, up to eight.
mod spare {
    #[cfg(not(all(test, loom)))]
    use std::{any::Any, cell::RefCell};

    #[cfg(not(all(test, loom)))]
    use super::WAITING;
    use super::{Arc, Slot};

    /// Spare slots kept per thread: as many types of result as a thread's callers
    /// alternate between, without the list growing with every type a program has.
    #[cfg(not(all(test, loom)))]
    const MAX: usize = 8;

    /// A slot as kept: its type of result erased, so that one list holds them all.
    #[cfg(not(all(test, loom)))]
    type Spare = std::sync::Arc<dyn Any + Send + Sync>;

    #[cfg(not(all(test, loom)))]
    std::thread_local! {
        static SPARE: RefCell<Vec<Spare>> = const { RefCell::new(Vec::new()) };
    }

    /// This thread's spare slot for results of type `T`, if it keeps one.
    #[cfg(not(all(test, loom)))]
    pub(super) fn take<T: Send + 'static>() -> Option<Arc<Slot<T>>> {
        SPARE
            .try_with(|spare| {
                let mut spare = spare.try_borrow_mut().ok()?;
                let at = spare.iter().position(|slot| slot.is::<Slot<T>>())?;
                spare.swap_remove(at).downcast().ok()
            })
            .ok()
            .flatten()
    }

    /// Keeps `slot` for this thread's next call with a result of type `T`, if nobody
    /// else holds it and the thread keeps no other for that type.
    #[cfg(not(all(test, loom)))]
    pub(super) fn put<T: Send + 'static>(slot: &mut Arc<Slot<T>>) {
        // The last reference: the owner is done with it, its drop included.
        let Some(empty) = Arc::get_mut(slot) else {
            return;
        };
        *empty.state.get_mut() = WAITING;
        // The last call's waker: kept, it would keep that task's memory alive.
        drop(empty.waker.take());
        let slot: Spare = Arc::<Slot<T>>::clone(slot);
        let _ = SPARE.try_with(|spare| {
            let Ok(mut spare) = spare.try_borrow_mut() else {
                return;
            };
            if spare.len() < MAX && !spare.iter().any(|kept| kept.is::<Slot<T>>()) {
                spare.push(slot);
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
    pub(super) fn put<T: Send + 'static>(_: &mut Arc<Slot<T>>) {}
}
