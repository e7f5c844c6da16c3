//! A guided run through what coact can do, printing what happens in plain words.
//!
//! `cargo run --example tour`

use coact::prelude::*;

#[path = "deferred_manager.rs"]
mod deferred_manager;

#[path = "flower.rs"]
mod flower;

#[path = "data_access.rs"]
mod data_access;

#[path = "identity_users.rs"]
mod identity_users;

#[path = "cached_homepage.rs"]
mod cached_homepage;

#[path = "cooperative.rs"]
mod cooperative;

#[allow(dead_code)] // its `main`
#[path = "echo_server.rs"]
mod echo_server;

/// Yields the Fibonacci numbers below `limit` and returns how many there were.
#[coact::coroutine]
fn fibonacci(limit: u64) -> coact::coroutine::Gen<u64, Return = usize> {
    let (mut a, mut b, mut count) = (0, 1, 0);
    while a < limit {
        yield_!(a);
        (a, b, count) = (b, a + b, count + 1);
    }
    count
}

/// cogen's echo server (`examples/echo_server.rs`) on the library's driver, and one
/// client's conversation with it, printed.
async fn echo_tour() -> std::io::Result<()> {
    use coact::coroutine::ops::{Driver, Listener};
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};

    let listener = Listener::bind_tcp("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let driver = Driver::new();
    let server = driver.spawn(echo_server::server(
        listener,
        std::time::Duration::from_secs(60),
    ));
    let mut client = tokio::io::BufReader::new(tokio::net::TcpStream::connect(address).await?);
    let mut line = String::new();
    client.read_line(&mut line).await?;
    println!("  server: {}", line.trim_end());
    for said in ["hello", "cooperative world", "exit"] {
        println!("  client: {said}");
        client
            .get_mut()
            .write_all(format!("{said}\n").as_bytes())
            .await?;
        line.clear();
        client.read_line(&mut line).await?;
        println!("  server: {}", line.trim_end());
    }
    client.read_to_end(&mut Vec::new()).await?;
    println!("  (the server closed the connection)");
    let report = driver.shutdown(std::time::Duration::from_secs(1)).await;
    println!(
        "  shut down: {} coroutine(s) ended by themselves, {} stopped",
        report.finished, report.aborted
    );
    server.await.map_err(std::io::Error::other)?;
    Ok(())
}

/// A lemming whose `kaboom` panics: the panic fails only that call.
struct Lemming {
    jumps: u32,
}

#[deferred_handler]
impl Lemming {
    fn kaboom(&mut self) {
        panic!("#high pitched# oh no! (after {} jumps)", self.jumps);
    }

    fn jump(&mut self) -> u32 {
        self.jumps += 1;
        self.jumps
    }
}

fn heading(title: &str) {
    println!("\n== {title} ==");
}

#[tokio::main]
async fn main() {
    println!("coact tour: cooperative-concurrency patterns on tokio");

    heading("1. Deferred handlers: the owner decides when queued calls run");
    deferred_manager::run().await;

    println!("\nA handler method that panics fails only its own call:");
    // Keep the tour's output readable: the panic is reported through the CallError.
    std::panic::set_hook(Box::new(|_| {}));
    let mut lemming = Deferred::new(Lemming { jumps: 0 });
    let handle = lemming.handle();
    let caller = tokio::spawn(async move {
        let boom = handle.sync().kaboom().await;
        let jump = handle.sync().jump().await;
        (boom, jump)
    });
    lemming.process_forever().await;
    let _ = std::panic::take_hook();
    let (boom, jump) = caller.await.expect("caller finished");
    match boom {
        Err(error) => println!("  sync().kaboom() -> error: {error}"),
        Ok(()) => println!("  sync().kaboom() -> unexpectedly succeeded"),
    }
    println!("  sync().jump()   -> {jump:?} (the handler kept serving)");

    heading("2. State machines: states are functions, undeclared transitions don't compile");
    flower::run().await;

    heading("3. Concurrent data access: KV, Ordered, FirstReply");
    // A failure here fails the tour (and CI, which runs it).
    data_access::run()
        .await
        .expect("the data access example runs");

    heading("4. Identity maps and memoization: #[identity_cached]");
    identity_users::tour()
        .await
        .expect("the identity map example runs");
    cached_homepage::tour()
        .await
        .expect("the cached homepage example runs");

    heading("5. Generators and cooperative work: #[coact::coroutine], batch_accumulate");
    let mut fib = fibonacci(100);
    let numbers: Vec<u64> = fib.by_ref().collect();
    println!(
        "  fibonacci(100) yields {numbers:?} and returns {:?}",
        fib.take_return()
    );
    println!("\nCooperative work, short: CPU work in batches next to requests.");
    cooperative::tour()
        .await
        .expect("the cooperative example runs");
    println!("\nAn echo server: protocol coroutines yield socket operations to a driver.");
    echo_tour().await.expect("the echo server example runs");

    println!("\nThe tour ends here; each later capability adds its part.");
}
