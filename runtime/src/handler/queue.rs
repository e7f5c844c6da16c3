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
//! The owner's wake-up: a push onto an empty queue wakes the owner (its `AtomicWaker`,
//! shared with the stop request and the last handle's drop); a push onto a non-empty one
//! does not, because the owner takes everything when it takes anything, so the push that
//! found the queue empty has woken it since it last looked, or it will. That push also
//! sets a flag the owner's swap clears, so that an idle owner, once its waker is
//! registered, sees an empty queue without taking the lock. The loom models in `loom.rs`
//! check that no wake-up is lost.
//!
//! A bounded queue counts room with a semaphore: a sender takes a permit before it pushes
//! (or waits for one, in line with other senders), and the owner gives one back for each
//! call it takes out of its batch, as tokio's bounded channel does.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError};

use super::mailbox::MailboxState;
use crate::sync::{Arc, AtomicBool, Mutex};

/// What the queue's two ends share.
struct Queue<T> {
    shared: Mutex<Shared<T>>,
    /// Whether the queue may hold calls, readable without the lock: set by a push onto the
    /// empty queue, cleared by the owner's swap, both under the lock. An idle owner reads
    /// it after registering its waker, and skips the lock when it is clear: a push after
    /// the owner's registration wakes it, and one before it is seen here, since the push's
    /// wake and the registration are read-modify-writes of the waker's one state.
    queued: AtomicBool,
    /// A permit per call a bounded queue still has room for; `None` when unbounded.
    room: Option<std::sync::Arc<Semaphore>>,
    /// Whose waker a push onto an empty queue wakes.
    state: std::sync::Arc<MailboxState>,
    /// Completes [`Tx::closed`] when the owner goes.
    closing: Notify,
}

struct Shared<T> {
    calls: VecDeque<T>,
    /// The owner is gone: nothing more is accepted.
    closed: bool,
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

/// A queue whose owner wakes through `state`, bounded to `capacity` calls if given.
pub(super) fn queue<T>(
    state: std::sync::Arc<MailboxState>,
    capacity: Option<usize>,
) -> (Tx<T>, Rx<T>) {
    let queue = Arc::new(Queue {
        shared: Mutex::new(Shared {
            calls: VecDeque::new(),
            closed: false,
        }),
        queued: AtomicBool::new(false),
        room: capacity.map(|capacity| std::sync::Arc::new(Semaphore::new(capacity))),
        state,
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

    /// Queues `value` unless the owner is gone; room has been accounted for.
    #[inline]
    fn push(&self, value: T) -> Result<(), T> {
        let mut shared = self.lock();
        if shared.closed {
            return Err(value);
        }
        let was_empty = shared.calls.is_empty();
        shared.calls.push_back(value);
        if was_empty {
            self.queued.store(true, Release);
        }
        drop(shared);
        if was_empty {
            self.state.owner.wake();
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
    #[inline]
    pub(super) fn try_send(&self, value: T) -> Result<(), Refused<T>> {
        if let Some(room) = &self.queue.room {
            match room.try_acquire() {
                Ok(permit) => permit.forget(),
                Err(TryAcquireError::NoPermits) => return Err(Refused::Full(value)),
                Err(TryAcquireError::Closed) => return Err(Refused::Closed(value)),
            }
        }
        self.queue.push(value).map_err(Refused::Closed)
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
        self.queue.push(value)
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
        self.queue.queued.store(false, Relaxed);
    }

    /// Like [`fill`](Self::fill), for an idle owner that has registered its waker: it
    /// takes the lock only if a push may have come since the last swap.
    #[inline]
    pub(super) fn fill_woken(&mut self) -> bool {
        if self.batch.is_empty() && !self.queue.queued.load(Acquire) {
            return false;
        }
        self.fill()
    }

    /// How many calls are queued, taken or not.
    pub(super) fn len(&self) -> usize {
        self.batch.len() + self.queue.lock().calls.len()
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        // Refuse what comes next, then drop what is queued outside the lock: a call's drop
        // runs its reply's (a sync caller learns the owner is gone).
        let queued = {
            let mut shared = self.queue.lock();
            shared.closed = true;
            std::mem::take(&mut shared.calls)
        };
        if let Some(room) = &self.queue.room {
            room.close();
        }
        self.queue.closing.notify_waiters();
        drop(queued);
    }
}
