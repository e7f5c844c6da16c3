//! The handler under test: its methods record, per call id, that they started and that
//! they completed, then panic or take their time as the call's fault says.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coact::deferred_handler;
use tokio::sync::Notify;

use super::check::Runs;
use crate::report::{stamp, Latency, INJECTED};

/// What the methods record for one call id.
#[derive(Default)]
pub struct Ran {
    pub started: AtomicU32,
    pub completed: AtomicU32,
    /// The stamp of its start, for the arrival-order check.
    pub at: AtomicU64,
}

impl Ran {
    pub fn snapshot(&self) -> Runs {
        Runs {
            started: self.started.load(Ordering::SeqCst),
            completed: self.completed.load(Ordering::SeqCst),
            at: self.at.load(Ordering::SeqCst),
        }
    }
}

/// What a call's method does besides recording: panic, take its time, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub panics: bool,
    pub latency: Latency,
}

impl Fault {
    /// Panics, with a message naming the call, if this call's method is to panic.
    fn strike(self, id: u64) {
        assert!(!self.panics, "{INJECTED} panic in call {id}");
    }
}

pub struct Worker {
    pub ran: Arc<[Ran]>,
    /// Calls this owner started.
    pub served: u64,
    /// After how many started calls this owner is to be dropped, and whom to tell.
    pub doom: Option<(u64, Arc<Notify>)>,
}

impl Worker {
    fn begin(&mut self, id: u64) -> &Ran {
        self.served += 1;
        if let Some((at, doom)) = &self.doom {
            if self.served == *at {
                doom.notify_one();
            }
        }
        let ran = &self.ran[index(id)];
        ran.at.store(stamp(), Ordering::SeqCst);
        ran.started.fetch_add(1, Ordering::SeqCst);
        ran
    }
}

#[deferred_handler]
impl Worker {
    /// A sync method: runs inside the owner's turn without awaiting.
    pub fn work(&mut self, id: u64, fault: Fault) -> u64 {
        let ran = self.begin(id);
        match fault.latency {
            Latency::None => {}
            Latency::Yields(n) => {
                for _ in 0..u32::from(n) * 64 {
                    std::hint::spin_loop();
                }
            }
            Latency::Sleep(_) => std::thread::sleep(Duration::from_micros(50)),
        }
        fault.strike(id);
        ran.completed.fetch_add(1, Ordering::SeqCst);
        answer(id)
    }

    /// An async method: awaits inside the owner's turn, where a dropped `process`
    /// future can abandon it.
    pub async fn work_async(&mut self, id: u64, fault: Fault) -> u64 {
        self.begin(id);
        fault.latency.wait().await;
        fault.strike(id);
        self.ran[index(id)].completed.fetch_add(1, Ordering::SeqCst);
        answer(id)
    }
}

/// The value only call `id` returns, so a reply delivered to the wrong caller shows.
pub fn answer(id: u64) -> u64 {
    id.wrapping_mul(0x9e37_79b9).rotate_left(17) ^ 0x5eed
}

pub fn index(id: u64) -> usize {
    usize::try_from(id).expect("call ids fit in memory")
}
