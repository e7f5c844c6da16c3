//! Identity maps under faults: in each phase (one retention each: capacities, a TTL,
//! weak, forever) 32 tasks ask a `coact::identity::Cache` for keys of a small, skewed key
//! space, while loaders fail, panic, find nothing or take their time, callers give up
//! mid-load (their future dropped, or their task aborted) and, in some phases, a janitor
//! forgets keys and clears the map.
//!
//! Every loader run is stamped on the global clock (start, end) with a serial that the
//! value it loads carries; every lookup is stamped (begin, end) with what it got. After
//! each phase, `check.rs` holds the log to the identity invariant, single flight and the
//! error rules; the map, idle, to its capacity and its counters; and one clean lookup per
//! key must then succeed (nothing poisoned, nothing stuck).

// Where things are: `load.rs` is what a load does and logs, `caller.rs` the lookups and
// the janitor, `check.rs` the rules; this file the phases and the checks of an idle map.

mod caller;
mod check;
mod load;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coact::identity::Retention;

use self::caller::{caller, got, janitor};
use self::check::{check, Get, Got, Loader, Outcome};
use self::load::{loader, lock, Items, Log, Plan};
use crate::report::{stamp, Report};
use crate::rng::Rng;

const TASKS: u32 = 32;
/// Rounds per phase at scale 1: the map is checked idle after each.
const ROUNDS: u64 = 200;
/// Lookups per task and round.
const GETS_PER_ROUND: u64 = 10;
const KEYS: u32 = 40;
/// Keys from here on have no data: their loaders always answer `Ok(None)`.
const ABSENT: u32 = 36;
/// How long a lookup after a phase may take before the map counts as stuck: far beyond
/// any injected latency, so only a hang reaches it.
const STUCK: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
struct Phase {
    name: &'static str,
    retention: Retention,
    janitor: bool,
    /// Lookups ask for keys below this.
    keys: u32,
    /// Whether loaders fail, panic and take their time, and callers give up.
    faults: bool,
}

fn phases() -> Vec<Phase> {
    let keep = |ttl: Option<u64>, capacity: usize| Retention::Keep {
        ttl: ttl.map(Duration::from_millis),
        capacity: NonZeroUsize::new(capacity),
    };
    vec![
        // Every lookup on three keys, two of which fit, with nothing to slow them down:
        // hits race eviction all the time.
        Phase {
            name: "capacity 2, 3 keys, no faults",
            retention: keep(None, 2),
            janitor: false,
            keys: 3,
            faults: false,
        },
        Phase {
            name: "capacity 16",
            retention: keep(None, 16),
            janitor: false,
            keys: KEYS,
            faults: true,
        },
        Phase {
            name: "capacity 4, ttl 2ms, forgetting",
            retention: keep(Some(2), 4),
            janitor: true,
            keys: KEYS,
            faults: true,
        },
        Phase {
            name: "weak",
            retention: Retention::Weak,
            janitor: false,
            keys: KEYS,
            faults: true,
        },
        Phase {
            name: "forever, forgetting",
            retention: Retention::FOREVER,
            janitor: true,
            keys: KEYS,
            faults: true,
        },
        Phase {
            name: "capacity 1",
            retention: keep(None, 1),
            janitor: false,
            keys: KEYS,
            faults: true,
        },
        Phase {
            name: "weak, forgetting",
            retention: Retention::Weak,
            janitor: true,
            keys: KEYS,
            faults: true,
        },
        Phase {
            name: "capacity 16, forgetting",
            retention: keep(None, 16),
            janitor: true,
            keys: KEYS,
            faults: true,
        },
    ]
}

pub async fn run(seed: u64, scale: u64) -> Report {
    let mut report = Report::new("identity");
    report.labels(
        "lookups",
        &[
            "all",
            "value",
            "failed",
            "panicked",
            "not found",
            "given up",
        ],
    );
    report.labels(
        "loads",
        &[
            "all",
            "loaded",
            "failed",
            "panicked",
            "found nothing",
            "dropped mid-way",
        ],
    );
    for (i, phase) in phases().into_iter().enumerate() {
        run_phase(&phase, seed, i as u64, ROUNDS * scale, &mut report).await;
    }
    report.finish()
}

async fn run_phase(phase: &Phase, seed: u64, number: u64, rounds: u64, report: &mut Report) {
    let cache = Items::new(phase.retention);
    let log = Arc::new(Log::default());
    let stop = Arc::new(AtomicBool::new(false));
    let janitor = phase.janitor.then(|| {
        let rng = Rng::new(seed, "identity janitor", number);
        tokio::spawn(janitor(
            cache.clone(),
            Arc::clone(&log),
            Arc::clone(&stop),
            rng,
        ))
    });
    let mut gets = Vec::new();
    // Rounds after which the idle map was out of bounds: the first, its size, how many.
    let mut over: Option<(u64, usize, u64)> = None;
    for round in 0..rounds {
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let stream = (number * 1_000_000) + round * 1_000 + u64::from(task);
                let rng = Rng::new(seed, "identity caller", stream);
                let (cache, log) = (cache.clone(), Arc::clone(&log));
                tokio::spawn(caller(cache, log, *phase, task, rng))
            })
            .collect();
        for task in tasks {
            match task.await {
                Ok(made) => gets.extend(made),
                Err(e) => report.violation(format!("{}: a caller task failed: {e}", phase.name)),
            }
        }
        // Idle between rounds (the janitor only removes): the map within its bounds.
        report.count("checks", "idle map size", 1);
        if let Some(size) = out_of_bounds(phase, &cache) {
            over.get_or_insert((round, size, 0)).2 += 1;
        }
    }
    if let Some((first, size, rounds_over)) = over {
        let bound = match phase.retention {
            Retention::Keep {
                capacity: Some(capacity),
                ..
            } => format!("over its capacity {capacity}"),
            _ => "though weak and with no handle alive".to_owned(),
        };
        report.violation(format!(
            "{}: idle after round {first}, the map held {size} entries, {bound} (out of \
             bounds after {rounds_over} of {rounds} rounds)",
            phase.name
        ));
    }
    stop.store(true, Ordering::SeqCst);
    if let Some(janitor) = janitor {
        if let Err(e) = janitor.await {
            report.violation(format!("{}: the janitor failed: {e}", phase.name));
        }
    }

    // Idle now: every lookup and load of the phase is over.
    check_counts(phase, &cache, &log.loaders(), &gets, report);
    heal(phase, &cache, &log, &mut gets, report).await;
    let forgets = lock(&log.forgets).clone();
    check(phase.name, &gets, &log.loaders(), &forgets, report);
}

/// The idle map against its capacity; a weak one, with no handle left, is empty.
/// Its size, if out of bounds.
fn out_of_bounds(phase: &Phase, cache: &Items) -> Option<usize> {
    let size = cache.len();
    let bound = match phase.retention {
        Retention::Keep {
            capacity: Some(capacity),
            ..
        } => capacity.get(),
        Retention::Weak => 0,
        _ => return None,
    };
    (size > bound).then_some(size)
}

/// The counters against the log.
fn check_counts(
    phase: &Phase,
    cache: &Items,
    loaders: &[Loader],
    gets: &[Get],
    report: &mut Report,
) {
    let stats = cache.stats();
    let outcomes = |o: &[Outcome]| loaders.iter().filter(|l| o.contains(&l.outcome)).count();
    let counted = [
        ("loads", stats.loads, loaders.len()),
        (
            "load errors",
            stats.load_errors,
            outcomes(&[Outcome::Failed, Outcome::Panicked]),
        ),
        ("not found", stats.not_found, outcomes(&[Outcome::NotFound])),
    ];
    for (what, stat, logged) in counted {
        if stat != logged as u64 {
            report.violation(format!(
                "{}: stats say {stat} {what}, the loaders logged {logged}",
                phase.name
            ));
        }
    }
    let settled = gets.iter().filter(|g| g.got != Got::Cancelled).count();
    let lookups = stats.hits + stats.misses;
    if lookups < settled as u64 || lookups > gets.len() as u64 {
        report.violation(format!(
            "{}: stats count {lookups} hits and misses for {settled} settled of {} lookups",
            phase.name,
            gets.len()
        ));
    }
}

/// Nothing poisoned, nothing stuck: after the phase, one clean lookup per key answers.
async fn heal(
    phase: &Phase,
    cache: &Items,
    log: &Arc<Log>,
    gets: &mut Vec<Get>,
    report: &mut Report,
) {
    for key in 0..KEYS {
        let begin = stamp();
        let load = loader(Arc::clone(log), key, begin, Plan::clean(key));
        let got =
            if let Ok(result) = tokio::time::timeout(STUCK, cache.get_or_load(key, load)).await {
                got(result)
            } else {
                report.violation(format!("{}: a lookup of key {key} hangs", phase.name));
                Got::Cancelled
            };
        let fine = match got {
            Got::Item { .. } => key < ABSENT,
            Got::NotFound => key >= ABSENT,
            _ => false,
        };
        if !fine {
            let expected = if key < ABSENT { "a value" } else { "NotFound" };
            report.violation(format!(
                "{}: after the phase, a clean lookup of key {key} gave {got:?}, not {expected}",
                phase.name
            ));
        }
        gets.push(Get {
            task: TASKS,
            key,
            begin,
            end: stamp(),
            got,
        });
    }
}
