//! Loom tests only: a stand-in for `dashmap::DashMap`, whose shard locks loom cannot see,
//! reduced to what the identity cache uses.
//!
//! It is built the way dashmap is: the keys are spread over shards, each a map behind a
//! reader-writer lock (loom's here, so loom schedules every lock); an operation on one
//! key holds its shard's lock for as long as dashmap would (a `get`'s `Ref` or an
//! `entry`'s guard until dropped), and `iter`, `retain` and `len` visit the shards one
//! at a time, so another thread can act on one shard between two. What it does not copy
//! is dashmap's own lock and table code: that is dashmap's to test.
//!
//! Hashing is deterministic (no random state): loom replays each execution and needs the
//! same iteration order every time.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash};
use std::ops::Deref;
use std::rc::Rc;

use loom::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Two shards: enough for a scan to be overtaken between them, few enough for loom.
const SHARDS: usize = 2;

type Shard<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;

/// `read(&value)` for `key`'s entry under its shard's read lock, as production's
/// `map_read` does through dashmap's shards.
pub(crate) fn map_read<K: Eq + Hash + Clone, V, R>(
    map: &DashMap<K, V>,
    key: &K,
    read: impl FnOnce(&V) -> Option<R>,
) -> Option<R> {
    map.get(key).and_then(|entry| read(&entry))
}

/// The shard `key` is kept in: the same for a key in every execution and every run.
pub(crate) fn shard_of<K: Hash>(key: &K) -> usize {
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
    // The remainder is below SHARDS, so it fits a usize.
    #[allow(clippy::cast_possible_truncation)]
    let shard = (hash % SHARDS as u64) as usize;
    shard
}

pub(crate) struct DashMap<K, V> {
    shards: Vec<RwLock<Shard<K, V>>>,
}

impl<K: Eq + Hash, V> Default for DashMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V> DashMap<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
        }
    }

    fn shard(&self, key: &K) -> &RwLock<Shard<K, V>> {
        &self.shards[shard_of(key)]
    }

    pub(crate) fn get(&self, key: &K) -> Option<Ref<'_, K, V>>
    where
        K: Clone,
    {
        let guard = self.shard(key).read().unwrap();
        guard.contains_key(key).then(|| Ref {
            guard,
            key: key.clone(),
        })
    }

    pub(crate) fn entry(&self, key: K) -> Entry<'_, K, V> {
        let guard = self.shard(&key).write().unwrap();
        if guard.contains_key(&key) {
            Entry::Occupied(OccupiedEntry { guard, key })
        } else {
            Entry::Vacant(VacantEntry { guard, key })
        }
    }

    pub(crate) fn remove(&self, key: &K) -> Option<(K, V)> {
        self.shard(key).write().unwrap().remove_entry(key)
    }

    pub(crate) fn remove_if(&self, key: &K, f: impl FnOnce(&K, &V) -> bool) -> Option<(K, V)> {
        let mut guard = self.shard(key).write().unwrap();
        let (k, v) = guard.get_key_value(key)?;
        if f(k, v) {
            guard.remove_entry(key)
        } else {
            None
        }
    }

    pub(crate) fn retain(&self, mut f: impl FnMut(&K, &mut V) -> bool) {
        for shard in &self.shards {
            shard.write().unwrap().retain(|k, v| f(k, v));
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.read().unwrap().len())
            .sum()
    }

    pub(crate) fn iter(&self) -> Iter<'_, K, V>
    where
        K: Clone,
    {
        Iter {
            map: self,
            next_shard: 0,
            current: None,
        }
    }
}

/// A read-locked entry, as dashmap's `Ref`.
pub(crate) struct Ref<'a, K, V> {
    guard: RwLockReadGuard<'a, Shard<K, V>>,
    key: K,
}

impl<K: Eq + Hash, V> Deref for Ref<'_, K, V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.guard[&self.key]
    }
}

pub(crate) enum Entry<'a, K, V> {
    Occupied(OccupiedEntry<'a, K, V>),
    Vacant(VacantEntry<'a, K, V>),
}

pub(crate) struct OccupiedEntry<'a, K, V> {
    guard: RwLockWriteGuard<'a, Shard<K, V>>,
    key: K,
}

impl<K: Eq + Hash, V> OccupiedEntry<'_, K, V> {
    pub(crate) fn get(&self) -> &V {
        &self.guard[&self.key]
    }

    pub(crate) fn insert(&mut self, value: V) -> V {
        let slot = self.guard.get_mut(&self.key).expect("an occupied entry");
        std::mem::replace(slot, value)
    }

    pub(crate) fn remove(mut self) -> V {
        self.guard.remove(&self.key).expect("an occupied entry")
    }
}

pub(crate) struct VacantEntry<'a, K, V> {
    guard: RwLockWriteGuard<'a, Shard<K, V>>,
    key: K,
}

impl<K: Eq + Hash, V> VacantEntry<'_, K, V> {
    pub(crate) fn insert(mut self, value: V) {
        self.guard.insert(self.key, value);
    }
}

/// Visits the shards in turn, each under its read lock while its entries are visited.
pub(crate) struct Iter<'a, K, V> {
    map: &'a DashMap<K, V>,
    next_shard: usize,
    current: Option<Visiting<'a, K, V>>,
}

/// The shard `Iter` is in: its read lock, shared with the items met in it, and the keys
/// left to visit.
type Visiting<'a, K, V> = (Rc<RwLockReadGuard<'a, Shard<K, V>>>, std::vec::IntoIter<K>);

/// An entry met by `iter`, as dashmap's `RefMulti`: it keeps its shard read-locked.
pub(crate) struct Item<'a, K, V> {
    guard: Rc<RwLockReadGuard<'a, Shard<K, V>>>,
    key: K,
}

impl<K: Eq + Hash, V> Item<'_, K, V> {
    pub(crate) fn value(&self) -> &V {
        &self.guard[&self.key]
    }
}

impl<'a, K: Eq + Hash + Clone, V> Iterator for Iter<'a, K, V> {
    type Item = Item<'a, K, V>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((guard, keys)) = &mut self.current {
                if let Some(key) = keys.next() {
                    return Some(Item {
                        guard: Rc::clone(guard),
                        key,
                    });
                }
            }
            // Done with this shard: its lock goes with the last item met in it.
            self.current = None;
            let shard = self.map.shards.get(self.next_shard)?;
            self.next_shard += 1;
            let guard = shard.read().unwrap();
            let keys: Vec<K> = guard.keys().cloned().collect();
            self.current = Some((Rc::new(guard), keys.into_iter()));
        }
    }
}
