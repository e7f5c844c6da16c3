//! The engine every collection shares: its entries run as tokio tasks behind an optional
//! concurrency limit and timeout, and are collected in completion order, each tagged
//! with its position. Three pools run them: [`Handles`], for `FirstReply`, which may be
//! read for its first reply only; [`Streamed`], for `Ordered`; and [`Joined`], for `KV`.

use std::future::Future;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::{Entry, EntryError};
use crate::panic::panic_message;

/// The tasks of one collection behind its options: an optional concurrency limit and
/// timeout, around a [`Pool`] that runs the tasks and hands back their entries, each with
/// its position (its place in push order).
pub(super) struct Tasks<T, P = Handles<T>> {
    pool: P,
    limit: Option<Arc<Semaphore>>,
    pub(super) timeout: Option<Duration>,
    entries: PhantomData<fn() -> T>,
}

/// Where a collection's tasks run, and how their entries come back.
pub(super) trait Pool<T> {
    /// Room for `capacity` entries before the pool reallocates.
    fn with_capacity(capacity: usize) -> Self;

    /// Spawns `task`, the next position.
    fn push<F>(&mut self, task: F)
    where
        F: Future<Output = Entry<T>> + Send + 'static,
        T: Send + 'static;

    /// How many entries were pushed.
    fn pushed(&self) -> usize;

    /// How many entries are running or waiting to be read.
    fn len(&self) -> usize;

    /// The next entry to finish, in completion order; `None` when none is running.
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>>;
}

impl<T: Send + 'static, P: Pool<T>> Tasks<T, P> {
    pub(super) fn new() -> Self {
        Self::with_capacity(0)
    }

    /// Room for `capacity` entries before the collection reallocates.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self {
            pool: P::with_capacity(capacity),
            limit: None,
            timeout: None,
            entries: PhantomData,
        }
    }

    pub(super) fn spawn(&mut self, work: impl Future<Output = T> + Send + 'static) -> usize {
        if self.unbounded() {
            // The common case, as small a task as a bare `spawn`: no room for a slot.
            return self.push(futures_util::FutureExt::map(work, Ok));
        }
        // A panic is caught by the task itself; `poll_done` reports it for this entry. The
        // slot is held while the work runs: dropped (timed out), it stops.
        self.spawn_entry(|slot| async move {
            let _slot = slot;
            Ok(work.await)
        })
    }

    pub(super) fn spawn_blocking(&mut self, work: impl FnOnce() -> T + Send + 'static) -> usize {
        // The slot goes with the closure: one that timed out runs on to its end on the
        // blocking pool, and keeps its slot until then, so the limit holds.
        self.spawn_entry(|slot| async move {
            let task = AbortOnDrop(tokio::task::spawn_blocking(move || {
                let _slot = slot;
                work()
            }));
            AbortOnDrop::join(task).await
        })
    }

    /// Spawns the entry `make` makes behind the limit and the timeout, handing it its slot
    /// under the limit; returns its position.
    fn spawn_entry<F>(
        &mut self,
        make: impl FnOnce(Option<OwnedSemaphorePermit>) -> F + Send + 'static,
    ) -> usize
    where
        F: Future<Output = Entry<T>> + Send + 'static,
    {
        if self.unbounded() {
            return self.push(make(None));
        }
        let limit = self.limit.clone();
        let timeout = self.timeout;
        self.push(async move {
            // The semaphore is never closed, so `acquire` only fails if it were.
            let slot = match limit {
                Some(limit) => limit.acquire_owned().await.ok(),
                None => None,
            };
            let entry = make(slot);
            match timeout {
                Some(after) => tokio::time::timeout(after, entry)
                    .await
                    .unwrap_or(Err(EntryError::TimedOut { after })),
                None => entry.await,
            }
        })
    }

    /// No limit and no timeout: an entry's task is the entry alone.
    fn unbounded(&self) -> bool {
        self.limit.is_none() && self.timeout.is_none()
    }

    /// Spawns `task` in the pool; returns its position.
    fn push(&mut self, task: impl Future<Output = Entry<T>> + Send + 'static) -> usize {
        let index = self.pool.pushed();
        self.pool.push(task);
        index
    }

    pub(super) fn limit(&mut self, limit: NonZeroUsize) {
        self.limit = Some(Arc::new(Semaphore::new(limit.get())));
    }
}

impl<T, P: Pool<T>> Tasks<T, P> {
    /// How many entries were pushed.
    pub(super) fn pushed(&self) -> usize {
        self.pool.pushed()
    }

    /// How many entries are running or waiting to be read.
    pub(super) fn len(&self) -> usize {
        self.pool.len()
    }

    /// The next entry to finish, in completion order; `None` when none is running.
    pub(super) fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        self.pool.poll_done(cx)
    }
}

impl<T> Tasks<T> {
    /// Like `poll_done`, for a caller that wants one entry and then drops the rest:
    /// entries never read yet are polled where they are, as `select_ok` does.
    pub(super) fn poll_any(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        self.pool.poll_any(cx)
    }
}

/// The pool of [`FirstReply`](super::FirstReply), which may be read for its first reply
/// only.
///
/// `JoinHandle`s rather than a `JoinSet`: the same cost to run and collect, and much
/// cheaper to cancel once the first reply is in (see BENCHMARKS.md). New handles wait in
/// `spawned`, in push order, until the collection is first read: reading them all moves
/// them into a `FuturesUnordered`, while waiting for the first reply only polls them in
/// place. A handle's position is its place in push order: in `spawned`, `first_spawned`
/// plus its place there; in `running`, the tag it was moved with. Nothing else is kept per
/// entry (one large buffer per collection, grown while entries are pushed, cost more than
/// the entries themselves: BENCHMARKS.md).
pub(super) struct Handles<T> {
    /// Handles not read yet, in push order; `None` once polled to its end in place.
    spawned: Vec<Option<JoinHandle<Entry<T>>>>,
    /// The position of `spawned[0]`.
    first_spawned: usize,
    /// How many of `spawned` are `None`.
    done_in_place: usize,
    running: FuturesUnordered<Tagged<T>>,
}

impl<T> Pool<T> for Handles<T> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            spawned: Vec::with_capacity(capacity),
            first_spawned: 0,
            done_in_place: 0,
            running: FuturesUnordered::new(),
        }
    }

    fn push<F>(&mut self, task: F)
    where
        F: Future<Output = Entry<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawned.push(Some(tokio::spawn(task)));
    }

    fn pushed(&self) -> usize {
        self.first_spawned + self.spawned.len()
    }

    fn len(&self) -> usize {
        self.spawned.len() - self.done_in_place + self.running.len()
    }

    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        if !self.spawned.is_empty() {
            let first = self.first_spawned;
            self.first_spawned += self.spawned.len();
            self.done_in_place = 0;
            self.running.extend(
                self.spawned
                    .drain(..)
                    .enumerate()
                    .filter_map(|(i, handle)| Some(Tagged(first + i, handle?))),
            );
        }
        next_done(&mut self.running, cx)
    }
}

impl<T> Handles<T> {
    fn poll_any(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        if !self.running.is_empty() || self.spawned.len() == self.done_in_place {
            return self.poll_done(cx);
        }
        for (i, slot) in self.spawned.iter_mut().enumerate() {
            let Some(handle) = slot else { continue };
            if let Poll::Ready(joined) = Pin::new(handle).poll(cx) {
                *slot = None;
                self.done_in_place += 1;
                return Poll::Ready(Some((self.first_spawned + i, entry(joined))));
            }
        }
        Poll::Pending
    }
}

impl<T> Drop for Handles<T> {
    /// No entry outlives its collection: dropping a `JoinHandle` would only detach it.
    fn drop(&mut self) {
        for task in self.spawned.iter().flatten() {
            task.abort();
        }
        for task in &self.running {
            task.1.abort();
        }
    }
}

/// The pool of [`Ordered`](super::Ordered), which is read in push order: each handle goes
/// into the `FuturesUnordered` as it is pushed, as a `FuturesOrdered` of handles does.
///
/// Not [`Handles`]' list of handles moved in at the first read: all the small nodes of the
/// `FuturesUnordered` were then made after all the tasks, so the tasks were freed next to
/// each other, into one free chunk at the top of glibc's heap that it gave back to the
/// system, to take it again, page by page, for the next collection's tasks (21 `brk` calls
/// and 600 page faults per 10,000 entries; 1.07–1.14× the `FuturesOrdered` in time, and
/// 1.04× with glibc's trimming turned off: BENCHMARKS.md).
pub(super) struct Streamed<T> {
    running: FuturesUnordered<Tagged<T>>,
    pushed: usize,
}

impl<T> Pool<T> for Streamed<T> {
    fn with_capacity(_capacity: usize) -> Self {
        // A `FuturesUnordered` keeps its futures in a list: nothing to reserve.
        Self {
            running: FuturesUnordered::new(),
            pushed: 0,
        }
    }

    fn push<F>(&mut self, task: F)
    where
        F: Future<Output = Entry<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.running.push(Tagged(self.pushed, tokio::spawn(task)));
        self.pushed += 1;
    }

    fn pushed(&self) -> usize {
        self.pushed
    }

    fn len(&self) -> usize {
        self.running.len()
    }

    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        next_done(&mut self.running, cx)
    }
}

impl<T> Drop for Streamed<T> {
    /// No entry outlives its collection: dropping a `JoinHandle` would only detach it.
    fn drop(&mut self) {
        for task in &self.running {
            task.1.abort();
        }
    }
}

/// The next of `running` to finish, with its position; `None` when none is left.
fn next_done<T>(
    running: &mut FuturesUnordered<Tagged<T>>,
    cx: &mut Context<'_>,
) -> Poll<Option<(usize, Entry<T>)>> {
    match std::task::ready!(running.poll_next_unpin(cx)) {
        None => Poll::Ready(None),
        Some((index, joined)) => Poll::Ready(Some((index, entry(joined)))),
    }
}

/// A finished task's entry: its own, or what stopped it.
fn entry<T>(joined: Result<Entry<T>, tokio::task::JoinError>) -> Entry<T> {
    joined.unwrap_or_else(|error| {
        Err(match error.try_into_panic() {
            Ok(payload) => EntryError::Panicked {
                message: panic_message(payload),
            },
            Err(_) => EntryError::Cancelled,
        })
    })
}

/// A running task and its position.
struct Tagged<T>(usize, JoinHandle<Entry<T>>);

impl<T> Future for Tagged<T> {
    type Output = (usize, Result<Entry<T>, tokio::task::JoinError>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let joined = std::task::ready!(Pin::new(&mut self.1).poll(cx));
        Poll::Ready((self.0, joined))
    }
}

/// The pool of [`KV`](super::KV), which is read in full or by key, never for its first
/// reply only: a `JoinSet`, whose tasks hand back their position with their entry. It
/// runs and collects an entry in about 300 fewer instructions than a `FuturesUnordered` of
/// handles (BENCHMARKS.md), and aborts every task when dropped.
///
/// A task catches its own panic, so that its entry keeps its position: tokio's `JoinError`
/// would name only the task. A task that ends with a `JoinError` all the same (cancelled,
/// as the runtime shuts down) leaves its entry unread, which the collection reports as
/// [`EntryError::Cancelled`].
pub(super) struct Joined<T> {
    set: JoinSet<(usize, Entry<T>)>,
    pushed: usize,
}

impl<T: 'static> Pool<T> for Joined<T> {
    fn with_capacity(_capacity: usize) -> Self {
        // A `JoinSet` keeps its tasks in a list: nothing to reserve.
        Self {
            set: JoinSet::new(),
            pushed: 0,
        }
    }

    fn push<F>(&mut self, task: F)
    where
        F: Future<Output = Entry<T>> + Send + 'static,
        T: Send + 'static,
    {
        let index = self.pushed;
        self.pushed += 1;
        self.set.spawn(Positioned { index, task });
    }

    fn pushed(&self) -> usize {
        self.pushed
    }

    fn len(&self) -> usize {
        self.set.len()
    }

    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        loop {
            match std::task::ready!(self.set.poll_join_next(cx)) {
                None => return Poll::Ready(None),
                Some(Ok(done)) => return Poll::Ready(Some(done)),
                // Cancelled: its entry stays unread (see above).
                Some(Err(_)) => {}
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A task of [`Joined`]: its entry with its position, a panic of any of its polls
    /// caught as its entry's error. A struct, not an `async` block, so that the task is no
    /// larger than its work: a larger one is moved with `memcpy` (about 600 instructions
    /// per entry, measured).
    struct Positioned<F> {
        index: usize,
        #[pin]
        task: F,
    }
}

impl<T, F: Future<Output = Entry<T>>> Future for Positioned<F> {
    type Output = (usize, Entry<T>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let task = this.task;
        // The work's future is dropped within the poll that completes it (an `async`
        // block drops what it awaited), so a panic while dropping it is caught too.
        let entry = match std::panic::catch_unwind(AssertUnwindSafe(|| task.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(entry)) => entry,
            Err(payload) => Err(EntryError::Panicked {
                message: panic_message(payload),
            }),
        };
        Poll::Ready((*this.index, entry))
    }
}

/// A blocking task that is cancelled if its result is no longer wanted before it starts.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Entry<T> {
        entry((&mut self.0).await.map(Ok))
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Options shared by the collections' builders.
macro_rules! options {
    () => {
        /// Runs at most `limit` entries at once; the others wait for a running one to
        /// finish (their timeout starts when they do). Applies to entries added after it.
        #[must_use]
        pub fn with_limit(mut self, limit: NonZeroUsize) -> Self {
            self.tasks.limit(limit);
            self
        }

        /// Gives each entry at most `timeout` to finish, from when it starts, after which
        /// it reports [`EntryError::TimedOut`](crate::access::EntryError::TimedOut).
        /// Applies to entries added after it; needs a runtime with its time driver enabled.
        ///
        /// A future that times out is dropped. A blocking closure cannot be stopped: it
        /// runs on to its end on the blocking pool, unread, and keeps its place under
        /// [`with_limit`](Self::with_limit) until then.
        #[must_use]
        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.tasks.timeout = Some(timeout);
            self
        }
    };
}

pub(super) use options;
