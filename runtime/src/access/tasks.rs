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
/// `spawned` until the collection is first read: reading them all moves them into a
/// `FuturesUnordered`, while waiting for the first reply only polls them in place.
pub(super) struct Tasks<T> {
    spawned: Vec<JoinHandle<(usize, Entry<T>)>>,
    running: FuturesUnordered<JoinHandle<(usize, Entry<T>)>>,
    /// Task ids in push order, to tag a task the runtime cancelled.
    ids: Vec<tokio::task::Id>,
    limit: Option<Arc<Semaphore>>,
    pub(super) timeout: Option<Duration>,
}

impl<T: Send + 'static> Tasks<T> {
    pub(super) fn new() -> Self {
        Self {
            spawned: Vec::new(),
            running: FuturesUnordered::new(),
            ids: Vec::new(),
            limit: None,
            timeout: None,
        }
    }

    pub(super) fn pushed(&self) -> usize {
        self.ids.len()
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
        let index = self.ids.len();
        let handle = if self.limit.is_none() && self.timeout.is_none() {
            // The common case, as small a task as a bare `spawn`.
            let entry = make(None);
            tokio::spawn(async move { (index, entry.await) })
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
                let result = match timeout {
                    Some(after) => tokio::time::timeout(after, entry)
                        .await
                        .unwrap_or(Err(EntryError::TimedOut { after })),
                    None => entry.await,
                };
                (index, result)
            })
        };
        self.ids.push(handle.id());
        self.spawned.push(handle);
        index
    }

    /// The position of the task `id`. Ids come from a global counter and pushes are
    /// sequential, so `ids` is sorted; the linear search is only a safety net.
    fn position(&self, id: tokio::task::Id) -> Option<usize> {
        self.ids
            .binary_search(&id)
            .ok()
            .or_else(|| self.ids.iter().position(|known| *known == id))
    }

    /// The next entry to finish, in completion order; `None` when none is running.
    pub(super) fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        if !self.spawned.is_empty() {
            self.running.extend(self.spawned.drain(..));
        }
        match std::task::ready!(self.running.poll_next_unpin(cx)) {
            None => Poll::Ready(None),
            Some(joined) => Poll::Ready(self.joined(joined)),
        }
    }

    /// Like `poll_done`, for a caller that wants one entry and then drops the rest:
    /// entries never read yet are polled where they are, as `select_ok` does.
    pub(super) fn poll_any(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
        if !self.running.is_empty() || self.spawned.is_empty() {
            return self.poll_done(cx);
        }
        for i in 0..self.spawned.len() {
            if let Poll::Ready(joined) = Pin::new(&mut self.spawned[i]).poll(cx) {
                drop(self.spawned.swap_remove(i));
                return Poll::Ready(self.joined(joined));
            }
        }
        Poll::Pending
    }

    /// A finished task's entry, tagged with its position.
    fn joined(
        &self,
        joined: Result<(usize, Entry<T>), tokio::task::JoinError>,
    ) -> Option<(usize, Entry<T>)> {
        match joined {
            Ok(done) => Some(done),
            Err(error) => {
                let index = self.position(error.id())?;
                let entry = match error.try_into_panic() {
                    Ok(payload) => EntryError::Panicked {
                        message: panic_message(payload),
                    },
                    Err(_) => EntryError::Cancelled,
                };
                Some((index, Err(entry)))
            }
        }
    }

    pub(super) fn limit(&mut self, limit: NonZeroUsize) {
        self.limit = Some(Arc::new(Semaphore::new(limit.get())));
    }
}

impl<T> Tasks<T> {
    /// How many entries are running or waiting to be read.
    pub(super) fn len(&self) -> usize {
        self.spawned.len() + self.running.len()
    }
}

impl<T> Drop for Tasks<T> {
    /// No entry outlives its collection: dropping a `JoinHandle` would only detach it.
    fn drop(&mut self) {
        for task in self.spawned.iter().chain(self.running.iter()) {
            task.abort();
        }
    }
}

/// A blocking task that is cancelled if its result is no longer wanted before it starts.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Entry<T> {
        (&mut self.0)
            .await
            .map_err(|error| match error.try_into_panic() {
                Ok(payload) => EntryError::Panicked {
                    message: panic_message(payload),
                },
                Err(_) => EntryError::Cancelled,
            })
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
