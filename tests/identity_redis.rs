//! The shared Redis tier, against real servers: two caches with their own local maps
//! stand for two processes.
//!
//! Needs `--features redis`, a server at `COACT_REDIS_URL` (`.ci/run` installs and starts
//! one) and, for the outage test, `redis-server` on the `PATH`: these tests fail, never
//! skip, when either is missing.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coact::identity::{Cache, LoadError, RedisTier, Retention};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct User {
    id: u32,
    name: String,
}

type Users = Cache<u32, Arc<User>, String>;

fn url() -> String {
    std::env::var("COACT_REDIS_URL")
        .expect("set COACT_REDIS_URL to a Redis server (redis://127.0.0.1:6379/), as .ci/run does")
}

/// A namespace no other test or earlier run uses.
fn namespace(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test:{test}:{}:{nanos}", std::process::id())
}

/// A cache on its own tier connection, as a separate process would have.
fn process(url: &str, namespace: &str, retention: Retention) -> Users {
    let tier = RedisTier::new(url)
        .unwrap()
        .timeout(Duration::from_millis(300))
        .cool_down(Duration::from_millis(100));
    Cache::new(retention).with_redis(&tier, namespace, 1)
}

/// A loader that counts its runs.
#[derive(Clone, Default)]
struct Db {
    loads: Arc<AtomicUsize>,
}

impl Db {
    fn load(&self, id: u32) -> impl std::future::Future<Output = Result<Option<User>, String>> {
        let loads = Arc::clone(&self.loads);
        async move {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok((id < 1000).then(|| User {
                id,
                name: format!("user {id}"),
            }))
        }
    }

    fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("COACT_REDIS_URL is set but its server does not answer")
}

async fn raw_get(url: &str, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut raw(url).await)
        .await
        .unwrap()
}

/// Waits until `done` holds, for at most five seconds: for what another connection
/// delivers (a published invalidation), which nothing here can await directly.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_value_loaded_by_one_process_is_read_by_another() {
    let (url, ns, db) = (url(), namespace("shared"), Db::default());
    let a = process(&url, &ns, Retention::FOREVER);
    let b = process(&url, &ns, Retention::FOREVER);
    let from_a = a.get_or_load(1, || db.load(1)).await.unwrap();
    let from_b = b.get_or_load(1, || db.load(1)).await.unwrap();
    assert_eq!(from_a, from_b);
    assert_eq!(db.loads(), 1, "b read a's value from Redis");
    assert_eq!((b.stats().tier_hits, b.stats().loads), (1, 0));
    assert_eq!(
        raw_get(&url, &format!("coact:{ns}:v1:1")).await.as_deref(),
        Some(r#"{"id":1,"name":"user 1"}"#)
    );
    // "No data" is not shared either: each process asks its loader.
    assert_eq!(
        a.get_or_load(5000, || db.load(5000)).await.unwrap_err(),
        LoadError::NotFound
    );
    assert!(b.get_or_load(5000, || db.load(5000)).await.is_err());
    assert_eq!(db.loads(), 3);
}

#[tokio::test]
async fn another_version_or_namespace_never_reads_the_value() {
    let (url, ns, db) = (url(), namespace("versions"), Db::default());
    let v1 = process(&url, &ns, Retention::FOREVER);
    let tier = RedisTier::new(&url).unwrap();
    let v2: Users = Cache::new(Retention::FOREVER).with_redis(&tier, &ns, 2);
    let other: Users = Cache::new(Retention::FOREVER).with_redis(&tier, &format!("{ns}x"), 1);
    v1.get_or_load(1, || db.load(1)).await.unwrap();
    v2.get_or_load(1, || db.load(1)).await.unwrap();
    other.get_or_load(1, || db.load(1)).await.unwrap();
    assert_eq!(db.loads(), 3);
}

#[tokio::test]
async fn forget_and_clear_reach_redis_and_every_process() {
    let (url, ns, db) = (url(), namespace("invalidate"), Db::default());
    let a = process(&url, &ns, Retention::FOREVER);
    let b = process(&url, &ns, Retention::FOREVER);
    for id in 1..=3 {
        a.get_or_load(id, || db.load(id)).await.unwrap();
        b.get_or_load(id, || db.load(id)).await.unwrap();
    }
    assert_eq!((db.loads(), b.len()), (3, 3));

    assert!(a.forget(&2).await);
    assert_eq!(raw_get(&url, &format!("coact:{ns}:v1:2")).await, None);
    eventually("b drops its copy of 2", || {
        b.stats().remote_invalidations == 1
    })
    .await;
    assert_eq!(b.len(), 2);
    b.get_or_load(2, || db.load(2)).await.unwrap();
    assert_eq!(db.loads(), 4, "2 was loaded afresh");

    b.clear().await;
    for id in 1..=3 {
        assert_eq!(raw_get(&url, &format!("coact:{ns}:v1:{id}")).await, None);
    }
    eventually("a clears its map", || a.stats().remote_invalidations == 1).await;
    assert!(a.is_empty());
    assert_eq!(a.stats().tier_errors + b.stats().tier_errors, 0);
}

#[tokio::test]
async fn the_ttl_applies_in_redis_too() {
    let (url, ns, db) = (url(), namespace("ttl"), Db::default());
    let ttl = Retention::Keep {
        ttl: Some(Duration::from_secs(30)),
        capacity: None,
    };
    let a = process(&url, &ns, ttl);
    a.get_or_load(1, || db.load(1)).await.unwrap();
    let ttl_ms: i64 = redis::cmd("PTTL")
        .arg(format!("coact:{ns}:v1:1"))
        .query_async(&mut raw(&url).await)
        .await
        .unwrap();
    assert!(
        (1..=30_000).contains(&ttl_ms),
        "PTTL {ttl_ms} ms, expected at most 30 s"
    );
}

#[tokio::test]
async fn an_expired_value_leaves_redis_and_is_loaded_again() {
    let (url, ns, db) = (url(), namespace("expiry"), Db::default());
    let short = Retention::Keep {
        ttl: Some(Duration::from_millis(200)),
        capacity: None,
    };
    let a = process(&url, &ns, short);
    a.get_or_load(1, || db.load(1)).await.unwrap();
    let key = format!("coact:{ns}:v1:1");
    assert!(raw_get(&url, &key).await.is_some());
    // Redis expires it on its own clock.
    eventually_async("Redis expires the value", || {
        let (url, key) = (&url, &key);
        async move { raw_get(url, key).await.is_none() }
    })
    .await;
    let b = process(&url, &ns, short);
    b.get_or_load(1, || db.load(1)).await.unwrap();
    assert_eq!((db.loads(), b.stats().tier_hits), (2, 0));
}

#[tokio::test]
async fn a_value_this_program_cannot_read_is_loaded_and_overwritten() {
    let (url, ns, db) = (url(), namespace("garbage"), Db::default());
    let key = format!("coact:{ns}:v1:1");
    redis::cmd("SET")
        .arg(&key)
        .arg("not json")
        .exec_async(&mut raw(&url).await)
        .await
        .unwrap();
    let a = process(&url, &ns, Retention::FOREVER);
    assert_eq!(a.get_or_load(1, || db.load(1)).await.unwrap().id, 1);
    assert_eq!((db.loads(), a.stats().tier_errors), (1, 1));
    assert_eq!(
        raw_get(&url, &key).await.as_deref(),
        Some(r#"{"id":1,"name":"user 1"}"#)
    );
}

/// How many connections are subscribed to `channel`, as the server counts them.
async fn subscribers(url: &str, channel: &str) -> i64 {
    let (_, count): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut raw(url).await)
        .await
        .unwrap();
    count
}

/// A cache's invalidation subscriber lives as long as some handle to the cache does, and
/// its connection closes once the last one is dropped, with no message needed to notice:
/// nothing is published on the channel here. The tier outlives the cache, so only the
/// cache's drop can end it.
#[tokio::test]
async fn the_subscriber_ends_with_its_cache() {
    let (url, ns, db) = (url(), namespace("dropped"), Db::default());
    let channel = format!("coact:{ns}:v1:invalidate");
    let tier = RedisTier::new(&url).unwrap();
    let a: Users = Cache::new(Retention::FOREVER).with_redis(&tier, &ns, 1);
    let b = process(&url, &ns, Retention::FOREVER);
    a.get_or_load(1, || db.load(1)).await.unwrap(); // subscribes
    b.get_or_load(1, || db.load(1)).await.unwrap();
    // A lookup waits for its subscription only up to the tier's timeout.
    eventually_async("both caches subscribe", || {
        let (url, channel) = (&url, &channel);
        async move { subscribers(url, channel).await == 2 }
    })
    .await;

    // A clone still needs the subscriber: dropping the other handle keeps it.
    let clone = a.clone();
    drop(a);
    assert!(b.forget(&1).await);
    eventually("the clone drops its copy of 1", || {
        clone.stats().remote_invalidations == 1
    })
    .await;

    drop(clone);
    eventually_async("the dropped cache's subscription closes", || {
        let (url, channel) = (&url, &channel);
        async move { subscribers(url, channel).await == 1 }
    })
    .await;
    drop(b);
    eventually_async("every subscription closes", || {
        let (url, channel) = (&url, &channel);
        async move { subscribers(url, channel).await == 0 }
    })
    .await;
    drop(tier);
}

/// A `redis-server` of this test's own, so that stopping it disturbs no other test.
struct Server {
    port: u16,
    child: Child,
}

impl Server {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is on the PATH (apt-get install redis-server)");
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn ready(&self) {
        let url = self.url();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = redis::Client::open(url.as_str()) {
                if client.get_multiplexed_async_connection().await.is_ok() {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn stop(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_falls_back_to_the_loader_and_the_tier_recovers() {
    let mut server = Server::start(free_port());
    server.ready().await;
    let (url, ns, db) = (server.url(), namespace("outage"), Db::default());
    let a = process(&url, &ns, Retention::FOREVER);
    a.get_or_load(1, || db.load(1)).await.unwrap();
    assert_eq!(a.stats().tier_errors, 0);

    server.stop();
    // Lookups still succeed, through the loader, within the tier's bounded timeouts.
    for id in 2..=4 {
        let user = tokio::time::timeout(Duration::from_secs(5), a.get_or_load(id, || db.load(id)))
            .await
            .expect("a lookup falls back within the tier's timeouts")
            .unwrap();
        assert_eq!(user.id, id);
    }
    assert_eq!(db.loads(), 4);
    assert!(a.stats().tier_errors >= 1, "the outage is counted");
    assert_eq!(
        a.get_or_load(1, || db.load(1)).await.unwrap().id,
        1,
        "the local map still serves"
    );

    // The server comes back (empty): the tier reconnects by itself and shares again.
    let server = Server::start(server.port);
    server.ready().await;
    let mut next = 10;
    eventually_async("values reach the restarted server", || {
        next += 1;
        let (a, db, url, ns) = (&a, &db, &url, &ns);
        let id = next;
        async move {
            a.get_or_load(id, || db.load(id)).await.unwrap();
            raw_get(url, &format!("coact:{ns}:v1:{id}")).await.is_some()
        }
    })
    .await;
    let b = process(&url, &ns, Retention::FOREVER);
    let loads = db.loads();
    b.get_or_load(next, || db.load(next)).await.unwrap();
    assert_eq!(db.loads(), loads, "b read it from the restarted server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_answering_costs_a_bounded_wait() {
    let server = Server::start(free_port());
    server.ready().await;
    let (url, ns, db) = (server.url(), namespace("slow"), Db::default());
    let a = process(&url, &ns, Retention::FOREVER);
    a.get_or_load(1, || db.load(1)).await.unwrap();

    server.signal("-STOP"); // alive, connected, silent
    let two = tokio::time::timeout(Duration::from_secs(5), a.get_or_load(2, || db.load(2)))
        .await
        .expect("the tier's timeout bounds the wait")
        .unwrap();
    assert_eq!((two.id, db.loads()), (2, 2));
    assert!(a.stats().tier_errors >= 1);
    server.signal("-CONT");
}

/// Like [`eventually`], for a condition that needs awaiting; retries every 50 ms.
async fn eventually_async<F, Fut>(what: &str, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !attempt().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

static TIER: std::sync::LazyLock<RedisTier> =
    std::sync::LazyLock::new(|| RedisTier::new(&url()).unwrap());

static MACRO_LOADS: AtomicUsize = AtomicUsize::new(0);

/// The macro's form: local map, then Redis, then this body.
#[coact::identity_cached(memoize, key = id, ttl = 1min, redis = TIER, version = 3)]
async fn profile(db: &str, id: u32) -> Result<User, String> {
    MACRO_LOADS.fetch_add(1, Ordering::SeqCst);
    Ok(User {
        id,
        name: format!("{db} {id}"),
    })
}

#[tokio::test]
async fn a_cached_function_reads_redis_before_its_body() {
    let url = url();
    profile_cache().clear().await;
    // The default namespace is the function's path.
    let key = |id: u32| format!("coact:identity_redis::profile:v3:{id}");

    let one = profile("db", 1).await.unwrap();
    assert_eq!(MACRO_LOADS.load(Ordering::SeqCst), 1);
    assert_eq!(
        raw_get(&url, &key(1)).await.as_deref(),
        Some(r#"{"id":1,"name":"db 1"}"#)
    );
    assert!(Arc::ptr_eq(&one, &profile("db", 1).await.unwrap()));

    // Another process wrote 2: this one reads it instead of running its body.
    redis::cmd("SET")
        .arg(key(2))
        .arg(r#"{"id":2,"name":"from another process"}"#)
        .exec_async(&mut raw(&url).await)
        .await
        .unwrap();
    assert_eq!(profile("db", 2).await.unwrap().name, "from another process");
    assert_eq!(MACRO_LOADS.load(Ordering::SeqCst), 1);
    assert_eq!(profile_cache().stats().tier_hits, 1);

    profile_cache().clear().await;
    assert_eq!(raw_get(&url, &key(1)).await, None);
}

static ACCOUNT_LOADS: AtomicUsize = AtomicUsize::new(0);

/// A tier of its own, patient enough for a busy machine: this test reads Redis back.
static PATIENT_TIER: std::sync::LazyLock<RedisTier> = std::sync::LazyLock::new(|| {
    RedisTier::new(&url())
        .unwrap()
        .timeout(Duration::from_secs(5))
});

/// An identity map on the tier, with the default retention.
#[coact::identity_cached(key = id, redis = PATIENT_TIER)]
async fn account(id: u32) -> Result<User, String> {
    ACCOUNT_LOADS.fetch_add(1, Ordering::SeqCst);
    Ok(User {
        id,
        name: format!("user {id}"),
    })
}

/// debris's `User(1).name = "Steve"` then `User(1).name`, on the shared tier: the handle
/// the write went through is a temporary, and the next call still reads the change, from
/// the local map (with weak entries it read the loaded value back from Redis). The change
/// stays in this process: Redis keeps the value as it was loaded.
#[tokio::test]
async fn a_write_through_a_dropped_handle_is_kept_with_a_tier_too() {
    let url = url();
    account_cache().clear().await;
    account(1).await.unwrap().write().name = "Steve".into();
    assert_eq!(account(1).await.unwrap().read().name, "Steve");
    assert_eq!(ACCOUNT_LOADS.load(Ordering::SeqCst), 1);
    assert_eq!(
        account_cache().stats().tier_hits,
        0,
        "the local map answered"
    );
    assert_eq!(
        raw_get(&url, "coact:identity_redis::account:v1:1")
            .await
            .as_deref(),
        Some(r#"{"id":1,"name":"user 1"}"#),
        "a change made through a handle is not written to Redis"
    );
    account_cache().clear().await;
}
