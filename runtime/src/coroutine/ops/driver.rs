//! [`Driver`]: runs protocol coroutines as tokio tasks, performing the operations they
//! yield, each under its timeout, and shuts them down gracefully.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use atomic_waker::AtomicWaker;
use tokio::sync::Notify;
use tokio::task::{AbortHandle, JoinHandle};

use super::op::{Op, Operation, Outcome, Protocol, TaskId};
use super::task::{ended, Task, TaskError};
use crate::coroutine::GenState;
use crate::panic::{catch_unwind, panic_message};

/// Runs protocol coroutines on tokio: each is a task of its own, whose operations the
/// driver performs on real sockets (or scripted ones, under a
/// [`Simulation`](super::Simulation)), resuming it with each [`Outcome`].
///
/// - An operation with a [`timeout`](Op::timeout) that passes resumes the coroutine with
///   [`Outcome::TimedOut`]: the coroutine decides what to do (say goodbye, retry).
/// - A coroutine that panics ends alone: its connections close, the panic is logged
///   with `tracing` and its [`Task`] ends with [`TaskError::Panicked`]; every other
///   coroutine goes on.
/// - [`shutdown`](Self::shutdown) ends every wait with [`Outcome::ShuttingDown`], lets
///   the coroutines finish within a grace period, then stops the rest.
///
/// Clones share the same tasks. Spawn on a tokio runtime.
///
/// ```
/// use std::time::Duration;
/// use coact::coroutine::Gen;
/// use coact::coroutine::ops::{Conn, Driver, Listener, Op, Outcome};
///
/// /// Greets each client, then hangs up.
/// #[coact::coroutine]
/// fn greeter(listener: Listener) -> Gen<Op, Resume = Outcome> {
///     while let Outcome::Accepted(conn) = yield_!(listener.accept()) {
///         yield_!(Op::spawn(greet(conn)));
///     }
/// }
///
/// #[coact::coroutine]
/// fn greet(conn: Conn) -> Gen<Op, Resume = Outcome> {
///     yield_!(conn.write("hello\r\n").timeout(Duration::from_secs(5)));
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use tokio::io::AsyncReadExt as _;
///
/// let driver = Driver::new();
/// let listener = Listener::bind_tcp("127.0.0.1:0").await?;
/// let address = listener.local_addr()?;
/// let server = driver.spawn(greeter(listener));
///
/// let mut said = String::new();
/// tokio::net::TcpStream::connect(address).await?.read_to_string(&mut said).await?;
/// assert_eq!(said, "hello\r\n");
///
/// let report = driver.shutdown(Duration::from_secs(1)).await;
/// assert_eq!(report.aborted, 0); // the accept loop ended at `ShuttingDown`
/// assert!(server.await.is_ok());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Driver {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// A shutdown was asked for: waits end with `ShuttingDown`.
    stopping: AtomicBool,
    /// The tasks running: how to wake each one's wait in progress when the shutdown
    /// starts, and to stop those still running when the grace period ends.
    tasks: Mutex<HashMap<TaskId, Running>>,
    /// Wakes a shutdown when the last task has ended.
    idle: Notify,
    /// A simulation's log of operations: `Mutex<Vec<(TaskId, Op<X>)>>` for its `X`.
    log: Option<Arc<dyn Any + Send + Sync>>,
}

/// A running task, as its driver keeps it.
struct Running {
    abort: AbortHandle,
    /// The waker of the task's wait in progress, woken when the shutdown starts. A waker
    /// per task, registered only when a wait is pending: cheaper than registering each wait
    /// with a `Notify` the driver shares (a lock and a list insertion, twice per wait).
    stop: Arc<AtomicWaker>,
}

/// What a coroutine's operations run with: its driver, the log it records to, and the
/// waker slot a shutdown wakes.
struct Ctx<X: Operation> {
    driver: Driver,
    log: Option<Arc<Log<X>>>,
    stop: Arc<AtomicWaker>,
}

pub(super) type Log<X> = Mutex<Vec<(TaskId, Op<X>)>>;

/// What [`Driver::shutdown`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shutdown {
    /// Coroutines that ended by themselves within the grace period.
    pub finished: usize,
    /// Coroutines stopped when it ran out (their connections closed).
    pub aborted: usize,
}

impl Driver {
    /// A driver with no coroutines yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A driver that records every operation its coroutines yield in `log`.
    pub(super) fn recording<X: Operation>(log: Arc<Log<X>>) -> Self {
        Self {
            shared: Arc::new(Shared {
                log: Some(log),
                ..Shared::default()
            }),
        }
    }

    /// Starts `coroutine` as a task of its own.
    ///
    /// Once [`shutdown`](Self::shutdown) has begun, the coroutine is not started: its task
    /// ends with [`TaskError::Aborted`].
    pub fn spawn<X: Operation, P: Protocol<X>>(&self, coroutine: P) -> Task<P::Return> {
        self.spawn_as(TaskId::next(), coroutine)
    }

    fn spawn_as<X: Operation, P: Protocol<X>>(&self, id: TaskId, coroutine: P) -> Task<P::Return> {
        let log = self
            .shared
            .log
            .clone()
            .and_then(|log| log.downcast::<Log<X>>().ok());
        let stop = Arc::new(AtomicWaker::new());
        let ctx = Ctx {
            driver: self.clone(),
            log,
            stop: Arc::clone(&stop),
        };
        // The lock is held across the spawn, so that the task cannot leave the map before
        // it is in it, and a shutdown sees either this task or the refusal.
        let mut tasks = self.shared.tasks();
        if self.shared.stopping.load(Ordering::Acquire) {
            return Task { id, handle: None };
        }
        // Moved into the task, so that it is dropped even if the task never runs.
        let live = Live {
            shared: Arc::clone(&self.shared),
            id,
        };
        let handle = tokio::spawn(async move {
            let _live = live;
            run(id, coroutine, ctx).await
        });
        tasks.insert(
            id,
            Running {
                abort: handle.abort_handle(),
                stop,
            },
        );
        Task {
            id,
            handle: Some(handle),
        }
    }

    /// How many coroutines are running.
    #[must_use]
    pub fn running(&self) -> usize {
        self.shared.tasks().len()
    }

    /// Shuts down gracefully: every wait in progress or to come ends with
    /// [`Outcome::ShuttingDown`] (a write still goes through, so a coroutine can say
    /// goodbye), no new coroutine starts, and the coroutines get `grace` to end by
    /// themselves; those still running then are stopped (dropped, closing their
    /// connections). Returns when every coroutine has ended.
    pub async fn shutdown(&self, grace: Duration) -> Shutdown {
        let shared = &self.shared;
        // Set under the lock that spawns take: the coroutines counted are exactly those
        // the shutdown finds (one may end at once on another thread, none can start).
        let running = {
            let tasks = shared.tasks();
            shared.stopping.store(true, Ordering::Release);
            for task in tasks.values() {
                task.stop.wake();
            }
            tasks.len()
        };
        let aborted = if tokio::time::timeout(grace, self.idle()).await.is_ok() {
            0
        } else {
            let tasks = shared.tasks();
            for task in tasks.values() {
                task.abort.abort();
            }
            tasks.len()
        };
        self.idle().await;
        Shutdown {
            finished: running.saturating_sub(aborted),
            aborted,
        }
    }

    /// Waits until no coroutine runs (once stopping: only then are ends announced).
    async fn idle(&self) {
        loop {
            let mut ended = pin!(self.shared.idle.notified());
            ended.as_mut().enable();
            if self.shared.tasks().is_empty() {
                return;
            }
            ended.await;
        }
    }
}

impl Shared {
    fn tasks(&self) -> std::sync::MutexGuard<'_, HashMap<TaskId, Running>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("running", &self.running())
            .field(
                "shutting_down",
                &self.shared.stopping.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

/// A running task's place in its driver's map, given up when the task ends.
struct Live {
    shared: Arc<Shared>,
    id: TaskId,
}

impl Drop for Live {
    fn drop(&mut self) {
        let mut tasks = self.shared.tasks();
        tasks.remove(&self.id);
        if tasks.is_empty() && self.shared.stopping.load(Ordering::Acquire) {
            drop(tasks);
            self.shared.idle.notify_waiters();
        }
    }
}

/// Runs a coroutine to its end, turning a panic (of its body or of an operation) into
/// its task's error.
async fn run<X: Operation, P: Protocol<X>>(
    id: TaskId,
    mut coroutine: P,
    ctx: Ctx<X>,
) -> Result<P::Return, TaskError> {
    match catch_unwind(drive(id, &mut coroutine, &ctx)).await {
        Ok(returned) => Ok(returned),
        Err(payload) => {
            let message = panic_message(payload);
            tracing::error!(task = %id, panic = %message, "coroutine panicked");
            Err(TaskError::Panicked(message))
        }
    }
}

async fn drive<X: Operation, P: Protocol<X>>(
    id: TaskId,
    coroutine: &mut P,
    ctx: &Ctx<X>,
) -> P::Return {
    let mut children = Children::default();
    let mut outcome = None;
    loop {
        match coroutine.step(outcome.take()) {
            GenState::Complete(returned) => return returned,
            GenState::Yielded(mut op) => {
                outcome = Some(ctx.perform(&mut op, &mut children).await);
                if let Some(log) = &ctx.log {
                    log.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((id, op));
                }
            }
        }
    }
}

/// How a bounded wait ended.
enum Waited<T> {
    Done(T),
    TimedOut,
    ShuttingDown,
}

impl<X: Operation> Ctx<X> {
    async fn perform(&self, op: &mut Op<X>, children: &mut Children) -> Outcome<X> {
        let limit = op.limit();
        let waited = match op {
            Op::Accept { listener, .. } => self.wait(limit, listener.accept_now()).await,
            Op::ReadLine { conn, max, .. } => match conn.io() {
                Ok(mut io) => {
                    let max = *max;
                    let line = std::future::poll_fn(|cx| io.poll_read_line(cx, max));
                    self.wait(limit, line).await
                }
                Err(error) => return Outcome::Failed(error),
            },
            Op::Read { conn, max, .. } => match conn.io() {
                Ok(mut io) => {
                    let max = *max;
                    self.wait(limit, std::future::poll_fn(|cx| io.poll_read(cx, max)))
                        .await
                }
                Err(error) => return Outcome::Failed(error),
            },
            // Not ended by a shutdown: the goodbye a coroutine writes then goes out.
            Op::Write { conn, bytes, .. } => match conn.io() {
                Ok(mut io) => match limit {
                    None => Waited::Done(io.write(bytes).await),
                    Some(limit) => tokio::time::timeout(limit, io.write(bytes))
                        .await
                        .map_or(Waited::TimedOut, Waited::Done),
                },
                Err(error) => return Outcome::Failed(error),
            },
            Op::Sleep(duration) => {
                let sleep = tokio::time::sleep(*duration);
                self.wait(None, async {
                    sleep.await;
                    Outcome::Slept
                })
                .await
            }
            Op::Spawn(coroutine) => {
                let Some(body) = coroutine.body.take() else {
                    return Outcome::Failed(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "this coroutine was spawned already",
                    ));
                };
                let task = self.driver.spawn_as(coroutine.id, body);
                return match task.handle {
                    Some(handle) => {
                        children.insert(coroutine.id, handle);
                        Outcome::Spawned(coroutine.id)
                    }
                    None => Outcome::ShuttingDown,
                };
            }
            Op::Join { task, .. } => {
                let task = *task;
                let Some(mut handle) = children.remove(task) else {
                    return Outcome::Joined(Err(TaskError::NotJoinable));
                };
                match self.wait(limit, &mut handle).await {
                    Waited::Done(joined) => Waited::Done(Outcome::Joined(ended(joined))),
                    other => {
                        children.insert(task, handle);
                        match other {
                            Waited::TimedOut => Waited::TimedOut,
                            _ => Waited::ShuttingDown,
                        }
                    }
                }
            }
            Op::Custom { op, .. } => {
                self.wait(limit, async { Outcome::Custom(op.perform().await) })
                    .await
            }
        };
        match waited {
            Waited::Done(outcome) => outcome,
            Waited::TimedOut => Outcome::TimedOut,
            Waited::ShuttingDown => Outcome::ShuttingDown,
        }
    }

    /// Awaits `future` within `limit`, unless the driver shuts down first.
    async fn wait<F: Future>(&self, limit: Option<Duration>, future: F) -> Waited<F::Output> {
        let shared = &*self.driver.shared;
        if shared.stopping.load(Ordering::Acquire) {
            // A coroutine that keeps waiting after it was told to stop gets every answer
            // at once: spending the task's budget here lets the runtime (and the end of
            // the grace period) reach it all the same.
            tokio::task::consume_budget().await;
            return Waited::ShuttingDown;
        }
        Bounded {
            future,
            deadline: limit.map(tokio::time::sleep),
            shared,
            stop: &self.stop,
        }
        .await
    }
}

pin_project_lite::pin_project! {
    /// A wait bounded by its timeout and by the driver's shutdown, in one future (no layer
    /// per bound). The shutdown's wake-up is registered only when the future has to wait;
    /// the timer is armed only when the operation has a timeout.
    struct Bounded<'a, F> {
        #[pin]
        future: F,
        #[pin]
        deadline: Option<tokio::time::Sleep>,
        shared: &'a Shared,
        stop: &'a AtomicWaker,
    }
}

impl<F: Future> Future for Bounded<'_, F> {
    type Output = Waited<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Waited::Done(output));
        }
        if let Some(deadline) = this.deadline.as_pin_mut() {
            if deadline.poll(cx).is_ready() {
                return Poll::Ready(Waited::TimedOut);
            }
        }
        // Registered before the flag is read: a shutdown after the read wakes this.
        this.stop.register(cx.waker());
        if this.shared.stopping.load(Ordering::Acquire) {
            return Poll::Ready(Waited::ShuttingDown);
        }
        Poll::Pending
    }
}

/// The tasks a coroutine spawned and has not joined. Finished ones are dropped from time
/// to time, so that an accept loop that never joins keeps a bounded map.
#[derive(Default)]
struct Children {
    tasks: HashMap<TaskId, JoinHandle<Result<(), TaskError>>>,
    /// The size at which finished tasks are next swept out.
    sweep_at: usize,
}

impl Children {
    fn insert(&mut self, id: TaskId, handle: JoinHandle<Result<(), TaskError>>) {
        if self.tasks.len() >= self.sweep_at {
            self.tasks.retain(|_, task| !task.is_finished());
            self.sweep_at = (self.tasks.len() * 2).max(64);
        }
        self.tasks.insert(id, handle);
    }

    fn remove(&mut self, id: TaskId) -> Option<JoinHandle<Result<(), TaskError>>> {
        self.tasks.remove(&id)
    }
}
