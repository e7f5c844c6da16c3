//! The callers: how each call is made (sync, timed or oneway), how its caller gives up on
//! it, and what the caller saw.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use coact::handler::SyncCall;
use coact::prelude::*;
use tokio::sync::Mutex;

use super::worker::{index, Fault, Ran, Worker};
use super::OWNERS;
use crate::report::{Latency, INJECTED};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Sync,
    Async,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Sync,
    Timed(Duration),
    Oneway,
}

/// How a caller gives up on a sync call: not at all, by dropping the call future when a
/// `select!` picks a delay, or by aborting the task that awaits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    No,
    Select(Latency),
    Abort(Latency),
}

/// What the caller saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Ok(u64),
    Panicked {
        names_call: bool,
    },
    TimedOut {
        started: bool,
    },
    Gone,
    MailboxFull,
    /// `Reentrant`, which nothing here provokes, or a new kind of failure.
    Unexpected,
    /// A oneway call was queued.
    Accepted,
    /// The caller gave up before it saw a result.
    Cancelled,
}

/// One call, as its caller made it.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub id: u64,
    pub task: u32,
    pub owner: usize,
    pub method: Method,
    pub via: Via,
    pub fault: Fault,
    pub cancel: Cancel,
    pub seen: Seen,
    /// Its caller asked the owner to stop processing just before making it.
    pub stop: bool,
    /// Given up while its owner was between rounds and before its method started: it was
    /// withdrawn and must never run.
    pub withdrawn: bool,
}

pub struct Caller {
    pub task: u32,
    pub per_task: u64,
    pub handles: Vec<Handle<Worker>>,
    pub quiet: Vec<Option<Arc<Mutex<()>>>>,
    pub ran: Arc<[Ran]>,
    pub rng: Rng,
}

impl Caller {
    pub async fn run(mut self) -> Vec<Call> {
        let mut calls = Vec::with_capacity(usize::try_from(self.per_task).unwrap_or(0));
        for i in 0..self.per_task {
            let mut call = self.plan(u64::from(self.task) * self.per_task + i);
            self.make(&mut call).await;
            calls.push(call);
        }
        calls
    }

    fn plan(&mut self, id: u64) -> Call {
        let rng = &mut self.rng;
        let method = if rng.chance(50) {
            Method::Sync
        } else {
            Method::Async
        };
        let via = match rng.below(100) {
            0..=39 => Via::Sync,
            40..=74 => Via::Timed(Duration::from_millis(rng.between(1, 4))),
            _ => Via::Oneway,
        };
        let fault = Fault {
            panics: rng.chance(8),
            latency: if rng.chance(30) {
                Latency::pick(rng)
            } else {
                Latency::None
            },
        };
        let cancel = match (via, rng.below(100)) {
            (Via::Oneway, _) => Cancel::No,
            (_, 0..=9) => Cancel::Select(Latency::pick(rng)),
            (_, 10..=15) => Cancel::Abort(Latency::pick(rng)),
            _ => Cancel::No,
        };
        Call {
            id,
            task: self.task,
            owner: self.rng.index(OWNERS),
            method,
            via,
            fault,
            cancel,
            seen: Seen::Cancelled,
            stop: self.rng.chance(1),
            withdrawn: false,
        }
    }

    async fn make(&self, call: &mut Call) {
        let handle = &self.handles[call.owner];
        let quiet = self.quiet[call.owner].as_deref();
        if call.stop {
            handle.stop_processing();
        }
        if call.via == Via::Oneway {
            let oneway = handle.oneway();
            let sent = match call.method {
                Method::Sync => oneway.work(call.id, call.fault),
                Method::Async => oneway.work_async(call.id, call.fault),
            };
            call.seen = match sent {
                Ok(()) => Seen::Accepted,
                Err(e) => failed(call.id, e),
            };
            return;
        }
        match call.cancel {
            Cancel::No => call.seen = seen(call.id, sync_call(handle, call).await),
            Cancel::Select(delay) => {
                let mut pending = sync_call(handle, call);
                tokio::select! {
                    result = &mut pending => call.seen = seen(call.id, result),
                    () = delay.wait() => {
                        let round = lock(quiet).await;
                        drop(pending);
                        call.withdrawn = round.is_some() && self.not_started(call.id);
                    }
                }
            }
            Cancel::Abort(delay) => {
                let (handle, made) = (handle.clone(), *call);
                let task = tokio::spawn(async move { sync_call(&handle, &made).await });
                delay.wait().await;
                let round = lock(quiet).await;
                task.abort();
                match task.await {
                    Ok(result) => call.seen = seen(call.id, result),
                    // Resolved only once the task's future, and the call in it, is dropped.
                    Err(e) if e.is_cancelled() => {
                        call.withdrawn = round.is_some() && self.not_started(call.id);
                    }
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                }
            }
        }
    }

    fn not_started(&self, id: u64) -> bool {
        self.ran[index(id)].started.load(Ordering::SeqCst) == 0
    }
}

/// The owner's round lock, if it serves in rounds: held, no call of it can start.
async fn lock(quiet: Option<&Mutex<()>>) -> Option<tokio::sync::MutexGuard<'_, ()>> {
    match quiet {
        Some(lock) => Some(lock.lock().await),
        None => None,
    }
}

fn sync_call<'a>(handle: &'a Handle<Worker>, call: &Call) -> SyncCall<'a, Worker, u64> {
    let proxy = match call.via {
        Via::Timed(limit) => handle.sync().timeout(limit),
        Via::Sync | Via::Oneway => handle.sync(),
    };
    match call.method {
        Method::Sync => proxy.work(call.id, call.fault),
        Method::Async => proxy.work_async(call.id, call.fault),
    }
}

fn seen(id: u64, result: Result<u64, CallError>) -> Seen {
    match result {
        Ok(value) => Seen::Ok(value),
        Err(e) => failed(id, e),
    }
}

fn failed(id: u64, error: CallError) -> Seen {
    match error {
        CallError::Panicked { message, .. } => Seen::Panicked {
            names_call: message == format!("{INJECTED} panic in call {id}"),
        },
        CallError::TimedOut { started, .. } => Seen::TimedOut { started },
        CallError::Gone { .. } => Seen::Gone,
        CallError::MailboxFull { .. } => Seen::MailboxFull,
        // Re-entrant, or a kind of failure this suite does not know yet.
        _ => Seen::Unexpected,
    }
}
