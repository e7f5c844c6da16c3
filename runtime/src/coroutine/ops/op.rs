//! What a protocol coroutine yields ([`Op`]) and what it is resumed with ([`Outcome`]),
//! the trait of user-defined operations ([`Operation`]) and the coroutines a driver runs
//! ([`Protocol`], [`Coroutine`]).

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::conn::{Conn, ConnRef};
use super::listener::Listener;
use super::task::TaskError;
use crate::coroutine::{Gen, GenState, Slotted, SyncBody};

/// An operation a protocol coroutine yields, for its driver to perform; the coroutine is
/// resumed with its [`Outcome`].
///
/// Build them with the methods of the value they act on ([`Listener::accept`],
/// [`ConnRef::read_line`], [`ConnRef::write`], …) or of `Op` ([`Op::sleep`],
/// [`Op::spawn`], …), and bound the wait of any with [`timeout`](Op::timeout).
///
/// Two operations are equal when they are the same operation on the same connection,
/// listener or task, with the same bytes and limits: what a test compares when it checks
/// the operations a coroutine yielded under a [`Simulation`](super::Simulation).
#[non_exhaustive]
pub enum Op<X: Operation = NoOperation> {
    /// Wait for the next connection: [`Outcome::Accepted`].
    Accept {
        /// The listener to accept on.
        listener: Listener,
        /// The longest wait: [`Outcome::TimedOut`] after it.
        timeout: Option<Duration>,
    },
    /// Read one line, up to and including its `\n`: [`Outcome::Line`], or
    /// [`Outcome::TooLong`] once `max` bytes came without a `\n`.
    ReadLine {
        /// The connection to read from.
        conn: ConnRef,
        /// The longest line, `\n` included: what the connection buffers at most.
        max: usize,
        /// The longest wait: [`Outcome::TimedOut`] after it.
        timeout: Option<Duration>,
    },
    /// Read what has arrived, at most `max` bytes, waiting if nothing has:
    /// [`Outcome::Data`].
    Read {
        /// The connection to read from.
        conn: ConnRef,
        /// The most bytes to return.
        max: usize,
        /// The longest wait: [`Outcome::TimedOut`] after it.
        timeout: Option<Duration>,
    },
    /// Send every one of these bytes: [`Outcome::Written`].
    Write {
        /// The connection to write to.
        conn: ConnRef,
        /// What to send.
        bytes: Vec<u8>,
        /// The longest wait (a peer that does not read): [`Outcome::TimedOut`] after it,
        /// with part of the bytes possibly sent.
        timeout: Option<Duration>,
    },
    /// Wait this long: [`Outcome::Slept`].
    Sleep(Duration),
    /// Start another coroutine on the same driver, as a task of its own:
    /// [`Outcome::Spawned`], at once.
    Spawn(Coroutine<X>),
    /// Wait for a coroutine this one spawned to end: [`Outcome::Joined`].
    Join {
        /// The task, as [`Outcome::Spawned`] or [`Coroutine::id`] named it.
        task: TaskId,
        /// The longest wait: [`Outcome::TimedOut`] after it (the task goes on, and can
        /// be joined again).
        timeout: Option<Duration>,
    },
    /// An operation of the program's own: [`Outcome::Custom`] with its output.
    Custom {
        /// The operation, performed by the driver ([`Operation::perform`]).
        op: X,
        /// The longest wait: [`Outcome::TimedOut`] after it.
        timeout: Option<Duration>,
    },
}

impl<X: Operation> Op<X> {
    /// Wait `duration`: [`Outcome::Slept`].
    #[must_use]
    pub fn sleep(duration: Duration) -> Self {
        Self::Sleep(duration)
    }

    /// Start `coroutine` as a task of its own on the driver that runs this one.
    #[must_use]
    pub fn spawn(coroutine: impl Protocol<X, Return = ()>) -> Self {
        Self::Spawn(Coroutine::new(coroutine))
    }

    /// Wait for `task`, which this coroutine spawned, to end.
    #[must_use]
    pub fn join(task: TaskId) -> Self {
        Self::Join {
            task,
            timeout: None,
        }
    }

    /// Perform `op`, an operation of the program's own.
    #[must_use]
    pub fn custom(op: X) -> Self {
        Self::Custom { op, timeout: None }
    }

    /// Bounds the wait: if the operation has not completed `limit` after the driver
    /// started it, the coroutine is resumed with [`Outcome::TimedOut`] instead, free to
    /// say goodbye before it ends.
    ///
    /// A read that timed out loses nothing: what arrived stays buffered for the next read.
    /// [`Op::Sleep`] and [`Op::Spawn`] do not wait on anything outside the coroutine and
    /// are returned unchanged.
    #[must_use]
    pub fn timeout(mut self, limit: Duration) -> Self {
        match &mut self {
            Self::Accept { timeout, .. }
            | Self::ReadLine { timeout, .. }
            | Self::Read { timeout, .. }
            | Self::Write { timeout, .. }
            | Self::Join { timeout, .. }
            | Self::Custom { timeout, .. } => *timeout = Some(limit),
            Self::Sleep(_) | Self::Spawn(_) => {}
        }
        self
    }

    /// The operation's timeout, if it has one.
    pub(super) fn limit(&self) -> Option<Duration> {
        match self {
            Self::Accept { timeout, .. }
            | Self::ReadLine { timeout, .. }
            | Self::Read { timeout, .. }
            | Self::Write { timeout, .. }
            | Self::Join { timeout, .. }
            | Self::Custom { timeout, .. } => *timeout,
            Self::Sleep(_) | Self::Spawn(_) => None,
        }
    }
}

impl<X: Operation + PartialEq> PartialEq for Op<X> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Self::Accept { listener, timeout },
                Self::Accept {
                    listener: l,
                    timeout: t,
                },
            ) => listener == l && timeout == t,
            (
                Self::ReadLine { conn, max, timeout },
                Self::ReadLine {
                    conn: c,
                    max: m,
                    timeout: t,
                },
            )
            | (
                Self::Read { conn, max, timeout },
                Self::Read {
                    conn: c,
                    max: m,
                    timeout: t,
                },
            ) => conn == c && max == m && timeout == t,
            (
                Self::Write {
                    conn,
                    bytes,
                    timeout,
                },
                Self::Write {
                    conn: c,
                    bytes: b,
                    timeout: t,
                },
            ) => conn == c && bytes == b && timeout == t,
            (Self::Sleep(a), Self::Sleep(b)) => a == b,
            (Self::Spawn(a), Self::Spawn(b)) => a.id == b.id,
            (
                Self::Join { task, timeout },
                Self::Join {
                    task: k,
                    timeout: t,
                },
            ) => task == k && timeout == t,
            (Self::Custom { op, timeout }, Self::Custom { op: o, timeout: t }) => {
                op == o && timeout == t
            }
            _ => false,
        }
    }
}

impl<X: Operation + fmt::Debug> fmt::Debug for Op<X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// The timeout, shown only when there is one.
        fn finish(mut s: fmt::DebugStruct<'_, '_>, timeout: Option<Duration>) -> fmt::Result {
            if let Some(limit) = timeout {
                s.field("timeout", &limit);
            }
            s.finish()
        }
        match self {
            Self::Accept { listener, timeout } => {
                let mut s = f.debug_struct("Accept");
                s.field("listener", listener);
                finish(s, *timeout)
            }
            Self::ReadLine { conn, max, timeout } => {
                let mut s = f.debug_struct("ReadLine");
                s.field("conn", conn).field("max", max);
                finish(s, *timeout)
            }
            Self::Read { conn, max, timeout } => {
                let mut s = f.debug_struct("Read");
                s.field("conn", conn).field("max", max);
                finish(s, *timeout)
            }
            Self::Write {
                conn,
                bytes,
                timeout,
            } => {
                let mut s = f.debug_struct("Write");
                s.field("conn", conn).field("bytes", &Text(bytes));
                finish(s, *timeout)
            }
            Self::Sleep(duration) => f.debug_tuple("Sleep").field(duration).finish(),
            Self::Spawn(coroutine) => f.debug_tuple("Spawn").field(coroutine).finish(),
            Self::Join { task, timeout } => {
                let mut s = f.debug_struct("Join");
                s.field("task", task);
                finish(s, *timeout)
            }
            Self::Custom { op, timeout } => {
                let mut s = f.debug_struct("Custom");
                s.field("op", op);
                finish(s, *timeout)
            }
        }
    }
}

/// Bytes shown as text, escaped where they are not printable ASCII: `b"hi\r\n"`.
pub(super) struct Text<'a>(pub(super) &'a [u8]);

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// What an operation came to: the value a protocol coroutine's `yield_!` evaluates to.
///
/// Every operation has one kind of success ([`Op`] says which); the others can end any
/// operation that waits ([`TimedOut`](Self::TimedOut), [`ShuttingDown`](Self::ShuttingDown))
/// or does I/O ([`Closed`](Self::Closed), [`Failed`](Self::Failed)).
#[non_exhaustive]
pub enum Outcome<X: Operation = NoOperation> {
    /// [`Op::Accept`]: a new connection, closed when this `Conn` is dropped.
    Accepted(Conn),
    /// [`Op::ReadLine`]: a line, with its `\n` (the last line before the peer closed may
    /// have none).
    Line(Vec<u8>),
    /// [`Op::ReadLine`]: `max` bytes came without a `\n`; here they are, read, and the
    /// next read goes on after them.
    TooLong(Vec<u8>),
    /// [`Op::Read`]: the bytes that arrived (never empty).
    Data(Vec<u8>),
    /// [`Op::Write`]: every byte was handed to the connection.
    Written,
    /// [`Op::Sleep`]: the time has passed.
    Slept,
    /// [`Op::Spawn`]: the coroutine runs as this task.
    Spawned(TaskId),
    /// [`Op::Join`]: the task ended, with its error if it panicked (or cannot be joined).
    Joined(Result<(), TaskError>),
    /// [`Op::Custom`]: the operation's output.
    Custom(X::Output),
    /// A read found the peer had closed its side: nothing more will arrive.
    Closed,
    /// The operation's [`timeout`](Op::timeout) passed first.
    TimedOut,
    /// The driver is shutting down ([`Driver::shutdown`](super::Driver::shutdown)): waits
    /// end with this, so the coroutine can say goodbye (writes still work) and return.
    ShuttingDown,
    /// The I/O failed (a connection reset by its peer, say).
    Failed(io::Error),
}

impl<X: Operation> fmt::Debug for Outcome<X>
where
    X::Output: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accepted(conn) => f.debug_tuple("Accepted").field(conn).finish(),
            Self::Line(line) => f.debug_tuple("Line").field(&Text(line)).finish(),
            Self::TooLong(bytes) => f.debug_tuple("TooLong").field(&Text(bytes)).finish(),
            Self::Data(bytes) => f.debug_tuple("Data").field(&Text(bytes)).finish(),
            Self::Written => f.write_str("Written"),
            Self::Slept => f.write_str("Slept"),
            Self::Spawned(task) => f.debug_tuple("Spawned").field(task).finish(),
            Self::Joined(result) => f.debug_tuple("Joined").field(result).finish(),
            Self::Custom(output) => f.debug_tuple("Custom").field(output).finish(),
            Self::Closed => f.write_str("Closed"),
            Self::TimedOut => f.write_str("TimedOut"),
            Self::ShuttingDown => f.write_str("ShuttingDown"),
            Self::Failed(error) => f.debug_tuple("Failed").field(error).finish(),
        }
    }
}

/// An operation of the program's own, for [`Op::Custom`]: the driver awaits
/// [`perform`](Self::perform) and resumes the coroutine with [`Outcome::Custom`].
///
/// Under a [`Simulation`](super::Simulation) it is performed too: a test gives the
/// coroutine a test double of the operation's type to keep it free of real effects.
///
/// Implement it with an `async fn` (its future must be `Send`). A coroutine that yields
/// its own operations names the type in its signature:
///
/// ```
/// use std::time::Duration;
/// use coact::coroutine::Gen;
/// use coact::coroutine::ops::{Op, Operation, Outcome};
/// use tokio::sync::watch;
///
/// /// Wait until a flag is set: an event another task raises.
/// #[derive(Debug)]
/// struct WaitFor(watch::Receiver<bool>);
///
/// impl Operation for WaitFor {
///     type Output = bool;
///     async fn perform(&mut self) -> bool {
///         self.0.wait_for(|set| *set).await.is_ok()
///     }
/// }
///
/// #[coact::coroutine]
/// fn patient(ready: watch::Receiver<bool>) -> Gen<Op<WaitFor>, Resume = Outcome<WaitFor>> {
///     match yield_!(Op::custom(WaitFor(ready)).timeout(Duration::from_secs(5))) {
///         Outcome::Custom(true) => { /* the event came */ }
///         _ => { /* timed out, or the driver is shutting down */ }
///     }
/// }
/// ```
pub trait Operation: Send + 'static {
    /// What the coroutine is resumed with, in [`Outcome::Custom`].
    type Output: Send + 'static;

    /// Performs the operation; the driver keeps the operation until this completes (a
    /// simulation then records it).
    fn perform(&mut self) -> impl Future<Output = Self::Output> + Send + '_;
}

/// The operation type of a coroutine that has none of its own: there is no such value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoOperation {}

impl Operation for NoOperation {
    type Output = NoOperation;

    async fn perform(&mut self) -> Self::Output {
        match *self {}
    }
}

/// Names a task of a driver: a coroutine it runs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    pub(super) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({})", self.0)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A coroutine on its way to being spawned ([`Op::Spawn`]), with the task id it will run
/// as.
pub struct Coroutine<X: Operation = NoOperation> {
    pub(super) id: TaskId,
    /// Taken by the driver that spawns it.
    pub(super) body: Option<Box<dyn Protocol<X, Return = ()>>>,
}

impl<X: Operation> Coroutine<X> {
    /// Wraps `coroutine`, giving it the id its task will have.
    #[must_use]
    pub fn new(coroutine: impl Protocol<X, Return = ()>) -> Self {
        Self {
            id: TaskId::next(),
            body: Some(Box::new(coroutine)),
        }
    }

    /// The id of the task it runs as, once spawned.
    #[must_use]
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl<X: Operation> fmt::Debug for Coroutine<X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Coroutine").field(&self.id).finish()
    }
}

pub(super) mod sealed {
    /// Implemented only by the generators `#[coroutine]` makes.
    pub trait Sealed {}
}

/// A coroutine a driver can run: a `#[coact::coroutine]` plain `fn` that yields [`Op`]s and
/// is resumed with [`Outcome`]s, `Send` so that it can run on any worker thread.
///
/// ```
/// use coact::coroutine::Gen;
/// use coact::coroutine::ops::{Op, Outcome};
///
/// #[coact::coroutine]
/// fn nap() -> Gen<Op, Resume = Outcome> {
///     yield_!(Op::sleep(std::time::Duration::from_millis(1)));
/// }
/// # fn is_protocol(_: impl coact::coroutine::ops::Protocol) {}
/// # is_protocol(nap());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a protocol coroutine a driver can run",
    label = "not a protocol coroutine",
    note = "a driver runs a `#[coact::coroutine]` plain `fn` declared `-> Gen<Op, Resume = \
            Outcome>` (with `Return = …` for a value at its end) whose captures are `Send`; \
            an `async fn` coroutine awaits by itself and cannot be driven"
)]
pub trait Protocol<X: Operation = NoOperation>: Send + 'static + sealed::Sealed {
    /// What the coroutine returns at its end.
    type Return: Send + 'static;

    /// Starts the coroutine (`None`) or resumes it with an outcome.
    #[doc(hidden)]
    fn step(&mut self, outcome: Option<Outcome<X>>) -> GenState<Op<X>, Self::Return>;
}

impl<X, R, F> sealed::Sealed for Gen<Op<X>, R, Outcome<X>, SyncBody<F>>
where
    X: Operation,
    F: Future<Output = R> + Slotted<Op<X>, Outcome<X>>,
{
}

impl<X, R, F> Protocol<X> for Gen<Op<X>, R, Outcome<X>, SyncBody<F>>
where
    X: Operation,
    R: Send + 'static,
    F: Future<Output = R> + Slotted<Op<X>, Outcome<X>> + 'static,
    Self: Send,
{
    type Return = R;

    fn step(&mut self, outcome: Option<Outcome<X>>) -> GenState<Op<X>, R> {
        match outcome {
            None => self.start(),
            Some(outcome) => self.resume(outcome),
        }
    }
}

impl<X: Operation> sealed::Sealed for Box<dyn Protocol<X, Return = ()>> {}

impl<X: Operation> Protocol<X> for Box<dyn Protocol<X, Return = ()>> {
    type Return = ();

    fn step(&mut self, outcome: Option<Outcome<X>>) -> GenState<Op<X>, ()> {
        (**self).step(outcome)
    }
}
