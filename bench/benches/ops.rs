//! The driver of protocol coroutines (`coact::coroutine::ops`) against plain tokio, in
//! one run:
//!
//! - `echo`: cogen's echo server of `examples/echo_server.rs` (its coroutines on coact's
//!   `Driver`) against a plain tokio echo server with the same protocol (greeting, echo,
//!   `exit` and goodbye, a minute's idle timeout, lines of at most 8 KiB): 10 clients each
//!   send 1,000 lines of 64 bytes and read each echo before the next, over loopback.
//! - `op_round_trip`: one operation yielded to the driver and its outcome sent back, against
//!   a direct `.await` of the same tokio call in a task: `tokio::task::yield_now()` (as an
//!   operation of the program's own, [`Operation`]), and a 64-byte write to a TCP stream
//!   whose peer reads everything.
//!
//! Everything runs on one current-thread runtime. Run with
//! `cd bench && cargo bench --bench ops`.

#[allow(dead_code)] // the example's `main`
#[path = "../../examples/echo_server.rs"]
mod echo_server;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use coact::coroutine::ops::{Conn, Driver, Listener, Op, Operation, Outcome};
use coact::coroutine::Gen;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

// ---------------------------------------------------------------------------------------
// Echo server

const CLIENTS: usize = 10;
const LINES: usize = 1000;
const IDLE: Duration = Duration::from_secs(60);
const MAX_LINE: u64 = 8192;

/// A plain tokio echo server with the example's protocol: greeting, echo, `exit` and
/// goodbye, the idle timeout, bounded lines.
async fn plain_serve(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut read = BufReader::new(read);
            write.write_all(echo_server::GREETING.as_bytes()).await?;
            let mut line = Vec::new();
            loop {
                line.clear();
                let mut limited = (&mut read).take(MAX_LINE);
                let Ok(read) =
                    tokio::time::timeout(IDLE, limited.read_until(b'\n', &mut line)).await
                else {
                    break; // idle
                };
                if read? == 0 {
                    return Ok(());
                }
                if line.trim_ascii() == b"exit" || !line.ends_with(b"\n") {
                    break;
                }
                write.write_all(&line).await?;
            }
            write.write_all(echo_server::GOODBYE.as_bytes()).await?;
            Ok::<_, std::io::Error>(())
        });
    }
}

async fn echo_clients(address: SocketAddr) {
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.expect("connects");
                let mut buf = vec![0; 64];
                stream
                    .read_exact(&mut buf[..echo_server::GREETING.len()])
                    .await
                    .expect("greeting");
                let line = format!("{}\n", "x".repeat(63));
                for _ in 0..LINES {
                    stream.write_all(line.as_bytes()).await.expect("writes");
                    stream.read_exact(&mut buf).await.expect("echo");
                }
                stream.write_all(b"exit\n").await.expect("writes");
                let mut rest = Vec::new();
                stream.read_to_end(&mut rest).await.expect("goodbye");
                assert_eq!(rest, echo_server::GOODBYE.as_bytes());
            })
        })
        .collect();
    for client in clients {
        client.await.expect("client");
    }
}

fn echo(c: &mut Criterion) {
    let rt = runtime();
    let (plain, coact, _driver) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let plain = listener.local_addr().expect("address");
        tokio::spawn(plain_serve(listener));
        let listener = Listener::bind_tcp("127.0.0.1:0").await.expect("binds");
        let coact = listener.local_addr().expect("address");
        let driver = Driver::new();
        driver.spawn(echo_server::server(listener, IDLE));
        (plain, coact, driver)
    });
    let mut group = c.benchmark_group("echo");
    group.throughput(Throughput::Elements((CLIENTS * LINES) as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("plain_tokio", |b| {
        b.iter(|| rt.block_on(echo_clients(plain)));
    });
    group.bench_function("coact_driver", |b| {
        b.iter(|| rt.block_on(echo_clients(coact)));
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// One operation's round trip

/// The `op_round_trip` contenders, shared with `examples/ops_calls.rs` (a harness for
/// callgrind): each performs `n` operations in a task of its own on the current runtime
/// and returns the time they took.
pub mod contenders {
    use super::*;

    /// `tokio::task::yield_now()` as an operation.
    #[derive(Debug)]
    pub struct YieldNow;

    impl Operation for YieldNow {
        type Output = ();
        async fn perform(&mut self) {
            tokio::task::yield_now().await;
        }
    }

    #[coact::coroutine]
    fn yields(n: u64) -> Gen<Op<YieldNow>, Resume = Outcome<YieldNow>> {
        for _ in 0..n {
            yield_!(Op::custom(YieldNow));
        }
    }

    /// Writes `n` lines of 64 bytes; each operation owns its bytes, as a coroutine's
    /// writes do.
    #[coact::coroutine]
    fn writes(conn: Conn, n: u64) -> Gen<Op, Resume = Outcome> {
        let line = [b'x'; 64];
        for _ in 0..n {
            yield_!(conn.write(line.to_vec()));
        }
    }

    /// A connected pair on loopback: the stream to write to, with a task reading
    /// everything its peer receives.
    async fn drained_stream() -> TcpStream {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("address");
        let (stream, accepted) = tokio::join!(TcpStream::connect(address), listener.accept());
        let (mut peer, _) = accepted.expect("accepts");
        tokio::spawn(async move {
            let mut sink = vec![0; 64 * 1024];
            while peer.read(&mut sink).await.is_ok_and(|n| n > 0) {}
        });
        stream.expect("connects")
    }

    pub async fn yield_now_tokio_await(n: u64) -> Duration {
        let start = Instant::now();
        tokio::spawn(async move {
            for _ in 0..n {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("runs");
        start.elapsed()
    }

    pub async fn yield_now_coact_driver(n: u64) -> Duration {
        let start = Instant::now();
        Driver::new().spawn(yields(n)).await.expect("runs");
        start.elapsed()
    }

    pub async fn write_64_tokio_await(n: u64) -> Duration {
        let mut stream = drained_stream().await;
        let start = Instant::now();
        tokio::spawn(async move {
            let line = [b'x'; 64];
            for _ in 0..n {
                stream.write_all(&line).await.expect("writes");
            }
        })
        .await
        .expect("runs");
        start.elapsed()
    }

    /// `rounds` of the echo group's clients against a plain tokio echo server.
    pub async fn echo_plain_tokio(rounds: u64) -> Duration {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("address");
        tokio::spawn(plain_serve(listener));
        let start = Instant::now();
        for _ in 0..rounds {
            echo_clients(address).await;
        }
        start.elapsed()
    }

    /// `rounds` of the echo group's clients against the example's coroutines.
    pub async fn echo_coact_driver(rounds: u64) -> Duration {
        let listener = Listener::bind_tcp("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("address");
        let driver = Driver::new();
        driver.spawn(echo_server::server(listener, IDLE));
        let start = Instant::now();
        for _ in 0..rounds {
            echo_clients(address).await;
        }
        start.elapsed()
    }

    pub async fn write_64_coact_driver(n: u64) -> Duration {
        let conn = Conn::tcp(drained_stream().await);
        let start = Instant::now();
        Driver::new().spawn(writes(conn, n)).await.expect("runs");
        start.elapsed()
    }
}

fn op_round_trip(c: &mut Criterion) {
    use contenders::*;
    let rt = runtime();
    let mut group = c.benchmark_group("op_round_trip");
    group.throughput(Throughput::Elements(1));
    group.bench_function("yield_now/tokio_await", |b| {
        b.iter_custom(|iters| rt.block_on(yield_now_tokio_await(iters)));
    });
    group.bench_function("yield_now/coact_driver", |b| {
        b.iter_custom(|iters| rt.block_on(yield_now_coact_driver(iters)));
    });
    group.bench_function("write_64/tokio_await", |b| {
        b.iter_custom(|iters| rt.block_on(write_64_tokio_await(iters)));
    });
    group.bench_function("write_64/coact_driver", |b| {
        b.iter_custom(|iters| rt.block_on(write_64_coact_driver(iters)));
    });
    group.finish();
}

criterion_group!(benches, echo, op_round_trip);
criterion_main!(benches);
