//! Deferred handlers under faults: 64 caller tasks make calls with unique ids to eight
//! owners, while methods panic or are slow, timed calls run out, callers give up (their
//! call future dropped in a `select!`, or their task aborted) or ask an owner to stop
//! processing, owners drop a `process` future mid-call and some owners are dropped
//! mid-stream.
//!
//! The methods record, per call id, that they started and that they completed; the callers
//! record how they made each call and what they saw. Once everything has settled,
//! `check.rs` holds every call to the contract (exactly once, never for a withdrawn call,
//! `Gone` only for a call that did not complete, arrival order per method).
//!
//! The one point where "the call had not started" is known for sure: a caller that gives
//! up on a call to an owner that serves in rounds takes the owner's round lock before
//! dropping its call. Between rounds nothing can claim a call, so if the method had not
//! started by then, the call is withdrawn and must never run.

// Where things are: `worker.rs` is the handler under test, `owner.rs` how owners serve and
// fail, `caller.rs` how calls are made and given up on, `check.rs` the rules.

mod caller;
mod check;
mod owner;
mod worker;

use std::sync::Arc;

use coact::prelude::*;
use tokio::sync::{Mutex, Notify};

use self::caller::Caller;
use self::check::{check, OwnerEnd, Runs};
use self::owner::{serve, OwnerPlan};
use self::worker::{Ran, Worker};
use crate::report::Report;
use crate::rng::Rng;

const TASKS: u32 = 64;
const OWNERS: usize = 8;

/// Runs at scale 1: each has fresh owners, so each drops owners anew.
const RUNS: u64 = 30;
/// Calls per caller task and run.
const CALLS_PER_TASK: u64 = 250;

pub async fn run(seed: u64, scale: u64) -> Report {
    let mut report = Report::new("handler");
    report.labels(
        "calls",
        &["all", "sync", "timed", "oneway", "methods started"],
    );
    report.labels(
        "faults",
        &[
            "method panics",
            "slow method",
            "caller dropped call",
            "caller aborted",
            "process() dropped",
            "owner dropped",
            "stop requested",
            "stop served",
        ],
    );
    report.labels(
        "outcomes",
        &[
            "ok",
            "panicked",
            "timed out queued",
            "timed out running",
            "gone",
            "mailbox full",
            "oneway queued",
            "given up",
            "given up unstarted",
        ],
    );
    for number in 0..RUNS * scale {
        run_once(seed, number, &mut report).await;
    }
    report.finish()
}

/// One run: eight owners, 64 callers, every call checked once all have settled.
async fn run_once(seed: u64, number: u64, report: &mut Report) {
    let label = format!("run {number}");
    let per_task = CALLS_PER_TASK;
    let total = u64::from(TASKS) * per_task;
    let ran: Arc<[Ran]> = (0..total).map(|_| Ran::default()).collect();

    let mut rng = Rng::new(seed, "handler owners", number);
    let plans: Vec<OwnerPlan> = (0..OWNERS)
        .map(|i| OwnerPlan::pick(i, total / OWNERS as u64, &mut rng))
        .collect();
    let mut handles = Vec::new();
    let mut quiet = Vec::new();
    let mut owners = Vec::new();
    for plan in &plans {
        let doom = Arc::new(Notify::new());
        let worker = Worker {
            ran: Arc::clone(&ran),
            served: 0,
            doom: plan.drop_after.map(|at| (at, Arc::clone(&doom))),
        };
        let owner = match plan.bounded {
            Some(capacity) => Deferred::bounded(worker, capacity),
            None => Deferred::new(worker),
        };
        handles.push(owner.handle());
        let lock = plan.rounds.then(|| Arc::new(Mutex::new(())));
        quiet.push(lock.clone());
        let stream = number * 1_000 + owners.len() as u64;
        let rng = Rng::new(seed, "handler owner", stream);
        owners.push(tokio::spawn(serve(owner, *plan, lock, doom, rng)));
    }

    let callers: Vec<_> = (0..TASKS)
        .map(|task| {
            let caller = Caller {
                task,
                per_task,
                handles: handles.clone(),
                quiet: quiet.clone(),
                ran: Arc::clone(&ran),
                rng: Rng::new(seed, "handler caller", number * 1_000 + u64::from(task)),
            };
            tokio::spawn(caller.run())
        })
        .collect();
    // The owners serve until every handle is gone: the callers' clones end with them.
    drop(handles);

    let mut calls = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for caller in callers {
        match caller.await {
            Ok(made) => calls.extend(made),
            Err(e) => report.violation(format!("{label}: a caller task failed: {e}")),
        }
    }
    let mut ends = Vec::new();
    for (plan, owner) in plans.iter().zip(owners) {
        match owner.await {
            Ok(end) => ends.push(end),
            Err(e) => {
                report.violation(format!("{label}: an owner task failed: {e}"));
                // Whatever it did, the calls to it are held only to what holds for all.
                ends.push(OwnerEnd {
                    bounded: plan.bounded.is_some(),
                    dropped: true,
                    process_drops: 1,
                    stops: 0,
                });
            }
        }
    }
    let runs: Vec<Runs> = ran.iter().map(Ran::snapshot).collect();
    check(&label, &calls, &runs, &ends, report);
}
