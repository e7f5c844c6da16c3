//! One cache's place on a [`RedisTier`]: reads, writes and invalidations under its
//! namespace, and the subscriber that applies other processes' invalidations.

use std::future::Future;
use std::hash::Hash;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::StreamExt as _;
use redis::aio::ConnectionManager;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::watch;

use super::{BoxFuture, RedisTier, SecondTier};
use crate::identity::cache::Inner;
use crate::identity::{Cache, Cached};

/// One cache's place on a [`RedisTier`].
struct Link<K, H: Cached, E> {
    tier: RedisTier,
    /// `coact:{namespace}:v{version}:`, before each key's JSON.
    prefix: String,
    channel: String,
    cache: Weak<Inner<K, H, E>>,
    /// The subscriber task, if one was started.
    subscriber: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Whether the subscriber is subscribed now; false again however its task ends.
    subscribed: Arc<watch::Sender<bool>>,
    /// Never sent on: dropped with the link, that is with its cache, it ends the
    /// subscriber task and closes its connection at once, instead of at the next message.
    stop: watch::Sender<()>,
}

impl<K, H, E> Cache<K, H, E>
where
    K: Eq + Hash + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    H: Cached + Send + Sync + 'static,
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
    ///
    /// From its first lookup on, the cache keeps a task and a connection of its own
    /// subscribed to the other processes' invalidations; both end as soon as the last
    /// handle to the cache is dropped (the tier's shared connection stays with the
    /// [`RedisTier`]).
    #[must_use]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn with_redis(self, tier: &RedisTier, namespace: &str, version: u32) -> Self {
        let prefix = format!("coact:{namespace}:v{version}:");
        let link = Link {
            tier: tier.clone(),
            channel: format!("{prefix}invalidate"),
            prefix,
            cache: Arc::downgrade(&self.inner),
            subscriber: Mutex::new(None),
            subscribed: Arc::new(watch::Sender::new(false)),
            stop: watch::Sender::new(()),
        };
        let _first = self.inner.tier.set(Box::new(link));
        self
    }
}

impl<K, H, E> Link<K, H, E>
where
    K: Eq + Hash + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    H: Cached + Send + Sync + 'static,
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
            if subscriber
                .as_ref()
                .is_none_or(tokio::task::JoinHandle::is_finished)
            {
                *subscriber = Some(tokio::spawn(until_stopped(
                    self.stop.subscribe(),
                    subscribe(
                        self.tier.clone(),
                        self.channel.clone(),
                        self.cache.clone(),
                        Live(Arc::clone(&self.subscribed)),
                    ),
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
    H: Cached + Send + Sync + 'static,
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
            let (deleted, message) = if let Some(key) = key {
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
            } else {
                let deleted = tier
                    .run(
                        "SCAN + UNLINK",
                        delete_prefix(&mut connection, &self.prefix),
                    )
                    .await;
                (deleted.is_some(), format!("{}\n*", tier.sender))
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

/// Runs the subscriber until it ends by itself or its link's `stop` is dropped with the
/// cache, whichever comes first; the subscriber is then dropped where it waits (for a
/// message, a reconnection or its back-off), and its connection with it.
async fn until_stopped(mut stop: watch::Receiver<()>, subscriber: impl Future<Output = ()>) {
    // Nothing is ever sent: `changed` returns only once the sender is gone.
    let stopped = async move { while stop.changed().await.is_ok() {} };
    let _ = futures_util::future::select(pin!(subscriber), pin!(stopped)).await;
}

/// The subscriber of one cache: applies the invalidations other processes publish, and
/// reconnects when the connection drops. After a reconnection it clears the local map,
/// which may have missed invalidations meanwhile. Ends with the cache (`until_stopped`).
async fn subscribe<K, H, E>(
    tier: RedisTier,
    channel: String,
    cache: Weak<Inner<K, H, E>>,
    live: Live,
) where
    K: Eq + Hash + Clone + DeserializeOwned + Send + Sync + 'static,
    H: Cached + Send + Sync + 'static,
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
