//! A resource manager, narrated: a manager task owns a set of resources and runs its own
//! management loop; monitors report events with oneway calls and a consumer reads the
//! resources with sync calls. Queued calls run only at the manager's safe point
//! (`process()`), so the consumer never sees a resource set in the middle of management.
//!
//! Run it with `cargo run --example deferred_manager`.

use std::time::Duration;

use coact::prelude::*;

/// Resources that must be consistent with each other: management rebalances them so that
/// their sum stays `total`, touching one at a time (with awaits in between).
pub struct Manager {
    resources: Vec<i64>,
    total: i64,
    events: u64,
}

impl Manager {
    fn new(total: i64, count: usize) -> Self {
        let share = total / i64::try_from(count).expect("few resources");
        Self {
            resources: vec![share; count],
            total,
            events: 0,
        }
    }

    /// One management round: moves a unit from the largest resource to the smallest.
    /// Between the two steps the sum is off by one: nobody else may look then.
    async fn manage(&mut self) {
        let (max, min) = self.extremes();
        self.resources[max] -= 1;
        tokio::task::yield_now().await; // e.g. talking to the resource
        self.resources[min] += 1;
    }

    fn extremes(&self) -> (usize, usize) {
        let by_value = |a: &(usize, &i64), b: &(usize, &i64)| a.1.cmp(b.1);
        let max = self.resources.iter().enumerate().max_by(by_value);
        let min = self.resources.iter().enumerate().min_by(by_value);
        (max.map_or(0, |m| m.0), min.map_or(0, |m| m.0))
    }
}

#[deferred_handler]
impl Manager {
    /// The resources as the manager last left them, with the total they must add up to.
    #[must_use]
    pub fn access_resources(&self) -> (Vec<i64>, i64) {
        (self.resources.clone(), self.total)
    }

    /// An event from a monitor: `amount` moves from resource `from` to resource `to`.
    pub fn update_resource(&mut self, from: usize, to: usize, amount: i64) {
        self.resources[from] -= amount;
        self.resources[to] += amount;
        self.events += 1;
    }

    /// The manager's own loop, written as a method that takes its owner (the `Deferred`):
    /// a management round every millisecond, then the safe point, until no monitor or
    /// consumer is left. Returns the rounds made and the queued calls served.
    pub async fn run(self: &mut Deferred<Self>) -> (u32, usize) {
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        let (mut rounds, mut served) = (0, 0);
        while self.handle_count() > 0 || self.pending() > 0 {
            tick.tick().await;
            self.manage().await;
            rounds += 1;
            served += self.process().await; // the safe point
        }
        (rounds, served)
    }
}

/// Runs the scenario and prints what happens.
///
/// # Panics
///
/// When the manager stops serving before its callers are done (a bug).
pub async fn run() {
    let mut manager = Deferred::new(Manager::new(1_000, 4));
    let handle = manager.handle();
    println!("manager: owns 4 resources adding up to 1000");

    let monitors: Vec<_> = (0..3_usize)
        .map(|id| {
            let handle = handle.clone();
            tokio::spawn(async move {
                for event in 0..50_usize {
                    let (from, to) = ((id + event) % 4, (id + event + 1) % 4);
                    handle
                        .oneway()
                        .update_resource(from, to, 5)
                        .expect("manager alive");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            })
        })
        .collect();
    println!("monitors: 3 started, each sends 50 oneway updates");

    let consumer = tokio::spawn(async move {
        let mut inconsistent = 0;
        for _ in 0..40 {
            let (resources, total) = handle
                .sync()
                .access_resources()
                .await
                .expect("manager alive");
            if resources.iter().sum::<i64>() != total {
                inconsistent += 1;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        inconsistent
    });
    println!("consumer: reads the resources 40 times with sync calls");

    let (rounds, served) = manager.run().await;
    for monitor in monitors {
        monitor.await.expect("monitor finished");
    }
    let inconsistent = consumer.await.expect("consumer finished");
    println!(
        "manager: {rounds} management rounds, {served} queued calls served at safe points, \
         {} monitor events applied",
        manager.events
    );
    println!("consumer: saw an inconsistent resource set {inconsistent} times out of 40");
    println!(
        "manager: resources are now {:?}, sum {}",
        manager.resources,
        manager.resources.iter().sum::<i64>()
    );
}

#[allow(dead_code)] // The tour includes this file as a module and calls `run` instead.
#[tokio::main]
async fn main() {
    run().await;
}
