//! The owners: how each serves (forever, or in rounds under its round lock) and how it
//! fails (a `process()` future dropped mid-call, the owner dropped mid-stream).

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use coact::prelude::*;
use tokio::sync::{Mutex, Notify};

use super::check::OwnerEnd;
use super::worker::{Worker, WorkerMethod};
use crate::rng::Rng;

/// How one owner serves, and how it fails.
#[derive(Debug, Clone, Copy)]
pub struct OwnerPlan {
    /// `process()` in rounds under the round lock (else `process_forever`).
    pub rounds: bool,
    pub bounded: Option<NonZeroUsize>,
    /// In percent of rounds: `process()` dropped after a millisecond, perhaps mid-call.
    pub drop_process: u64,
    /// In percent of rounds: `process_only` the async method.
    pub whitelist: u64,
    /// Dropped (mid-stream) once it has started this many calls.
    pub drop_after: Option<u64>,
}

impl OwnerPlan {
    /// Owner `i`'s part: the first seven cover every way of serving and failing, the rest
    /// are drawn at random.
    pub fn pick(i: usize, expected_calls: u64, rng: &mut Rng) -> Self {
        let mut plan = Self {
            rounds: false,
            bounded: None,
            drop_process: 0,
            whitelist: 0,
            drop_after: None,
        };
        let role = if i < 7 { i } else { rng.index(7) };
        let capacity = NonZeroUsize::new(rng.index(8) + 1);
        let doom = Some(rng.between(expected_calls / 10, expected_calls / 2).max(1));
        match role {
            0 => {}
            1 => plan.bounded = capacity,
            2 => {
                plan.rounds = true;
                plan.whitelist = 20;
            }
            3 => {
                plan.rounds = true;
                plan.bounded = capacity;
                plan.whitelist = 20;
                plan.drop_process = 10;
            }
            4 => {
                plan.rounds = true;
                plan.drop_process = 15;
            }
            5 => {
                plan.rounds = true;
                plan.drop_after = doom;
            }
            _ => plan.drop_after = doom,
        }
        plan
    }
}

/// The owner's loop; returns how it ended.
pub async fn serve(
    mut owner: Deferred<Worker>,
    plan: OwnerPlan,
    lock: Option<Arc<Mutex<()>>>,
    doom: Arc<Notify>,
    mut rng: Rng,
) -> OwnerEnd {
    let mut end = OwnerEnd {
        bounded: plan.bounded.is_some(),
        dropped: false,
        process_drops: 0,
        stops: 0,
    };
    let Some(lock) = lock else {
        // Serve until the handles are gone, again after each stop a caller asks for.
        let mut stops = 0;
        let forever = async {
            while owner.process_forever().await.reason == StopReason::StopRequested {
                stops += 1;
            }
        };
        if plan.drop_after.is_some() {
            tokio::select! {
                () = forever => {}
                () = doom.notified() => end.dropped = true,
            }
        } else {
            forever.await;
        }
        end.stops = stops;
        return end;
    };
    let mut idle = 0_u32;
    loop {
        if owner.handle_count() == 0 && owner.pending() == 0 {
            return end;
        }
        if plan.drop_after.is_some_and(|at| owner.served >= at) {
            end.dropped = true;
            return end;
        }
        let round = lock.lock().await;
        let ran = if rng.chance(plan.drop_process) {
            tokio::select! {
                ran = owner.process() => ran,
                () = tokio::time::sleep(Duration::from_millis(1)) => {
                    end.process_drops += 1;
                    1
                }
            }
        } else if rng.chance(plan.whitelist) {
            owner.process_only(&[WorkerMethod::WorkAsync]).await
        } else {
            owner.process().await
        };
        drop(round);
        // Pacing while idle, not synchronisation: the check does not depend on it.
        if ran == 0 {
            idle += 1;
            if idle > 16 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            } else {
                tokio::task::yield_now().await;
            }
        } else {
            idle = 0;
        }
    }
}
