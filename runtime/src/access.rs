//! Concurrent data access: start several fetches at once and read their results like a
//! map ([`KV`]), in the order they were asked for ([`Ordered`]), or in the order they
//! answer ([`FirstReply`]).
//!
//! Each entry is a future, run as its own tokio task from the moment it is added (so
//! fetches from a database, an object store and a REST service overlap), or a blocking
//! closure (`put_blocking`, `push_blocking`), run on tokio's blocking pool for drivers that
//! block. Every collection takes the same options: a concurrency limit
//! (`with_limit`) and a per-entry timeout (`with_timeout`). An entry that panics or times
//! out is reported as an [`EntryError`] for that entry alone; the others go on. Dropping a
//! collection aborts its unfinished entries.
//!
//! ```
//! use coact::access::KV;
//!
//! async fn photos(user: u32, limit: usize) -> Vec<String> {
//!     (0..limit).map(|i| format!("photo {i} of {user}")).collect()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut page = KV::new();
//! page.put("cats", async { photos(7, 2).await.join(", ") }).unwrap();
//! page.put_blocking("motd", || "blocking drivers work too".to_owned()).unwrap();
//! let context = page.finish().await.into_map().unwrap();   // a HashMap, ready for a template
//! assert_eq!(context["cats"], "photo 0 of 7, photo 1 of 7");
//! # }
//! ```

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::FuturesUnordered;
use futures::{Stream, StreamExt as _};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::panic::panic_message;

/// Why one entry of a collection has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The work panicked; the message is the panic's.
    #[error("the entry panicked: {message}")]
    Panicked {
        /// The panic's message.
        message: String,
    },
    /// The work did not finish within the collection's `with_timeout`; it was cancelled
    /// (a blocking closure already running finishes on the blocking pool, unread).
    #[error("the entry timed out after {after:?}")]
    TimedOut {
        /// The timeout.
        after: Duration,
    },
    /// The runtime shut down before the entry finished.
    #[error("the entry was cancelled: the runtime is shutting down")]
    Cancelled,
}

/// The result of one entry.
pub type Entry<T> = Result<T, EntryError>;

/// The tasks of one collection, each tagged with its position.
///
/// `JoinHandle`s rather than a `JoinSet`: the same cost to run and collect, and much
/// cheaper to cancel once the first reply is in (see BENCHMARKS.md). New handles wait in
/// `spawned` until the collection is first read: reading them all moves them into a
/// `FuturesUnordered`, while waiting for the first reply only polls them in place.
struct Tasks<T> {
    spawned: Vec<JoinHandle<(usize, Entry<T>)>>,
    running: FuturesUnordered<JoinHandle<(usize, Entry<T>)>>,
    /// Task ids in push order, to tag a task the runtime cancelled.
    ids: Vec<tokio::task::Id>,
    limit: Option<Arc<Semaphore>>,
    timeout: Option<Duration>,
}

impl<T: Send + 'static> Tasks<T> {
    fn new() -> Self {
        Self {
            spawned: Vec::new(),
            running: FuturesUnordered::new(),
            ids: Vec::new(),
            limit: None,
            timeout: None,
        }
    }

    fn pushed(&self) -> usize {
        self.ids.len()
    }

    fn spawn(&mut self, work: impl Future<Output = T> + Send + 'static) -> usize {
        // A panic is caught by the task itself; `poll_done` reports it for this entry.
        self.spawn_entry(async move { Ok(work.await) })
    }

    fn spawn_blocking(&mut self, work: impl FnOnce() -> T + Send + 'static) -> usize {
        self.spawn_entry(async move {
            let task = AbortOnDrop(tokio::task::spawn_blocking(work));
            AbortOnDrop::join(task).await
        })
    }

    /// Spawns `entry` behind the limit and the timeout; returns its position.
    fn spawn_entry(&mut self, entry: impl Future<Output = Entry<T>> + Send + 'static) -> usize {
        let index = self.ids.len();
        let handle = if self.limit.is_none() && self.timeout.is_none() {
            // The common case, as small a task as a bare `spawn`.
            tokio::spawn(async move { (index, entry.await) })
        } else {
            let limit = self.limit.clone();
            let timeout = self.timeout;
            tokio::spawn(async move {
                // The semaphore is never closed, so `acquire` only fails if it were.
                let _permit = match limit {
                    Some(limit) => limit.acquire_owned().await.ok(),
                    None => None,
                };
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
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
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
    fn poll_any(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Entry<T>)>> {
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

    fn limit(&mut self, limit: NonZeroUsize) {
        self.limit = Some(Arc::new(Semaphore::new(limit.get())));
    }
}

impl<T> Tasks<T> {
    /// How many entries are running or waiting to be read.
    fn len(&self) -> usize {
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
        /// it reports [`EntryError::TimedOut`]. Applies to entries added after it; needs a
        /// runtime with its time driver enabled.
        #[must_use]
        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.tasks.timeout = Some(timeout);
            self
        }
    };
}

// ---------------------------------------------------------------------------------------
// KV

/// Named results of concurrently running work, read like a map.
///
/// `put(key, work)` starts `work` at once. [`get`](KV::get) waits for one key;
/// [`finish`](KV::finish) waits for all and gives a [`Finished`] map, which converts into a
/// plain `HashMap` (serializable, so it can be handed to a template engine).
///
/// Must be used within a tokio runtime: `put` spawns a task.
pub struct KV<K, V> {
    tasks: Tasks<V>,
    keys: HashMap<K, usize>,
    results: Vec<Option<Entry<V>>>,
}

/// A key was put twice into a [`KV`]; the second work was not started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the key was already put into this KV; its second work was not started")]
pub struct DuplicateKey<K>(
    /// The key.
    pub K,
);

impl<K: Eq + Hash, V: Send + 'static> Default for KV<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V: Send + 'static> KV<K, V> {
    /// An empty collection with no limit and no timeout.
    pub fn new() -> Self {
        Self {
            tasks: Tasks::new(),
            keys: HashMap::new(),
            results: Vec::new(),
        }
    }

    /// An empty collection with room for `capacity` keys before it reallocates.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            tasks: Tasks::new(),
            keys: HashMap::with_capacity(capacity),
            results: Vec::with_capacity(capacity),
        }
    }

    options!();

    /// Starts `work` under `key`.
    ///
    /// # Errors
    ///
    /// [`DuplicateKey`] when `key` is already there; `work` is then dropped unstarted.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn put(
        &mut self,
        key: K,
        work: impl Future<Output = V> + Send + 'static,
    ) -> Result<(), DuplicateKey<K>> {
        if self.keys.contains_key(&key) {
            return Err(DuplicateKey(key));
        }
        let index = self.tasks.spawn(work);
        self.register(key, index);
        Ok(())
    }

    /// Starts the blocking closure `work` under `key`, on tokio's blocking pool.
    ///
    /// # Errors
    ///
    /// [`DuplicateKey`] when `key` is already there; `work` is then dropped unstarted.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::task::spawn_blocking`.
    pub fn put_blocking(
        &mut self,
        key: K,
        work: impl FnOnce() -> V + Send + 'static,
    ) -> Result<(), DuplicateKey<K>> {
        if self.keys.contains_key(&key) {
            return Err(DuplicateKey(key));
        }
        let index = self.tasks.spawn_blocking(work);
        self.register(key, index);
        Ok(())
    }

    fn register(&mut self, key: K, index: usize) {
        self.keys.insert(key, index);
        self.results.push(None);
    }

    /// How many keys were put.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was put.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether `key` was put.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.keys.contains_key(key)
    }

    /// Waits for the entry under `key` (and records any other that finishes meanwhile);
    /// `None` if `key` was never put.
    pub async fn get<Q>(&mut self, key: &Q) -> Option<&Entry<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let index = *self.keys.get(key)?;
        while self.results[index].is_none() {
            let done = std::future::poll_fn(|cx| self.tasks.poll_done(cx)).await;
            let Some((finished, result)) = done else {
                break;
            };
            self.results[finished] = Some(result);
        }
        self.results[index].as_ref()
    }

    /// Waits for every entry.
    pub async fn finish(mut self) -> Finished<K, V> {
        while let Some((index, result)) = std::future::poll_fn(|cx| self.tasks.poll_done(cx)).await
        {
            self.results[index] = Some(result);
        }
        Finished {
            keys: std::mem::take(&mut self.keys),
            results: std::mem::take(&mut self.results),
        }
    }
}

impl<K, V> fmt::Debug for KV<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KV")
            .field("entries", &self.keys.len())
            .field("running", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

/// Every entry of a finished [`KV`].
pub struct Finished<K, V> {
    keys: HashMap<K, usize>,
    /// By position; `None` only for an entry the runtime dropped unreported.
    results: Vec<Option<Entry<V>>>,
}

impl<K: Eq + Hash, V> Finished<K, V> {
    /// The entry under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&Entry<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let index = *self.keys.get(key)?;
        self.results[index].as_ref()
    }

    /// Each key with its entry, in no particular order.
    fn drain(self) -> impl Iterator<Item = (K, Entry<V>)> {
        let mut results = self.results;
        self.keys.into_iter().map(move |(key, index)| {
            let entry = results[index].take().unwrap_or(Err(EntryError::Cancelled));
            (key, entry)
        })
    }

    /// The values, if every entry succeeded: a plain map for templates and serde.
    ///
    /// # Errors
    ///
    /// [`Failures`], with the entries that failed and the values of those that did not.
    pub fn into_map(self) -> Result<HashMap<K, V>, Failures<K, V>> {
        let mut values = HashMap::with_capacity(self.keys.len());
        let mut failed = Vec::new();
        for (key, entry) in self.drain() {
            match entry {
                Ok(value) => {
                    values.insert(key, value);
                }
                Err(error) => failed.push((key, error)),
            }
        }
        if failed.is_empty() {
            Ok(values)
        } else {
            Err(Failures {
                succeeded: values,
                failed,
            })
        }
    }

    /// Every entry, failed or not.
    pub fn into_entries(self) -> HashMap<K, Entry<V>> {
        self.drain().collect()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Finished<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.keys
                    .iter()
                    .map(|(key, &index)| (key, &self.results[index])),
            )
            .finish()
    }
}

/// Some entries of a [`KV`] failed: which and why, and the values of the others.
#[derive(Debug, thiserror::Error)]
#[error("{} of the entries failed", failed.len())]
pub struct Failures<K, V> {
    /// The values of the entries that succeeded.
    pub succeeded: HashMap<K, V>,
    /// The keys that failed, with why.
    pub failed: Vec<(K, EntryError)>,
}

// ---------------------------------------------------------------------------------------
// Ordered

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
impl<T> Unpin for FirstReply<T> {}

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

// ---------------------------------------------------------------------------------------
// FirstReply

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
    pub fn new() -> Self {
        Self {
            tasks: Tasks::new(),
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

/// Why an entry of a [`FirstReply::first_ok`] did not count as a success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure<E> {
    /// The work returned `Err`.
    #[error("the entry returned an error: {0}")]
    Returned(E),
    /// The work panicked, timed out or was cancelled.
    #[error(transparent)]
    Entry(#[from] EntryError),
}

/// No entry of a [`FirstReply::first_ok`] succeeded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("all {} entries failed", failures.len())]
pub struct AllFailed<E> {
    /// Each entry's failure with its position, in completion order.
    pub failures: Vec<(usize, Failure<E>)>,
}

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
