//! An echo server: it greets each client, echoes every line it
//! sends, and says goodbye and closes on `exit`; a client idle for too long is dropped.
//!
//! The conversation is a generator that yields socket operations and is
//! resumed with their results: `session()` is a `#[coact::coroutine]` that never touches
//! a socket, and `serve_client` performs the operations it asks for on a tokio
//! `TcpStream`, each under its own timeout. Accepting connections is plain tokio.
//!
//! `cargo run --example echo_server` listens on 127.0.0.1:7777 (`nc 127.0.0.1 7777`);
//! `cargo run --example echo_server -- 127.0.0.1:9000 5` listens there and drops clients
//! idle for 5 seconds.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use coact::coroutine::{Gen, GenState};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the server says first.
pub const GREETING: &str = "WELCOME TO ECHO SERVER !\r\n";
/// What it says to `exit`, before it closes.
pub const GOODBYE: &str = "GOOD BYE";

/// An operation the session asks for: write bytes, or read a line.
#[derive(Debug, PartialEq, Eq)]
pub enum Op {
    /// Send these bytes.
    Write(String),
    /// Read one line (with its `\n`), at most `max_line` bytes of it.
    ReadLine,
}

/// What an operation gave back.
#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    /// The bytes were sent.
    Written,
    /// A line arrived.
    Line(String),
    /// The client closed its side.
    Closed,
}

/// The conversation with one client: yields operations, receives
/// their results, and never sees a socket, a timeout or an error (the driver deals with
/// those), so it can be tested by feeding it results.
#[coact::coroutine]
pub fn session() -> Gen<Op, Resume = Done> {
    yield_!(Op::Write(GREETING.to_owned()));
    loop {
        let Done::Line(line) = yield_!(Op::ReadLine) else {
            return; // the client left
        };
        if line.trim() == "exit" {
            yield_!(Op::Write(GOODBYE.to_owned()));
            return;
        }
        yield_!(Op::Write(line));
    }
}

/// Per-operation limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long a client may stay silent before it is dropped.
    pub idle_timeout: Duration,
    /// How long one write may take (a client that does not read).
    pub write_timeout: Duration,
    /// The longest line read at once; a longer one is echoed in pieces.
    pub max_line: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            max_line: 8192,
        }
    }
}

/// Why a client's session ended early.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The client sent nothing for `idle_timeout`.
    #[error("idle for {0:?}: dropped")]
    Idle(Duration),
    /// A write took longer than `write_timeout`.
    #[error("a write took longer than {0:?}")]
    WriteTimedOut(Duration),
    /// The connection failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Runs `session()` on one connection: performs each operation it yields, under its
/// timeout, and resumes it with the result. Closes the connection when it ends.
///
/// # Errors
///
/// When the client is idle too long, does not read, or the connection fails.
pub async fn serve_client(stream: TcpStream, config: &Config) -> Result<(), SessionError> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut session = session();
    let mut state = session.start();
    while let GenState::Yielded(op) = state {
        let done = match op {
            Op::Write(text) => {
                tokio::time::timeout(config.write_timeout, write.write_all(text.as_bytes()))
                    .await
                    .map_err(|_| SessionError::WriteTimedOut(config.write_timeout))??;
                Done::Written
            }
            Op::ReadLine => {
                let mut line = String::new();
                let mut limited = (&mut read).take(config.max_line);
                let read = tokio::time::timeout(config.idle_timeout, limited.read_line(&mut line))
                    .await
                    .map_err(|_| SessionError::Idle(config.idle_timeout))??;
                if read == 0 {
                    Done::Closed
                } else {
                    Done::Line(line)
                }
            }
        };
        state = session.resume(done);
    }
    write.shutdown().await?;
    Ok(())
}

/// Accepts connections on `listener` for ever, each served by its own task.
///
/// # Errors
///
/// When accepting fails.
pub async fn serve(listener: TcpListener, config: Config) -> io::Result<()> {
    let config = Arc::new(config);
    loop {
        let (stream, peer) = listener.accept().await?;
        let config = Arc::clone(&config);
        tokio::spawn(async move {
            match serve_client(stream, &config).await {
                Ok(()) => tracing::debug!(%peer, "client served"),
                Err(error) => tracing::info!(%peer, %error, "client dropped"),
            }
        });
    }
}

/// Starts a server on an ephemeral port of 127.0.0.1 and returns its address.
///
/// # Errors
///
/// When the port cannot be bound.
pub async fn spawn_server(config: Config) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(serve(listener, config));
    Ok(address)
}

/// The tour's part: one client's conversation, printed.
///
/// # Errors
///
/// When the listener cannot be bound or the connection fails.
pub async fn tour() -> io::Result<()> {
    let address = spawn_server(Config::default()).await?;
    let mut client = BufReader::new(TcpStream::connect(address).await?);
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
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await?;
    println!("  (the server closed the connection)");
    Ok(())
}

#[allow(dead_code)] // `main` is unused when the tour or a test includes this file.
#[tokio::main]
async fn main() -> io::Result<()> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:7777".to_owned());
    let mut config = Config::default();
    if let Some(seconds) = args.next() {
        let seconds = seconds
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        config.idle_timeout = Duration::from_secs(seconds);
    }
    let listener = TcpListener::bind(&address).await?;
    println!("Listening on {address}...");
    serve(listener, config).await
}
