//! Users loaded from a real SQLite database: `#[identity_cached]` turns a loader
//! into an identity map, so the same id gives the very same instance, loaded by one query
//! however many callers ask at once; no row, no instance.
//!
//! `cargo run --example identity_users`

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use coact::identity::{LoadError, Shared};
use coact::identity_cached;
use rusqlite::{Connection, OptionalExtension as _};

/// A row of `users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: u32,
    pub name: String,
    pub email: String,
}

/// The users every fresh database starts with.
pub const SEED: [(u32, &str, &str); 5] = [
    (1, "Ada", "ada@example.org"),
    (2, "Grace", "grace@example.org"),
    (3, "Barbara", "barbara@example.org"),
    (4, "Margaret", "margaret@example.org"),
    (5, "Frances", "frances@example.org"),
];

/// One SQLite connection shared by every task, and how many queries the loader ran.
///
/// Cloning is cheap: clones share the connection and the count.
#[derive(Clone)]
pub struct Db {
    // A `Connection` may move between threads but not serve two at once: the mutex
    // serialises queries, which one SQLite connection does anyway.
    conn: Arc<Mutex<Connection>>,
    queries: Arc<AtomicUsize>,
}

/// A fresh database in memory, seeded with [`SEED`]. Each call gives a database of its own.
///
/// # Errors
///
/// When SQLite cannot create or fill the database.
pub fn open_seeded_db() -> rusqlite::Result<Db> {
    let db = Db {
        conn: Arc::new(Mutex::new(Connection::open_in_memory()?)),
        queries: Arc::new(AtomicUsize::new(0)),
    };
    db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);",
    )?;
    let conn = db.connection();
    for (id, name, email) in SEED {
        conn.execute(
            "INSERT INTO users (id, name, email) VALUES (?1, ?2, ?3)",
            (id, name, email),
        )?;
    }
    drop(conn);
    Ok(db)
}

impl Db {
    /// The connection; every query waits while this guard lives.
    pub fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic in another query leaves SQLite consistent (an open statement is
        // finalized, a transaction rolled back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs statements that return no rows (schema changes, inserts).
    ///
    /// # Errors
    ///
    /// When SQLite refuses the statement.
    pub fn execute(&self, sql: &str) -> rusqlite::Result<()> {
        self.connection().execute_batch(sql)
    }

    /// How many queries [`user`] has run on this database.
    #[must_use]
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }

    /// The user's query, blocking. Counted, unlike [`Db::stored_name`].
    fn find_user(&self, id: u32) -> rusqlite::Result<Option<User>> {
        let conn = self.connection();
        self.queries.fetch_add(1, Ordering::SeqCst);
        conn.query_row(
            "SELECT name, email FROM users WHERE id = ?1 LIMIT 1",
            [id],
            |row| {
                Ok(User {
                    id,
                    name: row.get(0)?,
                    email: row.get(1)?,
                })
            },
        )
        .optional()
    }

    /// The name as the table has it, bypassing the identity map.
    ///
    /// # Errors
    ///
    /// When SQLite refuses the query.
    pub fn stored_name(&self, id: u32) -> rusqlite::Result<Option<String>> {
        self.connection()
            .query_row("SELECT name FROM users WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()
    }
}

/// Why [`user`] could not load a user.
#[derive(Debug)]
pub enum DbError {
    /// SQLite refused the query: a missing table, a closed or corrupt database.
    Sqlite(rusqlite::Error),
    /// The thread running the query panicked, or the runtime is shutting down.
    Interrupted(tokio::task::JoinError),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(error) => write!(f, "the users query failed: {error}"),
            Self::Interrupted(error) => write!(f, "the users query did not finish: {error}"),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sqlite(error) => Some(error),
            Self::Interrupted(error) => Some(error),
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

impl From<tokio::task::JoinError> for DbError {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::Interrupted(error)
    }
}

/// `user(db, id)`: one query on the first call, the very same instance after that until
/// it is forgotten (`user_cache().forget(&id)`); `LoadError::NotFound` when there is no
/// such row.
///
/// `db` is left out of the key: the map is keyed by the id alone, so it is one map per
/// process, whichever `Db` a caller passes.
#[identity_cached(key = id)]
pub async fn user(db: &Db, id: u32) -> Result<Option<User>, DbError> {
    // rusqlite blocks. In memory a query takes microseconds, but on a file it can wait
    // for the disk or for another process's lock, and a worker thread stuck there stalls
    // every task queued on it: the query runs on tokio's blocking pool instead.
    let db = db.clone();
    let found = tokio::task::spawn_blocking(move || db.find_user(id)).await??;
    Ok(found)
}

/// `n` tasks asking for one user at the same time; their handles, in spawn order.
///
/// # Errors
///
/// The first load error, or a panic of a task as a load error.
pub async fn concurrent_callers(
    db: &Db,
    id: u32,
    n: usize,
) -> Result<Vec<Shared<User>>, Box<dyn std::error::Error>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { user(&db, id).await })
        })
        .collect();
    let mut users = Vec::with_capacity(n);
    for task in tasks {
        users.push(task.await??);
    }
    Ok(users)
}

/// How many calls `user` answered since `before`: every call is one hit or one miss.
fn calls_since(before: coact::identity::Stats) -> u64 {
    let now = user_cache().stats();
    (now.hits + now.misses) - (before.hits + before.misses)
}

/// The whole story: identity, shared changes, no data, concurrency, retention.
///
/// # Errors
///
/// When the database fails.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let db = open_seeded_db()?;
    let before = user_cache().stats();
    println!(
        "  SQLite in memory, {} users; on a miss user(db, id) runs \"SELECT name, email ...\"",
        SEED.len()
    );

    let a = user(&db, 1).await?;
    let b = user(&db, 1).await?;
    println!(
        "  user(1) is user(1): {} (Shared::ptr_eq), after {} query",
        Shared::ptr_eq(&a, &b),
        db.queries()
    );
    a.write().name = String::from("Steve");
    // Read after the call: a read guard held across an `.await` would block writers.
    let through_a_new_call = user(&db, 1).await?.read().name.clone();
    println!(
        "  user(1).name = \"Steve\" through one handle; the other reads {:?}, a new call {:?}",
        b.read().name,
        through_a_new_call
    );
    println!(
        "  the row still says {:?}: the map shares an instance, saving it is up to you",
        db.stored_name(1)?.unwrap_or_default()
    );

    for attempt in ["", " again"] {
        match user(&db, 42).await {
            Err(LoadError::NotFound) => println!(
                "  user(42){attempt}: no row, no instance (LoadError::NotFound); {} queries so far",
                db.queries()
            ),
            other => return Err(format!("user(42) should not exist, got {other:?}").into()),
        }
    }

    let users = concurrent_callers(&db, 2, 8).await?;
    let same = users.iter().all(|u| Shared::ptr_eq(u, &users[0]));
    println!(
        "  8 tasks ask for user(2) at once: one instance for all: {same}; {} queries so far",
        db.queries()
    );

    // The map keeps what it loaded until told to forget it: the change outlives every
    // handle, and only `forget` (or `clear`) sends the next call back to the database.
    drop((a, b));
    let kept = user(&db, 1).await?.read().name.clone();
    println!("  every handle to user(1) dropped: a new call still reads {kept:?}, no query");
    user_cache().forget(&1).await;
    let again = user(&db, 1).await?.read().name.clone();
    println!("  after user_cache().forget(&1), a new call queries again and reads {again:?}");

    let stats = user_cache().stats();
    println!(
        "  in all: {} calls, {} SQL queries ({} hits, {} misses, {} found nothing; {} live)",
        calls_since(before),
        db.queries(),
        stats.hits,
        stats.misses,
        stats.not_found,
        stats.size
    );
    Ok(())
}

/// The short version, for the tour.
///
/// # Errors
///
/// When the database fails.
pub async fn tour() -> Result<(), Box<dyn std::error::Error>> {
    let db = open_seeded_db()?;
    let before = user_cache().stats();
    let a = user(&db, 1).await?;
    let b = user(&db, 1).await?;
    a.write().name = String::from("Steve");
    println!(
        "  user(1) is user(1): {}; renamed \"Steve\" through one handle, the other reads {:?}",
        Shared::ptr_eq(&a, &b),
        b.read().name
    );
    match user(&db, 42).await {
        Err(LoadError::NotFound) => {
            println!("  user(42): no row, LoadError::NotFound; nothing cached");
        }
        other => return Err(format!("user(42) should not exist, got {other:?}").into()),
    }
    let users = concurrent_callers(&db, 2, 100).await?;
    println!(
        "  {} tasks ask for user(2) at once: {} calls in all, {} SQL queries (SQLite, in memory)",
        users.len(),
        calls_since(before),
        db.queries()
    );
    Ok(())
}

#[allow(dead_code)] // `main` is unused when the tour or a test includes this file.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await
}
