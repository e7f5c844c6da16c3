//! What can go wrong in a collection: an entry that failed ([`EntryError`]), a key put
//! twice, and the failures of a whole collection.

use std::collections::HashMap;
use std::time::Duration;

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

/// A key was put twice into a [`KV`](super::KV); the second work was not started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the key was already put into this KV; its second work was not started")]
pub struct DuplicateKey<K>(
    /// The key.
    pub K,
);

/// Some entries of a [`KV`](super::KV) failed: which and why, and the values of the others.
#[derive(Debug, thiserror::Error)]
#[error("{} of the entries failed", failed.len())]
pub struct Failures<K, V> {
    /// The values of the entries that succeeded.
    pub succeeded: HashMap<K, V>,
    /// The keys that failed, with why.
    pub failed: Vec<(K, EntryError)>,
}

/// Why an entry of a [`FirstReply::first_ok`](super::FirstReply::first_ok) did not count as
/// a success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure<E> {
    /// The work returned `Err`.
    #[error("the entry returned an error: {0}")]
    Returned(E),
    /// The work panicked, timed out or was cancelled.
    #[error(transparent)]
    Entry(#[from] EntryError),
}

/// No entry of a [`FirstReply::first_ok`](super::FirstReply::first_ok) succeeded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("all {} entries failed", failures.len())]
pub struct AllFailed<E> {
    /// Each entry's failure with its position, in completion order.
    pub failures: Vec<(usize, Failure<E>)>,
}
