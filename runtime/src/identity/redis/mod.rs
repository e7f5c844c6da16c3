//! The shared second tier: values loaded by one process are read from Redis by the
//! others instead of running their loaders, and invalidation reaches every process.
//!
//! A [`RedisTier`] is a connection to one Redis server; [`Cache::with_redis`] puts a cache
//! on it under a namespace and a version. A lookup asks the local map, then Redis, then
//! the loader, and a loaded value is written to Redis (with the cache's TTL) before the
//! callers get it. [`Cache::forget`] and [`Cache::clear`] delete from Redis too and publish
//! the invalidation, which the other processes' caches on the same namespace apply to
//! their local maps.
//!
//! Only loaded values go to Redis: a change made through a [`Shared`](crate::identity::Shared)
//! handle stays in this process's local map (kept there by the default retention), the
//! other processes read the value as it was loaded, and an invalidation from any process
//! drops the change here too. To share a change, save it to the source and forget the key.
//!
//! Redis is a cache here, never a source of truth: if it is unreachable, slow or holds a
//! value this program cannot decode, a lookup falls back to the loader within the tier's
//! timeout, logs a `tracing` warning and counts it in [`Stats::tier_errors`]; after a
//! failure the tier is skipped for a short cool-down, then tried again, and the
//! connection is re-established automatically.

mod link;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The default bound on each Redis operation.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// How long the tier is skipped after a failure.
const DEFAULT_COOL_DOWN: Duration = Duration::from_secs(1);

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A connection to a Redis server shared by the caches put on it with
/// [`Cache::with_redis`](crate::identity::Cache::with_redis). Cheap to clone; connects on
/// first use and reconnects by itself.
///
/// ```no_run
/// use coact::identity::{Cache, RedisTier, Retention};
/// use std::time::Duration;
///
/// # fn main() -> Result<(), coact::identity::TierError> {
/// let tier = RedisTier::new("redis://127.0.0.1:6379/")?.timeout(Duration::from_millis(100));
/// let keep = Retention::Keep { ttl: Some(Duration::from_secs(60)), capacity: None };
/// let users: Cache<u32, std::sync::Arc<String>> =
///     Cache::new(keep).with_redis(&tier, "users", 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct RedisTier {
    inner: Arc<Tier>,
}

struct Tier {
    client: redis::Client,
    connection: OnceLock<ConnectionManager>,
    timeout: Duration,
    cool_down: Duration,
    /// Identifies this process's messages, so it does not apply its own invalidations.
    sender: String,
    /// Milliseconds since `epoch` before which the tier is skipped.
    skip_until: AtomicU64,
    epoch: Instant,
}

/// Why a [`RedisTier`] could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub enum TierError {
    /// The address is not a Redis URL (`redis://host:port/db`).
    #[error("not a Redis address: {0}")]
    Address(#[source] redis::RedisError),
}

impl RedisTier {
    /// A tier on the Redis server at `url` (`redis://127.0.0.1:6379/`). Nothing is
    /// connected until the first lookup.
    ///
    /// # Errors
    ///
    /// [`TierError::Address`] when `url` is not a Redis address.
    pub fn new(url: &str) -> Result<Self, TierError> {
        static PROCESS_TIERS: AtomicU64 = AtomicU64::new(0);
        let client = redis::Client::open(url).map_err(TierError::Address)?;
        let sender = format!(
            "{}-{}-{}",
            std::process::id(),
            PROCESS_TIERS.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        Ok(Self {
            inner: Arc::new(Tier {
                client,
                connection: OnceLock::new(),
                timeout: DEFAULT_TIMEOUT,
                cool_down: DEFAULT_COOL_DOWN,
                sender,
                skip_until: AtomicU64::new(0),
                epoch: Instant::now(),
            }),
        })
    }

    /// Bounds each Redis operation (default 250 ms): past it, a lookup goes to the loader.
    /// A lookup that misses locally waits at most twice this for Redis (its read, and the
    /// write of what it loaded), three times on the first lookup (which also subscribes).
    #[must_use]
    pub fn timeout(self, timeout: Duration) -> Self {
        self.rebuild(|tier| tier.timeout = timeout)
    }

    /// How long the tier is skipped after a failure (default 1 s), so that an outage
    /// costs one timeout per cool-down instead of one per lookup.
    #[must_use]
    pub fn cool_down(self, cool_down: Duration) -> Self {
        self.rebuild(|tier| tier.cool_down = cool_down)
    }

    fn rebuild(self, change: impl FnOnce(&mut Tier)) -> Self {
        let mut tier = Tier {
            client: self.inner.client.clone(),
            connection: OnceLock::new(),
            timeout: self.inner.timeout,
            cool_down: self.inner.cool_down,
            sender: self.inner.sender.clone(),
            skip_until: AtomicU64::new(0),
            epoch: self.inner.epoch,
        };
        change(&mut tier);
        Self {
            inner: Arc::new(tier),
        }
    }
}

impl fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTier")
            .field("server", &self.inner.client.get_connection_info().addr())
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Tier {
    fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(self.client.clone(), config)?;
        Ok(self.connection.get_or_init(|| connection).clone())
    }

    fn skipping(&self) -> bool {
        self.now_ms() < self.skip_until.load(Ordering::Relaxed)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs one operation within the timeout; a failure is logged and starts a cool-down.
    async fn run<T>(
        &self,
        what: &str,
        op: impl Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        let failure = match tokio::time::timeout(self.timeout, op).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {:?}", self.timeout),
        };
        let until =
            self.now_ms() + u64::try_from(self.cool_down.as_millis()).unwrap_or(u64::MAX / 2);
        self.skip_until.store(until, Ordering::Relaxed);
        tracing::warn!(
            operation = what,
            error = %failure,
            cool_down = ?self.cool_down,
            "the Redis tier failed; using the local cache and the loader",
        );
        None
    }
}

/// What a cache needs from its second tier, with the value types erased into the tier's
/// own generic implementation.
pub(in crate::identity) trait SecondTier<K, V>: Send + Sync {
    /// The value under `key`, if the tier has one this program can read.
    fn get<'a>(&'a self, key: &'a K) -> BoxFuture<'a, Option<V>>;
    /// Stores a freshly loaded value.
    fn put<'a>(&'a self, key: &'a K, value: &'a V, ttl: Option<Duration>) -> BoxFuture<'a, ()>;
    /// Deletes `key` (all keys with `None`) and tells the other processes.
    fn invalidate<'a>(&'a self, key: Option<&'a K>) -> BoxFuture<'a, ()>;
}
