//! The lookups (with the faults of their callers) and the janitor that forgets keys.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coact::identity::{LoadError, Shared};

use super::check::{Forget, Get, Got};
use super::load::{loader, lock, Item, Items, LoadFailure, Log, Plan};
use super::{Phase, GETS_PER_ROUND, KEYS};
use crate::report::{stamp, Latency, INJECTED};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy)]
enum Cancel {
    No,
    Select(Latency),
    Abort(Latency),
}

pub async fn caller(
    cache: Items,
    log: Arc<Log>,
    phase: Phase,
    task: u32,
    mut rng: Rng,
) -> Vec<Get> {
    let (keys, gets) = (phase.keys, GETS_PER_ROUND);
    let mut made = Vec::with_capacity(usize::try_from(gets).unwrap_or(0));
    // Handles kept a while, so that weak entries live a little.
    let mut held: Vec<Shared<Item>> = Vec::new();
    for _ in 0..gets {
        // Half the lookups on four hot keys.
        let space = if rng.chance(50) { keys.min(4) } else { keys };
        let key = u32::try_from(rng.below(u64::from(space))).unwrap_or(0);
        let (plan, cancel) = if phase.faults {
            let plan = Plan::pick(&mut rng, key);
            let cancel = match rng.below(100) {
                0..=7 => Cancel::Select(Latency::pick(&mut rng)),
                8..=10 => Cancel::Abort(Latency::pick(&mut rng)),
                _ => Cancel::No,
            };
            (plan, cancel)
        } else {
            (Plan::clean(key), Cancel::No)
        };
        let begin = stamp();
        let load = loader(Arc::clone(&log), key, begin, plan);
        let result = match cancel {
            Cancel::No => Some(cache.get_or_load(key, load).await),
            Cancel::Select(delay) => tokio::select! {
                result = cache.get_or_load(key, load) => Some(result),
                () = delay.wait() => None,
            },
            Cancel::Abort(delay) => {
                let cache = cache.clone();
                let lookup = tokio::spawn(async move { cache.get_or_load(key, load).await });
                delay.wait().await;
                lookup.abort();
                match lookup.await {
                    Ok(result) => Some(result),
                    Err(e) if e.is_cancelled() => None,
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                }
            }
        };
        let end = stamp();
        let got = match result {
            Some(Ok(item)) => {
                let got = got(Ok(item.clone()));
                if rng.chance(30) {
                    held.push(item);
                }
                got
            }
            Some(result) => got(result),
            None => Got::Cancelled,
        };
        if held.len() > 4 || rng.chance(20) {
            held.clear();
        }
        made.push(Get {
            task,
            key,
            begin,
            end,
            got,
        });
        if rng.chance(10) {
            tokio::task::yield_now().await;
        }
    }
    made
}

pub fn got(result: Result<Shared<Item>, LoadError<LoadFailure>>) -> Got {
    match result {
        Ok(item) => {
            let value = item.read();
            Got::Item {
                serial: value.serial,
                key: value.key,
                at: std::sync::Arc::as_ptr(item.as_arc()) as usize,
            }
        }
        Err(LoadError::NotFound) => Got::NotFound,
        Err(LoadError::Failed(failure)) => Got::Failed {
            serial: failure.serial,
        },
        Err(LoadError::Panicked { message }) => Got::Panicked {
            serial: message
                .strip_prefix(&format!("{INJECTED} panic in loader "))
                .and_then(|serial| serial.parse().ok()),
        },
        Err(_) => Got::Unexpected,
    }
}

/// Forgets keys and clears the map at random moments until told to stop.
pub async fn janitor(cache: Items, log: Arc<Log>, stop: Arc<AtomicBool>, mut rng: Rng) {
    while !stop.load(Ordering::SeqCst) {
        Latency::pick(&mut rng).wait().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        let key = if rng.chance(10) {
            None
        } else {
            Some(u32::try_from(rng.below(u64::from(KEYS))).unwrap_or(0))
        };
        let begin = stamp();
        match key {
            Some(key) => {
                cache.forget(&key).await;
            }
            None => cache.clear().await,
        }
        lock(&log.forgets).push(Forget {
            key,
            begin,
            end: stamp(),
        });
    }
}
