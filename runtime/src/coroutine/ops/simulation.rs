//! [`Simulation`]: the driver with scripted peers instead of sockets, recording every
//! operation its coroutines yield, for tests (with tokio's paused time, a script's waits
//! and the operations' timeouts take no real time).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio::time::Sleep;

use super::conn::Conn;
use super::driver::{Driver, Log, Shutdown};
use super::io::Stream;
use super::listener::Listener;
use super::op::{NoOperation, Op, Operation, Protocol, TaskId};
use super::task::{Task, TaskError};

/// A [`Driver`] whose connections are scripted peers, not sockets, and which records the
/// operations its coroutines yield: the same protocol coroutine that serves real clients,
/// tested without a network.
///
/// Run it under tokio's paused time (`#[tokio::test(start_paused = true)]`): a script's
/// [`wait`](Script::wait)s and the operations' timeouts then pass at once, in order.
///
/// ```
/// use std::time::Duration;
/// use coact::coroutine::Gen;
/// use coact::coroutine::ops::{Conn, Op, Outcome, Script, Simulation};
///
/// /// Echoes lines until the client is silent for a minute.
/// #[coact::coroutine]
/// fn echo(conn: Conn) -> Gen<Op, Resume = Outcome> {
///     while let Outcome::Line(line) = yield_!(conn.read_line(64).timeout(Duration::from_secs(60))) {
///         yield_!(conn.write(line));
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let sim = Simulation::new();
/// let (conn, peer) = sim.connection(
///     Script::new().send("hi\n").wait(Duration::from_secs(90)).send("late\n"),
/// );
/// let c = conn.to_ref();
/// let (returned, ops) = sim.run(echo(conn)).await;
/// assert!(returned.is_ok());
/// let minute = Duration::from_secs(60);
/// assert_eq!(ops, [
///     c.read_line(64).timeout(minute), // -> "hi\n"
///     c.write("hi\n"),
///     c.read_line(64).timeout(minute), // -> TimedOut, 30 s before "late\n"
/// ]);
/// assert_eq!(peer.received(), b"hi\n");
/// assert!(peer.is_closed());
/// # }
/// ```
pub struct Simulation<X: Operation = NoOperation> {
    driver: Driver,
    log: Arc<Log<X>>,
}

impl<X: Operation> Simulation<X> {
    /// A simulation with no coroutines and no connections yet.
    #[must_use]
    pub fn new() -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        Self {
            driver: Driver::recording(Arc::clone(&log)),
            log,
        }
    }

    /// A connection whose peer plays `script`, and the [`Peer`] to see what the
    /// coroutine sent it.
    #[must_use]
    pub fn connection(&self, script: Script) -> (Conn, Peer) {
        let (stream, peer) = Scripted::new(script);
        (Conn::new(Stream::Scripted(stream), None), peer)
    }

    /// A listener, and the [`Dialer`] whose `connect`s it accepts, in order.
    #[must_use]
    pub fn listener(&self) -> (Listener, Dialer) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Listener::scripted(ScriptedListener(tokio::sync::Mutex::new(rx))),
            Dialer(tx),
        )
    }

    /// Starts `coroutine`, as [`Driver::spawn`] does, recording its operations.
    pub fn spawn<P: Protocol<X>>(&self, coroutine: P) -> Task<P::Return> {
        self.driver.spawn(coroutine)
    }

    /// Runs `coroutine` to its end, and returns its result and the operations it
    /// yielded, in order (those of coroutines it spawned stay in the log: see
    /// [`ops`](Self::ops)).
    pub async fn run<P: Protocol<X>>(
        &self,
        coroutine: P,
    ) -> (Result<P::Return, TaskError>, Vec<Op<X>>) {
        let task = self.driver.spawn(coroutine);
        let id = task.id();
        let returned = task.await;
        (returned, self.ops(id))
    }

    /// Takes the operations `task` has yielded so far out of the log, in order: each
    /// operation is logged once it has completed.
    pub fn ops(&self, task: TaskId) -> Vec<Op<X>> {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let (ops, rest) = std::mem::take(&mut *log)
            .into_iter()
            .partition(|(id, _)| *id == task);
        *log = rest;
        ops.into_iter().map(|(_, op)| op).collect()
    }

    /// Shuts the simulation's coroutines down, as [`Driver::shutdown`] does.
    pub async fn shutdown(&self, grace: Duration) -> Shutdown {
        self.driver.shutdown(grace).await
    }
}

impl<X: Operation> Default for Simulation<X> {
    fn default() -> Self {
        Self::new()
    }
}

impl<X: Operation> fmt::Debug for Simulation<X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}

/// What a scripted peer does, in order: send bytes, wait, close its side, or reset the
/// connection. After its last step a peer that neither closed nor reset stays silent.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Script {
    steps: VecDeque<Step>,
}

#[derive(Debug, Clone)]
enum Step {
    Send(Vec<u8>),
    Wait(Duration),
    Close,
    Reset,
}

impl Script {
    /// A peer that does nothing (and stays silent).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `bytes`: they arrive as soon as the coroutine reads.
    pub fn send(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.steps.push_back(Step::Send(bytes.into()));
        self
    }

    /// Waits `duration` (counted from when a read reaches this step) before the next
    /// step.
    pub fn wait(mut self, duration: Duration) -> Self {
        self.steps.push_back(Step::Wait(duration));
        self
    }

    /// Closes the peer's side: reads then find the end of the stream
    /// ([`Outcome::Closed`](super::Outcome::Closed)); writes still arrive.
    pub fn close(mut self) -> Self {
        self.steps.push_back(Step::Close);
        self
    }

    /// Resets the connection: reads and writes then fail with
    /// [`io::ErrorKind::ConnectionReset`] ([`Outcome::Failed`](super::Outcome::Failed)).
    pub fn reset(mut self) -> Self {
        self.steps.push_back(Step::Reset);
        self
    }
}

/// The scripted end of a simulated connection: what the coroutine sent, and whether it
/// closed the connection.
#[derive(Clone)]
pub struct Peer(Arc<PeerState>);

#[derive(Default)]
struct PeerState {
    received: Mutex<Vec<u8>>,
    closed: AtomicBool,
}

impl Peer {
    /// Every byte the coroutine wrote to the connection so far.
    #[must_use]
    pub fn received(&self) -> Vec<u8> {
        self.0
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the coroutine's side closed the connection (its `Conn` was dropped).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.0.closed.load(Ordering::Acquire)
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer")
            .field("received", &super::op::Text(&self.received()))
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Connects scripted peers to a simulated [`Listener`] (see [`Simulation::listener`]).
#[derive(Debug, Clone)]
pub struct Dialer(mpsc::UnboundedSender<Scripted>);

impl Dialer {
    /// Queues a connection whose peer plays `script`, for the listener's next accept. If
    /// the listener is gone, the returned peer is closed at once.
    #[must_use = "the peer is how a test sees what the coroutine sent"]
    pub fn connect(&self, script: Script) -> Peer {
        let (stream, peer) = Scripted::new(script);
        // A listener that is gone drops the stream, which closes the peer.
        let _ = self.0.send(stream);
        peer
    }
}

/// The accepting end of a simulated listener.
pub(super) struct ScriptedListener(tokio::sync::Mutex<mpsc::UnboundedReceiver<Scripted>>);

impl ScriptedListener {
    /// The next connection. Once the dialer is gone and none is queued, none ever comes:
    /// an accept waits, as on a real listener nobody connects to.
    pub(super) async fn accept(&self) -> Scripted {
        match self.0.lock().await.recv().await {
            Some(stream) => stream,
            None => std::future::pending().await,
        }
    }
}

/// The coroutine's end of a simulated connection: reads play the script, writes are
/// kept for the [`Peer`].
pub(super) struct Scripted {
    steps: VecDeque<Step>,
    /// Bytes of a `send` step not read yet.
    sending: Vec<u8>,
    sent: usize,
    /// A `wait` step in progress.
    waiting: Option<Pin<Box<Sleep>>>,
    end: Option<End>,
    peer: Arc<PeerState>,
}

#[derive(Clone, Copy)]
enum End {
    Closed,
    Reset,
}

impl Scripted {
    pub(super) fn new(script: Script) -> (Self, Peer) {
        let peer = Arc::new(PeerState::default());
        let stream = Self {
            steps: script.steps,
            sending: Vec::new(),
            sent: 0,
            waiting: None,
            end: None,
            peer: Arc::clone(&peer),
        };
        (stream, Peer(peer))
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.peer.closed.store(true, Ordering::Release);
    }
}

fn reset() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "the peer reset the connection",
    )
}

impl AsyncRead for Scripted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.sent < this.sending.len() {
                let n = buf.remaining().min(this.sending.len() - this.sent);
                buf.put_slice(&this.sending[this.sent..this.sent + n]);
                this.sent += n;
                return Poll::Ready(Ok(()));
            }
            if let Some(waiting) = &mut this.waiting {
                ready!(waiting.as_mut().poll(cx));
                this.waiting = None;
            }
            match this.end {
                Some(End::Closed) => return Poll::Ready(Ok(())),
                Some(End::Reset) => return Poll::Ready(Err(reset())),
                None => {}
            }
            match this.steps.pop_front() {
                Some(Step::Send(bytes)) => (this.sending, this.sent) = (bytes, 0),
                Some(Step::Wait(duration)) => {
                    this.waiting = Some(Box::pin(tokio::time::sleep(duration)));
                }
                Some(Step::Close) => this.end = Some(End::Closed),
                Some(Step::Reset) => this.end = Some(End::Reset),
                // A silent peer: nothing will ever arrive.
                None => return Poll::Pending,
            }
        }
    }
}

impl AsyncWrite for Scripted {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(End::Reset) = self.end {
            return Poll::Ready(Err(reset()));
        }
        self.peer
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
