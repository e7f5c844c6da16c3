//! [`Cooperator`]: several generators run fairly on one tokio task, round-robin, a batch
//! each, under the control of their owner (pause, resume, stop).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use tokio::sync::{oneshot, Notify};
use tracing::Instrument as _;

use super::cooperative::{Harvest, ValueBucket};
use super::CooperativeError;

const RUNNING: u8 = 0;
const PAUSED: u8 = 1;
const STOPPED: u8 = 2;

/// One generator run by a cooperator, its type erased.
trait Job: Send {
    /// Runs one batch; `true` once the generator has ended and its result was sent.
    fn run(&mut self, max_batch: usize) -> bool;
}

struct Collect<I, T> {
    harvest: Harvest<I, T>,
    reply: Option<oneshot::Sender<Result<Vec<T>, CooperativeError>>>,
}

impl<I, T> Job for Collect<I, T>
where
    I: Iterator + Send,
    I::Item: Into<Option<T>>,
    T: Send,
{
    fn run(&mut self, max_batch: usize) -> bool {
        let result = match self.harvest.batch(max_batch) {
            Ok(false) => return false,
            Ok(true) => Ok(self.harvest.bucket.drain_contents()),
            Err(error) => Err(error),
        };
        if let Some(reply) = self.reply.take() {
            // The caller may have stopped waiting: nothing else wants the values.
            let _ = reply.send(result);
        }
        true
    }
}

/// What a [`Cooperator`], its controls and its driver task share.
struct CooperatorState {
    /// `RUNNING`, `PAUSED` or `STOPPED`.
    phase: AtomicU8,
    jobs: Mutex<VecDeque<Box<dyn Job>>>,
    wake: Notify,
    max_batch: usize,
}

impl CooperatorState {
    fn jobs(&self) -> MutexGuard<'_, VecDeque<Box<dyn Job>>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, phase: u8) {
        // Once stopped, a cooperator stays stopped.
        let _ = self
            .phase
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (now != STOPPED).then_some(phase)
            });
        if phase == STOPPED {
            // Dropping a job drops its reply sender: its caller gets `Stopped`.
            let dropped = std::mem::take(&mut *self.jobs());
            if !dropped.is_empty() {
                tracing::debug!(generators = dropped.len(), "cooperator stopped");
            }
        }
        self.wake.notify_one();
    }
}

/// Runs several generators fairly on one tokio task: each gets a batch of steps in turn,
/// round-robin, with a hand-back to the scheduler after every batch. The user owns it and
/// controls it: [`pause`](CooperatorControl::pause) and
/// [`resume`](CooperatorControl::resume) take effect between batches,
/// [`stop`](CooperatorControl::stop) ends every generator it still runs. Dropping it
/// stops it.
///
/// ```
/// use coact::coroutine::{CooperativeError, Cooperator};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let cooperator = Cooperator::new(100);
/// let squares = cooperator.accumulate((0..1000u64).map(|n| n * n));
/// let evens = cooperator.accumulate_some((0..1000u64).map(|n| (n % 2 == 0).then_some(n)));
/// let (squares, evens) = (squares.await.unwrap(), evens.await.unwrap());
/// assert_eq!((squares.len(), evens.len()), (1000, 500));
/// assert_eq!((squares[3], evens[3]), (9, 6));
///
/// let control = cooperator.control();            // Clone + Send + Sync
/// control.pause();
/// let paused = cooperator.accumulate(0..10u8);
/// control.stop();
/// assert_eq!(paused.await, Err(CooperativeError::Stopped));
/// # }
/// ```
#[derive(Debug)]
pub struct Cooperator {
    control: CooperatorControl,
}

/// Pauses, resumes and stops a [`Cooperator`] from anywhere: cloneable, `Send + Sync`.
#[derive(Clone)]
pub struct CooperatorControl {
    state: Arc<CooperatorState>,
}

impl std::fmt::Debug for CooperatorControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CooperatorControl")
            .field("paused", &self.is_paused())
            .field("stopped", &self.is_stopped())
            .field("max_batch", &self.state.max_batch)
            .finish_non_exhaustive()
    }
}

impl Cooperator {
    /// A running cooperator that gives each generator `max_batch` steps (at least one)
    /// per turn. Its driver is a task spawned on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    #[must_use]
    pub fn new(max_batch: usize) -> Self {
        let state = Arc::new(CooperatorState {
            phase: AtomicU8::new(RUNNING),
            jobs: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            max_batch: max_batch.max(1),
        });
        let span = tracing::debug_span!("coact::cooperator", max_batch = state.max_batch);
        drop(tokio::spawn(drive(Arc::clone(&state)).instrument(span)));
        Self {
            control: CooperatorControl { state },
        }
    }

    /// Adds `generator` to those the cooperator runs; the returned future resolves to
    /// every value it yielded, once it has ended. The generator runs whether or not that
    /// future is awaited.
    pub fn accumulate<I>(&self, generator: I) -> Accumulation<I::Item>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Send + 'static,
    {
        self.run(generator)
    }

    /// [`accumulate`](Self::accumulate) for a generator that yields `None` on a step that
    /// produced nothing: only what its `Some` items hold is kept.
    pub fn accumulate_some<I, T>(&self, generator: I) -> Accumulation<T>
    where
        I: IntoIterator<Item = Option<T>>,
        I::IntoIter: Send + 'static,
        T: Send + 'static,
    {
        self.run(generator)
    }

    /// Both of the above: `T` is the item itself, or what a `Some` item holds.
    fn run<I, T>(&self, generator: I) -> Accumulation<T>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<Option<T>>,
        T: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let job = Collect {
            harvest: Harvest {
                generator: generator.into_iter(),
                bucket: ValueBucket::new(),
            },
            reply: Some(reply),
        };
        let state = &self.control.state;
        {
            let mut jobs = state.jobs();
            // Checked under the lock `stop` drains under: a job is either drained or
            // refused, never left behind.
            if state.phase.load(Ordering::Acquire) != STOPPED {
                jobs.push_back(Box::new(job));
            }
        }
        state.wake.notify_one();
        Accumulation { result }
    }

    /// A handle that pauses, resumes and stops this cooperator.
    #[must_use]
    pub fn control(&self) -> CooperatorControl {
        self.control.clone()
    }

    /// How many generators it runs that have not ended.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.control.state.jobs().len()
    }
}

impl std::ops::Deref for Cooperator {
    type Target = CooperatorControl;

    fn deref(&self) -> &CooperatorControl {
        &self.control
    }
}

impl Drop for Cooperator {
    fn drop(&mut self) {
        self.control.stop();
    }
}

impl CooperatorControl {
    /// Stops giving batches after the one running now, until [`resume`](Self::resume).
    pub fn pause(&self) {
        self.state.set(PAUSED);
    }

    /// Goes on after [`pause`](Self::pause).
    pub fn resume(&self) {
        self.state.set(RUNNING);
    }

    /// Ends the cooperator: every generator it runs is dropped (after the batch running
    /// now) and its caller gets [`CooperativeError::Stopped`]; so does any generator added
    /// later. Final: a stopped cooperator does not resume.
    pub fn stop(&self) {
        self.state.set(STOPPED);
    }

    /// Whether it is paused (and not stopped).
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.state.phase.load(Ordering::Acquire) == PAUSED
    }

    /// Whether it was stopped.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.state.phase.load(Ordering::Acquire) == STOPPED
    }
}

/// The driver task: one batch per generator in turn, a hand-back to the scheduler after
/// each.
async fn drive(state: Arc<CooperatorState>) {
    loop {
        match state.phase.load(Ordering::Acquire) {
            STOPPED => return,
            PAUSED => {
                state.wake.notified().await;
                continue;
            }
            _ => {}
        }
        let next = state.jobs().pop_front();
        let Some(mut job) = next else {
            state.wake.notified().await;
            continue;
        };
        if !job.run(state.max_batch) {
            let mut jobs = state.jobs();
            if state.phase.load(Ordering::Acquire) != STOPPED {
                jobs.push_back(job);
            }
        }
        tokio::task::yield_now().await;
    }
}

/// The values of a generator run by a [`Cooperator`], once it has ended.
#[derive(Debug)]
#[must_use = "the values arrive only through this future"]
pub struct Accumulation<T> {
    result: oneshot::Receiver<Result<Vec<T>, CooperativeError>>,
}

impl<T> Future for Accumulation<T> {
    type Output = Result<Vec<T>, CooperativeError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.result)
            .poll(cx)
            .map(|sent| sent.unwrap_or(Err(CooperativeError::Stopped)))
    }
}
