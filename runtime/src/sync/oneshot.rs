//! Loom tests only: a stand-in for `tokio::sync::oneshot`, reduced to what a sync call's
//! reply uses (`channel`, `Sender::{send, is_closed}`, the `Receiver` as a future and its
//! `try_recv`, and dropping either end).
//!
//! tokio's channel works on atomics loom cannot see; loom would take each of its
//! operations for a step that touches nothing the other thread touches, and so never
//! try them in another order. This one keeps tokio's documented contract behind a loom
//! mutex, so loom sees every operation and orders them every way: `send` fails once the
//! receiver is gone, `is_closed` is true from the receiver's drop on, the receiver gets
//! the value, or an error once the sender is gone without sending, and is woken for
//! either.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::sync::{Arc, Mutex};

pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Mutex::new(State {
        value: None,
        sender_gone: false,
        receiver_gone: false,
        waker: None,
    }));
    (Sender(Arc::clone(&shared)), Receiver(shared))
}

struct State<T> {
    value: Option<T>,
    sender_gone: bool,
    receiver_gone: bool,
    waker: Option<Waker>,
}

pub(crate) struct Sender<T>(Arc<Mutex<State<T>>>);

pub(crate) struct Receiver<T>(Arc<Mutex<State<T>>>);

/// The sender went away without sending.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RecvError;

/// Nothing to receive: not sent yet, or never will be.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TryRecvError {
    Empty,
    Closed,
}

impl<T> Sender<T> {
    pub(crate) fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut state = self.0.lock().unwrap();
            if state.receiver_gone {
                return Err(value);
            }
            state.value = Some(value);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.0.lock().unwrap().receiver_gone
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.sender_gone = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = self.0.lock().unwrap();
        match state.value.take() {
            Some(value) => Ok(value),
            None if state.sender_gone => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.0.lock().unwrap();
        if let Some(value) = state.value.take() {
            return Poll::Ready(Ok(value));
        }
        if state.sender_gone {
            return Poll::Ready(Err(RecvError));
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.0.lock().unwrap().receiver_gone = true;
    }
}
