//! `#[machine]` / `#[state]`: state machines whose undeclared transitions fail to compile.

use coact::state::{self, Machine as _, MachineError, Transition, TransitionError};

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
}
