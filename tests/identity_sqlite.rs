//! `#[identity_cached]` against a real SQLite database, through the loader of
//! `examples/identity_users.rs`.
//!
//! The cache behind `user` is a process-wide static keyed by the id alone, and the tests
//! of this file run in parallel threads: each test asks for ids no other test uses.

#[allow(dead_code)] // The example's `main`, `run` and `tour` are not used here.
#[path = "../examples/identity_users.rs"]
mod identity_users;

use std::future::Future as _;
use std::sync::Arc;

use coact::identity::{LoadError, Shared};
use identity_users::{open_seeded_db, user, DbError};
use tokio::sync::Semaphore;

#[tokio::test]
async fn the_same_id_is_the_same_instance_and_a_change_is_seen_through_every_handle() {
    let db = open_seeded_db().expect("an in-memory database opens");
    let a = user(&db, 1).await.expect("user 1 is seeded");
    let b = user(&db, 1).await.expect("user 1 is seeded");
    assert!(Shared::ptr_eq(&a, &b));
    assert_eq!(a.read().name, "Ada");

    a.write().name = "Steve".to_owned();
    assert_eq!(b.read().name, "Steve");
    let c = user(&db, 1).await.expect("user 1 is seeded");
    assert_eq!(
        c.read().name,
        "Steve",
        "a new call gets the changed instance"
    );
    assert_eq!(
        db.stored_name(1).expect("the table is readable").as_deref(),
        Some("Ada"),
        "the map does not write back"
    );

    let other = user(&db, 2).await.expect("user 2 is seeded");
    assert!(!Shared::ptr_eq(&a, &other));
    assert_eq!(other.read().email, "grace@example.org");
    assert_eq!(db.queries(), 2, "one query per id");
}

#[tokio::test]
async fn a_change_outlives_every_handle_until_the_entry_is_forgotten() {
    let db = open_seeded_db().expect("an in-memory database opens");
    user(&db, 3).await.expect("user 3 is seeded").write().name = "changed, never saved".to_owned();
    let again = user(&db, 3).await.expect("user 3 is seeded");
    assert_eq!(
        again.read().name,
        "changed, never saved",
        "kept, not reloaded"
    );
    assert_eq!(db.queries(), 1);
    drop(again);
    assert!(identity_users::user_cache().forget(&3).await);
    let fresh = user(&db, 3).await.expect("user 3 is seeded");
    assert_eq!(fresh.read().name, "Barbara", "loaded afresh from the table");
    assert_eq!(db.queries(), 2);
}

#[tokio::test]
async fn no_row_is_not_found_and_caches_nothing() {
    let db = open_seeded_db().expect("an in-memory database opens");
    assert_eq!(user(&db, 404).await.unwrap_err(), LoadError::NotFound);
    assert_eq!(user(&db, 404).await.unwrap_err(), LoadError::NotFound);
    assert_eq!(db.queries(), 2, "each call asked the database");

    db.execute("INSERT INTO users (id, name, email) VALUES (404, 'Found', 'found@example.org')")
        .expect("the insert succeeds");
    let found = user(&db, 404).await.expect("the row exists now");
    assert_eq!(found.read().name, "Found");
    assert_eq!(db.queries(), 3);
}

#[tokio::test]
async fn a_query_error_is_returned_and_not_cached() {
    let db = open_seeded_db().expect("an in-memory database opens");
    db.execute("ALTER TABLE users RENAME TO people")
        .expect("the rename succeeds");
    let Err(LoadError::Failed(error)) = user(&db, 4).await else {
        panic!("a query on a missing table fails");
    };
    assert!(matches!(*error, DbError::Sqlite(_)), "{error}");
    assert!(error.to_string().contains("no such table"), "{error}");

    db.execute("ALTER TABLE people RENAME TO users")
        .expect("the rename succeeds");
    let found = user(&db, 4).await.expect("the table is back");
    assert_eq!(found.read().name, "Margaret");
    assert_eq!(db.queries(), 2, "the failure was not cached");
}

// Holding the connection across the wait is the point: it keeps the one load in flight
// until every caller has joined it. The load waits on the blocking pool, not on a worker.
#[allow(clippy::await_holding_lock)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_for_one_id_run_one_query() {
    const CALLERS: u32 = 1000;
    let db = open_seeded_db().expect("an in-memory database opens");
    let asked = Arc::new(Semaphore::new(0));

    let connection = db.connection();
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (db, asked) = (db.clone(), Arc::clone(&asked));
            tokio::spawn(async move {
                let mut call = std::pin::pin!(user(&db, 5));
                let mut first_poll = true;
                // After its first poll a caller is in the map: running the load, or
                // waiting for it.
                std::future::poll_fn(|cx| {
                    let poll = call.as_mut().poll(cx);
                    if std::mem::take(&mut first_poll) {
                        asked.add_permits(1);
                    }
                    poll
                })
                .await
            })
        })
        .collect();
    let _all = asked
        .acquire_many(CALLERS)
        .await
        .expect("the semaphore is never closed");
    assert_eq!(db.queries(), 0, "the load waits for the connection");
    drop(connection);

    let mut users = Vec::new();
    for task in tasks {
        users.push(
            task.await
                .expect("no caller panics")
                .expect("user 5 is seeded"),
        );
    }
    assert!(users.iter().all(|u| Shared::ptr_eq(u, &users[0])));
    assert_eq!(users[0].read().name, "Frances");
    assert_eq!(db.queries(), 1, "one SQL query for {CALLERS} callers");
}
