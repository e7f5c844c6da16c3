//! Loom tests only: a stand-in for `tokio::sync::Notify`, which loom cannot schedule
//! inside, reduced to what coact uses (`notified`, `Notified::enable`, `notify_waiters`).
//!
//! It keeps tokio's documented contract for `notify_waiters`, made a little stricter so
//! that a protocol checked against it holds against tokio's as well: `notify_waiters`
//! completes every `Notified` already *registered*, stores no permit, and leaves later
//! ones waiting. tokio counts a `Notified` as registered from `notified()` on; this double
//! only from `enable()` or its first poll, so a protocol that forgot to enable before
//! looking at its condition loses the wake-up here.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::sync::Mutex;

pub(crate) struct Notify {
    state: Mutex<State>,
}

struct State {
    /// How many `notify_waiters` calls there have been.
    generation: u64,
    wakers: Vec<Waker>,
}

impl Notify {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State {
                generation: 0,
                wakers: Vec::new(),
            }),
        }
    }

    pub(crate) fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            registered: None,
        }
    }

    pub(crate) fn notify_waiters(&self) {
        let wakers = {
            let mut state = self.state.lock().unwrap();
            state.generation += 1;
            std::mem::take(&mut state.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
    }
}

pub(crate) struct Notified<'a> {
    notify: &'a Notify,
    /// The generation it registered in: a later one means it was notified.
    registered: Option<u64>,
}

impl Notified<'_> {
    /// Registers for the next `notify_waiters`; `true` if already notified.
    pub(crate) fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        let generation = this.notify.state.lock().unwrap().generation;
        match this.registered {
            None => {
                this.registered = Some(generation);
                false
            }
            Some(registered) => generation != registered,
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut state = this.notify.state.lock().unwrap();
        match this.registered {
            Some(registered) if state.generation != registered => Poll::Ready(()),
            _ => {
                this.registered.get_or_insert(state.generation);
                state.wakers.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
