//! [`Ordered`]: results in push order, each as soon as it and those before it are done.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;

use super::tasks::{options, Streamed, Tasks};
use super::Entry;

/// Results in push order: a `Stream` that yields each entry as soon as it and every entry
/// pushed before it are done.
///
/// Must be used within a tokio runtime: `push` spawns a task.
pub struct Ordered<T> {
    tasks: Tasks<T, Streamed<T>>,
    /// Entries that finished before one pushed ahead of them, by position (most finish
    /// in order and pass straight through).
    early: BTreeMap<usize, Entry<T>>,
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
    ///
    /// There is no `with_capacity`: like a `FuturesOrdered`, the collection keeps its
    /// running entries in a list, and has nothing to reserve.
    #[must_use]
    pub fn new() -> Self {
        Self {
            tasks: Tasks::new(),
            early: BTreeMap::new(),
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
    }

    /// Starts the blocking closure `work` on tokio's blocking pool.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::task::spawn_blocking`.
    pub fn push_blocking(&mut self, work: impl FnOnce() -> T + Send + 'static) {
        self.tasks.spawn_blocking(work);
    }

    /// How many entries were pushed and not yet yielded.
    pub fn len(&self) -> usize {
        self.tasks.pushed() - self.next
    }

    /// Whether every pushed entry was yielded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every remaining entry, in push order.
    pub async fn all(mut self) -> Vec<Entry<T>> {
        let mut out = Vec::with_capacity(self.len());
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
            if let Some(entry) = this.early.remove(&this.next) {
                this.next += 1;
                return Poll::Ready(Some(entry));
            }
            if this.next == this.tasks.pushed() {
                return Poll::Ready(None);
            }
            match std::task::ready!(this.tasks.poll_done(cx)) {
                Some((index, entry)) if index == this.next => {
                    this.next += 1;
                    return Poll::Ready(Some(entry));
                }
                Some((index, entry)) => {
                    this.early.insert(index, entry);
                }
                // Nothing running but the next entry missing cannot happen: every pushed
                // entry reports back. End rather than wait forever.
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl<T> fmt::Debug for Ordered<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ordered")
            .field("waiting", &(self.tasks.pushed() - self.next))
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
