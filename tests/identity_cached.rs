//! `#[identity_cached]` as users write it: identity maps, memoized functions, the four
//! return shapes, key subsets, retention options and the generated cache accessor.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coact::identity::{Cache, LoadError, Shared};
use coact::identity_cached;
use tokio::sync::Notify;

#[derive(Debug, PartialEq)]
pub struct User {
    pub id: u32,
    pub name: String,
}

/// A data source that counts the queries it answers.
#[derive(Default)]
pub struct Db {
    queries: AtomicUsize,
}

impl Db {
    fn query(&self, id: u32) -> Result<Option<User>, DbError> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        match id {
            0 => Err(DbError("the database is down")),
            1..=99 => Ok(Some(User {
                id,
                name: format!("user {id}"),
            })),
            _ => Ok(None),
        }
    }

    fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }
}

#[derive(Debug, PartialEq)]
pub struct DbError(&'static str);

/// The seed's `User(id)`: loaded from the database once, the same instance after that.
#[identity_cached(key = id)]
async fn user(db: &Db, id: u32) -> Result<Option<User>, DbError> {
    tokio::task::yield_now().await;
    let user = db.query(id)?; // `?` converts as in any function returning the same type
    Ok(user)
}

#[tokio::test]
async fn same_key_same_instance_loaded_once() {
    let db = Db::default();
    let a = user(&db, 1).await.unwrap();
    let b = user(&db, 1).await.unwrap();
    assert!(Shared::ptr_eq(&a, &b));
    a.write().name = "Steve".to_owned();
    assert_eq!(user(&db, 1).await.unwrap().read().name, "Steve");
    assert_eq!(db.queries(), 1);
    assert!(!Shared::ptr_eq(&a, &user(&db, 2).await.unwrap()));
}

#[tokio::test]
async fn no_data_and_errors_are_not_cached() {
    let db = Db::default();
    assert_eq!(user(&db, 500).await.unwrap_err(), LoadError::NotFound);
    assert_eq!(user(&db, 500).await.unwrap_err(), LoadError::NotFound);
    let Err(LoadError::Failed(error)) = user(&db, 0).await else {
        panic!("the loader's error reaches the caller");
    };
    assert_eq!(*error, DbError("the database is down"));
    assert!(user(&db, 0).await.is_err());
    assert_eq!(db.queries(), 4, "every call asked the database again");
}

/// debris's own example, written as a user writes it, with temporaries:
/// `User(1).name = "Steve"`, then `User(1).name`. The handle the write went through is
/// dropped at the end of its statement; with the default options the change is kept, and
/// the next call reads it without asking the database again.
#[tokio::test]
async fn a_write_through_a_dropped_handle_is_kept_by_default() -> Result<(), LoadError<DbError>> {
    #[identity_cached(key = id)]
    async fn person(db: &Db, id: u32) -> Result<Option<User>, DbError> {
        db.query(id)
    }
    let db = Db::default();
    person(&db, 1).await?.write().name = "Steve".into();
    assert_eq!(person(&db, 1).await?.read().name, "Steve");
    assert_eq!(db.queries(), 1, "read from the cache, not reloaded");
    assert_eq!(person_cache().len(), 1, "kept with no handle alive");
    Ok(())
}

/// `weak`, asked for: the entry lives while a handle does, and a change made through the
/// last handle goes with it.
#[tokio::test]
async fn weak_keeps_an_entry_while_a_handle_lives_and_the_accessor_invalidates() {
    #[identity_cached(weak)]
    async fn pet(id: u8) -> Arc<AtomicUsize> {
        Arc::new(AtomicUsize::new(usize::from(id)))
    }
    let a = pet(7).await;
    assert!(Shared::ptr_eq(&a, &pet(7).await));
    assert_eq!(pet_cache().len(), 1);
    a.read().store(70, Ordering::SeqCst);
    drop(a);
    assert_eq!(pet_cache().len(), 0, "freed with its last handle");
    let b = pet(7).await;
    assert_eq!(
        b.read().load(Ordering::SeqCst),
        7,
        "loaded again: the change is gone"
    );
    assert!(pet_cache().forget(&7).await);
    assert!(!Shared::ptr_eq(&b, &pet(7).await));
    assert_eq!(pet_cache().stats().loads, 3);
}

/// One cache per function, for the whole process: an argument left out of the key is
/// ignored, so two databases passed to the same loader share its entries.
#[tokio::test]
async fn arguments_left_out_of_the_key_share_one_cache() {
    #[identity_cached(key = id)]
    async fn member(db: &Db, id: u32) -> Result<Option<User>, DbError> {
        db.query(id)
    }
    let (first, second) = (Db::default(), Db::default());
    let a = member(&first, 1).await.unwrap();
    let b = member(&second, 1).await.unwrap();
    assert!(Shared::ptr_eq(&a, &b));
    assert_eq!(
        (first.queries(), second.queries()),
        (1, 0),
        "the second database was never asked"
    );
}

/// A cache per instance, as the docs show it: a `Cache` field next to the database it
/// loads from, so each database has its own map.
#[derive(Default)]
struct Users {
    db: Db,
    cache: Cache<u32, Shared<User>, DbError>,
}

impl Users {
    async fn get(&self, id: u32) -> Result<Shared<User>, LoadError<DbError>> {
        self.cache
            .get_or_load(id, || async { self.db.query(id) })
            .await
    }
}

#[tokio::test]
async fn a_cache_held_in_a_struct_is_one_per_instance() -> Result<(), LoadError<DbError>> {
    let (first, second) = (Users::default(), Users::default());
    let a = first.get(1).await?;
    assert!(Shared::ptr_eq(&a, &first.get(1).await?), "an identity map");
    let b = second.get(1).await?;
    assert!(!Shared::ptr_eq(&a, &b), "another instance's map");
    first.get(2).await?.write().name = "Steve".into();
    assert_eq!(first.get(2).await?.read().name, "Steve", "kept by default");
    assert_eq!((first.db.queries(), second.db.queries()), (2, 1));
    assert_eq!((first.cache.len(), second.cache.len()), (2, 1));
    Ok(())
}

static RENDERS: AtomicUsize = AtomicUsize::new(0);

/// The seed's cached homepage.
#[identity_cached(memoize, ttl = 60s)]
async fn homepage() -> String {
    RENDERS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(5)).await;
    "<html>This is now prebuilt</html>".to_owned()
}

#[tokio::test(start_paused = true)]
async fn a_memoized_page_is_rendered_once_per_ttl() {
    let start = tokio::time::Instant::now();
    let first = homepage().await;
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    let second = homepage().await;
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(5),
        "served from the cache"
    );
    assert!(Arc::ptr_eq(&first, &second));
    tokio::time::advance(Duration::from_secs(60)).await;
    let third = homepage().await;
    assert!(!Arc::ptr_eq(&first, &third), "rendered again after the TTL");
    assert_eq!(RENDERS.load(Ordering::SeqCst), 2);
    assert_eq!(homepage_cache().stats().evictions, 1);
}

/// A call is one hit or one miss: the generated function looks the key up without a
/// future first and loads only if that finds nothing, and neither step counts twice.
#[tokio::test]
async fn each_call_is_one_hit_or_one_miss() {
    #[identity_cached(memoize)]
    async fn square(n: u64) -> u64 {
        n * n
    }
    for _ in 0..3 {
        assert_eq!(*square(7).await, 49);
    }
    assert_eq!(*square(8).await, 64);
    let stats = square_cache().stats();
    assert_eq!((stats.hits, stats.misses, stats.loads), (2, 2, 2));
}

#[tokio::test]
async fn memoized_by_every_argument_including_borrowed_ones() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    #[identity_cached(memoize)]
    async fn greeting(lang: &str, name: String) -> String {
        CALLS.fetch_add(1, Ordering::SeqCst);
        format!("{lang}: hello {name}")
    }
    let a = greeting("en", "Ada".to_owned()).await;
    let b = greeting("en", "Ada".to_owned()).await;
    let c = greeting("fr", "Ada".to_owned()).await;
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(*c, "fr: hello Ada");
    assert_eq!(CALLS.load(Ordering::SeqCst), 2);
    assert!(
        greeting_cache()
            .forget(&("en".to_owned(), "Ada".to_owned()))
            .await
    );
    greeting_cache().clear().await;
    assert!(greeting_cache().is_empty());
}

#[tokio::test]
async fn an_optional_loader_gives_none_and_caches_nothing() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    #[identity_cached(memoize)]
    async fn even(n: u32) -> Option<u32> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        (n % 2 == 0).then_some(n)
    }
    assert_eq!(even(4).await.as_deref(), Some(&4));
    assert_eq!(even(4).await.as_deref(), Some(&4));
    assert_eq!(even(3).await, None);
    assert_eq!(even(3).await, None);
    assert_eq!(CALLS.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_fallible_function_may_return_early() {
    #[identity_cached(memoize, capacity = 2)]
    async fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
        if text.is_empty() {
            return Ok(0);
        }
        let n: u32 = text.parse()?;
        Ok(n * 2)
    }
    assert_eq!(*parse("").await.unwrap(), 0);
    assert_eq!(*parse("21").await.unwrap(), 42);
    assert!(matches!(parse("x").await, Err(LoadError::Failed(_))));
    assert_eq!(*parse("1").await.unwrap(), 2);
    assert_eq!(parse_cache().stats().size, 2, "capacity 2");
    assert_eq!(parse_cache().stats().evictions, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_of_a_plain_function_share_one_run() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    static RELEASE: Notify = Notify::const_new();
    #[identity_cached(memoize)]
    async fn slow(n: u64) -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        RELEASE.notified().await;
        n * 10
    }
    let tasks: Vec<_> = (0..100).map(|_| tokio::spawn(slow(4))).collect();
    while slow_cache().stats().misses < 100 {
        tokio::task::yield_now().await;
    }
    RELEASE.notify_one();
    for task in tasks {
        assert_eq!(*task.await.unwrap(), 40);
    }
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_panic_of_a_plain_function_reaches_its_callers_then_it_runs_afresh() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    #[identity_cached(memoize)]
    #[allow(clippy::manual_assert)] // the panic message is what the test checks
    async fn flaky() -> u32 {
        if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("first render failed");
        }
        7
    }
    let panicked = tokio::spawn(flaky()).await.unwrap_err().into_panic();
    assert_eq!(
        panicked.downcast_ref::<String>().map(String::as_str),
        Some("first render failed")
    );
    assert_eq!(*flaky().await, 7);
}

#[tokio::test]
async fn an_inner_attribute_at_the_top_of_the_body_is_kept() {
    #[identity_cached(memoize)]
    async fn doubled(x: u32) -> u32 {
        #![allow(unused_variables)]
        let unused = 0;
        x * 2
    }
    assert_eq!(*doubled(4).await, 8);
}
