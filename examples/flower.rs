//! A plant's lifecycle as a state machine: sprouting -> growing -> flowering ->
//! (dead | withering), withering -> dead. Two flowers live side by side; a goat eats one.
//!
//! `cargo run --example flower`

use std::time::Duration;

use coact::state;
use futures::StreamExt as _;

/// How long each stage of a plant's life takes here.
const DAY: Duration = Duration::from_millis(20);

/// A plant. While its machine runs, the machine owns it.
#[derive(Debug, Default)]
pub struct Flower {
    pub name: &'static str,
    pub height_cm: u32,
    pub goat_nearby: bool,
    /// The state object last started, stored by `remember`, the `on_start` callback.
    state: Option<FlowerState>,
}

/// Called as each state starts, with the flower and the state (its name and arguments).
fn remember(flower: &mut Flower, state: &FlowerState) {
    flower.state = Some(state.clone());
}

// `derive(Clone)`: a state value can be stored, as `remember` does.
#[coact::machine(derive(Clone))]
impl Flower {
    #[state(transitions_to = growing, on_start = remember)]
    async fn sprouting(&mut self) {
        tokio::time::sleep(DAY).await; // germination
        self.height_cm = 1;
        growing()
    }

    #[state(transitions_to = flowering, on_start = remember)]
    async fn growing(&mut self) {
        while self.height_cm < 30 {
            tokio::time::sleep(DAY).await; // CO2 and sunlight into biomass
            self.height_cm += 10;
        }
        flowering()
    }

    #[state(transitions_to = [dead, withering], on_start = remember)]
    async fn flowering(&mut self) {
        tokio::time::sleep(DAY).await; // grow flowers
        if self.goat_nearby {
            dead(true) // parameters can be given to state changes
        } else {
            withering()
        }
    }

    #[state(transitions_to = dead, on_start = remember)]
    async fn withering(&mut self) {
        tokio::time::sleep(DAY).await; // dry up
        dead(false)
    }

    #[state(on_start = remember)]
    fn dead(&mut self, is_eaten: bool) -> String {
        if is_eaten {
            format!("{} was eaten at {} cm", self.name, self.height_cm)
        } else {
            self.height_cm = 0; // clean-up phase
            format!("{} withered", self.name)
        }
    }
}

/// Runs two flowers at once and narrates the first one's transitions.
pub async fn run() {
    let rose = Flower {
        name: "the rose",
        goat_nearby: true,
        ..Flower::default()
    };
    let tulip = Flower {
        name: "the tulip",
        ..Flower::default()
    };

    let (rose, mut transitions) = state::spawn_on_observed(rose, FlowerState::Sprouting);
    let tulip = state::spawn_on(tulip, FlowerState::Sprouting);
    println!("  the rose starts in state `{}`", rose.state());

    while let Some(Ok(transition)) = transitions.next().await {
        println!("  the rose: {} -> {}", transition.from, transition.to);
    }
    for running in [rose, tulip] {
        match running.await {
            Ok((ending, flower)) => {
                println!(
                    "  {ending} (last state stored by on_start: {:?})",
                    flower.state
                );
            }
            Err(error) => println!("  the machine failed: {error}"),
        }
    }

    println!("\n  The declared graph, as Mermaid:");
    for line in FlowerState::GRAPH.mermaid().lines() {
        println!("    {line}");
    }
}

#[allow(dead_code)] // `main` is unused when the tour includes this file as a module.
#[tokio::main]
async fn main() {
    run().await;
}
