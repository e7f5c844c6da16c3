//! Uses every coact macro the way a user's crate would.

#![deny(warnings)]
// What the macros generate has no `unsafe` code: a crate that forbids it compiles.
#![forbid(unsafe_code)]

use coact::prelude::*;

struct Counter {
    n: u64,
}

#[deferred_handler]
impl Counter {
    fn add(&mut self, by: u64) -> u64 {
        self.n += by;
        self.n
    }

    /// The owner's loop, a method of the handler taking its owner.
    async fn serve(self: &mut Deferred<Self>) -> Served {
        self.process_forever().await
    }
}

/// The states the plant started, as values: `on_start` stores them.
static STARTED: std::sync::Mutex<Vec<plant::PlantState>> = std::sync::Mutex::new(Vec::new());

/// Defined next to the machine, named without `super::`.
fn remember(state: &plant::PlantState) {
    STARTED.lock().expect("not poisoned").push(state.clone());
}

#[machine(derive(Clone, PartialEq))]
mod plant {
    #[state(transitions_to = [dead, withering], on_start = remember)]
    pub async fn flowering(is_eaten: bool) {
        tokio::task::yield_now().await;
        if is_eaten { dead(true) } else { withering() }
    }

    #[state(transitions_to = dead)]
    pub fn withering() { dead(false) }

    #[state(on_start = remember)]
    pub fn dead(is_eaten: bool) -> &'static str {
        if is_eaten { "eaten" } else { "withered" }
    }
}

/// The seed's user: same id, same instance.
#[identity_cached]
async fn user(id: u32) -> Option<String> {
    (id < 10).then(|| format!("user {id}"))
}

/// A generator, cooperatively accumulated.
#[coact::coroutine]
fn squares(n: u64) -> coact::coroutine::Gen<u64, Return = u64> {
    let mut sum = 0;
    for i in 0..n {
        yield_!(i * i);
        sum += i * i;
    }
    sum
}

/// The "yield `None` to skip" idiom.
#[coact::coroutine]
fn evens(n: u64) -> coact::coroutine::Gen<Option<u64>> {
    for i in 0..n {
        yield_!((i % 2 == 0).then_some(i));
    }
}

/// A protocol coroutine: greets, echoes one line, and hangs up.
#[coact::coroutine]
fn greet_once(
    conn: coact::coroutine::ops::Conn,
) -> coact::coroutine::Gen<coact::coroutine::ops::Op, Resume = coact::coroutine::ops::Outcome> {
    yield_!(conn.write("hello\n"));
    if let coact::coroutine::ops::Outcome::Line(line) = yield_!(conn.read_line(64)) {
        yield_!(conn.write(line));
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = user(1).await.expect("user 1 exists");
    let b = user(1).await.expect("user 1 exists");
    assert!(coact::identity::Shared::ptr_eq(&a, &b));
    println!("outside: {} loaded once", a.read());
    // The seed's `User(2).name = "Steve"` then `User(2).name`, through temporaries.
    *user(2).await.expect("user 2 exists").write() = "Steve".to_owned();
    println!("outside: user 2 is now {}", user(2).await.expect("user 2 exists").read());

    // A state's name outside the machine is its value; `GRAPH` needs no trait import.
    let ending = coact::state::spawn(plant::flowering(false))
        .await
        .expect("the plant lives its life");
    let started = STARTED.lock().expect("not poisoned").clone();
    assert_eq!(started, [plant::flowering(false), plant::dead(false)]);
    assert!(plant::PlantState::GRAPH.check("withering", "flowering").is_err());
    println!("outside: the plant {ending}, after {started:?}");

    let mut counter = Deferred::new(Counter { n: 0 });
    let handle = counter.handle();
    handle.oneway().add(1).expect("queued");
    let caller = tokio::spawn(async move { handle.sync().add(2).await });
    let served = counter.serve().await;
    let sum = caller.await.expect("caller finished").expect("call served");
    println!("outside: {} calls served, sum {sum}", served.calls);

    let mut gen = squares(4);
    let first: Vec<u64> = gen.by_ref().take(2).collect();
    let rest = coact::coroutine::batch_accumulate(10, &mut gen)
        .await
        .expect("the generator runs");
    println!(
        "outside: squares {first:?} then {rest:?}, sum {:?}",
        gen.take_return().expect("it ended")
    );
    // "Yield `None` to skip": the kept type is inferred from the generator's.
    let kept = coact::coroutine::accumulate_some(evens(5))
        .await
        .expect("the generator runs");
    println!("outside: evens {kept:?}");

    // The same protocol coroutine under a simulation, from a script.
    let sim = coact::coroutine::ops::Simulation::new();
    let (conn, peer) = sim.connection(coact::coroutine::ops::Script::new().send("hi\n"));
    let (returned, ops) = sim.run(greet_once(conn)).await;
    returned.expect("the coroutine ends");
    assert_eq!(peer.received(), b"hello\nhi\n");
    println!("outside: a protocol coroutine yielded {} operations", ops.len());
}
