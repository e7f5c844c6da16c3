//! The shared Redis tier of coact's identity `Cache`: what it costs a local hit, and what a
//! Redis hit costs against a raw `GET` of the same value.
//!
//! Every benchmark is an `iter_custom` whose `iters` operations run inside one `block_on`
//! of a current-thread tokio runtime, so criterion's time is the time of one operation.
//!
//! - `local_hit`: 1,024 keys are loaded first and lookups cycle through them, on a cache
//!   without a tier and on one with a tier (whose lookups then never reach Redis).
//! - `redis_hit`: the value is in Redis but not in the local map: a cache with weak
//!   retention whose handle is dropped after each lookup, so every lookup is a local miss
//!   answered by Redis (GET, JSON decoding, insertion into the local map). Against a raw
//!   `GET` of the same key over the same kind of connection (redis's `ConnectionManager`),
//!   and the raw `GET` plus the same JSON decoding.
//!
//! Needs a Redis server: `COACT_REDIS_URL`, or else a `redis-server` on the `PATH` that the
//! bench starts on a free port and stops at the end.
//!
//! Run with `cd bench && cargo bench --bench identity_redis`.

use std::convert::Infallible;
use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use coact::identity::{Cache, RedisTier, Retention};
use criterion::{criterion_group, criterion_main, Criterion};
use serde::{Deserialize, Serialize};

/// How many keys the local-hit benchmarks load first.
const KEYS: u64 = 1024;

/// The cached value: a small row, as a user record would be.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    id: u64,
    name: String,
    email: String,
}

impl Row {
    fn new(id: u64) -> Self {
        Self {
            id,
            name: format!("user {id}"),
            email: format!("user{id}@example.com"),
        }
    }
}

async fn load(key: u64) -> Result<Option<Row>, Infallible> {
    Ok(Some(Row::new(key)))
}

/// The loader of a lookup that must be answered by Redis.
async fn never(key: u64) -> Result<Option<Row>, Infallible> {
    panic!("key {key} should have come from Redis")
}

/// The server: the one at `COACT_REDIS_URL`, or one of our own.
struct Server {
    url: String,
    child: Option<Child>,
}

impl Server {
    fn get() -> Self {
        if let Ok(url) = std::env::var("COACT_REDIS_URL") {
            return Self { url, child: None };
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("set COACT_REDIS_URL, or put redis-server on the PATH");
        let url = format!("redis://127.0.0.1:{port}/");
        let client = redis::Client::open(url.as_str()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while client.get_connection().is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            url,
            child: Some(child),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn namespace(name: &str) -> String {
    format!("bench:{name}:{}", std::process::id())
}

fn local_hit(c: &mut Criterion, server: &Server) {
    let rt = runtime();
    let tier = RedisTier::new(&server.url).unwrap();
    let plain: Cache<u64, Arc<Row>> = Cache::new(Retention::FOREVER);
    let tiered: Cache<u64, Arc<Row>> =
        Cache::new(Retention::FOREVER).with_redis(&tier, &namespace("local_hit"), 1);
    rt.block_on(async {
        for key in 0..KEYS {
            plain.get_or_load(key, || load(key)).await.unwrap();
            tiered.get_or_load(key, || load(key)).await.unwrap();
        }
    });
    let mut group = c.benchmark_group("identity_redis/local_hit");
    for (name, cache) in [("without tier", &plain), ("with tier", &tiered)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for i in 0..iters {
                        let key = i % KEYS;
                        black_box(cache.get_or_load(key, || load(key)).await.ok());
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
    rt.block_on(tiered.clear());
}

fn redis_hit(c: &mut Criterion, server: &Server) {
    let rt = runtime();
    let ns = namespace("redis_hit");
    let tier = RedisTier::new(&server.url).unwrap();
    let writer: Cache<u64, Arc<Row>> = Cache::new(Retention::FOREVER).with_redis(&tier, &ns, 1);
    // Weak retention and a dropped handle: every lookup misses locally.
    let reader: Cache<u64, Arc<Row>> = Cache::new(Retention::Weak).with_redis(&tier, &ns, 1);
    let key = 7;
    rt.block_on(async {
        writer.get_or_load(key, || load(key)).await.unwrap();
        reader.get_or_load(key, || never(key)).await.unwrap();
    });
    let redis_key = format!("coact:{ns}:v1:{key}");
    let client = redis::Client::open(server.url.as_str()).unwrap();
    let mut raw = rt.block_on(client.get_connection_manager()).unwrap();

    let mut group = c.benchmark_group("identity_redis/redis_hit");
    group.bench_function("coact (local miss, Redis hit)", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(reader.get_or_load(key, || never(key)).await.ok());
                }
                start.elapsed()
            })
        });
    });
    for decode in [false, true] {
        let name = if decode {
            "raw GET + JSON decoding"
        } else {
            "raw GET"
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let bytes: Vec<u8> = redis::cmd("GET")
                            .arg(&redis_key)
                            .query_async(&mut raw)
                            .await
                            .unwrap();
                        if decode {
                            let row: Row = serde_json::from_slice(&bytes).unwrap();
                            black_box(Arc::new(row));
                        } else {
                            black_box(bytes);
                        }
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
    assert_eq!(reader.stats().loads, 0, "every lookup came from Redis");
    assert_eq!(reader.stats().tier_errors, 0);
    rt.block_on(writer.clear());
}

fn benches(c: &mut Criterion) {
    let server = Server::get();
    local_hit(c, &server);
    redis_hit(c, &server);
}

criterion_group! {
    name = identity_redis;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(identity_redis);
