//! [`Task`]: a coroutine running on a driver, awaited for what it returned, and
//! [`TaskError`], why it has no value.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::JoinHandle;

use super::op::TaskId;
use crate::panic::panic_message;

/// A coroutine running on a [`Driver`](super::Driver): a future of what it returned, or of why it
/// did not. Dropping it leaves the coroutine running.
pub struct Task<R> {
    pub(super) id: TaskId,
    /// `None` for a coroutine spawned after its driver began to shut down: it never ran.
    pub(super) handle: Option<JoinHandle<Result<R, TaskError>>>,
}

/// Why a coroutine has no value to give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The coroutine (or one of its operations) panicked, with this message.
    #[error("the coroutine panicked: {0}")]
    Panicked(String),
    /// The coroutine was stopped before its end: its driver's shutdown grace period ran
    /// out, [`Task::abort`] was called, or it was spawned after the shutdown began.
    #[error("the coroutine was stopped before its end")]
    Aborted,
    /// [`Op::Join`](super::Op::Join) of a task this coroutine did not spawn, or already joined.
    #[error("not a task this coroutine spawned, or one it already joined")]
    NotJoinable,
}

/// How a task ended, as its [`Task`] and [`Outcome::Joined`](super::Outcome::Joined) give it.
pub(super) fn ended<R>(
    joined: Result<Result<R, TaskError>, tokio::task::JoinError>,
) -> Result<R, TaskError> {
    match joined {
        Ok(result) => result,
        Err(error) if error.is_panic() => {
            Err(TaskError::Panicked(panic_message(error.into_panic())))
        }
        Err(_cancelled) => Err(TaskError::Aborted),
    }
}

impl<R> Task<R> {
    /// The task's id.
    #[must_use]
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the coroutine has ended.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stops the coroutine at its next operation (it is dropped, closing its
    /// connections); the task then ends with [`TaskError::Aborted`].
    pub fn abort(&self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

impl<R> Future for Task<R> {
    type Output = Result<R, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(handle) = &mut self.get_mut().handle else {
            return Poll::Ready(Err(TaskError::Aborted));
        };
        Pin::new(handle).poll(cx).map(ended)
    }
}

impl<R> fmt::Debug for Task<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
