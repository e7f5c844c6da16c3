//! A spawned machine traces each transition for a `tracing` subscriber that wants them.
//!
//! A test binary of its own: `tracing` caches whether a log statement is wanted, and
//! another test hitting the same statement at the same moment on a thread with no
//! subscriber can leave that cache saying "no" for this test's capture (seen once in CI,
//! when this test lived in `tests/state.rs`).

use std::sync::Arc;

use coact::state;

/// A lamp switched on, then burnt out: two transitions.
#[coact::machine]
mod lamp {
    #[state(transitions_to = on)]
    pub fn off(hours: u32) {
        on(hours)
    }

    #[state(transitions_to = burnt_out)]
    pub fn on(hours: u32) {
        burnt_out(hours)
    }

    #[state]
    pub fn burnt_out(hours: u32) -> u32 {
        hours
    }
}

use lamp::LampState;

/// What a `tracing` subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Log(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_spawned_machine_traces_each_transition_for_a_subscriber_that_wants_them() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // This thread only: the test's current-thread runtime runs the machine here.
    let _default = tracing::subscriber::set_default(subscriber);
    let running = state::spawn(LampState::Off { hours: 1_000 });
    assert_eq!(running.await, Ok(1_000));
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let traced: Vec<_> = log
        .lines()
        .filter(|line| line.contains(" transition "))
        .collect();
    assert_eq!(traced.len(), 2, "{log}");
    assert!(traced[0].contains("from=\"off\" to=\"on\""), "{log}");
}
