//! Cooperative execution: a CPU-heavy generator driven to its end in batches on tokio,
//! handing control back to the scheduler between batches so that I/O on the same runtime
//! stays responsive, and the [`ValueBucket`] that collects what it yields.
//!
//! Steps that produce nothing: a generator of `Option<T>` yields `None` for a step that
//! only hands control back. [`accumulate`] and [`batch_accumulate`] keep every item as
//! it is; [`accumulate_some`] and [`batch_accumulate_some`] keep what the `Some` items
//! hold, and so does a [`ValueBucket`].

use std::panic::AssertUnwindSafe;

use super::CooperativeError;
use crate::panic::panic_message;

/// Collects the non-empty values it is given, in order: `push(5)` and `push(Some(5))`
/// keep 5, `push(None)` keeps nothing.
///
/// ```
/// use coact::coroutine::ValueBucket;
///
/// let mut bucket = ValueBucket::new();
/// bucket.push(1);
/// bucket.push(None);
/// bucket.push(Some(3));
/// assert_eq!(bucket.contents(), [1, 3]);
/// assert_eq!(bucket.drain_contents(), [1, 3]);   // a new collection starts
/// assert!(bucket.contents().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueBucket<T> {
    values: Vec<T>,
}

impl<T> ValueBucket<T> {
    /// An empty bucket.
    #[must_use]
    pub const fn new() -> Self {
        Self { values: Vec::new() }
    }

    /// Keeps `value` unless it is `None`; returns whether it was kept.
    pub fn push(&mut self, value: impl Into<Option<T>>) -> bool {
        match value.into() {
            Some(value) => {
                self.values.push(value);
                true
            }
            None => false,
        }
    }

    /// The values kept so far, in order.
    #[must_use]
    pub fn contents(&self) -> &[T] {
        &self.values
    }

    /// Takes the values kept so far, leaving the bucket empty for what comes next.
    pub fn drain_contents(&mut self) -> Vec<T> {
        std::mem::take(&mut self.values)
    }

    /// How many values it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether it holds no value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl<T> Default for ValueBucket<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, V: Into<Option<T>>> Extend<V> for ValueBucket<T> {
    fn extend<I: IntoIterator<Item = V>>(&mut self, values: I) {
        for value in values {
            self.push(value);
        }
    }
}

impl<T> From<ValueBucket<T>> for Vec<T> {
    fn from(bucket: ValueBucket<T>) -> Self {
        bucket.values
    }
}

/// A generator being driven, with what it kept so far.
pub(super) struct Harvest<I, T> {
    pub(super) generator: I,
    pub(super) bucket: ValueBucket<T>,
}

impl<I, T> Harvest<I, T>
where
    I: Iterator,
    I::Item: Into<Option<T>>,
{
    /// Runs up to `max` steps; `Ok(true)` once the generator has ended.
    pub(super) fn batch(&mut self, max: usize) -> Result<bool, CooperativeError> {
        let Self { generator, bucket } = self;
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            // The batch pushes to a local vector: a generator's step publishes a pointer
            // the compiler cannot tell apart from the bucket's, so pushing through
            // `bucket` stored its length back after every step (46 instructions per step at
            // batch 1,000 against 57, `bench/examples/coroutine_calls.rs`). On a panic the
            // values go with the vector, as the caller gets an error and no values.
            let mut values = std::mem::take(&mut bucket.values);
            let mut done = false;
            for _ in 0..max {
                let Some(value) = generator.next() else {
                    done = true;
                    break;
                };
                if let Some(value) = value.into() {
                    values.push(value);
                }
            }
            bucket.values = values;
            done
        }))
        .map_err(|payload| {
            let message = panic_message(payload);
            tracing::debug!(panic = %message, "cooperative generator panicked");
            CooperativeError::Panicked { message }
        })
    }
}

/// Drives `generator` to its end one step at a time, handing control back to the tokio
/// scheduler after each step, and returns every value it yielded, in order.
///
/// The same as [`batch_accumulate`] with a batch of one; a generator whose steps are cheap
/// runs faster in larger batches. For a generator that yields `None` on a step that
/// produced nothing, [`accumulate_some`] keeps only the `Some` values.
///
/// ```
/// use coact::coroutine::{accumulate, Gen};
///
/// #[coact::coroutine]
/// fn squares(n: u64) -> Gen<u64> {
///     for i in 0..n {
///         yield_!(i * i);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(accumulate(squares(4)).await.unwrap(), [0, 1, 4, 9]);
/// # }
/// ```
///
/// # Errors
///
/// [`CooperativeError::Panicked`] if the generator panics.
pub async fn accumulate<I>(generator: I) -> Result<Vec<I::Item>, CooperativeError>
where
    I: IntoIterator,
{
    batch_accumulate(1, generator).await
}

/// Drives `generator` to its end `max_batch` steps at a time (at least one), handing
/// control back to the tokio scheduler between batches, and returns every value it
/// yielded, in order.
///
/// Between batches it awaits [`tokio::task::yield_now`], which on tokio puts the task
/// back behind every other ready task and the I/O and timer drivers: on a
/// current-thread runtime other tasks run between any two batches, so the longest a
/// request waits is one batch.
///
/// ```
/// use coact::coroutine::{batch_accumulate, Gen};
///
/// #[coact::coroutine]
/// fn expensive(number: f64) -> Gen<f64> {
///     for value in 0..100_000 {
///         yield_!(number * f64::from(value) / 3.0);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let values = batch_accumulate(1000, expensive(54.0)).await.unwrap();
/// assert_eq!(values.len(), 100_000);
/// # }
/// ```
///
/// # Errors
///
/// [`CooperativeError::Panicked`] if the generator panics; the values yielded before are
/// dropped.
pub async fn batch_accumulate<I>(
    max_batch: usize,
    generator: I,
) -> Result<Vec<I::Item>, CooperativeError>
where
    I: IntoIterator,
{
    harvest(max_batch, generator).await
}

/// [`accumulate`] for a generator whose steps may produce nothing: it yields `Some(value)`
/// for a value and `None` for a step that only hands control back, and only the values
/// are kept.
///
/// ```
/// use coact::coroutine::{accumulate_some, Gen};
///
/// #[coact::coroutine]
/// fn evens(n: u64) -> Gen<Option<u64>> {
///     for i in 0..n {
///         yield_!((i % 2 == 0).then_some(i)); // `None`: a step that keeps nothing
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(accumulate_some(evens(5)).await.unwrap(), [0, 2, 4]);
/// # }
/// ```
///
/// # Errors
///
/// [`CooperativeError::Panicked`] if the generator panics.
pub async fn accumulate_some<I, T>(generator: I) -> Result<Vec<T>, CooperativeError>
where
    I: IntoIterator<Item = Option<T>>,
{
    harvest(1, generator).await
}

/// [`batch_accumulate`] for a generator whose steps may produce nothing: every step counts
/// towards a batch, and only the `Some` values are kept.
///
/// ```
/// use coact::coroutine::{batch_accumulate_some, Gen};
///
/// #[coact::coroutine]
/// fn multiples_of_seven(n: u64) -> Gen<Option<u64>> {
///     for i in 1..=n {
///         yield_!((i % 7 == 0).then_some(i));
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let found = batch_accumulate_some(1000, multiples_of_seven(100_000)).await.unwrap();
/// assert_eq!(found.len(), 14_285);
/// # }
/// ```
///
/// # Errors
///
/// [`CooperativeError::Panicked`] if the generator panics; the values yielded before are
/// dropped.
pub async fn batch_accumulate_some<I, T>(
    max_batch: usize,
    generator: I,
) -> Result<Vec<T>, CooperativeError>
where
    I: IntoIterator<Item = Option<T>>,
{
    harvest(max_batch, generator).await
}

/// The four functions above: `T` is the item itself, or what a `Some` item holds.
async fn harvest<I, T>(max_batch: usize, generator: I) -> Result<Vec<T>, CooperativeError>
where
    I: IntoIterator,
    I::Item: Into<Option<T>>,
{
    let mut harvest = Harvest {
        generator: generator.into_iter(),
        bucket: ValueBucket::new(),
    };
    let max_batch = max_batch.max(1);
    while !harvest.batch(max_batch)? {
        tokio::task::yield_now().await;
    }
    Ok(harvest.bucket.into())
}
