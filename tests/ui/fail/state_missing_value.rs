#[coact::machine]
mod plant {
    #[state(transitions_to)]
    pub fn sprouting() { dead() }

    #[state(transitions_to = )]
    pub fn growing() { dead() }

    #[state(transitions_to = [])]
    pub fn withering() { dead() }

    #[state(on_start)]
    pub fn dead() {}
}

fn main() {}
