//! Two worker processes share loaded values and invalidations through Redis.
//!
//! ```sh
//! redis-server --daemonize yes          # apt-get install redis-server, or any server
//! cargo run --features redis --example shared_cache
//! ```
//!
//! The address is `REDIS_URL`, by default `redis://127.0.0.1:6379/`. This process is
//! worker a; it starts worker b as a second process of the same program and gives it
//! commands on its standard input.

use std::io::{BufRead as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use coact::identity::RedisTier;
use coact::identity_cached;
use serde::{Deserialize, Serialize};

/// One tier per process: each worker connects on its first lookup.
static TIER: LazyLock<RedisTier> = LazyLock::new(|| {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    RedisTier::new(&url).unwrap_or_else(|error| {
        eprintln!("REDIS_URL: {error}");
        std::process::exit(2)
    })
});

/// Queries this process ran against its "database".
static QUERIES: AtomicUsize = AtomicUsize::new(0);

/// A row of the catalog, shared between the workers as JSON.
#[derive(Debug, Serialize, Deserialize)]
struct Product {
    id: u32,
    name: String,
    price_cents: u64,
}

/// A slow query; both workers name the same namespace, so a product loaded by one is read
/// by the other from Redis.
#[identity_cached(
    memoize,
    ttl = 5min,
    redis = TIER,
    namespace = "shared_cache_example:products",
    version = 1
)]
async fn product(id: u32) -> Result<Option<Product>, std::io::Error> {
    QUERIES.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await; // stands for the database
    Ok((id <= 100).then(|| Product {
        id,
        name: format!("product {id}"),
        price_cents: u64::from(id) * 199,
    }))
}

/// Reads products `ids`, and says how long it took and how many queries it ran.
async fn read(worker: &str, ids: &[u32]) -> Result<(), Box<dyn std::error::Error>> {
    let (start, queries) = (Instant::now(), QUERIES.load(Ordering::SeqCst));
    let mut names = Vec::new();
    for &id in ids {
        names.push(product(id).await?.name.clone());
    }
    let stats = product_cache().stats();
    println!(
        "worker {worker}: read {} in {:.0?}: {} database queries, {} values from Redis so far",
        names.join(", "),
        start.elapsed(),
        QUERIES.load(Ordering::SeqCst) - queries,
        stats.tier_hits,
    );
    Ok(())
}

/// Worker b: answers commands from worker a, one per line.
async fn worker_b() -> Result<(), Box<dyn std::error::Error>> {
    let mut lines = std::io::stdin().lock().lines();
    while let Some(line) = lines.next().transpose()? {
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            ["read", ref ids @ ..] => {
                let ids: Vec<u32> = ids.iter().map(|id| id.parse()).collect::<Result<_, _>>()?;
                read("b", &ids).await?;
            }
            ["await-invalidation"] => {
                // Worker a's invalidation arrives on b's subscription.
                let deadline = Instant::now() + Duration::from_secs(5);
                while product_cache().stats().remote_invalidations == 0 {
                    if Instant::now() > deadline {
                        return Err("no invalidation arrived".into());
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                println!("worker b: worker a's invalidation arrived; local copy dropped");
            }
            _ => return Err(format!("unknown command {line:?}").into()),
        }
        println!("done");
    }
    Ok(())
}

/// Worker a: loads, starts b, invalidates.
async fn worker_a() -> Result<(), Box<dyn std::error::Error>> {
    product_cache().clear().await; // a clean start, in Redis too
    if product_cache().stats().tier_errors > 0 {
        return Err("Redis does not answer: start `redis-server` or set REDIS_URL".into());
    }
    read("a", &[1, 2, 3]).await?;

    let mut b = Command::new(std::env::current_exe()?)
        .arg("worker-b")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut to_b = b.stdin.take().ok_or("no stdin")?;
    let mut from_b = std::io::BufReader::new(b.stdout.take().ok_or("no stdout")?).lines();
    let mut ask = |command: &str| -> Result<(), Box<dyn std::error::Error>> {
        writeln!(to_b, "{command}")?;
        for line in from_b.by_ref() {
            let line = line?;
            if line == "done" {
                return Ok(());
            }
            println!("{line}");
        }
        Err("worker b ended".into())
    };

    ask("read 1 2 3")?; // no queries: worker a's values, from Redis
    println!("worker a: product 2 changed in the database: forget(&2)");
    product_cache().forget(&2).await;
    ask("await-invalidation")?;
    ask("read 1 2 3")?; // one query: product 2 is loaded afresh
    read("a", &[2]).await?; // and worker a reads b's fresh copy

    drop(to_b); // end of b's input: it exits
    let status = b.wait()?;
    if !status.success() {
        return Err(format!("worker b failed: {status}").into());
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let role = std::env::args().nth(1);
    let result = if role.as_deref() == Some("worker-b") {
        worker_b().await
    } else {
        worker_a().await
    };
    if let Err(error) = result {
        eprintln!("shared_cache: {error}");
        std::process::exit(1);
    }
}
