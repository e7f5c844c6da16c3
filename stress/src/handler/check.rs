//! The handler contract, checked call by call once everything has settled.
//!
//! Per call id (`started` and `completed` are what its method recorded):
//! - it ran at most once, and completed only if it started;
//! - `Ok(v)`: it ran exactly once and completed, and `v` is this call's own value;
//! - `Panicked`: it started once, did not complete, and the message is its own panic's;
//! - `TimedOut { started: true }`: it started, exactly once;
//! - `TimedOut { started: false }`: it never ran (withdrawn);
//! - given up while its owner was between rounds, before its method started: never ran;
//! - `Gone`: it did not complete; and it either never started (its owner was dropped) or
//!   was an async call a dropped `process` future or owner abandoned mid-way;
//! - `MailboxFull`: a oneway call to a bounded mailbox, which never ran;
//! - a queued oneway call ran exactly once, unless its owner was dropped early;
//! - the calls one task made to one owner's method started in the order it made them.

use std::collections::HashMap;

use super::caller::{Call, Cancel, Method, Seen, Via};
use super::worker::{answer, index};
use crate::report::{Latency, Report};

/// What the methods recorded for one call id.
#[derive(Debug, Clone, Copy, Default)]
pub struct Runs {
    pub started: u32,
    pub completed: u32,
    /// When it (last) started, on the global clock.
    pub at: u64,
}

/// How an owner ended.
#[derive(Debug, Clone, Copy)]
pub struct OwnerEnd {
    pub bounded: bool,
    /// Dropped before its handles were gone.
    pub dropped: bool,
    /// `process()` futures it dropped, perhaps mid-call.
    pub process_drops: u32,
    /// Times `process_forever` returned for a stop a caller asked for (and was resumed).
    pub stops: u32,
}

pub fn check(label: &str, calls: &[Call], runs: &[Runs], ends: &[OwnerEnd], report: &mut Report) {
    for call in calls {
        count(call, runs[index(call.id)], report);
        if let Err(why) = holds(call, runs[index(call.id)], ends[call.owner]) {
            report.violation(format!("{label}: {}: {why}", describe(call)));
        }
    }
    for end in ends {
        report.count("faults", "owner dropped", u64::from(end.dropped));
        report.count("faults", "process() dropped", u64::from(end.process_drops));
        report.count("faults", "stop served", u64::from(end.stops));
    }
    check_order(label, calls, runs, report);
}

/// The contract for one call: `Err` says how it was broken.
fn holds(call: &Call, runs: Runs, end: OwnerEnd) -> Result<(), String> {
    let Runs {
        started, completed, ..
    } = runs;
    if started > 1 {
        return Err(format!("ran {started} times"));
    }
    if completed > started {
        return Err(format!("completed {completed} times, started {started}"));
    }
    let ran = |n: u32| {
        if started == n {
            Ok(())
        } else {
            Err(format!(
                "{:?}, but its method started {started} times",
                call.seen
            ))
        }
    };
    match call.seen {
        Seen::Ok(value) => {
            if value != answer(call.id) {
                return Err(format!("got the value {value}, not its own"));
            }
            if call.fault.panics {
                return Err("returned Ok, but its method panics".into());
            }
            ran(1)?;
            if completed != 1 {
                return Err("returned Ok, but its method did not complete".into());
            }
        }
        Seen::Panicked { names_call } => {
            if !names_call || !call.fault.panics {
                return Err("Panicked, but not with its own method's panic".into());
            }
            ran(1)?;
        }
        Seen::TimedOut { started: true } => {
            timed(call)?;
            ran(1)?;
        }
        Seen::TimedOut { started: false } => {
            timed(call)?;
            ran(0)?;
        }
        Seen::Gone => {
            if completed != 0 {
                return Err("Gone, but its method completed".into());
            }
            let abandoned = call.method == Method::Async && (end.dropped || end.process_drops > 0);
            if started == 0 && !end.dropped {
                return Err("Gone without running, but its owner was never dropped".into());
            }
            if started == 1 && !abandoned {
                return Err("Gone after it started, but nothing could abandon it".into());
            }
        }
        Seen::MailboxFull => {
            if call.via != Via::Oneway || !end.bounded {
                return Err(
                    "MailboxFull, but it was not a oneway call to a bounded mailbox".into(),
                );
            }
            ran(0)?;
        }
        Seen::Accepted => {
            if !end.dropped {
                ran(1)?;
            }
        }
        Seen::Cancelled => {
            if call.withdrawn {
                ran(0).map_err(|_| {
                    "withdrawn (given up between rounds, before it started), but it ran".to_owned()
                })?;
            }
        }
        Seen::Unexpected => return Err("an error this suite never provokes".into()),
    }
    Ok(())
}

fn timed(call: &Call) -> Result<(), String> {
    match call.via {
        Via::Timed(_) => Ok(()),
        _ => Err(format!("{:?} without a timeout", call.seen)),
    }
}

/// Calls one task made to one owner's method start in the order the task made them.
fn check_order(label: &str, calls: &[Call], runs: &[Runs], report: &mut Report) {
    let mut last: HashMap<(u32, usize, Method), &Call> = HashMap::new();
    for call in calls {
        if runs[index(call.id)].started == 0 {
            continue;
        }
        let key = (call.task, call.owner, call.method);
        if let Some(before) = last.insert(key, call) {
            if before.id < call.id && runs[index(before.id)].at > runs[index(call.id)].at {
                report.violation(format!(
                    "{label}: {} started before {}, which its task made earlier",
                    describe(call),
                    describe(before)
                ));
            }
        }
    }
}

fn count(call: &Call, runs: Runs, report: &mut Report) {
    report.count("calls", "all", 1);
    let via = match call.via {
        Via::Sync => "sync",
        Via::Timed(_) => "timed",
        Via::Oneway => "oneway",
    };
    report.count("calls", via, 1);
    report.count("calls", "methods started", u64::from(runs.started));
    if call.fault.panics {
        report.count("faults", "method panics", 1);
    }
    if call.fault.latency != Latency::None {
        report.count("faults", "slow method", 1);
    }
    if call.stop {
        report.count("faults", "stop requested", 1);
    }
    match call.cancel {
        Cancel::No => {}
        Cancel::Select(_) => report.count("faults", "caller dropped call", 1),
        Cancel::Abort(_) => report.count("faults", "caller aborted", 1),
    }
    let seen = match call.seen {
        Seen::Ok(_) => "ok",
        Seen::Panicked { .. } => "panicked",
        Seen::TimedOut { started: true } => "timed out running",
        Seen::TimedOut { started: false } => "timed out queued",
        Seen::Gone => "gone",
        Seen::MailboxFull => "mailbox full",
        Seen::Unexpected => "unexpected",
        Seen::Accepted => "oneway queued",
        Seen::Cancelled if call.withdrawn => "given up unstarted",
        Seen::Cancelled => "given up",
    };
    report.count("outcomes", seen, 1);
}

fn describe(call: &Call) -> String {
    format!(
        "call {} (task {}, owner {}, {:?} method, {:?}, {:?}, {:?})",
        call.id, call.task, call.owner, call.method, call.via, call.fault, call.cancel
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::handler::worker::Fault;

    fn call(id: u64, via: Via, seen: Seen) -> Call {
        Call {
            id,
            task: 0,
            owner: 0,
            method: Method::Async,
            via,
            fault: Fault {
                panics: false,
                latency: Latency::None,
            },
            cancel: Cancel::No,
            seen,
            stop: false,
            withdrawn: false,
        }
    }

    fn runs(started: u32, completed: u32, at: u64) -> Runs {
        Runs {
            started,
            completed,
            at,
        }
    }

    const STEADY: OwnerEnd = OwnerEnd {
        bounded: false,
        dropped: false,
        process_drops: 0,
        stops: 0,
    };

    fn violations(calls: &[Call], runs: &[Runs]) -> Vec<String> {
        let mut report = Report::new("test");
        check("run 0", calls, runs, &[STEADY], &mut report);
        report.found().to_vec()
    }

    #[test]
    fn a_settled_run_that_keeps_the_contract_has_no_violation() {
        let timed = Via::Timed(Duration::from_millis(1));
        let mut withdrawn = call(3, Via::Sync, Seen::Cancelled);
        withdrawn.withdrawn = true;
        let calls = [
            call(0, Via::Sync, Seen::Ok(answer(0))),
            call(1, timed, Seen::TimedOut { started: false }),
            call(2, timed, Seen::TimedOut { started: true }),
            withdrawn,
            call(4, Via::Oneway, Seen::Accepted),
            call(5, Via::Sync, Seen::Cancelled),
        ];
        let runs = [
            runs(1, 1, 10),
            runs(0, 0, 0),
            runs(1, 0, 20),
            runs(0, 0, 0),
            runs(1, 1, 30),
            runs(1, 1, 40),
        ];
        assert_eq!(violations(&calls, &runs), Vec::<String>::new());
    }

    #[test]
    fn each_broken_rule_is_reported() {
        let timed = Via::Timed(Duration::from_millis(1));
        let mut withdrawn = call(3, Via::Sync, Seen::Cancelled);
        withdrawn.withdrawn = true;
        let calls = [
            call(0, Via::Sync, Seen::Ok(answer(1))),
            call(1, timed, Seen::TimedOut { started: false }),
            call(2, Via::Sync, Seen::Gone),
            withdrawn,
            call(4, Via::Oneway, Seen::Accepted),
            call(5, Via::Sync, Seen::Ok(answer(5))),
            call(6, Via::Sync, Seen::Ok(answer(6))),
        ];
        let runs = [
            runs(1, 1, 10),
            runs(1, 1, 20),
            runs(0, 0, 0),
            runs(1, 1, 30),
            runs(0, 0, 0),
            runs(2, 2, 40),
            runs(1, 1, 35),
        ];
        let found = violations(&calls, &runs);
        for (needle, what) in [
            ("call 0 ", "not its own"),
            ("call 1 ", "started 1 times"),
            ("call 2 ", "owner was never dropped"),
            ("call 3 ", "withdrawn"),
            ("call 4 ", "started 0 times"),
            ("call 5 ", "ran 2 times"),
            ("call 6 ", "which its task made earlier"),
        ] {
            assert!(
                found.iter().any(|v| v.contains(needle) && v.contains(what)),
                "no `{what}` for {needle}in {found:#?}"
            );
        }
    }
}
