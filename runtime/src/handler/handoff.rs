//! The hand-off of a timed sync call between its caller and the owner: one claim, which
//! the owner takes to run the call (`start`, in `Reply::start`) and the caller takes to
//! withdraw it (`withdraw`, when its timeout fires or it drops its future), whichever
//! comes first. So a call that timed out before it started never runs, and a caller that
//! timed out can tell whether it had started.
//!
//! An untimed call needs no claim: its caller withdraws by dropping the reply receiver,
//! which the owner sees as a closed sender. Both are checked under loom in `loom.rs`.

use std::sync::atomic::Ordering;

use crate::sync::{Arc, AtomicU8};

const PENDING: u8 = 0;
const STARTED: u8 = 1;
const WITHDRAWN: u8 = 2;

/// A timed call's claim, shared by its caller and the `Reply` that travels with the call.
///
/// Its methods are `#[inline]`: they are called from generic code that is compiled in the
/// user's crate, where the compare-exchange used to be written out in place.
#[derive(Clone)]
pub(super) struct Claim(Arc<AtomicU8>);

impl Claim {
    #[inline]
    pub(super) fn new() -> Self {
        Self(Arc::new(AtomicU8::new(PENDING)))
    }

    /// The owner claims the call for running; `false` if its caller withdrew it first.
    #[inline]
    pub(super) fn start(&self) -> bool {
        self.0
            .compare_exchange(PENDING, STARTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The caller withdraws the call unless the owner has claimed it; `true` if it had
    /// started (and so runs, or ran, to its end).
    #[inline]
    pub(super) fn withdraw(&self) -> bool {
        self.0
            .compare_exchange(PENDING, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    }
}
