//! The driver of protocol coroutines (`coact::coroutine::ops`): a panic isolated to its
//! coroutine, spawning and joining, operations of a program's own, timeouts, and the
//! shutdown's grace period; on real sockets where it matters, else under a `Simulation`
//! with tokio's paused time.

use std::time::Duration;

use coact::coroutine::ops::{
    Conn, Driver, Listener, Op, Operation, Outcome, Script, Simulation, TaskError, TaskId,
};
use coact::coroutine::Gen;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Echoes lines, and panics on `boom`.
#[coact::coroutine]
fn fragile(conn: Conn) -> Gen<Op, Resume = Outcome> {
    while let Outcome::Line(line) = yield_!(conn.read_line(1024)) {
        assert!(line != b"boom\n", "asked to blow up");
        yield_!(conn.write(line));
    }
}

#[coact::coroutine]
fn fragile_server(listener: Listener) -> Gen<Op, Resume = Outcome> {
    loop {
        if let Outcome::Accepted(conn) = yield_!(listener.accept()) {
            yield_!(Op::spawn(fragile(conn)));
        } else {
            return;
        }
    }
}

async fn echoes(stream: &mut TcpStream, line: &[u8]) {
    stream.write_all(line).await.expect("writes");
    let mut echoed = vec![0; line.len()];
    stream.read_exact(&mut echoed).await.expect("echoed");
    assert_eq!(echoed, line);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coroutine_that_panics_drops_only_its_client() {
    let listener = Listener::bind_tcp("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let driver = Driver::new();
    driver.spawn(fragile_server(listener));

    let mut before = TcpStream::connect(address).await.expect("connects");
    echoes(&mut before, b"first\n").await;
    let mut doomed = TcpStream::connect(address).await.expect("connects");
    echoes(&mut doomed, b"fine so far\n").await;
    doomed.write_all(b"boom\n").await.expect("writes");
    let mut rest = Vec::new();
    doomed
        .read_to_end(&mut rest)
        .await
        .expect("closed, not reset");
    assert!(rest.is_empty(), "no echo of the line that panicked");

    // The client connected before goes on, and the accept loop takes new ones.
    echoes(&mut before, b"still served\n").await;
    let mut after = TcpStream::connect(address).await.expect("connects");
    echoes(&mut after, b"new client\n").await;
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_reported_through_the_task_and_closes_the_connection() {
    let sim = Simulation::new();
    let (conn, peer) = sim.connection(Script::new().send("ok\nboom\nnever\n"));
    let c = conn.to_ref();
    let (returned, ops) = sim.run(fragile(conn)).await;
    let Err(TaskError::Panicked(message)) = returned else {
        panic!("the panic is the task's error: {returned:?}");
    };
    assert!(message.contains("asked to blow up"), "{message}");
    // The operation that got "boom" completed; nothing after it was asked for.
    assert_eq!(ops, [c.read_line(1024), c.write("ok\n"), c.read_line(1024)]);
    assert_eq!(peer.received(), b"ok\n");
    assert!(peer.is_closed());
}

/// Spawns `children` sleepers (the one at `panics_at` panics after its sleep), then joins
/// them in reverse order; returns what each join gave.
#[coact::coroutine]
fn parent(naps: Vec<u64>, panics_at: usize) -> Gen<Op, Resume = Outcome, Return = Vec<Outcome>> {
    let mut tasks = Vec::new();
    for (i, secs) in naps.into_iter().enumerate() {
        if let Outcome::Spawned(task) = yield_!(Op::spawn(sleeper(secs, i == panics_at))) {
            tasks.push(task);
        }
    }
    let mut joined = Vec::new();
    for task in tasks.into_iter().rev() {
        joined.push(yield_!(Op::join(task)));
    }
    joined
}

#[coact::coroutine]
fn sleeper(secs: u64, panics: bool) -> Gen<Op, Resume = Outcome> {
    yield_!(Op::sleep(Duration::from_secs(secs)));
    assert!(!panics, "a child panicked");
}

#[tokio::test(start_paused = true)]
async fn a_coroutine_joins_the_tasks_it_spawned_and_learns_how_they_ended() {
    let sim = Simulation::new();
    let start = tokio::time::Instant::now();
    let (returned, ops) = sim.run(parent(vec![3, 1, 2], 1)).await;
    let joined = returned.expect("the parent returns");
    assert!(matches!(joined[0], Outcome::Joined(Ok(()))));
    assert!(
        matches!(&joined[1], Outcome::Joined(Err(TaskError::Panicked(m))) if m.contains("a child panicked"))
    );
    assert!(matches!(joined[2], Outcome::Joined(Ok(()))));
    // The children slept side by side: the longest nap is the whole run.
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    let spawned: Vec<TaskId> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Spawn(child) => Some(child.id()),
            _ => None,
        })
        .collect();
    assert_eq!(spawned.len(), 3);
    for (child, secs) in spawned.iter().zip([3, 1, 2]) {
        assert_eq!(sim.ops(*child), [Op::sleep(Duration::from_secs(secs))]);
    }
    let joins: Vec<_> = spawned.iter().rev().map(|task| Op::join(*task)).collect();
    assert_eq!(ops[3..], joins[..]);
}

#[coact::coroutine]
fn impatient(unknown: TaskId) -> Gen<Op, Resume = Outcome, Return = Vec<Outcome>> {
    let mut seen = vec![yield_!(Op::join(unknown))];
    let Outcome::Spawned(task) = yield_!(Op::spawn(sleeper(10, false))) else {
        return seen;
    };
    seen.push(yield_!(Op::join(task).timeout(Duration::from_secs(4))));
    seen.push(yield_!(Op::join(task)));
    seen.push(yield_!(Op::join(task)));
    seen
}

#[tokio::test(start_paused = true)]
async fn a_join_can_time_out_and_be_tried_again_but_only_for_its_own_children() {
    let sim = Simulation::new();
    let stranger = sim.spawn(sleeper(1, false));
    let start = tokio::time::Instant::now();
    let (returned, _) = sim.run(impatient(stranger.id())).await;
    let seen = returned.expect("returns");
    assert!(matches!(
        seen[0],
        Outcome::Joined(Err(TaskError::NotJoinable))
    ));
    assert!(matches!(seen[1], Outcome::TimedOut));
    assert!(matches!(seen[2], Outcome::Joined(Ok(()))));
    assert!(matches!(
        seen[3],
        Outcome::Joined(Err(TaskError::NotJoinable))
    ));
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(stranger.await, Ok(()));
}

/// Waits until a `watch` flag is set: an event another task raises.
#[derive(Debug)]
struct WaitFor(tokio::sync::watch::Receiver<bool>);

impl PartialEq for WaitFor {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Operation for WaitFor {
    type Output = bool;
    async fn perform(&mut self) -> bool {
        self.0.wait_for(|set| *set).await.is_ok()
    }
}

#[coact::coroutine]
fn waiter(
    event: tokio::sync::watch::Receiver<bool>,
) -> Gen<Op<WaitFor>, Resume = Outcome<WaitFor>, Return = (bool, bool)> {
    let first = matches!(
        yield_!(Op::custom(WaitFor(event.clone())).timeout(Duration::from_secs(5))),
        Outcome::TimedOut
    );
    let second = matches!(yield_!(Op::custom(WaitFor(event))), Outcome::Custom(true));
    (first, second)
}

#[tokio::test(start_paused = true)]
async fn an_operation_of_the_programs_own_is_performed_and_can_time_out() {
    let (raise, event) = tokio::sync::watch::channel(false);
    let sim = Simulation::<WaitFor>::new();
    let task = sim.spawn(waiter(event));
    tokio::time::sleep(Duration::from_secs(6)).await;
    raise.send(true).expect("the waiter listens");
    assert_eq!(task.await, Ok((true, true)));
}

/// Sends a large reply to a peer that never reads, ignoring the shutdown.
#[coact::coroutine]
fn flooder(conn: Conn) -> Gen<Op, Resume = Outcome> {
    yield_!(conn.write(vec![b'x'; 64 << 20]));
}

/// Ignores every outcome, the shutdown's included.
#[coact::coroutine]
fn stubborn() -> Gen<Op, Resume = Outcome> {
    loop {
        yield_!(Op::sleep(Duration::from_secs(1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coroutines_still_running_when_the_grace_period_ends_are_stopped() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("has an address");
    let (client, accepted) = tokio::join!(TcpStream::connect(address), listener.accept());
    let (_client, (stream, _)) = (client.expect("connects"), accepted.expect("accepts"));
    let driver = Driver::new();
    let writing = driver.spawn(flooder(Conn::tcp(stream)));
    let spinning = driver.spawn(stubborn());
    let ending = driver.spawn(fragile_server(Listener::tcp(listener)));
    let report = driver.shutdown(Duration::from_millis(50)).await;
    assert_eq!((report.finished, report.aborted), (1, 2));
    assert_eq!(writing.await, Err(TaskError::Aborted));
    assert_eq!(spinning.await, Err(TaskError::Aborted));
    assert_eq!(ending.await, Ok(()));
    assert_eq!(driver.running(), 0);
    // Nothing starts once the shutdown began.
    assert_eq!(driver.spawn(stubborn()).await, Err(TaskError::Aborted));
}

#[tokio::test(start_paused = true)]
async fn an_aborted_task_closes_its_connection() {
    let sim = Simulation::new();
    let (conn, peer) = sim.connection(Script::new());
    let task = sim.spawn(fragile(conn));
    tokio::task::yield_now().await;
    assert!(!peer.is_closed());
    task.abort();
    assert_eq!(task.await, Err(TaskError::Aborted));
    assert!(peer.is_closed());
}

#[test]
fn operations_show_their_bytes_as_text() {
    let (conn, _peer) =
        Simulation::<coact::coroutine::ops::NoOperation>::new().connection(Script::new());
    let op: Op = conn.write("hi\r\n\u{1}").timeout(Duration::from_secs(1));
    let shown = format!("{op:?}");
    assert!(
        shown.starts_with("Write { conn: Conn(")
            && shown.ends_with(r#"bytes: b"hi\r\n\x01", timeout: 1s }"#),
        "{shown}"
    );
    assert_eq!(
        format!(
            "{:?}",
            Op::<coact::coroutine::ops::NoOperation>::sleep(Duration::from_secs(2))
        ),
        "Sleep(2s)"
    );
}

/// Reads a line with a short timeout, then reads on without one: what the first read
/// received before it timed out is part of what comes next.
#[coact::coroutine]
fn patient_reader(conn: Conn) -> Gen<Op, Resume = Outcome, Return = Vec<Outcome>> {
    vec![
        yield_!(conn.read_line(64).timeout(Duration::from_secs(5))),
        yield_!(conn.read(2)),
        yield_!(conn.read_line(64)),
        yield_!(conn.read_line(64)),
    ]
}

#[tokio::test(start_paused = true)]
async fn a_read_that_timed_out_loses_nothing_it_received() {
    let sim = Simulation::new();
    let (conn, _peer) = sim.connection(
        Script::new()
            .send("abc")
            .wait(Duration::from_secs(10))
            .send("def\nghi\n"),
    );
    let (returned, _) = sim.run(patient_reader(conn)).await;
    let seen = returned.expect("returns");
    assert!(matches!(seen[0], Outcome::TimedOut), "{:?}", seen[0]);
    assert!(
        matches!(&seen[1], Outcome::Data(d) if d == b"ab"),
        "{:?}",
        seen[1]
    );
    assert!(
        matches!(&seen[2], Outcome::Line(l) if l == b"cdef\n"),
        "{:?}",
        seen[2]
    );
    assert!(
        matches!(&seen[3], Outcome::Line(l) if l == b"ghi\n"),
        "{:?}",
        seen[3]
    );
}
