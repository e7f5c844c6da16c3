//! What the handler and remote benches share: the caller's task, and oneway calls cut
//! into chunks that each end with a sync call.

use std::future::Future;
use std::time::Duration;

/// Oneway calls per chunk; each chunk ends with one sync call that returns once the
/// owner has run the chunk.
pub const ONEWAY_CHUNK: u64 = 1_000;

/// Runs `f` as a tokio task and returns what it measured, so that the caller lives on a
/// worker like the owner does, not on the thread blocked in `block_on`.
pub async fn on_task(f: impl Future<Output = Duration> + Send + 'static) -> Duration {
    tokio::spawn(f).await.expect("benchmark task panicked")
}

/// Splits `iters` oneway calls into chunks of at most [`ONEWAY_CHUNK`].
pub fn chunks(iters: u64) -> impl Iterator<Item = u64> {
    let full = iters / ONEWAY_CHUNK;
    let rest = iters % ONEWAY_CHUNK;
    std::iter::repeat_n(ONEWAY_CHUNK, full as usize).chain((rest > 0).then_some(rest))
}
