//! An entry's work, as a future or a blocking closure: it records in its slot that it
//! started and how it ended, and holds a token for as long as it exists, so that work a
//! collection should have dropped shows as still alive.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::check::{value, Kind, Plan, Slots};
use crate::report::{Latency, INJECTED};

/// What every entry's work returns: `Err` is a failure the work reports itself.
pub type Work = Result<u64, u64>;

/// Counts entries' work that still exists (run or not), to see that none is leaked.
#[derive(Default)]
pub struct Alive {
    count: AtomicI64,
    gone: Notify,
}

impl Alive {
    /// How many entries' work still exists.
    pub fn left(&self) -> i64 {
        self.count.load(Ordering::SeqCst)
    }

    pub async fn none(&self) {
        loop {
            let gone = self.gone.notified();
            let mut gone = std::pin::pin!(gone);
            gone.as_mut().enable();
            if self.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            gone.await;
        }
    }
}

/// Held by an entry's work from when it is made until it is dropped.
struct Token(Arc<Alive>);

impl Token {
    fn new(alive: &Arc<Alive>) -> Self {
        alive.count.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(alive))
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.gone.notify_waiters();
        }
    }
}

/// An entry's work as a future.
pub fn work(
    slots: &Arc<Slots>,
    alive: &Arc<Alive>,
    pos: usize,
    plan: Plan,
) -> Pin<Box<dyn Future<Output = Work> + Send>> {
    let (slots, token) = (Arc::clone(slots), Token::new(alive));
    Box::pin(async move {
        let _token = token;
        let _running = slots.start(pos);
        plan.latency.wait().await;
        slots.finish(pos, plan.kind);
        match plan.kind {
            Kind::Ok => Ok(value(pos)),
            Kind::Err => Err(value(pos)),
            Kind::Panic => panic!("{INJECTED} panic in entry {pos}"),
            Kind::Hang => std::future::pending().await,
        }
    })
}

/// An entry's work as a blocking closure.
pub fn blocking(
    slots: &Arc<Slots>,
    alive: &Arc<Alive>,
    pos: usize,
    plan: Plan,
) -> impl FnOnce() -> Work + Send + 'static {
    let (slots, token) = (Arc::clone(slots), Token::new(alive));
    move || {
        let _token = token;
        let _running = slots.start(pos);
        if let Latency::Sleep(_) | Latency::Yields(_) = plan.latency {
            std::thread::sleep(Duration::from_micros(200));
        }
        slots.finish(pos, plan.kind);
        match plan.kind {
            Kind::Ok | Kind::Hang => Ok(value(pos)),
            Kind::Err => Err(value(pos)),
            Kind::Panic => panic!("{INJECTED} panic in entry {pos}"),
        }
    }
}
