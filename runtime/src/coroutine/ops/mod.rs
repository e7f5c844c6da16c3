//! cogen's operations and scheduler: protocol coroutines that read like blocking socket
//! code, run by a driver on real sockets or by a simulation from a script.
//!
//! A protocol is a `#[coact::coroutine]` plain `fn` that yields [`Op`]s (accept, read a
//! line, write, sleep, spawn another coroutine, join it, or an [`Operation`] of the
//! program's own) and is resumed with their [`Outcome`]s. It never touches a socket: it
//! holds [`Conn`] and [`Listener`] tokens, and its driver performs the operations, each
//! under its own [`timeout`](Op::timeout), whose passing is an outcome like any other. It
//! is the sans-I/O style of quinn-proto and rustls, with the protocol written as
//! straight-line code:
//!
//! ```
//! use std::time::Duration;
//! use coact::coroutine::Gen;
//! use coact::coroutine::ops::{Conn, Op, Outcome};
//!
//! #[coact::coroutine]
//! fn echo(conn: Conn) -> Gen<Op, Resume = Outcome> {
//!     yield_!(conn.write("WELCOME TO ECHO SERVER !\r\n"));
//!     loop {
//!         match yield_!(conn.read_line(8192).timeout(Duration::from_secs(60))) {
//!             Outcome::Line(line) if line.trim_ascii() == b"exit" => break,
//!             Outcome::Line(line) => yield_!(conn.write(line)),
//!             Outcome::TimedOut => break, // idle for a minute
//!             _ => return,                // gone, failed, too long, shutting down
//!         };
//!     }
//!     yield_!(conn.write("GOOD BYE"));
//! } // the `Conn` is dropped: the connection closes
//! ```
//!
//! - [`Driver`] runs such coroutines as tokio tasks on TCP and Unix sockets, isolates a
//!   panic to its own coroutine (reported through its [`Task`] and `tracing`), and shuts
//!   down gracefully. `examples/echo_server.rs` is cogen's echo server on it.
//! - [`Simulation`] runs the same coroutines with scripted peers instead of sockets and
//!   records every operation they yield, for tests under tokio's paused time.
//!
//! Nothing a peer sent is lost to a timeout: what a timed-out read had received stays
//! buffered for the next one. A line is read into a buffer bounded by its `max` (or
//! 8 KiB, if more): a longer line comes back in pieces, as [`Outcome::TooLong`].

mod conn;
mod driver;
mod io;
mod listener;
mod op;
mod simulation;
mod task;

pub use self::conn::{Conn, ConnRef};
pub use self::driver::{Driver, Shutdown};
pub use self::listener::Listener;
pub use self::op::{Coroutine, NoOperation, Op, Operation, Outcome, Protocol, TaskId};
pub use self::simulation::{Dialer, Peer, Script, Simulation};
pub use self::task::{Task, TaskError};
