//! A protocol coroutine's panic is logged through `tracing`, with its task and message.
//!
//! A test binary of its own: `tracing` caches whether a log statement is wanted, and
//! another test hitting the same statement at the same moment on a thread with no
//! subscriber can leave that cache saying "no" for this test's capture.

use coact::coroutine::ops::{Conn, Op, Outcome, Script, Simulation, TaskError};
use coact::coroutine::Gen;

mod support;

/// Panics at the first line it reads.
#[coact::coroutine]
fn doomed(conn: Conn) -> Gen<Op, Resume = Outcome> {
    if let Outcome::Line(line) = yield_!(conn.read_line(64)) {
        panic!(
            "asked to blow up by {:?}",
            String::from_utf8_lossy(&line).trim()
        );
    }
}

#[test]
fn a_panic_is_logged_with_its_task_and_message() {
    let (logs, _guard) = support::Logs::capture();
    // A current-thread runtime on this thread: its tasks log to the capture.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let task = runtime.block_on(async {
        let sim = Simulation::new();
        let (conn, peer) = sim.connection(Script::new().send("boom\n"));
        let task = sim.spawn(doomed(conn));
        let id = task.id();
        assert!(matches!(task.await, Err(TaskError::Panicked(_))));
        assert!(peer.is_closed());
        id
    });
    let logged = logs.text();
    assert!(
        logged.contains("ERROR")
            && logged.contains("coroutine panicked")
            && logged.contains(&format!("task={task}"))
            && logged.contains(r#"asked to blow up by "boom""#),
        "{logged}"
    );
}
