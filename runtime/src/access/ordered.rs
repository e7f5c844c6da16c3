//! [`Ordered`]: results in push order, each as soon as it and those before it are done.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;

use super::tasks::{options, Tasks};
use super::Entry;

/// Results in push order: a `Stream` that yields each entry as soon as it and every entry
/// pushed before it are done.
///
/// Must be used within a tokio runtime: `push` spawns a task.
pub struct Ordered<T> {
    tasks: Tasks<T>,
    /// Finished entries from `next` on, by position; `None` while running.
    waiting: VecDeque<Option<Entry<T>>>,
    /// The position of the next entry to yield.
    next: usize,
}

impl<T: Send + 'static> Default for Ordered<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static> Ordered<T> {
    /// An empty collection with no limit and no timeout.
    #[must_use]
    pub fn new() -> Self {
        Self {
            tasks: Tasks::new(),
            waiting: VecDeque::new(),
            next: 0,
        }
    }

    options!();

    /// Starts `work`; its result comes out after those pushed before it.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn push(&mut self, work: impl Future<Output = T> + Send + 'static) {
        self.tasks.spawn(work);
        self.waiting.push_back(None);
    }

    /// Starts the blocking closure `work` on tokio's blocking pool.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::task::spawn_blocking`.
    pub fn push_blocking(&mut self, work: impl FnOnce() -> T + Send + 'static) {
        self.tasks.spawn_blocking(work);
        self.waiting.push_back(None);
    }

    /// How many entries were pushed and not yet yielded.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether every pushed entry was yielded.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Every remaining entry, in push order.
    pub async fn all(mut self) -> Vec<Entry<T>> {
        let mut out = Vec::with_capacity(self.waiting.len());
        while let Some(entry) = std::future::poll_fn(|cx| Pin::new(&mut self).poll_next(cx)).await {
            out.push(entry);
        }
        out
    }
}

// Entries are stored on the heap and never pinned in place.
impl<T> Unpin for Ordered<T> {}

impl<T: Send + 'static> Stream for Ordered<T> {
    type Item = Entry<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Entry<T>>> {
        let this = &mut *self;
        loop {
            if let Some(Some(_)) = this.waiting.front() {
                this.next += 1;
                return Poll::Ready(this.waiting.pop_front().flatten());
            }
            if this.waiting.is_empty() {
                return Poll::Ready(None);
            }
            match std::task::ready!(this.tasks.poll_done(cx)) {
                Some((index, entry)) => this.waiting[index - this.next] = Some(entry),
                // Nothing running but the front still empty cannot happen: every pushed
                // entry reports back. End rather than wait forever.
                None => return Poll::Ready(this.waiting.pop_front().flatten()),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.waiting.len(), Some(self.waiting.len()))
    }
}

impl<T> fmt::Debug for Ordered<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ordered")
            .field("waiting", &self.waiting.len())
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
