//! [`FirstReply`]: results in completion order; take the first and cancel the rest.

use std::fmt;
use std::future::Future;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;

use super::tasks::{options, Tasks};
use super::{AllFailed, Entry, Failure};

/// Results in completion order, each with its push position; take the first reply (or
/// the first success) and the rest is cancelled: hedged requests to several replicas.
///
/// Must be used within a tokio runtime: `push` spawns a task.
pub struct FirstReply<T> {
    tasks: Tasks<T>,
}

impl<T: Send + 'static> Default for FirstReply<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static> FirstReply<T> {
    /// An empty collection with no limit and no timeout.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty collection with room for `capacity` entries before it reallocates.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            tasks: Tasks::with_capacity(capacity),
        }
    }

    options!();

    /// Starts `work`; returns its position, which its reply carries.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn push(&mut self, work: impl Future<Output = T> + Send + 'static) -> usize {
        self.tasks.spawn(work)
    }

    /// Starts the blocking closure `work` on tokio's blocking pool; returns its position.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::task::spawn_blocking`.
    pub fn push_blocking(&mut self, work: impl FnOnce() -> T + Send + 'static) -> usize {
        self.tasks.spawn_blocking(work)
    }

    /// How many entries have not been read yet (running, or finished and waiting).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether every entry has been read.
    pub fn is_empty(&self) -> bool {
        self.tasks.len() == 0
    }

    /// How many entries were pushed in all.
    pub fn pushed(&self) -> usize {
        self.tasks.pushed()
    }

    /// The first entry to finish, successful or not, with its position (if several have
    /// finished by the time it looks, the earliest pushed of them); the others are
    /// cancelled. `None` if nothing was pushed.
    pub async fn first(mut self) -> Option<(usize, Entry<T>)> {
        std::future::poll_fn(|cx| self.tasks.poll_any(cx)).await
    }
}

// Entries are stored on the heap and never pinned in place.
impl<T> Unpin for FirstReply<T> {}

impl<U: Send + 'static, E: Send + 'static> FirstReply<Result<U, E>> {
    /// The first entry to finish with `Ok`, with its position; the others are cancelled.
    ///
    /// # Errors
    ///
    /// [`AllFailed`] when every entry failed (or nothing was pushed).
    pub async fn first_ok(mut self) -> Result<(usize, U), AllFailed<E>> {
        let mut failures = Vec::new();
        while let Some((index, entry)) = std::future::poll_fn(|cx| self.tasks.poll_any(cx)).await {
            match entry {
                Ok(Ok(value)) => return Ok((index, value)),
                Ok(Err(error)) => failures.push((index, Failure::Returned(error))),
                Err(error) => failures.push((index, Failure::Entry(error))),
            }
        }
        Err(AllFailed { failures })
    }
}

impl<T: Send + 'static> Stream for FirstReply<T> {
    type Item = (usize, Entry<T>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.tasks.poll_done(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.tasks.len(), Some(self.tasks.len()))
    }
}

impl<T> fmt::Debug for FirstReply<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FirstReply")
            .field("running", &self.tasks.len())
            .finish_non_exhaustive()
    }
}
