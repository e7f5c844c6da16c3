//! The engine every collection shares: its entries run as tokio tasks behind an optional
//! concurrency limit and timeout, and are collected in completion order, each tagged
//! with its position.

use std::future::Future;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::{Entry, EntryError};
use crate::panic::panic_message;

/// The tasks of one collection, each tagged with its position.
///
/// `JoinHandle`s rather than a `JoinSet`: the same cost to run and collect, and much
/// cheaper to cancel once the first reply is in (see BENCHMARKS.md). New handles wait in
/// `spawned`, in push order, until the collection is first read: reading them all moves
/// them into a `FuturesUnordered`, while waiting for the first reply only polls them in
/// place. A handle's position is its place in push order: in `spawned`, `first_spawned`
/// plus its place there; in `running`, the tag it was moved with. Nothing else is kept per
/// entry (one large buffer per collection, grown while entries are pushed, cost more than
/// the entries themselves: BENCHMARKS.md).
pub(super) struct Tasks<T> {
    /// Handles not read yet, in push order; `None` once polled to its end in place.
    spawned: Vec<Option<JoinHandle<Entry<T>>>>,
    /// The position of `spawned[0]`.
    first_spawned: usize,
    /// How many of `spawned` are `None`.
    done_in_place: usize,
    running: FuturesUnordered<Tagged<T>>,
    limit: Option<Arc<Semaphore>>,
    pub(super) timeout: Option<Duration>,
}

impl<T: Send + 'static> Tasks<T> {
    pub(super) fn new() -> Self {
        Self::with_capacity(0)
    }

    /// Room for `capacity` entries before the collection reallocates.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self {
            spawned: Vec::with_capacity(capacity),
            first_spawned: 0,
            done_in_place: 0,
            running: FuturesUnordered::new(),
            limit: None,
            timeout: None,
        }
    }

    pub(super) fn spawn(&mut self, work: impl Future<Output = T> + Send + 'static) -> usize {
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
        let index = self.pushed();
        let handle = if self.limit.is_none() && self.timeout.is_none() {
            // The common case, as small a task as a bare `spawn`.
            tokio::spawn(make(None))
        } else {
            let limit = self.limit.clone();
            let timeout = self.timeout;
            tokio::spawn(async move {
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
        };
        self.spawned.push(Some(handle));
        index
    }

    /// The next entry to finish, in completion order; `None` when none is running.
    pub(super) fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
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
        match std::task::ready!(self.running.poll_next_unpin(cx)) {
            None => Poll::Ready(None),
            Some((index, joined)) => Poll::Ready(Some((index, entry(joined)))),
        }
    }

    /// Like `poll_done`, for a caller that wants one entry and then drops the rest:
    /// entries never read yet are polled where they are, as `select_ok` does.
    pub(super) fn poll_any(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
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

    pub(super) fn limit(&mut self, limit: NonZeroUsize) {
        self.limit = Some(Arc::new(Semaphore::new(limit.get())));
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

impl<T> Tasks<T> {
    /// How many entries were pushed.
    pub(super) fn pushed(&self) -> usize {
        self.first_spawned + self.spawned.len()
    }

    /// How many entries are running or waiting to be read.
    pub(super) fn len(&self) -> usize {
        self.spawned.len() - self.done_in_place + self.running.len()
    }
}

impl<T> Drop for Tasks<T> {
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
