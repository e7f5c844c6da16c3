//! Fetching from a real SQLite database (through its blocking driver) and a slow HTTP
//! service (a real one, on 127.0.0.1) at the same time, with `KV`, `Ordered` and
//! `FirstReply`: the waits overlap, so a page costs its slowest source, not their sum.
//!
//! `cargo run --example data_access`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use coact::access::{FirstReply, Ordered, KV};
use futures::StreamExt as _;
use rusqlite::Connection;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// A SQLite database file with users and their orders, removed on drop.
pub struct Database {
    path: PathBuf,
}

impl Database {
    /// Creates and seeds a fresh database in the temporary directory.
    ///
    /// # Errors
    ///
    /// When SQLite cannot create or fill the file.
    pub fn create() -> rusqlite::Result<Self> {
        let unique = format!(
            "coact-data-access-{}-{:?}.sqlite",
            std::process::id(),
            std::thread::current().id()
        );
        let path = std::env::temp_dir().join(unique.replace(['(', ')'], ""));
        let _ = std::fs::remove_file(&path);
        let db = Connection::open(&path)?;
        db.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, item TEXT NOT NULL);
             INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Barbara');
             INSERT INTO orders (user_id, item) VALUES
                 (1, 'analytical engine'), (1, 'punched cards'), (2, 'compiler'), (3, 'CLU manual');",
        )?;
        Ok(Self { path })
    }

    /// Where the file is.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A blocking query, as a synchronous driver does it: opens the file, reads, returns.
/// The short sleep stands for a slower disk or a remote database.
///
/// # Errors
///
/// When the file cannot be opened or the user does not exist.
pub fn user_name(db: &Path, id: i64) -> rusqlite::Result<String> {
    std::thread::sleep(Duration::from_millis(40));
    let conn = Connection::open(db)?;
    conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |row| {
        row.get(0)
    })
}

/// Every order of one user, oldest first.
///
/// # Errors
///
/// When the file cannot be opened or read.
pub fn orders(db: &Path, user: i64) -> rusqlite::Result<Vec<String>> {
    std::thread::sleep(Duration::from_millis(40));
    let conn = Connection::open(db)?;
    let mut statement = conn.prepare("SELECT item FROM orders WHERE user_id = ?1 ORDER BY id")?;
    let items = statement.query_map([user], |row| row.get(0))?;
    items.collect()
}

/// A slow HTTP service on 127.0.0.1: answers `GET /<word>` with `<word>` after `delay`.
///
/// # Errors
///
/// When no port of 127.0.0.1 can be bound.
pub async fn slow_http_service(delay: Duration) -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0_u8; 1024];
                let Ok(n) = socket.read(&mut request).await else {
                    return;
                };
                let request = String::from_utf8_lossy(&request[..n]);
                let word = request
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .trim_start_matches('/')
                    .to_owned();
                tokio::time::sleep(delay).await;
                let response = format!(
                    "HTTP/1.0 200 OK\r\ncontent-length: {}\r\n\r\n{word}",
                    word.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok(addr)
}

/// `GET /path` over HTTP/1.0; the body.
///
/// # Errors
///
/// When the connection fails.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(format!("GET /{path} HTTP/1.0\r\n\r\n").as_bytes())
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    Ok(response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default())
}

/// What one page needed, and how long it took.
#[derive(Debug)]
pub struct Page {
    pub rendered: String,
    pub took: Duration,
}

/// One page from two sources at once: the user and their orders from SQLite, the weather
/// from the HTTP service. Values are strings, as a template's context would hold.
///
/// # Errors
///
/// The failed entries, with the values that did arrive.
pub async fn profile_page(
    db: &Path,
    weather: std::net::SocketAddr,
    user: i64,
) -> Result<Page, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut context = KV::new().with_timeout(Duration::from_secs(5));
    let path = db.to_owned();
    context.put_blocking("name", move || {
        user_name(&path, user).map_err(|e| e.to_string())
    })?;
    let path = db.to_owned();
    context.put_blocking("orders", move || {
        orders(&path, user)
            .map(|items| items.join(", "))
            .map_err(|e| e.to_string())
    })?;
    context.put("weather", async move {
        http_get(weather, "sunny").await.map_err(|e| e.to_string())
    })?;
    let context = context.finish().await.into_map()?;
    let field = |key: &str| {
        context[key]
            .clone()
            .unwrap_or_else(|error| format!("<{error}>"))
    };
    let rendered = format!(
        "{} ordered: {} (weather: {})",
        field("name"),
        field("orders"),
        field("weather")
    );
    Ok(Page {
        rendered,
        took: start.elapsed(),
    })
}

/// Runs the three collections against the database and the service.
///
/// # Errors
///
/// When the database or the service fails.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let database = Database::create()?;
    let db = database.path().to_owned();
    let weather = slow_http_service(Duration::from_millis(60)).await?;

    println!("  KV: one page from SQLite (2 blocking queries, 40 ms each) and HTTP (60 ms):");
    let page = profile_page(&db, weather, 1).await?;
    println!("    {}", page.rendered);
    println!("    took {} ms, not 140", page.took.as_millis());

    println!(
        "  Ordered: three users' names; the first query is the slowest, yet push order holds:"
    );
    let mut names = Ordered::new();
    for id in 1..=3_u64 {
        let path = db.clone();
        names.push_blocking(move || {
            std::thread::sleep(Duration::from_millis(30 * (3 - id)));
            user_name(&path, i64::try_from(id).unwrap_or_default())
        });
    }
    let mut position = 1;
    while let Some(name) = names.next().await {
        println!("    {position}. {}", name?.map_err(|e| e.to_string())?);
        position += 1;
    }

    println!("  FirstReply: the same request to two replicas; the fastest answers:");
    let slow_replica = slow_http_service(Duration::from_millis(300)).await?;
    let start = Instant::now();
    let mut replicas = FirstReply::new();
    replicas.push(http_get(slow_replica, "from-the-slow-replica"));
    replicas.push(http_get(weather, "from-the-fast-replica"));
    let (index, body) = replicas.first_ok().await.map_err(|e| e.to_string())?;
    println!(
        "    replica {index} answered {body:?} in {} ms; the other was cancelled",
        start.elapsed().as_millis()
    );
    Ok(())
}

#[allow(dead_code)] // `main` is unused when the tour includes this file as a module.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await
}
