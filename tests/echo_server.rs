//! cogen's echo server (`examples/echo_server.rs`) on the library's driver: over loopback
//! with two hundred clients at once, idle and over-long clients, a client that resets
//! mid-line and a graceful shutdown; and the same protocol coroutines under a
//! `Simulation`, whose exact operations are checked for scripted peers.

#[allow(dead_code)] // the example's `main`
#[path = "../examples/echo_server.rs"]
mod echo_server;

use std::net::SocketAddr;
use std::time::Duration;

use coact::coroutine::ops::{Driver, Listener, Op, Script, Simulation};
use echo_server::{handler, server, GOODBYE, GREETING};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const MINUTE: Duration = Duration::from_secs(60);

/// A driver serving the echo protocol on an ephemeral loopback port.
async fn serve(idle: Duration) -> (Driver, SocketAddr) {
    let listener = Listener::bind_tcp("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let driver = Driver::new();
    driver.spawn(server(listener, idle));
    (driver, address)
}

/// Reads exactly `len` bytes.
async fn read_exact(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    stream
        .read_exact(&mut buf)
        .await
        .expect("the server sends it");
    buf
}

/// Everything the server sends until it closes.
async fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.expect("reads");
    rest
}

/// Connects and reads the greeting.
async fn greeted(address: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    assert_eq!(
        read_exact(&mut stream, GREETING.len()).await,
        GREETING.as_bytes()
    );
    stream
}

/// One client: greeting, `lines` lines of its own echoed byte for byte, `exit`, goodbye,
/// then the server closes.
async fn client(address: SocketAddr, id: usize, lines: usize) {
    let mut stream = greeted(address).await;
    for n in 0..lines {
        // Lines of different lengths, some longer than one socket read.
        let line = format!(
            "client {id} line {n} {}\n",
            "x".repeat((id * 31 + n * 97) % 3000)
        );
        stream.write_all(line.as_bytes()).await.expect("writes");
        let echoed = read_exact(&mut stream, line.len()).await;
        assert!(
            echoed == line.as_bytes(),
            "client {id} line {n} echoed wrong"
        );
    }
    stream.write_all(b"exit\r\n").await.expect("writes");
    assert_eq!(read_to_end(&mut stream).await, GOODBYE.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_at_once_get_every_byte_echoed_and_a_goodbye() {
    let (driver, address) = serve(MINUTE).await;
    let clients: Vec<_> = (0..200)
        .map(|id| tokio::spawn(client(address, id, 20)))
        .collect();
    for client in clients {
        client.await.expect("every client is served");
    }
    let report = driver.shutdown(Duration::from_secs(10)).await;
    // The accept loop ended at `ShuttingDown` (with, at most, a handler whose client saw
    // it close a moment before its task was done).
    assert!(report.finished >= 1, "{report:?}");
    assert_eq!(report.aborted, 0);
    assert_eq!(driver.running(), 0);
}

#[tokio::test]
async fn an_idle_client_gets_its_goodbye_once_its_timeout_passed() {
    let idle = Duration::from_millis(200);
    let (_driver, address) = serve(idle).await;
    let mut stream = greeted(address).await;
    stream.write_all(b"still here\n").await.expect("writes");
    assert_eq!(read_exact(&mut stream, 11).await, b"still here\n");
    let silent = tokio::time::Instant::now();
    assert_eq!(read_to_end(&mut stream).await, GOODBYE.as_bytes());
    assert!(silent.elapsed() >= idle, "dropped before its timeout");
}

#[tokio::test]
async fn an_over_long_line_ends_the_conversation_with_a_goodbye() {
    let (_driver, address) = serve(MINUTE).await;
    let stream = greeted(address).await;
    let (mut read, mut write) = stream.into_split();
    // A megabyte without a newline: the server reads 8 KiB of it, then says goodbye and
    // closes, so the rest of the write may fail.
    let writer = tokio::spawn(async move { write.write_all(&vec![b'x'; 1 << 20]).await });
    let mut said = Vec::new();
    // The server may close with unread bytes, which resets the connection once the
    // goodbye is out: what arrived before counts.
    let _ = read.read_to_end(&mut said).await;
    assert_eq!(said, GOODBYE.as_bytes());
    let _ = writer.await.expect("the writer ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accept_loop_survives_a_client_that_resets_mid_line() {
    let (driver, address) = serve(MINUTE).await;
    let mut stream = greeted(address).await;
    stream.write_all(b"half a li").await.expect("writes");
    stream.set_zero_linger().expect("sets linger");
    drop(stream); // a reset, not a close
                  // Its handler ends with the failed read; then only the accept loop runs.
    tokio::time::timeout(Duration::from_secs(10), async {
        while driver.running() > 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the reset client's coroutine ends");
    client(address, 0, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_says_goodbye_to_every_client_and_closes_the_listener() {
    let (driver, address) = serve(MINUTE).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(greeted(address).await);
    }
    let report = driver.shutdown(Duration::from_secs(10)).await;
    assert_eq!((report.finished, report.aborted), (4, 0));
    for mut stream in clients {
        assert_eq!(read_to_end(&mut stream).await, GOODBYE.as_bytes());
    }
    // The accept loop returned, dropping the listener.
    assert!(TcpStream::connect(address).await.is_err());
}

#[cfg(unix)]
#[tokio::test]
async fn the_same_protocol_serves_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("coact-echo-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let driver = Driver::new();
    driver.spawn(server(Listener::bind_unix(&path).expect("binds"), MINUTE));
    let mut stream = tokio::net::UnixStream::connect(&path)
        .await
        .expect("connects");
    let mut greeting = vec![0; GREETING.len()];
    stream.read_exact(&mut greeting).await.expect("greets");
    assert_eq!(greeting, GREETING.as_bytes());
    stream
        .write_all(b"over unix\nexit\n")
        .await
        .expect("writes");
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.expect("reads");
    assert_eq!(rest, [&b"over unix\n"[..], GOODBYE.as_bytes()].concat());
    driver.shutdown(Duration::from_secs(10)).await;
    std::fs::remove_file(&path).expect("removes the socket file");
}

// ---------------------------------------------------------------------------------------
// The same coroutines under a simulation: their exact operations for scripted peers.

/// The operations a conversation starts with, and those of each echoed line.
fn expected(c: &coact::coroutine::ops::ConnRef, lines: &[&str], idle: Duration) -> Vec<Op> {
    let mut ops = vec![c.write(GREETING)];
    for line in lines {
        ops.push(c.read_line(8192).timeout(idle));
        ops.push(c.write(*line));
    }
    ops.push(c.read_line(8192).timeout(idle));
    ops
}

#[tokio::test(start_paused = true)]
async fn simulated_hello_and_exit() {
    let sim = Simulation::new();
    let (conn, peer) = sim.connection(Script::new().send("hello\nexit\r\n"));
    let c = conn.to_ref();
    let (returned, ops) = sim.run(handler(conn, MINUTE)).await;
    assert_eq!(returned, Ok(()));
    let mut want = expected(&c, &["hello\n"], MINUTE);
    want.push(c.write(GOODBYE));
    assert_eq!(ops, want);
    assert_eq!(
        peer.received(),
        format!("{GREETING}hello\n{GOODBYE}").as_bytes()
    );
    assert!(peer.is_closed());
}

#[tokio::test(start_paused = true)]
async fn simulated_idle_client_gets_its_goodbye_exactly_at_the_timeout() {
    let sim = Simulation::new();
    let (conn, peer) = sim.connection(
        Script::new()
            .send("one\n")
            .wait(Duration::from_secs(59))
            .send("two\n")
            .wait(Duration::from_secs(61))
            .send("too late\n"),
    );
    let c = conn.to_ref();
    let start = tokio::time::Instant::now();
    let (returned, ops) = sim.run(handler(conn, MINUTE)).await;
    assert_eq!(returned, Ok(()));
    // 59 s of silence is within the minute; then the minute passes first.
    assert_eq!(start.elapsed(), Duration::from_secs(59 + 60));
    let mut want = expected(&c, &["one\n", "two\n"], MINUTE);
    want.push(c.write(GOODBYE));
    assert_eq!(ops, want);
    assert_eq!(
        peer.received(),
        format!("{GREETING}one\ntwo\n{GOODBYE}").as_bytes()
    );
}

#[tokio::test(start_paused = true)]
async fn simulated_peer_that_closes_or_resets_gets_no_goodbye() {
    for script in [
        Script::new().send("bye\n").close(),
        Script::new().send("bye\nhalf a li").reset(),
    ] {
        let sim = Simulation::new();
        let (conn, peer) = sim.connection(script);
        let c = conn.to_ref();
        let (returned, ops) = sim.run(handler(conn, MINUTE)).await;
        assert_eq!(returned, Ok(()));
        assert_eq!(ops, expected(&c, &["bye\n"], MINUTE));
        assert_eq!(peer.received(), format!("{GREETING}bye\n").as_bytes());
        assert!(peer.is_closed());
    }
}

#[tokio::test(start_paused = true)]
async fn simulated_over_long_line_gets_the_goodbye() {
    let sim = Simulation::new();
    let (conn, peer) = sim.connection(Script::new().send(vec![b'x'; 10_000]).send("\n"));
    let c = conn.to_ref();
    let (returned, ops) = sim.run(handler(conn, MINUTE)).await;
    assert_eq!(returned, Ok(()));
    let mut want = expected(&c, &[], MINUTE);
    want.push(c.write(GOODBYE));
    assert_eq!(ops, want);
    assert_eq!(peer.received(), format!("{GREETING}{GOODBYE}").as_bytes());
}

#[tokio::test(start_paused = true)]
async fn simulated_accept_loop_spawns_a_handler_per_client_and_ends_at_shutdown() {
    let sim = Simulation::new();
    let (listener, dialer) = sim.listener();
    let server_task = sim.spawn(server(listener.clone(), MINUTE));
    let server_id = server_task.id();
    let first = dialer.connect(Script::new().send("a\nexit\n"));
    let second = dialer.connect(Script::new().send("b\n").close());
    // Both conversations end by themselves; a third client stays connected and silent.
    let third = dialer.connect(Script::new());
    while !(first.is_closed() && second.is_closed() && third.received() == GREETING.as_bytes()) {
        tokio::task::yield_now().await;
    }
    let report = sim.shutdown(MINUTE).await;
    assert_eq!((report.finished, report.aborted), (2, 0));
    assert_eq!(server_task.await, Ok(()));
    assert_eq!(
        third.received(),
        format!("{GREETING}{GOODBYE}").as_bytes(),
        "the silent client got its goodbye at the shutdown"
    );

    let ops = sim.ops(server_id);
    assert_eq!(ops.len(), 7, "{ops:?}");
    for (i, op) in ops.iter().enumerate() {
        match (i % 2, op) {
            (
                0,
                Op::Accept {
                    listener: l,
                    timeout: None,
                },
            ) => assert_eq!(*l, listener),
            (1, Op::Spawn(child)) => {
                let child_ops = sim.ops(child.id());
                assert!(
                    matches!(child_ops.first(), Some(Op::Write { bytes, .. }) if bytes == GREETING.as_bytes())
                );
            }
            _ => panic!("unexpected operation {i}: {op:?}"),
        }
    }
    assert_eq!(
        first.received(),
        format!("{GREETING}a\n{GOODBYE}").as_bytes()
    );
    assert_eq!(second.received(), format!("{GREETING}b\n").as_bytes());
}
