//! `#[machine]` / `#[state]`: state machines whose undeclared transitions fail to compile.

use std::sync::Arc;
use std::time::Duration;

use coact::state::{self, MachineError, Transition, TransitionError};
use futures::StreamExt as _;
use tokio::sync::Notify;

/// The seed's plant lifecycle, sync.
#[coact::machine]
mod plant {
    #[state(transitions_to = growing)]
    pub fn sprouting(eaten: bool) {
        growing(eaten)
    }

    #[state(transitions_to = flowering)]
    pub fn growing(eaten: bool) {
        flowering(eaten)
    }

    #[state(transitions_to = [dead, withering])]
    pub fn flowering(eaten: bool) {
        if eaten {
            dead(true)
        } else {
            withering()
        }
    }

    #[state(transitions_to = dead)]
    pub fn withering() -> _ {
        dead(false)
    }

    #[state]
    pub fn dead(is_eaten: bool) -> &'static str {
        if is_eaten {
            "eaten"
        } else {
            "withered"
        }
    }
}

use plant::PlantState;

#[test]
fn flower_both_branches() {
    assert_eq!(
        state::run_sync(&mut (), PlantState::Sprouting { eaten: true }),
        Ok("eaten")
    );
    assert_eq!(
        state::run_sync(&mut (), PlantState::Sprouting { eaten: false }),
        Ok("withered")
    );
    // A machine starts in any state.
    assert_eq!(
        state::run_sync(&mut (), PlantState::Withering),
        Ok("withered")
    );
    assert_eq!(
        state::run_sync(&mut (), PlantState::Dead { is_eaten: true }),
        Ok("eaten")
    );
}

#[tokio::test]
async fn spawned_flower_streams_every_transition() {
    let (running, transitions) = state::spawn_observed(PlantState::Sprouting { eaten: false });
    assert_eq!(running.await, Ok("withered"));
    let seen: Vec<Transition> = transitions.map(|t| t.unwrap()).collect().await;
    let pairs: Vec<_> = seen.iter().map(|t| (t.from, t.to)).collect();
    assert_eq!(
        pairs,
        [
            ("sprouting", "growing"),
            ("growing", "flowering"),
            ("flowering", "withering"),
            ("withering", "dead"),
        ]
    );
}

#[test]
fn diagrams_of_the_flower() {
    assert_eq!(
        PlantState::GRAPH.mermaid(),
        "stateDiagram-v2
    [*] --> sprouting
    sprouting --> growing
    growing --> flowering
    flowering --> dead
    flowering --> withering
    withering --> dead
    dead --> [*]
"
    );
    assert_eq!(
        PlantState::GRAPH.dot(),
        "digraph plant {
    sprouting -> growing;
    growing -> flowering;
    flowering -> dead;
    flowering -> withering;
    withering -> dead;
    dead [shape = doublecircle];
}
"
    );
}

#[test]
fn the_graph_is_the_declared_table() {
    let graph = PlantState::GRAPH;
    assert_eq!(graph.machine(), "plant");
    let names: Vec<_> = graph
        .states()
        .iter()
        .map(coact::state::StateInfo::name)
        .collect();
    assert_eq!(
        names,
        ["sprouting", "growing", "flowering", "withering", "dead"]
    );
    let flowering = graph.state("flowering").unwrap();
    assert_eq!(flowering.transitions_to(), ["dead", "withering"]);
    assert!(!flowering.is_terminal());
    assert!(graph.state("dead").unwrap().is_terminal());
    assert!(graph.state("dead").unwrap().takes_arguments());
    assert!(!graph.state("withering").unwrap().takes_arguments());
    assert_eq!(PlantState::Dead { is_eaten: true }.name(), "dead");
    assert_eq!(format!("{:?}", PlantState::Withering), "Withering");
    assert_eq!(
        format!("{:?}", PlantState::Dead { is_eaten: true }),
        "Dead { is_eaten: true }"
    );
}

#[test]
fn graph_check_by_name() {
    let graph = PlantState::GRAPH;
    assert_eq!(graph.check("flowering", "withering"), Ok(()));
    let Err(TransitionError::Forbidden(forbidden)) = graph.check("sprouting", "dead") else {
        panic!("sprouting -> dead must be forbidden");
    };
    assert_eq!((forbidden.from(), forbidden.to()), ("sprouting", "dead"));
    assert_eq!(forbidden.allowed(), ["growing"]);
    assert_eq!(
        forbidden.to_string(),
        "state `sprouting` of machine `plant` cannot transition to `dead`: it may transition to `growing`"
    );
    let Err(TransitionError::Forbidden(terminal)) = graph.check("dead", "sprouting") else {
        panic!("a terminal state enters nothing");
    };
    assert!(
        terminal.to_string().ends_with("it is a terminal state"),
        "{terminal}"
    );
    let Err(unknown) = graph.check("flowering", "blooming") else {
        panic!("unknown names are errors");
    };
    assert!(matches!(&unknown, TransitionError::UnknownState { name, .. } if name == "blooming"));
    assert_eq!(
        unknown.to_string(),
        "machine `plant` has no state named `blooming`; its states are `sprouting`, `growing`, \
         `flowering`, `withering`, `dead`"
    );
}

/// A transition chosen at run time, by name, from a command.
#[coact::machine]
mod console {
    #[state(transitions_to = [busy, failed])]
    #[allow(clippy::needless_pass_by_value)] // a state's arguments are owned: it holds them
    pub fn idle(command: String) {
        match coact::state::enter_by_name(&command) {
            Ok(next) => next,
            Err(error) => failed(error),
        }
    }

    #[state(transitions_to = idle)]
    pub fn busy() {
        idle("stop".to_owned())
    }

    #[state]
    pub fn failed(
        error: coact::state::TransitionError,
    ) -> Result<(), coact::state::TransitionError> {
        Err(error)
    }

    #[state]
    #[allow(clippy::unnecessary_wraps)] // the machine's result type, shared with `failed`
    pub fn stop() -> Result<(), coact::state::TransitionError> {
        Ok(())
    }
}

#[coact::machine]
mod console_failing {
    // `idle` may enter `failed` only through a transition decided at run time.
    // Boxed because the state enum holds it: a state enum cannot contain itself by value.
    #[allow(clippy::boxed_local)]
    #[state(transitions_to = [busy, failed])]
    pub fn idle(target: Box<ConsoleFailingState>) {
        match coact::state::enter(*target) {
            Ok(next) => next,
            Err(error) => failed(error.to_string()),
        }
    }

    #[state]
    pub fn busy() -> String {
        "busy".to_owned()
    }

    #[state]
    pub fn failed(why: String) -> String {
        why
    }

    #[state]
    pub fn elsewhere() -> String {
        "elsewhere".to_owned()
    }
}

#[test]
fn dynamic_transitions_are_checked_against_the_table() {
    use console::ConsoleState;
    use console_failing::ConsoleFailingState;

    // Allowed, by name: idle -> busy -> idle("stop"); forbidden: idle does not declare stop.
    let ended = state::run_sync(
        &mut (),
        ConsoleState::Idle {
            command: "busy".to_owned(),
        },
    );
    let Ok(Err(TransitionError::Forbidden(forbidden))) = ended else {
        panic!("idle may not enter stop: {ended:?}");
    };
    assert_eq!((forbidden.from(), forbidden.to()), ("idle", "stop"));
    assert_eq!(forbidden.allowed(), ["busy", "failed"]);

    // Unknown name.
    let ended = state::run_sync(
        &mut (),
        ConsoleState::Idle {
            command: "nap".to_owned(),
        },
    );
    assert!(
        matches!(&ended, Ok(Err(TransitionError::UnknownState { name, .. })) if name == "nap"),
        "{ended:?}"
    );

    // A target that needs arguments cannot be entered by name.
    let ended = state::run_sync(
        &mut (),
        ConsoleState::Idle {
            command: "failed".to_owned(),
        },
    );
    assert!(
        matches!(
            ended,
            Ok(Err(TransitionError::NeedsArguments {
                state: "failed",
                ..
            }))
        ),
        "{ended:?}"
    );

    // By value: allowed, and forbidden with the table's words.
    let run = |target| {
        state::run_sync(
            &mut (),
            ConsoleFailingState::Idle {
                target: Box::new(target),
            },
        )
    };
    assert_eq!(run(ConsoleFailingState::Busy), Ok("busy".to_owned()));
    assert_eq!(
        run(ConsoleFailingState::Elsewhere),
        Ok(
            "state `idle` of machine `console_failing` cannot transition to `elsewhere`: it may \
            transition to `busy`, `failed`"
                .to_owned()
        )
    );
}

#[coact::machine]
mod needs_arguments {
    #[state(transitions_to = [target])]
    pub fn source() {
        match coact::state::enter_by_name("target") {
            Ok(next) => next,
            Err(error) => panic!("{error}"),
        }
    }

    #[state]
    pub fn target(n: u32) -> u32 {
        n
    }
}

#[test]
fn entering_by_name_a_state_that_takes_arguments_is_an_error() {
    let ended = state::run_sync(&mut (), needs_arguments::NeedsArgumentsState::Source);
    let Err(MachineError::Panicked { state, message, .. }) = ended else {
        panic!("{ended:?}");
    };
    assert_eq!(state, "source");
    assert_eq!(
        message,
        "state `target` of machine `needs_arguments` takes arguments, so it cannot be entered by name alone"
    );
}

/// The seed's methods form, with its callback storing the current state object on the
/// object (`gevent_async`'s `target.state = new_state`).
#[derive(Default)]
struct Flower {
    petals: u32,
    state: Option<FlowerState>,
    started: Vec<String>,
}

fn on_transition(flower: &mut Flower, state: &FlowerState) {
    flower.started.push(format!("{state:?}"));
    if let FlowerState::Blooming { store: true, .. } | FlowerState::Resting { store: true } = state
    {
        flower.state = Some(state.clone());
    }
}

#[coact::machine(derive(Clone, PartialEq, Eq))]
impl Flower {
    #[state(transitions_to = blooming, on_start = on_transition)]
    fn budding(&mut self) {
        self.petals += 1;
        blooming(3, true)
    }

    #[state(transitions_to = [blooming, resting], on_start = on_transition)]
    fn blooming(&mut self, more: u32, store: bool) {
        self.petals += 1;
        if more > 0 {
            blooming(more - 1, store)
        } else {
            resting(false)
        }
    }

    #[state(on_start = on_transition)]
    fn resting(&self, store: bool) -> u32 {
        let _ = store;
        self.petals
    }
}

#[test]
fn methods_on_an_object_with_on_start_in_order() {
    let mut flower = Flower::default();
    assert_eq!(state::run_sync(&mut flower, FlowerState::Budding), Ok(5));
    assert_eq!(flower.petals, 5);
    // `Debug` shows each state's arguments.
    assert_eq!(
        flower.started,
        [
            "Budding",
            "Blooming { more: 3, store: true }",
            "Blooming { more: 2, store: true }",
            "Blooming { more: 1, store: true }",
            "Blooming { more: 0, store: true }",
            "Resting { store: false }"
        ]
    );
    // The callback stored (a clone of) the last state started with `store: true`.
    assert_eq!(
        flower.state,
        Some(FlowerState::Blooming {
            more: 0,
            store: true
        })
    );
}

/// A callback defined next to the machine's module is found without `super::`; one of
/// the module's own, of the same name, comes first.
static SEEN_OUTSIDE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
static SEEN_INSIDE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn seen_outside(state: &callbacks::CallbacksState) {
    assert_eq!(state.name(), "first");
    SEEN_OUTSIDE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

#[allow(dead_code)] // shadowed inside `callbacks`: never its callback
fn seen(_: &callbacks::CallbacksState) {
    panic!("the module's own `seen` comes first");
}

#[coact::machine]
mod callbacks {
    pub fn seen(state: &CallbacksState) {
        assert_eq!(state.name(), "last");
        super::SEEN_INSIDE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    #[state(transitions_to = last, on_start = seen_outside)]
    pub fn first() {
        last()
    }

    #[state(on_start = seen)]
    pub fn last() {}
}

#[test]
fn on_start_callbacks_resolve_in_the_module_then_beside_it() {
    use std::sync::atomic::Ordering;
    assert_eq!(state::run_sync(&mut (), callbacks::first()), Ok(()));
    assert_eq!(SEEN_OUTSIDE.load(Ordering::Relaxed), 1);
    assert_eq!(SEEN_INSIDE.load(Ordering::Relaxed), 1);
}

/// Arguments of every kind: `Debug` shows those that are `Debug`, `_` for the others.
struct NotDebug(String);

#[coact::machine(derive(Clone, PartialEq, Eq, Hash))]
mod values {
    #[state(transitions_to = done)]
    pub fn counting(n: u32, label: String) {
        done(n + u32::try_from(label.into_bytes().len()).unwrap_or(0))
    }

    #[state]
    pub fn done(total: u32) -> u32 {
        total
    }
}

#[coact::machine]
mod opaque {
    #[state]
    pub fn holding(kept: super::NotDebug, n: u8) -> (String, u8) {
        (kept.0, n)
    }
}

#[test]
fn state_values_can_be_cloned_compared_and_shown() {
    let counting = values::counting(2, "ab".to_owned());
    let copy = counting.clone();
    assert_eq!(copy, counting);
    assert_ne!(copy, values::done(4));
    let set: std::collections::HashSet<_> = [copy.clone(), counting.clone()].into();
    assert_eq!(set.len(), 1);
    assert_eq!(format!("{counting:?}"), r#"Counting { n: 2, label: "ab" }"#);
    assert_eq!(
        format!("{:#?}", values::done(4)),
        "Done {\n    total: 4,\n}"
    );
    assert_eq!(
        format!("{:?}", opaque::holding(NotDebug("kept".to_owned()), 7)),
        "Holding { kept: _, n: 7 }"
    );
    assert_eq!(
        state::run_sync(&mut (), opaque::holding(NotDebug("kept".to_owned()), 7)),
        Ok(("kept".to_owned(), 7))
    );
}

#[tokio::test]
async fn a_state_s_name_outside_the_machine_is_where_it_starts() {
    // Inside the states, `growing(eaten)` is a checked transition; outside, the enum's
    // value, so that the machine's type is inferred from it.
    assert_eq!(
        state::run_sync(&mut (), plant::sprouting(true)),
        Ok("eaten")
    );
    assert_eq!(
        state::run(&mut (), plant::withering()).await,
        Ok("withered")
    );
    assert_eq!(state::spawn(plant::dead(true)).await, Ok("eaten"));
    assert_eq!(
        state::run_sync(&mut (), values::counting(2, "abc".to_owned())),
        Ok(5)
    );
}

/// No `use coact::state::Machine` here: the enum's own `GRAPH` and `name`.
mod without_the_trait {
    use super::plant::{self, PlantState};

    #[test]
    fn graph_and_name_need_no_trait_import() {
        assert_eq!(PlantState::GRAPH.machine(), "plant");
        assert!(PlantState::GRAPH.check("sprouting", "dead").is_err());
        assert_eq!(plant::flowering(false).name(), "flowering");
    }
}

#[tokio::test]
async fn spawn_on_hands_the_object_back() {
    let (running, transitions) = state::spawn_on_observed(Flower::default(), FlowerState::Budding);
    let count = transitions.count();
    let (petals, flower) = running.await.unwrap();
    assert_eq!((petals, flower.petals), (5, 5));
    assert_eq!(count.await, 5);
    assert_eq!(flower.started.len(), 6);
}

/// Async states awaiting timers; the object records what happened when.
#[derive(Default)]
struct Garden {
    log: Vec<(&'static str, u64)>,
    start: Option<tokio::time::Instant>,
}

impl Garden {
    fn note(&mut self, what: &'static str) {
        let start = *self.start.get_or_insert_with(tokio::time::Instant::now);
        self.log.push((what, start.elapsed().as_secs()));
    }
}

#[coact::machine(name = Season)]
impl Garden {
    #[state(transitions_to = summer)]
    async fn spring(&mut self) {
        self.note("spring");
        tokio::time::sleep(Duration::from_secs(90)).await;
        summer(2)
    }

    #[state(transitions_to = [summer, autumn])]
    async fn summer(&mut self, heatwaves: u32) {
        self.note("summer");
        tokio::time::sleep(Duration::from_secs(30)).await;
        if heatwaves > 0 {
            summer(heatwaves - 1)
        } else {
            autumn()
        }
    }

    /// A plain `fn` state in an async machine.
    #[state(transitions_to = winter)]
    fn autumn(&mut self) {
        self.note("autumn");
        winter()
    }

    #[state]
    async fn winter(&mut self) -> usize {
        tokio::time::sleep(Duration::from_secs(60)).await;
        self.note("winter");
        self.log.len()
    }
}

#[tokio::test(start_paused = true)]
async fn async_states_await_timers() {
    let mut garden = Garden::default();
    assert_eq!(state::run(&mut garden, Season::Spring).await, Ok(6));
    assert_eq!(
        garden.log,
        [
            ("spring", 0),
            ("summer", 90),
            ("summer", 120),
            ("summer", 150),
            ("autumn", 180),
            ("winter", 240),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn running_reports_the_current_state() {
    let (running, mut transitions) = state::spawn_on_observed(Garden::default(), Season::Spring);
    assert_eq!(running.state(), "spring");
    let first = transitions.next().await.unwrap().unwrap();
    assert_eq!(
        first,
        Transition {
            from: "spring",
            to: "summer"
        }
    );
    assert_eq!(running.state(), "summer");
    assert_eq!(running.graph().machine(), "Garden");
    assert!(!running.is_finished());
    let (count, garden) = running.await.unwrap();
    assert_eq!(count, garden.log.len());
    let rest: Vec<_> = transitions.map(|t| t.unwrap().to).collect().await;
    assert_eq!(rest, ["summer", "summer", "autumn", "winter"]);
}

/// A machine that waits for a go-ahead in its first state, then counts down.
#[coact::machine]
mod gated {
    #[state(transitions_to = counting)]
    pub async fn waiting(go: std::sync::Arc<tokio::sync::Notify>) {
        go.notified().await;
        counting(2)
    }

    #[state(transitions_to = [counting, done])]
    pub fn counting(left: u32) {
        if left == 0 {
            done()
        } else {
            counting(left - 1)
        }
    }

    #[state]
    pub fn done() -> &'static str {
        "done"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transitions_asked_for_later_follow_the_call_and_end_with_the_machine() {
    let go = Arc::new(Notify::new());
    let running = state::spawn(gated::GatedState::Waiting {
        go: Arc::clone(&go),
    });
    // The machine waits in its first state, so nothing has happened before this call.
    let transitions = running.transitions();
    go.notify_one();
    // The stream ends when the machine does, while `running` is still held.
    let seen: Vec<_> = transitions.map(|t| t.unwrap().to).collect().await;
    assert_eq!(seen, ["counting", "counting", "counting", "done"]);
    assert_eq!(running.await, Ok("done"));
}

#[tokio::test(start_paused = true)]
async fn transitions_of_a_machine_that_has_ended_end_at_once() {
    let running = state::spawn(PlantState::Flowering { eaten: true });
    while !running.is_finished() {
        tokio::task::yield_now().await;
    }
    let count = tokio::time::timeout(Duration::from_secs(1), running.transitions().count());
    assert_eq!(count.await, Ok(0));
    assert_eq!(running.await, Ok("eaten"));
}

/// A machine that never ends on its own.
#[coact::machine]
mod ticker {
    #[state(transitions_to = tock)]
    pub async fn tick(started: std::sync::Arc<tokio::sync::Notify>) {
        started.notify_one();
        std::future::pending::<()>().await;
        tock()
    }

    #[state(transitions_to = tick)]
    pub fn tock() {
        tick(std::sync::Arc::default())
    }
}

#[tokio::test]
async fn cancellation_ends_the_machine_in_its_state() {
    let started = Arc::new(Notify::new());
    let running = state::spawn(ticker::TickerState::Tick {
        started: Arc::clone(&started),
    });
    let transitions = running.transitions();
    started.notified().await;
    running.cancel();
    let ended = running.await;
    assert_eq!(
        ended,
        Err(MachineError::Cancelled {
            machine: "ticker",
            state: "tick"
        })
    );
    assert_eq!(
        ended.unwrap_err().to_string(),
        "machine `ticker` was cancelled in state `tick`"
    );
    // The stream ends with the machine.
    assert_eq!(transitions.count().await, 0);
}

#[tokio::test]
async fn dropping_a_run_future_cancels_it() {
    let started = Arc::new(Notify::new());
    let mut unit = ();
    let machine = state::run(
        &mut unit,
        ticker::TickerState::Tick {
            started: Arc::clone(&started),
        },
    );
    tokio::select! {
        _ = machine => panic!("the ticker never ends"),
        () = started.notified() => {}
    }
    // `machine` was dropped by `select!`: the state's future with it.
    assert_eq!(Arc::strong_count(&started), 1);
}

#[coact::machine]
mod fragile {
    #[state(transitions_to = breaking)]
    pub fn fine(n: u32) {
        breaking(n)
    }

    #[state]
    pub async fn breaking(n: u32) -> u32 {
        tokio::task::yield_now().await;
        assert!(n < 3, "n is {n}");
        n
    }
}

#[tokio::test]
async fn a_panic_ends_the_machine_naming_the_state() {
    use fragile::FragileState;
    assert_eq!(
        state::run(&mut (), FragileState::Fine { n: 1 }).await,
        Ok(1)
    );
    let ended = state::run(&mut (), FragileState::Fine { n: 7 }).await;
    assert_eq!(
        ended,
        Err(MachineError::Panicked {
            machine: "fragile",
            state: "breaking",
            message: "n is 7".to_owned(),
        })
    );
    assert_eq!(ended.unwrap_err().state(), "breaking");
    // Spawned, too.
    let spawned = state::spawn(FragileState::Fine { n: 9 }).await;
    assert!(matches!(
        spawned,
        Err(MachineError::Panicked {
            state: "breaking",
            ..
        })
    ));
}

#[test]
fn a_panic_in_a_sync_machine_names_the_state() {
    #[coact::machine]
    mod counting {
        #[state(transitions_to = [counting, done])]
        #[allow(clippy::manual_assert)] // the panic message is what the test checks
        pub fn counting(n: u32) {
            if n == 5 {
                panic!("five")
            }
            if n == 0 {
                done()
            } else {
                counting(n - 1)
            }
        }

        #[state]
        pub fn done() {}
    }
    let ended = state::run_sync(&mut (), counting::CountingState::Counting { n: 9 });
    assert_eq!(
        ended,
        Err(MachineError::Panicked {
            machine: "counting",
            state: "counting",
            message: "five".to_owned()
        })
    );
    assert_eq!(
        state::run_sync(&mut (), counting::CountingState::Counting { n: 4 }),
        Ok(())
    );
}

fn refuse(state: &guarded::GuardedState) {
    assert!(!matches!(state, guarded::GuardedState::Locked), "locked");
}

#[coact::machine]
mod guarded {
    #[state(transitions_to = locked)]
    pub fn open() {
        locked()
    }

    #[state(on_start = super::refuse)]
    pub fn locked() {}
}

#[test]
fn on_start_panics_are_the_state_s() {
    let ended = state::run_sync(&mut (), guarded::GuardedState::Open);
    assert!(
        matches!(
            ended,
            Err(MachineError::Panicked {
                state: "locked",
                ..
            })
        ),
        "{ended:?}"
    );
}

/// Set by `spin` once it runs.
static SPINNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[coact::machine]
mod spin {
    use std::sync::atomic::Ordering;

    /// Never suspends and never ends: only `cancel` between two states can stop it.
    #[state(transitions_to = spin)]
    pub fn spin(n: u64) {
        super::SPINNING.store(true, Ordering::Release);
        spin(n.wrapping_add(1))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_machine_whose_states_never_suspend() {
    use std::sync::atomic::Ordering;
    let running = state::spawn(spin::SpinState::Spin { n: 0 });
    while !SPINNING.load(Ordering::Acquire) {
        tokio::task::yield_now().await;
    }
    running.cancel();
    assert_eq!(
        running.await,
        Err(MachineError::Cancelled {
            machine: "spin",
            state: "spin"
        })
    );
}

/// A raw identifier as the enum's name, and a module and a state named `_1`: legal names
/// the macro must neither panic on nor refuse.
#[coact::machine(name = r#Odd)]
mod _1 {
    #[state(transitions_to = self_)]
    pub fn _1(n: u32) {
        self_(n + 1)
    }

    #[state]
    pub fn self_(n: u32) -> u32 {
        n
    }
}

#[test]
fn machines_with_odd_legal_names_run() {
    assert_eq!(state::run_sync(&mut (), _1::Odd::_1 { n: 1 }), Ok(2));
    assert!(matches!(_1::Odd::Self_ { n: 0 }, _1::Odd::Self_ { .. }));
}

/// Argument types written relative to the machine's module (`super::`, `self::`) name the
/// same types in the code the machine generates, for methods too.
mod relative_paths {
    #[derive(Clone, Copy)]
    pub struct Seed(pub u32);

    pub mod garden {
        #[derive(Clone, Copy)]
        pub struct Water(pub u32);

        #[derive(Default)]
        pub struct Bed {
            pub planted: u32,
        }

        #[coact::machine]
        impl Bed {
            #[state(transitions_to = grown)]
            pub fn planted(&mut self, seed: super::Seed, water: self::Water) {
                self.planted += 1;
                grown(seed.0 + water.0)
            }

            #[state]
            pub fn grown(&self, height: u32) -> u32 {
                height * self.planted
            }
        }
    }
}

#[test]
fn argument_types_relative_to_the_module_resolve() {
    use relative_paths::{garden, Seed};
    let mut bed = garden::Bed::default();
    let start = garden::BedState::Planted {
        seed: Seed(1),
        water: garden::Water(2),
    };
    assert_eq!(state::run_sync(&mut bed, start), Ok(3));
}
