//! [`KV`]: named results of concurrently running work, read like a map.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::time::Duration;

use super::tasks::{options, Joined, Tasks};
use super::{DuplicateKey, Entry, EntryError, Failures};

/// Named results of concurrently running work, read like a map.
///
/// `put(key, work)` starts `work` at once. [`get`](KV::get) waits for one key;
/// [`finish`](KV::finish) waits for all and gives a [`Finished`] map, which converts into a
/// plain `HashMap` (serializable, so it can be handed to a template engine).
///
/// Must be used within a tokio runtime: `put` spawns a task.
///
/// The collection finds a key's entry through an index hashed with
/// [foldhash](https://docs.rs/foldhash) (seeded at random per collection), not std's
/// `SipHash`: the index's check and insert at `put` cost about a quarter of what they did.
/// foldhash resists hash flooding less; where an attacker picks the keys in bulk, bound
/// what you `put`. The maps
/// it hands back ([`Finished::into_map`], [`Finished::into_entries`]) are std's, with its
/// default hasher.
pub struct KV<K, V> {
    tasks: Tasks<V, Joined<V>>,
    keys: Index<K>,
    results: Vec<Option<Entry<V>>>,
}

/// Where each key's entry is: its position.
type Index<K> = HashMap<K, usize, foldhash::fast::RandomState>;

impl<K: Eq + Hash, V: Send + 'static> Default for KV<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V: Send + 'static> KV<K, V> {
    /// An empty collection with no limit and no timeout.
    #[must_use]
    pub fn new() -> Self {
        Self {
            tasks: Tasks::new(),
            keys: Index::default(),
            results: Vec::new(),
        }
    }

    /// An empty collection with room for `capacity` keys before it reallocates.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            tasks: Tasks::with_capacity(capacity),
            keys: Index::with_capacity_and_hasher(capacity, foldhash::fast::RandomState::default()),
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
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was put.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether `key` was put.
    #[must_use]
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

impl<K, V: 'static> fmt::Debug for KV<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KV")
            .field("entries", &self.keys.len())
            .field("running", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

/// Every entry of a finished [`KV`].
pub struct Finished<K, V> {
    keys: Index<K>,
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
    #[must_use]
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
