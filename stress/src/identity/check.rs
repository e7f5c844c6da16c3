//! The identity map's contract, checked on a phase's log once the phase is idle.
//!
//! Stamps come from one global clock, so "stamped before" means "happened before". With
//! `start`/`end` a loader run's stamps and `begin`/`end` a lookup's:
//! - **one instance per load**: lookups that got the value of load `s` got the very same
//!   allocation, for their key, from a load that returned a value;
//! - **identity** (no stale instance): once a later load of a key has started, the value
//!   of an earlier load is gone from the map, so a lookup that got the earlier value
//!   began before the later load started. One exception, which a `forget` or `clear`
//!   makes: the later load may have claimed the key first (a leader is claimed before its
//!   loader starts, and a thread can be preempted in between), had its flight forgotten,
//!   and the earlier one then landed; so a later load counts only where no forget or
//!   clear of the key ran after its leader began and before the earlier load started;
//! - **single flight**: two loads of one key overlap only if a `forget` or `clear` ran
//!   after one's leader began and before the other started (it removed the flight of
//!   the one claimed first, which still answers its own callers);
//! - **errors are never cached**: `Failed` and `Panicked` name a load of the same key
//!   that failed or panicked, and `NotFound` a load of that key that found nothing, whose
//!   answer was still to come when the lookup began (the load's leader had not returned:
//!   the flight leaves the map just before its leader returns).

use std::collections::HashMap;

use crate::report::Report;

/// How a loader run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Loaded,
    Failed,
    NotFound,
    Panicked,
    /// Dropped mid-way: its caller was cancelled.
    Dropped,
}

/// One loader run.
#[derive(Debug, Clone, Copy)]
pub struct Loader {
    pub serial: u64,
    pub key: u32,
    /// When the lookup that ran it (its leader) began.
    pub leader_begin: u64,
    pub start: u64,
    pub end: u64,
    pub outcome: Outcome,
}

/// One `forget` (of `key`) or `clear` (`None`).
#[derive(Debug, Clone, Copy)]
pub struct Forget {
    pub key: Option<u32>,
    pub begin: u64,
    pub end: u64,
}

impl Forget {
    /// Whether this may have removed `key`'s flight of load `gone` after it was claimed
    /// (after its leader began) and before load `then` was claimed (before it started).
    fn removed_between(&self, key: u32, gone: &Loader, then: &Loader) -> bool {
        self.key.is_none_or(|k| k == key) && self.end > gone.leader_begin && self.begin < then.start
    }
}

/// What a lookup got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Got {
    /// A value: its load's serial, the key it says it is for, and its address.
    Item {
        serial: u64,
        key: u32,
        at: usize,
    },
    Failed {
        serial: u64,
    },
    /// The serial the panic message names, if it names one.
    Panicked {
        serial: Option<u64>,
    },
    NotFound,
    /// A kind of error this suite does not know.
    Unexpected,
    /// Its caller gave up first.
    Cancelled,
}

/// One lookup.
#[derive(Debug, Clone, Copy)]
pub struct Get {
    pub task: u32,
    pub key: u32,
    pub begin: u64,
    pub end: u64,
    pub got: Got,
}

pub fn check(
    phase: &str,
    gets: &[Get],
    loaders: &[Loader],
    forgets: &[Forget],
    report: &mut Report,
) {
    let log = Log::new(gets, loaders, forgets);
    let mut address: HashMap<u64, usize> = HashMap::new();
    for get in gets {
        count(get, report);
        if let Err(why) = log.lookup(get, &mut address) {
            report.violation(format!(
                "{phase}: lookup of key {} by task {} ({}..{}) got {:?}: {why}",
                get.key, get.task, get.begin, get.end, get.got
            ));
        }
    }
    for (key, runs) in &log.by_key {
        report.count("loads", "all", runs.len() as u64);
        for (i, first) in runs.iter().enumerate() {
            count_load(first, report);
            for second in runs[i + 1..].iter().take_while(|l| l.start < first.end) {
                // Either flight may have been claimed first (a leader can be preempted
                // between its claim and its loader's start) and then forgotten.
                let forgotten = forgets.iter().any(|f| {
                    f.removed_between(*key, first, second) || f.removed_between(*key, second, first)
                });
                if !forgotten {
                    report.violation(format!(
                        "{phase}: two loads of key {key} overlapped with no forget between: \
                         {} ({}..{}, leader began {}) and {} ({}..{})",
                        first.serial,
                        first.start,
                        first.end,
                        first.leader_begin,
                        second.serial,
                        second.start,
                        second.end
                    ));
                }
            }
        }
    }
    report.count("faults", "forgets and clears", forgets.len() as u64);
}

/// A phase's loads, indexed for the checks.
struct Log<'a> {
    by_serial: HashMap<u64, &'a Loader>,
    /// Each key's loads, by start.
    by_key: HashMap<u32, Vec<&'a Loader>>,
    /// Per serial, when the first later load of the key that no forget excuses started:
    /// from then on, no lookup may get this load's value.
    superseded: HashMap<u64, u64>,
    /// When each lookup returned, by when it began (begin stamps are unique).
    returned: HashMap<u64, u64>,
}

impl<'a> Log<'a> {
    fn new(gets: &[Get], loaders: &'a [Loader], forgets: &[Forget]) -> Self {
        let mut by_key: HashMap<u32, Vec<&Loader>> = HashMap::new();
        for loader in loaders {
            by_key.entry(loader.key).or_default().push(loader);
        }
        let mut superseded = HashMap::new();
        for (key, runs) in &mut by_key {
            runs.sort_by_key(|l| l.start);
            for (i, earlier) in runs.iter().enumerate() {
                // A forget that may have removed the later load's flight before the
                // earlier load was claimed lets the earlier value land after it.
                let excused = |later: &&&Loader| {
                    forgets
                        .iter()
                        .any(|f| f.removed_between(*key, later, earlier))
                };
                if let Some(later) = runs[i + 1..].iter().find(|l| !excused(l)) {
                    superseded.insert(earlier.serial, later.start);
                }
            }
        }
        Self {
            by_serial: loaders.iter().map(|l| (l.serial, l)).collect(),
            by_key,
            superseded,
            returned: gets.iter().map(|g| (g.begin, g.end)).collect(),
        }
    }

    /// When a load's answer was out at the latest: when its leader's lookup returned.
    fn answered(&self, load: &Loader) -> u64 {
        self.returned
            .get(&load.leader_begin)
            .copied()
            .unwrap_or(u64::MAX)
    }

    /// The load `serial`, if it was for the lookup's key and ended with `outcome`.
    fn load(&self, get: &Get, serial: u64, outcome: Outcome) -> Result<&'a Loader, String> {
        match self.by_serial.get(&serial) {
            None => Err(format!("no load with serial {serial} ran")),
            Some(l) if l.key != get.key => Err(format!("load {serial} was for key {}", l.key)),
            Some(l) if l.outcome != outcome => Err(format!("load {serial} ended {:?}", l.outcome)),
            Some(l) => Ok(*l),
        }
    }

    /// An error is an answer only to the lookups that began before it was out.
    fn pending(&self, get: &Get, load: &Loader) -> Result<(), String> {
        let by = self.answered(load);
        if get.begin < by {
            Ok(())
        } else {
            Err(format!(
                "began at {}, after load {} had answered (by {by}): the error was cached",
                get.begin, load.serial
            ))
        }
    }

    /// One lookup against the contract; `address` collects each load's value's address.
    fn lookup(&self, get: &Get, address: &mut HashMap<u64, usize>) -> Result<(), String> {
        match get.got {
            Got::Item { serial, key, at } => {
                let load = self.load(get, serial, Outcome::Loaded)?;
                if key != get.key {
                    return Err(format!("the value says it is for key {key}"));
                }
                if *address.entry(serial).or_insert(at) != at {
                    return Err(format!(
                        "load {serial}'s value exists twice, at two addresses"
                    ));
                }
                match self.superseded.get(&serial) {
                    Some(&next) if get.begin > next => Err(format!(
                        "got load {serial}'s value (loaded {}..{}), but began at {} after the \
                         next load of the key started at {next}",
                        load.start, load.end, get.begin
                    )),
                    _ => Ok(()),
                }
            }
            Got::Failed { serial } => self.pending(get, self.load(get, serial, Outcome::Failed)?),
            Got::Panicked {
                serial: Some(serial),
            } => self.pending(get, self.load(get, serial, Outcome::Panicked)?),
            Got::Panicked { serial: None } => Err("a panic message that names no load".into()),
            Got::NotFound => {
                let answering = self.by_key.get(&get.key).is_some_and(|runs| {
                    runs.iter().any(|l| {
                        l.outcome == Outcome::NotFound
                            && l.start < get.end
                            && get.begin < self.answered(l)
                    })
                });
                if answering {
                    Ok(())
                } else {
                    Err("NotFound, but no load of the key that found nothing was answering".into())
                }
            }
            Got::Unexpected => Err("an error this suite never provokes".into()),
            Got::Cancelled => Ok(()),
        }
    }
}

fn count(get: &Get, report: &mut Report) {
    report.count("lookups", "all", 1);
    let what = match get.got {
        Got::Item { .. } => "value",
        Got::Failed { .. } => "failed",
        Got::Panicked { .. } => "panicked",
        Got::NotFound => "not found",
        Got::Unexpected => "unexpected",
        Got::Cancelled => "given up",
    };
    report.count("lookups", what, 1);
}

fn count_load(load: &Loader, report: &mut Report) {
    let what = match load.outcome {
        Outcome::Loaded => "loaded",
        Outcome::Failed => "failed",
        Outcome::NotFound => "found nothing",
        Outcome::Panicked => "panicked",
        Outcome::Dropped => "dropped mid-way",
    };
    report.count("loads", what, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(serial: u64, key: u32, span: (u64, u64), outcome: Outcome) -> Loader {
        Loader {
            serial,
            key,
            leader_begin: span.0 - 1,
            start: span.0,
            end: span.1,
            outcome,
        }
    }

    fn get(key: u32, span: (u64, u64), got: Got) -> Get {
        Get {
            task: 0,
            key,
            begin: span.0,
            end: span.1,
            got,
        }
    }

    fn item(serial: u64, key: u32, at: usize) -> Got {
        Got::Item { serial, key, at }
    }

    fn violations(gets: &[Get], loaders: &[Loader], forgets: &[Forget]) -> Vec<String> {
        let mut report = Report::new("test");
        check("phase", gets, loaders, forgets, &mut report);
        report.found().to_vec()
    }

    #[test]
    fn a_log_that_keeps_the_contract_has_no_violation() {
        let loaders = [
            load(0, 1, (10, 20), Outcome::Loaded),
            // Evicted, then loaded again.
            load(1, 1, (40, 50), Outcome::Loaded),
            load(2, 2, (12, 14), Outcome::Failed),
            // Overlaps load 3, but a forget of key 3 ran in between.
            load(3, 3, (60, 80), Outcome::Loaded),
            load(4, 3, (70, 90), Outcome::NotFound),
        ];
        let gets = [
            get(1, (9, 21), item(0, 1, 0xa0)),
            get(1, (15, 22), item(0, 1, 0xa0)),
            get(1, (30, 31), item(0, 1, 0xa0)),
            get(1, (39, 51), item(1, 1, 0xb0)),
            get(2, (11, 15), Got::Failed { serial: 2 }),
            // Began after the load ended, before its leader returned: still its answer.
            get(2, (14, 15), Got::Failed { serial: 2 }),
            get(3, (59, 81), item(3, 3, 0xc0)),
            get(3, (69, 91), Got::NotFound),
        ];
        let forgets = [
            Forget {
                key: Some(3),
                begin: 62,
                end: 64,
            },
            // Load 6's leader claimed key 4 (after 99) before load 5 was claimed, was
            // preempted, and its flight forgotten: load 5's value landed and stays, though
            // load 6 started after it.
            Forget {
                key: None,
                begin: 100,
                end: 102,
            },
        ];
        let mut loaders = loaders.to_vec();
        loaders.push(load(5, 4, (104, 105), Outcome::Loaded));
        let mut late = load(6, 4, (107, 110), Outcome::Loaded);
        late.leader_begin = 99;
        loaders.push(late);
        // Load 8's leader claimed key 5 before load 7's, was preempted, and its flight
        // forgotten before load 7 was claimed: the two loaders overlap.
        let mut preempted = load(8, 5, (130, 140), Outcome::Loaded);
        preempted.leader_begin = 111;
        loaders.push(load(7, 5, (125, 135), Outcome::Loaded));
        loaders.push(preempted);
        let forgets = [
            forgets[0],
            forgets[1],
            Forget {
                key: Some(5),
                begin: 112,
                end: 113,
            },
        ];
        let mut gets = gets.to_vec();
        gets.push(get(4, (103, 106), item(5, 4, 0xd0)));
        gets.push(get(4, (99, 111), item(6, 4, 0xe0)));
        gets.push(get(4, (120, 121), item(5, 4, 0xd0)));
        assert_eq!(violations(&gets, &loaders, &forgets), Vec::<String>::new());
    }

    #[test]
    fn each_broken_rule_is_reported() {
        let loaders = [
            load(0, 1, (10, 20), Outcome::Loaded),
            load(1, 1, (40, 50), Outcome::Loaded),
            load(2, 2, (12, 14), Outcome::Failed),
            load(3, 3, (60, 80), Outcome::Loaded),
            load(4, 3, (70, 90), Outcome::Loaded),
        ];
        let gets = [
            // A stale instance: began after load 1 started.
            get(1, (45, 46), item(0, 1, 0xa0)),
            // The same load's value at another address.
            get(1, (15, 22), item(0, 1, 0xa8)),
            // An error from a load whose leader had returned before the lookup began.
            get(2, (11, 15), Got::Failed { serial: 2 }),
            get(2, (16, 17), Got::Failed { serial: 2 }),
            // A value for another key.
            get(2, (18, 19), item(3, 3, 0xc0)),
            get(5, (1, 2), Got::NotFound),
        ];
        let found = violations(&gets, &loaders, &[]);
        for what in [
            "after the next load of the key started",
            "two addresses",
            "the error was cached",
            "load 3 was for key 3",
            "no load of the key that found nothing",
            "two loads of key 3 overlapped",
        ] {
            assert!(
                found.iter().any(|v| v.contains(what)),
                "no `{what}` in {found:#?}"
            );
        }
    }
}
