//! The synchronisation coact's own protocols go through, named once here so that loom can
//! stand in for it: a sync call's reply channel and the claim a timed call's caller and
//! owner race for (`handler/{generated,call,handoff}.rs`).
//!
//! In every build but the loom tests (`--cfg loom` together with `cfg(test)`), each name
//! is a plain re-export of std's or tokio's own type: production runs exactly those, with
//! no wrapper and no cost. In the loom tests std's types become loom's, and tokio's
//! `oneshot`, whose insides loom cannot see, becomes the small double in `oneshot.rs`,
//! written to the contract coact relies on.
//!
//! Only `all(test, loom)`, as tokio does it: a crate built with `--cfg loom` as somebody's
//! dependency (the facade, in the loom build) has no loom to use and runs std's types.

#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::{atomic::AtomicU8, Arc};

#[cfg(not(all(test, loom)))]
pub(crate) use tokio::sync::oneshot;

#[cfg(all(test, loom))]
pub(crate) use loom::sync::{atomic::AtomicU8, Arc};

#[cfg(all(test, loom))]
pub(crate) mod oneshot;

/// Runs a loom model with a preemption bound that keeps the whole suite to minutes on two
/// cores, unless `LOOM_MAX_PREEMPTIONS` asks for another.
#[cfg(all(test, loom))]
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}
