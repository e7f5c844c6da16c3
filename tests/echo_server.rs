//! The echo server of `examples/echo_server.rs`, over loopback: a hundred clients at once,
//! every byte checked, the goodbye, and the idle timeout. Its session generator is also
//! driven by hand, without a socket.

#[allow(dead_code)] // The example's `main` and `tour` are not used here.
#[path = "../examples/echo_server.rs"]
mod echo_server;

use std::time::Duration;

use coact::coroutine::GenState;
use echo_server::{session, spawn_server, Config, Done, Op, GOODBYE, GREETING};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

#[test]
fn the_session_is_a_generator_of_operations() {
    let mut session = session();
    assert_eq!(
        session.start(),
        GenState::Yielded(Op::Write(GREETING.to_owned()))
    );
    assert_eq!(
        session.resume(Done::Written),
        GenState::Yielded(Op::ReadLine)
    );
    assert_eq!(
        session.resume(Done::Line("hi\n".to_owned())),
        GenState::Yielded(Op::Write("hi\n".to_owned()))
    );
    assert_eq!(
        session.resume(Done::Written),
        GenState::Yielded(Op::ReadLine)
    );
    assert_eq!(
        session.resume(Done::Line("exit\r\n".to_owned())),
        GenState::Yielded(Op::Write(GOODBYE.to_owned()))
    );
    assert_eq!(session.resume(Done::Written), GenState::Complete(()));

    let mut left = echo_server::session();
    let _ = left.start();
    let _ = left.resume(Done::Written);
    assert_eq!(left.resume(Done::Closed), GenState::Complete(()));
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

/// One client: greeting, `lines` lines of its own echoed byte for byte, `exit`, goodbye,
/// then the server closes.
async fn client(address: std::net::SocketAddr, id: usize, lines: usize) {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    assert_eq!(
        read_exact(&mut stream, GREETING.len()).await,
        GREETING.as_bytes()
    );
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
    stream.write_all(b"exit\n").await.expect("writes");
    assert_eq!(
        read_exact(&mut stream, GOODBYE.len()).await,
        GOODBYE.as_bytes()
    );
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .await
        .expect("reads to the end");
    assert!(rest.is_empty(), "nothing after the goodbye: {rest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_clients_at_once_get_every_byte_back() {
    let address = spawn_server(Config::default()).await.expect("binds");
    let clients: Vec<_> = (0..100)
        .map(|id| tokio::spawn(client(address, id, 20)))
        .collect();
    for client in clients {
        client.await.expect("the client's checks pass");
    }
}

#[tokio::test]
async fn lines_longer_than_the_limit_are_echoed_in_pieces() {
    let config = Config {
        max_line: 8,
        ..Config::default()
    };
    let address = spawn_server(config).await.expect("binds");
    let mut stream = TcpStream::connect(address).await.expect("connects");
    let _ = read_exact(&mut stream, GREETING.len()).await;
    let line = "0123456789abcdefghij\n";
    stream.write_all(line.as_bytes()).await.expect("writes");
    assert_eq!(read_exact(&mut stream, line.len()).await, line.as_bytes());
}

/// With the clock paused, tokio moves it to the next timer as soon as every task waits:
/// the silent client's read timeout fires without the test waiting for it.
#[tokio::test(start_paused = true)]
async fn an_idle_client_is_dropped() {
    let config = Config {
        idle_timeout: Duration::from_secs(30),
        ..Config::default()
    };
    let address = spawn_server(config).await.expect("binds");
    let mut stream = TcpStream::connect(address).await.expect("connects");
    assert_eq!(
        read_exact(&mut stream, GREETING.len()).await,
        GREETING.as_bytes()
    );
    // Silent: the next thing the client sees is the end of the stream.
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .await
        .expect("reads to the end");
    assert!(rest.is_empty(), "dropped without a word: {rest:?}");
}
