//! Loom tests only: atomic-waker's `AtomicWaker` as loom's own, whose steps loom schedules,
//! under the names coact calls (`register`, `wake`).

use std::task::Waker;

pub(crate) struct AtomicWaker(loom::future::AtomicWaker);

impl AtomicWaker {
    pub(crate) fn new() -> Self {
        Self(loom::future::AtomicWaker::new())
    }

    pub(crate) fn register(&self, waker: &Waker) {
        self.0.register_by_ref(waker);
    }

    pub(crate) fn wake(&self) {
        self.0.wake();
    }
}
