#[coact::machine]
mod plant {
    #[state(transitions_to = growing)]
    pub fn sprouting(frost: bool) {
        if frost {
            return dead();
        }
        growing()
    }

    #[state(transitions_to = dead)]
    pub fn growing() { dead() }

    #[state]
    pub fn dead() {}
}

fn main() {}
