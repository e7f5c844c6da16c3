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

impl Log {
    /// The trace lines of transitions written so far.
    fn transitions(&self) -> Vec<String> {
        let log = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        log.lines()
            .filter(|line| line.contains(" transition "))
            .map(str::to_owned)
            .collect()
    }

    /// A subscriber that wants every event and writes here.
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish()
    }
}

/// One test, in two steps that must not overlap (see above): the decision is made when
/// the machine is spawned, as `tracing` makes it for a span when the span is created.
#[tokio::test]
async fn a_spawned_machine_traces_each_transition_if_a_subscriber_wanted_them_at_spawn() {
    // Spawned under a subscriber that wants them: both transitions are traced.
    let log = Log::default();
    {
        // This thread only: the test's current-thread runtime runs the machine here.
        let _default = tracing::subscriber::set_default(log.subscriber());
        let running = state::spawn(LampState::Off { hours: 1_000 });
        assert_eq!(running.await, Ok(1_000));
    }
    let traced = log.transitions();
    assert_eq!(traced.len(), 2, "{traced:?}");
    assert!(traced[0].contains("from=\"off\" to=\"on\""), "{traced:?}");

    // Spawned while nobody wanted them, run under a subscriber that does: none is traced,
    // and the machine reads no level on its transitions.
    let log = Log::default();
    let running = state::spawn(LampState::Off { hours: 2_000 });
    let _default = tracing::subscriber::set_default(log.subscriber());
    assert_eq!(running.await, Ok(2_000));
    assert_eq!(log.transitions(), Vec::<String>::new());
}
