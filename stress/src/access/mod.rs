//! Access collections under faults: 16 tasks fill `KV`s, `Ordered`s and `FirstReply`s
//! with entries that succeed, return `Err`, panic, hang or take their time, as futures
//! or blocking closures, under random limits and timeouts; then read them whole, in
//! part, or drop them mid-way.
//!
//! Every entry's work records, by position, that it started, completed or panicked, and
//! carries a token while it exists. `check.rs` holds what each collection gave to what
//! its entries did; at the end every token must be gone: dropping a collection, or
//! taking its first reply, leaves no work behind.

// Where things are: `work.rs` is what an entry's work does and records, `check.rs` the
// rules; this file makes the collections and reads them.

mod check;
mod work;

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use coact::access::{DuplicateKey, FirstReply, Ordered, KV};
use futures::StreamExt as _;

use self::check::{check_entry, check_first_ok, check_positions, Kind, Plan, Slots};
use self::work::{blocking, work, Alive};
use crate::report::{Latency, Report};
use crate::rng::Rng;

const TASKS: u32 = 16;
/// Collections per task at scale 1.
const ROUNDS_PER_TASK: u64 = 1_500;
const MAX_ENTRIES: u64 = 24;
/// How long the work of finished collections may take to be gone: far beyond any
/// injected latency, so only a leak reaches it.
const LEAK: Duration = Duration::from_secs(10);

pub async fn run(seed: u64, scale: u64) -> Report {
    let mut report = Report::new("access");
    report.labels("collections", &["KV", "Ordered", "FirstReply"]);
    report.labels("entries", &["all", "future", "blocking"]);
    report.labels("faults", &["returns Err", "panics", "hangs", "slow"]);
    report.labels(
        "reads",
        &["whole", "in part", "first_ok", "dropped mid-way"],
    );
    let alive = Arc::new(Alive::default());
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let rng = Rng::new(seed, "access", u64::from(task));
            tokio::spawn(rounds(ROUNDS_PER_TASK * scale, rng, Arc::clone(&alive)))
        })
        .collect();
    for task in tasks {
        match task.await {
            Ok(part) => report.merge(part),
            Err(e) => report.violation(format!("a task failed: {e}")),
        }
    }
    if tokio::time::timeout(LEAK, alive.none()).await.is_err() {
        report.violation(format!(
            "{} entries' work still exists {LEAK:?} after their collections were done: leaked",
            alive.left()
        ));
    }
    report.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Kv,
    Ordered,
    FirstReply,
}

/// How a collection is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// `KV::finish`, `Ordered::all`, `FirstReply` as a stream to its end.
    Whole,
    /// `KV::get` of one key then `finish`; a prefix of `Ordered`; `FirstReply::first`.
    Part,
    /// `FirstReply::first_ok` (the others read `Whole`).
    FirstOk,
    /// Dropped when a delay wins a `select!` against reading it whole.
    Dropped(Latency),
}

/// One collection: its shape, options, entries and how it is read.
struct Round {
    shape: Shape,
    limit: Option<NonZeroUsize>,
    timeout: Option<Duration>,
    read: Read,
    plans: Vec<Plan>,
}

impl Round {
    fn pick(rng: &mut Rng) -> Self {
        let shape = match rng.below(3) {
            0 => Shape::Kv,
            1 => Shape::Ordered,
            _ => Shape::FirstReply,
        };
        let limit = rng
            .chance(30)
            .then(|| NonZeroUsize::new(rng.index(4) + 1))
            .flatten();
        let timeout = rng
            .chance(40)
            .then(|| Duration::from_millis(rng.between(1, 3)));
        let read = match rng.below(100) {
            0..=14 => Read::Dropped(Latency::pick(rng)),
            15..=44 => Read::Part,
            45..=64 if shape == Shape::FirstReply => Read::FirstOk,
            _ => Read::Whole,
        };
        // Work that never ends is only for collections that stop waiting for it.
        let may_hang = timeout.is_some() || matches!(read, Read::Dropped(_));
        let entries = rng.between(1, MAX_ENTRIES);
        let plans = (0..entries)
            .map(|_| {
                let blocking = rng.chance(20);
                let kind = match rng.below(100) {
                    0..=9 => Kind::Err,
                    10..=17 => Kind::Panic,
                    18..=24 if may_hang && !blocking => Kind::Hang,
                    _ => Kind::Ok,
                };
                let latency = if rng.chance(60) {
                    Latency::pick(rng)
                } else {
                    Latency::None
                };
                Plan {
                    kind,
                    blocking,
                    latency,
                }
            })
            .collect();
        Self {
            shape,
            limit,
            timeout,
            read,
            plans,
        }
    }
}

async fn rounds(count: u64, mut rng: Rng, alive: Arc<Alive>) -> Report {
    let mut report = Report::new("access");
    for _ in 0..count {
        let round = Round::pick(&mut rng);
        let slots = Arc::new(Slots::new(round.plans.len() + 1));
        let mut found = Vec::new();
        match round.shape {
            Shape::Kv => kv(&round, &slots, &alive, &mut rng, &mut found).await,
            Shape::Ordered => ordered(&round, &slots, &alive, &mut rng, &mut found).await,
            Shape::FirstReply => first_reply(&round, &slots, &alive, &mut found).await,
        }
        let max = slots.max_active();
        if let Some(limit) = round.limit {
            if max > limit.get() {
                found.push(format!(
                    "{max} entries ran at once under a limit of {limit}"
                ));
            }
        }
        count_round(&round, &mut report);
        for why in found {
            report.violation(format!(
                "{:?} of {} entries (limit {:?}, timeout {:?}, read {:?}): {why}",
                round.shape,
                round.plans.len(),
                round.limit.map(NonZeroUsize::get),
                round.timeout,
                round.read
            ));
        }
    }
    report
}

async fn kv(
    round: &Round,
    slots: &Arc<Slots>,
    alive: &Arc<Alive>,
    rng: &mut Rng,
    found: &mut Vec<String>,
) {
    let mut kv = KV::new();
    if let Some(limit) = round.limit {
        kv = kv.with_limit(limit);
    }
    if let Some(timeout) = round.timeout {
        kv = kv.with_timeout(timeout);
    }
    for (pos, plan) in round.plans.iter().enumerate() {
        let put = if plan.blocking {
            kv.put_blocking(pos, blocking(slots, alive, pos, *plan))
        } else {
            kv.put(pos, work(slots, alive, pos, *plan))
        };
        if let Err(e) = put {
            found.push(format!("the first put of {pos} was refused: {e}"));
        }
    }
    // A key put twice: refused, and its work never starts.
    let twice = rng.index(round.plans.len());
    let extra = round.plans.len();
    match kv.put(twice, work(slots, alive, extra, round.plans[0])) {
        Err(DuplicateKey(key)) if key == twice => {}
        other => found.push(format!("a second put of {twice} gave {other:?}")),
    }
    let entries = match round.read {
        Read::Dropped(delay) => tokio::select! {
            finished = kv.finish() => finished.into_entries(),
            () = delay.wait() => return,
        },
        Read::Part => {
            let key = rng.index(round.plans.len());
            let early = kv.get(&key).await.cloned();
            let entries = kv.finish().await.into_entries();
            if early.as_ref() != entries.get(&key) {
                found.push(format!(
                    "get({key}) gave {early:?}, finish {:?}",
                    entries.get(&key)
                ));
            }
            entries
        }
        Read::Whole | Read::FirstOk => kv.finish().await.into_entries(),
    };
    let read: Vec<_> = entries.into_iter().collect();
    check_positions(round.plans.len(), read.iter().map(|(pos, _)| *pos), found);
    for (pos, entry) in &read {
        check_entry(
            *pos,
            entry,
            round.plans.get(*pos),
            slots,
            round.timeout,
            found,
        );
    }
    if slots.started(extra) != 0 {
        found.push("the work of a refused second put started".into());
    }
}

async fn ordered(
    round: &Round,
    slots: &Arc<Slots>,
    alive: &Arc<Alive>,
    rng: &mut Rng,
    found: &mut Vec<String>,
) {
    let mut ordered = Ordered::new();
    if let Some(limit) = round.limit {
        ordered = ordered.with_limit(limit);
    }
    if let Some(timeout) = round.timeout {
        ordered = ordered.with_timeout(timeout);
    }
    for (pos, plan) in round.plans.iter().enumerate() {
        if plan.blocking {
            ordered.push_blocking(blocking(slots, alive, pos, *plan));
        } else {
            ordered.push(work(slots, alive, pos, *plan));
        }
    }
    let entries = match round.read {
        Read::Dropped(delay) => tokio::select! {
            all = ordered.all() => all,
            () = delay.wait() => return,
        },
        Read::Part => {
            let take = rng.index(round.plans.len()) + 1;
            let part: Vec<_> = ordered.by_ref().take(take).collect().await;
            if part.len() != take {
                found.push(format!("a prefix of {take} had {} entries", part.len()));
            }
            part
        }
        Read::Whole | Read::FirstOk => {
            let all = ordered.all().await;
            if all.len() != round.plans.len() {
                found.push(format!("all() gave {} entries", all.len()));
            }
            all
        }
    };
    // In push order: the i-th entry out is the i-th pushed.
    for (pos, entry) in entries.iter().enumerate() {
        check_entry(
            pos,
            entry,
            round.plans.get(pos),
            slots,
            round.timeout,
            found,
        );
    }
}

async fn first_reply(
    round: &Round,
    slots: &Arc<Slots>,
    alive: &Arc<Alive>,
    found: &mut Vec<String>,
) {
    let mut replies = FirstReply::new();
    if let Some(limit) = round.limit {
        replies = replies.with_limit(limit);
    }
    if let Some(timeout) = round.timeout {
        replies = replies.with_timeout(timeout);
    }
    for (pos, plan) in round.plans.iter().enumerate() {
        let at = if plan.blocking {
            replies.push_blocking(blocking(slots, alive, pos, *plan))
        } else {
            replies.push(work(slots, alive, pos, *plan))
        };
        if at != pos {
            found.push(format!("push {pos} was given position {at}"));
        }
    }
    let (plans, timeout) = (&round.plans, round.timeout);
    match round.read {
        Read::Dropped(delay) => {
            let all = tokio::select! {
                all = replies.collect::<Vec<_>>() => all,
                () = delay.wait() => return,
            };
            check_positions(plans.len(), all.iter().map(|(pos, _)| *pos), found);
            for (pos, entry) in &all {
                check_entry(*pos, entry, plans.get(*pos), slots, timeout, found);
            }
        }
        Read::Whole => {
            let all: Vec<_> = replies.collect().await;
            check_positions(plans.len(), all.iter().map(|(pos, _)| *pos), found);
            for (pos, entry) in &all {
                check_entry(*pos, entry, plans.get(*pos), slots, timeout, found);
            }
        }
        Read::Part => match replies.first().await {
            Some((pos, entry)) => check_entry(pos, &entry, plans.get(pos), slots, timeout, found),
            None => found.push("first() gave nothing".into()),
        },
        Read::FirstOk => {
            let first = replies.first_ok().await;
            check_first_ok(&first, plans, slots, timeout, found);
        }
    }
}

fn count_round(round: &Round, report: &mut Report) {
    let shape = match round.shape {
        Shape::Kv => "KV",
        Shape::Ordered => "Ordered",
        Shape::FirstReply => "FirstReply",
    };
    report.count("collections", shape, 1);
    report.count("entries", "all", round.plans.len() as u64);
    for plan in &round.plans {
        report.count(
            "entries",
            if plan.blocking { "blocking" } else { "future" },
            1,
        );
        let fault = match plan.kind {
            Kind::Ok => None,
            Kind::Err => Some("returns Err"),
            Kind::Panic => Some("panics"),
            Kind::Hang => Some("hangs"),
        };
        if let Some(fault) = fault {
            report.count("faults", fault, 1);
        }
        if plan.latency != Latency::None {
            report.count("faults", "slow", 1);
        }
    }
    if round.limit.is_some() {
        report.count("options", "limit", 1);
    }
    if round.timeout.is_some() {
        report.count("options", "timeout", 1);
    }
    let read = match round.read {
        Read::Whole => "whole",
        Read::Part => "in part",
        Read::FirstOk => "first_ok",
        Read::Dropped(_) => "dropped mid-way",
    };
    report.count("reads", read, 1);
}
