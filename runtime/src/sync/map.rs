//! Loom tests only: a stand-in for the identity map (`papaya.rs`, papaya's `HashMap`),
//! whose atomics loom cannot see, with the same methods and the same contract.
//!
//! Every operation on one key is atomic, as papaya's are: here each holds its shard's
//! reader-writer lock (loom's, so loom schedules every lock). Where papaya's contract is
//! looser than a lock, the double is loose too, so that coact's protocols are checked
//! against what papaya promises rather than what a lock would give:
//! - `compute` runs its closure twice and uses the second answer (papaya runs it again
//!   when the entry changed meanwhile);
//! - `remove_where` and `for_each` visit the shards one at a time, and `remove_where`
//!   takes each entry out under a lock of its own, so another thread can act between two
//!   entries, as it can between papaya's.
//!
//! What it does not copy is papaya's own table and reclamation: that is papaya's to test.
//! Hashing is deterministic (no random state): loom replays each execution and needs the
//! same iteration order every time.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash};

use loom::sync::RwLock;

use super::{Op, Outcome};

/// Two shards: enough for a scan to be overtaken between them, few enough for loom.
const SHARDS: usize = 2;

type Shard<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;

/// The shard `key` is kept in: the same for a key in every execution and every run.
pub(crate) fn shard_of<K: Hash>(key: &K) -> usize {
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
    // The remainder is below SHARDS, so it fits a usize.
    #[allow(clippy::cast_possible_truncation)]
    let shard = (hash % SHARDS as u64) as usize;
    shard
}

pub(crate) struct Map<K, V> {
    shards: Vec<RwLock<Shard<K, V>>>,
}

impl<K: Eq + Hash, V> Map<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
        }
    }

    fn shard(&self, key: &K) -> &RwLock<Shard<K, V>> {
        &self.shards[shard_of(key)]
    }

    pub(crate) fn read<R>(&self, key: &K, read: impl FnOnce(&V) -> Option<R>) -> Option<R> {
        read(self.shard(key).read().unwrap().get(key)?)
    }

    pub(crate) fn compute<T, R>(
        &self,
        key: K,
        mut compute: impl FnMut(Option<&V>) -> Op<V, T>,
        then: impl FnOnce(Outcome<'_, V, T>) -> R,
    ) -> R {
        let mut shard = self.shard(&key).write().unwrap();
        drop(compute(shard.get(&key)));
        match compute(shard.get(&key)) {
            Op::Insert(value) => {
                let old = shard.insert(key, value);
                drop(shard);
                then(old.as_ref().map_or(Outcome::Inserted, Outcome::Replaced))
            }
            Op::Remove => {
                let removed = shard.remove(&key).expect("`Op::Remove` given an entry");
                drop(shard);
                drop(removed);
                then(Outcome::Removed)
            }
            Op::Abort(answer) => {
                drop(shard);
                then(Outcome::Aborted(answer))
            }
        }
    }

    pub(crate) fn remove_if<R>(
        &self,
        key: &K,
        mut remove: impl FnMut(&V) -> bool,
        then: impl FnOnce(&V) -> R,
    ) -> Option<R> {
        let mut shard = self.shard(key).write().unwrap();
        if !remove(shard.get(key)?) {
            return None;
        }
        let removed = shard.remove(key)?;
        drop(shard);
        Some(then(&removed))
    }

    pub(crate) fn for_each(&self, mut visit: impl FnMut(&V)) {
        for shard in &self.shards {
            shard.read().unwrap().values().for_each(&mut visit);
        }
    }

    /// Nothing to do: the double frees what it replaces at once. A method, as papaya's.
    #[allow(clippy::unused_self)]
    pub(crate) fn free_replaced(&self) {}

    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.read().unwrap().len())
            .sum()
    }
}

impl<K: Eq + Hash + Clone, V> Map<K, V> {
    pub(crate) fn remove_where(
        &self,
        mut remove: impl FnMut(&V) -> bool,
        mut removed: impl FnMut(&V),
    ) {
        for shard in &self.shards {
            let keys: Vec<K> = shard.read().unwrap().keys().cloned().collect();
            for key in keys {
                let mut locked = shard.write().unwrap();
                if !locked.get(&key).is_some_and(&mut remove) {
                    continue;
                }
                let value = locked.remove(&key).expect("checked under the lock");
                drop(locked);
                removed(&value);
            }
        }
    }
}
