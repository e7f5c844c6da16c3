//! cogen's echo server on coact's driver: it greets each client, echoes every line, says
//! goodbye and closes on `exit`, and says goodbye to a client idle for too long.
//!
//! The protocol is two `#[coact::coroutine]`s that yield operations and never touch a
//! socket: `server` accepts and spawns a `handler` per client. A `Driver` performs their
//! operations on real sockets; `tests/echo_server.rs` runs the same coroutines under a
//! `Simulation` too, from scripts.
//!
//! `cargo run --example echo_server` listens on 127.0.0.1:7777 (`nc 127.0.0.1 7777`). A
//! client idle for a minute gets a goodbye; Ctrl-C shuts down gracefully (every client
//! gets its goodbye). Its 40 lines of code are all a user writes: the operations, their
//! timeouts, the sockets and the tasks are the library's.

use std::time::Duration;

use coact::coroutine::ops::{Conn, Driver, Listener, Op, Outcome};
use coact::coroutine::Gen;

/// What the server says first.
pub const GREETING: &str = "WELCOME TO ECHO SERVER !\r\n";
/// What it says before it closes: on `exit`, when idle, on a line longer than 8 KiB,
/// when shutting down.
pub const GOODBYE: &str = "GOOD BYE";

/// Accepts clients until the driver shuts down, each served by a coroutine of its own.
#[coact::coroutine]
pub fn server(listener: Listener, idle: Duration) -> Gen<Op, Resume = Outcome> {
    loop {
        match yield_!(listener.accept()) {
            Outcome::Accepted(conn) => yield_!(Op::spawn(handler(conn, idle))),
            Outcome::ShuttingDown => return,
            _ => continue, // a client that failed before it was accepted
        };
    }
}

/// One client's conversation.
#[coact::coroutine]
pub fn handler(conn: Conn, idle: Duration) -> Gen<Op, Resume = Outcome> {
    yield_!(conn.write(GREETING));
    loop {
        match yield_!(conn.read_line(8192).timeout(idle)) {
            Outcome::Line(line) if line.trim_ascii() == b"exit" => break,
            Outcome::Line(line) => yield_!(conn.write(line)),
            Outcome::TimedOut | Outcome::TooLong(_) | Outcome::ShuttingDown => break,
            _ => return, // the client left, or its connection failed
        };
    }
    yield_!(conn.write(GOODBYE));
} // `conn` is dropped here: the connection closes

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let driver = Driver::new();
    let listener = Listener::bind_tcp("127.0.0.1:7777").await?;
    driver.spawn(server(listener, Duration::from_secs(60)));
    println!("Listening on 127.0.0.1:7777...");
    tokio::signal::ctrl_c().await?;
    driver.shutdown(Duration::from_secs(5)).await;
    Ok(())
}
