// One mistake in a machine gives one error: its enum, its `Machine` impl and the state
// constructors are still generated (as stand-ins), so the states' bodies and the code
// that runs the machine do not add errors of their own.
use coact::state;

#[coact::machine]
mod plant {
    #[state(transitions_to = [growing, dead])]
    pub fn sprouting(eaten: bool) -> u32 {
        if eaten { dead(true) } else { growing() }
    }

    #[state(transitions_to = dead)]
    pub fn growing() { dead(false) }

    #[state]
    pub fn dead(is_eaten: bool) -> bool { is_eaten }
}

fn main() {
    let eaten: bool = state::run_sync(&mut (), plant::PlantState::Sprouting { eaten: true }).unwrap_or(false);
    let _ = eaten;
    // Outside the states, a state's name is still the enum's value.
    let _: Result<bool, _> = state::run_sync(&mut (), plant::growing());
}
