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
//! Redis is a cache here, never a source of truth: if it is unreachable, slow or holds a
//! value this program cannot decode, a lookup falls back to the loader within the tier's
//! timeout, logs a `tracing` warning and counts it in [`Stats::tier_errors`]; after a
//! failure the tier is skipped for a short cool-down, then tried again, and the
//! connection is re-established automatically.

use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::watch;

use super::{Cache, Handle, Inner};

/// The default bound on each Redis operation.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// How long the tier is skipped after a failure.
const DEFAULT_COOL_DOWN: Duration = Duration::from_secs(1);

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A connection to a Redis server shared by the caches put on it with
/// [`Cache::with_redis`]. Cheap to clone; connects on first use and reconnects by itself.
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
        let client = redis::Client::open(url).map_err(TierError::Address)?;
        static PROCESS_TIERS: AtomicU64 = AtomicU64::new(0);
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
pub(super) trait SecondTier<K, V>: Send + Sync {
    /// The value under `key`, if the tier has one this program can read.
    fn get<'a>(&'a self, key: &'a K) -> BoxFuture<'a, Option<V>>;
    /// Stores a freshly loaded value.
    fn put<'a>(&'a self, key: &'a K, value: &'a V, ttl: Option<Duration>) -> BoxFuture<'a, ()>;
    /// Deletes `key` (all keys with `None`) and tells the other processes.
    fn invalidate<'a>(&'a self, key: Option<&'a K>) -> BoxFuture<'a, ()>;
}

/// One cache's place on a [`RedisTier`].
struct Link<K, H: Handle, E> {
    tier: RedisTier,
    /// `coact:{namespace}:v{version}:`, before each key's JSON.
    prefix: String,
    channel: String,
    cache: Weak<Inner<K, H, E>>,
    /// The subscriber task, if one was started.
    subscriber: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Whether the subscriber is subscribed now; false again however its task ends.
    subscribed: Arc<watch::Sender<bool>>,
}

impl<K, H, E> Cache<K, H, E>
where
    K: Eq + Hash + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    H: Handle + Send + Sync + 'static,
    H::Value: Serialize + DeserializeOwned + Send + Sync + 'static,
    H::Weak: Send + Sync,
    E: Send + Sync + 'static,
{
    /// Puts this cache on a shared Redis tier, under `namespace` and `version`: Redis keys
    /// are `coact:{namespace}:v{version}:{key as JSON}`, values are JSON.
    ///
    /// Two programs read each other's values only if they use the same namespace and
    /// version: change the version when the value's serialized form changes. A cache
    /// already on a tier keeps its first.
    #[must_use]
    pub fn with_redis(self, tier: &RedisTier, namespace: &str, version: u32) -> Self {
        let prefix = format!("coact:{namespace}:v{version}:");
        let link = Link {
            tier: tier.clone(),
            channel: format!("{prefix}invalidate"),
            prefix,
            cache: Arc::downgrade(&self.inner),
            subscriber: Mutex::new(None),
            subscribed: Arc::new(watch::Sender::new(false)),
        };
        let _first = self.inner.tier.set(Box::new(link));
        self
    }
}

impl<K, H, E> Link<K, H, E>
where
    K: Eq + Hash + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    H: Handle + Send + Sync + 'static,
    H::Value: Send + Sync + 'static,
    H::Weak: Send + Sync,
    E: Send + Sync + 'static,
{
    fn redis_key(&self, key: &K) -> Option<String> {
        match serde_json::to_string(key) {
            Ok(json) => Some(format!("{}{json}", self.prefix)),
            Err(error) => {
                tracing::warn!(%error, "a key could not be written as JSON; not shared");
                None
            }
        }
    }

    fn count_error(&self) {
        if let Some(inner) = self.cache.upgrade() {
            inner.counters.tier_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Starts the subscriber if it is not running (its runtime may have ended), and waits
    /// up to the timeout for it to be subscribed, so that no invalidation published after
    /// this returns is missed by a value read after it.
    async fn subscribed(&self) {
        if *self.subscribed.borrow() {
            return;
        }
        {
            let mut subscriber = self
                .subscriber
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if subscriber.as_ref().is_none_or(|task| task.is_finished()) {
                *subscriber = Some(tokio::spawn(subscribe(
                    self.tier.clone(),
                    self.channel.clone(),
                    self.cache.clone(),
                    Live(Arc::clone(&self.subscribed)),
                )));
            }
        }
        let mut ready = self.subscribed.subscribe();
        let timeout = self.tier.inner.timeout;
        if tokio::time::timeout(timeout, ready.wait_for(|ready| *ready))
            .await
            .is_err()
        {
            tracing::warn!(channel = %self.channel, "not subscribed to invalidations yet");
        }
    }
}

impl<K, H, E> SecondTier<K, H::Value> for Link<K, H, E>
where
    K: Eq + Hash + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    H: Handle + Send + Sync + 'static,
    H::Value: Serialize + DeserializeOwned + Send + Sync + 'static,
    H::Weak: Send + Sync,
    E: Send + Sync + 'static,
{
    fn get<'a>(&'a self, key: &'a K) -> BoxFuture<'a, Option<H::Value>> {
        Box::pin(async move {
            let tier = &self.tier.inner;
            if tier.skipping() {
                self.count_error();
                return None;
            }
            self.subscribed().await;
            let redis_key = self.redis_key(key)?;
            let mut connection = match tier.connection() {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "no Redis connection");
                    self.count_error();
                    return None;
                }
            };
            let read = tier.run("GET", async {
                redis::cmd("GET")
                    .arg(&redis_key)
                    .query_async::<Option<Vec<u8>>>(&mut connection)
                    .await
            });
            let Some(bytes) = read.await else {
                self.count_error();
                return None;
            };
            match serde_json::from_slice(&bytes?) {
                Ok(value) => Some(value),
                Err(error) => {
                    // Another program's value under the same namespace and version, or a
                    // changed type without a new version: load it afresh and overwrite.
                    tracing::warn!(key = %redis_key, %error, "a shared value could not be read");
                    self.count_error();
                    None
                }
            }
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a K,
        value: &'a H::Value,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let tier = &self.tier.inner;
            if tier.skipping() {
                self.count_error();
                return;
            }
            let (Some(redis_key), Ok(json)) = (self.redis_key(key), serde_json::to_vec(value))
            else {
                tracing::warn!("a value could not be written as JSON; not shared");
                return;
            };
            let Ok(mut connection) = tier.connection() else {
                self.count_error();
                return;
            };
            let mut set = redis::cmd("SET");
            let _ = set.arg(&redis_key).arg(json);
            if let Some(ttl) = ttl {
                let _ = set
                    .arg("PX")
                    .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
            }
            let written = tier.run("SET", set.exec_async(&mut connection)).await;
            if written.is_none() {
                self.count_error();
            }
        })
    }

    fn invalidate<'a>(&'a self, key: Option<&'a K>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let tier = &self.tier.inner;
            let Ok(mut connection) = tier.connection() else {
                self.count_error();
                return;
            };
            let (deleted, message) = match key {
                Some(key) => {
                    let Some(redis_key) = self.redis_key(key) else {
                        return;
                    };
                    let json = &redis_key[self.prefix.len()..];
                    let message = format!("{}\n{json}", tier.sender);
                    let del = tier.run("DEL", async {
                        redis::cmd("DEL")
                            .arg(&redis_key)
                            .exec_async(&mut connection)
                            .await
                    });
                    (del.await.is_some(), message)
                }
                None => {
                    let deleted = tier
                        .run(
                            "SCAN + UNLINK",
                            delete_prefix(&mut connection, &self.prefix),
                        )
                        .await;
                    (deleted.is_some(), format!("{}\n*", tier.sender))
                }
            };
            if !deleted {
                self.count_error();
            }
            let published = tier.run("PUBLISH", async {
                redis::cmd("PUBLISH")
                    .arg(&self.channel)
                    .arg(&message)
                    .exec_async(&mut connection)
                    .await
            });
            if published.await.is_none() {
                self.count_error();
            }
        })
    }
}

/// Held by the subscriber task: whether it is subscribed, false again however the task
/// ends (its runtime may shut down).
struct Live(Arc<watch::Sender<bool>>);

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.0.send_replace(false);
    }
}

/// Deletes every key that starts with `prefix`, a batch at a time.
async fn delete_prefix(connection: &mut ConnectionManager, prefix: &str) -> redis::RedisResult<()> {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(connection)
            .await?;
        if !keys.is_empty() {
            redis::cmd("UNLINK")
                .arg(&keys)
                .exec_async(connection)
                .await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// The subscriber of one cache: applies the invalidations other processes publish, and
/// reconnects when the connection drops. After a reconnection it clears the local map,
/// which may have missed invalidations meanwhile. Ends with the cache.
async fn subscribe<K, H, E>(
    tier: RedisTier,
    channel: String,
    cache: Weak<Inner<K, H, E>>,
    live: Live,
) where
    K: Eq + Hash + Clone + DeserializeOwned + Send + Sync + 'static,
    H: Handle + Send + Sync + 'static,
    H::Weak: Send + Sync,
    E: Send + Sync + 'static,
{
    let tier = &tier.inner;
    let mut reconnect = false;
    let mut backoff = Duration::from_millis(50);
    loop {
        if cache.strong_count() == 0 {
            return;
        }
        let pubsub = tier
            .run("SUBSCRIBE", async {
                let mut pubsub = tier.client.get_async_pubsub().await?;
                pubsub.subscribe(&channel).await?;
                Ok(pubsub)
            })
            .await;
        let Some(mut pubsub) = pubsub else {
            if let Some(inner) = cache.upgrade() {
                inner.counters.tier_errors.fetch_add(1, Ordering::Relaxed);
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
            continue;
        };
        backoff = Duration::from_millis(50);
        if reconnect {
            if let Some(inner) = cache.upgrade() {
                Cache { inner }.clear_local();
            }
        }
        reconnect = true;
        let _ = live.0.send_replace(true);
        let mut messages = pubsub.on_message();
        while let Some(message) = messages.next().await {
            let Some(inner) = cache.upgrade() else { return };
            let cache = Cache { inner };
            let payload = message.get_payload_bytes();
            let text = String::from_utf8_lossy(payload);
            let Some((sender, key)) = text.split_once('\n') else {
                continue;
            };
            if sender == tier.sender {
                continue;
            }
            if key == "*" {
                cache.clear_local();
            } else {
                match serde_json::from_str::<K>(key) {
                    Ok(key) => {
                        let _ = cache.forget_local(&key);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "an invalidation named a key this program cannot read");
                        continue;
                    }
                }
            }
            cache
                .inner
                .counters
                .remote_invalidations
                .fetch_add(1, Ordering::Relaxed);
        }
        let _ = live.0.send_replace(false);
        tracing::warn!(%channel, "the invalidation subscription dropped; reconnecting");
    }
}
