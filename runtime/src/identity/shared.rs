//! What a [`Cache`](super::Cache) hands out for a loaded value: an `Arc<V>` for a
//! memoized value, a [`Shared<V>`] for an identity-mapped one.

use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

/// What a [`Cache`](super::Cache) hands out for a loaded value: a cheap, cloneable pointer to it.
///
/// Implemented for `Arc<V>` (memoized values, read-only) and [`Shared<V>`] (identity
/// maps: read and write through any handle).
pub trait Cached: Clone {
    /// The value a loader produces.
    type Value;
    /// A reference that does not keep the value alive, for
    /// [`Retention::Weak`](super::Retention::Weak).
    type Weak;
    /// Puts a freshly loaded value behind a handle.
    fn wrap(value: Self::Value) -> Self;
    /// A weak reference to the same value.
    fn downgrade(&self) -> Self::Weak;
    /// The handle again, if some handle still keeps the value alive.
    fn upgrade(weak: &Self::Weak) -> Option<Self>;
}

impl<V> Cached for Arc<V> {
    type Value = V;
    type Weak = Weak<V>;

    fn wrap(value: V) -> Self {
        Arc::new(value)
    }

    fn downgrade(&self) -> Weak<V> {
        Arc::downgrade(self)
    }

    fn upgrade(weak: &Weak<V>) -> Option<Self> {
        weak.upgrade()
    }
}

impl<V> Cached for Shared<V> {
    type Value = V;
    type Weak = Weak<RwLock<V>>;

    fn wrap(value: V) -> Self {
        Self::new(value)
    }

    fn downgrade(&self) -> Self::Weak {
        Arc::downgrade(&self.0)
    }

    fn upgrade(weak: &Self::Weak) -> Option<Self> {
        weak.upgrade().map(Self)
    }
}

/// A shared, mutable handle to an identity-mapped value: clones are the same instance.
pub struct Shared<V>(Arc<RwLock<V>>);

impl<V> Shared<V> {
    /// A handle to a new value.
    pub fn new(value: V) -> Self {
        Self(Arc::new(RwLock::new(value)))
    }

    /// Reads the value. A panic of an earlier writer does not make this fail: the value
    /// is whatever that writer left.
    pub fn read(&self) -> RwLockReadGuard<'_, V> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the value, for every handle.
    pub fn write(&self) -> RwLockWriteGuard<'_, V> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether two handles are the same instance.
    #[must_use]
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The `Arc` behind the handle.
    #[must_use]
    pub fn as_arc(&self) -> &Arc<RwLock<V>> {
        &self.0
    }
}

impl<V> Clone for Shared<V> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<V: fmt::Debug> fmt::Debug for Shared<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shared").field(&*self.read()).finish()
    }
}
