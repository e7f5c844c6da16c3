//! `KV`, `Ordered`, `FirstReply`: the seed's snippets, options, failures and cancellation.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coact::access::{AllFailed, EntryError, Failure, FirstReply, Ordered, KV};
use futures::StreamExt as _;
use tokio::time::{sleep, Instant};

/// A stand-in for a data store, with a latency per call.
#[derive(Clone)]
struct Db {
    latency: Duration,
    calls: Arc<AtomicUsize>,
}

impl Db {
    fn new(latency_ms: u64) -> Self {
        Self {
            latency: Duration::from_millis(latency_ms),
            calls: Arc::default(),
        }
    }

    async fn find(&self, name: &str) -> String {
        self.calls.fetch_add(1, Ordering::SeqCst);
        sleep(self.latency).await;
        format!("found {name}")
    }

    async fn get(&self, x: u64) -> u64 {
        sleep(self.latency).await;
        x * 10
    }
}

async fn get_photos(id: u32, limit: usize) -> Vec<String> {
    sleep(Duration::from_millis(5)).await;
    (0..limit).map(|i| format!("photo {i} of {id}")).collect()
}

async fn back(db: Db, name: &'static str) -> String {
    db.find(name).await
}

#[tokio::test(start_paused = true)]
async fn seed_kv_a_function_plus_arguments() {
    let db = Db::new(20);
    let start = Instant::now();
    let mut results = KV::new();
    results
        .put("cats", async { get_photos(7, 4).await.join(", ") })
        .unwrap();
    results.put("monkey", back(db.clone(), "monkey")).unwrap();
    results.put("foo", async { "bar".to_owned() }).unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.contains_key("cats"));

    // Each key can be read as soon as it is ready.
    assert_eq!(results.get("foo").await, Some(&Ok("bar".to_owned())));
    assert_eq!(results.get("nope").await, None);

    // Rendered with every value at once, as keyword arguments would be.
    let context: HashMap<&str, String> = results.finish().await.into_map().unwrap();
    assert_eq!(
        context["cats"],
        "photo 0 of 7, photo 1 of 7, photo 2 of 7, photo 3 of 7"
    );
    assert_eq!(context["monkey"], "found monkey");
    // They ran at the same time: the slowest took 20 ms, the whole took 20 ms.
    assert_eq!(start.elapsed(), Duration::from_millis(20));
    assert_eq!(db.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_key_put_twice_is_refused_and_its_work_not_started() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut kv = KV::new();
    kv.put("k", async { 1 }).unwrap();
    let counter = Arc::clone(&started);
    let refused = kv.put("k", async move {
        counter.fetch_add(1, Ordering::SeqCst);
        2
    });
    assert_eq!(refused.unwrap_err().0, "k");
    assert_eq!(kv.finish().await.get("k"), Some(&Ok(1)));
    assert_eq!(started.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn seed_ordered_reversed_latencies_still_in_order() {
    let mut results = Ordered::new();
    for x in 0..10_u64 {
        let db = Db::new(10 - x); // the later, the faster
        results.push(async move { db.get(x).await });
    }
    assert_eq!(results.len(), 10);
    let values: Vec<u64> = results.map(Result::unwrap).collect().await;
    assert_eq!(values, (0..10).map(|x| x * 10).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn ordered_yields_each_entry_once_it_and_all_before_it_are_done() {
    let start = Instant::now();
    let mut results = Ordered::new();
    for (x, latency) in [1_u64, 5, 2, 8, 3].into_iter().enumerate() {
        results.push(async move {
            sleep(Duration::from_millis(latency)).await;
            x
        });
    }
    let mut seen = Vec::new();
    while let Some(x) = results.next().await {
        seen.push((x.unwrap(), start.elapsed().as_millis()));
    }
    assert_eq!(seen, [(0, 1), (1, 5), (2, 5), (3, 8), (4, 8)]);
}

#[tokio::test(start_paused = true)]
async fn seed_first_reply_returns_the_fastest_datasource() {
    let (drop_tx, mut dropped) = tokio::sync::mpsc::unbounded_channel();
    let mut fr = FirstReply::new();
    for (name, latency) in [("mongo", 30_u64), ("s3", 10), ("rest", 20)] {
        let guard = DropSignal(drop_tx.clone(), name);
        fr.push(async move {
            let _guard = guard;
            sleep(Duration::from_millis(latency)).await;
            name
        });
    }
    drop(drop_tx);
    assert_eq!(fr.pushed(), 3);
    let start = Instant::now();
    assert_eq!(fr.first().await, Some((1, Ok("s3"))));
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    // The slower requests were cancelled, not left running.
    let mut cancelled = Vec::new();
    while let Some(name) = dropped.recv().await {
        cancelled.push(name);
    }
    cancelled.sort_unstable();
    assert_eq!(cancelled, ["mongo", "rest", "s3"]);
    assert_eq!(start.elapsed(), Duration::from_millis(10));
}

#[tokio::test(start_paused = true)]
async fn first_reply_streams_in_completion_order() {
    let mut fr = FirstReply::new();
    for latency in [3_u64, 1, 2] {
        fr.push(async move {
            sleep(Duration::from_millis(latency)).await;
            latency
        });
    }
    let order: Vec<_> = fr
        .map(|(index, value)| (index, value.unwrap()))
        .collect()
        .await;
    assert_eq!(order, [(1, 1), (2, 2), (0, 3)]);
}

#[tokio::test(start_paused = true)]
async fn first_ok_skips_failures() {
    let mut fr = FirstReply::new();
    fr.push(async {
        sleep(Duration::from_millis(1)).await;
        Err("replica down")
    });
    fr.push(async {
        sleep(Duration::from_millis(2)).await;
        panic!("replica crashed")
    });
    fr.push(async {
        sleep(Duration::from_millis(3)).await;
        Ok(42)
    });
    assert_eq!(fr.first_ok().await, Ok((2, 42)));

    let mut none = FirstReply::<Result<u8, &str>>::new();
    none.push(async { Err("a") });
    none.push_blocking(|| Err("b"));
    let AllFailed { mut failures } = none.first_ok().await.unwrap_err();
    failures.sort_by_key(|(index, _)| *index);
    assert_eq!(
        failures,
        [(0, Failure::Returned("a")), (1, Failure::Returned("b"))]
    );
}

#[tokio::test(start_paused = true)]
async fn errors_and_panics_are_reported_per_entry() {
    let mut results = Ordered::new();
    results.push(async { Ok::<u8, String>(1) });
    results.push(async { panic!("entry one exploded") });
    results.push(async { Err("entry two failed".to_owned()) });
    results.push_blocking(|| panic!("blocking entry exploded"));
    results.push(async { Ok(4) });
    let all = results.all().await;
    assert_eq!(all.len(), 5);
    assert_eq!(all[0], Ok(Ok(1)));
    assert_eq!(
        all[1],
        Err(EntryError::Panicked {
            message: "entry one exploded".to_owned()
        })
    );
    assert_eq!(all[2], Ok(Err("entry two failed".to_owned())));
    assert_eq!(
        all[3],
        Err(EntryError::Panicked {
            message: "blocking entry exploded".to_owned()
        })
    );
    assert_eq!(all[4], Ok(Ok(4)));
}

/// Ready at once with `value`, and panics when dropped.
struct PanicsWhenDropped(u8);

impl std::future::Future for PanicsWhenDropped {
    type Output = u8;

    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<u8> {
        std::task::Poll::Ready(self.0)
    }
}

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        panic!("dropping entry {} exploded", self.0);
    }
}

#[tokio::test]
async fn a_kv_reports_each_panic_under_its_key() {
    let mut kv = KV::new();
    kv.put("fine", async { 1_u8 }).unwrap();
    kv.put("async", async { panic!("async entry exploded") })
        .unwrap();
    kv.put_blocking("blocking", || panic!("blocking entry exploded"))
        .unwrap();
    // The work's future is dropped once it is done: a panic there is the entry's too.
    kv.put("dropped", PanicsWhenDropped(4)).unwrap();
    let panicked = |message: &str| {
        Some(Err(EntryError::Panicked {
            message: message.to_owned(),
        }))
    };
    let finished = kv.finish().await;
    assert_eq!(finished.get("fine").cloned(), Some(Ok(1)));
    assert_eq!(
        finished.get("async").cloned(),
        panicked("async entry exploded")
    );
    assert_eq!(
        finished.get("blocking").cloned(),
        panicked("blocking entry exploded")
    );
    assert_eq!(
        finished.get("dropped").cloned(),
        panicked("dropping entry 4 exploded")
    );
}

#[tokio::test(start_paused = true)]
async fn a_timeout_fails_only_the_slow_entry() {
    let mut kv = KV::new().with_timeout(Duration::from_millis(50));
    kv.put("fast", async {
        sleep(Duration::from_millis(10)).await;
        "fast"
    })
    .unwrap();
    kv.put("slow", async {
        sleep(Duration::from_secs(60)).await;
        "slow"
    })
    .unwrap();
    let start = Instant::now();
    let finished = kv.finish().await;
    assert_eq!(start.elapsed(), Duration::from_millis(50));
    assert_eq!(finished.get("fast"), Some(&Ok("fast")));
    let timed_out = EntryError::TimedOut {
        after: Duration::from_millis(50),
    };
    assert_eq!(finished.get("slow"), Some(&Err(timed_out.clone())));
    assert_eq!(timed_out.to_string(), "the entry timed out after 50ms");

    // `into_map` keeps the values that did arrive.
    let failures = finished.into_map().unwrap_err();
    assert_eq!(failures.succeeded, HashMap::from([("fast", "fast")]));
    assert_eq!(failures.failed, [("slow", timed_out)]);
}

#[tokio::test(start_paused = true)]
async fn the_limit_bounds_how_many_entries_run_at_once() {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut results = Ordered::new().with_limit(NonZeroUsize::new(3).unwrap());
    for x in 0..12_u64 {
        let (running, most) = (Arc::clone(&running), Arc::clone(&most));
        results.push(async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            sleep(Duration::from_millis(10)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            x
        });
    }
    let start = Instant::now();
    let values: Vec<u64> = results.map(Result::unwrap).collect().await;
    assert_eq!(values, (0..12).collect::<Vec<_>>());
    assert_eq!(most.load(Ordering::SeqCst), 3);
    // 12 entries, 3 at a time, 10 ms each.
    assert_eq!(start.elapsed(), Duration::from_millis(40));
}

/// Sends its name when dropped: the future holding it was dropped.
struct DropSignal(
    tokio::sync::mpsc::UnboundedSender<&'static str>,
    &'static str,
);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(self.1);
    }
}

#[tokio::test]
async fn dropping_a_collection_cancels_its_unfinished_work() {
    let (drop_tx, mut dropped) = tokio::sync::mpsc::unbounded_channel();
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let forever = |name: &'static str| {
        let guard = DropSignal(drop_tx.clone(), name);
        let started = started_tx.clone();
        async move {
            let _guard = guard;
            started.send(()).unwrap();
            std::future::pending::<()>().await;
        }
    };
    let mut kv = KV::new();
    kv.put("kv", forever("kv")).unwrap();
    let mut ordered = Ordered::new();
    ordered.push(forever("ordered"));
    let mut fr = FirstReply::new();
    fr.push(forever("first reply"));
    drop((drop_tx, started_tx));
    for _ in 0..3 {
        started.recv().await.unwrap();
    }
    drop((kv, ordered, fr));
    let mut cancelled = Vec::new();
    while let Some(name) = dropped.recv().await {
        cancelled.push(name);
    }
    cancelled.sort_unstable();
    assert_eq!(cancelled, ["first reply", "kv", "ordered"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_closures_run_on_the_blocking_pool() {
    let mut kv = KV::new();
    kv.put_blocking("sqlite", || {
        // A blocking driver, as a synchronous database client would be.
        std::thread::sleep(Duration::from_millis(20));
        true
    })
    .unwrap();
    kv.put("async", async { true }).unwrap();
    let map = kv.finish().await.into_map().unwrap();
    assert_eq!(map, HashMap::from([("sqlite", true), ("async", true)]));

    let mut ordered = Ordered::new().with_limit(NonZeroUsize::new(1).unwrap());
    for x in 0..4_u32 {
        ordered.push_blocking(move || x * 2);
    }
    assert_eq!(ordered.all().await, [Ok(0), Ok(2), Ok(4), Ok(6)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_entries_none_lost() {
    let mut results = Ordered::new();
    for x in 0..10_000_u32 {
        results.push(async move { x });
    }
    let all = results.all().await;
    assert!(all
        .iter()
        .enumerate()
        .all(|(i, x)| *x == Ok(u32::try_from(i).unwrap())));

    let mut fr = FirstReply::new();
    for x in 0..10_000_u32 {
        fr.push(async move { x });
    }
    let mut seen: Vec<u32> = fr.map(|(_, x)| x.unwrap()).collect().await;
    seen.sort_unstable();
    assert_eq!(seen, (0..10_000).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_made_with_capacity_take_more_entries_than_that() {
    // The capacity is room, not a bound: pushing past it works as with `new`.
    let mut fr = FirstReply::with_capacity(2);
    for x in 0..5_u32 {
        fr.push(async move { x });
    }
    let mut seen: Vec<u32> = fr.map(|(_, x)| x.unwrap()).collect().await;
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2, 3, 4]);

    let mut kv = KV::with_capacity(1);
    kv.put("a", async { 1 }).unwrap();
    kv.put("b", async { 2 }).unwrap();
    let map = kv.finish().await.into_map().unwrap();
    assert_eq!((map["a"], map["b"]), (1, 2));
}

#[tokio::test(start_paused = true)]
async fn first_after_some_replies_were_read_and_empty_collections() {
    let mut fr = FirstReply::new();
    for latency in [1_u64, 2, 3] {
        fr.push(async move {
            sleep(Duration::from_millis(latency)).await;
            latency
        });
    }
    assert_eq!(fr.next().await, Some((0, Ok(1))));
    assert_eq!(fr.len(), 2);
    assert_eq!(fr.first().await, Some((1, Ok(2))));

    assert_eq!(FirstReply::<u8>::new().first().await, None);
    let nothing = FirstReply::<Result<u8, ()>>::new().first_ok().await;
    assert_eq!(
        nothing,
        Err(AllFailed {
            failures: Vec::new()
        })
    );
    assert!(Ordered::<u8>::new().all().await.is_empty());
    let empty = KV::<&str, u8>::with_capacity(4);
    assert!(empty.is_empty());
    assert!(empty.finish().await.into_map().unwrap().is_empty());
}

/// A blocking closure that timed out still runs (it cannot be stopped), so it keeps its
/// place under the limit until it returns: the next entry waits for it.
#[tokio::test(flavor = "current_thread")]
async fn a_timed_out_blocking_entry_keeps_its_place_under_the_limit() {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let second_started = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut ordered = Ordered::new()
        .with_limit(NonZeroUsize::new(1).unwrap())
        .with_timeout(Duration::from_millis(10));
    ordered.push_blocking(move || released.recv().is_ok());
    let started = Arc::clone(&second_started);
    ordered.push(async move {
        started.store(true, Ordering::SeqCst);
        true
    });
    assert_eq!(
        ordered.next().await,
        Some(Err(EntryError::TimedOut {
            after: Duration::from_millis(10)
        }))
    );
    // Every task that is ready gets its turn on this thread; the second entry would start
    // now if the first had given its place up.
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
    assert!(
        !second_started.load(Ordering::SeqCst),
        "the second entry started while the first was still running"
    );
    release.send(()).unwrap();
    assert_eq!(ordered.next().await, Some(Ok(true)));
    assert!(second_started.load(Ordering::SeqCst));
}
