//! Method and state names whose first character after the underscores may only continue
//! a name (`_١`, an Arabic-Indic digit; `_·x`, a middle dot): legal, so they compile. The
//! macros derive variant names from them and used to panic on these.

// An Arabic-Indic digit among Latin names is what this case is about.
#![allow(mixed_script_confusables)]

pub struct Abacus {
    beads: u32,
}

#[coact::deferred_handler]
impl Abacus {
    pub fn _١(&mut self) -> u32 {
        self.beads += 1;
        self.beads
    }

    #[must_use]
    pub fn _·x(&self) -> u32 {
        self.beads
    }
}

#[coact::machine]
mod counting {
    #[state(transitions_to = _·x)]
    pub fn _١(n: u32) {
        _·x(n + 1)
    }

    #[state]
    pub fn _·x(n: u32) -> u32 {
        n
    }
}

fn main() {
    let _ = [AbacusMethod::_١, AbacusMethod::_·x];
    assert_eq!(
        coact::state::run_sync(&mut (), counting::CountingState::_١ { n: 1 }),
        Ok(2)
    );
}
