//! What each collection must give, checked against what its entries' work recorded.
//!
//! Per entry read (at its push position):
//! - `Ok(Ok(v))` / `Ok(Err(v))`: the work was planned to return that, returned it once,
//!   and `v` is this position's own value (no mix-up of positions);
//! - `Panicked`: the work panicked, with its own message;
//! - `TimedOut`: the collection has that timeout, and a future's work neither returned
//!   nor panicked (a blocking closure may have finished: it cannot be interrupted);
//! - never `Cancelled` (the runtime is not shutting down), never run twice;
//! - a read that promises every entry (`finish`, `all`, a stream to its end, `first_ok`'s
//!   failures) gives each position exactly once;
//! - at most `limit` entries run at once.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use coact::access::{AllFailed, Entry, EntryError, Failure};

use crate::report::{Latency, INJECTED};

/// What an entry's work does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ok,
    Err,
    Panic,
    /// Never ends: only a timeout, a first reply or a drop stops it.
    Hang,
}

#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub kind: Kind,
    pub blocking: bool,
    pub latency: Latency,
}

/// The value only the entry at `pos` returns.
pub fn value(pos: usize) -> u64 {
    (pos as u64).wrapping_mul(0x9e37_79b9) ^ 0x00ac_ce55
}

/// Atomics of one entry, as its work records them.
#[derive(Default)]
pub struct Slot {
    started: AtomicU32,
    completed: AtomicU32,
    panicked: AtomicU32,
}

/// One collection's entries, and how many of them run at once.
pub struct Slots {
    entries: Vec<Slot>,
    active: AtomicUsize,
    max: AtomicUsize,
}

impl Slots {
    pub fn new(entries: usize) -> Self {
        Self {
            entries: (0..entries).map(|_| Slot::default()).collect(),
            active: AtomicUsize::new(0),
            max: AtomicUsize::new(0),
        }
    }

    pub fn slot(&self, pos: usize) -> &Slot {
        &self.entries[pos]
    }

    pub fn started(&self, pos: usize) -> u32 {
        self.slot(pos).started.load(Ordering::SeqCst)
    }

    /// The work at `pos` starts; it counts as running until the guard is dropped.
    pub fn start(&self, pos: usize) -> Running<'_> {
        self.slot(pos).started.fetch_add(1, Ordering::SeqCst);
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        Running { slots: self }
    }

    /// The work at `pos` is about to return (or panic) as planned.
    pub fn finish(&self, pos: usize, kind: Kind) {
        let slot = self.slot(pos);
        match kind {
            Kind::Ok | Kind::Err => slot.completed.fetch_add(1, Ordering::SeqCst),
            Kind::Panic => slot.panicked.fetch_add(1, Ordering::SeqCst),
            Kind::Hang => 0,
        };
    }

    pub fn max_active(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

pub struct Running<'a> {
    slots: &'a Slots,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.slots.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The entry read at `pos` against what its work did.
pub fn check_entry(
    pos: usize,
    entry: &Entry<Result<u64, u64>>,
    plan: Option<&Plan>,
    slots: &Slots,
    timeout: Option<Duration>,
    found: &mut Vec<String>,
) {
    let Some(plan) = plan else {
        found.push(format!(
            "an entry at position {pos}, past the last one pushed"
        ));
        return;
    };
    let slot = slots.slot(pos);
    let started = slot.started.load(Ordering::SeqCst);
    let completed = slot.completed.load(Ordering::SeqCst);
    let panicked = slot.panicked.load(Ordering::SeqCst);
    let fine = started <= 1
        && match entry {
            Ok(Ok(v)) => plan.kind == Kind::Ok && *v == value(pos) && completed == 1,
            Ok(Err(v)) => plan.kind == Kind::Err && *v == value(pos) && completed == 1,
            Err(EntryError::Panicked { message }) => {
                plan.kind == Kind::Panic
                    && *message == format!("{INJECTED} panic in entry {pos}")
                    && panicked == 1
            }
            Err(EntryError::TimedOut { after }) => {
                timeout == Some(*after) && (plan.blocking || completed + panicked == 0)
            }
            Err(_) => false,
        };
    if !fine {
        found.push(format!(
            "entry {pos} ({plan:?}) gave {entry:?}; its work started {started}, completed \
             {completed}, panicked {panicked} times"
        ));
    }
}

/// A read that promises every entry gave each position exactly once.
pub fn check_positions(
    entries: usize,
    positions: impl Iterator<Item = usize>,
    found: &mut Vec<String>,
) {
    let mut seen = vec![0_u32; entries];
    let mut outside = 0;
    for pos in positions {
        match seen.get_mut(pos) {
            Some(n) => *n += 1,
            None => outside += 1,
        }
    }
    let wrong: Vec<_> = seen
        .iter()
        .enumerate()
        .filter(|(_, n)| **n != 1)
        .map(|(pos, n)| format!("{pos}: {n} times"))
        .collect();
    if !wrong.is_empty() || outside > 0 {
        found.push(format!(
            "positions not read exactly once: {wrong:?}, and {outside} past the last"
        ));
    }
}

/// `first_ok`: the first success, or every entry's failure.
pub fn check_first_ok(
    first: &Result<(usize, u64), AllFailed<u64>>,
    plans: &[Plan],
    slots: &Slots,
    timeout: Option<Duration>,
    found: &mut Vec<String>,
) {
    match first {
        Ok((pos, v)) => check_entry(*pos, &Ok(Ok(*v)), plans.get(*pos), slots, timeout, found),
        Err(AllFailed { failures }) => {
            check_positions(plans.len(), failures.iter().map(|(pos, _)| *pos), found);
            for (pos, failure) in failures {
                let entry = match failure {
                    Failure::Returned(v) => Ok(Err(*v)),
                    Failure::Entry(e) => Err(e.clone()),
                };
                check_entry(*pos, &entry, plans.get(*pos), slots, timeout, found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(kind: Kind) -> Plan {
        Plan {
            kind,
            blocking: false,
            latency: Latency::None,
        }
    }

    #[test]
    fn entries_that_match_their_work_pass_and_others_do_not() {
        let slots = Slots::new(4);
        let ms = Some(Duration::from_millis(1));
        let (ok, err, panics, hangs) = (
            plan(Kind::Ok),
            plan(Kind::Err),
            plan(Kind::Panic),
            plan(Kind::Hang),
        );
        for (pos, kind) in [Kind::Ok, Kind::Err, Kind::Panic, Kind::Hang]
            .into_iter()
            .enumerate()
        {
            drop(slots.start(pos));
            slots.finish(pos, kind);
        }
        let mut found = Vec::new();
        let panic = EntryError::Panicked {
            message: format!("{INJECTED} panic in entry 2"),
        };
        let timed_out = EntryError::TimedOut {
            after: Duration::from_millis(1),
        };
        check_entry(0, &Ok(Ok(value(0))), Some(&ok), &slots, None, &mut found);
        check_entry(1, &Ok(Err(value(1))), Some(&err), &slots, None, &mut found);
        check_entry(2, &Err(panic), Some(&panics), &slots, None, &mut found);
        check_entry(
            3,
            &Err(timed_out.clone()),
            Some(&hangs),
            &slots,
            ms,
            &mut found,
        );
        check_positions(4, [0, 1, 2, 3].into_iter(), &mut found);
        assert_eq!(found, Vec::<String>::new());

        // Another entry's value, a timeout of a work that returned, a timeout the
        // collection does not have, a cancelled entry, a position read twice.
        check_entry(0, &Ok(Ok(value(1))), Some(&ok), &slots, None, &mut found);
        check_entry(
            0,
            &Err(timed_out.clone()),
            Some(&ok),
            &slots,
            ms,
            &mut found,
        );
        check_entry(3, &Err(timed_out), Some(&hangs), &slots, None, &mut found);
        check_entry(
            1,
            &Err(EntryError::Cancelled),
            Some(&err),
            &slots,
            None,
            &mut found,
        );
        check_positions(4, [0, 1, 1, 2, 3].into_iter(), &mut found);
        assert_eq!(found.len(), 5, "{found:#?}");
    }
}
