//! What a lookup's loader does (load, fail, panic, find nothing, take its time) and how
//! each run is logged: stamped when it starts and when it ends, however it ends.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use coact::identity::{Cache, Shared};

use super::check::{Forget, Loader, Outcome};
use super::ABSENT;
use crate::report::{stamp, Latency, INJECTED};
use crate::rng::Rng;

pub struct Item {
    pub key: u32,
    pub serial: u64,
}

/// A loader's error: which run failed.
#[derive(Debug)]
pub struct LoadFailure {
    pub serial: u64,
}

pub type Items = Cache<u32, Shared<Item>, LoadFailure>;
pub type LoadFuture = Pin<Box<dyn Future<Output = Result<Option<Item>, LoadFailure>> + Send>>;

/// Everything a phase's loaders and forgets did.
#[derive(Default)]
pub struct Log {
    pub loaders: Mutex<Vec<Loader>>,
    pub forgets: Mutex<Vec<Forget>>,
}

impl Log {
    pub fn loaders(&self) -> Vec<Loader> {
        lock(&self.loaders).clone()
    }
}

pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a lookup's loader does, and how its caller behaves.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    outcome: Outcome,
    latency: Latency,
}

impl Plan {
    /// What a lookup after the phase asks for: the data, where there is some.
    pub fn clean(key: u32) -> Self {
        Self {
            outcome: if key < ABSENT {
                Outcome::Loaded
            } else {
                Outcome::NotFound
            },
            latency: Latency::None,
        }
    }

    pub fn pick(rng: &mut Rng, key: u32) -> Self {
        let outcome = match rng.below(100) {
            0..=5 => Outcome::Failed,
            6..=9 => Outcome::Panicked,
            10..=12 => Outcome::NotFound,
            _ => Outcome::Loaded,
        };
        let outcome = if key >= ABSENT {
            Outcome::NotFound
        } else {
            outcome
        };
        let latency = if rng.chance(50) {
            Latency::pick(rng)
        } else {
            Latency::None
        };
        Self { outcome, latency }
    }
}

/// A loader for `key`, run by the lookup that began at `begin` if that lookup leads.
pub fn loader(log: Arc<Log>, key: u32, begin: u64, plan: Plan) -> impl FnOnce() -> LoadFuture {
    move || {
        Box::pin(async move {
            let serial = SERIALS.fetch_add(1, Ordering::SeqCst);
            let mut run = Running {
                log,
                record: Loader {
                    serial,
                    key,
                    leader_begin: begin,
                    start: stamp(),
                    end: 0,
                    outcome: Outcome::Dropped,
                },
            };
            plan.latency.wait().await;
            run.record.outcome = plan.outcome;
            match plan.outcome {
                Outcome::Loaded => Ok(Some(Item { key, serial })),
                Outcome::Failed => Err(LoadFailure { serial }),
                Outcome::NotFound => Ok(None),
                Outcome::Panicked | Outcome::Dropped => {
                    panic!("{INJECTED} panic in loader {serial}")
                }
            }
        })
    }
}

static SERIALS: AtomicU64 = AtomicU64::new(0);

/// Logs a loader run when it ends: returned, panicked, or dropped mid-way.
struct Running {
    log: Arc<Log>,
    record: Loader,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.record.end = stamp();
        lock(&self.log.loaders).push(self.record);
    }
}
