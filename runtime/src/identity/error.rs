//! Why [`Cache::get_or_load`](super::Cache::get_or_load) has no value.

use std::sync::Arc;

/// Why [`Cache::get_or_load`](super::Cache::get_or_load) has no value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError<E> {
    /// The loader found no data for the key; nothing was cached, and the next call asks
    /// the loader again.
    #[error("no data for this key")]
    NotFound,
    /// The loader failed; every caller waiting for that load gets the same error, shared
    /// (`Arc::try_unwrap` takes it back when no other caller holds it).
    #[error("the loader failed: {0}")]
    Failed(#[source] Arc<E>),
    /// The loader panicked; nothing is poisoned and the next call loads afresh.
    #[error("the loader panicked: {message}")]
    Panicked {
        /// The panic's message.
        message: String,
    },
}

impl<E> Clone for LoadError<E> {
    fn clone(&self) -> Self {
        match self {
            Self::NotFound => Self::NotFound,
            Self::Failed(error) => Self::Failed(Arc::clone(error)),
            Self::Panicked { message } => Self::Panicked {
                message: message.clone(),
            },
        }
    }
}

impl<E> PartialEq for LoadError<E> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::NotFound, Self::NotFound) => true,
            (Self::Failed(a), Self::Failed(b)) => Arc::ptr_eq(a, b),
            (Self::Panicked { message: a }, Self::Panicked { message: b }) => a == b,
            _ => false,
        }
    }
}
