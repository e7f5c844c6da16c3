//! The queue of a mailbox: handles push calls under a lock; the owner takes every queued
//! call at once, in one swap, and then runs them from a batch of its own without touching
//! the lock again.
//!
//! Why not tokio's `mpsc`: its unbounded channel allocates a block per 32 messages and
//! keeps few of them, so a steady flow of calls allocated about once per 32 calls; and its
//! receiver pays two atomic steps per message. Here both deques keep their buffers (a swap
//! exchanges them), so a mailbox at steady state allocates nothing, and the owner locks
//! once per batch instead of once per call.
//!
//! The owner's wake-up: its waker is kept under the queue's lock. An owner that finds the
//! queue empty leaves its waker there in the same critical section
//! ([`Rx::fill_or_park`]), and every push takes the waker it finds there and wakes it
//! once the lock is released; so does a stop request or the last handle's drop
//! ([`Tx::wake_owner`]), after setting its flag, which the owner reads after parking. A
//! push either comes before the owner's look, which then finds the call, or after it,
//! and finds the waker: no wake-up is lost, and none costs more than the lock the push
//! takes anyway. (An `AtomicWaker` beside the lock cost two more read-modify-writes per
//! call on each side.) The loom models in `loom.rs` check that no wake-up is lost.
//!
//! A bounded queue counts room with a semaphore: a sender takes a permit before it pushes
//! (or waits for one, in line with other senders), and the owner gives one back for each
//! call it takes out of its batch, as tokio's bounded channel does.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::Waker;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::sync::{Arc, Mutex};

/// What the queue's two ends share.
struct Queue<T> {
    shared: Mutex<Shared<T>>,
    /// A permit per call a bounded queue still has room for; `None` when unbounded.
    room: Option<std::sync::Arc<Semaphore>>,
    /// Completes [`Tx::closed`] when the owner goes.
    closing: Notify,
}

struct Shared<T> {
    calls: VecDeque<T>,
    /// The owner is gone: nothing more is accepted.
    closed: bool,
    /// The waker of an owner that found the queue empty, for the next push (or stop, or
    /// last handle's drop) to take and wake.
    parked: Option<Waker>,
}

/// Why a call was not queued; the call comes back with the reason.
pub(super) enum Refused<T> {
    /// A bounded queue has no room.
    Full(T),
    /// The owner is gone.
    Closed(T),
}

/// Waiting for room in a full bounded queue: the one case that allocates.
pub(super) type Reserve<T> = Pin<Box<dyn Future<Output = Option<Permit<T>>> + Send>>;

/// The senders' end, one per handle (and one the owner keeps to make handles).
pub(super) struct Tx<T> {
    queue: Arc<Queue<T>>,
}

/// The owner's end.
pub(super) struct Rx<T> {
    queue: Arc<Queue<T>>,
    /// Calls taken from the queue and not yet handed out, in arrival order.
    batch: VecDeque<T>,
}

/// Room reserved in a bounded queue, for one call.
pub(super) struct Permit<T> {
    queue: Arc<Queue<T>>,
    permit: Option<OwnedSemaphorePermit>,
}

/// A queue, bounded to `capacity` calls if given.
pub(super) fn queue<T>(capacity: Option<usize>) -> (Tx<T>, Rx<T>) {
    let queue = Arc::new(Queue {
        shared: Mutex::new(Shared {
            calls: VecDeque::new(),
            closed: false,
            parked: None,
        }),
        room: capacity.map(|capacity| std::sync::Arc::new(Semaphore::new(capacity))),
        closing: Notify::new(),
    });
    let tx = Tx {
        queue: Arc::clone(&queue),
    };
    let rx = Rx {
        queue,
        batch: VecDeque::new(),
    };
    (tx, rx)
}

impl<T> Queue<T> {
    /// Nothing panics while holding the lock (a push, a swap, a flag).
    #[inline]
    fn lock(&self) -> crate::sync::MutexGuard<'_, Shared<T>> {
        self.shared.lock()
    }

    /// Queues the value `make` builds unless the owner is gone (then it comes back, built
    /// after the lock is released); room has been accounted for. Wakes a parked owner.
    ///
    /// `make` only assembles the value (it moves, it cannot panic), under the lock. Built
    /// by the caller and passed down through functions, the value went through memory at
    /// each hand-off, in 8-byte stores read back in 16-byte loads, which waited for those
    /// stores (BENCHMARKS.md, "Deferred handlers", session 33). Always inlined for the same
    /// reason. (It still passes through the stack once: `push_back` takes it before it
    /// makes room.)
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn push_with(&self, make: impl FnOnce() -> T) -> Result<(), T> {
        let mut shared = self.lock();
        if shared.closed {
            drop(shared);
            return Err(make());
        }
        shared.calls.push_back(make());
        let parked = shared.parked.take();
        drop(shared);
        if let Some(owner) = parked {
            owner.wake();
        }
        Ok(())
    }
}

impl<T> Clone for Tx<T> {
    fn clone(&self) -> Self {
        Self {
            queue: Arc::clone(&self.queue),
        }
    }
}

impl<T> Tx<T> {
    /// Queues `value` if there is room, without waiting.
    #[allow(clippy::inline_always)] // see `try_send_with`
    #[inline(always)]
    pub(super) fn try_send(&self, value: T) -> Result<(), Refused<T>> {
        self.try_send_with(|| value)
    }

    /// Queues the value `make` builds if there is room, without waiting; `make` only
    /// assembles it, and runs once either way (see [`Queue::push_with`]).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn try_send_with(&self, make: impl FnOnce() -> T) -> Result<(), Refused<T>> {
        if let Some(room) = &self.queue.room {
            match room.try_acquire() {
                Ok(permit) => permit.forget(),
                Err(TryAcquireError::NoPermits) => return Err(Refused::Full(make())),
                Err(TryAcquireError::Closed) => return Err(Refused::Closed(make())),
            }
        }
        self.queue.push_with(make).map_err(Refused::Closed)
    }

    /// Queues `value`, waiting for room in a full bounded queue; the value comes back if
    /// the owner is gone.
    #[cfg(feature = "nats")]
    pub(super) async fn send(&self, value: T) -> Result<(), T>
    where
        T: Send + 'static,
    {
        match self.try_send(value) {
            Ok(()) => Ok(()),
            Err(Refused::Closed(value)) => Err(value),
            Err(Refused::Full(value)) => match self.reserve().await {
                Some(permit) => permit.send(value),
                None => Err(value),
            },
        }
    }

    /// Waits for room for one call; `None` once the owner is gone.
    pub(super) fn reserve(&self) -> Reserve<T>
    where
        T: Send + 'static,
    {
        let queue = Arc::clone(&self.queue);
        Box::pin(async move {
            let permit = match &queue.room {
                Some(room) => Some(std::sync::Arc::clone(room).acquire_owned().await.ok()?),
                None => None,
            };
            Some(Permit { queue, permit })
        })
    }

    /// Wakes the owner if it is parked: for a stop request or the last handle's drop,
    /// made after setting the flag that says so (the owner reads it after parking).
    pub(super) fn wake_owner(&self) {
        let parked = self.queue.lock().parked.take();
        if let Some(owner) = parked {
            owner.wake();
        }
    }

    /// Whether the owner is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.queue.lock().closed
    }

    /// Resolves once the owner is gone.
    #[cfg(feature = "nats")]
    pub(super) async fn closed(&self) {
        let mut closing = std::pin::pin!(self.queue.closing.notified());
        // Registered before the look: a close after it completes `closing`.
        closing.as_mut().enable();
        if self.is_closed() {
            return;
        }
        closing.await;
    }
}

impl<T> Permit<T> {
    /// Queues `value` in the room reserved for it; the value comes back if the owner is
    /// gone.
    pub(super) fn send(self, value: T) -> Result<(), T> {
        if let Some(permit) = self.permit {
            permit.forget();
        }
        self.queue.push_with(|| value)
    }
}

impl<T> Rx<T> {
    /// The next call in arrival order, if any is queued.
    #[inline]
    pub(super) fn try_recv(&mut self) -> Option<T> {
        self.fill();
        self.try_recv_taken()
    }

    /// Whether calls taken from the queue are still in the batch (no lock).
    #[inline]
    pub(super) fn has_taken(&self) -> bool {
        !self.batch.is_empty()
    }

    /// Whether the batch holds calls, refilled from the queue if it was empty.
    #[inline]
    pub(super) fn fill(&mut self) -> bool {
        if self.batch.is_empty() {
            self.refill();
        }
        !self.batch.is_empty()
    }

    /// The next call already taken from the queue, without looking at the queue (no
    /// lock): `None` once the batch is done, even if more calls are queued.
    #[inline]
    pub(super) fn try_recv_taken(&mut self) -> Option<T> {
        let value = self.batch.pop_front()?;
        if let Some(room) = &self.queue.room {
            room.add_permits(1);
        }
        Some(value)
    }

    /// Takes every queued call into the (empty) batch: the two deques swap buffers, so
    /// both keep their capacity.
    fn refill(&mut self) {
        let mut shared = self.queue.lock();
        std::mem::swap(&mut shared.calls, &mut self.batch);
    }

    /// Like [`fill`](Self::fill), for an owner that waits for calls: if none is queued, it
    /// parks `waker` in the same critical section, for the next push to wake.
    #[inline]
    pub(super) fn fill_or_park(&mut self, waker: &Waker) -> bool {
        if !self.batch.is_empty() {
            return true;
        }
        let mut shared = self.queue.lock();
        if shared.calls.is_empty() {
            match &mut shared.parked {
                Some(parked) if parked.will_wake(waker) => {}
                parked => *parked = Some(waker.clone()),
            }
            return false;
        }
        std::mem::swap(&mut shared.calls, &mut self.batch);
        true
    }

    /// How many calls are queued, taken or not.
    pub(super) fn len(&self) -> usize {
        self.batch.len() + self.queue.lock().calls.len()
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        // Refuse what comes next, then drop what is queued outside the lock: a call's drop
        // runs its reply's (a sync caller learns the owner is gone). The owner's parked
        // waker goes too, so that the handles do not keep its task alive.
        let (queued, parked) = {
            let mut shared = self.queue.lock();
            shared.closed = true;
            (std::mem::take(&mut shared.calls), shared.parked.take())
        };
        if let Some(room) = &self.queue.room {
            room.close();
        }
        self.queue.closing.notify_waiters();
        drop(queued);
        drop(parked);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    use super::queue;

    /// A waker that only counts its clones (through its `Arc`).
    struct Counted;

    impl Wake for Counted {
        fn wake(self: Arc<Self>) {}
    }

    /// A parked owner's waker is let go when the owner's end is dropped, although a handle
    /// still holds the queue: the handles do not keep the owner's task alive.
    #[test]
    fn the_owners_drop_lets_go_of_its_parked_waker() {
        let (tx, mut rx) = queue::<u32>(None);
        let counted = Arc::new(Counted);
        let waker = Waker::from(Arc::clone(&counted));
        assert!(!rx.fill_or_park(&waker), "nothing was queued");
        drop(waker);
        assert_eq!(
            Arc::strong_count(&counted),
            2,
            "the queue keeps the parked waker"
        );
        drop(rx);
        assert_eq!(
            Arc::strong_count(&counted),
            1,
            "the parked waker outlived the owner"
        );
        assert!(tx.is_closed());
    }
}
